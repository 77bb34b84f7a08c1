//! /admin/notifications: what happened, newest first, grouped ("3 people liked …"), with a
//! reply form under comments. What the page showed is marked as seen.

use super::{auth::Author, page};
use crate::{
    db::entities::{comment, notification},
    error::AppResult,
    federation::state::AppState,
    render::i18n::Language,
    services::notifications::{self, Group},
};
use activitypub_federation::config::Data;
use axum::{http::StatusCode, response::Response};
use serde::Serialize;

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
        notification::LIKE => "admin_verb_like",
        notification::BOOST => "admin_verb_boost",
        notification::QUOTE => "admin_verb_quote",
        notification::FOLLOW => "admin_verb_follow",
        notification::UNFOLLOW => "admin_verb_unfollow",
        notification::REPORT => "admin_verb_report",
        _ => "admin_verb_other",
    }
}

/// How many people a line names before "and N others".
const NAMED: usize = 3;

fn view(data: &AppState, lang: &Language, group: Group) -> NotificationView {
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
    NotificationView {
        // The verb agrees with the number of people: "Ann hat geteilt", "Ann und Bo haben …".
        verb: lang.counted(verb(&group.kind), total).trim().to_string(),
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
        html,
        link,
        when: settings.local_time(group.newest),
        unread: group.unread,
    }
}

pub async fn list(data: Data<AppState>, mut author: Author) -> AppResult<Response> {
    let groups = notifications::latest(&data.db, 300).await?;
    let newest = groups.iter().map(|g| g.last_id).max();
    let items: Vec<NotificationView> = groups
        .into_iter()
        .map(|g| view(&data, author.lang, g))
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
