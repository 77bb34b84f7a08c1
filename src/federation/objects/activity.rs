//! Activities the blog and its authors send (`Create`, `Update`, `Delete`, `Announce`,
//! `Accept`, `Reject`, `Undo`), the blog's `Follow`, and how what the blog publishes is
//! addressed.

use crate::{
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
