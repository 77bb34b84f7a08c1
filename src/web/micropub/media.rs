//! `POST /micropub/media`: one uploaded file, stored as the admin's uploads are.

use super::{
    auth::{header_token, require},
    error::{MicropubError, MpResult, invalid, multipart_error},
};
use crate::{
    federation::state::AppState,
    services::media::{self, Upload},
};
use activitypub_federation::config::Data;
use axum::{
    Json,
    extract::{FromRequest, Multipart, Request},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

/// POST /micropub/media: one `file`; answers 201 with its URL in `Location`.
pub async fn upload(data: Data<AppState>, request: Request) -> Response {
    upload_inner(&data, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn upload_inner(data: &AppState, request: Request) -> MpResult<Response> {
    // The header's token before the body: an upload is never read for nobody.
    let token = header_token(data, request.headers())
        .await?
        .ok_or(MicropubError::Unauthorized)?;
    require(&token, "media")?;
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| invalid(e.body_text()))?;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let original_name = field.file_name().unwrap_or("upload").to_string();
        let bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
        let stored = media::store(
            data,
            Upload {
                bytes,
                original_name,
                alt: String::new(),
                user_id: token.user_id,
            },
        )
        .await?;
        let url = data.urls.media(&stored.display_file_name()).to_string();
        return Ok((
            StatusCode::CREATED,
            [(header::LOCATION, url.clone())],
            Json(json!({"url": url})),
        )
            .into_response());
    }
    Err(invalid("the upload needs a part named file"))
}
