//! /admin/followers (who follows: name, avatar, server; remove, block) and /admin/deliveries
//! (per post, delivered / pending / failed per server, with "retry now"; and the received
//! activities and the blog's own changes (outbox events) that failed, with their reasons and
//! "retry").

use super::{
    auth::{Author, CsrfForm},
    page,
};
use crate::{
    error::{AppError, AppResult, Text},
    federation::state::AppState,
    render::i18n::Language,
    services::{
        deliveries, followers,
        inbox::{self, Retry, Trouble},
        local_actor::LocalActor,
        moderation, outbox,
    },
    web::extract::{Path, Query},
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
    /// Whom they follow: "follows the blog", "follows @alice".
    follows: String,
}

/// A filter of the list: all followers, or those of one of our actors.
#[derive(Serialize)]
struct TabView {
    label: String,
    href: String,
    count: u64,
    current: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// The actor whose followers to show (`blog`, `author:<name>`); none: everyone's.
    of: Option<String>,
}

/// How the page names `local`: "Blog", "@alice".
fn label(author: &Author, local: &LocalActor) -> String {
    match local.username() {
        None => author.t("admin_followers_blog").to_string(),
        Some(username) => format!("@{username}"),
    }
}

/// The tabs: all, then each actor with followers (none when the blog alone has any).
fn tabs(author: &Author, counts: &[(LocalActor, u64)], of: Option<&LocalActor>) -> Vec<TabView> {
    if counts.iter().all(|(local, _)| *local == LocalActor::Blog) && of.is_none() {
        return vec![];
    }
    let all = TabView {
        label: author.t("admin_followers_all").to_string(),
        href: "/admin/followers".into(),
        count: counts.iter().map(|(_, n)| n).sum(),
        current: of.is_none(),
    };
    let each = counts.iter().map(|(local, count)| TabView {
        label: label(author, local),
        href: format!("/admin/followers?of={}", local.name()),
        count: *count,
        current: of == Some(local),
    });
    std::iter::once(all).chain(each).collect()
}

pub async fn list(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let settings = data.settings.current();
    let of = query.of.as_deref().and_then(LocalActor::from_name);
    let tabs = tabs(&author, &followers::counts(&data.db).await?, of.as_ref());
    let followers: Vec<FollowerView> = followers::with_profiles(&data.db, of.as_ref())
        .await?
        .into_iter()
        .map(|(f, profile)| {
            let server = url::Url::parse(&f.actor_ap_id)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            let username = profile.as_ref().and_then(|p| p.preferred_username.clone());
            let follows =
                match LocalActor::from_name(&f.local_actor) {
                    Some(local @ LocalActor::Author(_)) => author
                        .t("admin_follows_author")
                        .replacen("%s", &label(&author, &local), 1),
                    _ => author.t("admin_follows_blog").to_string(),
                };
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
                follows,
            }
        })
        .collect();
    let nobody =
        match &of {
            Some(local @ LocalActor::Author(_)) => author
                .t("admin_nobody_follows_author")
                .replacen("%s", &label(&author, local), 1),
            _ => author.t("admin_nobody_follows").to_string(),
        };
    Ok(page(
        StatusCode::OK,
        "followers.html",
        minijinja::context! {
            title => author.t("admin_followers"), followers => followers, tabs => tabs,
            nobody => nobody, ..author.nav()
        },
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
    let follower = followers::remove(&data, id, form.block.is_some())
        .await?
        .ok_or(AppError::NotFound)?;
    if form.block.is_some() {
        // Blocked, they follow none of our actors any more.
        moderation::add_block(&data, &follower.actor_ap_id).await?;
        followers::remove_all(&data, &follower.actor_ap_id).await?;
    }
    Ok(Redirect::to("/admin/followers").into_response())
}

/// Why a delivery or a received activity failed, in the interface language: the recorded
/// reason (an HTTP status, or an `AppError` as the log writes it, in English) by its kind.
/// The full text stays in the log and in `feder deliveries` / `feder inbox show`.
fn reason_in_words(lang: &Language, reason: &str) -> String {
    if let Some(code) = reason.strip_prefix("HTTP ") {
        return lang.say(&Text::with("admin_reason_http", [code]));
    }
    let kind = [
        ("remote server did not answer", "admin_reason_unreachable"),
        ("unauthorized", "admin_reason_signature"),
        ("forbidden", "admin_reason_refused"),
        ("bad request", "admin_reason_unreadable"),
        ("invalid", "admin_reason_unreadable"),
        ("not found", "admin_reason_missing"),
        ("gone", "admin_reason_missing"),
        ("too many requests", "admin_reason_busy"),
        ("temporarily unavailable", "admin_reason_busy"),
        ("database", "admin_reason_ours"),
        ("internal", "admin_reason_ours"),
    ]
    .into_iter()
    .find(|(prefix, _)| reason.starts_with(prefix))
    .map_or("admin_reason_other", |(_, key)| key);
    lang.get(kind).to_string()
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
                created => settings.local_time(r.created_at),
                hosts => r.hosts.into_iter().map(|mut h| {
                    h.last_error = h.last_error.map(|e| reason_in_words(author.lang, &e));
                    h
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let received: Vec<_> = inbox::troubled(&data.db, Trouble::Any, 30)
        .await?
        .into_iter()
        .map(|r| {
            minijinja::context! {
                id => r.id, kind => r.kind, actor => r.actor, activity => r.activity_id,
                status => r.status,
                reason => r.last_error.map(|e| reason_in_words(author.lang, &e)),
                tries => author.lang.counted("admin_received_tries", r.attempts.max(0) as usize),
                received => settings.local_time(r.received_at),
            }
        })
        .collect();
    let events: Vec<_> = outbox::troubled(&data.db, 30)
        .await?
        .into_iter()
        .map(|e| {
            minijinja::context! {
                id => e.id, event => e.event,
                status => if e.dead_at.is_some() { "dead" } else { "pending" },
                reason => e.last_error.map(|r| reason_in_words(author.lang, &r)),
                tries => author.lang.counted("admin_received_tries", e.attempts.max(0) as usize),
                created => settings.local_time(e.created_at),
            }
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "deliveries.html",
        minijinja::context! {
            title => author.t("admin_deliveries"), items => items, received => received,
            events => events,
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

/// POST /admin/outbox/{id}/retry: an event that failed to become activities is tried again
/// now.
pub async fn retry_event(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> AppResult<Response> {
    outbox::retry(&data.db, Some(id)).await?;
    data.outbox_wakeup.notify_one();
    Ok(Redirect::to("/admin/deliveries#events").into_response())
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
