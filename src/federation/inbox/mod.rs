//! The durable inbox: a verified activity is stored (`queue`, one row per activity id) before
//! it is answered 202, then processed from there (`process`: `dispatch` under a lease), at
//! once by the request that received it (`receive`) and, for what that did not finish or
//! what failed for now, by the worker of `feder serve` (`worker`), with retries, backoff and
//! a dead letter after the last try. As the delivery queue does, several nodes on PostgreSQL
//! share it (`FOR UPDATE SKIP LOCKED`), and a process killed at any moment loses nothing.

mod process;
mod queue;
mod receive;
mod worker;

pub use receive::{InboxRequest, RETRY_AFTER_SECONDS, receive, verify_signer};
pub use worker::worker;
