//! Mails to the writer of a web comment: the double opt-in, and answers to their comment.
//! Each has the links to stop them and to delete the comment.

use super::text::{Composed, quoted, writer};
use crate::{
    db::entities::{comment, post},
    error::AppResult,
    services::{
        Site,
        mail::links::{self, Purpose},
        settings::SiteSettings,
    },
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The post a comment is under, and the comment's address on its page.
async fn place(site: &Site, c: &comment::Model) -> AppResult<Option<(post::Model, String)>> {
    let Some(post_id) = c.post_id else {
        return Ok(None);
    };
    let post = post::Entity::find_by_id(post_id).one(&site.db).await?;
    Ok(post.map(|p| {
        let url = format!("{}#comment-{}", site.urls.post(&p.slug), c.id);
        (p, url)
    }))
}

/// The last lines of every mail to a writer.
async fn links_of(site: &Site, settings: &SiteSettings, c: &comment::Model) -> AppResult<String> {
    Ok(format!(
        "\n-- \n{} · {}\nDelete your comment: {}\n",
        settings.blog.title,
        site.urls.base(),
        links::url(&site.db, &site.urls, Purpose::Delete, c.id).await?,
    ))
}

pub async fn confirm(site: &Site, settings: &SiteSettings, id: i32) -> AppResult<Option<Composed>> {
    let Some(c) = comment::Entity::find_by_id(id).one(&site.db).await? else {
        return Ok(None);
    };
    let asked = c.answer_mail.as_deref() == Some(comment::ANSWER_MAIL_ASKED);
    let (Some(email), true, None) = (c.author_email.clone(), asked, c.deleted_at) else {
        return Ok(None);
    };
    let Some((post, url)) = place(site, &c).await? else {
        return Ok(None);
    };
    let body = format!(
        "You (or someone who typed this address) commented as {} on “{}” and asked to be \
         told of answers by mail.\n\nTo get those mails, confirm here:\n{}\n\nWithout a click \
         nothing more is sent to this address.\n\nYour comment: {url}\n{}",
        c.author_name.clone().unwrap_or_default(),
        post.title,
        links::url(&site.db, &site.urls, Purpose::AnswersOn, c.id).await?,
        links_of(site, settings, &c).await?,
    );
    Ok(Some(Composed {
        to: Some(email),
        subject: format!(
            "[{}] Please confirm: mails about answers to your comment",
            settings.blog.title
        ),
        body,
    }))
}

pub async fn answered(
    site: &Site,
    settings: &SiteSettings,
    answer_id: i32,
) -> AppResult<Option<Composed>> {
    let Some(answer) = comment::Entity::find_by_id(answer_id).one(&site.db).await? else {
        return Ok(None);
    };
    if answer.status != comment::APPROVED || answer.deleted_at.is_some() {
        return Ok(None);
    }
    let parent = comment::Entity::find()
        .filter(comment::Column::ApId.eq(answer.in_reply_to.as_str()))
        .filter(comment::Column::AnswerMail.eq(comment::ANSWER_MAIL_ON))
        .one(&site.db)
        .await?;
    let Some((parent, email)) = parent.and_then(|p| {
        let email = p.author_email.clone()?;
        p.deleted_at.is_none().then_some((p, email))
    }) else {
        return Ok(None);
    };
    let Some((post, url)) = place(site, &answer).await? else {
        return Ok(None);
    };
    let body = format!(
        "{} answered your comment on “{}”:\n\n{}\n\nThe conversation: {url}\n\nNo more mails \
         about answers to this comment: {}\n{}",
        writer(site, &answer).await?,
        post.title,
        quoted(&answer.content_html),
        links::url(&site.db, &site.urls, Purpose::AnswersOff, parent.id).await?,
        links_of(site, settings, &parent).await?,
    );
    Ok(Some(Composed {
        to: Some(email),
        subject: format!(
            "[{}] An answer to your comment on “{}”",
            settings.blog.title, post.title
        ),
        body,
    }))
}
