//! Login throttling per user name and address, in the database (so that several nodes share
//! it). An attempt is recorded *before* its password is checked and only then counted: every
//! attempt let through stays counted until it succeeds, and each new one counts itself and
//! all of those, so however many run at once, at most `MAX_FAILED_LOGINS` are checked per
//! window (a read-then-write check let all of them through).

use crate::{db::entities::login_attempt, error::AppResult};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};

/// Failed logins allowed per user name and address within `WINDOW`.
pub const MAX_FAILED_LOGINS: u64 = 5;
const WINDOW: Duration = Duration::minutes(15);

/// An attempt that was let through: `forgive` it when the password was right (or was never
/// checked), keep it when it was wrong.
pub struct Attempt {
    id: i64,
    username: String,
    ip: String,
}

/// Records an attempt; `None` when there were too many already.
pub async fn charge(
    db: &DatabaseConnection,
    username: &str,
    ip: &str,
) -> AppResult<Option<Attempt>> {
    let now = Utc::now();
    // Old attempts only take room.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::AttemptedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    let row = login_attempt::ActiveModel {
        username: Set(username.to_string()),
        ip: Set(ip.to_string()),
        attempted_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let attempts = login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(username))
        .filter(login_attempt::Column::Ip.eq(ip))
        .filter(login_attempt::Column::AttemptedAt.gt(now - WINDOW))
        .count(db)
        .await?;
    if attempts > MAX_FAILED_LOGINS {
        // A refused attempt is not counted: the window does not grow while one waits.
        login_attempt::Entity::delete_by_id(row.id).exec(db).await?;
        return Ok(None);
    }
    Ok(Some(Attempt {
        id: row.id,
        username: username.to_string(),
        ip: ip.to_string(),
    }))
}

/// The password was right: every failure of this name and address is forgotten.
pub async fn succeeded(db: &DatabaseConnection, attempt: Attempt) -> AppResult<()> {
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Username.eq(attempt.username))
        .filter(login_attempt::Column::Ip.eq(attempt.ip))
        .exec(db)
        .await?;
    Ok(())
}

/// The password was not checked (the server was busy): the attempt does not count.
pub async fn forgive(db: &DatabaseConnection, attempt: Attempt) -> AppResult<()> {
    login_attempt::Entity::delete_by_id(attempt.id)
        .exec(db)
        .await?;
    Ok(())
}
