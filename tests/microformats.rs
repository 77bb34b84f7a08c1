//! Microformats and feed links as IndieWeb readers and feed readers use them: a post's
//! `h-entry` has its `u-url`, `p-summary`, categories without `#`, its comments (fediverse and
//! web) as `p-comment h-cite` inside it and an author `h-card` with a photo; the home page's
//! `h-feed` has a name and an author. Read by a small mf2 property walk over the parsed HTML
//! (a property belongs to the nearest `h-*` root above it, as the mf2 parsing rules say).
//! And every link to the blog in its Atom, RSS, JSON and comments feeds answers a page.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::{
    config::CommentPolicy,
    services::web_comments::{self, NewComment, Rules},
};
use scraper::{ElementRef, Html, Selector};
use support::{Blog, Peer, page, parse_xml, publish, reply};

/// Whether `e` is a microformats root (`h-entry`, `h-card`, …).
fn is_root(e: &ElementRef) -> bool {
    e.value().classes().any(|c| c.starts_with("h-"))
}

/// The properties of `root`: every `p-`/`u-`/`dt-`/`e-` class of an element whose nearest
/// root above it is `root`, with that element.
fn properties<'a>(root: ElementRef<'a>) -> Vec<(String, ElementRef<'a>)> {
    let mut found = Vec::new();
    for node in root.descendants().skip(1) {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let owner = element
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(is_root)
            .expect("inside the root");
        if owner.id() != root.id() {
            continue;
        }
        for class in element.value().classes() {
            if ["p-", "u-", "dt-", "e-"]
                .iter()
                .any(|prefix| class.starts_with(prefix))
            {
                found.push((class.to_string(), element));
            }
        }
    }
    found
}

/// The elements of property `name` of `root`.
fn property<'a>(root: ElementRef<'a>, name: &str) -> Vec<ElementRef<'a>> {
    properties(root)
        .into_iter()
        .filter(|(class, _)| class == name)
        .map(|(_, e)| e)
        .collect()
}

/// A property's value as mf2 reads it: a `u-` from href/src/value, a `p-` from a `data`
/// value, else the element's text.
fn value(e: &ElementRef) -> String {
    let v = e.value();
    v.attr("href")
        .or_else(|| v.attr("src"))
        .or_else(|| v.attr("value"))
        .map(str::to_string)
        .unwrap_or_else(|| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
}

fn values(root: ElementRef, name: &str) -> Vec<String> {
    property(root, name).iter().map(value).collect()
}

fn only<'a>(html: &'a Html, css: &str) -> ElementRef<'a> {
    let found: Vec<_> = html.select(&Selector::parse(css).unwrap()).collect();
    assert_eq!(found.len(), 1, "one {css}");
    found[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_feeds_and_their_links() {
    let blog = Blog::new("microformats").start().await;
    let peer = Peer::start().await;
    let post = publish(
        &blog,
        "---\ntitle: Banken und Zinsen\ntags: [banken, zinsen]\n\
         summary: Warum die Zinsen steigen.\n---\nDer erste Absatz.\n",
    )
    .await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    reply(&peer, &blog, &post_url, 1, "Aus dem Fediverse").await;
    let rules = Rules {
        policy: CommentPolicy::Open,
        max_links: 2,
        max_chars: 5000,
        mails: blog.data().settings.current().mail.clone(),
    };
    let posted = web_comments::submit(
        &blog.data().db,
        &blog.data().urls,
        &rules,
        NewComment {
            post: &post,
            parent: None,
            name: "Ann",
            email: "ann@example.org",
            website: "",
            text: "Aus dem Web",
            consent: false,
        },
    )
    .await
    .expect("stored")
    .expect("taken");
    assert!(posted.comment.ap_id.contains("/comments/"));

    // The post's h-entry.
    let (status, html) = page(&post_url).await;
    assert_eq!(status, 200);
    let entry = only(&html, ".h-entry");
    assert!(values(entry, "u-url").contains(&post_url));
    assert_eq!(values(entry, "p-name"), ["Banken und Zinsen"]);
    assert_eq!(values(entry, "p-summary"), ["Warum die Zinsen steigen."]);
    assert_eq!(values(entry, "p-category"), ["banken", "zinsen"]);
    assert_eq!(property(entry, "e-content").len(), 1);
    let comments = property(entry, "p-comment");
    assert_eq!(comments.len(), 2, "both comments are the entry's");
    for comment in &comments {
        assert!(
            comment
                .value()
                .has_class("h-cite", scraper::CaseSensitivity::CaseSensitive)
        );
    }
    let texts: Vec<_> = comments
        .iter()
        .map(|c| values(*c, "e-content").join(""))
        .collect();
    assert_eq!(texts, ["Aus dem Fediverse", "Aus dem Web"]);
    // No comment outside the entry.
    let cites = html.select(&Selector::parse(".h-cite").unwrap()).count();
    assert_eq!(cites, 2);
    let authors = property(entry, "p-author");
    assert_eq!(authors.len(), 1);
    let card = authors[0];
    assert!(
        card.value()
            .has_class("h-card", scraper::CaseSensitivity::CaseSensitive)
    );
    assert!(!values(card, "p-name")[0].is_empty());
    let photo = values(card, "u-photo");
    assert_eq!(photo.len(), 1);
    assert!(!photo[0].is_empty());

    // The home page's h-feed: a name, an author, the entry.
    let (_, home) = page(&blog.base()).await;
    let feed = only(&home, ".h-feed");
    let title = blog.config.blog.title.as_str();
    assert_eq!(values(feed, "p-name"), [title]);
    let author = property(feed, "p-author");
    assert_eq!(author.len(), 1);
    assert_eq!(values(author[0], "p-name"), [title]);
    assert_eq!(values(author[0], "u-url"), [blog.base()]);
    assert_eq!(values(author[0], "u-photo").len(), 1);
    let entries: Vec<_> = properties(feed)
        .into_iter()
        .filter(|(_, e)| {
            e.value()
                .has_class("h-entry", scraper::CaseSensitivity::CaseSensitive)
        })
        .collect();
    assert!(entries.is_empty(), "entries are children, not properties");
    let child = only(&home, ".h-feed .h-entry");
    assert_eq!(values(child, "p-category"), ["banken", "zinsen"]);

    // Every link to the blog in its feeds answers a page (the web comment's is its place on
    // the post's page: its own address answers no page).
    let mut links = Vec::new();
    for path in ["feed.atom", "comments/feed.atom"] {
        let text = reqwest::get(format!("{}{path}", blog.base()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let feed = parse_xml(&text);
        for link in feed.all("link") {
            links.push(link.attr("href").unwrap().to_string());
        }
        for entry in feed.all("entry") {
            for link in entry.all("link") {
                links.push(link.attr("href").unwrap().to_string());
            }
        }
    }
    let rss = parse_xml(
        &reqwest::get(format!("{}feed.rss", blog.base()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let channel = rss.child("channel");
    links.push(channel.required("link").to_string());
    for item in channel.all("item") {
        links.push(item.required("link").to_string());
    }
    let json: serde_json::Value = reqwest::get(format!("{}feed.json", blog.base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    links.push(json["home_page_url"].as_str().unwrap().to_string());
    links.push(json["feed_url"].as_str().unwrap().to_string());
    for item in json["items"].as_array().unwrap() {
        links.push(item["url"].as_str().unwrap().to_string());
    }
    let web_comment = format!("{post_url}#comment-{}", posted.comment.id);
    assert!(links.contains(&web_comment), "{links:?}");
    let ours: Vec<_> = links
        .iter()
        .filter(|l| l.starts_with(blog.base().as_str()))
        .collect();
    assert!(ours.len() >= 8, "{ours:?}");
    let client = reqwest::Client::new();
    for link in ours {
        let response = client
            .get(link.as_str())
            .header("Accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{link}");
    }
}
