//! GET /media/{file}: uploaded images. Their names never change, so they are cached for a year.

use crate::web::extract::Path;
use crate::{error::AppResult, federation::state::AppState, services::media};
use activitypub_federation::config::Data;
use axum::{
    http::header,
    response::{IntoResponse, Response},
};

pub async fn file(data: Data<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let (bytes, media_type) = media::read(&data, &name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        bytes,
    )
        .into_response())
}
