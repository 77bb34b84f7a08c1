//! How the inbox stands, as `feder inbox` and /admin/deliveries show it: the received
//! activities that wait for another try, were refused, or failed on every try (dead letters),
//! each with its reason; and "retry" for those the owner wants tried again. The queue itself
//! (storing, claiming, processing) is `federation::inbox`.

use crate::{db::entities::inbox_activity, error::AppResult};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

/// Which received activities to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Failed on every try.
    Dead,
    /// Dead letters, refusals, and those waiting for another try after a failure.
    Any,
}

/// The newest `limit` received activities in `trouble`, newest first.
pub async fn troubled(
    db: &DatabaseConnection,
    trouble: Trouble,
    limit: u64,
) -> AppResult<Vec<inbox_activity::Model>> {
    let query = inbox_activity::Entity::find();
    let query = match trouble {
        Trouble::Dead => query.filter(inbox_activity::Column::Status.eq(inbox_activity::DEAD)),
        Trouble::Any => query
            .filter(inbox_activity::Column::Status.ne(inbox_activity::DONE))
            .filter(inbox_activity::Column::LastError.is_not_null()),
    };
    Ok(query
        .order_by_desc(inbox_activity::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// One received activity, with its document.
pub async fn find(db: &DatabaseConnection, id: i64) -> AppResult<Option<inbox_activity::Model>> {
    Ok(inbox_activity::Entity::find_by_id(id).one(db).await?)
}

/// What to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// This one (dead, refused, or waiting), unless it is done or being processed.
    One(i64),
    /// Every dead letter.
    AllDead,
}

/// Makes the chosen activities due at `now` with a fresh count of tries. Returns how many.
/// The worker of `feder serve` takes them at its next look (at once when woken).
pub async fn retry(db: &DatabaseConnection, which: Retry, now: DateTime<Utc>) -> AppResult<u64> {
    let update = inbox_activity::Entity::update_many()
        .col_expr(
            inbox_activity::Column::Status,
            Expr::value(inbox_activity::PENDING),
        )
        .col_expr(inbox_activity::Column::Attempts, Expr::value(0))
        .col_expr(inbox_activity::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            inbox_activity::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    let update = match which {
        Retry::One(id) => update
            .filter(inbox_activity::Column::Id.eq(id))
            .filter(inbox_activity::Column::Status.ne(inbox_activity::DONE))
            // Not one a request or a worker holds right now.
            .filter(
                Condition::any()
                    .add(inbox_activity::Column::LockedUntil.is_null())
                    .add(inbox_activity::Column::LockedUntil.lt(now)),
            ),
        Retry::AllDead => update.filter(inbox_activity::Column::Status.eq(inbox_activity::DEAD)),
    };
    Ok(update.exec(db).await?.rows_affected)
}
