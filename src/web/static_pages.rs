//! Static pages for readers (`/pages/<slug>`: an Impressum, About) and the navigation that
//! lists them on every page.

use crate::{
    error::{AppError, AppResult},
    federation::state::AppState,
    services::pages,
    web::{pages as reader, respond::html},
};
use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::Response,
};
use minijinja::context;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::sync::Arc;

/// A page in the site's navigation.
#[derive(Serialize, Clone, Debug)]
pub struct NavLink {
    pub title: String,
    pub url: String,
}

tokio::task_local! {
    /// The navigation of the page being rendered (see `with_navigation`).
    static NAVIGATION: Arc<Vec<NavLink>>;
}

/// The navigation of the page being rendered: empty outside `with_navigation`.
pub fn navigation() -> Vec<NavLink> {
    NAVIGATION
        .try_with(|nav| nav.as_ref().clone())
        .unwrap_or_default()
}

/// The layer that reads the navigation once per rendered page (inside the page cache, so a
/// cached answer costs no query), for `navigation()` to hand to templates.
pub async fn with_navigation(
    State(db): State<DatabaseConnection>,
    request: Request,
    next: Next,
) -> Response {
    let nav = match pages::navigation(&db).await {
        Ok(list) => list
            .into_iter()
            .map(|p| NavLink {
                url: format!("/pages/{}", p.slug),
                title: p.title,
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "navigation not read");
            vec![]
        }
    };
    NAVIGATION.scope(Arc::new(nav), next.run(request)).await
}

/// `/pages/<slug>`.
pub async fn page(
    data: Data<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(page) = pages::find(&data.db, &slug).await? else {
        return Ok(reader::error_page(&data, &headers, AppError::NotFound));
    };
    let url = data
        .urls
        .base()
        .join(&format!("pages/{}", page.slug))
        .map_err(AppError::internal)?;
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
    Ok(html(
        StatusCode::OK,
        data.templates.render("page.html", context),
    ))
}
