//! Marking processed inbox activities done, many rows in one write.

use crate::{
    db::{checkpoint, entities::inbox_activity, is_full},
    services::Site,
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use std::sync::{Arc, Mutex};

/// Rows of activities processed to the end, still to be marked done: many are marked in one
/// write. Under load, an UPDATE of its own for each activity was a third of the inbox's
/// writes, each waiting its turn for SQLite's one writer, and the sender waited for it
/// before its 202. Until its row is marked, an activity's lease keeps it from being tried
/// again; should the process die first (or the lease end while the database refuses the
/// mark), it is tried again once the lease ends, also after its last try (`queue::give_up`):
/// what processing stores is unique by id, so nothing is stored twice.
#[derive(Default)]
pub struct DoneMarks {
    /// The rows waiting, and whether a task is marking them.
    waiting: Mutex<(Vec<i64>, bool)>,
}

/// Rows marked by one statement (SQLite allows 32,766 parameters).
const MARKED_AT_ONCE: usize = 500;

/// How long a batch that could not be marked waits before the next try.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

impl DoneMarks {
    /// Marks row `id` done soon, by the task marking rows now or by one started for it.
    pub(super) fn mark(self: &Arc<Self>, site: &Site, id: i64) {
        let marks = self.clone();
        let start = {
            let mut waiting = marks.waiting.lock().unwrap_or_else(|e| e.into_inner());
            waiting.0.push(id);
            !std::mem::replace(&mut waiting.1, true)
        };
        if start {
            let site = site.clone();
            tokio::spawn(async move { marks.mark_waiting(&site).await });
        }
    }

    /// Marks what waits, batch after batch, until nothing does.
    async fn mark_waiting(&self, site: &Site) {
        loop {
            let batch = {
                let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
                if waiting.0.is_empty() {
                    waiting.1 = false;
                    return;
                }
                let take = waiting.0.len().min(MARKED_AT_ONCE);
                waiting.0.drain(..take).collect::<Vec<_>>()
            };
            let marked = inbox_activity::Entity::update_many()
                .col_expr(
                    inbox_activity::Column::LockedUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    inbox_activity::Column::Status,
                    Expr::value(inbox_activity::DONE),
                )
                .col_expr(
                    inbox_activity::Column::FinishedAt,
                    Expr::value(site.clock.now()),
                )
                .col_expr(
                    inbox_activity::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                .filter(inbox_activity::Column::Id.is_in(batch.iter().copied()))
                .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
                .exec(&site.db)
                .await;
            if let Err(e) = marked {
                // A full disk or a busy database: the batch waits for the next try rather than
                // for its leases to end (the activities would be processed again then, and a
                // queue that has healed would look busy for the length of a lease).
                tracing::error!(rows = batch.len(), error = %e, "inbox activities not marked done");
                // A full disk may be full of SQLite's log, which holds pages the database
                // file has too: once some room is free again, checkpointing gives it back.
                if is_full(&e) {
                    checkpoint(&site.db).await;
                }
                self.waiting
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .0
                    .extend(batch);
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}
