//! Activities the blog and its authors send (`Create`, `Update`, `Delete`, `Announce`,
//! `Accept`, `Reject`, `Undo`), the blog's `Follow`, and how what the blog publishes is
//! addressed.

use crate::{
    error::{AppError, AppResult},
    federation::{
        PUBLIC,
        protocol::{Follow, SentActivity},
    },
    urls::Urls,
};
use url::Url;

/// An activity of `kind` by the blog actor.
pub fn blog_activity<O>(
    kind: &str,
    id: &Url,
    object: O,
    to: Vec<String>,
    cc: Vec<String>,
    urls: &Urls,
) -> SentActivity<O> {
    activity_by(&urls.actor(), kind, id, object, to, cc)
}

/// An activity of `kind` by `actor` (the blog, or one of its authors).
pub fn activity_by<O>(
    actor: &Url,
    kind: &str,
    id: &Url,
    object: O,
    to: Vec<String>,
    cc: Vec<String>,
) -> SentActivity<O> {
    SentActivity {
        id: id.clone(),
        kind: kind.into(),
        actor: actor.clone(),
        object,
        to,
        cc,
    }
}

/// The Follow a follower sent one of ours (`followed`), as stored in `followers`: what our
/// Accept and Reject of it name.
pub fn follower_to_follow(follow_id: &str, follower: &str, followed: &Url) -> AppResult<Follow> {
    let parse = |u: &str| Url::parse(u).map_err(AppError::internal);
    Ok(Follow {
        id: parse(follow_id)?,
        kind: "Follow".into(),
        actor: parse(follower)?,
        object: followed.to_string(),
    })
}

/// The blog's Follow of `target`, with the id stored in `following`.
pub fn follow(follow_id: &Url, target: &str, urls: &Urls) -> Follow {
    Follow {
        id: follow_id.clone(),
        kind: "Follow".into(),
        actor: urls.actor(),
        object: target.into(),
    }
}

/// The public addressing of everything the blog publishes.
pub fn public_addressing(urls: &Urls) -> (Vec<String>, Vec<String>) {
    (vec![PUBLIC.to_string()], vec![urls.followers().to_string()])
}
