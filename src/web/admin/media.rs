//! The media library: uploading images (with alt text), picking them for posts, changing
//! their alt text and deleting those nothing uses.

use super::{
    auth::{Author, CsrfForm, CsrfMultipart},
    page,
};
use crate::{
    db::entities::media as media_entity,
    error::{AppError, AppResult, Text},
    federation::state::AppState,
    services::media::{self, Upload},
    web::extract::Path,
};
use activitypub_federation::config::Data;
use axum::{
    Json,
    extract::Multipart,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct MediaView {
    id: i32,
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
        id: m.id,
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

/// The alt text and the file (its name and bytes) of an upload.
async fn read_upload(mut multipart: Multipart) -> AppResult<(String, Option<(String, Vec<u8>)>)> {
    let mut alt = String::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("alt") => alt = field.text().await?,
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                file = Some((name, field.bytes().await?.to_vec()));
            }
            _ => {}
        }
    }
    Ok((alt, file))
}

/// Multipart upload: `csrf` first, then `alt` and `file`. Answers JSON to the editor's script
/// (`Accept: application/json`), otherwise goes back to the library, or shows it with what
/// was wrong (too large, not an image).
pub async fn upload(
    data: Data<AppState>,
    author: Author,
    headers: HeaderMap,
    CsrfMultipart(multipart): CsrfMultipart,
) -> AppResult<Response> {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let result = match read_upload(multipart).await {
        Ok((alt, Some((original_name, bytes)))) if !bytes.is_empty() => {
            let upload = Upload {
                bytes,
                original_name,
                alt,
                user_id: Some(author.user.id),
            };
            media::store(&data, upload).await
        }
        Ok(_) => Err(AppError::Invalid(Text::new("admin_error_choose_image"))),
        Err(e) => Err(e),
    };
    match (result, wants_json) {
        (Ok(stored), true) => Ok((StatusCode::CREATED, Json(view(&data, &stored))).into_response()),
        (Ok(_), false) => Ok(Redirect::to("/admin/media").into_response()),
        (Err(e), _) if e.status().is_server_error() => Err(e),
        (Err(e), true) => {
            let body = serde_json::json!({ "error": author.say(&e) });
            Ok((e.status(), Json(body)).into_response())
        }
        (Err(e), false) => library_page(&data, &author, e.status(), Some(author.say(&e))).await,
    }
}

#[derive(Deserialize)]
pub struct AltForm {
    alt: String,
}

/// A new alternative text for an image.
pub async fn set_alt(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<AltForm>,
) -> AppResult<Response> {
    media::set_alt(&data.db, id, &form.alt).await?;
    Ok(Redirect::to(&format!("/admin/media#media-{id}")).into_response())
}

/// Deletes an image; one still used is refused, and the library says where it is used.
pub async fn delete(
    data: Data<AppState>,
    author: Author,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> AppResult<Response> {
    match media::delete(&data, id).await {
        Ok(()) => Ok(Redirect::to("/admin/media").into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => {
            library_page(&data, &author, e.status(), Some(author.say(&e))).await
        }
        Err(e) => Err(e),
    }
}
