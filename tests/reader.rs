//! The Reader (/admin/reader) against the Fedify peer, on the real `feder` binary: the owner
//! follows the peer from the form (its Follow arrives, its Accept marks it followed), the peer
//! publishes a Note (with a content warning and an image with alt text) and an Article, and
//! both appear, marked new until seen; the owner likes, boosts, replies and quotes from the
//! Reader, and the peer receives a `Like`, an `Announce`, a threaded `Note` and a
//! `QuoteRequest` (pending until the peer accepts it); undoing the like sends its `Undo`.
//!
//! Needs the peers of `tests/interop/` (`tests/interop/setup.sh`); `FEDER_SKIP_INTEROP=1`
//! skips it, as it does the interop tests.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin_helpers;
mod common;
mod peers;

use admin_helpers::{Answer, Browser, csrf_of};
use common::texts;
use peers::{Feder, PeerProcess, STEP_SECONDS, is_2xx, peer_installed};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "a long password";

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

/// The Reader once it shows what `ready` looks for (each look marks the timeline seen).
async fn reader_until(browser: &mut Browser, what: &str, ready: impl Fn(&Html) -> bool) -> Html {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(STEP_SECONDS);
    loop {
        let html = browser.get("/admin/reader").await.html();
        if ready(&html) {
            return html;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The timeline entry of the post `id`, as the page shows it (its outer HTML, parsed again).
fn entry(html: &Html, id: &str) -> Option<Html> {
    select(html, "li.entry")
        .into_iter()
        .find(|e| e.value().attr("data-id") == Some(id))
        .map(|e| Html::parse_fragment(&e.html()))
}

/// Posts one of the Reader's forms with the page's CSRF token; the Reader answers 303.
async fn submit(browser: &mut Browser, action: &str, fields: &[(&str, &str)]) -> Answer {
    let page = browser.get("/admin/reader").await;
    let csrf = csrf_of(&page.text);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post_form(action, &all).await
}

/// The first activity of `kind` the peer received from the blog that `matches`.
async fn received(
    peer: &PeerProcess,
    feder: &Feder,
    kind: &str,
    matches: impl Fn(&Value) -> bool,
) -> Value {
    let actor = feder.actor();
    let what = format!("the blog's {kind}");
    let event = peer
        .wait_for(&what, |e| {
            e["event"] == "received"
                && e["type"] == kind
                && e["actor"] == actor.as_str()
                && matches(&e["activity"])
        })
        .await;
    event["activity"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_is_followed_read_and_answered_from_the_reader() {
    if !peer_installed("fedify-peer") {
        return;
    }
    common::init();
    let feder = Feder::start("reader").await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], &format!("{PASSWORD}\n"))
        .await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    let mut browser = Browser::at(&feder.base());
    assert_eq!(browser.log_in("owner", PASSWORD).await.status, 303);

    // The peer follows the blog: the Reader lists it, with "follow back".
    peer.follow(&feder.actor()).await;
    let page = browser.get("/admin/reader").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = page.html();
    let handle = format!("@peer@{}", peer.host());
    assert_eq!(
        texts(&html, "section.followers li.person .handle"),
        vec![handle.clone()]
    );
    assert_eq!(
        select(&html, "section.followers form button.follow-back").len(),
        1
    );
    assert!(select(&html, "section.following li.person").is_empty());

    // Something that is no account is said on the page, and nothing is followed.
    let refused = submit(&mut browser, "/admin/reader/follow", &[("who", "no one")]).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(
        select(&refused.html(), "p.error").len(),
        1,
        "{}",
        refused.text
    );

    // Follow by handle from the form: the peer receives the Follow and accepts it.
    let followed = submit(&mut browser, "/admin/reader/follow", &[("who", &handle)]).await;
    assert_eq!(followed.status, 303, "{}", followed.text);
    let follow = received(&peer, &feder, "Follow", |a| {
        a["object"] == peer.actor.as_str()
    })
    .await;
    let accept = peer
        .wait_for("the peer's Accept of the blog's Follow", |e| {
            e["event"] == "sent" && e["type"] == "Accept" && e["to"] == feder.actor().as_str()
        })
        .await;
    assert!(is_2xx(&accept["status"]), "{accept}");
    let accepted = reader_until(&mut browser, "the follow marked accepted", |html| {
        select(html, "section.following li.person").len() == 1
            && select(html, "section.following .pending").is_empty()
    })
    .await;
    assert_eq!(
        texts(&accepted, "section.following li.person .handle"),
        vec![handle.clone()]
    );
    // Followed both ways now: no "follow back" any more.
    assert!(select(&accepted, "button.follow-back").is_empty());
    assert!(follow["id"].is_string(), "{follow}");

    // The peer publishes a Note (a content warning over it, an image with its alt text) and an
    // Article (long: folded, its summary above it).
    let image = format!("http://{}/media/cat.png", peer.host());
    let done = peer
        .run(json!({
            "cmd": "post", "content": "<p>The cat sat on the mat.</p>", "summary": "Cats",
            "attachments": [{"url": image, "mediaType": "image/png", "name": "A grey cat on a red mat"}],
        }))
        .await;
    assert_eq!(done["delivered"], 1, "{done}");
    let note = done["note"].as_str().unwrap().to_string();
    let long = "<p>Words about gardens. </p>".repeat(60);
    let done = peer
        .run(json!({
            "cmd": "post", "type": "Article", "name": "On gardens",
            "summary": "Why gardens matter", "content": long,
        }))
        .await;
    assert_eq!(done["delivered"], 1, "{done}");
    let article = done["note"].as_str().unwrap().to_string();

    let html = reader_until(&mut browser, "both posts in the Reader", |html| {
        entry(html, &note).is_some() && entry(html, &article).is_some()
    })
    .await;
    let shown = entry(&html, &note).unwrap();
    assert_eq!(texts(&shown, "li.entry.new .new"), vec!["new"]);
    assert_eq!(texts(&shown, "details.cw > summary"), vec!["Cats"]);
    assert_eq!(
        texts(&shown, "details.cw .content"),
        vec!["The cat sat on the mat."]
    );
    let img = select(&shown, "details.cw img")
        .first()
        .map(|i| (i.value().attr("src"), i.value().attr("alt")))
        .expect("the image");
    assert_eq!(img, (Some(image.as_str()), Some("A grey cat on a red mat")));
    let shown = entry(&html, &article).unwrap();
    assert_eq!(texts(&shown, "h3.title"), vec!["On gardens"]);
    assert_eq!(texts(&shown, ".lead"), vec!["Why gardens matter"]);
    assert!(select(&shown, "details.cw").is_empty());
    assert_eq!(select(&shown, "details.more .content").len(), 1);
    assert!(texts(&shown, ".excerpt")[0].ends_with('…'));
    // Seen once, they are not new any more.
    let again = browser.get("/admin/reader").await.html();
    assert!(select(&again, "li.entry.new").is_empty());
    assert_eq!(select(&again, "li.entry").len(), 2);

    // Like, boost, reply and quote from the Reader.
    let back = "/admin/reader";
    let liked = submit(
        &mut browser,
        "/admin/reader/react",
        &[("object", &note), ("kind", "like"), ("back", back)],
    )
    .await;
    assert_eq!(liked.status, 303, "{}", liked.text);
    let like = received(&peer, &feder, "Like", |a| a["object"] == note.as_str()).await;
    let boosted = submit(
        &mut browser,
        "/admin/reader/react",
        &[("object", &note), ("kind", "announce"), ("back", back)],
    )
    .await;
    assert_eq!(boosted.status, 303, "{}", boosted.text);
    let boost = received(&peer, &feder, "Announce", |a| a["object"] == note.as_str()).await;
    assert!(
        boost["to"].to_string().contains("Public"),
        "a boost is public: {boost}"
    );
    let replied = submit(
        &mut browser,
        "/admin/reader/reply",
        &[
            ("object", &article),
            ("text", "Gardens *do* matter."),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(replied.status, 303, "{}", replied.text);
    let reply = received(&peer, &feder, "Create", |a| {
        a["object"]["inReplyTo"] == article.as_str()
    })
    .await;
    assert_eq!(reply["object"]["type"], "Note", "{reply}");
    assert!(
        reply["object"]["content"]
            .as_str()
            .unwrap()
            .contains("<em>do</em>"),
        "{reply}"
    );
    let quoted = submit(
        &mut browser,
        "/admin/reader/quote",
        &[
            ("object", &note),
            ("text", "Look at this cat."),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(quoted.status, 303, "{}", quoted.text);
    let request = received(&peer, &feder, "QuoteRequest", |a| {
        a["object"] == note.as_str()
    })
    .await;
    assert_eq!(request["instrument"]["quote"], note.as_str(), "{request}");
    assert!(
        request["instrument"]["content"]
            .as_str()
            .unwrap()
            .contains("Look at this cat."),
        "{request}"
    );

    let html = browser.get("/admin/reader").await.html();
    let shown = entry(&html, &note).unwrap();
    assert_eq!(select(&shown, "button.like.done").len(), 1);
    assert_eq!(select(&shown, "button.boost.done").len(), 1);
    assert_eq!(select(&shown, ".quote-state.sent").len(), 1);

    // The peer accepts the quote: no longer pending.
    let done = peer
        .run(json!({"cmd": "accept_quote", "request": request["id"], "actor": feder.actor()}))
        .await;
    assert!(is_2xx(&done["status"]), "{done}");
    reader_until(&mut browser, "the quote accepted", |html| {
        entry(html, &note).is_some_and(|e| select(&e, ".quote-state.accepted").len() == 1)
    })
    .await;

    // Undo the like: the peer receives the Undo of that Like.
    let undone = submit(
        &mut browser,
        "/admin/reader/react",
        &[
            ("object", &note),
            ("kind", "like"),
            ("undo", "1"),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(undone.status, 303, "{}", undone.text);
    let undo = received(&peer, &feder, "Undo", |a| a["object"]["type"] == "Like").await;
    assert_eq!(undo["object"]["id"], like["id"], "{undo}");
    assert_eq!(undo["object"]["object"], note.as_str(), "{undo}");
}
