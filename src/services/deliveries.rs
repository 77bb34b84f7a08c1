//! Delivery status, as the CLI (`feder deliveries`) and the admin dashboard show it: counts by
//! the database over the queue's rows (written by `federation::delivery`).

use crate::{
    db::entities::{activity, delivery},
    error::AppResult,
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// How many deliveries of one activity are in each status (`delivered`, `pending`, `failed`).
pub async fn status_counts(
    db: &DatabaseConnection,
    activity_id: i32,
) -> AppResult<HashMap<String, u64>> {
    // Counted by the database: a fan-out has thousands of rows.
    let rows: Vec<(String, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .filter(delivery::Column::ActivityId.eq(activity_id))
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (status, u64::try_from(n).unwrap_or_default()))
        .collect())
}

/// Delivery status of one recent activity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityStatus {
    pub activity: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub delivered: u64,
    pub pending: u64,
    pub failed: u64,
    /// Hosts whose last attempt failed, with the error.
    pub failing: Vec<(String, String)>,
}

/// Per recent activity: delivered / pending / failed counts and the failing hosts.
pub async fn recent_status(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<ActivityStatus>> {
    let activities = activity::Entity::find()
        .order_by_desc(activity::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(activities.len());
    for a in activities {
        let counts = status_counts(db, a.id).await?;
        let count = |status: &str| counts.get(status).copied().unwrap_or(0);
        // The last error of each host that has not been delivered to.
        let failing_rows: Vec<(String, Option<String>)> = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::Host)
            .column(delivery::Column::LastError)
            .filter(delivery::Column::ActivityId.eq(a.id))
            .filter(delivery::Column::Status.ne(delivery::DELIVERED))
            .filter(delivery::Column::LastError.is_not_null())
            .limit(1000)
            .into_tuple()
            .all(db)
            .await?;
        let mut failing: Vec<(String, String)> = Vec::new();
        for (host, error) in failing_rows {
            if let Some(error) = error
                && !failing.iter().any(|(h, _)| *h == host)
            {
                failing.push((host, error));
            }
        }
        out.push(ActivityStatus {
            activity: a.ap_id,
            kind: a.kind,
            created_at: a.created_at,
            delivered: count(delivery::DELIVERED),
            pending: count(delivery::PENDING),
            failed: count(delivery::FAILED),
            failing,
        });
    }
    Ok(out)
}
