//! The persistent delivery queue: what is queued while no server runs is sent when one starts,
//! failures that may pass are retried, and final refusals are not.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod common;

use common::{Instance, Peer, eventually, test_config};
use feder::{db::entities::delivery, services::posts, state::AppState};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn creates(peer: &Peer) -> Vec<common::Received> {
    peer.received()
        .into_iter()
        .filter(|r| r.body["type"] == "Create")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_survives_a_restart_and_retries() {
    common::init();
    let mut blog = Instance::start("queue").await;
    let database = blog.config.database.url.clone();
    let peer = Peer::start().await;
    let follow = peer.fixture("follow.json", &blog, "x");
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

    // The server goes down; the owner publishes with the CLI meanwhile.
    blog.crash();
    let port = blog.port;
    let offline = AppState::open(test_config("queue", &database, port))
        .await
        .expect("open");
    let input = posts::parse_markdown_file(
        "---\ntitle: Written offline\n---\nWhile the server was down.\n",
    )
    .expect("md");
    posts::publish(&offline.to_request_data(), input)
        .await
        .expect("publish");
    let pending = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(delivery::PENDING))
        .all(&offline.to_request_data().db)
        .await
        .expect("query");
    assert_eq!(pending.len(), 1, "one delivery queued for the one follower");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        creates(&peer).is_empty(),
        "nothing is sent while no server runs"
    );

    // The next start sends it; the first attempt meets a 503 and is retried.
    peer.answer_with(&[503]);
    let blog = Instance::start_with("queue", blog.dir.clone(), database, Some(port)).await;
    let create = eventually("Create delivered after restart", 20, || async {
        creates(&peer).into_iter().next()
    })
    .await;
    assert_eq!(create.body["object"]["name"], "Written offline");
    assert_eq!(create.path, "/inbox", "delivered to the shared inbox");
    let row = delivery::Entity::find_by_id(pending[0].id)
        .one(&blog.data().db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.status, delivery::DELIVERED);
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
