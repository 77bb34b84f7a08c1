//! Mails to the writer of a web comment: the double opt-in, and answers to their comment, in
//! the blog's interface language. Each has the links to stop them and to delete the comment.

use super::text::{Composed, quoted, say, writer};
use crate::{
    db::entities::{comment, post},
    error::AppResult,
    render::i18n::Language,
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
async fn links_of(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    c: &comment::Model,
) -> AppResult<String> {
    let delete = links::url(&site.db, &site.urls, Purpose::Delete, c.id).await?;
    Ok(format!(
        "\n-- \n{} · {}\n{}\n",
        settings.blog.title,
        site.urls.base(),
        say(t, "mail_delete_yours", &[&delete]),
    ))
}

pub async fn confirm(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    id: i32,
) -> AppResult<Option<Composed>> {
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
    let name = c.author_name.clone().unwrap_or_default();
    let body = format!(
        "{}\n\n{}\n{}\n\n{}\n\n{}\n{}",
        say(t, "mail_confirm_body", &[&name, &post.title]),
        t.get("mail_confirm_here"),
        links::url(&site.db, &site.urls, Purpose::AnswersOn, c.id).await?,
        t.get("mail_confirm_without"),
        say(t, "mail_your_comment", &[&url]),
        links_of(site, settings, t, &c).await?,
    );
    Ok(Some(Composed {
        to: Some(email),
        subject: format!(
            "[{}] {}",
            settings.blog.title,
            t.get("mail_confirm_subject")
        ),
        body,
    }))
}

pub async fn answered(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
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
    let who = writer(site, t, &answer).await?;
    let off = links::url(&site.db, &site.urls, Purpose::AnswersOff, parent.id).await?;
    let body = format!(
        "{}\n\n{}\n\n{}\n\n{}\n{}",
        say(t, "mail_answered_body", &[&who, &post.title]),
        quoted(&answer.content_html),
        say(t, "mail_conversation", &[&url]),
        say(t, "mail_answers_off", &[&off]),
        links_of(site, settings, t, &parent).await?,
    );
    Ok(Some(Composed {
        to: Some(email),
        subject: format!(
            "[{}] {}",
            settings.blog.title,
            say(t, "mail_answered_subject", &[&post.title])
        ),
        body,
    }))
}
