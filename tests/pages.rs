//! The blog as readers see it: home, post, tag, author and archive pages, errors, metadata,
//! caching headers and compression, read as parsed HTML from a real server.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::{
    config::AuthorConfig,
    db::entities::reaction,
    services::{posts, reactions, users},
};
use std::io::Read;
use support::{
    Blog, Instance, Peer, attr, eventually, get_raw, header, json_ld, like, page, publish, reply,
    texts,
};
use url::Url;

fn jane() -> AuthorConfig {
    AuthorConfig {
        name: Some("Jane Doe".into()),
        bio: "Writes about Rust & the fediverse.".into(),
        avatar_url: Some("https://social.example/avatars/jane.png".into()),
        fediverse: Some("@jane@social.example".into()),
    }
}

/// Three posts in two years: an old one by the default author, Jane's, and a newer one.
async fn blog_with_posts(name: &str) -> Instance {
    let blog = Blog::new(name)
        .configure(|config| {
            config.blog.posts_per_page = 2;
            config.authors.insert("jane".into(), jane());
        })
        .start()
        .await;
    publish(
        &blog,
        "---\ntitle: Old times\nslug: old\npublished: 2025-03-07\ntags: [history]\n---\nThe very first post.\n",
    )
    .await;
    publish(
        &blog,
        &format!(
            "---\ntitle: Rust & <friends>\nslug: rust\nauthor: jane\npublished: 2026-02-01T10:00:00Z\ntags: [Rust, fediverse]\n---\nA post about Rust.\n\n{}\n",
            "word ".repeat(450)
        ),
    )
    .await;
    publish(
        &blog,
        "---\ntitle: Newest\nslug: newest\npublished: 2026-04-01\ntags: [rust]\n---\nThe newest post.\n",
    )
    .await;
    blog
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_post_and_list_pages() {
    let blog = blog_with_posts("pages").await;
    let peer = Peer::start().await;
    let post_url = format!("{}posts/rust", blog.base());

    // Home: newest first, two per page, the follow form, feeds announced.
    let (status, home) = page(&blog.base()).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&home, ".entry h2"),
        vec!["Newest", "Rust & <friends>"]
    );
    assert_eq!(
        texts(&home, ".entry .meta")[1],
        "1 February 2026 · Jane Doe · 3 min read"
    );
    assert_eq!(
        attr(&home, "a[rel=next]", "href"),
        format!("{}?page=2", blog.base())
    );
    assert_eq!(
        attr(&home, "form.interact input[name=uri]", "value"),
        blog.actor()
    );
    assert_eq!(attr(&home, "form.interact", "method"), "post");
    assert!(texts(&home, "section.follow h2") == vec!["Follow this blog"]);
    for kind in [
        "application/atom+xml",
        "application/rss+xml",
        "application/feed+json",
    ] {
        let href = attr(
            &home,
            &format!("link[rel=alternate][type=\"{kind}\"]"),
            "href",
        );
        let (status, _, _) = get_raw(&href, &[]).await;
        assert_eq!(status, 200, "{kind} feed at {href}");
    }
    let (_, second) = page(&format!("{}?page=2", blog.base())).await;
    assert_eq!(texts(&second, ".entry h2"), vec!["Old times"]);
    assert_eq!(attr(&second, "a[rel=prev]", "href"), blog.base());
    let (status, _) = page(&format!("{}?page=3", blog.base())).await;
    assert_eq!(status, 404);

    // Comments: a reply, a reply to it, and a like.
    let first = reply(&peer, &blog, &post_url, 1, "First!").await;
    reply(&peer, &blog, &first, 2, "A reply to the first.").await;
    reply(&peer, &blog, &post_url, 3, "Second top-level.").await;
    like(&peer, &blog, &post_url).await;

    let (status, post) = page(&post_url).await;
    assert_eq!(status, 200);
    assert_eq!(attr(&post, "html", "lang"), "en");
    assert_eq!(texts(&post, "article.post h1"), vec!["Rust & <friends>"]);
    assert_eq!(
        attr(&post, "article.post time.dt-published", "datetime"),
        "2026-02-01T10:00:00Z"
    );
    assert_eq!(
        texts(&post, "article.post .reading-time"),
        vec!["3 min read"]
    );
    assert_eq!(
        texts(&post, "article.post .tags a"),
        vec!["#Rust", "#fediverse"]
    );
    assert_eq!(
        attr(&post, "article.post .tags a", "href"),
        format!("{}tags/Rust", blog.base())
    );
    assert!(texts(&post, "article.post .e-content")[0].starts_with("A post about Rust."));
    // The author box: name, bio, avatar and their own fediverse handle.
    assert_eq!(texts(&post, ".author-box .author-name"), vec!["Jane Doe"]);
    assert_eq!(
        texts(&post, ".author-box .bio"),
        vec!["Writes about Rust & the fediverse."]
    );
    assert_eq!(
        attr(&post, ".author-box img.avatar", "src"),
        "https://social.example/avatars/jane.png"
    );
    assert_eq!(
        texts(&post, ".author-box a.fediverse"),
        vec!["@jane@social.example"]
    );
    // Likes, boosts and the threaded comments, oldest first.
    assert_eq!(texts(&post, ".reactions .likes"), vec!["1 like"]);
    assert_eq!(texts(&post, ".reactions .boosts"), vec!["0 boosts"]);
    assert_eq!(texts(&post, ".reactions .replies"), vec!["3 comments"]);
    assert_eq!(
        texts(
            &post,
            "section.comments > ol.thread > li.comment > article .e-content"
        ),
        vec!["First!", "Second top-level."]
    );
    assert_eq!(
        texts(&post, "section.comments li.comment li.comment .e-content"),
        vec!["A reply to the first."]
    );
    assert_eq!(
        texts(&post, "section.comments li.comment .p-author"),
        vec!["Alice Example"; 3]
    );
    assert_eq!(
        texts(&post, "section.comments li.comment .handle")[0],
        format!("@alice@{}", peer.base.trim_start_matches("http://"))
    );
    assert_eq!(
        attr(&post, "section.comments li.comment a.date", "href"),
        format!("{}/@alice/1", peer.base)
    );
    // How to comment: the form, the post's address and the blog's handle to copy.
    assert_eq!(
        attr(&post, "#reply form input[name=uri]", "value"),
        post_url
    );
    assert_eq!(
        attr(&post, "#reply form", "action"),
        format!("{}interact", blog.base())
    );
    assert_eq!(attr(&post, "#post-address", "value"), post_url);
    assert_eq!(
        attr(&post, "#blog-handle", "value"),
        format!("@{}", blog.handle())
    );
    // Previous and next, each with its excerpt.
    assert_eq!(
        texts(&post, ".adjacent .previous a[rel=prev]"),
        vec!["Old times"]
    );
    assert_eq!(
        texts(&post, ".adjacent .previous .excerpt"),
        vec!["The very first post."]
    );
    assert_eq!(texts(&post, ".adjacent .next a[rel=next]"), vec!["Newest"]);
    assert_eq!(
        texts(&post, ".adjacent .next .excerpt"),
        vec!["The newest post."]
    );

    // Metadata for link previews and search engines.
    assert_eq!(texts(&post, "title"), vec!["Rust & <friends> – Blog pages"]);
    assert_eq!(
        attr(&post, "meta[name=description]", "content"),
        "A post about Rust."
    );
    assert_eq!(attr(&post, "link[rel=canonical]", "href"), post_url);
    assert_eq!(
        attr(&post, "meta[property=\"og:type\"]", "content"),
        "article"
    );
    assert_eq!(
        attr(&post, "meta[property=\"og:title\"]", "content"),
        "Rust & <friends>"
    );
    assert_eq!(
        attr(&post, "meta[property=\"og:description\"]", "content"),
        "A post about Rust."
    );
    assert_eq!(
        attr(&post, "meta[property=\"og:image\"]", "content"),
        "https://social.example/avatars/jane.png"
    );
    assert_eq!(
        attr(&post, "meta[property=\"og:image:alt\"]", "content"),
        "Jane Doe"
    );
    assert_eq!(
        attr(
            &post,
            "meta[property=\"article:published_time\"]",
            "content"
        ),
        "2026-02-01T10:00:00Z"
    );
    assert_eq!(
        attr(&post, "meta[name=\"fediverse:creator\"]", "content"),
        "@jane@social.example"
    );
    let ld = json_ld(&post);
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(ld["headline"], "Rust & <friends>");
    assert_eq!(ld["author"]["name"], "Jane Doe");
    assert_eq!(ld["author"]["sameAs"], "https://social.example/@jane");
    assert_eq!(ld["datePublished"], "2026-02-01T10:00:00Z");

    // A post without an author of its own: the blog's handle is the creator.
    let (_, old) = page(&format!("{}posts/old", blog.base())).await;
    assert_eq!(
        attr(&old, "meta[name=\"fediverse:creator\"]", "content"),
        format!("@{}", blog.handle())
    );
    assert_eq!(texts(&old, ".author-box .author-name"), vec!["The author"]);
    assert!(texts(&old, ".author-box a.fediverse").is_empty());
    assert_eq!(
        texts(&old, "section.comments .none"),
        vec!["No comments yet."]
    );

    // Tag pages: case does not matter; their feeds are announced.
    let (status, tag) = page(&format!("{}tags/rust", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&tag, "h1"), vec!["Posts tagged #rust"]);
    assert_eq!(texts(&tag, ".entry h2"), vec!["Newest", "Rust & <friends>"]);
    assert_eq!(
        attr(
            &tag,
            "link[rel=alternate][type=\"application/atom+xml\"][title^=\"#\"]",
            "href"
        ),
        format!("{}tags/rust/feed.atom", blog.base())
    );
    let (status, _) = page(&format!("{}tags/nothing", blog.base())).await;
    assert_eq!(status, 404);

    // Author pages: a configured author, and the default one for posts without an author.
    let (status, jane) = page(&format!("{}authors/jane", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&jane, "h1"), vec!["Posts by Jane Doe"]);
    assert_eq!(texts(&jane, ".entry h2"), vec!["Rust & <friends>"]);
    assert_eq!(
        texts(&jane, ".author-box .p-note"),
        vec!["Writes about Rust & the fediverse."]
    );
    let (status, default) = page(&format!("{}authors/the-author", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&default, ".entry h2"), vec!["Newest", "Old times"]);
    let (status, _) = page(&format!("{}authors/nobody", blog.base())).await;
    assert_eq!(status, 404);

    // The archive: years, then months, then posts.
    let (status, archive) = page(&format!("{}archive", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&archive, ".periods li"),
        vec!["2026 (2 posts)", "2025 (1 post)"]
    );
    let (_, year) = page(&format!("{}archive/2026", blog.base())).await;
    assert_eq!(texts(&year, "h1"), vec!["Posts from 2026"]);
    assert_eq!(
        texts(&year, ".periods a"),
        vec!["April 2026", "February 2026"]
    );
    assert_eq!(
        attr(&year, ".periods a", "href"),
        format!("{}archive/2026/04", blog.base())
    );
    let (status, month) = page(&format!("{}archive/2025/03", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&month, "h1"), vec!["March 2025"]);
    assert_eq!(texts(&month, ".entry h2"), vec!["Old times"]);
    for missing in [
        "archive/1999",
        "archive/abc",
        "archive/2025/13",
        "archive/2025/04",
    ] {
        let (status, html) = page(&format!("{}{missing}", blog.base())).await;
        assert_eq!(status, 404, "{missing}");
        assert_eq!(texts(&html, "h1"), vec!["Not found"]);
    }

    // Errors: 404 anywhere, 410 for a deleted post.
    let (status, missing) = page(&format!("{}no/such/page", blog.base())).await;
    assert_eq!(status, 404);
    assert_eq!(texts(&missing, "h1"), vec!["Not found"]);
    assert_eq!(attr(&missing, "meta[name=robots]", "content"), "noindex");
    posts::delete(&blog.data(), "old").await.expect("delete");
    let (status, gone) = page(&format!("{}posts/old", blog.base())).await;
    assert_eq!(status, 410);
    assert_eq!(texts(&gone, "h1"), vec!["Gone"]);
    assert_eq!(
        texts(&gone, "section.error p")[0],
        "This post was deleted by its author."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caching_compression_and_static_files() {
    let blog = blog_with_posts("caching").await;
    let post_url = format!("{}posts/rust", blog.base());

    // HTML and ActivityPub JSON of one URL: both vary on Accept, and are cached differently.
    let (status, headers, _) = get_raw(&post_url, &[("Accept", "text/html")]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "vary").contains("Accept"));
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let etag = header(&headers, "etag").to_string();
    let last_modified = header(&headers, "last-modified").to_string();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert!(httpdate::parse_http_date(&last_modified).is_ok());
    let (status, json_headers, body) =
        get_raw(&post_url, &[("Accept", "application/activity+json")]).await;
    assert_eq!(status, 200);
    assert!(header(&json_headers, "content-type").starts_with("application/activity+json"));
    assert!(header(&json_headers, "vary").contains("Accept"));
    assert_eq!(header(&json_headers, "cache-control"), "public, max-age=60");
    assert_ne!(header(&json_headers, "etag"), etag);
    let article: serde_json::Value = serde_json::from_slice(&body).expect("article");
    assert_eq!(article["type"], "Article");

    // Revalidation: 304 without a body, by ETag and by date.
    let (status, headers, body) = get_raw(
        &post_url,
        &[("Accept", "text/html"), ("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), etag);
    let (status, _, _) = get_raw(
        &post_url,
        &[
            ("Accept", "text/html"),
            ("If-Modified-Since", &last_modified),
        ],
    )
    .await;
    assert_eq!(status, 304);
    let (status, _, _) = get_raw(
        &post_url,
        &[("Accept", "text/html"), ("If-None-Match", "\"other\"")],
    )
    .await;
    assert_eq!(status, 200);

    // A change shows at once, with a new ETag.
    publish(
        &blog,
        "---\ntitle: Rust, revised\nslug: rust\nauthor: jane\n---\nChanged.\n",
    )
    .await;
    let (status, headers, body) = get_raw(
        &post_url,
        &[("Accept", "text/html"), ("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), etag);
    assert!(String::from_utf8_lossy(&body).contains("Rust, revised"));

    // gzip and brotli, as the client asks.
    let (_, plain_headers, plain) = get_raw(&post_url, &[("Accept", "text/html")]).await;
    assert!(header(&plain_headers, "content-encoding").is_empty());
    let (status, headers, gzipped) = get_raw(
        &post_url,
        &[("Accept", "text/html"), ("Accept-Encoding", "gzip")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    let vary: Vec<_> = headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_lowercase())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("accept-encoding")),
        "{vary:?}"
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .expect("gzip");
    // Each answer carries a fresh comment-form token; the rest is byte for byte the same.
    assert_eq!(without_form_token(&unzipped), without_form_token(&plain));
    let (_, headers, brotli) = get_raw(
        &post_url,
        &[("Accept", "text/html"), ("Accept-Encoding", "br")],
    )
    .await;
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert!(brotli.len() < plain.len());

    // The stylesheet under its hashed name, kept for a year.
    let (_, home) = page(&blog.base()).await;
    let css = attr(&home, "link[rel=stylesheet]", "href");
    assert!(
        css.starts_with("/static/style.") && css.ends_with(".css") && css.len() > 20,
        "{css}"
    );
    let (status, headers, body) = get_raw(&format!("{}{}", blog.base(), &css[1..]), &[]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/css"));
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(String::from_utf8_lossy(&body).contains("prefers-color-scheme: dark"));
    let (status, _, _) = get_raw(&format!("{}static/style.0000.css", blog.base()), &[]).await;
    assert_eq!(status, 404);

    // /favicon.ico is the blog's avatar (here the default one), as the pages' icon link says.
    let (status, headers, _) = get_raw(
        &format!("{}favicon.ico", blog.base()),
        &[("Accept", "image/*")],
    )
    .await;
    assert_eq!(status, 200, "followed to the avatar");
    assert_eq!(header(&headers, "content-type"), "image/png");
    let home = reqwest::get(blog.base())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let icon = attr(
        &scraper::Html::parse_document(&home),
        "link[rel=icon]",
        "href",
    );
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}favicon.ico", blog.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 302);
    assert_eq!(header(redirect.headers(), "location"), icon);

    // robots.txt points at the sitemap.
    let (status, _, robots) = get_raw(&format!("{}robots.txt", blog.base()), &[]).await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8_lossy(&robots).contains(&format!("Sitemap: {}sitemap.xml", blog.base()))
    );
}

/// A comment arriving while a page is cached shows on the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_comments_show_at_once() {
    let blog = blog_with_posts("fresh").await;
    let peer = Peer::start().await;
    let post_url = format!("{}posts/newest", blog.base());
    let (_, before) = page(&post_url).await;
    assert!(texts(&before, "li.comment").is_empty());
    reply(&peer, &blog, &post_url, 7, "Just arrived.").await;
    let (_, after) = page(&post_url).await;
    assert_eq!(
        texts(&after, "section.comments li.comment .e-content"),
        vec!["Just arrived."]
    );
    // A change the server did not see coming (another process writing to the database) shows
    // once the cached page expires.
    let (_, cached) = page(&post_url).await;
    assert_eq!(texts(&cached, ".reactions .likes"), vec!["0 likes"]);
    reactions::add(
        &blog.data(),
        reaction::LIKE,
        &Url::parse("https://elsewhere.example/likes/1").unwrap(),
        &Url::parse(&post_url).unwrap(),
        &Url::parse("https://elsewhere.example/users/bob").unwrap(),
    )
    .await
    .expect("like");
    eventually("the like shows", 5, || async {
        let (_, html) = page(&post_url).await;
        (texts(&html, ".reactions .likes") == vec!["1 like"]).then_some(())
    })
    .await;
}

/// Authors with an account show their profile from it; drafts stay out of every list and
/// feed; a post's cover is its link-preview image.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_drafts_and_covers() {
    let blog = Blog::new("accounts").start().await;
    let db = &blog.data().db;
    let account = users::ensure_author(db, "mara", "Mara Ost")
        .await
        .expect("user");
    users::update_profile(
        db,
        account.clone(),
        users::Profile {
            display_name: "Mara Ost".into(),
            bio: "Writes from Leipzig.".into(),
            avatar_url: Some("https://files.example/mara.png".into()),
            fediverse_handle: Some("@mara@social.example".into()),
        },
    )
    .await
    .expect("profile");
    let mut input = posts::parse_markdown_file(
        "---\ntitle: By an account\nslug: by-account\ntags: [rust]\ncover: https://files.example/cover.jpg\ncover_alt: A river at dawn\n---\nText.\n",
    )
    .expect("markdown");
    input.author_id = Some(account.id);
    posts::publish(&blog.data(), input).await.expect("publish");
    publish(
        &blog,
        "---\ntitle: Secret draft\nslug: draft\ndraft: true\ntags: [rust]\n---\nNot yet.\n",
    )
    .await;

    let post_url = format!("{}posts/by-account", blog.base());
    let (_, post) = page(&post_url).await;
    assert_eq!(texts(&post, ".author-box .author-name"), vec!["Mara Ost"]);
    assert_eq!(
        texts(&post, ".author-box .bio"),
        vec!["Writes from Leipzig."]
    );
    assert_eq!(
        texts(&post, ".author-box a.fediverse"),
        vec!["@mara@social.example"]
    );
    assert_eq!(
        attr(&post, "meta[name=\"fediverse:creator\"]", "content"),
        "@mara@social.example"
    );
    assert_eq!(
        attr(&post, "meta[property=\"og:image\"]", "content"),
        "https://files.example/cover.jpg"
    );
    assert_eq!(
        attr(&post, "meta[property=\"og:image:alt\"]", "content"),
        "A river at dawn"
    );
    let (status, author) = page(&format!("{}authors/mara", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&author, ".entry h2"), vec!["By an account"]);

    // The draft is nowhere a reader looks.
    let (status, _) = page(&format!("{}posts/draft", blog.base())).await;
    assert_eq!(status, 404);
    for list in ["", "tags/rust", "authors/the-author", "archive"] {
        let (_, html) = page(&format!("{}{list}", blog.base())).await;
        let body = html.html();
        assert!(!body.contains("Secret draft"), "the draft shows on /{list}");
    }
    for feed in [
        "feed.atom",
        "feed.rss",
        "feed.json",
        "tags/rust/feed.atom",
        "sitemap.xml",
    ] {
        let (_, _, body) = get_raw(&format!("{}{feed}", blog.base()), &[]).await;
        let body = String::from_utf8(body).expect("UTF-8");
        assert!(body.contains("by-account"), "{feed}");
        assert!(
            !body.contains("Secret draft") && !body.contains("/posts/draft"),
            "{feed}"
        );
    }
}

/// A page with the value of its comment form's `token` field blanked (it is new on every answer).
fn without_form_token(page: &[u8]) -> String {
    let text = String::from_utf8_lossy(page);
    let marker = "name=\"token\" value=\"";
    match text.find(marker) {
        Some(at) => {
            let start = at + marker.len();
            let end = text[start..].find('"').map_or(text.len(), |n| start + n);
            format!("{}{}", &text[..start], &text[end..])
        }
        None => text.into_owned(),
    }
}
