//! The links in mails to web comment writers (confirm, unsubscribe, delete): signed with an
//! HMAC whose key is derived from the blog's signing key, so any node can check them and
//! nothing needs storing; a link works only for its purpose and comment.

use crate::{
    db::entities::site_key,
    error::{AppError, AppResult},
    urls::Urls,
};
use ring::hmac;
use sea_orm::{ConnectionTrait, EntityTrait};
use sha2::{Digest, Sha256};

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms mails about answers (the double opt-in).
    AnswersOn,
    /// Stops them.
    AnswersOff,
    /// Deletes the comment.
    Delete,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::AnswersOn => "answers-on",
            Purpose::AnswersOff => "answers-off",
            Purpose::Delete => "delete",
        }
    }
}

async fn key(db: &impl ConnectionTrait) -> AppResult<hmac::Key> {
    derived_key(db, b"feder mail links\0").await
}

/// An HMAC key for one use (`label`) derived from the blog's signing key: any node can sign and
/// check with it, and nothing needs storing.
pub async fn derived_key(db: &impl ConnectionTrait, label: &[u8]) -> AppResult<hmac::Key> {
    let blog = site_key::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .find(|k| k.name == "blog")
        .ok_or_else(|| AppError::internal("the blog has no key yet"))?;
    let secret = Sha256::new()
        .chain_update(label)
        .chain_update(blog.private_key_pem.as_bytes())
        .finalize();
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &secret))
}

fn payload(purpose: Purpose, comment_id: i32) -> String {
    format!("{}:{comment_id}", purpose.name())
}

/// The token of a link.
pub async fn token(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    comment_id: i32,
) -> AppResult<String> {
    let tag = hmac::sign(&key(db).await?, payload(purpose, comment_id).as_bytes());
    Ok(tag.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `token` is the one of `purpose` for `comment_id`.
pub async fn verify(
    db: &impl ConnectionTrait,
    purpose: Purpose,
    comment_id: i32,
    token: &str,
) -> AppResult<bool> {
    let Some(tag) = (0..token.len() / 2)
        .map(|i| u8::from_str_radix(token.get(2 * i..2 * i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
        .filter(|t| t.len() * 2 == token.len())
    else {
        return Ok(false);
    };
    let key = key(db).await?;
    Ok(hmac::verify(&key, payload(purpose, comment_id).as_bytes(), &tag).is_ok())
}

/// The absolute link of `purpose` for `comment_id`.
pub async fn url(
    db: &impl ConnectionTrait,
    urls: &Urls,
    purpose: Purpose,
    comment_id: i32,
) -> AppResult<String> {
    let token = token(db, purpose, comment_id).await?;
    let path = match purpose {
        Purpose::AnswersOn => format!("comments/{comment_id}/answers?do=on&token={token}"),
        Purpose::AnswersOff => format!("comments/{comment_id}/answers?do=off&token={token}"),
        Purpose::Delete => format!("comments/{comment_id}/delete?key={token}"),
    };
    urls.base()
        .join(&path)
        .map(|u| u.to_string())
        .map_err(AppError::internal)
}
