//! /admin/notifications: what happened, newest first, grouped ("3 people liked …"), with a
//! reply form under comments, and under direct messages (marked private) one that answers
//! their author alone. What the page showed is marked as seen.

use super::{
    auth::{Author, CsrfForm},
    page, safe_back,
};
use crate::{
    db::entities::{comment, mention, notification},
    error::{AppError, AppResult, Text},
    federation::{actions, state::AppState},
    render::i18n::Language,
    services::{
        comments,
        local_actor::LocalActor,
        mentions,
        notifications::{self, Group},
        users,
    },
    web::extract::Path,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Serialize)]
struct PersonView {
    name: String,
    /// Their profile or website; none for a web commenter without one.
    url: Option<String>,
    avatar: Option<String>,
    server: String,
}

#[derive(Serialize)]
struct NotificationView {
    kind: String,
    /// "liked", "boosted", … as the sentence says it, in the interface language.
    verb: String,
    people: Vec<PersonView>,
    /// "and 10 others": how many more people than are named, empty when none.
    others: String,
    post_title: Option<String>,
    post_url: Option<String>,
    /// The comment, for a reply form under it.
    comment_id: Option<i32>,
    /// A direct message (marked private), for a form that answers its author alone.
    message_id: Option<i32>,
    /// The blog's private answers to that message, oldest first.
    answers: Vec<String>,
    html: Option<String>,
    link: Option<String>,
    when: String,
    unread: bool,
}

/// The key of what happened as the sentence says it: "liked", "boosted", … (with a `_one`
/// form for one person, where the language's verb agrees with the number).
fn verb(kind: &str) -> &'static str {
    match kind {
        notification::COMMENT => "admin_verb_comment",
        notification::REPLY => "admin_verb_reply",
        notification::MENTION => "admin_verb_mention",
        notification::DIRECT => "admin_verb_direct",
        notification::LIKE => "admin_verb_like",
        notification::BOOST => "admin_verb_boost",
        notification::QUOTE => "admin_verb_quote",
        notification::FOLLOW => "admin_verb_follow",
        notification::UNFOLLOW => "admin_verb_unfollow",
        notification::REPORT => "admin_verb_report",
        _ => "admin_verb_other",
    }
}

/// The key of "followed NAME" / "unfollowed NAME", for a follow of an author: `total` people.
fn followed_verb(kind: &str, total: usize) -> &'static str {
    match (kind == notification::UNFOLLOW, total == 1) {
        (false, false) => "admin_verb_follow_author",
        (false, true) => "admin_verb_follow_author_one",
        (true, false) => "admin_verb_unfollow_author",
        (true, true) => "admin_verb_unfollow_author_one",
    }
}

/// How many people a line names before "and N others".
const NAMED: usize = 3;

/// `answers`: the blog's private answers by the direct message they answer; `authors`: the
/// names of the authors followed, by actor id.
fn view(
    data: &AppState,
    lang: &Language,
    group: Group,
    answers: &HashMap<String, Vec<String>>,
    authors: &HashMap<String, String>,
) -> NotificationView {
    let settings = data.settings.current();
    let total = group.actors.len();
    // A web commenter has no profile: their id is a `urn:feder:web:…`, so the line names them
    // as they signed the comment and links their website, if they gave one.
    let web = group.comment.as_ref().filter(|c| c.kind == comment::WEB);
    let people = group
        .actors
        .into_iter()
        .take(NAMED)
        .map(|(id, actor)| {
            if let Some(c) = web.filter(|c| c.author_ap_id == id) {
                return PersonView {
                    name: c.author_name.clone().unwrap_or(id),
                    url: c.author_website.clone(),
                    avatar: None,
                    server: String::new(),
                };
            }
            let server = url::Url::parse(&id)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            PersonView {
                name: actor
                    .as_ref()
                    .and_then(|a| a.name.clone().filter(|n| !n.is_empty()))
                    .or_else(|| actor.as_ref().and_then(|a| a.preferred_username.clone()))
                    .unwrap_or_else(|| id.clone()),
                avatar: actor.as_ref().and_then(|a| a.icon_url.clone()),
                url: Some(
                    actor
                        .as_ref()
                        .and_then(|a| a.url.clone())
                        .unwrap_or_else(|| id.clone()),
                ),
                server,
            }
        })
        .collect();
    let (html, link) = match (&group.comment, &group.mention) {
        // A web comment has no original elsewhere to link to.
        (Some(c), _) if c.kind == comment::WEB => (Some(c.content_html.clone()), None),
        (Some(c), _) => (
            Some(c.content_html.clone()),
            c.url.clone().or(Some(c.ap_id.clone())),
        ),
        (None, Some(m)) => (
            Some(m.content_html.clone()),
            m.url.clone().or(Some(m.ap_id.clone())),
        ),
        (None, None) => (None, None),
    };
    let direct = group
        .mention
        .as_ref()
        .filter(|m| m.visibility == mention::DIRECT);
    NotificationView {
        // The verb agrees with the number of people: "Ann hat geteilt", "Ann und Bo haben …".
        verb: match group.followed.as_ref().and_then(|id| authors.get(id)) {
            Some(name) => lang.say(&Text::with(followed_verb(&group.kind, total), [name])),
            None => lang.counted(verb(&group.kind), total),
        }
        .trim()
        .to_string(),
        kind: group.kind,
        others: match total.saturating_sub(NAMED) {
            0 => String::new(),
            more => lang.counted("admin_and_others", more),
        },
        people,
        post_title: group.post.as_ref().map(|p| p.title.clone()),
        post_url: group
            .post
            .as_ref()
            .map(|p| data.urls.post(&p.slug).to_string()),
        comment_id: group
            .comment
            .as_ref()
            .filter(|c| c.deleted_at.is_none())
            .map(|c| c.id),
        message_id: direct.map(|m| m.id),
        answers: direct
            .and_then(|m| answers.get(&m.ap_id).cloned())
            .unwrap_or_default(),
        html,
        link,
        when: settings.local_time(group.newest),
        unread: group.unread,
    }
}

pub async fn list(data: Data<AppState>, mut author: Author) -> AppResult<Response> {
    let groups = notifications::latest(&data.db, 300).await?;
    let newest = groups.iter().map(|g| g.last_id).max();
    let messages = groups
        .iter()
        .filter_map(|g| g.mention.as_ref())
        .filter(|m| m.visibility == mention::DIRECT)
        .map(|m| m.ap_id.clone())
        .collect();
    let mut answers: HashMap<String, Vec<String>> = HashMap::new();
    for a in comments::answers_to(&data.db, messages).await? {
        answers
            .entry(a.in_reply_to)
            .or_default()
            .push(a.content_html);
    }
    let mut authors = HashMap::new();
    for id in groups.iter().filter_map(|g| g.followed.as_ref()) {
        if let Ok(url) = url::Url::parse(id)
            && let Some(LocalActor::Author(username)) = LocalActor::from_id(&data.urls, &url)
            && let Some(user) = users::find_by_username(&data.db, &username).await?
        {
            authors.insert(id.clone(), user.display_name);
        }
    }
    let items: Vec<NotificationView> = groups
        .into_iter()
        .map(|g| view(&data, author.lang, g, &answers, &authors))
        .collect();
    // Seen now: the count in the navigation goes down with this very page.
    if let Some(last) = newest {
        notifications::mark_read(&data.db, last).await?;
        author.unread = notifications::unread_count(&data.db).await?;
    }
    Ok(page(
        StatusCode::OK,
        "notifications.html",
        minijinja::context! {
            title => author.t("admin_notifications"), items => items, back => "/admin/notifications",
            ..author.nav()
        },
    ))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    text: String,
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/messages/{id}/reply: the owner answers a direct message privately, to its
/// author alone (never on the blog, never to the followers).
pub async fn answer(
    data: Data<AppState>,
    author: Author,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    if form.text.trim().is_empty() {
        return Err(AppError::BadRequest(
            author.t("admin_error_answer_empty").into(),
        ));
    }
    let message = mentions::direct(&data.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    actions::answer_directly(&data, &message, &form.text).await?;
    let back = safe_back(form.back.as_deref(), "/admin/notifications");
    Ok(Redirect::to(&back).into_response())
}
