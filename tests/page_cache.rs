//! The page cache under activity: a like, a new comment, a settings change and an edit each
//! show at once on the pages that show them, and leave the other cached pages alone. Every
//! cached answer says in `X-Cache` whether this request rendered the page and why (`miss`,
//! `changed`, `expired`) or not (`hit`, `stale`); a page made stale by a change that is not
//! its own says `changed`.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::services::{pages, posts};
use support::{
    Blog, Instance, Peer, csrf_of, eventually, get_raw, header, like, logged_in, publish, reply,
    texts,
};

/// What the readers' pages of the test blog are, by a short name.
const PAGES: &[(&str, &str)] = &[
    ("home", ""),
    ("first", "posts/first"),
    ("middle", "posts/middle"),
    ("last", "posts/last"),
    ("travel post", "posts/away"),
    ("archive", "archive"),
    ("archive 2026", "archive/2026"),
    ("garden tag", "tags/garden"),
    ("travel tag", "tags/travel"),
    ("atom feed", "feed.atom"),
    ("comments feed", "comments/feed.atom"),
    ("about page", "pages/about"),
];

/// Four posts: three in the garden (neighbours: first, middle, last), one away, and a page.
async fn blog() -> Instance {
    let blog = Blog::new("page_cache")
        .configure(|config| config.blog.posts_per_page = 10)
        .start()
        .await;
    for (slug, date, tag) in [
        ("away", "2025-06-01", "travel"),
        ("first", "2026-01-10", "garden"),
        ("middle", "2026-02-10", "garden"),
        ("last", "2026-03-10", "garden"),
    ] {
        publish(
            &blog,
            &format!("---\ntitle: Post {slug}\nslug: {slug}\npublished: {date}\ntags: [{tag}]\n---\nAbout {slug}.\n"),
        )
        .await;
    }
    let data = blog.data();
    pages::save(
        &data.db,
        &data.urls,
        pages::PageInput {
            slug: Some("about".into()),
            title: "About".into(),
            body_markdown: "Who writes here.".into(),
            lang: "en".into(),
            published: true,
            ..Default::default()
        },
    )
    .await
    .expect("static page");
    blog
}

/// The page at `path` as HTML, and how the cache answered.
async fn read(blog: &Instance, path: &str) -> (String, scraper::Html) {
    // A page changed just after it was rendered is served as it was for a moment (`stale`);
    // no one else reads here, so that is all `stale` means: read again until it is over.
    eventually(&format!("{path} not stale"), 5, || async {
        let (how, page) = read_once(blog, path).await;
        (how != "stale").then_some((how, page))
    })
    .await
}

async fn read_once(blog: &Instance, path: &str) -> (String, scraper::Html) {
    let url = format!("{}{path}", blog.base());
    let (status, headers, body) = get_raw(&url, &[("Accept", "text/html")]).await;
    assert_eq!(status, 200, "{url}");
    let how = header(&headers, "x-cache").to_string();
    assert!(!how.is_empty(), "{url} answered without X-Cache");
    let text = String::from_utf8(body).expect("UTF-8");
    (how, scraper::Html::parse_document(&text))
}

/// Waits until post `slug` has `likes` likes and `comments` comments stored (the inbox may
/// answer before it stored them).
async fn until_stored(blog: &Instance, slug: &str, likes: u64, comments: u64) {
    let db = &blog.data().db;
    let post = posts::find(db, slug).await.expect("find").expect("post");
    eventually("the like or reply is stored", 10, || async {
        let counts = posts::counts(db, post.id).await.expect("counts");
        (counts.likes == likes && counts.comments == comments).then_some(())
    })
    .await;
}

/// Reads every page, so that each is cached.
async fn read_all(blog: &Instance) {
    for (_, path) in PAGES {
        read(blog, path).await;
    }
}

/// The pages that `changed` made stale: those whose next request renders them because of a
/// change (`X-Cache: changed`). Pages that merely aged (`expired`) are not counted: another
/// process's change could have made them stale.
async fn rendered_again(blog: &Instance) -> Vec<&'static str> {
    let mut changed = vec![];
    for (name, path) in PAGES {
        if read(blog, path).await.0 == "changed" {
            changed.push(*name);
        }
    }
    changed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_show_at_once_and_only_where_shown() {
    let blog = blog().await;
    let peer = Peer::start().await;
    let last_url = format!("{}posts/last", blog.base());
    // Alice answered before: her account is known, and a known account's like or reply does
    // not touch the names every thread shows.
    reply(
        &peer,
        &blog,
        &format!("{}posts/away", blog.base()),
        1,
        "Hello.",
    )
    .await;
    until_stored(&blog, "away", 0, 1).await;
    read_all(&blog).await;
    assert_eq!(
        rendered_again(&blog).await,
        Vec::<&str>::new(),
        "nothing changed, nothing is rendered again"
    );

    // A like: the liked post's page counts it at once; no other page is rendered again.
    like(&peer, &blog, &last_url).await;
    until_stored(&blog, "last", 1, 0).await;
    let (how, page) = read(&blog, "posts/last").await;
    assert_eq!(texts(&page, ".reactions .likes"), vec!["1 like"]);
    assert_eq!(how, "changed");
    assert_eq!(
        rendered_again(&blog).await,
        Vec::<&str>::new(),
        "after a like"
    );

    // A reply: its post and the comments feed.
    read_all(&blog).await;
    reply(&peer, &blog, &last_url, 2, "Lovely garden.").await;
    until_stored(&blog, "last", 1, 1).await;
    let (_, page) = read(&blog, "posts/last").await;
    assert_eq!(
        texts(&page, "section.comments li.comment .e-content"),
        vec!["Lovely garden."]
    );
    let (_, _, feed) = get_raw(&format!("{}comments/feed.atom", blog.base()), &[]).await;
    assert!(String::from_utf8_lossy(&feed).contains("Lovely garden."));

    // A like right after the page was rendered for the reply shows at the very next request:
    // only a run of likes is held back for a moment, not the first one after a comment.
    let bo = Peer::start().await;
    like(&bo, &blog, &last_url).await;
    until_stored(&blog, "last", 2, 1).await;
    let (how, page) = read_once(&blog, "posts/last").await;
    assert_eq!(
        (how.as_str(), texts(&page, ".reactions .likes")),
        ("changed", vec!["2 likes".to_string()])
    );
    read_all(&blog).await;

    // An edit of the last post's words: the pages that show its title (its own, its
    // neighbour's, the lists and the feed), not the other posts, the archive's counts, the
    // other tag or the static page.
    publish(
        &blog,
        "---\ntitle: The last post, edited\nslug: last\npublished: 2026-03-10\ntags: [garden]\n---\nAbout last.\n",
    )
    .await;
    let (_, home) = read(&blog, "").await;
    assert!(texts(&home, ".entry h2").contains(&"The last post, edited".to_string()));
    let (_, middle) = read(&blog, "posts/middle").await;
    assert!(middle.html().contains("The last post, edited"));
    let mut changed = rendered_again(&blog).await;
    changed.sort_unstable();
    assert_eq!(
        changed,
        ["atom feed", "comments feed", "garden tag", "last"],
        "after an edit"
    );

    // A settings change: every page shows the title.
    read_all(&blog).await;
    let mut browser = logged_in(&blog, "owner").await;
    let csrf = csrf_of(&browser.get("/admin/settings").await.text);
    let answer = browser
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("title", "The Renamed Garden"),
                ("description", ""),
                ("icon_url", ""),
                ("header_image_url", ""),
                ("lang", "en"),
                ("time_zone", "UTC"),
                ("comment_policy", "open"),
                ("quote_policy", "anyone"),
                ("fediverse_handle", ""),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    for (name, path) in PAGES.iter().filter(|(_, p)| !p.ends_with(".atom")) {
        let (how, page) = read(&blog, path).await;
        assert_eq!(how, "changed", "{name}");
        assert!(
            texts(&page, "title")[0].contains("The Renamed Garden"),
            "{name}"
        );
    }
}

/// Many readers of a page that just changed: one of them renders it, the others get the
/// previous copy or wait for the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_render_at_a_time() {
    let blog = blog().await;
    let peer = Peer::start().await;
    let last_url = format!("{}posts/last", blog.base());
    read(&blog, "posts/last").await;
    like(&peer, &blog, &last_url).await;
    until_stored(&blog, "last", 1, 0).await;
    // Rounds of 32 readers at once, until the like shows (the first rounds may come within
    // the moment a page just rendered is served as it is).
    let mut answers = vec![];
    while !answers.iter().any(|(_, likes)| likes == &["1 like"]) {
        answers.extend(readers_at_once(&last_url, 32).await);
    }
    let renders: Vec<_> = answers.iter().filter(|(how, _)| how == "changed").collect();
    assert_eq!(renders.len(), 1, "{answers:?}");
    assert_eq!(renders[0].1, ["1 like"]);
    for (how, likes) in &answers {
        match how.as_str() {
            // The copy before the like, or (if it aged meanwhile) the one after.
            "stale" => assert!(likes == &["0 likes"] || likes == &["1 like"], "{likes:?}"),
            "hit" | "changed" | "expired" => assert_eq!(likes, &["1 like"]),
            other => panic!("X-Cache: {other}"),
        }
    }
}

/// `count` readers of `url` at once: how each was answered, and the likes each saw.
async fn readers_at_once(url: &str, count: usize) -> Vec<(String, Vec<String>)> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(count));
    let readers: Vec<_> = (0..count)
        .map(|_| {
            let (url, start) = (url.to_string(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let (_, headers, body) = get_raw(&url, &[("Accept", "text/html")]).await;
                let page = scraper::Html::parse_document(&String::from_utf8_lossy(&body));
                (
                    header(&headers, "x-cache").to_string(),
                    texts(&page, ".reactions .likes"),
                )
            })
        })
        .collect();
    let mut answers = vec![];
    for reader in readers {
        answers.push(reader.await.expect("reader"));
    }
    answers
}
