//! E-mail to the owner: what to tell them is recorded here as a [`Mail`] in the transaction of
//! what it is about (a comment that waits for approval), like the outbox; `compose` writes the
//! mail when it is sent, from the rows as they are then, and `send` is the worker of
//! `feder serve` that hands it to the SMTP server set in config.toml's `[mail]` or in
//! /admin/settings, with retries and backoff. Without a mail server nothing is sent, and a
//! recorded mail is dropped after [`send::MAX_AGE`].

mod compose;
pub mod send;

use crate::{db::entities::mail, error::AppError, error::AppResult};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_keep_their_shape() {
        let mail = Mail::CommentAwaiting { comment_id: 3 };
        let text = serde_json::to_string(&mail).unwrap_or_default();
        assert_eq!(text, r#"{"kind":"comment_awaiting","comment_id":3}"#);
        assert_eq!(serde_json::from_str::<Mail>(&text).ok(), Some(mail));
    }
}
