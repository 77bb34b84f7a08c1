//! What a deleted post or note is now: a `Tombstone`.

use crate::federation::protocol::Tombstone;
use chrono::{DateTime, Utc};
use url::Url;

/// The tombstone of `id`, a `former_type` deleted at `deleted`.
pub fn tombstone(id: &Url, former_type: &str, deleted: &DateTime<Utc>) -> Tombstone {
    Tombstone {
        id: id.clone(),
        kind: "Tombstone".into(),
        former_type: former_type.into(),
        deleted: *deleted,
    }
}
