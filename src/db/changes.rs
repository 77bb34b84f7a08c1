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
    "notifications",
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
    let mut words = sql.split_whitespace();
    let verb = words.next().unwrap_or_default();
    let table = if verb.eq_ignore_ascii_case("INSERT") || verb.eq_ignore_ascii_case("DELETE") {
        // INSERT INTO t / DELETE FROM t
        words.nth(1)
    } else if verb.eq_ignore_ascii_case("UPDATE") {
        words.next()
    } else {
        return false;
    };
    // Quoted by sea-query ("comments"), bare in hand-written SQL (deliveries).
    let table = table
        .unwrap_or_default()
        .split('(')
        .next()
        .unwrap_or_default()
        .trim_matches(|c| c == '"' || c == '`');
    !UNSHOWN.contains(&table)
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
        assert!(!shows(
            "UPDATE deliveries SET locked_until = $1 WHERE id IN (1)"
        ));
        assert!(!shows(
            "INSERT INTO delivery_hosts (host) VALUES ($1) ON CONFLICT (host) DO UPDATE SET x = 1"
        ));
        assert!(shows("delete from comments where id = 1"));
    }
}
