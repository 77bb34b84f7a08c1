//! The persistent delivery queue: what is queued while no server runs is sent when one starts,
//! failures that may pass are retried, final refusals are not, and failing hosts are paused
//! (circuit breaker) or given up (dead after 7 days) until they show a sign of life. Retries
//! wait on the site's clock, which a test moves.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    db::entities::{delivery, delivery_host},
    federation::outbox,
    services::posts,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use support::{Blog, Instance, Peer, eventually};

fn creates(peer: &Peer) -> Vec<support::Received> {
    peer.received()
        .into_iter()
        .filter(|r| r.body["type"] == "Create")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_survives_a_restart_and_retries() {
    support::init();
    let (mut blog, peer) = followed_blog("queue").await;
    let database = blog.config.database.url.clone();

    // The server goes down; the owner publishes with the CLI meanwhile.
    blog.crash().await;
    let port = blog.port;
    let offline = Blog::new("queue")
        .dir(&blog.dir)
        .database(&database)
        .port(port)
        .open()
        .await;
    let input = posts::parse_markdown_file(
        "---\ntitle: Written offline\n---\nWhile the server was down.\n",
    )
    .expect("md");
    posts::publish(&offline.to_request_data(), input)
        .await
        .expect("publish");
    // As `feder post publish` does: the outbox event becomes the activity and its deliveries.
    outbox::dispatch(&offline.to_request_data())
        .await
        .expect("dispatch");
    let pending = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(delivery::PENDING))
        .all(&offline.to_request_data().db)
        .await
        .expect("query");
    assert_eq!(pending.len(), 1, "one delivery queued for the one follower");
    assert_eq!(
        pending[0].attempts, 0,
        "nothing is sent while no server runs"
    );

    // The next start sends it; the first attempt meets a 503 and is retried.
    peer.answer_with(&[503]);
    let blog = Blog::new("queue")
        .dir(&blog.dir)
        .database(&database)
        .port(port)
        .start()
        .await;
    let create = eventually("Create delivered after restart", 20, || async {
        creates(&peer).into_iter().next()
    })
    .await;
    assert_eq!(
        create.body["object"]["nameMap"]
            .as_object()
            .and_then(|m| m.values().next())
            .cloned()
            .unwrap_or_default(),
        "Written offline"
    );
    assert_eq!(create.path, "/inbox", "delivered to the shared inbox");
    // Outcomes are written in batches: the row says so a moment after the peer has it.
    let row = eventually("the delivery is recorded", 20, || async {
        delivery::Entity::find_by_id(pending[0].id)
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
            .filter(|row| row.status == delivery::DELIVERED)
    })
    .await;
    assert_eq!(row.attempts, 2);
    assert_eq!(row.last_status, Some(202));

    // A final refusal is recorded and not retried.
    peer.answer_with(&[403]);
    let input = posts::parse_markdown_file("---\ntitle: Refused\n---\nNo.\n").expect("md");
    posts::publish(&blog.data(), input).await.expect("publish");
    let failed = eventually("the refusal is recorded", 15, || async {
        delivery::Entity::find()
            .filter(delivery::Column::Status.eq(delivery::FAILED))
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
    })
    .await;
    assert_eq!(failed.last_status, Some(403));
    assert_eq!(failed.attempts, 1);
    assert_eq!(creates(&peer).len(), 1);
}

/// A retry waits for its backoff on the site's clock: with a ten-minute backoff the row is due
/// ten minutes after its failure by that clock, and once the clock passes it, it is delivered
/// at once (the test moves the clock instead of sleeping through the wait).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_is_due_when_the_site_clock_passes_its_backoff() {
    support::init();
    let blog = Blog::new("clock")
        .configure(|config| {
            config.delivery.retry_base_seconds = 600;
            config.delivery.max_retry_seconds = 600;
        })
        .start()
        .await;
    let peer = Peer::start().await;
    follow(&blog, &peer).await;
    peer.answer_with(&[503]);
    publish_titled(&blog, "Later").await;
    let row = eventually("the 503 is recorded", 20, || async {
        delivery::Entity::find()
            .filter(delivery::Column::LastStatus.eq(503))
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
    })
    .await;
    assert_eq!((row.status.as_str(), row.attempts), (delivery::PENDING, 1));
    let due = row.next_attempt_at;
    assert!(due > blog.data().clock.now() + chrono::Duration::seconds(300));
    blog.data()
        .clock
        .advance(std::time::Duration::from_secs(900));
    let delivered = eventually(
        "delivered once the clock passed the backoff",
        20,
        || async {
            delivery::Entity::find_by_id(row.id)
                .one(&blog.data().db)
                .await
                .ok()
                .flatten()
                .filter(|r| r.status == delivery::DELIVERED)
        },
    )
    .await;
    assert_eq!((delivered.attempts, delivered.last_status), (2, Some(202)));
    assert!(delivered.updated_at >= due, "recorded on the site's clock");
    assert_eq!(creates(&peer).len(), 1);
}

async fn followed_blog(name: &str) -> (Instance, Peer) {
    let blog = Blog::new(name).start().await;
    let peer = Peer::start().await;
    follow(&blog, &peer).await;
    (blog, peer)
}

/// `peer` follows the blog, and has its Accept.
async fn follow(blog: &Instance, peer: &Peer) {
    let follow = peer.fixture("follow.json", blog, "x");
    assert_eq!(
        peer.post_signed(&format!("{}actor/inbox", blog.base()), &follow)
            .await,
        202
    );
    eventually("Accept delivered", 15, || async {
        peer.received()
            .iter()
            .any(|r| r.body["type"] == "Accept")
            .then_some(())
    })
    .await;
}

async fn publish_titled(blog: &Instance, title: &str) {
    let input =
        posts::parse_markdown_file(&format!("---\ntitle: {title}\n---\nText.\n")).expect("md");
    posts::publish(&blog.data(), input).await.expect("publish");
}

fn peer_host(peer: &Peer) -> String {
    peer.base.trim_start_matches("http://").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_breaker_pauses_a_failing_host_until_it_shows_life() {
    support::init();
    let (blog, peer) = followed_blog("breaker").await;
    peer.answer_with(&[503, 503, 503, 503, 503]);
    for i in 0..5 {
        publish_titled(&blog, &format!("Post {i}")).await;
    }
    let host = eventually("the host is paused", 15, || async {
        delivery_host::Entity::find()
            .filter(delivery_host::Column::Host.eq(peer_host(&peer)))
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
            .filter(|h| h.paused_until.is_some())
    })
    .await;
    assert_eq!(host.failures_in_a_row, 5);
    assert!(!host.dead);

    // While paused, nothing is attempted, not even new posts or the due retries: the
    // worker sends the new post to a follower on another server, and passed over the paused
    // host's copy, due as well, in the same claim.
    let other = Peer::start().await;
    follow(&blog, &other).await;
    publish_titled(&blog, "Post 5").await;
    eventually("the other server has Post 5", 15, || async {
        (!creates(&other).is_empty()).then_some(())
    })
    .await;
    assert!(creates(&peer).is_empty(), "nothing sent to a paused host");

    // Any activity from the host revives it; everything queued goes out.
    let like = peer.fixture("like.json", &blog, "post-0");
    assert_eq!(
        peer.post_signed(&format!("{}actor/inbox", blog.base()), &like)
            .await,
        202
    );
    eventually("all six Creates delivered", 20, || async {
        (creates(&peer).len() == 6).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_host_is_given_up_until_it_shows_life() {
    support::init();
    let (mut blog, peer) = followed_blog("dead").await;
    // The host has been failing for eight days.
    delivery_host::Entity::insert(delivery_host::ActiveModel {
        host: Set(peer_host(&peer)),
        failures_in_a_row: Set(2),
        first_failure_at: Set(Some(chrono::Utc::now() - chrono::Duration::days(8))),
        dead: Set(false),
        ..Default::default()
    })
    .exec(&blog.data().db)
    .await
    .expect("insert host");
    peer.answer_with(&[503]);
    publish_titled(&blog, "Into the void").await;
    eventually("the host is dead", 30, || async {
        delivery_host::Entity::find()
            .filter(delivery_host::Column::Host.eq(peer_host(&peer)))
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
            .filter(|h| h.dead)
    })
    .await;

    // The next start gives up what is queued for it, without sending anything.
    let (dir, database, port) = (
        blog.dir.clone(),
        blog.config.database.url.clone(),
        blog.port,
    );
    blog.crash().await;
    let blog = Blog::new("dead")
        .dir(&dir)
        .database(&database)
        .port(port)
        .start()
        .await;
    let given_up = eventually("the queued delivery is given up", 15, || async {
        delivery::Entity::find()
            .filter(delivery::Column::Status.eq(delivery::FAILED))
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
    })
    .await;
    assert!(
        given_up
            .last_error
            .unwrap_or_default()
            .contains("unreachable")
    );
    assert!(creates(&peer).is_empty());

    // A sign of life: deliveries resume.
    let like = peer.fixture("like.json", &blog, "into-the-void");
    assert_eq!(
        peer.post_signed(&format!("{}actor/inbox", blog.base()), &like)
            .await,
        202
    );
    publish_titled(&blog, "Back again").await;
    let create = eventually("delivered again", 15, || async {
        creates(&peer).into_iter().next()
    })
    .await;
    assert_eq!(
        create.body["object"]["nameMap"]
            .as_object()
            .and_then(|m| m.values().next())
            .cloned()
            .unwrap_or_default(),
        "Back again"
    );
}
