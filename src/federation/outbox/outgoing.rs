//! What every part of the outbox returns — an activity with its inboxes — and where an activity
//! goes for a remote actor. Its own file so that the parts and `mod.rs` import it without a cycle.

use crate::federation::{actor::RemoteActor, protocol::OutboxActivity};
use url::Url;

/// One activity to store: the typed document, whether anyone may fetch it at its id (public
/// ones are served at `/activities/…`), and the inboxes it goes to.
#[derive(Debug)]
pub struct Outgoing {
    pub activity: OutboxActivity,
    pub public: bool,
    pub inboxes: Vec<Url>,
}

/// What happened to a post or a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    Created,
    Updated,
    Deleted,
}

/// The actor's own inbox (not the shared one): Mastodon reads what concerns follows and
/// requests there.
pub(super) fn own_inbox(who: &RemoteActor) -> Vec<Url> {
    Url::parse(&who.model().inbox).ok().into_iter().collect()
}

/// Where a public activity goes for `who`: their server's shared inbox, else their own.
pub(super) fn shared_inbox(who: &RemoteActor) -> Option<Url> {
    let m = who.model();
    Url::parse(m.shared_inbox.as_deref().unwrap_or(&m.inbox)).ok()
}
