//! Everything ActivityPub: the wire format (`protocol`), conversions between rows and JSON
//! (`objects`), actors, signatures, the durable inbox (`inbox`: a request checked and stored,
//! then one handler per kind), and the persistent delivery queue.

pub mod actions;
pub mod actor;
pub mod authors;
pub mod backfill;
pub mod blocklist_sync;
pub mod caches;
pub mod collections;
pub mod delivery;
pub mod fetch;
pub mod followers_sync;
pub mod guard;
pub mod inbox;
pub mod limits;
pub mod local_actor;
pub mod objects;
pub mod outbox;
pub mod protocol;
pub mod remote_followers;
pub mod remote_thread;
pub mod signatures;
pub mod signing;
pub mod state;
pub mod threads;

/// The Content-Type of every ActivityPub document we serve.
pub const AP_CONTENT_TYPE: &str = "application/activity+json";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
