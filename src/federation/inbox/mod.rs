//! Receiving, built like sending. The durable inbox: a verified activity is stored (`queue`,
//! one row per activity id; `arrivals`: those of requests at the same moment in one INSERT)
//! before it is answered 202, then processed from there (`process`: `dispatch` under a lease),
//! at once by the request that received it (`receive`) and, for what that did not finish or
//! what failed for now, by the worker of `feder serve` (`worker`), with retries, backoff and a
//! dead letter after the last try. As the delivery queue does, several nodes on PostgreSQL
//! share it (`FOR UPDATE SKIP LOCKED`), and a process killed at any moment loses nothing.
//!
//! What an activity means for the blog: `dispatch` hands it by kind to one handler per kind
//! (`follow`, `create`, `undo`, …), each of which reads its typed activity
//! (`protocol::activities`), fetches what needs the network first (`fetched`: the note, the
//! ancestors of a reply), converts it (`objects::note::note_to_remote_note`) and makes one
//! service call; the services decide and store (`services::received` for notes).

mod accept;
mod announce;
mod arrivals;
mod create;
mod delete;
pub mod dispatch;
mod done;
mod fetched;
mod flag;
mod follow;
mod like;
mod moves;
mod process;
mod queue;
mod quote_request;
mod receive;
mod reject;
mod reply_request;
mod undo;
mod update;
mod worker;

pub use arrivals::Arrivals;
pub use dispatch::dispatch;
pub use done::DoneMarks;
pub use receive::{InboxRequest, RETRY_AFTER_SECONDS, receive, verify_signer};
pub use worker::worker;
