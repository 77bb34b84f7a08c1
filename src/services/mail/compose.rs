//! What each [`Mail`] to the owner says: plain text in the blog's interface language with
//! absolute links into /admin and times in the blog's zone, written from the rows as they are
//! when it is sent (a comment handled meanwhile is no news any more).

use super::{
    Mail, notified,
    text::{
        Composed, admin_link, comment_head, footer, on_post, post_line, post_of, quoted, say,
        subject, writer,
    },
    writers,
};
use crate::{
    db::entities::{comment, notification},
    error::AppResult,
    render::i18n::{self, Language},
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
    let t = i18n::language(&settings.blog.lang);
    match mail {
        Mail::CommentAwaiting { comment_id } => awaiting(site, settings, t, *comment_id).await,
        Mail::Digest { after_id, until_id } => {
            digest(site, settings, t, *after_id, *until_id).await
        }
        Mail::ConfirmAnswers { comment_id } => {
            writers::confirm(site, settings, t, *comment_id).await
        }
        Mail::Answered { answer_id } => writers::answered(site, settings, t, *answer_id).await,
        Mail::Notified { notification_id } => {
            notified::compose(site, settings, t, *notification_id).await
        }
    }
}

async fn awaiting(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    id: i32,
) -> AppResult<Option<Composed>> {
    let Some(c) = comment::Entity::find_by_id(id).one(&site.db).await? else {
        return Ok(None);
    };
    if c.status != comment::PENDING || c.deleted_at.is_some() {
        return Ok(None);
    }
    let post = post_of(site, &c).await?;
    let what = format!(
        "{}{}",
        t.get("mail_awaiting_subject"),
        on_post(t, post.as_ref())
    );
    let body = format!(
        "{}{}\n{}\n{}{}",
        comment_head(site, settings, t, &c, post.as_ref()).await?,
        t.get("mail_awaiting_body"),
        admin_link(site, &format!("comments#comment-{}", c.id)),
        post_line(site, t, post.as_ref()),
        footer(site, settings, t)
    );
    Ok(Some(Composed {
        to: None,
        subject: subject(settings, &what),
        body,
    }))
}

/// How the digest counts a kind of notification: "1 like", "3 likes".
fn counted(t: &Language, kind: &str, n: usize) -> String {
    let key = match kind {
        notification::COMMENT => "mail_count_comment",
        notification::REPLY => "mail_count_reply",
        notification::MENTION => "mail_count_mention",
        notification::DIRECT => "mail_count_direct",
        notification::LIKE => "mail_count_like",
        notification::BOOST => "mail_count_boost",
        notification::QUOTE => "mail_count_quote",
        notification::FOLLOW => "mail_count_follow",
        notification::UNFOLLOW => "mail_count_unfollow",
        notification::REPORT => "mail_count_report",
        // A kind of a newer version: counted by its name.
        other => return format!("{n} {other}"),
    };
    t.counted(key, n)
}

/// What a comment's status means, in a word or two.
fn status_word<'a>(t: &'a Language, status: &str) -> &'a str {
    t.get(match status {
        comment::PENDING => "mail_status_pending",
        comment::APPROVED => "mail_status_approved",
        comment::SPAM => "mail_status_spam",
        _ => "mail_status_other",
    })
}

async fn digest(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
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
    let summary: Vec<String> = counts
        .iter()
        .map(|(kind, n)| counted(t, kind, *n))
        .collect();
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
        "{}\n\n{}\n",
        say(t, "mail_digest_since", &[&summary.join(", ")]),
        say(t, "mail_digest_all", &[&admin_link(site, "notifications")])
    );
    for c in &comments {
        let wrote = say(
            t,
            "mail_digest_wrote",
            &[&writer(site, t, c).await?, status_word(t, &c.status)],
        );
        body.push_str(&format!(
            "\n{wrote}\n{}\n{}\n",
            quoted(&c.content_html),
            admin_link(
                site,
                &format!("comments?status={}#comment-{}", c.status, c.id)
            )
        ));
    }
    body.push_str(&footer(site, settings, t));
    Ok(Some(Composed {
        to: None,
        subject: subject(settings, &t.counted("mail_digest_subject", rows.len())),
        body,
    }))
}
