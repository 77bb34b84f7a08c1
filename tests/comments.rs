//! Comments a blog owner can trust: complete threads (parents fetched, replies backfilled),
//! moderation policies, blocks (also added after the fact), Delete of an actor, Move, mentions,
//! rate limits, and a corpus of XSS payloads that must not reach the page.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    config::CommentPolicy,
    db::entities::{actor, comment, mention},
    federation::backfill,
    services::{moderation, posts, spam_filter},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use support::{Blog, Instance, Peer, page, texts};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn blog(
    name: &str,
    configure: impl FnOnce(&mut feder::config::Config),
) -> (Instance, String) {
    let blog = Blog::new(name).configure(configure).start().await;
    let url = blog.publish_hello_world().await;
    (blog, url)
}

/// A public Note by `author` (a peer user) replying to `in_reply_to`.
fn note(peer: &Peer, author: &str, id: &str, in_reply_to: &str, html: &str) -> Value {
    let actor = format!("{}/users/{author}", peer.base);
    json!({
        "id": format!("{}/notes/{id}", peer.base),
        "type": "Note",
        "attributedTo": actor,
        "inReplyTo": in_reply_to,
        "content": html,
        "published": "2026-11-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [format!("{actor}/followers")],
    })
}

fn create(note: &Value) -> Value {
    json!({
        "id": format!("{}/activity", note["id"].as_str().unwrap_or_default()),
        "type": "Create",
        "actor": note["attributedTo"],
        "to": [PUBLIC],
        "object": note,
    })
}

async fn comment_texts(url: &str) -> Vec<String> {
    let (_, html) = page(url).await;
    texts(&html, "li.comment .e-content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_are_completed_from_their_servers() {
    support::init();
    let (blog, post_url) = blog("threads", |_| {}).await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());

    // Bob answered the post without addressing the blog; Alice answers Bob and is delivered.
    let bob_note = note(&peer, "bob", "b1", &post_url, "<p>Bob was here first</p>");
    peer.serve_note("b1", bob_note.clone());
    let alice_note = note(
        &peer,
        "alice",
        "a1",
        bob_note["id"].as_str().unwrap_or_default(),
        "<p>Alice answers Bob</p>",
    );
    // Carol answered Alice; only Alice's replies collection knows.
    let carol_note = note(
        &peer,
        "carol",
        "c1",
        alice_note["id"].as_str().unwrap_or_default(),
        "<p>Carol joins in</p>",
    );
    peer.serve_note("c1", carol_note.clone());
    let mut alice_served = alice_note.clone();
    alice_served["replies"] = json!({
        "id": format!("{}/notes/a1/replies", peer.base),
        "type": "Collection",
        "first": {"type": "CollectionPage", "items": [carol_note["id"]]},
    });
    peer.serve_note("a1", alice_served);

    assert_eq!(
        peer.as_user("alice")
            .post_signed(&inbox, &create(&alice_note))
            .await,
        202
    );
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(
            &html,
            "section.comments > ol > li.comment > article .e-content"
        ),
        vec!["Bob was here first"]
    );
    assert_eq!(
        texts(&html, "li.comment li.comment .e-content"),
        vec!["Alice answers Bob"]
    );

    let post = posts::find(&blog.data().db, "hello-world")
        .await
        .expect("query")
        .expect("post");
    assert_eq!(
        backfill::refresh(&blog.data(), &post)
            .await
            .expect("refresh"),
        1
    );
    assert_eq!(
        backfill::refresh(&blog.data(), &post)
            .await
            .expect("refresh"),
        0,
        "nothing twice"
    );
    let (_, html) = page(&post_url).await;
    assert_eq!(
        texts(&html, "li.comment li.comment li.comment .e-content"),
        vec!["Carol joins in"]
    );

    // Our replies collection lists the conversation for other servers.
    let (status, replies) = support::get_json(&format!("{post_url}/replies?page=1")).await;
    assert_eq!(status, 200);
    assert_eq!(replies["totalItems"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_time_commenters_wait_for_approval() {
    support::init();
    let (blog, post_url) = blog("firsttime", |c| {
        c.blog.comment_policy = CommentPolicy::FirstTime
    })
    .await;
    let peer = Peer::start().await;
    let alice = peer.as_user("alice");
    let inbox = format!("{}inbox", blog.base());
    let first = note(&peer, "alice", "n1", &post_url, "<p>First!</p>");
    assert_eq!(alice.post_signed(&inbox, &create(&first)).await, 202);
    assert!(
        comment_texts(&post_url).await.is_empty(),
        "a first comment waits"
    );

    let waiting = moderation::queue(&blog.data().db, comment::PENDING, 10)
        .await
        .expect("queue");
    assert_eq!(waiting.len(), 1);
    moderation::set_status(&blog.data().db, waiting[0].id, comment::APPROVED)
        .await
        .expect("approve");
    assert_eq!(comment_texts(&post_url).await, vec!["First!"]);

    let second = note(&peer, "alice", "n2", &post_url, "<p>Second</p>");
    assert_eq!(alice.post_signed(&inbox, &create(&second)).await, 202);
    assert_eq!(
        comment_texts(&post_url).await,
        vec!["First!", "Second"],
        "a known commenter is shown at once"
    );

    let spam = note(
        &peer,
        "alice",
        "n3",
        &post_url,
        &"<a href=\"https://x.example\">x</a>".repeat(12),
    );
    assert_eq!(alice.post_signed(&inbox, &create(&spam)).await, 202);
    assert_eq!(
        comment_texts(&post_url).await.len(),
        2,
        "too many links wait for approval"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_and_closed_policies_show_nothing_by_themselves() {
    support::init();
    for policy in [CommentPolicy::Approval, CommentPolicy::Closed] {
        let (blog, post_url) = blog("policy", |c| c.blog.comment_policy = policy).await;
        let peer = Peer::start().await;
        let reply = note(&peer, "alice", "n1", &post_url, "<p>Hi</p>");
        assert_eq!(
            peer.post_signed(&format!("{}inbox", blog.base()), &create(&reply))
                .await,
            202
        );
        assert!(comment_texts(&post_url).await.is_empty());
        assert_eq!(
            comment::Entity::find()
                .count(&blog.data().db)
                .await
                .expect("count"),
            1,
            "stored"
        );
    }
}

/// The moderation status of the comment stored for `ap_id` (a remote note's id).
async fn status_of(blog: &Instance, ap_id: &Value) -> String {
    comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id.as_str().unwrap_or_default()))
        .one(&blog.data().db)
        .await
        .expect("query")
        .expect("stored")
        .status
}

/// The moderation status of the web comment `author` wrote.
async fn web_status_of(blog: &Instance, author: &str) -> String {
    comment::Entity::find()
        .filter(comment::Column::AuthorName.eq(author))
        .one(&blog.data().db)
        .await
        .expect("query")
        .expect("stored")
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_link_rule_for_fediverse_and_web_comments() {
    support::init();
    let (blog, post_url) = blog("links", |c| {
        c.limits.max_links_per_comment = 2;
        c.limits.max_links_per_web_comment = 2;
        c.limits.web_comment_min_seconds = 2;
    })
    .await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());

    // Three real links, and the words the old rule subtracted from the count: it waits.
    let linked = note(
        &peer,
        "alice",
        "n1",
        &post_url,
        r#"<p>A mention, a hashtag, a mention: <a href="https://a.example/">a</a> <a href="https://b.example/">b</a> <a href="https://c.example/">c</a></p>"#,
    );
    assert_eq!(
        peer.as_user("alice")
            .post_signed(&inbox, &create(&linked))
            .await,
        202
    );
    assert_eq!(status_of(&blog, &linked["id"]).await, comment::PENDING);

    // A mention and two hashtags, marked up as Mastodon does: no links, shown at once.
    let tagged = note(
        &peer,
        "bob",
        "n2",
        &post_url,
        &format!(
            r#"<p><span class="h-card"><a href="{0}/users/alice" class="u-url mention">@<span>alice</span></a></span> <a href="{0}/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a> <a href="{0}/tags/blogs" class="mention hashtag" rel="tag">#<span>blogs</span></a> agreed</p>"#,
            peer.base
        ),
    );
    assert_eq!(
        peer.as_user("bob")
            .post_signed(&inbox, &create(&tagged))
            .await,
        202
    );
    assert_eq!(status_of(&blog, &tagged["id"]).await, comment::APPROVED);

    // The same rule for the web form: three Markdown links wait, names and tags do not.
    let links = "[a](https://a.example) [b](https://b.example) [c](https://c.example)";
    support::web_comment(&post_url, &[("author", "Linker"), ("text", links)], false).await;
    assert_eq!(web_status_of(&blog, "Linker").await, comment::PENDING);
    let tags = "@alice #rust #blogs: a mention, a hashtag, a mention";
    support::web_comment(&post_url, &[("author", "Tagger"), ("text", tags)], false).await;
    assert_eq!(web_status_of(&blog, "Tagger").await, comment::APPROVED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spam_filter_judges_fediverse_replies_too() {
    support::init();
    let (blog, post_url) = blog("fedispam", |_| {}).await;
    let db = &blog.data().db;
    let spam = "Cheap pills casino bonus https://pills.example";
    spam_filter::learn(db, spam, true, false)
        .await
        .expect("learn");
    let ham = "Thanks for this thoughtful post about blogs";
    spam_filter::learn(db, ham, false, false)
        .await
        .expect("learn");
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());

    let pills = note(
        &peer,
        "alice",
        "n1",
        &post_url,
        "<p>Cheap casino bonus pills, today only</p>",
    );
    assert_eq!(
        peer.as_user("alice")
            .post_signed(&inbox, &create(&pills))
            .await,
        202
    );
    let thanks = note(
        &peer,
        "bob",
        "n2",
        &post_url,
        "<p>Thanks, a thoughtful post</p>",
    );
    assert_eq!(
        peer.as_user("bob")
            .post_signed(&inbox, &create(&thanks))
            .await,
        202
    );
    assert_eq!(status_of(&blog, &pills["id"]).await, comment::SPAM);
    assert_eq!(status_of(&blog, &thanks["id"]).await, comment::APPROVED);
    assert_eq!(
        comment_texts(&post_url).await,
        vec!["Thanks, a thoughtful post"]
    );
}

/// A reply under a blocked author's reply Feder never received is in no thread: neither the
/// blocked one (fetched to place it) nor the answer to it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_under_a_blocked_authors_reply_is_in_no_thread() {
    support::init();
    let (blog, post_url) = blog("blockedparent", |_| {}).await;
    let peer = Peer::start().await;
    let bob = format!("{}/users/bob", peer.base);
    moderation::add_block(&blog.data(), &bob)
        .await
        .expect("block");
    let bob_note = note(&peer, "bob", "b1", &post_url, "<p>Blocked Bob</p>");
    peer.serve_note("b1", bob_note.clone());
    let alice_note = note(
        &peer,
        "alice",
        "a1",
        bob_note["id"].as_str().unwrap_or_default(),
        "<p>Alice answers Bob</p>",
    );
    assert_eq!(
        peer.as_user("alice")
            .post_signed(&format!("{}inbox", blog.base()), &create(&alice_note))
            .await,
        202
    );
    assert_eq!(
        comment::Entity::find()
            .count(&blog.data().db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_drop_activities_and_hide_earlier_comments() {
    support::init();
    let (blog, post_url) = blog("blocks", |_| {}).await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    let reply = note(&peer, "alice", "n1", &post_url, "<p>Before the block</p>");
    assert_eq!(peer.post_signed(&inbox, &create(&reply)).await, 202);
    assert_eq!(comment_texts(&post_url).await, vec!["Before the block"]);

    // A block added afterwards hides what is there.
    let domain = peer
        .base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string();
    moderation::import_domain_blocks(
        &blog.data(),
        &format!("#domain,#severity\n{domain},suspend\nok.example,noop\n"),
    )
    .await
    .expect("import");
    assert!(comment_texts(&post_url).await.is_empty());
    assert_eq!(
        moderation::list_blocks(&blog.data().db)
            .await
            .expect("list")
            .len(),
        1,
        "noop rows are skipped"
    );

    // New activities are dropped with 202, even unsigned ones (nothing is fetched or verified).
    let later = note(&peer, "alice", "n2", &post_url, "<p>After the block</p>");
    assert_eq!(peer.post_signed(&inbox, &create(&later)).await, 202);
    let body = serde_json::to_vec(&create(&later)).expect("json");
    assert_eq!(
        peer.post_raw(
            &inbox,
            vec![("Content-Type".into(), "application/activity+json".into())],
            body
        )
        .await,
        202
    );
    assert_eq!(
        comment::Entity::find()
            .count(&blog.data().db)
            .await
            .expect("count"),
        1
    );

    // Unblocking shows the old comment again.
    moderation::remove_block(&blog.data(), &domain)
        .await
        .expect("unblock");
    assert_eq!(comment_texts(&post_url).await, vec!["Before the block"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_of_an_actor_removes_its_comments_and_move_relinks_it() {
    support::init();
    let (blog, post_url) = blog("actors", |_| {}).await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    for (user, id) in [("alice", "a"), ("bob", "b")] {
        let reply = note(&peer, user, id, &post_url, &format!("<p>by {user}</p>"));
        assert_eq!(
            peer.as_user(user)
                .post_signed(&inbox, &create(&reply))
                .await,
            202
        );
    }
    assert_eq!(comment_texts(&post_url).await, vec!["by alice", "by bob"]);

    // Bob moves to bob2, which names him in alsoKnownAs.
    let (bob, bob2) = (
        format!("{}/users/bob", peer.base),
        format!("{}/users/bob2", peer.base),
    );
    peer.set_actor_extra("bob2", json!({"alsoKnownAs": [bob]}));
    let moved = json!({"id": format!("{bob}#moves/1"), "type": "Move", "actor": bob, "object": bob, "target": bob2});
    assert_eq!(peer.as_user("bob").post_signed(&inbox, &moved).await, 202);
    let stored = actor::Entity::find()
        .filter(actor::Column::ApId.eq(bob.as_str()))
        .one(&blog.data().db)
        .await
        .expect("query")
        .expect("bob");
    assert_eq!(stored.moved_to.as_deref(), Some(bob2.as_str()));
    let (_, html) = page(&post_url).await;
    let selector = scraper::Selector::parse("li.comment a.p-author").expect("selector");
    let links: Vec<String> = html
        .select(&selector)
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(links.contains(&bob2), "{links:?}");

    // A Move to an account that does not name the old one is refused.
    let alice = format!("{}/users/alice", peer.base);
    let bad = json!({"id": format!("{alice}#moves/1"), "type": "Move", "actor": alice, "object": alice, "target": format!("{}/users/stranger", peer.base)});
    assert_eq!(peer.as_user("alice").post_signed(&inbox, &bad).await, 401);

    let delete = json!({"id": format!("{alice}#delete"), "type": "Delete", "actor": alice, "object": alice, "to": [PUBLIC]});
    assert_eq!(
        peer.as_user("alice").post_signed(&inbox, &delete).await,
        202
    );
    assert_eq!(comment_texts(&post_url).await, vec!["by bob"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_are_kept_for_the_owner_and_not_shown() {
    support::init();
    let (blog, post_url) = blog("mentions", |_| {}).await;
    let peer = Peer::start().await;
    let mut mention = note(&peer, "alice", "m1", "", "<p>Hey @blog, look at this</p>");
    mention.as_object_mut().map(|m| m.remove("inReplyTo"));
    mention["tag"] =
        json!({"type": "Mention", "href": blog.actor(), "name": format!("@{}", blog.handle())});
    assert_eq!(
        peer.post_signed(&format!("{}inbox", blog.base()), &create(&mention))
            .await,
        202
    );
    assert!(comment_texts(&post_url).await.is_empty());
    let kept = mention::Entity::find()
        .all(&blog.data().db)
        .await
        .expect("mentions");
    assert_eq!(kept.len(), 1);
    assert!(kept[0].content_html.contains("look at this"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429_with_retry_after() {
    support::init();
    let (blog, post_url) = blog("limits", |c| c.limits.per_actor_per_minute = 3).await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    for i in 0..3 {
        let reply = note(&peer, "alice", &format!("r{i}"), &post_url, "<p>hi</p>");
        assert_eq!(peer.post_signed(&inbox, &create(&reply)).await, 202);
    }
    let reply = note(&peer, "alice", "r3", &post_url, "<p>one too many</p>");
    let body = serde_json::to_vec(&create(&reply)).expect("json");
    let headers = peer.sign(&inbox, &body, std::time::SystemTime::now().into());
    let mut request = support::client().post(&inbox).body(body);
    for (name, value) in headers.into_iter().filter(|(n, _)| n != "Host") {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("post");
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=20).contains(&retry));
    assert_eq!(
        comment::Entity::find()
            .count(&blog.data().db)
            .await
            .expect("count"),
        3
    );
}

/// What attackers send in comments; none of it may become active content on the page.
const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1></svg>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">data</a>",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "<p style=\"background:url(javascript:alert(1))\">css</p>",
    "<style>body{background:red}</style>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<form action=\"https://evil.example\"><input name=p></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<p onclick=\"alert(1)\">click</p>",
    "<span class=\"h-card\" onmouseover=\"alert(1)\">x</span>",
    "\"><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    "<a href=\"https://ok.example\" target=\"_top\" rel=\"opener\">ok</a>",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xss_corpus_does_not_reach_the_page() {
    support::init();
    let (blog, post_url) = blog("xss", |c| c.limits.per_actor_per_minute = 1000).await;
    let peer = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    for (i, payload) in XSS.iter().enumerate() {
        let reply = note(
            &peer,
            "alice",
            &format!("x{i}"),
            &post_url,
            &format!("<p>{payload}</p>"),
        );
        assert_eq!(
            peer.post_signed(&inbox, &create(&reply)).await,
            202,
            "{payload}"
        );
    }
    let (status, html) = page(&post_url).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&html, "li.comment").len(), XSS.len());
    // Everything inside comment bodies (the avatar <img> of the template is ours).
    let all = scraper::Selector::parse("li.comment .e-content, li.comment .e-content *")
        .expect("selector");
    for element in html.select(&all) {
        let el = element.value();
        assert!(
            ![
                "script", "style", "iframe", "object", "embed", "form", "input", "svg", "math",
                "img", "base", "meta", "link"
            ]
            .contains(&el.name()),
            "<{}> survived",
            el.name()
        );
        for (name, value) in el.attrs() {
            assert!(
                !name.starts_with("on"),
                "{name} survived on <{}>",
                el.name()
            );
            assert!(name != "style" && name != "target", "{name} survived");
            let lower = value.to_ascii_lowercase();
            if name == "href" {
                assert!(
                    lower.starts_with("http://") || lower.starts_with("https://"),
                    "href {value} survived"
                );
                assert_eq!(el.attr("rel"), Some("nofollow noopener ugc"));
            }
        }
    }
}
