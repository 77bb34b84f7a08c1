//! Login throttling, in the database (so that several nodes share it), as OWASP's "device
//! cookies" describe it: a browser that logged in as a name before (`Client::Device`) is
//! counted on its own, so strangers guessing that name cannot lock its owner out; every other
//! client is counted per name and address, and all of them together per name, which stops
//! guessing spread over many addresses. The name lock applies to unknown names alike, so it
//! tells no names apart.
//!
//! An attempt is recorded *before* its password is checked and only then counted: every
//! attempt let through stays counted until it succeeds, and each new one counts itself and
//! all of those, so however many run at once, at most `MAX_FAILED_LOGINS` are checked per
//! window (a read-then-write check let all of them through).

use crate::{db::entities::login_attempt, error::AppResult};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};

/// Failed logins allowed per user name and address (or per trusted device) within `WINDOW`.
pub const MAX_FAILED_LOGINS: u64 = 5;
/// Failed logins allowed per user name from all addresses without a device cookie together.
pub const MAX_FAILED_LOGINS_PER_NAME: u64 = 10;
const WINDOW: Duration = Duration::minutes(15);
/// Rows of a trusted device carry this before the device's id where others carry an address.
const DEVICE: &str = "device:";

/// Who tries: a browser with the device cookie of a past login as this name, or anyone else
/// (by address).
pub enum Client<'a> {
    Device(&'a str),
    Address(&'a str),
}

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
    client: Client<'_>,
) -> AppResult<Option<Attempt>> {
    let ip = match client {
        Client::Device(id) => format!("{DEVICE}{id}"),
        Client::Address(ip) => ip.to_string(),
    };
    let ip = ip.as_str();
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
    let from_strangers = if ip.starts_with(DEVICE) {
        0
    } else {
        login_attempt::Entity::find()
            .filter(login_attempt::Column::Username.eq(username))
            .filter(login_attempt::Column::Ip.not_like(format!("{DEVICE}%")))
            .filter(login_attempt::Column::AttemptedAt.gt(now - WINDOW))
            .count(db)
            .await?
    };
    if attempts > MAX_FAILED_LOGINS || from_strangers > MAX_FAILED_LOGINS_PER_NAME {
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
