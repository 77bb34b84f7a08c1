//! What each [`Mail`] says: plain text with absolute links into /admin, written from the rows
//! as they are when it is sent (a comment handled meanwhile is no news any more).

use super::{
    Mail,
    text::{Composed, quoted, writer},
    writers,
};
use crate::{
    db::entities::{comment, notification, post},
    error::AppResult,
    services::{Site, settings::SiteSettings},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeMap;

/// The mail `mail` stands for, or `None` when there is nothing to tell any more.
pub(super) async fn compose(
    site: &Site,
    settings: &SiteSettings,
    mail: &Mail,
) -> AppResult<Option<Composed>> {
    match mail {
        Mail::CommentAwaiting { comment_id } => awaiting(site, settings, *comment_id).await,
        Mail::Digest { after_id, until_id } => digest(site, settings, *after_id, *until_id).await,
        Mail::ConfirmAnswers { comment_id } => writers::confirm(site, settings, *comment_id).await,
        Mail::Answered { answer_id } => writers::answered(site, settings, *answer_id).await,
    }
}

/// An absolute link into /admin (`path` after `/admin/`).
fn admin_link(site: &Site, path: &str) -> String {
    site.urls
        .base()
        .join(&format!("admin/{path}"))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| site.urls.admin().to_string())
}

pub(super) fn footer(site: &Site, settings: &SiteSettings) -> String {
    format!(
        "\n-- \n{} · {}\nMails to this address are set in {}\n",
        settings.blog.title,
        site.urls.base(),
        admin_link(site, "settings")
    )
}

async fn awaiting(site: &Site, settings: &SiteSettings, id: i32) -> AppResult<Option<Composed>> {
    let Some(c) = comment::Entity::find_by_id(id).one(&site.db).await? else {
        return Ok(None);
    };
    if c.status != comment::PENDING || c.deleted_at.is_some() {
        return Ok(None);
    }
    let post = match c.post_id {
        Some(post_id) => post::Entity::find_by_id(post_id).one(&site.db).await?,
        None => None,
    };
    let on = post
        .as_ref()
        .map(|p| format!(" on “{}”", p.title))
        .unwrap_or_default();
    let post_link = post
        .as_ref()
        .map(|p| format!("The post: {}\n", site.urls.post(&p.slug)))
        .unwrap_or_default();
    let subject = format!(
        "[{}] A comment waits for your approval{}",
        settings.blog.title,
        post.as_ref()
            .map(|p| format!(": “{}”", p.title))
            .unwrap_or_default()
    );
    let body = format!(
        "{} wrote{on} at {}:\n\n{}\n\nIt waits for your approval. Approve, reject, mark as spam \
         or answer it here:\n{}\n{post_link}{}",
        writer(site, &c).await?,
        settings.local_time(c.published_at),
        quoted(&c.content_html),
        admin_link(site, &format!("comments#comment-{}", c.id)),
        footer(site, settings)
    );
    Ok(Some(Composed {
        to: None,
        subject,
        body,
    }))
}

/// How the digest counts a kind of notification: "1 like", "3 likes".
fn counted(kind: &str, n: usize) -> String {
    let (one, many) = match kind {
        notification::COMMENT => ("comment", "comments"),
        notification::REPLY => ("reply to your answers", "replies to your answers"),
        notification::MENTION => ("mention", "mentions"),
        notification::LIKE => ("like", "likes"),
        notification::BOOST => ("boost", "boosts"),
        notification::QUOTE => ("quote", "quotes"),
        notification::FOLLOW => ("new follower", "new followers"),
        notification::UNFOLLOW => ("unfollow", "unfollows"),
        other => (other, other),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

async fn digest(
    site: &Site,
    settings: &SiteSettings,
    after_id: i32,
    until_id: i32,
) -> AppResult<Option<Composed>> {
    let rows = notification::Entity::find()
        .filter(notification::Column::Id.gt(after_id))
        .filter(notification::Column::Id.lte(until_id))
        .order_by_asc(notification::Column::Id)
        .all(&site.db)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &rows {
        *counts.entry(row.kind.as_str()).or_default() += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(kind, n)| counted(kind, *n)).collect();
    let objects: Vec<&str> = rows
        .iter()
        .filter(|r| matches!(r.kind.as_str(), notification::COMMENT | notification::REPLY))
        .filter_map(|r| r.object_ap_id.as_deref())
        .collect();
    let comments = comment::Entity::find()
        .filter(comment::Column::ApId.is_in(objects))
        .filter(comment::Column::DeletedAt.is_null())
        .order_by_asc(comment::Column::Id)
        .all(&site.db)
        .await?;
    let mut body = format!(
        "Since the last digest: {}.\n\nAll of them: {}\n",
        summary.join(", "),
        admin_link(site, "notifications")
    );
    for c in &comments {
        let status = match c.status.as_str() {
            comment::PENDING => "waits for approval",
            comment::APPROVED => "shown",
            comment::SPAM => "in the spam folder",
            _ => "not shown",
        };
        body.push_str(&format!(
            "\n{} wrote ({status}):\n{}\n{}\n",
            writer(site, c).await?,
            quoted(&c.content_html),
            admin_link(
                site,
                &format!("comments?status={}#comment-{}", c.status, c.id)
            )
        ));
    }
    body.push_str(&footer(site, settings));
    Ok(Some(Composed {
        to: None,
        subject: format!("[{}] {} new notifications", settings.blog.title, rows.len()),
        body,
    }))
}
