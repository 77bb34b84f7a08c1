//! Storing verified activities many in one INSERT (group commit) on SQLite. Under load, each
//! request's INSERT of its own waited its turn for SQLite's one writer, and its commit wrote
//! the same pages the next one wrote again. Now a request puts its activity on a list, and
//! whoever writes next (the first request to get the writer's turn) stores everything on the
//! list in one statement; each request still answers only once its own row is committed.

use super::queue::{self, Received};
use crate::{
    db::is_postgres,
    error::{AppError, AppResult},
};
use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;

/// The activities waiting to be stored, and the writer's turn.
#[derive(Default)]
pub struct Arrivals {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    writer: tokio::sync::Mutex<()>,
}

/// Its row (`None`: received before), or why it could not be stored.
type Stored = Result<Option<i64>, String>;

struct Waiting {
    received: Received,
    stored: oneshot::Sender<Stored>,
}

/// Rows stored by one statement (11 values each; SQLite allows 32,766).
const STORED_AT_ONCE: usize = 256;

/// Documents stored by one statement, in bytes (a batch holds one more when its first is
/// larger): a body may be 1 MiB (`web::MAX_INBOX_BODY`), and 256 of them in one transaction
/// would grow SQLite's log by as much at once, where one activity at a time grew it by one.
/// About what SQLite writes to the database file at each checkpoint (`db::WAL_CHECKPOINT_PAGES`).
const BYTES_AT_ONCE: usize = 4 * 1024 * 1024;

impl Arrivals {
    /// Stores `received` (with whatever else waits), as `queue::store` does. A request whose
    /// future is dropped while it writes (its timeout) drops the answers of its batch: those
    /// requests answer 503 and their senders come back, while the rows may be stored already
    /// (a repeat is recognised by its id, and the lease hands the row to the worker).
    pub(super) async fn store(
        &self,
        db: &DatabaseConnection,
        received: Received,
    ) -> AppResult<Option<i64>> {
        // PostgreSQL takes many writers at once and flushes their commits together itself;
        // one writer at a time made its ingest slower (630 against 900 replies/s).
        if is_postgres(db) {
            let stored = queue::store(db, vec![received]).await?;
            return Ok(stored.into_iter().next().flatten());
        }
        let (stored, mut answer) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Waiting { received, stored });
        let _turn = self.writer.lock().await;
        // In the order they came, batch after batch, until this one was stored (by an earlier
        // writer, or here).
        loop {
            match answer.try_recv() {
                Ok(stored) => return stored.map_err(AppError::Internal),
                Err(oneshot::error::TryRecvError::Closed) => {
                    return Err(AppError::Internal(
                        "the batch with this activity was dropped".into(),
                    ));
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch = next_batch(&mut self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
            // Not while this one waits (it was put on the list before the turn was taken);
            // should it happen, an error rather than a loop that never ends.
            if batch.is_empty() {
                return Err(AppError::Internal(
                    "an activity left the waiting list unstored".into(),
                ));
            }
            let (rows, answers): (Vec<_>, Vec<_>) =
                batch.into_iter().map(|w| (w.received, w.stored)).unzip();
            match queue::store(db, rows).await {
                Ok(stored) => {
                    for (answer, row) in answers.into_iter().zip(stored) {
                        let _ = answer.send(Ok(row));
                    }
                }
                Err(e) => {
                    let e = e.to_string();
                    for answer in answers {
                        let _ = answer.send(Err(e.clone()));
                    }
                }
            }
        }
    }
}

/// The first of `waiting`, as many as one statement stores (`STORED_AT_ONCE`,
/// `BYTES_AT_ONCE`); at least one.
fn next_batch(waiting: &mut Vec<Waiting>) -> Vec<Waiting> {
    let mut bytes = 0;
    let take = waiting
        .iter()
        .take(STORED_AT_ONCE)
        .enumerate()
        .take_while(|(i, w)| {
            bytes += w.received.document.len();
            *i == 0 || bytes <= BYTES_AT_ONCE
        })
        .count();
    waiting.drain(..take).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::entities::inbox_activity;
    use sea_orm::{EntityTrait, PaginatorTrait};
    use std::sync::Arc;

    fn received(n: usize) -> Received {
        Received {
            activity_id: format!("https://a.example/activities/{n}"),
            actor: "https://a.example/users/a".into(),
            kind: "Create".into(),
            document: format!("{{\"n\":{n}}}"),
            now: chrono::Utc::now(),
            lease: chrono::Duration::seconds(60),
        }
    }

    /// A batch ends at `STORED_AT_ONCE` rows or `BYTES_AT_ONCE` of documents, and holds one
    /// activity larger than that on its own.
    #[test]
    fn a_batch_is_bounded_by_rows_and_by_bytes() {
        let waiting = |sizes: &[usize]| -> Vec<Waiting> {
            sizes
                .iter()
                .map(|&size| Waiting {
                    received: Received {
                        document: "x".repeat(size),
                        ..received(size)
                    },
                    stored: oneshot::channel().0,
                })
                .collect()
        };
        let sizes = |batch: Vec<Waiting>| -> Vec<usize> {
            batch.iter().map(|w| w.received.document.len()).collect()
        };
        let mut many = waiting(&[10; STORED_AT_ONCE + 1]);
        assert_eq!(next_batch(&mut many).len(), STORED_AT_ONCE);
        assert_eq!(next_batch(&mut many).len(), 1);
        let mib = 1024 * 1024;
        let mut large = waiting(&[3 * mib, mib, 5 * mib, 10]);
        assert_eq!(sizes(next_batch(&mut large)), [3 * mib, mib]);
        assert_eq!(sizes(next_batch(&mut large)), [5 * mib]);
        assert_eq!(sizes(next_batch(&mut large)), [10]);
        assert!(next_batch(&mut large).is_empty());
    }

    /// Requests at the same moment, more than one batch of them, each with its activity sent
    /// twice: every activity is stored once, the first of its two requests gets its row and
    /// the other hears it was received before, and no request waits for ever.
    #[tokio::test]
    async fn requests_at_once_are_stored_together_and_each_hears_of_its_own() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}/arrivals.db", dir.path().display());
        let db = crate::db::connect(&url).await.expect("connect");
        let arrivals = Arc::new(Arrivals::default());
        let activities = STORED_AT_ONCE + 44;
        let mut requests = tokio::task::JoinSet::new();
        for n in (0..activities).chain(0..activities) {
            let (arrivals, db) = (arrivals.clone(), db.clone());
            requests.spawn(async move { (n, arrivals.store(&db, received(n)).await) });
        }
        let mut rows = vec![Vec::new(); activities];
        while let Some(answer) = requests.join_next().await {
            let (n, stored) = answer.expect("request");
            rows[n].push(stored.expect("stored"));
        }
        for (n, answers) in rows.iter().enumerate() {
            let stored: Vec<_> = answers.iter().flatten().collect();
            assert_eq!(stored.len(), 1, "activity {n}: {answers:?}");
        }
        let count = inbox_activity::Entity::find()
            .count(&db)
            .await
            .expect("count");
        assert_eq!(count, activities as u64);
        // Each row is the one its request was told.
        for (n, answers) in rows.iter().enumerate() {
            let Some(id) = answers.iter().flatten().next() else {
                continue;
            };
            let row = inbox_activity::Entity::find_by_id(*id)
                .one(&db)
                .await
                .expect("find")
                .expect("row");
            assert_eq!(row.activity_id, received(n).activity_id);
        }
    }
}
