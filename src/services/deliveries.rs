//! How deliveries stand, as `feder deliveries`, the admin dashboard and /admin/deliveries show
//! them: per activity and server, counted by the database over the queue's rows (written by
//! `federation::delivery`); and "retry now" for one server's deliveries that wait or gave up.

use crate::{
    db::entities::{activity, delivery},
    error::AppResult,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, sea_query::Expr,
};
use std::collections::BTreeMap;

/// Deliveries of one activity to one server.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HostStatus {
    pub host: String,
    pub delivered: u64,
    pub pending: u64,
    pub failed: u64,
    /// The last error seen on a delivery that has not arrived.
    pub last_error: Option<String>,
}

/// One activity, with its deliveries per server.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivityReport {
    pub id: i32,
    pub ap_id: String,
    pub kind: String,
    pub object: String,
    pub created_at: DateTime<Utc>,
    pub hosts: Vec<HostStatus>,
}

impl ActivityReport {
    pub fn delivered(&self) -> u64 {
        self.hosts.iter().map(|h| h.delivered).sum()
    }
    pub fn pending(&self) -> u64 {
        self.hosts.iter().map(|h| h.pending).sum()
    }
    pub fn failed(&self) -> u64 {
        self.hosts.iter().map(|h| h.failed).sum()
    }
    /// Servers not delivered to, with their last error.
    pub fn failing(&self) -> impl Iterator<Item = (&str, &str)> {
        self.hosts
            .iter()
            .filter_map(|h| Some((h.host.as_str(), h.last_error.as_deref()?)))
    }
}

/// The latest `limit` activities of any kind, newest first (`feder deliveries`).
pub async fn recent(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<ActivityReport>> {
    reports(db, activity::Entity::find(), limit).await
}

/// The latest `limit` Create, Update and Delete activities of objects under `prefix` (the
/// posts' address), newest first.
pub async fn per_post(
    db: &DatabaseConnection,
    prefix: &str,
    limit: u64,
) -> AppResult<Vec<ActivityReport>> {
    let about_posts = activity::Entity::find()
        .filter(activity::Column::Kind.is_in(["Create", "Update", "Delete"]))
        .filter(activity::Column::ObjectApId.starts_with(prefix));
    reports(db, about_posts, limit).await
}

async fn reports(
    db: &DatabaseConnection,
    activities: Select<activity::Entity>,
    limit: u64,
) -> AppResult<Vec<ActivityReport>> {
    let activities = activities
        .order_by_desc(activity::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut reports = Vec::with_capacity(activities.len());
    for a in activities {
        reports.push(ActivityReport {
            hosts: per_host(db, a.id).await?,
            id: a.id,
            ap_id: a.ap_id,
            kind: a.kind,
            object: a.object_ap_id.unwrap_or_default(),
            created_at: a.created_at,
        });
    }
    Ok(reports)
}

/// Counted by the database per server and status: a fan-out has thousands of rows.
async fn per_host(db: &DatabaseConnection, activity_id: i32) -> AppResult<Vec<HostStatus>> {
    let rows: Vec<(String, String, i64, Option<String>)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Host)
        .column(delivery::Column::Status)
        .column_as(delivery::Column::Id.count(), "n")
        .column_as(delivery::Column::LastError.max(), "last_error")
        .filter(delivery::Column::ActivityId.eq(activity_id))
        .group_by(delivery::Column::Host)
        .group_by(delivery::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut hosts: BTreeMap<String, HostStatus> = BTreeMap::new();
    for (host, status, n, error) in rows {
        let entry = hosts.entry(host.clone()).or_insert_with(|| HostStatus {
            host,
            ..Default::default()
        });
        let n = u64::try_from(n).unwrap_or_default();
        match status.as_str() {
            delivery::DELIVERED => entry.delivered += n,
            delivery::FAILED => entry.failed += n,
            _ => entry.pending += n,
        }
        if status != delivery::DELIVERED && error.is_some() {
            entry.last_error = error;
        }
    }
    Ok(hosts.into_values().collect())
}

/// Makes the undelivered deliveries of `activity_id` to `host` due at once, with a fresh count
/// of attempts (also those that gave up). Returns how many.
pub async fn retry_now(db: &DatabaseConnection, activity_id: i32, host: &str) -> AppResult<u64> {
    let now = Utc::now();
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(delivery::PENDING))
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::ActivityId.eq(activity_id))
        .filter(delivery::Column::Host.eq(host))
        .filter(delivery::Column::Status.ne(delivery::DELIVERED))
        // Not one a worker is sending right now.
        .filter(
            Condition::any()
                .add(delivery::Column::LockedUntil.is_null())
                .add(delivery::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
