//! The one entry from a verified activity to its handler: its kind decides, every kind the
//! blog acts on has a file of its own here, and each reads its typed activity first (one that
//! lacks what its kind needs is a bad request, never retried). Kinds the blog does not handle
//! are ignored.

use super::{
    accept, announce, create, delete, flag, follow, like, moves, quote_request, reject,
    reply_request, undo, update,
};
use crate::{
    error::AppResult,
    federation::{
        actor::RemoteActor,
        protocol::{ActivityKind, activities::read},
        state::AppState,
    },
};
use activitypub_federation::config::Data;
use serde_json::Value;

/// Processes the activity `raw` (as stored: verified, signed by `signer`, who is its actor).
/// An error of the sender's making is a 4xx-class `AppError` (BadRequest, Unauthorized,
/// Forbidden: final); one of ours (the database, a bug) is Database or Internal (worth a retry).
pub async fn dispatch(data: &Data<AppState>, raw: Value, signer: &RemoteActor) -> AppResult<()> {
    let name = match raw.get("type") {
        Some(Value::Array(names)) => names.iter().find_map(Value::as_str),
        Some(name) => name.as_str(),
        None => None,
    }
    .unwrap_or_default()
    .to_string();
    let name = name.as_str();
    match ActivityKind::of(name) {
        ActivityKind::Follow => follow::handle(data, read(raw, name)?, signer).await,
        ActivityKind::Accept => accept::handle(data, read(raw, name)?).await,
        ActivityKind::Reject => reject::handle(data, read(raw, name)?).await,
        ActivityKind::Undo => undo::handle(data, read(raw, name)?).await,
        ActivityKind::Create => create::handle(data, read(raw, name)?).await,
        ActivityKind::Update => update::handle(data, read(raw, name)?).await,
        ActivityKind::Delete => delete::handle(data, read(raw, name)?).await,
        ActivityKind::Like => like::handle(data, read(raw, name)?).await,
        ActivityKind::Announce => announce::handle(data, read(raw, name)?).await,
        ActivityKind::Move => moves::handle(data, read(raw, name)?).await,
        ActivityKind::QuoteRequest => quote_request::handle(data, read(raw, name)?).await,
        ActivityKind::ReplyRequest => reply_request::handle(data, read(raw, name)?).await,
        ActivityKind::Flag => flag::handle(data, read(raw, name)?).await,
        ActivityKind::Other => {
            tracing::debug!(kind = name, "activity type ignored");
            Ok(())
        }
    }
}
