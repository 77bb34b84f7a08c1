//! The wire formats against payloads shaped as seven other servers send them (Mastodon,
//! GoToSocial, Misskey, Akkoma, Pleroma, WordPress with the ActivityPub plugin, Ghost; see
//! tests/fixtures/README.md): their actors and replies read by our lenient types, each server's
//! reply delivered signed to a real Feder server and shown under the post; and what Feder sends
//! round-trips through its own typed structs with every field those servers read.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod common;

use common::{Instance, Peer, get_json, page, texts};
use feder::{
    federation::protocol::{Activity, ActivityKind, ApActor, ApObject, Article, Person},
    services::posts,
};
use serde_json::Value;

const SERVERS: [&str; 7] = [
    "mastodon",
    "gotosocial",
    "misskey",
    "akkoma",
    "pleroma",
    "wordpress-activitypub",
    "ghost",
];

fn fixture(software: &str, name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/{software}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

#[test]
fn their_actors_and_replies_read_with_what_we_need() {
    for software in SERVERS.iter().filter(|s| **s != "mastodon") {
        let actor: ApActor = serde_json::from_value(fixture(software, "actor.json"))
            .unwrap_or_else(|e| panic!("{software} actor: {e}"));
        actor.check().expect("an actor");
        assert!(actor.key(None).is_some(), "{software}: a key");
        assert!(actor.shared_inbox().is_some(), "{software}: a shared inbox");
        assert!(actor.icon_url().is_some(), "{software}: an avatar");
    }
    for software in SERVERS {
        let raw = fixture(software, "create-note-reply.json");
        let activity: Activity = serde_json::from_value(raw.clone())
            .unwrap_or_else(|e| panic!("{software} activity: {e}"));
        assert_eq!(activity.kind.0, ActivityKind::Create, "{software}");
        let note: ApObject = serde_json::from_value(activity.object.clone())
            .unwrap_or_else(|e| panic!("{software} note: {e}"));
        assert_eq!(note.author(), Some(activity.actor.clone()), "{software}");
        assert_eq!(
            note.in_reply_to.as_ref().map(|u| u.as_str()),
            Some("https://blog.example/posts/hello-world"),
            "{software}"
        );
        assert!(!note.content_html().is_empty(), "{software}: content");
        assert!(note.is_public(), "{software}: public");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_servers_reply_shows_under_the_post() {
    common::init();
    let blog = Instance::start("wire").await;
    let input = posts::parse_markdown_file(
        "---\ntitle: Hello world\nslug: hello-world\n---\nFirst paragraph.\n",
    )
    .expect("markdown");
    posts::publish(&blog.data(), input).await.expect("publish");
    let peer = Peer::start().await;
    let shared_inbox = format!("{}inbox", blog.base());
    for software in SERVERS {
        let reply = peer.fixture_of(software, "create-note-reply.json", &blog, "hello-world");
        let actor = reply["actor"].as_str().expect("actor").to_string();
        let name = actor.rsplit('/').next().expect("name");
        let sender = peer.as_user(name);
        assert_eq!(
            sender.post_signed(&shared_inbox, &reply).await,
            202,
            "{software}'s reply is accepted"
        );
    }
    let (_, html) = page(&format!("{}posts/hello-world", blog.base())).await;
    let comments = texts(&html, "li.comment .e-content");
    assert_eq!(comments.len(), SERVERS.len(), "{comments:?}");
    for expected in [
        "Great post!",
        "Thanks for writing this",
        "とても良い記事でした",
        "nice write-up!",
        "Sehr gut geschrieben!",
        "Ein Kommentar aus WordPress",
        "Replying from my Ghost site",
    ] {
        assert!(
            comments.iter().any(|c| c.contains(expected)),
            "{expected:?} in {comments:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_we_send_round_trips_with_the_fields_servers_read() {
    common::init();
    let blog = Instance::start("sent").await;
    let input = posts::parse_markdown_file(
        "---\ntitle: Fish & Chips <3\nslug: fish\nlang: de\ntags: [essen]\nsummary: Kurz.\n---\nDer Text.\n",
    )
    .expect("markdown");
    posts::publish(&blog.data(), input).await.expect("publish");

    let (status, doc) = get_json(&format!("{}posts/fish", blog.base())).await;
    assert_eq!(status, 200);
    let article: Article = serde_json::from_value(doc.clone()).expect("our Article type");
    // Serialized again it is the same document (less the context).
    let again = serde_json::to_value(&article).expect("serialize");
    let mut served = doc.clone();
    served.as_object_mut().expect("object").remove("@context");
    assert_eq!(again, served, "the Article round-trips");
    // What other servers read of it (reference/mastodon.md, gotosocial.md): a visible title,
    // a summary, the HTML body with its language, a link, the author and public addressing.
    let read: ApObject = serde_json::from_value(doc).expect("a readable object");
    assert_eq!(read.name.as_deref(), Some("Fish &amp; Chips &lt;3"));
    assert_eq!(read.summary.as_deref(), Some("<p>Kurz.</p>"));
    assert!(read.content_html().contains("Der Text."));
    assert_eq!(article.content_map.keys().collect::<Vec<_>>(), vec!["de"]);
    assert_eq!(read.html_url(), Some(format!("{}posts/fish", blog.base())));
    assert_eq!(read.author().map(|u| u.to_string()), Some(blog.actor()));
    assert!(read.is_public());
    assert_eq!(article.tag.len(), 1);

    let (_, actor) = get_json(&blog.actor()).await;
    let person: Person = serde_json::from_value(actor.clone()).expect("our Person type");
    let read: ApActor = serde_json::from_value(actor).expect("a readable actor");
    read.check().expect("an actor");
    assert_eq!(
        read.shared_inbox(),
        Some(person.endpoints.shared_inbox.clone())
    );
    assert!(read.key(Some(&person.public_key.id)).is_some());
}
