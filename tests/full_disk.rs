//! A full disk under the SQLite database while replies arrive: no reply is answered 202 unless
//! it is stored (the others are 503 with `Retry-After`), and once space is freed, writes work
//! again without a restart; a reply stored and shown whose done-mark the full disk refused
//! ends done, not a dead letter. The disk is a small tmpfs the test mounts, so it runs as root
//! (CI does); elsewhere it says why it did not run, and under `CI=true` fails.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use support::{Blog, Peer, eventually, settled};

use feder::{
    db::entities::{comment, inbox_activity},
    federation::PUBLIC,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::{io::Write, path::PathBuf, process::Command, sync::Arc};

/// A tmpfs of `size` at `path`, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: PathBuf, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(Tmpfs(path))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the disk: `SLACK` small files first, then one file until the disk refuses more
/// (64 KiB at a time, then single KiBs). Removing a slack file gives the database a little room
/// again, so that writes then fail at different points: a statement, a COMMIT.
fn fill(dir: &std::path::Path) {
    for i in 0..SLACK {
        std::fs::write(dir.join(format!("slack{i}")), vec![0u8; 8 * 1024]).expect("slack file");
    }
    let mut file = std::fs::File::create(dir.join("filler")).expect("filler");
    for chunk in [64 * 1024, 1024, 64] {
        let block = vec![0u8; chunk];
        while file.write_all(&block).and_then(|()| file.flush()).is_ok() {}
    }
}

const SLACK: usize = 40;

/// A reply by `peer`'s alice with status number `n`.
fn reply(peer: &Peer, post_url: &str, n: usize) -> serde_json::Value {
    let id = format!("{}/users/alice/statuses/{n}", peer.base);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"), "type": "Create", "actor": peer.actor, "to": [PUBLIC],
        "object": {
            "id": id, "type": "Note", "attributedTo": peer.actor, "inReplyTo": post_url,
            "content": format!("<p>reply {n}, {}</p>", "x".repeat(2000)), "to": [PUBLIC],
        },
    })
}

/// A tmpfs of `size` in a new folder, or `None` where the test cannot run (PostgreSQL, not
/// root: said, and refused under `CI=true`).
fn disk(size: &str) -> Option<(Arc<tempfile::TempDir>, Tmpfs)> {
    if std::env::var("FEDER_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        println!("skipped: the full disk is a SQLite file's (PostgreSQL runs elsewhere)");
        return None;
    }
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    match Tmpfs::mount(dir.path().join("disk"), size) {
        Ok(disk) => Some((dir, disk)),
        Err(e) => {
            let message = format!("cannot mount a tmpfs (needs root): {e}");
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            println!("skipped: {message}");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_with_503_and_heals_without_a_restart() {
    support::init();
    let Some((dir, disk)) = disk("3m") else {
        return;
    };
    let database = format!("sqlite://{}/full.db", disk.0.display());
    let blog = Blog::new("full")
        .dir(&dir)
        .database(&database)
        .start()
        .await;
    let post_url = blog.publish_hello_world().await;
    let db = blog.data().db.clone();
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    // The first reply stores alice's actor; the rest need only their own rows.
    assert_eq!(
        peer.post_signed(&inbox, &reply(&peer, &post_url, 0)).await,
        202
    );

    fill(&disk.0);
    let mut answers = Vec::new();
    for n in 1..=SLACK {
        std::fs::remove_file(disk.0.join(format!("slack{}", n - 1))).expect("slack");
        answers.push((
            n,
            peer.post_signed(&inbox, &reply(&peer, &post_url, n)).await,
        ));
    }
    println!("disk full: {answers:?}");
    assert!(
        answers.iter().any(|(_, s)| *s == 503),
        "a full disk refused nothing: {answers:?}"
    );
    assert!(
        answers.iter().all(|(_, s)| *s == 202 || *s == 503),
        "only 202 or 503: {answers:?}"
    );

    // Space again: every reply is taken at once, without a restart.
    std::fs::remove_file(disk.0.join("filler")).expect("free the space");
    for n in SLACK + 1..=SLACK + 10 {
        let status = peer.post_signed(&inbox, &reply(&peer, &post_url, n)).await;
        answers.push((n, status));
        assert_eq!(status, 202, "reply {n} after the space was freed");
    }
    // What was stored but failed while the disk was full is tried again when due.
    blog.data()
        .clock
        .advance(std::time::Duration::from_secs(3600));
    blog.data().inbox_wakeup.notify_one();
    settled(&db, 30).await;
    // Every reply answered 202 is stored and on the page (the sender of a 503 sends it again;
    // a row may exist for it too, when the answer came before a slow write ended).
    for (n, status) in &answers {
        let id = format!("{}/users/alice/statuses/{n}", peer.base);
        let row = inbox_activity::Entity::find()
            .filter(inbox_activity::Column::ActivityId.eq(format!("{id}/activity")))
            .one(&db)
            .await
            .expect("query");
        let shown = comment::Entity::find()
            .filter(comment::Column::ApId.eq(id.as_str()))
            .one(&db)
            .await
            .expect("query");
        if *status == 202 {
            assert_eq!(
                row.map(|r| r.status).as_deref(),
                Some(inbox_activity::DONE),
                "reply {n} was answered 202"
            );
            assert!(
                shown.is_some(),
                "reply {n} was answered 202 and is not shown"
            );
        }
    }
}

/// What a try stores commits, then the disk is full when its done-mark is written; the blog
/// tries an activity once (`max_attempts = 1`) and its lease runs out while the disk is full.
/// Once there is room again the activity ends done, not as a dead letter ("no try ended")
/// that "try again" would process twice, and the comment is there once. Failed before
/// `queue::give_up` gave a try with no outcome on record one more try: the row ended dead.
///
/// The mark is made to need more room than the disk has by a trigger on it that writes a
/// blob larger than the disk: the mark's own transaction fills the disk (a real SQLITE_FULL)
/// after the reply's transaction committed, every time it is tried, until the trigger goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_done_whose_done_mark_a_full_disk_refused_ends_done() {
    support::init();
    let Some((dir, disk)) = disk("8m") else {
        return;
    };
    let database = format!("sqlite://{}/marks.db", disk.0.display());
    let blog = Blog::new("marks")
        .dir(&dir)
        .database(&database)
        .configure(|c| c.inbox.max_attempts = 1)
        .start()
        .await;
    let post_url = blog.publish_hello_world().await;
    let data = blog.data();
    let db = data.db.clone();
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    db.execute_unprepared(
        "CREATE TABLE ballast (bytes BLOB); \
         CREATE TRIGGER done_mark_fills_the_disk AFTER UPDATE OF status ON inbox_activities \
         WHEN NEW.status = 'done' BEGIN INSERT INTO ballast VALUES (zeroblob(16777216)); END;",
    )
    .await
    .expect("trigger");

    assert_eq!(
        peer.post_signed(&inbox, &reply(&peer, &post_url, 1)).await,
        202
    );
    let note = format!("{}/users/alice/statuses/1", peer.base);
    let activity = format!("{note}/activity");
    let row = || async {
        inbox_activity::Entity::find()
            .filter(inbox_activity::Column::ActivityId.eq(activity.as_str()))
            .one(&db)
            .await
            .expect("query")
            .expect("stored")
    };
    let comments = || async {
        comment::Entity::find()
            .filter(comment::Column::ApId.eq(note.as_str()))
            .count(&db)
            .await
            .expect("count")
    };
    eventually("the reply to be stored", 10, || async {
        (comments().await == 1).then_some(())
    })
    .await;
    assert_eq!(
        row().await.status,
        inbox_activity::PENDING,
        "not marked done"
    );

    // Its lease runs out while the disk is still full: the worker takes the row up.
    data.clock.advance(std::time::Duration::from_secs(3600));
    data.inbox_wakeup.notify_one();
    eventually("the worker to take up the row", 20, || async {
        let row = row().await;
        (row.status == inbox_activity::DEAD || row.attempts > 1).then_some(())
    })
    .await;

    // Room again.
    db.execute_unprepared("DROP TRIGGER done_mark_fills_the_disk; DROP TABLE ballast;")
        .await
        .expect("drop the trigger");
    settled(&db, 30).await;
    let row = row().await;
    assert_eq!(
        row.status,
        inbox_activity::DONE,
        "a reply stored and shown: {:?}",
        row.last_error
    );
    assert_eq!(comments().await, 1, "stored once");
}
