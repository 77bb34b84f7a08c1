//! The durable inbox against real servers: an activity answered 202 is stored before the
//! answer, processed at once when it can be, retried when the clock says it is due (the test
//! moves the site's clock instead of sleeping), refused for good with its reason, and after
//! a kill -9 of a real `feder serve` process processed on the next start.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod common;

use common::{
    Child, Instance, Peer, database_url, eventually, free_port, page, settled, test_config, texts,
    write_config,
};
use feder::{
    db::entities::{comment, inbox_activity},
    federation::{PUBLIC, state::AppState},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

/// A reply by `peer`'s alice, `id`, to `parent`.
fn reply(peer: &Peer, id: &str, parent: &str, text: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"), "type": "Create", "actor": peer.actor, "to": [PUBLIC],
        "object": {
            "id": id, "type": "Note", "attributedTo": peer.actor, "inReplyTo": parent,
            "content": format!("<p>{text}</p>"), "to": [PUBLIC],
        },
    })
}

/// A note by `author`, `id`, answering `parent`, as its server serves it.
fn note(author: &str, id: &str, parent: &str, text: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "Note", "attributedTo": author, "inReplyTo": parent,
        "content": format!("<p>{text}</p>"), "to": [PUBLIC],
    })
}

async fn stored(db: &DatabaseConnection, activity_id: &str) -> Option<inbox_activity::Model> {
    inbox_activity::Entity::find()
        .filter(inbox_activity::Column::ActivityId.eq(activity_id))
        .one(db)
        .await
        .expect("query inbox")
}

async fn comments(db: &DatabaseConnection) -> u64 {
    comment::Entity::find().count(db).await.expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_whose_parents_server_is_down_is_tried_again_when_due() {
    common::init();
    let blog = Instance::start("retry").await;
    let post_url = blog.publish_hello_world().await;
    let db = blog.data().db.clone();
    let alice = Peer::start().await;
    // The parent lives on a server that is down (nothing listens on its port yet).
    let port = free_port();
    let parent = format!("http://localhost:{port}/notes/parent");
    let id = format!("{}/users/alice/statuses/1", alice.base);
    let activity = reply(&alice, &id, &parent, "Answer to a thread elsewhere");
    let activity_id = format!("{id}/activity");

    assert_eq!(
        alice
            .post_signed(&format!("{}inbox", blog.base()), &activity)
            .await,
        202
    );
    let row = stored(&db, &activity_id).await.expect("stored before 202");
    assert_eq!(row.status, inbox_activity::PENDING);
    assert_eq!(row.attempts, 1);
    assert!(row.locked_until.is_none(), "the failed try ended its lease");
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("did not answer")),
        "{:?}",
        row.last_error
    );
    assert_eq!(comments(&db).await, 0);

    // Due again only after a backoff (30 s ± 25 %).
    assert!(row.next_attempt_at > blog.data().clock.now() + chrono::Duration::seconds(20));
    // The server comes up, and the clock passes the backoff: tried again, and done.
    let other = Peer::start_at(port).await;
    let bob = other.as_user("bob").actor;
    other.serve_note("parent", note(&bob, &parent, &post_url, "The parent"));
    blog.data().clock.advance(Duration::from_secs(60));
    blog.data().inbox_wakeup.notify_one();
    settled(&db, 20).await;
    let row = stored(&db, &activity_id).await.expect("row");
    assert_eq!(row.status, inbox_activity::DONE);
    assert_eq!(row.attempts, 2);
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment .e-content"),
        vec!["The parent", "Answer to a thread elsewhere"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_answered_recorded_and_not_tried_again() {
    common::init();
    let blog = Instance::start("refused").await;
    let post_url = blog.publish_hello_world().await;
    let db = blog.data().db.clone();
    let alice = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    let id = format!("{}/users/alice/statuses/2", alice.base);
    let mut activity = reply(&alice, &id, &post_url, "Not mine");
    activity["object"]["attributedTo"] = json!(alice.as_user("bob").actor);

    assert_eq!(alice.post_signed(&inbox, &activity).await, 401);
    let row = stored(&db, &format!("{id}/activity"))
        .await
        .expect("recorded");
    assert_eq!(row.status, inbox_activity::REJECTED);
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("attributed to someone else")),
        "{:?}",
        row.last_error
    );
    // Received again: the same activity changes nothing.
    assert_eq!(alice.post_signed(&inbox, &activity).await, 202);
    blog.data().clock.advance(Duration::from_secs(7200));
    blog.data().inbox_wakeup.notify_one();
    settled(&db, 20).await;
    let again = stored(&db, &format!("{id}/activity")).await.expect("row");
    assert_eq!((again.status, again.attempts), (row.status, 1));
    assert_eq!(comments(&db).await, 0);
}

async fn serving(port: u16) {
    eventually("feder serve answers", 60, || async {
        common::client()
            .get(format!("http://127.0.0.1:{port}/actor"))
            .header("Accept", "application/activity+json")
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
            .map(drop)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_right_after_202_loses_nothing() {
    common::init();
    let dir = tempfile::tempdir().expect("dir");
    let database = database_url(dir.path(), "inboxkill").await;
    let port = free_port();
    let config = write_config(dir.path(), 5);
    let state = AppState::open(test_config("inboxkill", &database, port))
        .await
        .expect("open");
    let data = state.to_request_data();
    let input = feder::services::posts::parse_markdown_file(
        "---\ntitle: Hello world\nslug: hello-world\n---\nFirst paragraph.\n",
    )
    .expect("markdown");
    feder::services::posts::publish(&data, input)
        .await
        .expect("publish");
    let post_url = format!("http://localhost:{port}/posts/hello-world");
    let db = data.db.clone();

    // The parent of the reply is on a server that answers only after 25 s.
    let peer = Peer::start().await;
    let parent = format!("{}/notes/parent", peer.base);
    let bob = peer.as_user("bob").actor;
    peer.serve_note("parent", note(&bob, &parent, &post_url, "The parent"));
    peer.slow_notes(25_000);
    let id = format!("{}/users/alice/statuses/3", peer.base);
    let activity = reply(&peer, &id, &parent, "Said before the crash");

    let mut node = Child::spawn(&["serve"], &config, &database, port, port);
    serving(port).await;
    let started = std::time::Instant::now();
    assert_eq!(
        peer.post_signed(&format!("http://localhost:{port}/inbox"), &activity)
            .await,
        202
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "answered at the deadline, not after the parent"
    );
    node.kill();
    let row = stored(&db, &format!("{id}/activity"))
        .await
        .expect("stored before the 202");
    assert_eq!(row.status, inbox_activity::PENDING);
    assert_eq!(comments(&db).await, 0, "killed before it was processed");

    peer.slow_notes(0);
    let _node = Child::spawn(&["serve"], &config, &database, port, port);
    settled(&db, 60).await;
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment .e-content"),
        vec!["The parent", "Said before the crash"]
    );
}
