//! Static pages for readers (`/pages/<slug>`: an Impressum, About).

use crate::web::extract::Path;
use crate::{
    db::changes::Shows,
    error::{AppError, AppResult},
    federation::state::AppState,
    services::pages,
    web::{cache::showing, pages as reader, respond::html},
};
use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, StatusCode},
    response::Response,
};
use minijinja::context;

/// `/pages/<slug>`.
pub async fn page(
    data: Data<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(page) = pages::find(&data.db, &slug).await? else {
        return Ok(reader::error_page(&data, &headers, AppError::NotFound));
    };
    let url = data.urls.page(&page.slug);
    let context = context! {
        page => context! {
            title => page.title,
            summary => page.summary,
            html => page.body_html,
            lang => page.lang,
            url => url.to_string(),
        },
        ..reader::common(&data)
    };
    let page = html(StatusCode::OK, data.templates.render("page.html", context));
    Ok(showing(page, Shows::default()))
}
