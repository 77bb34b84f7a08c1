//! Mastodon-shaped activities, signed as Mastodon signs them, against a real Feder server:
//! what should be stored is, and what is malformed, unsigned, tampered or hostile is refused
//! with a 4xx (or ignored with 202) and changes nothing.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    db::entities::{comment, follower, mention, reaction},
    services::mentions,
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use std::time::{Duration, SystemTime};
use support::{Blog, Instance, Peer, eventually, get_json, page, texts};

async fn blog_with_post() -> (Instance, String) {
    let blog = Blog::new("inbox").start().await;
    let url = blog.publish_hello_world().await;
    (blog, url)
}

async fn row_counts(blog: &Instance) -> (u64, u64, u64) {
    let db = &blog.data().db;
    (
        follower::Entity::find().count(db).await.expect("count"),
        comment::Entity::find().count(db).await.expect("count"),
        reaction::Entity::find().count(db).await.expect("count"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_payloads_are_accepted() {
    support::init();
    let (blog, post_url) = blog_with_post().await;
    let peer = Peer::start().await;
    let inbox = format!("{}actor/inbox", blog.base());
    let shared_inbox = format!("{}inbox", blog.base());

    // Follow → stored, and a signed Accept arrives at the follower's inbox.
    let follow = peer.fixture("follow.json", &blog, "hello-world");
    assert_eq!(peer.post_signed(&inbox, &follow).await, 202);
    assert_eq!(row_counts(&blog).await.0, 1);
    let accept = eventually("Accept delivered", 15, || async {
        peer.received()
            .into_iter()
            .find(|r| r.body["type"] == "Accept")
    })
    .await;
    assert_eq!(accept.path, "/users/alice/inbox");
    assert_eq!(accept.body["object"]["id"], follow["id"]);
    assert_eq!(accept.body["actor"], blog.actor());
    // Signed with RFC 9421 (the peer took it at the first knock), with the blog's key.
    let input = accept
        .headers
        .get("signature-input")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        input.contains(&format!("keyid=\"{}#main-key\"", blog.actor())),
        "{input}"
    );
    assert!(accept.headers.contains_key("content-digest"));

    // A reply, as Mastodon delivers it to the shared inbox (with an LD signature attached).
    let reply = peer.fixture("create-note-reply.json", &blog, "hello-world");
    assert_eq!(peer.post_signed(&shared_inbox, &reply).await, 202);
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment .e-content"),
        vec!["@blog Great post!"]
    );
    assert_eq!(texts(&html, "li.comment .p-author"), vec!["Alice Example"]);
    // Delivering the same activity again stores nothing twice.
    assert_eq!(peer.post_signed(&shared_inbox, &reply).await, 202);
    assert_eq!(row_counts(&blog).await.1, 1);

    // Update and Delete of the reply.
    let update = peer.fixture("update-note.json", &blog, "hello-world");
    assert_eq!(peer.post_signed(&shared_inbox, &update).await, 202);
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment .e-content"),
        vec!["Great post! (edited)"]
    );

    // A Like is counted; Undo(Follow) removes the follower.
    let like = peer.fixture("like.json", &blog, "hello-world");
    assert_eq!(peer.post_signed(&inbox, &like).await, 202);
    let (_, html) = page(&post_url).await;
    assert_eq!(texts(&html, ".reactions .likes"), vec!["1 like"]);

    let delete = peer.fixture("delete-note.json", &blog, "hello-world");
    assert_eq!(peer.post_signed(&shared_inbox, &delete).await, 202);
    let (_, html) = page(&post_url).await;
    assert!(texts(&html, "li.comment").is_empty());

    let undo = peer.fixture("undo-follow.json", &blog, "hello-world");
    assert_eq!(peer.post_signed(&inbox, &undo).await, 202);
    assert_eq!(row_counts(&blog).await.0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_are_refused_and_change_nothing() {
    support::init();
    let (blog, _) = blog_with_post().await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    let follow = peer.fixture("follow.json", &blog, "hello-world");
    let body = serde_json::to_vec(&follow).expect("json");
    let before = row_counts(&blog).await;

    // Unsigned.
    let unsigned = vec![(
        "Content-Type".to_string(),
        "application/activity+json".to_string(),
    )];
    assert_eq!(peer.post_raw(&inbox, unsigned, body.clone()).await, 401);

    // Tampered body: the digest no longer matches.
    let headers = peer.sign(&inbox, &body, SystemTime::now().into());
    let mut tampered = follow.clone();
    tampered["object"] = json!("https://elsewhere.example/actor");
    assert_eq!(
        peer.post_raw(
            &inbox,
            headers,
            serde_json::to_vec(&tampered).expect("json")
        )
        .await,
        400
    );

    // Tampered signature.
    let mut headers = peer.sign(&inbox, &body, SystemTime::now().into());
    for (name, value) in headers.iter_mut() {
        if name == "Signature" {
            *value = value.replace("signature=\"", "signature=\"AAAA");
        }
    }
    assert_eq!(peer.post_raw(&inbox, headers, body.clone()).await, 401);

    // Signed with another key than the actor's.
    let impostor = Peer::start().await;
    let headers = impostor.sign(&inbox, &body, SystemTime::now().into());
    let headers = headers
        .into_iter()
        .map(|(n, v)| {
            if n == "Signature" {
                (n, v.replace(&impostor.key_id, &peer.key_id))
            } else {
                (n, v)
            }
        })
        .collect();
    assert_eq!(peer.post_raw(&inbox, headers, body.clone()).await, 401);

    // A stale Date (13 hours old).
    let stale = SystemTime::now() - Duration::from_secs(13 * 3600);
    let headers = peer.sign(&inbox, &body, stale.into());
    assert_eq!(peer.post_raw(&inbox, headers, body.clone()).await, 401);

    // Signed by one actor on behalf of another.
    let mut forged = follow.clone();
    forged["actor"] = json!(format!("{}/users/mallory", peer.base));
    assert_eq!(peer.post_signed(&inbox, &forged).await, 401);

    // Malformed JSON, and JSON that is not an activity.
    let headers = peer.sign(&inbox, b"{not json", SystemTime::now().into());
    assert_eq!(
        peer.post_raw(&inbox, headers, b"{not json".to_vec()).await,
        400
    );
    assert_eq!(
        peer.post_signed(&inbox, &json!({"hello": "world"})).await,
        400
    );

    // Too large.
    let huge = vec![b' '; 2 * 1024 * 1024];
    let headers = peer.sign(&inbox, &huge, SystemTime::now().into());
    assert_eq!(peer.post_raw(&inbox, headers, huge).await, 413);

    assert_eq!(row_counts(&blog).await, before, "nothing was stored");

    // Unknown activity types are accepted and ignored.
    let odd = json!({"id": format!("{}/odd/1", peer.base), "type": "Flag", "actor": peer.actor, "object": blog.actor()});
    assert_eq!(peer.post_signed(&inbox, &odd).await, 202);
    // Delete of an actor we never knew: 202 without fetching anything.
    let stranger = "http://localhost:9/users/gone";
    let delete_actor = json!({"id": format!("{stranger}#delete"), "type": "Delete", "actor": stranger, "object": stranger});
    let body = serde_json::to_vec(&delete_actor).expect("json");
    let headers = peer.sign(&inbox, &body, SystemTime::now().into());
    let headers = headers
        .into_iter()
        .map(|(n, v)| {
            if n == "Signature" {
                (n, v.replace(&peer.key_id, &format!("{stranger}#main-key")))
            } else {
                (n, v)
            }
        })
        .collect();
    assert_eq!(peer.post_raw(&inbox, headers, body).await, 202);
    // A reply to something that is not ours is ignored.
    let mut reply = peer.fixture("create-note-reply.json", &blog, "hello-world");
    reply["object"]["inReplyTo"] = json!("https://elsewhere.example/posts/1");
    assert_eq!(peer.post_signed(&inbox, &reply).await, 202);
    assert_eq!(row_counts(&blog).await, before, "nothing was stored");
}

/// A followers-only and a direct reply to a post reach the owner (beside the mentions, saying
/// what they answer and how they were addressed), never the page nor the collections; the
/// author's Delete removes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_public_replies_reach_only_the_owner() {
    support::init();
    let (blog, post_url) = blog_with_post().await;
    let peer = Peer::start().await;
    let shared_inbox = format!("{}inbox", blog.base());
    let followers = format!("{}/users/alice/followers", peer.base);
    let mut sent = Vec::new();
    for (n, to, cc) in [
        ("1", json!([followers]), json!([blog.actor()])),
        ("2", json!([blog.actor()]), json!([])),
    ] {
        let mut reply = peer.fixture("create-note-reply.json", &blog, "hello-world");
        let id = format!("{}/users/alice/statuses/private-{n}", peer.base);
        reply["id"] = json!(format!("{id}/activity"));
        for key in ["to", "cc"] {
            let value = if key == "to" { &to } else { &cc };
            reply[key] = value.clone();
            reply["object"][key] = value.clone();
        }
        reply["object"]["id"] = json!(id);
        reply["object"]["content"] = json!(format!("<p>Only for you {n}</p>"));
        reply["object"]
            .as_object_mut()
            .expect("object")
            .remove("contentMap");
        assert_eq!(peer.post_signed(&shared_inbox, &reply).await, 202);
        sent.push(id);
    }

    let db = &blog.data().db;
    let listed = mentions::latest(db, 10).await.expect("mentions");
    let mut kinds: Vec<(String, String, Option<String>)> = listed
        .iter()
        .map(|m| (m.ap_id.clone(), m.visibility.clone(), m.in_reply_to.clone()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            (
                sent[0].clone(),
                mention::FOLLOWERS.to_string(),
                Some(post_url.clone())
            ),
            (
                sent[1].clone(),
                mention::DIRECT.to_string(),
                Some(post_url.clone())
            ),
        ]
    );
    assert!(
        listed
            .iter()
            .any(|m| m.content_html.contains("Only for you 2"))
    );

    // Not on the page, not in `replies`, not in `context`.
    assert_eq!(row_counts(&blog).await.1, 0);
    let (_, html) = page(&post_url).await;
    assert!(texts(&html, "li.comment .e-content").is_empty());
    assert!(!html.html().contains("Only for you"));
    let (_, replies) = get_json(&format!("{post_url}/replies")).await;
    assert_eq!(replies["totalItems"], 0);
    let (_, context) = get_json(&format!("{post_url}/context")).await;
    assert_eq!(context["first"]["orderedItems"], json!([post_url]));

    // The author deletes the direct one: it is gone for the owner too.
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#delete", sent[1]),
        "type": "Delete",
        "actor": peer.actor,
        "to": [blog.actor()],
        "object": {"id": sent[1], "type": "Tombstone"},
    });
    assert_eq!(peer.post_signed(&shared_inbox, &delete).await, 202);
    let left: Vec<String> = mentions::latest(db, 10)
        .await
        .expect("mentions")
        .into_iter()
        .map(|m| m.ap_id)
        .collect();
    assert_eq!(left, vec![sent[0].clone()]);
}

/// Blocks are checked by the services that store what a remote actor sent, once for every
/// kind: an activity of a blocked actor that reaches processing (received before the block,
/// or waiting for a retry) stores nothing and answers nothing. Without the block, the same
/// activities are stored, so it is the block that drops them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_actors_reply_quote_like_and_follow_are_dropped() {
    use feder::{
        db::entities::{authorization, notification},
        federation::{fetch, inbox::dispatch},
        services::moderation,
    };
    support::init();
    let (blog, post_url) = blog_with_post().await;
    let peer = Peer::start().await;
    let data = blog.data();
    let actor = url::Url::parse(&peer.actor).expect("url");
    let signer = fetch::actor(&actor, &data).await.expect("the peer's actor");
    let note = |id: &str, extra: serde_json::Value| {
        let mut note = json!({
            "id": format!("{}/notes/{id}", peer.base), "type": "Note",
            "attributedTo": peer.actor, "content": "<p>From a blocked account</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        });
        if let (Some(note), Some(extra)) = (note.as_object_mut(), extra.as_object()) {
            note.extend(extra.clone());
        }
        note
    };
    let kinds = [
        (
            "reply",
            json!({"id": format!("{}/notes/r1/activity", peer.base), "type": "Create",
                   "actor": peer.actor, "object": note("r1", json!({"inReplyTo": post_url}))}),
        ),
        (
            "quote",
            json!({"id": format!("{}/quote-requests/1", peer.base), "type": "QuoteRequest",
                   "actor": peer.actor, "object": post_url,
                   "instrument": note("q1", json!({"quote": post_url}))}),
        ),
        (
            "like",
            json!({"id": format!("{}#likes/1", peer.actor), "type": "Like",
                   "actor": peer.actor, "object": post_url}),
        ),
        (
            "follow",
            json!({"id": format!("{}/follows/1", peer.base), "type": "Follow",
                   "actor": peer.actor, "object": blog.actor()}),
        ),
    ];
    let db = &data.db;
    let stored = || async {
        (
            comment::Entity::find().count(db).await.expect("count"),
            authorization::Entity::find()
                .count(db)
                .await
                .expect("count"),
            reaction::Entity::find().count(db).await.expect("count"),
            follower::Entity::find().count(db).await.expect("count"),
        )
    };

    let dispatch_all = || async {
        for (kind, activity) in &kinds {
            dispatch(&data, activity.clone(), &signer)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
        }
    };

    moderation::add_block(&data, &peer.actor)
        .await
        .expect("block");
    dispatch_all().await;
    assert_eq!(stored().await, (0, 0, 0, 0), "reply, quote, like, follow");
    assert_eq!(
        notification::Entity::find().count(db).await.expect("count"),
        0
    );

    moderation::remove_block(&data, &peer.actor)
        .await
        .expect("unblock");
    dispatch_all().await;
    assert_eq!(stored().await, (1, 1, 1, 1), "reply, quote, like, follow");
}

/// While replies arrive the blocks are read from the database once, not again every few
/// seconds (they were: every two seconds, by every request in flight then); a block added by
/// another process (`feder block add`, which this one is not told of) is in force within
/// seconds all the same, read once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_are_read_again_only_when_they_change() {
    support::init();
    let (blog, post_url) = blog_with_post().await;
    let peer = Peer::start().await;
    let data = blog.data();
    let inbox = format!("{}inbox", blog.base());
    let reply = |n: usize| {
        let id = format!("{}/users/alice/statuses/{n}", peer.base);
        support::reply_activity(&peer, &id, &post_url, &format!("Reply {n}"))
    };
    assert_eq!(peer.post_signed(&inbox, &reply(0)).await, 202);
    let loads = data.blocks.loads();
    assert!(loads > 0, "read for the first reply");
    // Replies for longer than the blocks were once kept.
    let started = std::time::Instant::now();
    let mut sent = 1;
    while started.elapsed() < Duration::from_secs(3) || sent < 10 {
        assert_eq!(peer.post_signed(&inbox, &reply(sent)).await, 202);
        sent += 1;
    }
    assert_eq!(
        data.blocks.loads(),
        loads,
        "read again during {sent} replies"
    );
    assert_eq!(row_counts(&blog).await.1, sent as u64, "every reply stored");

    let (ok, out) = support::feder_cli(&blog, &["block", "add", &peer.actor]);
    assert!(ok, "{out}");
    eventually("the block to be in force", 10, || async {
        let blocks = data.blocks.current(&data.db).await.expect("blocks");
        blocks.blocks(&peer.actor).then_some(())
    })
    .await;
    assert_eq!(data.blocks.loads(), loads + 1, "read once more");
}

/// An edit of a reply whose Create never arrived is taken as the reply, and the part of the
/// thread above it Feder never received is fetched first (an edit of a known comment fetches
/// nothing: its parent is known).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_of_a_reply_never_received_is_taken_with_its_thread() {
    support::init();
    let (blog, post_url) = blog_with_post().await;
    let peer = Peer::start().await;
    let parent_id = format!("{}/notes/p1", peer.base);
    peer.serve_note(
        "p1",
        json!({
            "id": parent_id, "type": "Note", "attributedTo": format!("{}/users/bob", peer.base),
            "inReplyTo": post_url, "content": "<p>Bob answered first</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }),
    );
    let mut update = peer.fixture("update-note.json", &blog, "hello-world");
    update["object"]["inReplyTo"] = json!(parent_id);
    assert_eq!(
        peer.post_signed(&format!("{}inbox", blog.base()), &update)
            .await,
        202
    );
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(
            &html,
            "section.comments > ol > li.comment > article .e-content"
        ),
        vec!["Bob answered first"]
    );
    assert_eq!(
        texts(&html, "li.comment li.comment .e-content"),
        vec!["Great post! (edited)"]
    );
}
