//! Counts this process's writes to the tables pages are made of, so a cache of rendered pages
//! knows it is stale without asking the database. Fed by sea-orm's per-statement callback.

use sea_orm::metric::Info;
use std::sync::atomic::{AtomicU64, Ordering};

static WRITES: AtomicU64 = AtomicU64::new(0);

/// Tables no page shows that are written all the time (the delivery queue, logins): writes to
/// them leave cached pages alone.
const UNSHOWN: &[&str] = &[
    "deliveries",
    "delivery_hosts",
    "activities",
    "sessions",
    "login_attempts",
    "api_tokens",
    "site_keys",
];

/// How many writes to shown tables this process made so far.
pub fn count() -> u64 {
    WRITES.load(Ordering::Acquire)
}

/// The statement callback: counts successful INSERT, UPDATE and DELETE statements.
pub fn observe(info: &Info<'_>) {
    if !info.failed && shows(&info.statement.sql) {
        WRITES.fetch_add(1, Ordering::AcqRel);
    }
}

/// Whether `sql` writes, to a table pages may show.
fn shows(sql: &str) -> bool {
    let sql = sql.trim_start();
    let verb = sql.get(..6).unwrap_or_default();
    if !["INSERT", "UPDATE", "DELETE"]
        .iter()
        .any(|v| verb.eq_ignore_ascii_case(v))
    {
        return false;
    }
    // sea-query quotes identifiers: the first quoted name is the table written to.
    let table = sql.split('"').nth(1).or_else(|| sql.split('`').nth(1));
    !table.is_some_and(|t| UNSHOWN.contains(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_to_shown_tables() {
        assert!(shows(r#"INSERT INTO "comments" ("ap_id") VALUES ($1)"#));
        assert!(shows(r#"update "posts" set "title" = ?"#));
        assert!(shows(r#"DELETE FROM "reactions" WHERE "id" = $1"#));
        assert!(!shows(r#"SELECT "posts"."id" FROM "posts""#));
        assert!(!shows(r#"UPDATE "deliveries" SET "status" = $1"#));
        assert!(!shows(r#"INSERT INTO "sessions" ("id") VALUES ($1)"#));
    }
}
