//! Reports in /admin: those other servers sent about the blog's content (also a notification),
//! and those the owner sent; and the owner's report of a remote comment (a `Flag` to its
//! server, and a block of its author).

use super::{
    auth::{Author, CsrfForm},
    page, safe_back,
};
use crate::{
    error::{AppError, AppResult, Text},
    federation::state::AppState,
    services::{posts, reports},
    web::extract::Path,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ReportView {
    id: i32,
    direction: String,
    actor: String,
    objects: Vec<String>,
    content: String,
    post_title: Option<String>,
    post_url: Option<String>,
    when: String,
}

/// GET /admin/reports.
pub async fn list(data: Data<AppState>, author: Author) -> AppResult<Response> {
    let settings = data.settings.current();
    let mut items = Vec::new();
    for r in reports::latest(&data, 200).await? {
        let post = match r.post_id {
            Some(id) => posts::find_by_id(&data.db, id).await?,
            None => None,
        };
        items.push(ReportView {
            id: r.id,
            direction: r.direction,
            actor: r.actor_ap_id,
            objects: r.objects.lines().map(str::to_string).collect(),
            content: r.content,
            post_title: post.as_ref().map(|p| p.title.clone()),
            post_url: post.as_ref().map(|p| data.urls.post(&p.slug).to_string()),
            when: settings.local_time(r.created_at),
        });
    }
    Ok(page(
        StatusCode::OK,
        "reports.html",
        minijinja::context! {
            title => author.t("admin_reports"), items => items, ..author.nav()
        },
    ))
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/comments/{id}/report: reports the remote comment to its server and blocks its
/// author.
pub async fn report(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> AppResult<Response> {
    if form.reason.trim().is_empty() {
        return Err(AppError::Invalid(Text::new("error_report_reason")));
    }
    reports::report_comment(&data, id, &form.reason).await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/reports")).into_response())
}
