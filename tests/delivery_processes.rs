//! Delivery by real `feder serve` processes: killed with SIGKILL in the middle of a fan-out and
//! started again, every inbox still gets the activity; and (on PostgreSQL) two nodes sharing one
//! queue send each delivery once.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::db::entities::delivery;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::{collections::HashMap, sync::Arc};
use support::{Blog, Peer, eventually, free_port, seed_followers};

/// How often each inbox received a Create.
fn per_inbox(peer: &Peer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in peer
        .received()
        .into_iter()
        .filter(|r| r.body["type"] == "Create")
    {
        *counts.entry(r.path).or_insert(0) += 1;
    }
    counts
}

fn publish(blog: &Blog, dir: &std::path::Path) {
    let post = dir.join("post.md");
    std::fs::write(&post, "---\ntitle: Fan-out\n---\nTo every follower.\n").expect("write post");
    let status = blog
        .command()
        .args(["post", "publish"])
        .arg(&post)
        .status()
        .expect("run feder post publish");
    assert!(status.success());
}

async fn pending(db: &sea_orm::DatabaseConnection) -> u64 {
    delivery::Entity::find()
        .filter(delivery::Column::Status.ne(delivery::DELIVERED))
        .count(db)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_fanout_loses_nothing() {
    support::init();
    const FOLLOWERS: usize = 300;
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let blog = Blog::new("crash").dir(&dir).leases(5).prepare().await;
    let state = blog.clone().open().await;
    let db = state.to_request_data().db.clone();
    let peer = Peer::start().await;
    seed_followers(&db, &peer, FOLLOWERS).await;
    // A slow receiver, so the kill lands while deliveries are in flight.
    peer.slow_down(40);
    publish(&blog, dir.path());

    let mut node = blog.spawn(&["serve"]);
    eventually("the fan-out has started", 30, || async {
        (per_inbox(&peer).len() >= 20).then_some(())
    })
    .await;
    node.kill();
    let at_kill = per_inbox(&peer).len();
    assert!(
        at_kill < FOLLOWERS,
        "the kill came before the fan-out ended ({at_kill} delivered)"
    );

    peer.slow_down(0);
    let _node = blog.spawn(&["serve"]);
    eventually("every delivery done after the restart", 60, || async {
        (pending(&db).await == 0).then_some(())
    })
    .await;
    let counts = per_inbox(&peer);
    assert_eq!(counts.len(), FOLLOWERS, "every inbox received the activity");
    let twice: usize = counts.values().filter(|&&n| n > 1).count();
    // Only what was sent but not yet recorded at the kill can arrive twice (receivers
    // de-duplicate by id): at most the 64 in flight plus one batch of outcomes on its way to
    // the database.
    assert!(twice <= 128, "{twice} inboxes got it twice");
    println!("killed after {at_kill} of {FOLLOWERS} deliveries; {twice} inboxes received it twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_queue() {
    support::init();
    let Ok(url) = std::env::var("FEDER_TEST_DATABASE_URL") else {
        println!("skipped: two nodes need PostgreSQL (set FEDER_TEST_DATABASE_URL)");
        return;
    };
    assert!(
        url.starts_with("postgres"),
        "FEDER_TEST_DATABASE_URL must be a PostgreSQL URL"
    );
    const FOLLOWERS: usize = 400;
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let blog = Blog::new("nodes").dir(&dir).leases(60).prepare().await;
    let state = blog.clone().open().await;
    let db = state.to_request_data().db.clone();
    let peer = Peer::start().await;
    seed_followers(&db, &peer, FOLLOWERS).await;
    peer.slow_down(5);

    // Both nodes serve the same blog (one domain, as behind a reverse proxy).
    let _a = blog.spawn(&["serve"]);
    let _b = blog.clone().listen_port(free_port()).spawn(&["serve"]);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    publish(&blog, dir.path());
    eventually("every delivery done by the two nodes", 60, || async {
        (pending(&db).await == 0).then_some(())
    })
    .await;
    let counts = per_inbox(&peer);
    assert_eq!(counts.len(), FOLLOWERS, "every inbox received the activity");
    assert!(
        counts.values().all(|&n| n == 1),
        "no inbox received it twice"
    );
}

/// A post published with the CLI while `feder serve` runs goes out at once: the command wakes
/// the server's worker (SQLite: a datagram to the socket beside the database file; PostgreSQL:
/// NOTIFY), whose poll is an hour here, so only the wake-up can deliver it within the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_published_with_the_cli_goes_out_without_waiting_for_the_poll() {
    support::init();
    const FOLLOWERS: usize = 3;
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let port = free_port();
    let blog = Blog::new("wake")
        .configure(|c| {
            c.delivery.poll_millis = 3_600_000;
            c.inbox.poll_millis = 3_600_000;
        })
        .dir(&dir)
        .port(port)
        .prepare()
        .await;
    let state = blog.clone().open().await;
    let db = state.to_request_data().db.clone();
    let peer = Peer::start().await;
    seed_followers(&db, &peer, FOLLOWERS).await;
    let _node = blog.spawn(&["serve"]);
    let client = reqwest::Client::new();
    eventually("the server answers", 30, || async {
        let home = client.get(format!("http://127.0.0.1:{port}/")).send().await;
        home.ok().filter(|r| r.status().is_success()).map(|_| ())
    })
    .await;
    publish(&blog, dir.path());
    eventually("every follower has the post", 30, || async {
        (per_inbox(&peer).len() == FOLLOWERS).then_some(())
    })
    .await;
}
