//! The owner's moderation beyond single blocks, over real HTTP against a real server and
//! Mastodon-like signing peers: keyword and phrase filters (set in /admin/comments) hold or
//! reject fediverse replies, their edits and web comments alike; a shared blocklist served on
//! loopback shows its effect, then blocks a peer's domain while an exception lets another
//! server through (`localhost:<port>`: the peers all live on `localhost`), and "sync now"
//! takes its next version; a `Flag` about the blog's post reaches the owner (reports page,
//! notification), and the owner's report of a comment reaches its server as Mastodon's `Flag`
//! while its author is blocked.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::db::entities::{comment, follower, follower_departure};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use support::{
    Blog, Browser, Instance, Peer, csrf_of, eventually, follow, logged_in, page, received_of, texts,
};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A public Note by the peer's `alice` replying to `in_reply_to`, in a `Create` or `Update`.
fn reply(peer: &Peer, kind: &str, n: u32, in_reply_to: &str, html: &str) -> Value {
    let actor = format!("{}/users/alice", peer.base);
    let id = format!("{}/notes/{n}", peer.base);
    json!({
        "id": format!("{id}/{kind}/{}", uuid::Uuid::new_v4()),
        "type": kind,
        "actor": actor,
        "to": [PUBLIC],
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": actor,
            "inReplyTo": in_reply_to,
            "content": html,
            "published": "2026-11-01T10:00:00Z",
            "to": [PUBLIC],
            "cc": [format!("{actor}/followers")],
        },
    })
}

/// The status of the comment `ap_id`, or of the web comment whose writer is named so.
async fn status_of(blog: &Instance, column: comment::Column, value: &str) -> String {
    comment::Entity::find()
        .filter(column.eq(value))
        .one(&blog.data().db)
        .await
        .expect("query")
        .expect("stored")
        .status
}

/// The texts /admin/comments lists under `status`.
async fn queue(browser: &mut Browser, status: &str) -> Vec<String> {
    let answer = browser
        .get(&format!("/admin/comments?status={status}"))
        .await;
    texts(&answer.html(), "li.comment .content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_hold_or_reject_fediverse_and_web_comments() {
    support::init();
    let blog = Blog::new("filters")
        .configure(|c| {
            c.limits.web_comment_min_seconds = 2;
        })
        .start()
        .await;
    let post_url = blog.publish_hello_world().await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    let mut browser = logged_in(&blog, "owner").await;
    let csrf = csrf_of(&browser.get("/admin/comments").await.text);
    for (phrase, action) in [("Buy  NOW", "hold"), ("casino", "reject")] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("phrase", phrase),
            ("action", action),
        ];
        assert_eq!(
            browser.post_form("/admin/filters", &fields).await.status,
            303
        );
    }
    let listed = browser.get("/admin/comments").await.html();
    assert_eq!(
        texts(&listed, "#filters .phrase"),
        vec!["buy now", "casino"]
    );

    // A fediverse reply with the phrase, in another case and with other spaces, waits; one
    // with the word inside another word ("buy nowhere") is shown.
    let held = reply(
        &peer,
        "Create",
        1,
        &post_url,
        "<p>Please buy\nnow, friends</p>",
    );
    assert_eq!(peer.post_signed(&inbox, &held).await, 202);
    let fine = reply(&peer, "Create", 2, &post_url, "<p>I buy nowhere else</p>");
    assert_eq!(peer.post_signed(&inbox, &fine).await, 202);
    assert_eq!(
        status_of(
            &blog,
            comment::Column::ApId,
            &format!("{}/notes/1", peer.base)
        )
        .await,
        comment::PENDING
    );
    // The web form: the same phrase waits, a rejected word is rejected.
    support::web_comment(
        &post_url,
        &[("author", "Web Buyer"), ("text", "BUY NOW!")],
        false,
    )
    .await;
    support::web_comment(
        &post_url,
        &[("author", "Gambler"), ("text", "Best Casino here")],
        false,
    )
    .await;
    assert_eq!(
        status_of(&blog, comment::Column::AuthorName, "Web Buyer").await,
        comment::PENDING
    );
    assert_eq!(
        status_of(&blog, comment::Column::AuthorName, "Gambler").await,
        comment::REJECTED
    );
    let rejected = reply(&peer, "Create", 3, &post_url, "<p>Visit my CASINO</p>");
    assert_eq!(peer.post_signed(&inbox, &rejected).await, 202);

    assert_eq!(
        queue(&mut browser, "pending").await,
        vec!["BUY NOW!", "Please buy now, friends"]
    );
    assert_eq!(
        queue(&mut browser, "rejected").await,
        vec!["Visit my CASINO", "Best Casino here"]
    );
    assert_eq!(
        texts(&page(&post_url).await.1, "li.comment .e-content"),
        vec!["I buy nowhere else"]
    );

    // An edit that brings the phrase in takes the shown reply off the page, to wait.
    let edited = reply(&peer, "Update", 2, &post_url, "<p>Buy now, I say</p>");
    assert_eq!(peer.post_signed(&inbox, &edited).await, 202);
    assert!(texts(&page(&post_url).await.1, "li.comment .e-content").is_empty());
    assert_eq!(
        status_of(
            &blog,
            comment::Column::ApId,
            &format!("{}/notes/2", peer.base)
        )
        .await,
        comment::PENDING
    );

    // Without the filters, a new reply with those words is shown at once.
    let listed = browser.get("/admin/comments").await.html();
    let removes: Vec<String> = listed
        .select(&scraper::Selector::parse("#filters form[action$='/delete']").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_string))
        .collect();
    assert_eq!(removes.len(), 2);
    for remove in removes {
        assert_eq!(
            browser.post_form(&remove, &[("csrf", &csrf)]).await.status,
            303
        );
    }
    let later = reply(&peer, "Create", 4, &post_url, "<p>Casino? Buy now!</p>");
    assert_eq!(peer.post_signed(&inbox, &later).await, 202);
    assert_eq!(
        texts(&page(&post_url).await.1, "li.comment .e-content"),
        vec!["Casino? Buy now!"]
    );
}

/// Serves `list` (changeable) as a CSV file on loopback; returns its address.
async fn serve_list(list: Arc<Mutex<String>>) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    use axum::{response::Redirect, routing::get};
    let app = axum::Router::new()
        .route(
            "/blocklist.csv",
            get(move || {
                let list = list.clone();
                async move { list.lock().unwrap().clone() }
            }),
        )
        // The list moved (relative Location), twice; a loop; a redirect to another scheme.
        .route(
            "/moved.csv",
            get(|| async { Redirect::permanent("/moved-again.csv") }),
        )
        .route(
            "/moved-again.csv",
            get(|| async { Redirect::temporary("blocklist.csv") }),
        )
        .route(
            "/loop.csv",
            get(|| async { Redirect::temporary("/loop.csv") }),
        )
        .route(
            "/elsewhere.csv",
            get(|| async { Redirect::temporary("file:///etc/hosts") }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://localhost:{port}/blocklist.csv")
}

/// Whether the note `n` of `peer` was stored (as any comment).
async fn stored(blog: &Instance, peer: &Peer, n: u32) -> bool {
    comment::Entity::find()
        .filter(comment::Column::ApId.eq(format!("{}/notes/{n}", peer.base)))
        .one(&blog.data().db)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_blocklist_blocks_after_its_effect_is_shown_with_exceptions() {
    support::init();
    let blog = Blog::new("blocklists").start().await;
    let post_url = blog.publish_hello_world().await;
    let inbox = format!("{}inbox", blog.base());
    // Two servers: the list blocks both (`localhost`), an exception names one by its port.
    let near = Peer::start().await;
    let far = Peer::start().await;
    let far_server = far.base.trim_start_matches("http://").to_string();
    follow(&near, &blog).await;
    for (peer, n) in [(&near, 1), (&far, 2)] {
        let create = reply(peer, "Create", n, &post_url, &format!("<p>Hello {n}</p>"));
        assert_eq!(peer.post_signed(&inbox, &create).await, 202);
    }
    let shown = || async { texts(&page(&post_url).await.1, "li.comment .e-content") };
    assert_eq!(shown().await, vec!["Hello 1", "Hello 2"]);

    let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
               localhost,suspend,false,false,Spam,false\n\
               quiet.example,noop,false,false,,false\n\
               elsewhere.example,suspend,false,false,,false\n";
    let list = Arc::new(Mutex::new(csv.to_string()));
    let list_url = serve_list(list.clone()).await;
    let mut browser = logged_in(&blog, "owner").await;
    let csrf = csrf_of(&browser.get("/admin/comments").await.text);
    let subscribed = browser
        .post_form("/admin/blocklists", &[("csrf", &csrf), ("url", &list_url)])
        .await;
    assert_eq!(subscribed.status, 303);
    let list_page = subscribed.location().unwrap();

    // Before it is applied: its effect is shown, and nothing is blocked yet.
    let create = reply(&near, "Create", 3, &post_url, "<p>Still here</p>");
    assert_eq!(near.post_signed(&inbox, &create).await, 202);
    assert!(stored(&blog, &near, 3).await);
    let effect = browser.get(&list_page).await.html();
    assert_eq!(
        texts(&effect, ".effect-counts"),
        vec!["2 domains not blocked otherwise, 1 followers, 3 shown comments."]
    );
    assert_eq!(
        texts(&effect, ".affected-followers a"),
        vec![near.actor.clone()]
    );
    assert_eq!(
        texts(&effect, ".newly-blocked li"),
        vec!["elsewhere.example", "localhost"]
    );

    // An exception for the other server, counted on the list's page; then it is applied.
    let except = [("csrf", csrf.as_str()), ("domain", far_server.as_str())];
    assert_eq!(
        browser
            .post_form("/admin/blocklists/exceptions", &except)
            .await
            .status,
        303
    );
    let effect = browser.get(&list_page).await.html();
    assert_eq!(
        texts(&effect, ".effect-counts"),
        vec!["2 domains not blocked otherwise, 1 followers, 2 shown comments."]
    );
    let apply = format!("{list_page}/apply");
    assert_eq!(
        browser.post_form(&apply, &[("csrf", &csrf)]).await.status,
        303
    );

    // The listed domain's next reply is refused and its earlier ones hidden; the excepted
    // server's reply is shown.
    let create = reply(&near, "Create", 4, &post_url, "<p>Blocked now</p>");
    assert_eq!(near.post_signed(&inbox, &create).await, 202);
    let create = reply(&far, "Create", 5, &post_url, "<p>Let through</p>");
    assert_eq!(far.post_signed(&inbox, &create).await, 202);
    assert!(!stored(&blog, &near, 4).await);
    assert_eq!(shown().await, vec!["Hello 2", "Let through"]);
    // Its follower follows no more: the follow ended with a Reject (as a block does in
    // Mastodon), kept as a departure for the stats; the excepted server never followed.
    let db = &blog.data().db;
    assert_eq!(follower::Entity::find().count(db).await.unwrap(), 0);
    let departed = follower_departure::Entity::find().all(db).await.unwrap();
    let departed: Vec<(&str, &str)> = departed
        .iter()
        .map(|d| (d.actor_ap_id.as_str(), d.reason.as_str()))
        .collect();
    assert_eq!(
        departed,
        vec![(near.actor.as_str(), follower_departure::BLOCKED)]
    );
    eventually(
        "the listed follower has the Reject of its follow",
        20,
        || async { (!received_of(&near, "Reject").is_empty()).then_some(()) },
    )
    .await;

    // The list drops `localhost`; "sync now" takes it, and its replies count again.
    *list.lock().unwrap() = "elsewhere.example\n".to_string();
    let sync = format!("{list_page}/sync");
    assert_eq!(
        browser.post_form(&sync, &[("csrf", &csrf)]).await.status,
        303
    );
    let create = reply(&near, "Create", 6, &post_url, "<p>Back again</p>");
    assert_eq!(near.post_signed(&inbox, &create).await, 202);
    assert!(stored(&blog, &near, 6).await);
    assert_eq!(
        shown().await,
        vec![
            "Hello 1",
            "Hello 2",
            "Still here",
            "Let through",
            "Back again"
        ]
    );
}

/// Subscribes to `url` from /admin/comments; returns the list's page.
async fn subscribe(browser: &mut Browser, url: &str) -> scraper::Html {
    let csrf = csrf_of(&browser.get("/admin/comments").await.text);
    let subscribed = browser
        .post_form("/admin/blocklists", &[("csrf", &csrf), ("url", url)])
        .await;
    assert_eq!(subscribed.status, 303, "{}", subscribed.text);
    browser.get(&subscribed.location().unwrap()).await.html()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocklist_that_moved_is_followed_within_bounds() {
    support::init();
    let blog = Blog::new("blocklist_redirects").start().await;
    let list = Arc::new(Mutex::new("moved.example\nalso.example\n".to_string()));
    let at = serve_list(list).await;
    let base = at.trim_end_matches("/blocklist.csv");
    let mut browser = logged_in(&blog, "owner").await;

    // Two redirects, the second one relative: the list is read where it ended up.
    let moved = subscribe(&mut browser, &format!("{base}/moved.csv")).await;
    assert!(texts(&moved, "p.error").is_empty(), "{}", moved.html());
    assert_eq!(
        texts(&moved, ".newly-blocked li"),
        vec!["also.example", "moved.example"]
    );

    // A loop ends after a few hops, and a redirect away from http(s) is not followed: the
    // page says why, and the list blocks nothing.
    let looping = subscribe(&mut browser, &format!("{base}/loop.csv")).await;
    let says = |html: &scraper::Html, why: &str| {
        texts(html, "p.error").contains(&format!("The last fetch failed: {why}"))
    };
    assert!(
        says(&looping, "more than 5 redirects"),
        "{}",
        looping.html()
    );
    assert!(texts(&looping, ".newly-blocked li").is_empty());
    let elsewhere = subscribe(&mut browser, &format!("{base}/elsewhere.csv")).await;
    assert!(
        says(
            &elsewhere,
            "redirected to file:///etc/hosts, not an http(s) address"
        ),
        "{}",
        elsewhere.html()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_received_and_sent() {
    support::init();
    let blog = Blog::new("reports").start().await;
    let post_url = blog.publish_hello_world().await;
    let inbox = format!("{}inbox", blog.base());
    let peer = Peer::start().await;

    // A report about the post, as Mastodon forwards one (the account, then the post).
    let flag = json!({
        "id": format!("{}/flags/1", peer.base),
        "type": "Flag",
        "actor": peer.actor,
        "content": "This post is spam",
        "object": [blog.actor(), post_url],
    });
    assert_eq!(peer.post_signed(&inbox, &flag).await, 202);
    // One about someone else's post is none of the owner's business.
    let elsewhere = json!({
        "id": format!("{}/flags/2", peer.base),
        "type": "Flag",
        "actor": peer.actor,
        "content": "Not about the blog",
        "object": [format!("{}/notes/99", peer.base)],
    });
    assert_eq!(peer.post_signed(&inbox, &elsewhere).await, 202);
    let mut browser = logged_in(&blog, "owner").await;
    let reports = browser.get("/admin/reports").await.html();
    assert_eq!(
        texts(&reports, "li.report.received .reason"),
        vec!["This post is spam"]
    );
    assert_eq!(
        texts(&reports, "li.report.received .actor"),
        vec![peer.actor.clone()]
    );
    let notifications = browser.get("/admin/notifications").await.html();
    assert_eq!(texts(&notifications, "li.notification.report").len(), 1);

    // The owner reports a reply: its server gets the Flag, its author is blocked.
    let create = reply(&peer, "Create", 1, &post_url, "<p>Rude words</p>");
    assert_eq!(peer.post_signed(&inbox, &create).await, 202);
    let queue = browser.get("/admin/comments?status=approved").await;
    let csrf = csrf_of(&queue.text);
    let action = queue
        .html()
        .select(&scraper::Selector::parse("li.comment details.report form").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_string))
        .next()
        .expect("a report form");
    let reason = [("csrf", csrf.as_str()), ("reason", "Harassment")];
    assert_eq!(browser.post_form(&action, &reason).await.status, 303);
    let flag = support::eventually("the peer receives the Flag", 20, || async {
        received_of(&peer, "Flag").into_iter().next()
    })
    .await;
    assert_eq!(flag["actor"], json!(blog.actor()));
    assert_eq!(
        flag["object"],
        json!([peer.actor, format!("{}/notes/1", peer.base)])
    );
    assert_eq!(flag["content"], json!("Harassment"));
    let reports = browser.get("/admin/reports").await.html();
    assert_eq!(
        texts(&reports, "li.report.sent .reason"),
        vec!["Harassment"]
    );
    assert!(texts(&page(&post_url).await.1, "li.comment .e-content").is_empty());
    let create = reply(&peer, "Create", 2, &post_url, "<p>More rude words</p>");
    assert_eq!(peer.post_signed(&inbox, &create).await, 202);
    assert!(
        comment::Entity::find()
            .filter(comment::Column::ApId.eq(format!("{}/notes/2", peer.base)))
            .one(&blog.data().db)
            .await
            .unwrap()
            .is_none(),
        "the reported author is blocked"
    );
}
