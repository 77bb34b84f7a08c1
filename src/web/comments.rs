//! The comment form under every post (plain HTML, no JavaScript): the form and its signed
//! token, the POST that takes a comment, the notice its writer sees afterwards, and the
//! secret link that deletes it. The checks that need a request (address, honeypot, token)
//! are here; everything else is `services::web_comments`.

use crate::web::extract::{Form, Path, Query};
use crate::{
    db::entities::{comment, post},
    error::{AppError, AppResult},
    federation::{limits::RateLimiter, state::AppState},
    render::i18n,
    services::{
        comment_policy, outbox, posts,
        web_comments::{self, Invalid, NewComment, Rules},
    },
    web::{extract::client_ip, pages, respond::html},
};
use activitypub_federation::config::Data;
use axum::{
    Extension,
    extract::ConnectInfo,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use minijinja::context;
use ring::hmac;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{net::SocketAddr, sync::Arc};

/// Stands for the form token while a post page is rendered, so that the page (and its ETag)
/// stays the same from one render to the next; every answer gets a fresh token in its place.
const TOKEN_PLACEHOLDER: &str = "feder-comment-form-token";
/// A form older than this is refused (the writer sends it again with a fresh token).
const TOKEN_MAX_AGE_SECONDS: i64 = 2 * 24 * 3600;
/// Forms are small: a comment of 10,000 characters fits many times.
pub const MAX_FORM_BODY: usize = 64 * 1024;

/// Comments per client address, for the whole blog.
pub struct CommentLimits(pub RateLimiter);

impl CommentLimits {
    pub fn new(per_hour: u32) -> Arc<CommentLimits> {
        Arc::new(CommentLimits(RateLimiter::per_window(
            per_hour,
            std::time::Duration::from_secs(3600),
        )))
    }
}

/// The key form tokens are signed with, derived from the blog's signing key: the same on every
/// node, never stored twice.
fn form_key(data: &AppState) -> hmac::Key {
    let secret = Sha256::new()
        .chain_update(b"feder comment form\0")
        .chain_update(data.actor.private_key_pem().as_bytes())
        .finalize();
    hmac::Key::new(hmac::HMAC_SHA256, &secret)
}

/// `<post id>.<unix time>.<HMAC>`: which post the form is for and when it was handed out.
fn form_token(data: &AppState, post_id: i32, issued: i64) -> String {
    let payload = format!("{post_id}.{issued}");
    let tag = hmac::sign(&form_key(data), payload.as_bytes());
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

#[derive(Debug, PartialEq, Eq)]
enum TokenCheck {
    Valid,
    /// Sent sooner than a person can read and write.
    TooFast,
    /// Not ours, for another post, or too old.
    Invalid,
}

fn check_token(data: &AppState, token: &str, post_id: i32, now: i64) -> TokenCheck {
    let mut parts = token.rsplitn(2, '.');
    let (Some(tag), Some(payload)) = (parts.next(), parts.next()) else {
        return TokenCheck::Invalid;
    };
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return TokenCheck::Invalid;
    };
    if hmac::verify(&form_key(data), payload.as_bytes(), &tag).is_err() {
        return TokenCheck::Invalid;
    }
    let Some((id, issued)) = payload.split_once('.') else {
        return TokenCheck::Invalid;
    };
    let (Ok(id), Ok(issued)) = (id.parse::<i32>(), issued.parse::<i64>()) else {
        return TokenCheck::Invalid;
    };
    let age = now - issued;
    let min = i64::try_from(data.config.limits.web_comment_min_seconds).unwrap_or(i64::MAX);
    if id != post_id || !(0..=TOKEN_MAX_AGE_SECONDS).contains(&age) {
        TokenCheck::Invalid
    } else if age < min {
        TokenCheck::TooFast
    } else {
        TokenCheck::Valid
    }
}

/// What the form template sees.
#[derive(Serialize, Default)]
pub struct FormView {
    action: String,
    token: String,
    parent_id: Option<i32>,
    parent_name: String,
    cancel_url: String,
    author: String,
    email: String,
    website: String,
    text: String,
    consent: bool,
    error: Option<String>,
    max_chars: usize,
}

fn form_action(data: &AppState, post: &post::Model) -> String {
    format!("{}/comments", data.urls.post(&post.slug))
}

fn max_chars(data: &AppState) -> usize {
    data.config.limits.max_comment_chars.min(10_000)
}

/// The empty form for a post page (answering `reply_to` when it names one of its comments),
/// or `None` when the post takes no comments. Its token is filled in by [`page_with_form`].
pub async fn form_for_page(
    data: &AppState,
    post: &post::Model,
    reply_to: Option<i32>,
) -> AppResult<Option<FormView>> {
    if !comment_policy::open_for_comments(post, data.settings.current().blog.comment_policy) {
        return Ok(None);
    }
    let post_url = data.urls.post(&post.slug).to_string();
    let parent = match reply_to {
        Some(id) => web_comments::reply_target(&data.db, post.id, id).await?,
        None => None,
    };
    Ok(Some(FormView {
        action: form_action(data, post),
        token: TOKEN_PLACEHOLDER.into(),
        parent_id: parent.as_ref().map(|p| p.id),
        parent_name: parent.as_ref().map(name_of).unwrap_or_default(),
        cancel_url: format!("{post_url}#comment-form"),
        max_chars: max_chars(data),
        ..FormView::default()
    }))
}

/// Who wrote a comment, as the reply line names them.
fn name_of(c: &comment::Model) -> String {
    c.author_name
        .clone()
        .unwrap_or_else(|| c.author_ap_id.clone())
}

/// A rendered post page: its ETag from the page as rendered (token left out), then a fresh
/// form token put in.
pub fn page_with_form(
    data: &AppState,
    post_id: i32,
    body: Result<String, minijinja::Error>,
) -> Response {
    let Ok(body) = body else {
        return html(StatusCode::OK, body);
    };
    let digest = Sha256::digest(body.as_bytes());
    let etag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let token = form_token(data, post_id, Utc::now().timestamp());
    let mut response = html(StatusCode::OK, Ok(body.replace(TOKEN_PLACEHOLDER, &token)));
    if let Ok(value) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// What the writer of a comment sees on the post page right after sending it.
#[derive(Serialize)]
pub struct NoticeView {
    held: bool,
    html: String,
    delete_url: String,
}

fn delete_url(data: &AppState, id: i32, key: &str) -> String {
    let mut url = data
        .urls
        .base()
        .join(&format!("comments/{id}/delete"))
        .unwrap_or_else(|_| data.urls.base().clone());
    url.query_pairs_mut().append_pair("key", key);
    url.to_string()
}

/// The notice for `?comment=ID&key=SECRET`, when the secret is that comment's.
pub async fn notice_for_page(
    data: &AppState,
    post: &post::Model,
    comment_id: Option<i32>,
    key: Option<&str>,
) -> AppResult<Option<NoticeView>> {
    let (Some(id), Some(key)) = (comment_id, key) else {
        return Ok(None);
    };
    let found = web_comments::find_with_key(&data.db, id, key)
        .await?
        .filter(|c| c.post_id == Some(post.id) && c.deleted_at.is_none());
    Ok(found.map(|c| NoticeView {
        held: c.status != comment::APPROVED,
        html: c.content_html.clone(),
        delete_url: delete_url(data, c.id, key),
    }))
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    author: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    token: String,
    /// The honeypot: hidden from people (and from screen readers), filled in by bots.
    #[serde(default)]
    url: String,
}

/// POST /posts/{slug}/comments
pub async fn submit(
    data: Data<AppState>,
    Path(slug): Path<String>,
    Extension(limits): Extension<Arc<CommentLimits>>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let Some(post) = posts::find(&data.db, &slug)
        .await?
        .filter(|p| p.deleted_at.is_none())
    else {
        return Ok(pages::error_page(&data, &headers, AppError::NotFound));
    };
    let ui = i18n::language(&data.config.blog.lang);
    let client = client_ip(
        connect.as_ref().map(|c| &c.0),
        &headers,
        &data.config.server.trusted_proxies,
    );
    if let Err(wait) = limits.0.check(&client) {
        let mut response = pages::message_page(
            &data,
            StatusCode::TOO_MANY_REQUESTS,
            ui.get("bad_request_title"),
            ui.get("comment_rate_limited"),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    if !form.url.trim().is_empty() {
        tracing::info!(%client, post = %post.slug, "web comment refused: honeypot filled");
        return Ok(pages::message_page(
            &data,
            StatusCode::BAD_REQUEST,
            ui.get("bad_request_title"),
            ui.get("comment_refused"),
        ));
    }
    match check_token(&data, &form.token, post.id, Utc::now().timestamp()) {
        TokenCheck::Valid => {}
        TokenCheck::TooFast => return Ok(retry(&data, &post, form, "comment_too_fast").await),
        TokenCheck::Invalid => return Ok(retry(&data, &post, form, "comment_expired").await),
    }
    let parent = match form.parent.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => match id.parse() {
            Ok(id) => Some(id),
            Err(_) => return Ok(retry(&data, &post, form, "comment_error_parent").await),
        },
    };
    let rules = Rules {
        policy: data.settings.current().blog.comment_policy,
        max_links: data.config.limits.max_links_per_web_comment,
        max_chars: max_chars(&data),
        mails: data.settings.current().mail.clone(),
    };
    let new = NewComment {
        post: &post,
        parent,
        name: &form.author,
        email: &form.email,
        website: &form.website,
        text: &form.text,
        consent: form.consent.is_some(),
    };
    let posted = match web_comments::submit(&data.db, &data.urls, &rules, new).await? {
        Ok(posted) => posted,
        Err(invalid) => {
            let status = if invalid == Invalid::Closed {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            let mut response = retry(&data, &post, form, invalid.message_key()).await;
            *response.status_mut() = status;
            return Ok(response);
        }
    };
    let c = &posted.comment;
    tracing::info!(id = c.id, status = %c.status, post = %post.slug, "web comment");
    outbox::recorded(&data);
    let mut back = data.urls.post(&post.slug);
    back.query_pairs_mut()
        .append_pair("comment", &c.id.to_string())
        .append_pair("key", &posted.key);
    back.set_fragment(Some("comment-notice"));
    Ok(Redirect::to(back.as_str()).into_response())
}

/// The form again, filled in as it was sent, with what to correct and a fresh token.
async fn retry(data: &AppState, post: &post::Model, form: CommentForm, message: &str) -> Response {
    let ui = i18n::language(&data.config.blog.lang);
    let parent_id = form.parent.as_deref().and_then(|p| p.trim().parse().ok());
    let parent = match parent_id {
        Some(id) => web_comments::reply_target(&data.db, post.id, id)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let post_url = data.urls.post(&post.slug).to_string();
    let view = FormView {
        action: form_action(data, post),
        token: form_token(data, post.id, Utc::now().timestamp()),
        parent_id: parent.as_ref().map(|p| p.id),
        parent_name: parent.as_ref().map(name_of).unwrap_or_default(),
        cancel_url: format!("{post_url}#comment-form"),
        author: form.author,
        email: form.email,
        website: form.website,
        text: form.text,
        consent: form.consent.is_some(),
        error: Some(ui.get(message).to_string()),
        max_chars: max_chars(data),
    };
    let context = context! {
        heading => post.title.clone(),
        post_url => post_url,
        form => view,
        ..pages::common(data)
    };
    html(
        StatusCode::BAD_REQUEST,
        data.templates.render("comment_retry.html", context),
    )
}

#[derive(Deserialize)]
pub struct KeyQuery {
    #[serde(default)]
    key: String,
}

/// GET /comments/{id}/delete?key=…: the writer's delete link asks once more.
pub async fn delete_page(
    data: Data<AppState>,
    Path(id): Path<String>,
    Query(query): Query<KeyQuery>,
) -> AppResult<Response> {
    let found = match id.parse() {
        Ok(id) => web_comments::find_with_key(&data.db, id, &query.key)
            .await?
            .filter(|c| c.deleted_at.is_none()),
        Err(_) => None,
    };
    let post_url = post_url_of(&data, found.as_ref()).await?;
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let context = context! {
        comment => found.map(|c| context! { html => c.content_html }),
        key => query.key,
        action => format!("{}comments/{id}/delete", data.urls.base()),
        post_url => post_url,
        done => false,
        ..pages::common(&data)
    };
    Ok(html(
        status,
        data.templates.render("comment_delete.html", context),
    ))
}

async fn post_url_of(data: &AppState, c: Option<&comment::Model>) -> AppResult<Option<String>> {
    let Some(post_id) = c.and_then(|c| c.post_id) else {
        return Ok(None);
    };
    Ok(posts::find_by_id(&data.db, post_id)
        .await?
        .map(|p| data.urls.post(&p.slug).to_string()))
}

/// POST /comments/{id}/delete: deletes it (and in the fediverse, if it was published there).
pub async fn delete(
    data: Data<AppState>,
    Path(id): Path<String>,
    Form(form): Form<KeyQuery>,
) -> AppResult<Response> {
    let deleted = match id.parse() {
        Ok(id) => web_comments::delete_by_writer(&data.db, id, &form.key).await?,
        Err(_) => None,
    };
    if deleted.is_some() {
        outbox::recorded(&data);
    }
    let post_url = post_url_of(&data, deleted.as_ref()).await?;
    let status = if deleted.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let context = context! {
        comment => Option::<()>::None,
        done => deleted.is_some(),
        post_url => post_url,
        ..pages::common(&data)
    };
    Ok(html(
        status,
        data.templates.render("comment_delete.html", context),
    ))
}
