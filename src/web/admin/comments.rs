//! The moderation queue: a tab per status with counts (opening on the comments that wait),
//! each comment with its post, its author (name, avatar, handle and server; a web writer's
//! e-mail and website), approve, reject, spam, delete (one by one or in bulk), blocking its
//! author or server (never the blog's own), and a reply form that answers as `feder reply
//! create` does; the blog's own answers below their comment, editable, never in the queue
//! themselves. And the blocks, the subscribed blocklists and the keyword filters.

use super::{
    auth::{Author, CsrfForm},
    page, safe_back,
};
use crate::{
    db::entities::{comment, post},
    error::{AppError, AppResult, Text},
    federation::{actions, state::AppState},
    services::{
        blocklists, blocks, comment_filters, comments, local_actor, moderation, posts,
        settings::SiteSettings,
    },
    web::{
        extract::{Path, Query},
        views::{self, CommentAuthor},
    },
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
    /// The author who wrote it, when an author's actor did; empty when the blog did.
    by: String,
    html: String,
    /// The answer as plain text, to start editing from.
    text: String,
    published: String,
}

#[derive(Serialize)]
struct QueueItem {
    id: i32,
    author: CommentAuthor,
    /// Written in the blog's form: `email` and `website` are the writer's own words.
    web: bool,
    email: String,
    website: String,
    /// The actor to block; empty when there is none to block (a web writer, the blog's own
    /// authors, an account on the blog's own server).
    block_actor: String,
    /// The server to block; empty for the blog's own.
    block_server: String,
    post_title: String,
    post_url: String,
    html: String,
    published: String,
    status: String,
    answers: Vec<AnswerView>,
    /// A fediverse comment, which can be reported to its server.
    reportable: bool,
}

/// A tab of the queue: a status and how many comments have it.
#[derive(Serialize)]
struct Tab {
    status: &'static str,
    count: u64,
    current: bool,
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
    let counts = moderation::queue_counts(&data.db).await?;
    let count_of = |status: &str| {
        counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    };
    let status = match query.status.as_deref() {
        Some(s @ (comment::PENDING | comment::APPROVED | comment::REJECTED | comment::SPAM)) => s,
        // Opened without a tab: the comments that wait, or when none do, the latest shown.
        _ if count_of(comment::PENDING) == 0 && count_of(comment::APPROVED) > 0 => {
            comment::APPROVED
        }
        _ => comment::PENDING,
    };
    let tabs: Vec<Tab> = counts
        .iter()
        .map(|(s, count)| Tab {
            status: s,
            count: *count,
            current: *s == status,
        })
        .collect();
    let settings = data.settings.current();
    let found = moderation::queue(&data.db, status, 200).await?;
    let mut answers = answers_by_parent(&data, &found, &settings).await?;
    let writers = comments::authors_of(&data, &found).await?;
    let on_posts = posts::by_ids(&data.db, found.iter().filter_map(|c| c.post_id)).await?;
    let on_posts: HashMap<i32, post::Model> = on_posts.into_iter().map(|p| (p.id, p)).collect();
    let own_host = data.urls.host();
    let items: Vec<QueueItem> = found
        .into_iter()
        .map(|c| {
            let who = views::comment_author(&data, author.lang, &c, &writers);
            let web = c.kind == comment::WEB;
            let own = web || views::written_here(&data, &c) || who.server == own_host;
            let post = c.post_id.and_then(|id| on_posts.get(&id));
            QueueItem {
                id: c.id,
                web,
                email: c.author_email.clone().unwrap_or_default(),
                website: c.author_website.clone().unwrap_or_default(),
                block_actor: if own {
                    String::new()
                } else {
                    c.author_ap_id.clone()
                },
                block_server: if web || who.server == own_host {
                    String::new()
                } else {
                    who.server.clone()
                },
                author: who,
                post_title: post.map(|p| p.title.clone()).unwrap_or_default(),
                post_url: post
                    .map(|p| match p.is_public() {
                        true => data.urls.post(&p.slug).to_string(),
                        false => format!("/admin/posts/{}/edit", p.slug),
                    })
                    .unwrap_or_default(),
                answers: answers.remove(&c.ap_id).unwrap_or_default(),
                html: c.content_html,
                published: settings.local_time(c.published_at),
                status: c.status,
                reportable: !own,
            }
        })
        .collect();
    let moderation = moderation_settings(&data).await?;
    let back = format!("/admin/comments?status={status}");
    Ok(page(
        StatusCode::OK,
        "comments.html",
        minijinja::context! {
            title => author.t("admin_comments"), status => status, tabs => tabs, items => items,
            back => back, ..minijinja::value::merge_maps([moderation, author.nav()])
        },
    ))
}

/// The blog's answers to the listed comments, by the comment they answer.
async fn answers_by_parent(
    data: &Data<AppState>,
    found: &[comment::Model],
    settings: &SiteSettings,
) -> AppResult<HashMap<String, Vec<AnswerView>>> {
    let parents = found.iter().map(|c| c.ap_id.clone()).collect();
    let found_answers = comments::answers_to(&data.db, parents).await?;
    let writers = comments::authors_of(data, &found_answers).await?;
    let mut answers: HashMap<String, Vec<AnswerView>> = HashMap::new();
    for a in found_answers {
        answers
            .entry(a.in_reply_to.clone())
            .or_default()
            .push(AnswerView {
                id: a.id,
                by: writers
                    .local
                    .get(&a.author_ap_id)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                text: plain_text(&a.content_html),
                html: a.content_html,
                published: settings.local_time(a.published_at),
            });
    }
    Ok(answers)
}

/// The queue page's moderation settings: blocks, word filters, subscribed lists and exceptions.
async fn moderation_settings(data: &Data<AppState>) -> AppResult<minijinja::Value> {
    let blocks: Vec<String> = moderation::list_blocks(&data.db)
        .await?
        .into_iter()
        .map(|b| b.value)
        .collect();
    let filters = comment_filters::list(&data.db).await?;
    let lists: Vec<_> = blocklists::list(data)
        .await?
        .into_iter()
        .map(|l| {
            minijinja::context! {
                id => l.id, listed => blocks::list_domains(&l).count(), applied => l.applied,
                error => l.error, url => l.url,
            }
        })
        .collect();
    let exceptions = blocklists::exceptions(data).await?;
    Ok(minijinja::context! {
        blocks => blocks, blocklists => lists, exceptions => exceptions,
        filters => filters.into_iter().map(|f| minijinja::context! {
            id => f.id, phrase => f.phrase, action => f.action,
        }).collect::<Vec<_>>(),
    })
}

/// POST /admin/bulk/comments: `action` (approve, reject, spam, delete) for every checked `id`.
pub async fn bulk(
    data: Data<AppState>,
    author: Author,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let action = field("action").unwrap_or_default();
    let ids = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse::<i32>().ok());
    let mut done = 0;
    for id in ids {
        done += usize::from(decide(&data, id, action).await?);
    }
    tracing::info!(action, done, user = %author.user.username, "bulk action on comments");
    crate::services::outbox::recorded(&data);
    Ok(Redirect::to(&safe_back(field("back"), "/admin/comments")).into_response())
}

/// Approves, rejects, marks as spam or deletes a comment of the queue. Returns whether it
/// exists.
async fn decide(data: &AppState, id: i32, action: &str) -> AppResult<bool> {
    match action {
        "approve" => moderation::set_status(&data.db, id, comment::APPROVED).await,
        "reject" => moderation::set_status(&data.db, id, comment::REJECTED).await,
        "spam" => moderation::set_status(&data.db, id, comment::SPAM).await,
        "delete" => moderation::delete(&data.db, id).await,
        _ => Err(AppError::NotFound),
    }
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
    if !decide(&data, id, &action).await? {
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

/// POST /admin/comments/{id}/reply: the logged-in author answers the comment (as themselves
/// when authors are actors, else as the blog), federated and threaded as `feder reply create`
/// does. Answering a waiting comment approves it (it would otherwise be an answer to something
/// nobody sees).
pub async fn reply(
    data: Data<AppState>,
    author: Author,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> AppResult<Response> {
    if form.text.trim().is_empty() {
        return Err(AppError::Invalid(Text::new("admin_error_answer_empty")));
    }
    let parent = comments::find_by_id(&data.db, id)
        .await?
        .filter(|c| c.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let parent_id = Url::parse(&parent.ap_id).map_err(AppError::internal)?;
    if parent.status == comment::PENDING {
        moderation::set_status(&data.db, id, comment::APPROVED).await?;
    }
    let by = local_actor::of_account(&data, &author.user.username).await?;
    actions::reply(&data, &parent_id, &by, &form.text).await?;
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
