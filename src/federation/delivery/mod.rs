//! The persistent delivery queue: every outgoing activity is stored with one row per inbox,
//! in the same transaction (`queue`), and a worker (`worker`) claims due rows, signs and sends
//! them (`send`, in the signature scheme the host takes: `schemes`), and records the outcome (`record`). Rows are claimed with a lease
//! (`locked_until`), so a process that dies mid-delivery leaves nothing stuck: the lease
//! expires and another attempt is made. On PostgreSQL several nodes claim from one queue
//! (`FOR UPDATE SKIP LOCKED`) and are woken by `LISTEN/NOTIFY` (`notify`); on SQLite a CLI
//! command wakes the server through a socket beside the database file (`notify`).
//!
//! Per destination host: bounded concurrency (`worker`), a circuit breaker that pauses a host
//! after failures in a row (`breaker`), and the dead-host rule (`hosts`: no success for 7
//! days, stop until it shows a sign of life). What was delivered is reported by
//! `services::deliveries`.

mod breaker;
mod hosts;
mod notify;
mod outcome;
mod queue;
mod record;
mod schemes;
mod send;
mod worker;

pub use breaker::pause_for;
pub use hosts::{HostHealth, host_alive};
pub use notify::wake_server;
pub use outcome::{Outcome, backoff, classify};
pub use queue::enqueue;
pub use worker::{Worker, worker};
