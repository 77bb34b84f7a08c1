//! The wire formats against payloads shaped as seven other servers send them (Mastodon,
//! GoToSocial, Misskey, Akkoma, Pleroma, WordPress with the ActivityPub plugin, Ghost; see
//! tests/fixtures/README.md): their actors and replies read by our lenient types, each server's
//! reply delivered signed to a real Feder server and shown under the post; and what Feder sends
//! round-trips through its own typed structs with every field those servers read.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    federation::protocol::{Activity, ActivityKind, ApActor, ApObject, Article, Person},
    services::{comments, local_actor::LocalActor, posts},
};
use serde_json::Value;
use support::{Blog, Peer, get_json, page, texts};

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
    support::init();
    let blog = Blog::new("wire").start().await;
    blog.publish_hello_world().await;
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
    support::init();
    let blog = Blog::new("sent").start().await;
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
    let read: ApObject = serde_json::from_value(doc.clone()).expect("a readable object");
    assert_eq!(read.title().as_deref(), Some("Fish &amp; Chips &lt;3"));
    assert_eq!(
        article.summary_map.as_ref().map(|m| m["de"].as_str()),
        Some("<p>Kurz.</p>")
    );
    // No plain `name` or `summary`: GoToSocial and Misskey would make either a content warning
    // (docs/federation.md). Those servers show `content`, which begins with the linked title.
    assert!(read.name.is_none() && read.summary.is_none(), "{doc:#}");
    let content = read.content_html();
    assert!(
        content.starts_with(&format!(
            "<p><strong><a href=\"{}posts/fish\">Fish &amp; Chips &lt;3</a></strong></p><p>Kurz.</p>",
            blog.base()
        )),
        "{content}"
    );
    assert!(content.contains("Der Text."));
    // Replies, likes and boosts from everyone; quotes by anyone (the default quote policy),
    // in GoToSocial's terms, which Mastodon 4.5 reads for `canQuote`.
    let policy = &doc["interactionPolicy"];
    assert_eq!(
        policy["canReply"]["automaticApproval"],
        serde_json::json!([feder::federation::PUBLIC])
    );
    assert_eq!(
        policy["canQuote"]["automaticApproval"],
        serde_json::json!([feder::federation::PUBLIC])
    );
    assert!(doc["@context"].to_string().contains("gts:canQuote"));
    // A new post is not "edited": no `updated`.
    assert!(doc.get("updated").is_none(), "{doc:#}");
    assert_eq!(article.content_map.keys().collect::<Vec<_>>(), vec!["de"]);
    assert_eq!(read.html_url(), Some(format!("{}posts/fish", blog.base())));
    assert_eq!(read.author().map(|u| u.to_string()), Some(blog.actor()));
    assert!(read.is_public());
    assert_eq!(article.tag.len(), 1);

    // After a real edit, `updated` is there and later than `published`.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let edited = posts::parse_markdown_file(
        "---\ntitle: Fish & Chips <3\nslug: fish\nlang: de\ntags: [essen]\nsummary: Kurz.\n---\nDer neue Text.\n",
    )
    .expect("markdown");
    posts::publish(&blog.data(), edited).await.expect("edit");
    let (_, doc) = get_json(&format!("{}posts/fish", blog.base())).await;
    let article: Article = serde_json::from_value(doc).expect("our Article type");
    assert!(
        article.updated.is_some_and(|u| u > article.published),
        "{article:?}"
    );

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

/// What GoToSocial and Mastodon need to backfill a thread from Feder: the Article's `replies`
/// with an embedded first page of ids; the blog's own notes with their language, `replies` and
/// the post's `context`; and the `context` served as the whole conversation (FEP-7888).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_are_backfillable_from_the_post_and_its_notes() {
    support::init();
    let blog = Blog::new("threads").start().await;
    let input = posts::parse_markdown_file(
        "---\ntitle: Hello world\nslug: hello-world\nlang: de\n---\nFirst paragraph.\n",
    )
    .expect("markdown");
    posts::publish(&blog.data(), input).await.expect("publish");
    let post_url = format!("{}posts/hello-world", blog.base());
    let peer = Peer::start().await;
    let reply = peer.fixture("create-note-reply.json", &blog, "hello-world");
    let comment_id = reply["object"]["id"].as_str().expect("id").to_string();
    let sender = peer.as_user(
        reply["actor"]
            .as_str()
            .and_then(|a| a.rsplit('/').next())
            .expect("name"),
    );
    assert_eq!(
        sender
            .post_signed(&format!("{}inbox", blog.base()), &reply)
            .await,
        202
    );
    let comment = url::Url::parse(&comment_id).expect("url");
    let own = comments::reply(&blog.data(), &comment, None, &LocalActor::Blog, "Danke!")
        .await
        .expect("the owner answers");

    let (_, article) = get_json(&post_url).await;
    let context = format!("{post_url}/context");
    assert_eq!(article["context"], context.as_str());
    let replies = &article["replies"];
    assert_eq!(replies["id"], format!("{post_url}/replies").as_str());
    assert_eq!(replies["totalItems"], 2);
    assert_eq!(replies["first"]["type"], "OrderedCollectionPage");
    assert_eq!(
        replies["first"]["orderedItems"],
        serde_json::json!([comment_id, own.ap_id]),
        "{article:#}"
    );
    assert!(replies["first"].get("next").is_none());

    // The owner's note, at its URL: language, conversation, and its own replies.
    let (status, note) = get_json(&own.ap_id).await;
    assert_eq!(status, 200);
    assert!(
        note["contentMap"]["de"]
            .as_str()
            .is_some_and(|c| c.contains("Danke!")),
        "{note:#}"
    );
    assert_eq!(note["context"], context.as_str());
    assert_eq!(
        note["replies"]["id"],
        format!("{}/replies", own.ap_id).as_str()
    );
    assert_eq!(note["replies"]["totalItems"], 0);
    assert_eq!(
        note["replies"]["first"]["orderedItems"],
        serde_json::json!([])
    );
    let (status, served) = get_json(&format!("{}/replies", own.ap_id)).await;
    assert_eq!((status, &served["totalItems"]), (200, &Value::from(0)));

    // The conversation: the post first, then every comment, oldest first.
    let (status, conversation) = get_json(&context).await;
    assert_eq!(status, 200);
    assert_eq!(conversation["id"], context.as_str());
    assert_eq!(conversation["attributedTo"], blog.actor().as_str());
    assert_eq!(conversation["totalItems"], 3);
    assert_eq!(
        conversation["first"]["orderedItems"],
        serde_json::json!([post_url, comment_id, own.ap_id])
    );
    let (_, page) = get_json(&format!("{context}?page=1")).await;
    assert_eq!(page["orderedItems"], conversation["first"]["orderedItems"]);
    let (_, page) = get_json(&format!("{post_url}/replies?page=1")).await;
    assert_eq!(page["orderedItems"], replies["first"]["orderedItems"]);
}
