//! Reports (`Flag`) both ways with the independent peers (Fedify, bovine), on the real
//! `feder` binary: the peer reports the blog's post (a `Flag` naming the blog and the post,
//! as Mastodon sends one) and the owner finds it in /admin/reports; the owner reports the
//! peer's reply from /admin/comments and the peer receives the `Flag` (the blog as its actor,
//! the author and the reply as its objects, the reason as its content), verified with its own
//! signature code.
//!
//! Needs the peers of `tests/interop/` (`tests/interop/setup.sh`); `FEDER_SKIP_INTEROP=1`
//! skips it, as it does the interop tests.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use scraper::Selector;
use serde_json::{Value, json};
use support::{Blog, Browser, PeerProcess, csrf_of, interop, is_2xx, peer_installed, texts};

const PASSWORD: &str = "a long password";

async fn flags_both_ways(bin: &str) {
    if !peer_installed(bin) {
        return;
    }
    support::init();
    let feder = Blog::new(&format!("reports_{}", bin.replace('-', "_")))
        .configure(interop)
        .process()
        .await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], &format!("{PASSWORD}\n"))
        .await;
    let post = feder
        .publish("---\ntitle: Reported\n---\nA post someone reports.\n")
        .await;
    let mut peer = PeerProcess::start(bin).await;
    let mut browser = Browser::at(&feder.base());
    assert_eq!(browser.log_in("owner", PASSWORD).await.status, 303);

    // The peer replies, then reports the post to the blog.
    let done = peer
        .run(json!({"cmd": "reply", "in_reply_to": post, "content": "<p>Rude words</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "{done}");
    let reply = done["note"].as_str().unwrap().to_string();
    let done = peer
        .run(json!({
            "cmd": "flag", "target": feder.actor(),
            "objects": [feder.actor(), post], "content": "This post is spam",
        }))
        .await;
    assert!(is_2xx(&done["status"]), "{done}");
    feder.settled().await;
    let reports = browser.get("/admin/reports").await.html();
    assert_eq!(
        texts(&reports, "li.report.received").len(),
        1,
        "the peer's report in /admin/reports"
    );
    assert_eq!(
        texts(&reports, "li.report.received .reason"),
        vec!["This post is spam"]
    );
    assert_eq!(
        texts(&reports, "li.report.received .actor"),
        vec![peer.actor.clone()]
    );

    // The owner reports the peer's reply: the peer receives the Flag.
    let queue = browser.get("/admin/comments?status=approved").await;
    let csrf = csrf_of(&queue.text);
    let action = queue
        .html()
        .select(&Selector::parse("li.comment details.report form").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_string))
        .next()
        .unwrap_or_else(|| panic!("a report form: {}", queue.text));
    let reason = [("csrf", csrf.as_str()), ("reason", "Harassment")];
    assert_eq!(browser.post_form(&action, &reason).await.status, 303);
    let actor = feder.actor();
    let flag = peer
        .wait_for("the blog's Flag", |e: &Value| {
            e["event"] == "received" && e["type"] == "Flag" && e["actor"] == actor.as_str()
        })
        .await;
    let flag = &flag["activity"];
    assert_eq!(flag["object"], json!([peer.actor, reply]), "{flag}");
    assert_eq!(flag["content"], "Harassment", "{flag}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_reports_and_is_reported() {
    flags_both_ways("fedify-peer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bovine_reports_and_is_reported() {
    flags_both_ways("bovine-peer").await;
}
