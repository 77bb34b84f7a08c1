//! The blog's settings as its fediverse profile shows them (title, description, images,
//! `alsoKnownAs`): saved with an `Update` of the blog's actor to its followers when the
//! profile changes, as Mastodon sends profile edits (and reads the actor again on one).

use crate::{
    db::changes::{self, Change},
    error::AppResult,
    services::{
        Site,
        local_actor::LocalActor,
        outbox::{self, Event},
        settings::{self, Changes, SiteSettings},
    },
};
use std::sync::Arc;

/// Checks and stores `changes` (with the Update of the blog's actor when they change its
/// profile, in the same transaction), then refreshes the settings in memory.
pub async fn save(site: &Site, changes: Changes) -> AppResult<Arc<SiteSettings>> {
    settings::validate_all(&changes)?;
    // Every page shows them: pages rendered while they were being saved are stale too.
    changes::within(Change::Site, store(site, changes)).await
}

async fn store(site: &Site, changes: Changes) -> AppResult<Arc<SiteSettings>> {
    let current = site.settings.current();
    // A retired blog's actor is gone: nothing is sent about it any more.
    let update = current.change_blog_profile(&changes) && !current.retired;
    let txn = crate::db::begin_write(&site.db).await?;
    settings::put_all(&txn, changes).await?;
    if update {
        let event = Event::ActorUpdated {
            local_actor: LocalActor::Blog,
        };
        outbox::record(&txn, &event).await?;
    }
    txn.commit().await?;
    // The Update is built from the settings in memory: reloaded before the outbox wakes.
    let saved = site.settings.reload(&site.db).await?;
    if update {
        outbox::recorded(site);
    }
    Ok(saved)
}
