//! E-mail to the owner and to web commenters: what to tell is recorded here as a [`Mail`] in
//! the transaction of what it is about (a comment that waits for approval, a notification of a
//! kind the owner wants mailed: `services::notifications` decides), like the outbox; `compose`
//! writes the mail when it is sent, from the rows as they are then, in the blog's interface
//! language, and `send` is the worker of
//! `feder serve` that hands it to the SMTP server set in config.toml's `[mail]` or in
//! /admin/settings, with retries and backoff. Without a mail server nothing is sent, and a
//! recorded mail is dropped after [`send::MAX_AGE`].

mod compose;
pub mod links;
mod notified;
pub mod send;
mod text;
mod writers;

use crate::{
    db::entities::{comment, mail},
    error::AppError,
    error::AppResult,
};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

/// One mail to send. Mails name rows by id; what they say is written at sending time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mail {
    /// A comment (from the fediverse or the web form) waits for the owner's approval: to the
    /// owner, with a link to it in /admin/comments. Not sent once it is handled.
    CommentAwaiting { comment_id: i32 },
    /// The notifications after `after_id` up to `until_id`: the owner's daily digest.
    Digest { after_id: i32, until_id: i32 },
    /// A web comment's writer gave their address: the double opt-in, a link that confirms
    /// mails about answers.
    ConfirmAnswers { comment_id: i32 },
    /// `answer_id` is shown under a web comment whose writer confirmed: to that writer.
    Answered { answer_id: i32 },
    /// Notification `notification_id`, of a kind the owner wants a mail for (a comment, a
    /// follow, a mention, a direct message, a quote): to the owner. Not sent once what it is
    /// about is gone.
    Notified { notification_id: i32 },
}

/// Records `mail` on `db`, which should be the transaction of what it is about.
pub async fn record(db: &impl ConnectionTrait, mail: &Mail) -> AppResult<()> {
    let now = Utc::now();
    mail::Entity::insert(mail::ActiveModel {
        message: Set(serde_json::to_string(mail).map_err(AppError::internal)?),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Within `txn`, after comment `id` became visible: when it answers a web comment whose writer
/// confirmed mails about answers, records the mail to them (`answered`).
pub async fn answer_shown(txn: &impl ConnectionTrait, id: i32) -> AppResult<()> {
    let Some(answer) = comment::Entity::find_by_id(id).one(txn).await? else {
        return Ok(());
    };
    let parent = comment::Entity::find()
        .filter(comment::Column::ApId.eq(answer.in_reply_to.as_str()))
        .one(txn)
        .await?;
    answered(txn, &answer, parent.as_ref()).await
}

/// Within `txn`, for `answer`, a comment just stored or shown, and `parent`, the comment it
/// answers (if stored): when `answer` is visible and answers a web comment whose writer
/// confirmed mails about answers, records the mail to them (someone else's answer only).
pub async fn answered(
    txn: &impl ConnectionTrait,
    answer: &comment::Model,
    parent: Option<&comment::Model>,
) -> AppResult<()> {
    if answer.status != comment::APPROVED || answer.deleted_at.is_some() {
        return Ok(());
    }
    match parent {
        Some(parent)
            if parent.kind == comment::WEB
                && parent.answer_mail.as_deref() == Some(comment::ANSWER_MAIL_ON)
                && parent.author_ap_id != answer.author_ap_id =>
        {
            record(
                txn,
                &Mail::Answered {
                    answer_id: answer.id,
                },
            )
            .await
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_keep_their_shape() {
        let mail = Mail::CommentAwaiting { comment_id: 3 };
        let text = serde_json::to_string(&mail).unwrap_or_default();
        assert_eq!(text, r#"{"kind":"comment_awaiting","comment_id":3}"#);
        assert_eq!(serde_json::from_str::<Mail>(&text).ok(), Some(mail));
        // Rows recorded by earlier versions still read.
        let old = r#"{"kind":"answered","answer_id":5}"#;
        assert_eq!(
            serde_json::from_str::<Mail>(old).ok(),
            Some(Mail::Answered { answer_id: 5 })
        );
        let notified = Mail::Notified { notification_id: 7 };
        let text = serde_json::to_string(&notified).unwrap_or_default();
        assert_eq!(text, r#"{"kind":"notified","notification_id":7}"#);
    }
}
