//! A post unpublished (its Delete sent) and published again comes back under a new object id,
//! since Mastodon refuses a Create for an id it has seen deleted: a Fedify follower receives
//! the Delete of the first id and a Create of another, the first id answers 410 with its
//! Tombstone while the new one answers the Article, the page stays at its address, and a reply
//! to the first id still lands under the post.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use serde_json::json;
use support::{
    Blog, PeerProcess, STEP_SECONDS, eventually, get_json, interop, is_2xx, peer_installed,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_published_again_has_a_new_id() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("republish").configure(interop).process().await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    peer.follow(&feder.actor()).await;
    let page = feder
        .publish("---\ntitle: Back again\nslug: back-again\n---\nSaid twice.\n")
        .await;
    let received = |kind: &'static str, object: String| {
        move |e: &serde_json::Value| {
            e["event"] == "received" && e["type"] == kind && (e["object_id"] == object.as_str())
        }
    };
    peer.wait_for("the first Create", received("Create", page.clone()))
        .await;

    feder.cli(&["post", "unpublish", "back-again"]).await;
    peer.wait_for("the Delete", received("Delete", page.clone()))
        .await;
    let (status, gone) = get_json(&page).await;
    assert_eq!((status, gone["type"].as_str()), (410, Some("Tombstone")));

    // Published again: a Create of another id; the page is where it was.
    let again = feder
        .publish("---\ntitle: Back again\nslug: back-again\n---\nSaid twice.\n")
        .await;
    assert_eq!(again, page);
    let create = peer
        .wait_for("the second Create", |e| {
            e["event"] == "received"
                && e["type"] == "Create"
                && e["object_id"].as_str().is_some_and(|id| id != page)
        })
        .await;
    let new_id = create["object_id"].as_str().unwrap().to_string();
    assert!(new_id.starts_with(&page), "{new_id}");
    assert_eq!(
        create["activity"]["object"]["url"],
        page.as_str(),
        "{create}"
    );
    let creates = peer.events_named("received");
    let first_create = creates
        .iter()
        .find(|e| e["type"] == "Create" && e["object_id"] == page.as_str())
        .unwrap();
    assert_ne!(
        first_create["activity"]["id"], create["activity"]["id"],
        "each publication's Create has its own id"
    );
    let (status, article) = get_json(&new_id).await;
    assert_eq!(status, 200, "{article}");
    assert_eq!(article["id"], new_id.as_str());
    let (status, gone) = get_json(&page).await;
    assert_eq!((status, gone["id"].as_str()), (410, Some(page.as_str())));
    // Publications never made are no ids of the post: not yet (2), never (-1).
    for never in ["2", "-1"] {
        let (status, _) = get_json(&format!("{page}?publication={never}")).await;
        assert_eq!(status, 404, "publication {never}");
    }
    let html = support::client().get(&page).send().await.unwrap();
    assert_eq!(html.status(), 200);
    assert!(html.text().await.unwrap().contains("Said twice."));

    // A reply to the first id (a server that kept it) lands under the post, as one to the new.
    for (parent, text) in [(&page, "To the old one"), (&new_id, "To the new one")] {
        let content = format!("<p>{text}</p>");
        let reply = json!({"cmd": "reply", "in_reply_to": parent, "content": content, "author": feder.actor()});
        let done = peer.run(reply).await;
        assert!(is_2xx(&done["status"]), "reply: {done}");
    }
    eventually("both replies under the post", STEP_SECONDS, || async {
        let html = support::client()
            .get(&page)
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (html.contains("To the old one") && html.contains("To the new one")).then_some(())
    })
    .await;
}
