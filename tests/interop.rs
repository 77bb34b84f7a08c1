//! Feder against ActivityPub software it did not write. The real `feder` binary serves a blog on
//! localhost; the Fedify (TypeScript) and bovine (Python) peers of `tests/interop/` follow it,
//! receive a post, reply, edit and delete the reply, like and boost, undo both and unfollow,
//! and the blog's page and CLI show each step. Fedify signs RFC 9421 first, so its first POST
//! must be accepted as it is. Feder signs RFC 9421 first as well: Fedify takes it, bovine refuses
//! it once and is served in draft-cavage from then on. Forged requests check the inbox's
//! signature checks on the binary.
//!
//! `tests/interop/setup.sh` installs the peers; without them these tests fail, unless
//! `FEDER_SKIP_INTEROP=1` says to skip them (CI runs setup.sh and never skips).

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};
use support::{
    Blog, Browser, Feder, PeerProcess, STEP_SECONDS, csrf_of, eventually, interop, is_2xx, page,
    peer_installed, texts,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_follows_replies_reacts_and_signs_rfc9421() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("fedify").configure(interop).process().await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    federate(&feder, &mut peer, "Fedify").await;

    // Fedify knocks with RFC 9421 first and falls back to draft-cavage on a 4xx: its very first
    // POST must have been accepted, and no POST to Feder ever needed the fallback.
    let posts = peer.outgoing("POST", &feder.base());
    assert!(posts.len() >= 9, "Fedify POSTed to Feder: {posts:#?}");
    let first = &posts[0];
    assert_eq!(first["signature"], "rfc9421", "first POST: {first}");
    assert!(is_2xx(&first["status"]), "first POST: {first}");
    for post in &posts {
        assert_eq!(post["signature"], "rfc9421", "{post}");
        assert!(is_2xx(&post["status"]), "{post}");
    }
    // Its signed GETs (the actor, the post it answers) knock the same way: never a second time.
    let gets = peer.outgoing("GET", &feder.base());
    assert!(!gets.is_empty(), "Fedify fetched nothing from Feder");
    for get in &gets {
        assert_eq!(get["signature"], "rfc9421", "{get}");
        assert!(is_2xx(&get["status"]), "{get}");
    }
    // And Feder's deliveries to Fedify: RFC 9421, verified by Fedify, none refused (a refusal
    // would have made Feder knock again in draft-cavage).
    let received = peer.events_named("received");
    assert!(received.len() >= 3, "Fedify received: {received:#?}");
    for activity in &received {
        assert_eq!(activity["signature"], "rfc9421", "{activity}");
    }
    assert_eq!(peer.events_named("rejected"), Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bovine_follows_replies_reacts() {
    if !peer_installed("bovine-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("bovine").configure(interop).process().await;
    let mut peer = PeerProcess::start("bovine-peer").await;
    federate(&feder, &mut peer, "bovine").await;

    // bovine signs draft-cavage only (lowercase `sha-256=` digest): each POST was accepted.
    let posts = peer.outgoing("POST", &feder.base());
    assert!(posts.len() >= 9, "bovine POSTed to Feder: {posts:#?}");
    for post in &posts {
        assert_eq!(post["signature"], "cavage", "{post}");
        assert!(is_2xx(&post["status"]), "{post}");
    }
    // bovine.crypto does not verify Feder's RFC 9421: it answered the first delivery 401, Feder
    // knocked again in draft-cavage at once and signed every later one in cavage first.
    let received = peer.events_named("received");
    assert!(received.len() >= 3, "bovine received: {received:#?}");
    for activity in &received {
        assert_eq!(activity["signature"], "cavage", "{activity}");
    }
    let rejected = peer.events_named("rejected");
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    assert_eq!(rejected[0]["status"], 401, "{rejected:#?}");
}

/// The whole conversation between `peer` and the blog, checked on both sides.
async fn federate(feder: &Feder, peer: &mut PeerProcess, name: &str) {
    // Follow → Accept; the blog lists the follower.
    peer.follow(&feder.actor()).await;
    assert!(
        feder.followers().await.contains(&peer.actor),
        "feder followers lists {}",
        peer.actor
    );

    // Publishing from the CLI (another process) reaches the peer, signed.
    let post_url = feder
        .publish(&format!(
            "---\ntitle: Hello {name}\n---\nA post for the {name} peer.\n"
        ))
        .await;
    let create = peer
        .wait_for("the Create(Article)", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_id"] == post_url.as_str()
        })
        .await;
    assert_eq!(create["object_type"], "Article", "{create}");
    assert_eq!(create["signature_verified"], true, "{create}");
    assert_eq!(create["actor"], feder.actor(), "{create}");
    assert_eq!(
        create["activity"]["object"]["nameMap"]
            .as_object()
            .and_then(|m| m.values().next())
            .cloned()
            .unwrap_or_default(),
        format!("Hello {name}")
    );

    // A reply shows as a comment, with its author; its edit replaces it; its deletion removes it.
    let done = peer
        .run(json!({"cmd": "reply", "in_reply_to": post_url, "content": format!("<p>Hello from {name}!</p>")}))
        .await;
    assert!(is_2xx(&done["status"]), "reply: {done}");
    let note = done["note"].as_str().expect("note id").to_string();
    let html = comments_become(&post_url, vec![format!("Hello from {name}!")]).await;
    let handle = format!("@peer@{}", peer.host());
    assert_eq!(
        texts(&html, "section.comments li.comment .handle"),
        vec![handle]
    );

    let done = peer
        .run(json!({"cmd": "update_reply", "note": note, "content": format!("<p>Edited by {name}.</p>")}))
        .await;
    assert!(is_2xx(&done["status"]), "update: {done}");
    comments_become(&post_url, vec![format!("Edited by {name}.")]).await;

    let done = peer.run(json!({"cmd": "delete_reply", "note": note})).await;
    assert!(is_2xx(&done["status"]), "delete: {done}");
    comments_become(&post_url, vec![]).await;

    // Likes and boosts are counted on the page, and their Undo takes them back.
    reactions_become(&post_url, "0 likes", "0 boosts").await;
    for (cmd, likes, boosts) in [
        ("like", "1 like", "0 boosts"),
        ("announce", "1 like", "1 boost"),
        ("undo_like", "0 likes", "1 boost"),
        ("undo_announce", "0 likes", "0 boosts"),
    ] {
        let done = peer.run(json!({"cmd": cmd, "object": post_url})).await;
        assert!(is_2xx(&done["status"]), "{cmd}: {done}");
        reactions_become(&post_url, likes, boosts).await;
    }

    // The blog follows back from the CLI: the peer accepts, and its posts reach the reading list.
    feder.cli(&["follow", &peer.actor]).await;
    let accept = peer
        .wait_for("the peer to accept the blog's Follow", |e| {
            e["event"] == "sent" && e["type"] == "Accept" && e["to"] == feder.actor().as_str()
        })
        .await;
    assert!(is_2xx(&accept["status"]), "Accept: {accept}");
    let done = peer
        .run(json!({"cmd": "post", "content": format!("<p>News from {name}</p>")}))
        .await;
    assert_eq!(done["delivered"], 1, "post: {done}");
    assert!(is_2xx(&done["status"]), "post: {done}");
    let note = done["note"].as_str().expect("note id").to_string();
    eventually(
        "the peer's post in `feder reading`",
        STEP_SECONDS,
        || async { feder.cli(&["reading"]).await.contains(&note).then_some(()) },
    )
    .await;
    // The owner answers that post from the CLI; the peer gets the reply.
    let reply_id = feder
        .cli(&["reply", "create", &note, "Nice to *read* you."])
        .await
        .trim()
        .to_string();
    let create = peer
        .wait_for("the blog's reply to the peer's post", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_id"] == reply_id.as_str()
        })
        .await;
    assert_eq!(create["object_type"], "Note", "{create}");
    assert_eq!(create["activity"]["object"]["inReplyTo"], note.as_str());
    feder.cli(&["unfollow", &peer.actor]).await;
    peer.wait_for("the blog's Undo(Follow)", |e| {
        e["event"] == "received" && e["type"] == "Undo" && e["object_type"] == "Follow"
    })
    .await;

    // Undo(Follow): no longer a follower.
    let done = peer.run(json!({"cmd": "undo_follow"})).await;
    assert!(is_2xx(&done["status"]), "undo follow: {done}");
    eventually("the follower is gone", STEP_SECONDS, || async {
        (!feder.followers().await.contains(&peer.actor)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_comments_reach_fedify_with_consent_only() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("fedifyweb").configure(interop).process().await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    web_comment_thread(&feder, &mut peer, "Fedify").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_comments_reach_bovine_with_consent_only() {
    if !peer_installed("bovine-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("bovineweb").configure(interop).process().await;
    let mut peer = PeerProcess::start("bovine-peer").await;
    web_comment_thread(&feder, &mut peer, "bovine").await;
}

/// A follower on `peer` receives the web comment written with consent (and not the one
/// without) as a Note of the blog in the post's thread; its reply to that Note appears under
/// the web comment on the page.
async fn web_comment_thread(feder: &Feder, peer: &mut PeerProcess, name: &str) {
    peer.follow(&feder.actor()).await;
    let post_url = feder
        .publish("---\ntitle: Web and fediverse\n---\nOne thread for both.\n")
        .await;
    peer.wait_for("the Create(Article)", |e| {
        e["event"] == "received" && e["type"] == "Create" && e["object_id"] == post_url.as_str()
    })
    .await;

    support::web_comment(
        &post_url,
        &[("author", "Quiet"), ("text", "Only on the page.")],
        false,
    )
    .await;
    support::web_comment(
        &post_url,
        &[
            ("author", "Grace"),
            ("text", &format!("Hello, {name} people!")),
        ],
        true,
    )
    .await;
    let create = peer
        .wait_for("the web comment as a Note", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_type"] == "Note"
        })
        .await;
    assert_eq!(create["signature_verified"], true, "{create}");
    assert_eq!(create["actor"], feder.actor(), "{create}");
    let note = &create["activity"]["object"];
    assert_eq!(note["inReplyTo"], post_url.as_str(), "{note}");
    let content = note["content"].as_str().unwrap_or_default();
    assert!(content.contains("Grace</strong> wrote:"), "{content}");
    let note_id = create["object_id"].as_str().expect("note id").to_string();
    let notes: Vec<Value> = peer
        .events
        .lock()
        .expect("events")
        .iter()
        .filter(|e| e["event"] == "received" && e["object_type"] == "Note")
        .cloned()
        .collect();
    assert_eq!(notes.len(), 1, "only the comment with consent: {notes:#?}");

    let done = peer
        .run(json!({"cmd": "reply", "in_reply_to": note_id, "content": format!("<p>{name} answers Grace.</p>")}))
        .await;
    assert!(is_2xx(&done["status"]), "reply: {done}");
    let nested = "section.comments li.comment > ol.thread > li.comment .e-content";
    eventually("the answer under the web comment", STEP_SECONDS, || async {
        let (_, html) = page(&post_url).await;
        texts(&html, nested)
            .contains(&format!("{name} answers Grace."))
            .then_some(())
    })
    .await;
}

/// Waits until the post page shows exactly these comment texts; returns the page.
async fn comments_become(post_url: &str, want: Vec<String>) -> scraper::Html {
    let what = format!("the comments on {post_url} to be {want:?}");
    eventually(&what, STEP_SECONDS, || async {
        let (status, html) = page(post_url).await;
        let found = texts(&html, "section.comments li.comment .e-content");
        (status == 200 && found == want).then_some(html)
    })
    .await
}

async fn reactions_become(post_url: &str, likes: &str, boosts: &str) {
    let what = format!("{post_url} to show {likes} and {boosts}");
    eventually(&what, STEP_SECONDS, || async {
        let (_, html) = page(post_url).await;
        (texts(&html, ".reactions .likes") == vec![likes]
            && texts(&html, ".reactions .boosts") == vec![boosts])
        .then_some(())
    })
    .await;
}

/// The two header schemes an inbox must check.
#[derive(Debug, Clone, Copy)]
enum Scheme {
    Cavage,
    Rfc9421,
}

/// `body` for `url`, signed by `signer` in `scheme` and claiming `key_id`, at `time`.
fn signed(
    signer: &support::Peer,
    scheme: Scheme,
    key_id: &str,
    url: &str,
    body: &[u8],
    time: SystemTime,
) -> Vec<(String, String)> {
    match scheme {
        Scheme::Cavage => {
            let mut headers = signer.sign(url, body, time.into());
            let signature = header(&mut headers, "Signature");
            *signature = signature.replace(&signer.key_id, key_id);
            headers
        }
        Scheme::Rfc9421 => signer.sign_rfc9421(url, body, time, key_id),
    }
}

/// Flips the first byte of the signature (cavage `signature="…"`, RFC 9421 `sig1=:…:`).
fn tamper(headers: &mut [(String, String)], scheme: Scheme) {
    let value = header(headers, "Signature");
    let (head, encoded, tail) = match scheme {
        Scheme::Cavage => {
            let (head, rest) = value.rsplit_once("signature=\"").expect("cavage signature");
            (
                format!("{head}signature=\""),
                rest.trim_end_matches('"'),
                "\"",
            )
        }
        Scheme::Rfc9421 => {
            let rest = value.strip_prefix("sig1=:").expect("RFC 9421 signature");
            ("sig1=:".to_string(), rest.trim_end_matches(':'), ":")
        }
    };
    let mut bytes = BASE64.decode(encoded).expect("base64 signature");
    bytes[0] ^= 0xff;
    *value = format!("{head}{}{tail}", BASE64.encode(bytes));
}

/// The value of header `name` in a signed request, to tamper with.
fn header<'a>(headers: &'a mut [(String, String)], name: &str) -> &'a mut String {
    &mut headers
        .iter_mut()
        .find(|(n, _)| n == name)
        .expect("header")
        .1
}

/// Forged and broken signatures, in both schemes, sent to the real binary: each is refused,
/// and neither the followers, the deliveries nor the post page change. Then requests signed
/// properly are taken, so these checks can fail. Needs no peers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_refuses_bad_signatures() {
    support::init();
    let feder = Blog::new("signatures").configure(interop).process().await;
    let alice = support::Peer::start().await;
    let mallory = support::Peer::start().await;
    let post_url = feder
        .publish("---\ntitle: Signed replies only\n---\nPlease sign.\n")
        .await;
    let actor_inbox = format!("{}actor/inbox", feder.base());
    let shared_inbox = format!("{}inbox", feder.base());
    let follow = |n: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/follows/{n}", alice.base),
            "type": "Follow",
            "actor": alice.actor,
            "object": feder.actor(),
        })
    };
    let reply = |n: &str| {
        let note = format!("{}/users/alice/statuses/{n}", alice.base);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"),
            "type": "Create",
            "actor": alice.actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": alice.actor,
                "inReplyTo": post_url,
                "content": format!("<p>Reply {n}</p>"),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        })
    };
    // A Follow to the blog's inbox, a reply to the shared inbox.
    let activity = |inbox: &str, n: &str| {
        if inbox == actor_inbox {
            follow(n)
        } else {
            reply(n)
        }
    };

    for scheme in [Scheme::Cavage, Scheme::Rfc9421] {
        for inbox in [&actor_inbox, &shared_inbox] {
            let case = |what: &str| format!("{what}, {scheme:?}, {inbox}");
            let body =
                |n: &str| serde_json::to_vec(&activity(inbox, &format!("{scheme:?}-{n}"))).unwrap();
            let now = SystemTime::now();

            let tampered = body("tampered");
            let mut headers = signed(&alice, scheme, &alice.key_id, inbox, &tampered, now);
            tamper(&mut headers, scheme);
            let status = alice.post_raw(inbox, headers, tampered).await;
            assert_eq!(status, 401, "{}", case("tampered signature"));

            let forged = body("wrong-key");
            let headers = signed(&mallory, scheme, &alice.key_id, inbox, &forged, now);
            let status = alice.post_raw(inbox, headers, forged).await;
            assert_eq!(
                status,
                401,
                "{}",
                case("another key claiming to be Alice's")
            );

            // 13 hours old: beyond the 12 hours allowed.
            let stale = body("stale");
            let then = now - Duration::from_secs(13 * 3600);
            let headers = signed(&alice, scheme, &alice.key_id, inbox, &stale, then);
            let status = alice.post_raw(inbox, headers, stale).await;
            assert_eq!(status, 401, "{}", case("stale signature"));

            // Another body than the one whose digest was signed.
            let headers = signed(&alice, scheme, &alice.key_id, inbox, &body("signed"), now);
            let status = alice.post_raw(inbox, headers, body("swapped")).await;
            assert_eq!(status, 400, "{}", case("digest mismatch"));
        }
    }
    let unsigned = vec![(
        "Content-Type".to_string(),
        "application/activity+json".to_string(),
    )];
    let status = alice
        .post_raw(
            &actor_inbox,
            unsigned,
            serde_json::to_vec(&follow("unsigned")).unwrap(),
        )
        .await;
    assert_eq!(status, 401, "unsigned");

    // Nothing was stored, nothing answered.
    assert_eq!(feder.followers().await, Vec::<String>::new());
    let deliveries = feder.cli(&["deliveries"]).await;
    assert!(!deliveries.contains("Accept"), "{deliveries}");
    let (_, html) = page(&post_url).await;
    assert!(texts(&html, "section.comments li.comment").is_empty());
    assert!(alice.received().is_empty(), "{:?}", alice.received());

    // Signed properly, the same is taken: a Follow in RFC 9421, a reply in draft-cavage.
    let body = serde_json::to_vec(&follow("good")).unwrap();
    let headers = alice.sign_rfc9421(&actor_inbox, &body, SystemTime::now(), &alice.key_id);
    assert_eq!(alice.post_raw(&actor_inbox, headers, body).await, 202);
    assert_eq!(alice.post_signed(&shared_inbox, &reply("good")).await, 202);
    assert_eq!(feder.followers().await, vec![alice.actor.clone()]);
    comments_become(&post_url, vec!["Reply good".into()]).await;
    eventually("Alice receives the Accept", STEP_SECONDS, || async {
        alice
            .received()
            .iter()
            .any(|r| r.body["type"] == "Accept")
            .then_some(())
    })
    .await;
}

// --- Quote posts (FEP-044f) --------------------------------------------------------------------

/// The peer asks to quote `post`; returns its note, its request, and the blog's answer (the
/// Accept or Reject the peer received for that request).
async fn quote_answer(peer: &mut PeerProcess, post: &str) -> (String, String, Value) {
    let done = peer
        .run(json!({"cmd": "quote_request", "object": post, "content": "<p>Look at this</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "QuoteRequest: {done}");
    let note = done["note"].as_str().expect("note").to_string();
    let request = done["request"].as_str().expect("request").to_string();
    let answer = peer
        .wait_for("the answer to the QuoteRequest", |e| {
            e["event"] == "received"
                && (e["type"] == "Accept" || e["type"] == "Reject")
                && e["activity"]["object"]["id"] == request.as_str()
        })
        .await;
    (note, request, answer["activity"].clone())
}

fn can_quote(article: &Value) -> Value {
    article["interactionPolicy"]["canQuote"]["automaticApproval"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_quotes_per_policy_and_revocation() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("quotes").configure(interop).process().await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    let open_md = "---\ntitle: Quote me\nslug: quote-me\n---\nAnyone may quote this.\n";
    let open = feder.publish(open_md).await;
    let closed = feder
        .publish("---\ntitle: Not this one\nquote_policy: nobody\n---\nNo quotes.\n")
        .await;
    let followers = feder
        .publish("---\ntitle: For followers\nquote_policy: followers\n---\nFollowers may.\n")
        .await;

    // Each post publishes its own policy, as Mastodon 4.5 reads it.
    let public = json!(["https://www.w3.org/ns/activitystreams#Public"]);
    assert_eq!(can_quote(&support::get_json(&open).await.1), public);
    assert_eq!(
        can_quote(&support::get_json(&closed).await.1),
        json!([feder.actor()])
    );
    assert_eq!(
        can_quote(&support::get_json(&followers).await.1),
        json!([format!("{}/followers", feder.actor())])
    );

    // Anyone: an Accept whose result is a QuoteAuthorization that Fedify reads back.
    let (note, request, accept) = quote_answer(&mut peer, &open).await;
    assert_eq!(accept["type"], "Accept", "{accept}");
    assert_eq!(accept["actor"], feder.actor(), "{accept}");
    assert_eq!(accept["object"]["type"], "QuoteRequest", "{accept}");
    assert_eq!(accept["object"]["instrument"], note.as_str(), "{accept}");
    let authorization = accept["result"].as_str().expect("result").to_string();
    let read = peer
        .run(json!({"cmd": "read_authorization", "url": authorization}))
        .await;
    assert_eq!(read["attributed_to"], feder.actor(), "{read}");
    assert_eq!(read["interacting_object"], note.as_str(), "{read}");
    assert_eq!(read["interaction_target"], open.as_str(), "{read}");
    // The owner sees the quote beside the mentions.
    assert!(
        feder.cli(&["mentions"]).await.contains(&note),
        "feder mentions lists {note}"
    );
    assert!(!request.is_empty());

    // Nobody: a Reject. Followers: a Reject, then an Accept once the peer follows.
    let (_, _, reject) = quote_answer(&mut peer, &closed).await;
    assert_eq!(reject["type"], "Reject", "{reject}");
    let (_, _, reject) = quote_answer(&mut peer, &followers).await;
    assert_eq!(reject["type"], "Reject", "{reject}");
    peer.follow(&feder.actor()).await;
    let (_, _, accept) = quote_answer(&mut peer, &followers).await;
    assert_eq!(accept["type"], "Accept", "{accept}");
    let followers_authorization = accept["result"].as_str().expect("result").to_string();

    // The post now says nobody: its authorization is revoked (a Delete) and answers 410.
    feder
        .publish(&open_md.replace("slug: quote-me", "slug: quote-me\nquote_policy: nobody"))
        .await;
    peer.wait_for("the Delete of the authorization", |e| {
        e["event"] == "received"
            && e["type"] == "Delete"
            && e["object_id"] == authorization.as_str()
    })
    .await;
    assert_eq!(support::get_json(&authorization).await.0, 410);
    assert_eq!(
        can_quote(&support::get_json(&open).await.1),
        json!([feder.actor()])
    );
    // The followers' post is deleted: its authorization goes too.
    let slug = followers.rsplit('/').next().expect("slug");
    feder.cli(&["post", "delete", slug]).await;
    peer.wait_for("the Delete of the second authorization", |e| {
        e["event"] == "received"
            && e["type"] == "Delete"
            && e["object_id"] == followers_authorization.as_str()
    })
    .await;
    assert_eq!(support::get_json(&followers_authorization).await.0, 410);
}

// --- Thread completion: `replies` and a remote `context` (FEP-f228) ----------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_thread_backfill_through_replies_and_context() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("threads").configure(interop).process().await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    for via in ["replies", "context"] {
        let post = feder
            .publish(&format!("---\ntitle: Thread by {via}\n---\nTalk.\n"))
            .await;
        let done = peer
            .run(json!({"cmd": "thread", "in_reply_to": post, "via": via}))
            .await;
        assert!(is_2xx(&done["status"]), "thread: {done}");
        comments_become(&post, vec!["First in the thread".into()]).await;
        // The blog was sent only the first reply: the rest comes from the peer's thread.
        let slug = post.rsplit('/').next().expect("slug");
        let out = feder.cli(&["comments", "refresh", slug]).await;
        let found = if via == "context" { 2 } else { 1 };
        assert!(
            out.contains(&format!("{found} new comments")),
            "{via}: {out}"
        );
        let mut want = vec![
            "First in the thread".to_string(),
            "Second in the thread".into(),
        ];
        if via == "context" {
            want.push("Third in the thread".into());
        }
        comments_become(&post, want).await;
    }
}

// --- Reply controls: a held reply asked for (GoToSocial's ReplyRequest), and a direct reply ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_held_reply_approved_and_direct_reply_for_the_owner() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("held")
        .configure(|c| {
            interop(c);
            c.blog.comment_policy = feder::config::CommentPolicy::Approval;
        })
        .process()
        .await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    let post = feder
        .publish("---\ntitle: Held replies\n---\nEvery comment waits.\n")
        .await;
    // Comments wait for the owner: replies need approval, in GoToSocial's terms.
    let article = support::get_json(&post).await.1;
    let can_reply = &article["interactionPolicy"]["canReply"];
    assert_eq!(
        can_reply["automaticApproval"],
        json!([feder.actor()]),
        "{article}"
    );
    assert_eq!(
        can_reply["manualApproval"],
        json!(["https://www.w3.org/ns/activitystreams#Public"]),
        "{article}"
    );

    // The peer asks; the reply waits, unseen on the page and unanswered.
    let done = peer
        .run(json!({"cmd": "reply_request", "in_reply_to": post, "content": "<p>May I?</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "ReplyRequest: {done}");
    let (note, request) = (
        done["note"].as_str().unwrap(),
        done["request"].as_str().unwrap(),
    );
    let pending = eventually("the held reply in the queue", STEP_SECONDS, || async {
        let list = feder.cli(&["comments", "list"]).await;
        list.lines()
            .find(|l| l.contains("May I?"))
            .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
    })
    .await;
    comments_become(&post, vec![]).await;
    let replies = support::get_json(&format!("{post}/replies")).await.1;
    assert_eq!(replies["totalItems"], 0, "{replies}");

    // Approved: an Accept of the request with a ReplyAuthorization, and on the page.
    feder.cli(&["comments", "approve", &pending]).await;
    let accept = peer
        .wait_for("the Accept of the ReplyRequest", |e| {
            e["event"] == "received"
                && e["type"] == "Accept"
                && e["activity"]["object"]["id"] == request
        })
        .await["activity"]
        .clone();
    assert_eq!(accept["object"]["type"], "ReplyRequest", "{accept}");
    assert_eq!(accept["object"]["instrument"], note, "{accept}");
    let read = peer
        .run(json!({"cmd": "read_authorization", "url": accept["result"]}))
        .await;
    assert_eq!(read["type"], "ReplyAuthorization", "{read}");
    assert_eq!(read["interacting_object"], note, "{read}");
    assert_eq!(read["interaction_target"], post.as_str(), "{read}");
    comments_become(&post, vec!["May I?".into()]).await;

    // A direct reply reaches the owner beside the mentions, never the page.
    let done = peer
        .run(json!({"cmd": "direct_reply", "in_reply_to": post, "content": "<p>Just for you</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "direct reply: {done}");
    let direct = done["note"].as_str().unwrap().to_string();
    eventually("the direct reply for the owner", STEP_SECONDS, || async {
        feder
            .cli(&["mentions"])
            .await
            .contains(&direct)
            .then_some(())
    })
    .await;
    comments_become(&post, vec!["May I?".into()]).await;
    let pending = feder.cli(&["comments", "list"]).await;
    assert!(!pending.contains("Just for you"), "{pending}");
}

/// The owner's workspace with a peer Feder did not write (issue 14): Fedify's reply shows in
/// /admin/notifications, the answer from the form there reaches Fedify threaded under it, and
/// removing Fedify in /admin/followers sends it a Reject of its Follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_meets_the_owners_workspace() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("workspace").configure(interop).process().await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], "a long password\n")
        .await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    let follow_id = peer.follow(&feder.actor()).await;
    let post = feder
        .publish("---\ntitle: Workspace\n---\nAnswer me.\n")
        .await;
    let done = peer
        .run(json!({"cmd": "reply", "in_reply_to": post, "content": "<p>Hello, owner</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "reply: {done}");
    let note = done["note"].as_str().expect("note id").to_string();
    comments_become(&post, vec!["Hello, owner".into()]).await;

    let mut browser = Browser::at(&feder.base());
    let login = browser.log_in("owner", "a long password").await;
    assert_eq!(login.status, 303, "login: {}", login.text);
    let page = browser.get("/admin/notifications").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert!(
        texts(&html, "li.notification .content")
            .iter()
            .any(|t| t.contains("Hello, owner")),
        "{}",
        page.text
    );
    let form = scraper::Selector::parse("li.notification form.reply").unwrap();
    let action = html
        .select(&form)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("a reply form")
        .to_string();
    let answered = browser
        .post_form(
            &action,
            &[
                ("csrf", &csrf_of(&page.text)),
                ("text", "Thank you, *peer*!"),
                ("back", "/admin/notifications"),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.text);
    let create = peer
        .wait_for("the owner's answer", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_type"] == "Note"
        })
        .await;
    assert_eq!(create["activity"]["object"]["inReplyTo"], note.as_str());
    assert!(
        create["activity"]["object"]["content"]
            .as_str()
            .unwrap_or_default()
            .contains("<em>peer</em>"),
        "{create}"
    );

    let followers = browser.get("/admin/followers").await;
    let html = followers.html();
    let form = scraper::Selector::parse("li.follower form").unwrap();
    let remove = html
        .select(&form)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("a remove form")
        .to_string();
    let removed = browser
        .post_form(&remove, &[("csrf", &csrf_of(&followers.text))])
        .await;
    assert_eq!(removed.status, 303, "{}", removed.text);
    let reject = peer
        .wait_for("the Reject of its Follow", |e| {
            e["event"] == "received" && e["type"] == "Reject"
        })
        .await;
    let object = &reject["activity"]["object"];
    assert!(
        object == &json!(follow_id) || object["id"] == follow_id.as_str(),
        "{reject}"
    );
    assert!(!feder.followers().await.contains(&peer.actor));
}

// --- Key rotation: Fedify changes its key and is still heard, at once ---------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_rotates_its_key_and_is_heard_at_once() {
    use feder::db::entities::actor;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("rotation").configure(interop).process().await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    peer.follow(&feder.actor()).await;
    let post = feder
        .publish("---\ntitle: Keys change\n---\nAnswer me after your new key.\n")
        .await;
    let db = feder::db::connect(&feder.database())
        .await
        .expect("database");
    let peer_actor = peer.actor.clone();
    let stored = || async {
        actor::Entity::find()
            .filter(actor::Column::ApId.eq(peer_actor.as_str()))
            .one(&db)
            .await
            .expect("query")
            .expect("the peer's actor")
    };
    let before = stored().await;
    // Feder fetches a key that failed again unless it fetched it in the last 10 s (its own
    // clock, in another process): the rotation comes after that.
    let since = (chrono::Utc::now() - before.fetched_at)
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(11).saturating_sub(since)).await;

    peer.run(json!({"cmd": "rotate_key"})).await;
    let seen = peer.outgoing("POST", &feder.base()).len();
    let done = peer
        .run(json!({"cmd": "reply", "in_reply_to": post, "content": "<p>Signed with my new key</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "reply: {done}");
    // Taken at the first knock (RFC 9421), not refused and sent again.
    let posts = peer.outgoing("POST", &feder.base());
    let after: Vec<&Value> = posts.iter().skip(seen).collect();
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["signature"], "rfc9421", "{after:#?}");
    assert!(is_2xx(&after[0]["status"]), "{after:#?}");
    comments_become(&post, vec!["Signed with my new key".into()]).await;
    let now = stored().await;
    assert_eq!(now.public_key_id, before.public_key_id, "same key id");
    assert_ne!(
        now.public_key_pem, before.public_key_pem,
        "the new key is stored"
    );
}

// --- Short notes: a post without a title reaches Fedify as a Note -------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_written_in_admin_reaches_fedify_as_a_note_without_name() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("notes").configure(interop).process().await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], "a long password\n")
        .await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    peer.follow(&feder.actor()).await;

    let mut browser = Browser::at(&feder.base());
    let login = browser.log_in("owner", "a long password").await;
    assert_eq!(login.status, 303, "login: {}", login.text);
    let editor = browser.get("/admin/posts/new").await;
    let written = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf_of(&editor.text)),
                ("title", ""),
                ("body", "Just a *short* thought."),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(written.status, 303, "{}", written.text);
    let create = peer
        .wait_for("the note", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_type"] == "Note"
        })
        .await;
    let note = &create["activity"]["object"];
    assert!(
        note.get("name").is_none() && note.get("nameMap").is_none(),
        "{create}"
    );
    assert!(
        note.get("summary").is_none(),
        "no content warning: {create}"
    );
    assert!(
        note["content"]
            .as_str()
            .unwrap_or_default()
            .contains("<em>short</em>"),
        "{create}"
    );
    // On the blog it is a note: no title, its text in the list.
    let id = note["id"].as_str().expect("note id").to_string();
    let (status, page) = support::page(&id).await;
    assert_eq!(status, 200);
    assert!(texts(&page, "article.post.note h1").is_empty());
    let (_, home) = support::page(&feder.base()).await;
    assert!(
        texts(&home, "article.entry.note .e-content")
            .iter()
            .any(|t| t.contains("Just a short thought.")),
        "the note on the home page"
    );
}
