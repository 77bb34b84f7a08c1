//! Feeds and the sitemap, parsed as XML (and JSON) with their required elements; and German
//! text that must come out byte for byte as written, in pages, ActivityPub and every feed.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use support::{Blog, get_json, get_raw, header, page, parse_xml, publish, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_rss_json_feed_and_sitemap() {
    let blog = Blog::new("feeds").start().await;
    publish(
        &blog,
        "---\ntitle: First & <best>\nslug: first\npublished: 2026-01-05\ntags: [rust]\n---\nHello *world* & friends.\n",
    )
    .await;
    publish(
        &blog,
        "---\ntitle: Second\nslug: second\npublished: 2026-02-05\ntags: [cooking]\n---\nSoup.\n",
    )
    .await;
    let base = blog.base();

    // Atom: feed id, title, updated, self link; each entry id, title, updated, link, content.
    let (status, headers, body) = get_raw(&format!("{base}feed.atom"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        "application/atom+xml; charset=utf-8"
    );
    let feed = parse_xml(&String::from_utf8(body).unwrap());
    assert_eq!(feed.name, "feed");
    assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(feed.required("title"), "Blog feeds");
    feed.required("id");
    assert!(chrono::DateTime::parse_from_rfc3339(feed.required("updated")).is_ok());
    let links = feed.all("link");
    assert!(links.iter().any(|l| l.attr("rel") == Some("self")
        && l.attr("href") == Some(format!("{base}feed.atom").as_str())));
    let entries = feed.all("entry");
    assert_eq!(entries.len(), 2);
    let first = entries[1];
    assert_eq!(first.required("id"), format!("{base}posts/first"));
    assert_eq!(first.required("title"), "First & <best>");
    assert_eq!(first.required("published"), "2026-01-05T00:00:00Z");
    assert!(chrono::DateTime::parse_from_rfc3339(first.required("updated")).is_ok());
    assert_eq!(
        first.child("link").attr("href"),
        Some(format!("{base}posts/first").as_str())
    );
    assert_eq!(first.child("author").required("name"), "The author");
    assert_eq!(first.child("category").attr("term"), Some("rust"));
    assert_eq!(first.child("content").attr("type"), Some("html"));
    assert_eq!(
        first.required("content").trim(),
        "<p>Hello <em>world</em> &amp; friends.</p>"
    );

    // RSS 2.0: channel title, link, description; each item title, link, guid, pubDate.
    let (status, headers, body) = get_raw(&format!("{base}feed.rss"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        "application/rss+xml; charset=utf-8"
    );
    let rss = parse_xml(&String::from_utf8(body).unwrap());
    assert_eq!(rss.name, "rss");
    assert_eq!(rss.attr("version"), Some("2.0"));
    let channel = rss.child("channel");
    assert_eq!(channel.required("title"), "Blog feeds");
    assert_eq!(channel.required("link"), base);
    channel.required("description");
    assert_eq!(
        channel.child("atom:link").attr("href"),
        Some(format!("{base}feed.rss").as_str())
    );
    let items = channel.all("item");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].required("title"), "Second");
    assert_eq!(items[0].required("link"), format!("{base}posts/second"));
    assert_eq!(items[0].required("guid"), format!("{base}posts/second"));
    assert!(chrono::DateTime::parse_from_rfc2822(items[0].required("pubDate")).is_ok());
    assert_eq!(
        items[1].required("description").trim(),
        "<p>Hello <em>world</em> &amp; friends.</p>"
    );

    // JSON Feed 1.1: version, title, items with id and content.
    let (status, headers, body) = get_raw(&format!("{base}feed.json"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        "application/feed+json; charset=utf-8"
    );
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["title"], "Blog feeds");
    assert_eq!(json["feed_url"], format!("{base}feed.json"));
    assert_eq!(json["items"][1]["id"], format!("{base}posts/first"));
    assert_eq!(json["items"][1]["title"], "First & <best>");
    assert_eq!(json["items"][1]["tags"][0], "rust");

    // Per tag: only that tag's posts; an unknown tag or feed name is no feed.
    let (status, _, body) = get_raw(&format!("{base}tags/rust/feed.atom"), &[]).await;
    assert_eq!(status, 200);
    let tag_feed = parse_xml(&String::from_utf8(body).unwrap());
    assert_eq!(tag_feed.required("title"), "Blog feeds – #rust");
    let titles: Vec<_> = tag_feed
        .all("entry")
        .iter()
        .map(|e| e.required("title").to_string())
        .collect();
    assert_eq!(titles, vec!["First & <best>"]);
    let (status, _, body) = get_raw(&format!("{base}tags/cooking/feed.rss"), &[]).await;
    assert_eq!(status, 200);
    let tag_rss = parse_xml(&String::from_utf8(body).unwrap());
    assert_eq!(tag_rss.child("channel").all("item").len(), 1);
    let (status, _, _) = get_raw(&format!("{base}tags/cooking/feed.json"), &[]).await;
    assert_eq!(status, 200);
    for missing in ["tags/none/feed.atom", "tags/rust/feed.xml"] {
        let (status, _, _) = get_raw(&format!("{base}{missing}"), &[]).await;
        assert_eq!(status, 404, "{missing}");
    }

    // The sitemap: the home page, every post, every tag.
    let (status, headers, body) = get_raw(&format!("{base}sitemap.xml"), &[]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("application/xml"));
    let sitemap = parse_xml(&String::from_utf8(body).unwrap());
    assert_eq!(sitemap.name, "urlset");
    assert_eq!(
        sitemap.attr("xmlns"),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let locs: Vec<_> = sitemap
        .all("url")
        .iter()
        .map(|u| u.required("loc").to_string())
        .collect();
    for expected in [
        base.clone(),
        format!("{base}posts/first"),
        format!("{base}posts/second"),
        format!("{base}tags/rust"),
        format!("{base}tags/cooking"),
    ] {
        assert!(locs.contains(&expected), "{expected} not in {locs:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn german_text_round_trips_byte_for_byte() {
    let blog = Blog::new("deutsch")
        .configure(|config| {
            config.blog.lang = "de".into();
            config.blog.author = "Jörg Müller".into();
        })
        .start()
        .await;
    let title = "Grüße aus „Köln“ – über Öl & Süßes";
    let sentence = "Der „erste“ Absatz: Äpfel, Öfen, Übermut und ein ‚Zitat‘ mit ß.";
    publish(
        &blog,
        &format!(
            "---\ntitle: {title}\nslug: gruesse\npublished: 2026-03-07T09:00:00Z\ntags: [Küche]\n---\n{sentence}\n\nZweiter Absatz.\n"
        ),
    )
    .await;
    let base = blog.base();
    let post_url = format!("{base}posts/gruesse");
    let escaped_title = title.replace('&', "&amp;");

    // The page: raw bytes carry the text as written (only & is escaped), and it parses back.
    let (status, _, body) = get_raw(&post_url, &[("Accept", "text/html")]).await;
    assert_eq!(status, 200);
    let raw = String::from_utf8(body).expect("UTF-8 page");
    assert!(raw.contains(&format!("<h1 class=\"p-name\">{escaped_title}</h1>")));
    assert!(raw.contains(&format!("<p>{sentence}</p>")));
    let (_, html) = page(&post_url).await;
    assert_eq!(texts(&html, "article.post h1"), vec![title]);
    assert_eq!(support::attr(&html, "html", "lang"), "de");
    // The interface speaks German, with German dates.
    assert_eq!(texts(&html, "article.post time"), vec!["7. März 2026"]);
    assert_eq!(texts(&html, "section.comments h2"), vec!["Kommentare"]);
    assert_eq!(
        texts(&html, "section.comments .none"),
        vec!["Noch keine Kommentare."]
    );
    assert_eq!(texts(&html, ".reactions .likes"), vec!["0 Favoriten"]);
    assert_eq!(
        texts(&html, "article.post .reading-time"),
        vec!["1 Min. Lesezeit"]
    );
    assert_eq!(
        texts(&html, ".author-box .author-name"),
        vec!["Jörg Müller"]
    );
    let (_, month) = page(&format!("{base}archive/2026/03")).await;
    assert_eq!(texts(&month, "h1"), vec!["März 2026"]);
    let (status, tag) = page(&format!("{base}tags/k%C3%BCche")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&tag, "h1"), vec!["Beiträge mit #küche"]);

    // The Article: nameMap and contentMap keyed by the post's language.
    let (status, article) = get_json(&post_url).await;
    assert_eq!(status, 200);
    assert_eq!(article["nameMap"]["de"], escaped_title);
    assert_eq!(article["summaryMap"]["de"], format!("<p>{sentence}</p>"));
    assert!(
        article["contentMap"]["de"]
            .as_str()
            .unwrap()
            .contains(&format!("<p>{sentence}</p>"))
    );
    let (_, _, raw_json) = get_raw(&post_url, &[("Accept", "application/activity+json")]).await;
    assert!(String::from_utf8(raw_json).unwrap().contains(sentence));

    // Feeds: the same text, unmangled.
    let (_, _, atom) = get_raw(&format!("{base}feed.atom"), &[]).await;
    let atom = String::from_utf8(atom).expect("UTF-8 Atom");
    assert!(atom.contains(&format!("<title>{escaped_title}</title>")));
    let feed = parse_xml(&atom);
    assert_eq!(feed.attr("xml:lang"), Some("de"));
    let entry = feed.child("entry");
    assert_eq!(entry.required("title"), title);
    assert_eq!(entry.required("summary"), sentence);
    assert_eq!(entry.child("author").required("name"), "Jörg Müller");
    assert!(entry.required("content").contains(sentence));
    let (_, _, rss) = get_raw(&format!("{base}feed.rss"), &[]).await;
    let rss = parse_xml(&String::from_utf8(rss).expect("UTF-8 RSS"));
    let item = rss.child("channel").child("item");
    assert_eq!(item.required("title"), title);
    assert_eq!(item.required("dc:creator"), "Jörg Müller");
    assert_eq!(rss.child("channel").required("language"), "de");
    let (_, _, json) = get_raw(&format!("{base}feed.json"), &[]).await;
    let json_text = String::from_utf8(json).expect("UTF-8 JSON Feed");
    assert!(json_text.contains(title), "JSON Feed escapes no letters");
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(json["items"][0]["title"], title);
    assert_eq!(json["items"][0]["summary"], sentence);
    assert_eq!(json["items"][0]["language"], "de");
}
