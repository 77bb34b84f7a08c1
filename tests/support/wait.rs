//! Waiting on state, not time: polling until a condition holds, and until a blog's queues (inbox,
//! outbox, deliveries) have nothing pending.

use std::{future::Future, time::Duration};

/// Polls `check` until it returns `Some`, or fails after `seconds`.
pub async fn eventually<T, F, Fut>(what: &str, seconds: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How much work is left: inbox activities not finished, outbox events not yet federated (dead
/// letters do not count), and deliveries due or in flight (those waiting for a later retry do
/// not count).
pub async fn pending_work(db: &sea_orm::DatabaseConnection) -> (u64, u64, u64) {
    use feder::db::entities::{delivery, inbox_activity, outbox_event};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
    let inbox = inbox_activity::Entity::find()
        .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
        .count(db)
        .await
        .expect("count inbox");
    let outbox = outbox_event::Entity::find()
        .filter(outbox_event::Column::DeadAt.is_null())
        .count(db)
        .await
        .expect("count outbox");
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(delivery::PENDING))
        .filter(
            Condition::any()
                .add(delivery::Column::NextAttemptAt.lte(chrono::Utc::now()))
                .add(delivery::Column::LockedUntil.is_not_null()),
        )
        .count(db)
        .await
        .expect("count deliveries");
    (inbox, outbox, deliveries)
}

/// Waits until the inbox, the outbox and the delivery queue have nothing pending (see
/// `pending_work`), or fails after `seconds`: what a test checks next is then final.
pub async fn settled(db: &sea_orm::DatabaseConnection, seconds: u64) {
    eventually("the queues to settle", seconds, || async {
        (pending_work(db).await == (0, 0, 0)).then_some(())
    })
    .await
}
