//! The site navigation every page shows (its published static pages), read once per rendered
//! page by a layer and handed to templates through a task-local.

use crate::services::pages;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
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
