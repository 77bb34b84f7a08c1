//! How a SQLite connection waits for another connection's write lock: in short steps, so
//! the lock is taken again soon after it is released.
//!
//! `busy_timeout` installs SQLite's own busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 …
//! up to 100 ms between looks at the lock. A write transaction of Feder's takes a few
//! milliseconds, so under concurrent writes (the inbox: each activity is stored, then
//! processed in a transaction of its own) the waiters slept while the lock stood free: the
//! server's CPU idled at a tenth of a core while inbox requests took hundreds of
//! milliseconds (`strace` of ingest: 749 sleeps of 2.4 ms on average in 8 s). This handler
//! looks again after [`STEP`] (a little longer once it has waited a while) and gives up after
//! [`WAIT_FOR`], as `busy_timeout` did.

use sea_orm::sqlx::{self, SqliteConnection};
use std::{
    ffi::{c_int, c_void},
    time::Duration,
};

/// How long a connection waits for the lock in all before the statement fails as busy.
pub const WAIT_FOR: Duration = Duration::from_secs(30);

/// The pause between looks at the lock for the first [`SHORT_STEPS`] looks, then [`LONG_STEP`]
/// (another process, such as `feder import`, may hold it for long).
const STEP: Duration = Duration::from_micros(50);
const SHORT_STEPS: c_int = 200;
const LONG_STEP: Duration = Duration::from_millis(1);

/// Looks at the lock before giving up: [`WAIT_FOR`] at the least (sleeps last a little longer
/// than asked).
const MAX_LOOKS: c_int = SHORT_STEPS + (WAIT_FOR.as_millis() / LONG_STEP.as_millis()) as c_int;

/// Replaces the busy handler of `connection` (a new one: `after_connect`).
pub async fn wait_in_short_steps(connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = connection.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, locked for us while the call runs; the
    // handler is a plain function that reads nothing through its argument (null).
    let code =
        unsafe { libsqlite3_sys::sqlite3_busy_handler(db, Some(busy), std::ptr::null_mut()) };
    match code {
        libsqlite3_sys::SQLITE_OK => Ok(()),
        code => Err(sqlx::Error::Protocol(format!(
            "sqlite3_busy_handler answered {code}"
        ))),
    }
}

/// SQLite's call while the lock is taken: `looks` is how many times it asked already. Returns
/// 0 to give up (the statement fails with SQLITE_BUSY), else asks again after a pause.
extern "C" fn busy(_: *mut c_void, looks: c_int) -> c_int {
    if looks >= MAX_LOOKS {
        return 0;
    }
    std::thread::sleep(if looks < SHORT_STEPS { STEP } else { LONG_STEP });
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_about_as_long_as_busy_timeout_did() {
        let least = STEP * SHORT_STEPS as u32 + LONG_STEP * (MAX_LOOKS - SHORT_STEPS) as u32;
        assert!(least >= WAIT_FOR && least < WAIT_FOR + Duration::from_secs(1));
        assert_eq!(busy(std::ptr::null_mut(), MAX_LOOKS), 0);
        assert_eq!(busy(std::ptr::null_mut(), 0), 1);
    }
}
