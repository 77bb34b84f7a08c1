//! The comment queue in /admin over real HTTP, with a fediverse reply from a Mastodon-like peer
//! and a comment written in the post page's form: tabs with counts that open on the comments
//! that wait, each comment with its post and its author (the peer's name, avatar, handle and
//! server; the web writer's e-mail and website, their name linking nowhere else), the blog's
//! answer shown under its comment and never as a comment to block, and bulk approval.
// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use feder::config::CommentPolicy;
use support::{Blog, Peer, attr, csrf_of, logged_in, publish, reply, texts};

/// The text of every element `selector` finds inside the queue entry of comment `id`.
fn in_entry(html: &scraper::Html, id: i32, selector: &str) -> Vec<String> {
    texts(html, &format!("li#comment-{id} {selector}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_shows_post_and_author_and_never_the_blogs_answer() {
    let blog = Blog::new("queue_authors")
        .configure(|c| {
            c.blog.comment_policy = CommentPolicy::Approval;
            // The form helper waits 2.1 s, as a person would at least.
            c.limits.web_comment_min_seconds = 2;
        })
        .start()
        .await;
    let peer = Peer::start().await;
    publish(
        &blog,
        "---\ntitle: Seeds\nslug: seeds\n---\nSown in spring.\n",
    )
    .await;
    let post_url = format!("{}posts/seeds", blog.base());
    reply(&peer, &blog, &post_url, 1, "When do they sprout?").await;
    support::web_comment(
        &post_url,
        &[
            ("author", "Wendy Web"),
            ("email", "wendy@mail.example"),
            ("website", "https://wendy.example/"),
            ("text", "Mine never came up."),
        ],
        false,
    )
    .await;
    let stored = feder::services::moderation::queue(&blog.data().db, "pending", 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "both wait");
    let web = stored.iter().find(|c| c.kind == "web").unwrap().id;
    let fedi = stored.iter().find(|c| c.kind != "web").unwrap().id;

    let mut browser = logged_in(&blog, "jane").await;
    let queue = browser.get("/admin/comments").await;
    assert_eq!(queue.status, 200, "{}", queue.text);
    let html = queue.html();
    assert_eq!(
        texts(&html, "nav.tabs a[aria-current=page]"),
        vec!["Waiting (2)"],
        "opens on what waits, with its count"
    );
    assert_eq!(texts(&html, "nav.tabs a").len(), 4);
    for id in [web, fedi] {
        assert_eq!(in_entry(&html, id, ".on-post a"), vec!["Seeds"]);
        assert_eq!(
            attr(&html, &format!("li#comment-{id} .on-post a"), "href"),
            post_url
        );
    }
    // The fediverse author: name, avatar, handle and server.
    let host = url::Url::parse(&peer.base).unwrap();
    let host = format!("{}:{}", host.host_str().unwrap(), host.port().unwrap());
    assert_eq!(in_entry(&html, fedi, ".name"), vec!["Alice Example"]);
    assert_eq!(
        in_entry(&html, fedi, ".handle"),
        vec![format!("@alice@{host}")]
    );
    assert_eq!(in_entry(&html, fedi, ".server"), vec![host.clone()]);
    assert_eq!(
        attr(&html, &format!("li#comment-{fedi} img.avatar"), "src"),
        format!("{}/avatar.png", peer.base)
    );
    assert_eq!(in_entry(&html, fedi, "button.block-author").len(), 1);
    assert_eq!(in_entry(&html, fedi, "button.block-server").len(), 1);
    // The web writer: name (linking to their website, never to an urn:), e-mail and website,
    // and nothing to block.
    assert_eq!(in_entry(&html, web, ".name"), vec!["Wendy Web"]);
    assert_eq!(
        attr(&html, &format!("li#comment-{web} .name a"), "href"),
        "https://wendy.example/"
    );
    assert_eq!(
        attr(&html, &format!("li#comment-{web} a.email"), "href"),
        "mailto:wendy@mail.example"
    );
    assert_eq!(
        in_entry(&html, web, "a.website"),
        vec!["https://wendy.example/"]
    );
    assert!(!queue.text.contains("urn:feder:web"), "{}", queue.text);
    assert!(in_entry(&html, web, "button.danger[class*=block]").is_empty());

    // The blog answers the peer (which approves it): the answer is shown under it, and never
    // as a comment of its own with buttons that would block the blog or its server.
    let csrf = csrf_of(&queue.text);
    let answered = browser
        .post_form(
            &format!("/admin/comments/{fedi}/reply"),
            &[("csrf", &csrf), ("text", "In about ten days.")],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.text);
    let shown = browser.get("/admin/comments?status=approved").await;
    let html = shown.html();
    assert_eq!(
        texts(&html, "li.comment").len(),
        1,
        "only the peer's comment"
    );
    let answers = in_entry(&html, fedi, "li.answer .content");
    assert_eq!(answers, vec!["In about ten days."]);
    let own_host = blog.base().trim_end_matches('/').replace("http://", "");
    let targets: Vec<String> = {
        let selector = scraper::Selector::parse("li.comment input[name=target]").unwrap();
        html.select(&selector)
            .map(|e| e.value().attr("value").unwrap().to_string())
            .collect()
    };
    assert!(
        targets
            .iter()
            .all(|t| !t.contains(&own_host) && !t.starts_with(&blog.base())),
        "{targets:?}"
    );
    let tabs = texts(&html, "nav.tabs a");
    assert!(tabs.contains(&"Waiting (1)".to_string()), "{tabs:?}");
    assert!(tabs.contains(&"Shown (1)".to_string()), "{tabs:?}");

    // Bulk: the web comment approved from the list; the queue then opens on the shown ones.
    let bulk = browser
        .post_form(
            "/admin/bulk/comments",
            &[
                ("csrf", &csrf),
                ("action", "approve"),
                ("id", &web.to_string()),
                ("back", "/admin/comments?status=pending"),
            ],
        )
        .await;
    assert_eq!(
        bulk.location().as_deref(),
        Some("/admin/comments?status=pending")
    );
    let queue = browser.get("/admin/comments").await;
    let html = queue.html();
    assert_eq!(
        texts(&html, "nav.tabs a[aria-current=page]"),
        vec!["Shown (2)"]
    );
    assert_eq!(texts(&html, "li.comment").len(), 2);
    let (_, page) = support::page(&post_url).await;
    assert!(page.html().contains("Mine never came up."));
}
