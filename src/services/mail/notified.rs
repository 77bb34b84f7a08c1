//! The mail of one notification the owner asked to be mailed about (`Mail::Notified`): a new
//! comment, follower, mention, direct message or quote, written from the rows as they are when
//! it is sent. What is gone by then (a deleted comment or message, a follower who left, a
//! withdrawn quote) is no news and brings no mail.

use super::text::{
    Composed, admin_link, comment_head, footer, on_post, post_line, post_of, quoted, say, subject,
    who,
};
use crate::{
    db::entities::{authorization, comment, follower, mention, notification, post},
    error::AppResult,
    render::i18n::Language,
    services::{Site, local_actor::LocalActor, settings::SiteSettings, users},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use url::Url;

pub(super) async fn compose(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    id: i32,
) -> AppResult<Option<Composed>> {
    let Some(n) = notification::Entity::find_by_id(id).one(&site.db).await? else {
        return Ok(None);
    };
    let told = match n.kind.as_str() {
        notification::COMMENT | notification::REPLY => of_comment(site, settings, t, &n).await?,
        notification::FOLLOW => of_follow(site, settings, t, &n).await?,
        notification::MENTION | notification::DIRECT => of_mention(site, settings, t, &n).await?,
        notification::QUOTE => of_quote(site, settings, t, &n).await?,
        _ => None,
    };
    Ok(told.map(|(what, body)| Composed {
        to: None,
        subject: subject(settings, &what),
        body: format!("{body}{}", footer(site, settings, t)),
    }))
}

/// A subject (after the blog's name) and a body (before the footer).
type Told = Option<(String, String)>;

async fn of_comment(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    n: &notification::Model,
) -> AppResult<Told> {
    let Some(ap_id) = n.object_ap_id.as_deref() else {
        return Ok(None);
    };
    let c = comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id))
        .one(&site.db)
        .await?;
    let Some(c) = c.filter(|c| c.deleted_at.is_none()) else {
        return Ok(None);
    };
    let what = match c.status.as_str() {
        comment::PENDING => "mail_awaiting_body",
        comment::APPROVED => "mail_comment_shown",
        // Taken for spam or rejected meanwhile: it is in its folder.
        _ => return Ok(None),
    };
    let post = post_of(site, &c).await?;
    let kind = match n.kind.as_str() {
        notification::REPLY => "mail_reply_subject",
        _ => "mail_comment_subject",
    };
    let body = format!(
        "{}{}\n{}\n{}",
        comment_head(site, settings, t, &c, post.as_ref()).await?,
        t.get(what),
        admin_link(
            site,
            &format!("comments?status={}#comment-{}", c.status, c.id)
        ),
        post_line(site, t, post.as_ref()),
    );
    Ok(Some((
        format!("{}{}", t.get(kind), on_post(t, post.as_ref())),
        body,
    )))
}

async fn of_follow(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    n: &notification::Model,
) -> AppResult<Told> {
    // The author followed (the notification's object), or the blog.
    let followed = match n.object_ap_id.as_deref().map(Url::parse) {
        Some(Ok(id)) => LocalActor::from_id(&site.urls, &id),
        _ => Some(LocalActor::Blog),
    };
    let Some(followed) = followed else {
        return Ok(None);
    };
    let still = follower::Entity::find()
        .filter(follower::Column::ActorApId.eq(n.actor_ap_id.as_str()))
        .filter(follower::Column::LocalActor.eq(followed.name()))
        .one(&site.db)
        .await?;
    if still.is_none() {
        return Ok(None);
    }
    let name = who(site, &n.actor_ap_id, None).await?;
    let since = settings.local_time(n.created_at);
    let author = match followed.username() {
        Some(username) => users::find_by_username(&site.db, username)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    let (subject, said) = match &author {
        Some(author) => (
            say(t, "mail_follow_author_subject", &[author, &name]),
            say(t, "mail_follow_author_body", &[&name, author, &since]),
        ),
        None => (
            say(t, "mail_follow_subject", &[&name]),
            say(t, "mail_follow_body", &[&name, &since]),
        ),
    };
    let body = format!(
        "{said}\n\n{}\n{}\n",
        say(t, "mail_profile", &[&n.actor_ap_id]),
        say(t, "mail_all_followers", &[&admin_link(site, "followers")]),
    );
    Ok(Some((subject, body)))
}

/// A mention or a direct message: the message is the owner's to read, in the mail too; a
/// direct one says it is private and where to answer it privately.
async fn of_mention(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    n: &notification::Model,
) -> AppResult<Told> {
    let Some(ap_id) = n.object_ap_id.as_deref() else {
        return Ok(None);
    };
    let Some(m) = mention::Entity::find()
        .filter(mention::Column::ApId.eq(ap_id))
        .one(&site.db)
        .await?
    else {
        return Ok(None);
    };
    let name = who(site, &m.author_ap_id, None).await?;
    let at = settings.local_time(m.published_at);
    let notifications = admin_link(site, "notifications");
    let told = if n.kind == notification::DIRECT {
        let body = format!(
            "{}\n\n{}\n\n{}\n",
            say(t, "mail_direct_body", &[&name, &at]),
            quoted(&m.content_html),
            say(t, "mail_answer_privately", &[&notifications]),
        );
        (say(t, "mail_direct_subject", &[&name]), body)
    } else {
        let link = m.url.as_deref().unwrap_or(&m.ap_id);
        let body = format!(
            "{}\n\n{}\n\n{}\n{}\n",
            say(t, "mail_mention_body", &[&name, &at]),
            quoted(&m.content_html),
            say(t, "mail_the_post", &[link]),
            say(t, "mail_all_notifications", &[&notifications]),
        );
        (say(t, "mail_mention_subject", &[&name]), body)
    };
    Ok(Some(told))
}

/// A quote of one of our posts: with its text when its post came (it may come after the
/// request it was allowed by); none once the authorization is revoked.
async fn of_quote(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    n: &notification::Model,
) -> AppResult<Told> {
    let (Some(ap_id), Some(post_id)) = (n.object_ap_id.as_deref(), n.post_id) else {
        return Ok(None);
    };
    let Some(post) = post::Entity::find_by_id(post_id).one(&site.db).await? else {
        return Ok(None);
    };
    let granted = authorization::Entity::find()
        .filter(authorization::Column::InteractingObject.eq(ap_id))
        .one(&site.db)
        .await?;
    let quoting = mention::Entity::find()
        .filter(mention::Column::ApId.eq(ap_id))
        .one(&site.db)
        .await?;
    if granted.as_ref().is_some_and(|a| a.revoked_at.is_some())
        || (granted.is_none() && quoting.is_none())
    {
        return Ok(None);
    }
    let name = who(site, &n.actor_ap_id, None).await?;
    let at = settings.local_time(n.created_at);
    let mut body = format!(
        "{}\n\n",
        say(t, "mail_quote_body", &[&name, &post.title, &at])
    );
    if let Some(m) = &quoting {
        body.push_str(&format!("{}\n\n", quoted(&m.content_html)));
    }
    let link = quoting
        .as_ref()
        .and_then(|m| m.url.clone())
        .unwrap_or_else(|| ap_id.to_string());
    body.push_str(&format!(
        "{}\n{}{}\n",
        say(t, "mail_quoting_post", &[&link]),
        post_line(site, t, Some(&post)),
        say(
            t,
            "mail_all_notifications",
            &[&admin_link(site, "notifications")]
        ),
    ));
    let what = format!(
        "{}{}",
        say(t, "mail_quote_subject", &[&name]),
        on_post(t, Some(&post))
    );
    Ok(Some((what, body)))
}
