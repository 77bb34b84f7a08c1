//! Storage: connecting (SQLite file or PostgreSQL), migrating, and the entities.

pub mod changes;
pub mod entities;
mod sqlite_wait;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait, sqlx::Connection,
};
use std::time::Duration;

/// Opens the database, creating the SQLite file and its folder when missing, and migrates it.
///
/// A pooled connection that sqlx still counts as inside a transaction is closed rather than
/// handed out again. A COMMIT that fails (SQLite's disk full, a PostgreSQL serialization
/// failure) ends the transaction in the database, but sqlx's count of open transactions stays
/// up, and the ROLLBACK sent when the transaction is dropped fails too. Handed out again, that
/// connection begins its next transaction with `SAVEPOINT` instead of `BEGIN`; on SQLite, once
/// such a step fails, the connection holds a transaction open for good: every other writer is
/// refused ("database is locked") and what it commits is never written, until a restart. The
/// ping before each acquire runs after the queued ROLLBACK, so a connection whose transaction
/// ended normally is counted out of it by then. (`tests/full_disk.rs` fills a disk.)
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        if let Some(dir) = sqlite_file(url).and_then(|p| p.parent().map(|d| d.to_path_buf()))
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
        // WAL lets readers go on while one writer writes, and the CLI and the server share the
        // file; a writer waits for the other instead of failing at once (in short steps:
        // `sqlite_wait`). synchronous=NORMAL syncs the WAL at checkpoints, not at each commit:
        // a crash of the process loses nothing, a power loss the last commits (README).
        // The log's size: see `WAL_CHECKPOINT_PAGES`.
        options
            .max_connections(4)
            .map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(sqlite_wait::WAIT_FOR)
                    .foreign_keys(true)
                    .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
                    .pragma("journal_size_limit", WAL_SIZE_LIMIT.to_string())
            })
            .map_sqlx_sqlite_pool_opts(|opts| {
                opts.after_connect(|connection, _| {
                    Box::pin(sqlite_wait::wait_in_short_steps(connection))
                })
            });
        options.map_sqlx_sqlite_before_acquire(|conn, _| {
            Box::pin(async move { Ok(!conn.is_in_transaction()) })
        });
    } else {
        options.max_connections(16);
        options.map_sqlx_postgres_before_acquire(|conn, _| {
            Box::pin(async move { Ok(!conn.is_in_transaction()) })
        });
    }
    let db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
    Migrator::up(&db, None)
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate database {url}: {e}"))?;
    if !is_postgres(&db) {
        checkpoint(&db).await;
    }
    Ok(db)
}

/// SQLite copies its write-ahead log into the database file once a commit leaves it this
/// many pages long (SQLite's default, set here so that no build or connection differs):
/// 1000 pages of 4 KiB, about 4 MB of log, written to the database file in one go at most
/// every few hundred replies, and read back by readers meanwhile at no great cost.
const WAL_CHECKPOINT_PAGES: u32 = 1000;

/// The log kept on disk once SQLite starts it over, in bytes: what the checkpoint above lets
/// it reach (4 MB and a few pages for the commit that crosses it). Without a limit SQLite never
/// shrinks the log: one large transaction (an import, a burst of replies while a reader held
/// an old snapshot, so that no checkpoint could finish) left a log of that size beside the
/// database for good, on a small disk the room the next writes needed. With it, the first
/// commit after the log starts over cuts the file back to this size, while a log in steady
/// use keeps the room it reuses (overwriting is cheaper than growing the file again).
const WAL_SIZE_LIMIT: u64 = (WAL_CHECKPOINT_PAGES as u64 + 24) * 4096;

/// Copies SQLite's write-ahead log into the database file and empties it. SQLite does so on
/// its own only once the log holds 1000 pages (4 MB), and a log is never shrunk: a new
/// database's schema and migrations, left in the log, held the whole database twice over
/// (1.5 MB of log beside a 4 KB file), and on a nearly full disk, space freed for the
/// database went to that log again until it filled the disk once more and the checkpoint
/// that would have freed it had no room left to write the file (`tests/full_disk.rs`).
/// A failure is logged, not fatal: the blog can still read.
pub async fn checkpoint(db: &DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    if let Err(e) = db
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
    {
        tracing::warn!(error = %e, "SQLite log not checkpointed");
    }
}

/// For `feder serve` on a SQLite database: an exclusive lock on `<file>.lock` beside it,
/// held while the returned file is open (the system releases it when the process ends, also
/// when it is killed). A second server on the same file would run a second delivery worker
/// and scheduler on one queue; CLI commands take no lock and work while the server runs.
/// PostgreSQL needs no lock: there, several nodes share the queue by design.
pub fn lock_for_server(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    let Some(path) = sqlite_file(url).filter(|_| url.starts_with("sqlite:")) else {
        return Ok(None);
    };
    let mut lock_path = path.into_os_string();
    lock_path.push(".lock");
    let lock_path = std::path::PathBuf::from(lock_path);
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(anyhow::anyhow!(
            "another `feder serve` already runs on {url} (it holds {}). One server per SQLite \
             database: stop the other one, or use PostgreSQL (database.url = \"postgres://...\") \
             to run several nodes",
            lock_path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(anyhow::anyhow!("cannot lock {}: {e}", lock_path.display()))
        }
    }
}

/// The file of a SQLite database URL (none for PostgreSQL or `:memory:`).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

/// Begins a transaction that writes. On SQLite it takes the write lock at `BEGIN` (`BEGIN
/// IMMEDIATE`). A transaction begun plainly reads first and asks for the lock at its first
/// write, while holding a snapshot; when another connection writes meanwhile, SQLite refuses
/// that at once with "database is locked" instead of waiting (two such transactions could
/// otherwise wait for each other). So the owner's approval of a comment failed whenever the
/// inbox stored a reply at the same moment. Asked for at `BEGIN`, the lock is waited for like
/// any other (`sqlite_wait`). PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Whether `e` is the database refusing a write for a moment: SQLite busy or locked by
/// another writer (5, 6 and their extended codes), a PostgreSQL serialization failure or
/// deadlock. The same statement, tried again shortly, usually goes through.
pub fn is_busy(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e else {
        return false;
    };
    let sqlx::Error::Database(e) = e.as_ref() else {
        return false;
    };
    e.code().is_some_and(|code| {
        ["5", "6", "261", "262", "517", "40001", "40P01"].contains(&code.as_ref())
    })
}

/// Whether `e` is SQLite's "database or disk is full" (13).
pub fn is_full(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e else {
        return false;
    };
    matches!(e.as_ref(), sqlx::Error::Database(e) if e.code().as_deref() == Some("13"))
}

pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// The `n`th bound parameter of hand-written SQL: `$n` on PostgreSQL, `?` on SQLite.
pub fn placeholder(postgres: bool, n: usize) -> String {
    if postgres {
        format!("${n}")
    } else {
        "?".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnectionTrait;

    /// A new SQLite database `name` in `dir`, connected as the server connects, with `table`.
    async fn file_db(dir: &tempfile::TempDir, name: &str, table: &str) -> DatabaseConnection {
        let file = dir.path().join(name);
        let db = connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("connect");
        db.execute_unprepared(&format!("CREATE TABLE {table}"))
            .await
            .expect("table");
        db
    }

    /// A transaction far larger than the limit, then a checkpoint: the next commit leaves the
    /// log's file (its real size on disk) at most `WAL_SIZE_LIMIT` long. Without the limit it
    /// stayed at the size of that transaction, over 16 MB.
    #[tokio::test]
    async fn the_log_shrinks_back_after_a_large_transaction() {
        let dir = tempfile::tempdir().expect("dir");
        let db = file_db(&dir, "log.db", "burst (bytes BLOB)").await;
        db.execute_unprepared("INSERT INTO burst VALUES (zeroblob(16777216))")
            .await
            .expect("burst");
        let wal = dir.path().join("log.db-wal");
        let size = || std::fs::metadata(&wal).expect("the log").len();
        assert!(size() > 16 << 20, "the burst is in the log: {}", size());
        // What the automatic checkpoint does, once the burst's connection lets go of it.
        db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
            .await
            .expect("checkpoint");
        db.execute_unprepared("DELETE FROM burst")
            .await
            .expect("write");
        assert!(size() <= WAL_SIZE_LIMIT, "the log: {} bytes", size());
    }

    /// A write transaction reads, another connection writes meanwhile, then the transaction
    /// writes: both writes go through (the other one waits for the lock). Begun plainly, the
    /// transaction's write was refused at once ("database is locked").
    #[tokio::test]
    async fn a_write_transaction_that_reads_first_waits_for_no_one() {
        let dir = tempfile::tempdir().expect("dir");
        let db = file_db(&dir, "two.db", "t (n INTEGER)").await;
        let txn = begin_write(&db).await.expect("begin");
        txn.execute_unprepared("SELECT count(*) FROM t")
            .await
            .expect("read");
        let mut other = tokio::spawn({
            let db = db.clone();
            async move { db.execute_unprepared("INSERT INTO t VALUES (1)").await }
        });
        // Given time to commit first; it must wait for the transaction instead.
        let early = tokio::time::timeout(Duration::from_millis(300), &mut other).await;
        assert!(early.is_err(), "the other writer waits for the lock");
        txn.execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .expect("the write after the read");
        txn.commit().await.expect("commit");
        other.await.expect("task").expect("the other write");
        let rows = db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "SELECT count(*) AS n FROM t",
            ))
            .await
            .expect("count")
            .expect("a row");
        assert_eq!(rows.try_get::<i64>("", "n").expect("n"), 2);
    }
}
