//! What a deleted post or note is now, and what a retired blog's addresses are: a `Tombstone`.

use crate::federation::protocol::Tombstone;
use chrono::{DateTime, Utc};
use url::Url;

/// The tombstone of `id`, a `former_type` deleted at `deleted`.
pub fn tombstone(id: &Url, former_type: &str, deleted: &DateTime<Utc>) -> Tombstone {
    Tombstone {
        id: id.clone(),
        kind: "Tombstone".into(),
        former_type: Some(former_type.into()),
        deleted: Some(*deleted),
    }
}

/// The tombstone of `id`, an address of a blog retired at `retired` (when known). Only the
/// actors' former type is known without looking the address up: they are `Person`s.
pub fn retired_to_tombstone(id: &Url, is_actor: bool, retired: Option<DateTime<Utc>>) -> Tombstone {
    Tombstone {
        id: id.clone(),
        kind: "Tombstone".into(),
        former_type: is_actor.then(|| "Person".into()),
        deleted: retired,
    }
}
