//! The instance's own actors as this process holds them: the blog actor, whose key signs
//! everything we send on the blog's behalf, and the `Application` actor (FEP-2677), whose key
//! signs the fetches made for no one in particular (remote actors, keys, objects). Their
//! ActivityPub side (the federation crate's traits) is in `actor`.

use crate::urls::Urls;
use url::Url;

/// A local actor: its id, inbox and key pair.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: Url,
    pub inbox: Url,
    pub key_id: String,
    pub public_key_pem: String,
    private_key_pem: String,
}

impl LocalActor {
    /// The blog actor.
    pub fn new(urls: &Urls, public_key_pem: String, private_key_pem: String) -> LocalActor {
        LocalActor {
            id: urls.actor(),
            inbox: urls.inbox(),
            key_id: urls.actor_key(),
            public_key_pem,
            private_key_pem,
        }
    }

    /// The application actor: it takes what reaches it at the shared inbox.
    pub fn application(urls: &Urls, public_key_pem: String, private_key_pem: String) -> LocalActor {
        LocalActor {
            id: urls.application(),
            inbox: urls.shared_inbox(),
            key_id: urls.application_key(),
            public_key_pem,
            private_key_pem,
        }
    }

    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }
}
