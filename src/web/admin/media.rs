//! The media library: uploading images (with alt text) and picking them for posts.

use super::{Author, error_message, page};
use crate::{
    db::entities::media as media_entity,
    error::{AppError, AppResult},
    federation::state::AppState,
    services::media::{self, Upload},
};
use activitypub_federation::config::Data;
use axum::{
    Json,
    extract::Multipart,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Serialize;

#[derive(Serialize)]
pub struct MediaView {
    url: String,
    display: String,
    card: String,
    alt: String,
    width: i32,
    height: i32,
    original_name: String,
    /// Ready to paste into a post.
    markdown: String,
}

fn view(data: &AppState, m: &media_entity::Model) -> MediaView {
    let display = data.urls.media(&m.display_file_name()).to_string();
    MediaView {
        url: data.urls.media(&m.file_name()).to_string(),
        card: data.urls.media(&m.card_file_name()).to_string(),
        markdown: format!("![{}]({display})", m.alt.replace(['[', ']'], "")),
        display,
        alt: m.alt.clone(),
        width: m.width,
        height: m.height,
        original_name: m.original_name.clone(),
    }
}

async fn library_page(
    data: &AppState,
    author: &Author,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let list: Vec<MediaView> = media::recent(&data.db, 200)
        .await?
        .iter()
        .map(|m| view(data, m))
        .collect();
    Ok(page(
        status,
        "media.html",
        minijinja::context! {
            title => author.t("admin_media"),
            media => list, error => error,
            max_mb => data.config.media.max_upload_bytes / (1024 * 1024), ..author.nav()
        },
    ))
}

pub async fn library(data: Data<AppState>, author: Author) -> AppResult<Response> {
    library_page(&data, &author, StatusCode::OK, None).await
}

/// Multipart upload: `csrf`, `alt` and `file`. Answers JSON to the editor's script
/// (`Accept: application/json`), otherwise goes back to the library.
pub async fn upload(
    data: Data<AppState>,
    author: Author,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let mut csrf = String::new();
    let mut alt = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(format!("upload: {}", e.body_text()))
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(bad)?,
            Some("alt") => alt = field.text().await.map_err(bad)?,
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
            }
            _ => {}
        }
    }
    if let Err(refused) = author.check_csrf(&csrf) {
        return Ok(refused.into_response());
    }
    let result = match file {
        Some((original_name, bytes)) if !bytes.is_empty() => {
            media::store(
                &data,
                Upload {
                    bytes,
                    original_name,
                    alt,
                    user_id: Some(author.user.id),
                },
            )
            .await
        }
        _ => Err(AppError::BadRequest(
            author.t("admin_error_choose_image").into(),
        )),
    };
    match (result, wants_json) {
        (Ok(stored), true) => Ok((StatusCode::CREATED, Json(view(&data, &stored))).into_response()),
        (Ok(_), false) => Ok(Redirect::to("/admin/media").into_response()),
        (Err(e), true) => Err(e),
        (Err(e @ (AppError::BadRequest(_) | AppError::PayloadTooLarge)), false) => {
            let status = e.status();
            library_page(&data, &author, status, Some(error_message(&e))).await
        }
        (Err(e), false) => Err(e),
    }
}
