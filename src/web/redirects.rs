//! Addresses that are not routes: an old address of an imported post answers 301 to its new
//! one, anything else the 404 page.

use crate::{federation::state::AppState, services::redirects, web::pages};
use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};

pub async fn fallback(data: Data<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    match redirects::target(&data.db, &uri).await {
        Ok(Some(target)) => {
            (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, target)]).into_response()
        }
        Ok(None) => pages::not_found(data, headers).await,
        Err(e) => e.into_response(),
    }
}
