//! The moderation queue: comments waiting for approval (or shown, or hidden), each with
//! approve, reject, spam, delete, blocking its author or server, and a reply form that answers
//! as `feder reply create` does; the blog's own answers below, editable. And the blocks and
//! the keyword filters.

use super::{
    auth::{Author, CsrfForm},
    page, safe_back,
};
use crate::{
    db::entities::comment,
    error::{AppError, AppResult},
    federation::{actions, state::AppState},
    services::{blocklists, comment_filters, comments, moderation},
    web::extract::{Path, Query},
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use url::Url;

#[derive(Serialize)]
struct AnswerView {
    id: i32,
    html: String,
    /// The answer as plain text, to start editing from.
    text: String,
    published: String,
}

#[derive(Serialize)]
struct QueueItem {
    id: i32,
    author: String,
    author_url: String,
    server: String,
    html: String,
    published: String,
    status: String,
    answers: Vec<AnswerView>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
}

/// Sanitized HTML back to the text it was written as, near enough to edit.
fn plain_text(html: &str) -> String {
    let spaced = html.replace("</p>", "\n\n").replace("<br>", "\n");
    let text = ammonia::Builder::empty().clean(&spaced).to_string();
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .trim()
        .to_string()
}

pub async fn queue(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    let status = match query.status.as_deref() {
        Some(s @ (comment::APPROVED | comment::REJECTED | comment::SPAM)) => s,
        _ => comment::PENDING,
    };
    let settings = data.settings.current();
    let found = moderation::queue(&data.db, status, 200).await?;
    let parents = found.iter().map(|c| c.ap_id.clone()).collect();
    let mut answers: HashMap<String, Vec<AnswerView>> = HashMap::new();
    for a in comments::answers_to(&data.db, parents).await? {
        answers
            .entry(a.in_reply_to.clone())
            .or_default()
            .push(AnswerView {
                id: a.id,
                text: plain_text(&a.content_html),
                html: a.content_html,
                published: settings.local_time(a.published_at),
            });
    }
    let items: Vec<QueueItem> = found
        .into_iter()
        .map(|c| QueueItem {
            id: c.id,
            author: c
                .author_name
                .clone()
                .unwrap_or_else(|| c.author_ap_id.clone()),
            server: Url::parse(&c.author_ap_id)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default(),
            author_url: c.author_ap_id.clone(),
            answers: answers.remove(&c.ap_id).unwrap_or_default(),
            html: c.content_html,
            published: settings.local_time(c.published_at),
            status: c.status,
        })
        .collect();
    let blocks: Vec<String> = moderation::list_blocks(&data.db)
        .await?
        .into_iter()
        .map(|b| b.value)
        .collect();
    let filters = comment_filters::list(&data.db).await?;
    let lists: Vec<_> = blocklists::list(&data)
        .await?
        .into_iter()
        .map(|l| {
            minijinja::context! {
                id => l.id, listed => blocklists::domains_of(&l).count(), applied => l.applied,
                error => l.error, url => l.url,
            }
        })
        .collect();
    let exceptions = blocklists::exceptions(&data).await?;
    let back = format!("/admin/comments?status={status}");
    Ok(page(
        StatusCode::OK,
        "comments.html",
        minijinja::context! {
            title => author.t("admin_comments"), status => status, items => items, blocks => blocks,
            blocklists => lists, exceptions => exceptions,
            filters => filters.into_iter().map(|f| minijinja::context! {
                id => f.id, phrase => f.phrase, action => f.action,
            }).collect::<Vec<_>>(),
            back => back, ..author.nav()
        },
    ))
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/comments/{id}/{action}: approve, reject, spam or delete.
pub async fn act(
    data: Data<AppState>,
    Path((id, action)): Path<(i32, String)>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    let found = match action.as_str() {
        "approve" => moderation::set_status(&data.db, id, comment::APPROVED).await?,
        "reject" => moderation::set_status(&data.db, id, comment::REJECTED).await?,
        "spam" => moderation::set_status(&data.db, id, comment::SPAM).await?,
        "delete" => moderation::delete(&data.db, id).await?,
        _ => return Err(AppError::NotFound),
    };
    if !found {
        return Err(AppError::NotFound);
    }
    // A web comment its writer let go into the fediverse goes (or leaves) with the decision.
    crate::services::outbox::recorded(&data);
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/comments")).into_response())
}

#[derive(Deserialize)]
pub struct ReplyForm {
    text: String,
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/comments/{id}/reply: the blog answers the comment, federated and threaded as
/// `feder reply create` does. Answering a waiting comment approves it (it would otherwise be
/// an answer to something nobody sees).
pub async fn reply(
    data: Data<AppState>,
    author: Author,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> AppResult<Response> {
    if form.text.trim().is_empty() {
        return Err(AppError::BadRequest(
            author.t("admin_error_answer_empty").into(),
        ));
    }
    let parent = comments::find_by_id(&data.db, id)
        .await?
        .filter(|c| c.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let parent_id = Url::parse(&parent.ap_id).map_err(AppError::internal)?;
    if parent.status == comment::PENDING {
        moderation::set_status(&data.db, id, comment::APPROVED).await?;
    }
    actions::reply(&data, &parent_id, &form.text).await?;
    let back = safe_back(form.back.as_deref(), "/admin/comments");
    Ok(Redirect::to(&back).into_response())
}

/// POST /admin/replies/{id}: edits one of the blog's answers (an Update follows).
pub async fn edit_answer(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> AppResult<Response> {
    let answer = own_answer(&data, id).await?;
    actions::edit_reply(&data, &answer, &form.text).await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/comments")).into_response())
}

/// POST /admin/replies/{id}/delete: deletes one of the blog's answers (a Delete follows).
pub async fn delete_answer(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    let answer = own_answer(&data, id).await?;
    actions::delete_reply(&data, &answer).await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/comments")).into_response())
}

async fn own_answer(data: &AppState, id: i32) -> AppResult<Url> {
    let answer = comments::find_by_id(&data.db, id)
        .await?
        .filter(|c| c.is_local && c.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    Url::parse(&answer.ap_id).map_err(AppError::internal)
}

#[derive(Deserialize)]
pub struct BlockForm {
    target: String,
    #[serde(default)]
    remove: Option<String>,
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/blocks: adds (or with `remove`, lifts) a block of an actor URL or a domain.
pub async fn block(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> AppResult<Response> {
    if form.remove.is_some() {
        moderation::remove_block(&data, &form.target).await?;
    } else {
        moderation::add_block(&data, &form.target).await?;
    }
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/comments")).into_response())
}

#[derive(Deserialize)]
pub struct FilterForm {
    phrase: String,
    action: String,
}

/// POST /admin/filters: adds a word or phrase filter (or changes what an existing one does).
pub async fn add_filter(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<FilterForm>,
) -> AppResult<Response> {
    comment_filters::add(&data.db, &form.phrase, &form.action).await?;
    Ok(Redirect::to("/admin/comments#filters").into_response())
}

/// POST /admin/filters/{id}/delete: removes a filter (what it held stays where it is).
pub async fn remove_filter(
    data: Data<AppState>,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    if !comment_filters::remove(&data.db, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/comments#filters").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_text() {
        assert_eq!(
            plain_text("<p>Thanks &amp; <em>welcome</em></p><p>Two</p>"),
            "Thanks & welcome\n\nTwo"
        );
    }
}
