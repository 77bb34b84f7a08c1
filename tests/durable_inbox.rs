//! The durable inbox against real servers: an activity answered 202 is stored before the
//! answer, processed at once when it can be, retried when the clock says it is due (the test
//! moves the site's clock instead of sleeping), refused for good with its reason, and after
//! a kill -9 of a real `feder serve` process processed on the next start.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    db::entities::{comment, inbox_activity},
    federation::PUBLIC,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;
use support::{
    Blog, Peer, eventually, feder_cli, free_port, page, page as page_of, reply_activity, settled,
    texts,
};

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
    support::init();
    let blog = Blog::new("retry").start().await;
    let post_url = blog.publish_hello_world().await;
    let db = blog.data().db.clone();
    let alice = Peer::start().await;
    // The parent lives on a server that is down (nothing listens on its port yet).
    let port = free_port();
    let parent = format!("http://localhost:{port}/notes/parent");
    let id = format!("{}/users/alice/statuses/1", alice.base);
    let activity = reply_activity(&alice, &id, &parent, "Answer to a thread elsewhere");
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
    let bob = format!("http://localhost:{port}/users/bob");
    let _up = Peer::start_at(
        port,
        vec![(
            "parent".into(),
            note(&bob, &parent, &post_url, "The parent"),
        )],
    )
    .await;
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
    support::init();
    let blog = Blog::new("refused").start().await;
    let post_url = blog.publish_hello_world().await;
    let db = blog.data().db.clone();
    let alice = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    let id = format!("{}/users/alice/statuses/2", alice.base);
    let mut activity = reply_activity(&alice, &id, &post_url, "Not mine");
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
        support::client()
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
    support::init();
    let port = free_port();
    let blog = Blog::new("inboxkill").port(port).leases(5).prepare().await;
    let state = blog.clone().open().await;
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
    let activity = reply_activity(&peer, &id, &parent, "Said before the crash");

    let mut node = blog.spawn(&["serve"]);
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
    let _node = blog.spawn(&["serve"]);
    settled(&db, 60).await;
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment .e-content"),
        vec!["The parent", "Said before the crash"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_follows_from_ten_servers_at_once_all_count() {
    support::init();
    let blog = Blog::new("follows").start().await;
    let db = blog.data().db.clone();
    let inbox = format!("{}actor/inbox", blog.base());
    let mut servers = Vec::new();
    for _ in 0..10 {
        servers.push(Peer::start().await);
    }
    let mut sends = tokio::task::JoinSet::new();
    for (s, server) in servers.iter().enumerate() {
        for u in 0..10 {
            let follower = server.as_user(&format!("user{u}"));
            let follow = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}/follows/{s}-{u}", server.base), "type": "Follow",
                "actor": follower.actor, "object": blog.actor(),
            });
            let inbox = inbox.clone();
            sends.spawn(async move { follower.deliver(&inbox, &follow).await });
        }
    }
    let statuses: Vec<u16> = sends.join_all().await;
    assert_eq!(statuses.len(), 100);
    assert!(statuses.iter().all(|&s| s == 202), "{statuses:?}");
    // A follow whose try found the database busy too often waits for a retry: the clock
    // moves on to it.
    blog.settle(60).await;
    let followers = feder::db::entities::follower::Entity::find()
        .count(&db)
        .await
        .expect("count");
    assert_eq!(followers, 100);
    let done = inbox_activity::Entity::find()
        .filter(inbox_activity::Column::Status.eq(inbox_activity::DONE))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(done, 100, "each follow processed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgresql_process_each_activity_once() {
    support::init();
    let Ok(url) = std::env::var("FEDER_TEST_DATABASE_URL") else {
        println!("skipped: two nodes need PostgreSQL (set FEDER_TEST_DATABASE_URL)");
        return;
    };
    assert!(url.starts_with("postgres"), "a PostgreSQL URL");
    use feder::db::entities::{notification, reaction};
    let domain_port = free_port();
    let blog = Blog::new("inboxnodes")
        .port(domain_port)
        .leases(30)
        .prepare()
        .await;
    let state = blog.clone().open().await;
    let data = state.to_request_data();
    let input = feder::services::posts::parse_markdown_file(
        "---\ntitle: Hello world\nslug: hello-world\n---\nFirst paragraph.\n",
    )
    .expect("markdown");
    feder::services::posts::publish(&data, input)
        .await
        .expect("publish");
    let post_url = format!("http://localhost:{domain_port}/posts/hello-world");
    let db = data.db.clone();
    // Both nodes serve the same blog (one domain, as behind a reverse proxy).
    let second_port = free_port();
    let _a = blog.spawn(&["serve"]);
    let _b = blog.clone().listen_port(second_port).spawn(&["serve"]);
    serving(domain_port).await;
    serving(second_port).await;
    let nodes = [
        format!("http://localhost:{domain_port}/inbox"),
        format!("http://localhost:{second_port}/inbox"),
    ];

    // Every reply and like sent to both nodes at once.
    let peer = Peer::start().await;
    let mut activities = Vec::new();
    for n in 0..15 {
        let id = format!("{}/users/alice/statuses/{n}", peer.base);
        activities.push(reply_activity(&peer, &id, &post_url, &format!("reply {n}")));
        let liker = peer.as_user(&format!("fan{n}"));
        activities.push(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#likes/{n}", liker.actor), "type": "Like",
            "actor": liker.actor, "object": post_url,
        }));
    }
    // And replies whose parent's server is down at first: the workers of both nodes retry them.
    let port = free_port();
    let parent = format!("http://localhost:{port}/notes/parent");
    for n in 15..25 {
        let id = format!("{}/users/alice/statuses/{n}", peer.base);
        activities.push(reply_activity(&peer, &id, &parent, &format!("reply {n}")));
    }
    let mut sends = tokio::task::JoinSet::new();
    for activity in &activities {
        for inbox in &nodes {
            let sender = if activity["type"] == "Like" {
                peer.as_user(
                    activity["actor"]
                        .as_str()
                        .and_then(|a| a.rsplit('/').next())
                        .expect("name"),
                )
            } else {
                peer.as_user("alice")
            };
            let (activity, inbox) = (activity.clone(), inbox.clone());
            sends.spawn(async move { sender.deliver(&inbox, &activity).await });
        }
    }
    let statuses = sends.join_all().await;
    assert!(statuses.iter().all(|&s| s == 202), "{statuses:?}");
    let bob = format!("http://localhost:{port}/users/bob");
    let _up = Peer::start_at(
        port,
        vec![(
            "parent".into(),
            note(&bob, &parent, &post_url, "The parent"),
        )],
    )
    .await;
    settled(&db, 60).await;

    let count = |kind: &'static str| {
        let db = db.clone();
        async move {
            notification::Entity::find()
                .filter(notification::Column::Kind.eq(kind))
                .count(&db)
                .await
                .expect("count")
        }
    };
    assert_eq!(
        comments(&db).await,
        26,
        "25 replies and the parent, once each"
    );
    assert_eq!(count(notification::COMMENT).await, 26);
    assert_eq!(
        reaction::Entity::find().count(&db).await.expect("count"),
        15
    );
    assert_eq!(count(notification::LIKE).await, 15);
    let rows = inbox_activity::Entity::find().all(&db).await.expect("rows");
    assert_eq!(rows.len(), 40, "one row per activity");
    assert!(rows.iter().all(|r| r.status == inbox_activity::DONE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_shown_in_admin_and_the_cli_and_tried_again() {
    support::init();
    let blog = Blog::new("dead")
        .configure(|c| c.inbox.max_attempts = 2)
        .start()
        .await;
    let post_url = blog.publish_hello_world().await;
    let db = blog.data().db.clone();
    let alice = Peer::start().await;
    let port = free_port();
    let parent = format!("http://localhost:{port}/notes/parent");
    let id = format!("{}/users/alice/statuses/9", alice.base);
    let activity_id = format!("{id}/activity");
    let activity = reply_activity(&alice, &id, &parent, "Lost in a thread");
    assert_eq!(
        alice
            .post_signed(&format!("{}inbox", blog.base()), &activity)
            .await,
        202
    );
    // Both tries fail (the parent's server is down): a dead letter, with the reason.
    blog.settle(30).await;
    let row = stored(&db, &activity_id).await.expect("row");
    assert_eq!(
        (row.status.as_str(), row.attempts),
        (inbox_activity::DEAD, 2)
    );
    let number = row.id.to_string();

    let (ok, listed) = feder_cli(&blog, &["inbox", "list", "--dead"]);
    assert!(ok, "{listed}");
    assert!(
        listed.contains(&activity_id) && listed.contains("did not answer"),
        "{listed}"
    );
    let (ok, shown) = feder_cli(&blog, &["inbox", "show", &number]);
    assert!(
        ok && shown.contains("Lost in a thread") && shown.contains("dead after 2 tries"),
        "{shown}"
    );
    // Tried again from the command line, still in vain: dead again.
    let (ok, retried) = feder_cli(&blog, &["inbox", "retry", &number]);
    assert!(ok && retried.contains("1 to be tried again"), "{retried}");
    blog.data().inbox_wakeup.notify_one();
    blog.settle(30).await;
    assert_eq!(
        stored(&db, &activity_id).await.expect("row").status,
        inbox_activity::DEAD
    );
    let (ok, nothing) = feder_cli(&blog, &["inbox", "retry", "999999"]);
    assert!(!ok, "{nothing}");

    // The owner sees it in /admin/deliveries, and retries it once the server is back.
    let mut browser = support::logged_in(&blog, "owner").await;
    let page = browser.get("/admin/deliveries").await;
    let html = scraper::Html::parse_document(&page.text);
    let item = texts(&html, &format!("#received-{number}")).join(" ");
    assert!(
        item.contains("failed on every try") && item.contains("2 tries"),
        "{item}"
    );
    assert!(item.contains("did not answer"), "{item}");
    let bob = format!("http://localhost:{port}/users/bob");
    let _up = Peer::start_at(
        port,
        vec![(
            "parent".into(),
            note(&bob, &parent, &post_url, "The parent"),
        )],
    )
    .await;
    let csrf = support::csrf_of(&page.text);
    let answer = browser
        .post_form(&format!("/admin/inbox/{number}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, 303);
    blog.settle(30).await;
    assert_eq!(
        stored(&db, &activity_id).await.expect("row").status,
        inbox_activity::DONE
    );
    let (_, html) = page_of(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment .e-content"),
        vec!["The parent", "Lost in a thread"]
    );
    let page = browser.get("/admin/deliveries").await;
    assert!(page.text.contains("Nothing failed."), "{}", page.text);
}
