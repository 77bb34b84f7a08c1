//! The blog's own actor as this process holds it: its id, inbox and key pair, which sign
//! everything we send. Its ActivityPub side (the federation crate's traits) is in `actor`.

use crate::urls::Urls;
use url::Url;

/// The blog actor: its id and key pair.
#[derive(Debug, Clone)]
pub struct LocalActor {
    pub id: Url,
    pub inbox: Url,
    pub public_key_pem: String,
    private_key_pem: String,
}

impl LocalActor {
    pub fn new(urls: &Urls, public_key_pem: String, private_key_pem: String) -> LocalActor {
        LocalActor {
            id: urls.actor(),
            inbox: urls.inbox(),
            public_key_pem,
            private_key_pem,
        }
    }

    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }
}
