//! /admin/followers (who follows: name, avatar, server; remove, block) and /admin/deliveries
//! (per post, delivered / pending / failed per server, with "retry now"; and the received
//! activities that failed, with their reasons and "retry").

use super::{
    auth::{Author, CsrfForm},
    page,
};
use crate::{
    error::{AppError, AppResult},
    federation::state::AppState,
    services::{
        deliveries, follows,
        inbox::{self, Retry, Trouble},
        moderation,
    },
    web::extract::Path,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct FollowerView {
    id: i32,
    name: String,
    handle: String,
    url: String,
    avatar: Option<String>,
    server: String,
    since: String,
}

pub async fn list(data: Data<AppState>, author: Author) -> AppResult<Response> {
    let settings = data.settings.current();
    let followers: Vec<FollowerView> = follows::with_profiles(&data.db)
        .await?
        .into_iter()
        .map(|(f, profile)| {
            let server = url::Url::parse(&f.actor_ap_id)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            let username = profile.as_ref().and_then(|p| p.preferred_username.clone());
            FollowerView {
                id: f.id,
                name: profile
                    .as_ref()
                    .and_then(|p| p.name.clone().filter(|n| !n.is_empty()))
                    .or_else(|| username.clone())
                    .unwrap_or_else(|| f.actor_ap_id.clone()),
                handle: username
                    .map(|u| format!("@{u}@{server}"))
                    .unwrap_or_default(),
                url: profile
                    .as_ref()
                    .and_then(|p| p.url.clone())
                    .unwrap_or_else(|| f.actor_ap_id.clone()),
                avatar: profile.and_then(|p| p.icon_url),
                since: settings.local_time(f.created_at),
                server,
            }
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "followers.html",
        minijinja::context! { title => author.t("admin_followers"), followers => followers, ..author.nav() },
    ))
}

#[derive(Deserialize)]
pub struct RemoveForm {
    /// Also block the follower (they cannot follow again).
    #[serde(default)]
    block: Option<String>,
}

/// POST /admin/followers/{id}/remove: the follower is removed and told with a `Reject` of
/// their Follow (what Mastodon sends for "remove follower"), sent to their own inbox.
pub async fn remove(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> AppResult<Response> {
    let follower = follows::remove_follower(&data, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if form.block.is_some() {
        moderation::add_block(&data, &follower.actor_ap_id).await?;
    }
    Ok(Redirect::to("/admin/followers").into_response())
}

pub async fn deliveries(data: Data<AppState>, author: Author) -> AppResult<Response> {
    let settings = data.settings.current();
    let prefix = data.urls.post("");
    let reports = deliveries::per_post(&data.db, prefix.as_str(), 30).await?;
    let items: Vec<_> = reports
        .into_iter()
        .map(|r| {
            minijinja::context! {
                id => r.id, kind => r.kind, object => r.object,
                created => settings.local_time(r.created_at), hosts => r.hosts,
            }
        })
        .collect();
    let received: Vec<_> = inbox::troubled(&data.db, Trouble::Any, 30)
        .await?
        .into_iter()
        .map(|r| {
            minijinja::context! {
                id => r.id, kind => r.kind, actor => r.actor, activity => r.activity_id,
                status => r.status, reason => r.last_error,
                tries => author.lang.counted("admin_received_tries", r.attempts.max(0) as usize),
                received => settings.local_time(r.received_at),
            }
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "deliveries.html",
        minijinja::context! {
            title => author.t("admin_deliveries"), items => items, received => received,
            ..author.nav()
        },
    ))
}

/// POST /admin/inbox/{id}/retry: a received activity that failed is tried again now.
pub async fn retry_received(
    data: Data<AppState>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> AppResult<Response> {
    inbox::retry(&data.db, Retry::One(id), data.clock.now()).await?;
    data.inbox_wakeup.notify_one();
    Ok(Redirect::to("/admin/deliveries#received").into_response())
}

#[derive(Deserialize)]
pub struct RetryForm {
    host: String,
}

/// POST /admin/deliveries/{activity}/retry: what did not arrive at `host` is sent again now,
/// also when the host was paused for failing.
pub async fn retry(
    data: Data<AppState>,
    Path(activity): Path<i32>,
    CsrfForm(form): CsrfForm<RetryForm>,
) -> AppResult<Response> {
    deliveries::retry_now(&data.db, activity, &form.host).await?;
    crate::federation::delivery::host_alive(&data.db, &form.host).await?;
    data.host_health.invalidate();
    data.delivery_wakeup.notify_one();
    Ok(Redirect::to("/admin/deliveries").into_response())
}
