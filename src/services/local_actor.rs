//! The blog's own actors: the blog, and (with `blog.author_actors`) each author. One type for
//! both, so that following, removal, Delete, Move, collections and synchronization take the
//! actor as a parameter and cannot forget one of them. It knows the actor's addresses, the
//! name of its key in `site_keys`, and how followers name it in `followers.local_actor`.

use crate::{
    db::entities::user,
    error::AppResult,
    services::{Site, users},
    urls::Urls,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use url::Url;

/// One of our actors. Stored (and written in events) by its [`name`](LocalActor::name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum LocalActor {
    Blog,
    /// An author, by username (usernames never change).
    Author(String),
}

const BLOG: &str = "blog";
const AUTHOR: &str = "author:";

impl LocalActor {
    /// How the actor is named in the database: `blog` or `author:<username>`, in
    /// `followers.local_actor` and as its key's name in `site_keys`.
    pub fn name(&self) -> String {
        match self {
            LocalActor::Blog => BLOG.to_string(),
            LocalActor::Author(username) => format!("{AUTHOR}{username}"),
        }
    }

    /// The actor a [`name`](LocalActor::name) stands for.
    pub fn from_name(name: &str) -> Option<LocalActor> {
        match name.strip_prefix(AUTHOR) {
            Some(username) if !username.is_empty() => Some(LocalActor::Author(username.into())),
            Some(_) => None,
            None => (name == BLOG).then_some(LocalActor::Blog),
        }
    }

    /// The actor whose id is `url`, by its form alone (see [`find`](LocalActor::find)).
    pub fn from_id(urls: &Urls, url: &Url) -> Option<LocalActor> {
        if *url == urls.actor() {
            return Some(LocalActor::Blog);
        }
        urls.author_of_actor(url).map(LocalActor::Author)
    }

    /// The actor whose id is `url`, if it exists: the blog, or an author when authors are
    /// actors and the account is there.
    pub async fn find(site: &Site, url: &Url) -> AppResult<Option<LocalActor>> {
        Ok(match LocalActor::from_id(&site.urls, url) {
            Some(LocalActor::Author(username)) => author_user(site, &username)
                .await?
                .map(|u| LocalActor::Author(u.username)),
            found => found,
        })
    }

    /// The author's username; none for the blog.
    pub fn username(&self) -> Option<&str> {
        match self {
            LocalActor::Blog => None,
            LocalActor::Author(username) => Some(username),
        }
    }

    pub fn id(&self, urls: &Urls) -> Url {
        match self {
            LocalActor::Blog => urls.actor(),
            LocalActor::Author(username) => urls.author_actor(username),
        }
    }

    pub fn inbox(&self, urls: &Urls) -> Url {
        match self {
            LocalActor::Blog => urls.inbox(),
            LocalActor::Author(username) => urls.author_inbox(username),
        }
    }

    pub fn outbox(&self, urls: &Urls) -> Url {
        match self {
            LocalActor::Blog => urls.outbox(),
            LocalActor::Author(username) => urls.author_outbox(username),
        }
    }

    pub fn followers(&self, urls: &Urls) -> Url {
        match self {
            LocalActor::Blog => urls.followers(),
            LocalActor::Author(username) => urls.author_followers(username),
        }
    }

    /// Its followers on the requesting server (FEP-8fcf).
    pub fn followers_synchronization(&self, urls: &Urls) -> Url {
        match self {
            LocalActor::Blog => urls.followers_synchronization(),
            LocalActor::Author(username) => urls.author_followers_synchronization(username),
        }
    }

    /// The id of its public key.
    pub fn key_id(&self, urls: &Urls) -> String {
        match self {
            LocalActor::Blog => urls.actor_key(),
            LocalActor::Author(username) => urls.author_key(username),
        }
    }
}

/// The account behind `@username@domain`, when authors are actors. The blog's own username
/// stays the blog's.
pub async fn author_user(site: &Site, username: &str) -> AppResult<Option<user::Model>> {
    if !site.config.blog.author_actors || username == site.config.blog.username {
        return Ok(None);
    }
    users::find_by_username(&site.db, username).await
}

/// The actor that speaks for what the account `username` writes: their own when authors are
/// actors, else the blog.
pub async fn of_account(site: &Site, username: &str) -> AppResult<LocalActor> {
    Ok(match author_user(site, username).await? {
        Some(user) => LocalActor::Author(user.username),
        None => LocalActor::Blog,
    })
}

impl fmt::Display for LocalActor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl From<LocalActor> for String {
    fn from(actor: LocalActor) -> String {
        actor.name()
    }
}

impl TryFrom<String> for LocalActor {
    type Error = String;
    fn try_from(name: String) -> Result<LocalActor, String> {
        LocalActor::from_name(&name).ok_or_else(|| format!("no local actor is named {name:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        let urls = Urls::new(Url::parse("http://localhost:8080/").unwrap_or_else(|_| panic!()));
        let alice = LocalActor::Author("alice".into());
        for actor in [LocalActor::Blog, alice.clone()] {
            assert_eq!(LocalActor::from_name(&actor.name()), Some(actor.clone()));
            assert_eq!(LocalActor::from_id(&urls, &actor.id(&urls)), Some(actor));
        }
        assert_eq!(alice.name(), "author:alice");
        assert_eq!(LocalActor::from_name("author:"), None);
        assert_eq!(LocalActor::from_name("alice"), None);
        assert_eq!(
            alice.followers_synchronization(&urls).as_str(),
            "http://localhost:8080/authors/alice/followers_synchronization"
        );
        let json = serde_json::to_string(&alice).unwrap_or_default();
        assert_eq!(json, r#""author:alice""#);
        assert_eq!(serde_json::from_str::<LocalActor>(&json).ok(), Some(alice));
    }
}
