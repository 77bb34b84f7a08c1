//! `/comments/{id}/answers?do=on|off&token=…`: the links in mails to a web comment's writer
//! that confirm mails about answers (the double opt-in) or stop them. The link opens a page
//! that asks once more (mail scanners follow links; only the button's POST changes anything).

use crate::web::extract::{Form, Path, Query};
use crate::{
    error::AppResult,
    federation::state::AppState,
    services::{posts, web_comments},
    web::{pages, respond::html},
};
use activitypub_federation::config::Data;
use axum::{http::StatusCode, response::Response};
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Link {
    #[serde(default, rename = "do")]
    choice: String,
    #[serde(default)]
    token: String,
}

impl Link {
    /// `Some(true)` for on, `Some(false)` for off.
    fn on(&self) -> Option<bool> {
        match self.choice.as_str() {
            "on" => Some(true),
            "off" => Some(false),
            _ => None,
        }
    }
}

async fn respond(
    data: &AppState,
    id: &str,
    link: &Link,
    found: Option<crate::db::entities::comment::Model>,
    done: bool,
) -> AppResult<Response> {
    let post_url = match found.as_ref().and_then(|c| c.post_id) {
        Some(post_id) => posts::find_by_id(&data.db, post_id)
            .await?
            .map(|p| data.urls.post(&p.slug).to_string()),
        None => None,
    };
    let status = if found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let context = context! {
        comment => found.map(|c| context! { html => c.content_html }),
        choice => if link.on() == Some(false) { "off" } else { "on" },
        token => link.token,
        action => format!("{}comments/{id}/answers", data.urls.base()),
        post_url => post_url,
        done => done,
        ..pages::common(data)
    };
    Ok(html(
        status,
        data.templates.render("comment_mail.html", context),
    ))
}

/// GET: the question, with the button.
pub async fn page(
    data: Data<AppState>,
    Path(id): Path<String>,
    Query(link): Query<Link>,
) -> AppResult<Response> {
    let found = match (id.parse(), link.on()) {
        (Ok(n), Some(on)) => {
            web_comments::find_with_mail_link(&data.db, n, on, &link.token).await?
        }
        _ => None,
    };
    respond(&data, &id, &link, found, false).await
}

/// POST: turns the mails on or off.
pub async fn set(
    data: Data<AppState>,
    Path(id): Path<String>,
    Form(link): Form<Link>,
) -> AppResult<Response> {
    let changed = match (id.parse(), link.on()) {
        (Ok(n), Some(on)) => web_comments::set_answer_mail(&data.db, n, on, &link.token).await?,
        _ => None,
    };
    let done = changed.is_some();
    respond(&data, &id, &link, changed, done).await
}
