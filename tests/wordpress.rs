//! Moving in from a real WordPress: `tests/fixtures/wordpress/real-export.xml` was made by
//! WordPress 6.1 itself (`tests/wordpress/make-export.sh`: Debian's package, content made
//! through its PHP API, exported by `export_wp()`). Imported into a real server, everything is
//! checked over HTTP as readers and feed readers see it: nothing private leaks, pages survive,
//! content renders as WordPress rendered it, every old address redirects, dates are Berlin's,
//! and a second import adds nothing. Where WordPress is installed, the export is made again and
//! must have the same shape as the committed one.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::{
    db::entities::{comment, media, mention, page as page_entity, post, redirect},
    services::{import, posts},
};
use scraper::{Html, Selector};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use std::{
    path::{Path, PathBuf},
    sync::Arc,
};
use support::{Blog, Browser, Instance, client, csrf_of, jpeg, logged_in, page, texts};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wordpress/real-export.xml")
}

/// What must stay the same between two exports of the same content (dates and ids differ).
fn shape(xml: &str) -> Vec<String> {
    let wxr = import::parse_wxr(xml).unwrap();
    let mut items: Vec<String> = wxr
        .items
        .iter()
        .map(|i| {
            format!(
                "{}|{}|{}|password:{}|comments:{}|blocks:{}",
                i.post_type,
                i.status,
                i.title,
                !i.password.is_empty(),
                i.comments.len(),
                i.content.contains("<!-- wp:")
            )
        })
        .collect();
    items.sort();
    items
}

#[test]
fn the_fixture_is_what_wordpress_exports() {
    if !Path::new("/usr/share/wordpress/wp-settings.php").exists() {
        assert!(
            std::env::var("CI").is_err_and(|_| true)
                || std::env::var("CI").as_deref() != Ok("true"),
            "CI: WordPress is not installed (.ci/run installs Debian's wordpress)"
        );
        eprintln!(
            "skipped: WordPress is not installed (apt-get install wordpress php-cli php-mysql)"
        );
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let made = out.path().join("export.xml");
    let status = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wordpress/make-export.sh"),
    )
    .arg(&made)
    .status()
    .unwrap();
    assert!(status.success(), "make-export.sh failed");
    let fresh = std::fs::read_to_string(&made).unwrap();
    let committed = std::fs::read_to_string(fixture_path()).unwrap();
    assert_eq!(shape(&fresh), shape(&committed));
}

/// A copy of the old site's uploads, as `--download-media` reads it.
fn uploads(dir: &Path) -> PathBuf {
    let uploads = dir.join("wp-uploads");
    std::fs::create_dir_all(uploads.join("2024/01")).unwrap();
    std::fs::write(uploads.join("2024/01/dom-1.jpg"), jpeg(1600, 900)).unwrap();
    std::fs::write(uploads.join("2024/01/dom-1-300x169.jpg"), jpeg(300, 169)).unwrap();
    uploads
}

async fn import(blog: &Instance, uploads: &Path) -> import::ImportReport {
    import::wordpress(
        &blog.data(),
        &std::fs::read_to_string(fixture_path()).unwrap(),
        &import::WordpressOptions {
            uploads_dir: Some(uploads.to_path_buf()),
        },
        &mut |_| {},
    )
    .await
    .unwrap()
}

/// Counts of every table an import writes, and every post's and page's stored form.
async fn snapshot(db: &DatabaseConnection) -> Vec<String> {
    let mut all = vec![
        format!(
            "comments {}",
            comment::Entity::find().count(db).await.unwrap()
        ),
        format!(
            "mentions {}",
            mention::Entity::find().count(db).await.unwrap()
        ),
        format!("media {}", media::Entity::find().count(db).await.unwrap()),
        format!(
            "redirects {}",
            redirect::Entity::find().count(db).await.unwrap()
        ),
    ];
    for p in post::Entity::find().all(db).await.unwrap() {
        all.push(format!(
            "{}|{}|{}|{}|{}|{}|{}",
            p.slug, p.status, p.title, p.body_markdown, p.summary, p.published_at, p.updated_at
        ));
    }
    for p in page_entity::Entity::find().all(db).await.unwrap() {
        all.push(format!(
            "{}|{}|{}|{}",
            p.slug, p.status, p.body_markdown, p.updated_at
        ));
    }
    all.sort();
    all
}

async fn text_of(url: &str) -> (u16, String) {
    let response = client().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let selector = Selector::parse(selector).unwrap();
    html.select(&selector)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_wordpress_blog_moves_in() {
    support::init();
    let blog = Blog::new("wp_real")
        .configure(|c| {
            c.blog.timezone = "Europe/Berlin".into();
            c.blog.lang = "de".into();
        })
        .start()
        .await;
    let uploads = uploads(blog.dir.path());
    let report = import(&blog, &uploads).await;
    println!("{report}");
    statuses_never_leak(&blog, &report).await;
    pages_survive(&blog).await;
    content_renders_as_on_wordpress(&blog).await;
    comments_keep_their_ids(&blog).await;
    old_addresses_redirect(&blog).await;

    let db = &blog.data().db;
    let before = snapshot(db).await;
    let again = import(&blog, &uploads).await;
    assert_eq!(
        (
            again.created,
            again.comments,
            again.mentions,
            again.media,
            again.redirects
        ),
        (0, 0, 0, 0, 0),
        "{again}"
    );
    assert_eq!(
        snapshot(db).await,
        before,
        "a second import changes nothing"
    );
}

async fn statuses_never_leak(blog: &Instance, report: &import::ImportReport) {
    let db = &blog.data().db;
    for (title, why) in [
        ("Mit Passwort", "password-protected"),
        ("Privat", "private"),
        ("Zur Prüfung", "pending"),
        ("Weggeworfen", "trash"),
        ("Notizen", "was taken: stored as notizen-2"),
        (
            "Geplant",
            "scheduled: published by the server at 2030-01-01T08:00:00+00:00",
        ),
    ] {
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.starts_with(&format!("„{title}“")) && n.contains(why)),
            "the report names {title} ({why}): {report}"
        );
    }
    let status = |slug: &'static str| async move {
        posts::find_any(db, slug)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{slug}"))
            .status
    };
    assert_eq!(status("gruesse-aus-koeln").await, post::PUBLISHED);
    for draft in [
        "entwurf-mit-datum",
        "entwurf-ohne-datum",
        "zur-prufung",
        "privat",
        "mit-passwort",
    ] {
        assert_eq!(status(draft).await, post::DRAFT, "{draft}");
    }
    let planned = posts::find_any(db, "geplant").await.unwrap().unwrap();
    assert_eq!(planned.status, post::SCHEDULED);
    assert_eq!(
        planned.published_at.to_rfc3339(),
        "2030-01-01T08:00:00+00:00"
    );
    // Three posts titled "Notizen", none overwriting another.
    let mut bodies: Vec<String> = Vec::new();
    for slug in ["notizen", "notizen-2", "notizen-3"] {
        bodies.push(
            posts::find_any(db, slug)
                .await
                .unwrap()
                .unwrap()
                .body_markdown,
        );
    }
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.iter().any(|b| b.contains("Zweite Notizen"))
            && bodies.iter().any(|b| b.contains("Dritte"))
    );

    let secrets = [
        "Mit Passwort",
        "Streng geheim",
        "Nur für mich",
        "Entwurf",
        "Zur Prüfung",
        "Kommt 2030",
        "Weggeworfen",
    ];
    let base = blog.base();
    let mut public = vec![];
    for path in [
        "",
        "feed.rss",
        "feed.atom",
        "feed.json",
        "sitemap.xml",
        "archive/2023",
        "comments/feed.atom",
    ] {
        public.push((path.to_string(), text_of(&format!("{base}{path}")).await.1));
    }
    let outbox = client()
        .get(format!("{base}actor/outbox?page=true"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    public.push(("outbox".into(), outbox));
    for slug in [
        "gruesse-aus-koeln",
        "ueber-strassenbahnen",
        "notizen",
        "nur-allgemein",
    ] {
        public.push((slug.into(), text_of(&format!("{base}posts/{slug}")).await.1));
    }
    for (path, body) in &public {
        for secret in secrets {
            assert!(!body.contains(secret), "{secret:?} leaks on /{path}");
        }
    }
    for slug in ["mit-passwort", "privat", "entwurf-mit-datum", "geplant"] {
        assert_eq!(page(&format!("{base}posts/{slug}")).await.0, 404, "{slug}");
    }
}

async fn pages_survive(blog: &Instance) {
    let base = blog.base();
    let (status, html) = page(&format!("{base}pages/impressum")).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&html, "article.page h1"), vec!["Impressum"]);
    assert!(texts(&html, ".e-content")[0].contains("Angaben gemäß § 5 TMG: Jörg Müller"));
    let (_, about) = page(&format!("{base}pages/ueber-mich")).await;
    assert_eq!(
        about
            .select(&Selector::parse(".e-content p br").unwrap())
            .count(),
        1,
        "classic line break"
    );
    let (_, home) = page(&base).await;
    let nav = texts(&home, "header.site nav a");
    for title in ["Impressum", "Über mich"] {
        assert!(nav.contains(&title.to_string()), "{title} in {nav:?}");
    }
    assert!(!nav.contains(&"Entwurfsseite".to_string()));
    assert_eq!(page(&format!("{base}pages/entwurfsseite")).await.0, 404);
    assert_eq!(page(&format!("{base}pages/kontakt")).await.0, 200);
    // Not federated, not in feeds as posts.
    let (_, feed) = text_of(&format!("{base}feed.atom")).await;
    assert!(!feed.contains("Angaben gemäß"));
    // Search engines find the published pages, not the draft.
    let (_, sitemap) = text_of(&format!("{base}sitemap.xml")).await;
    assert!(
        sitemap.contains(&format!("<loc>{base}pages/impressum</loc>")),
        "{sitemap}"
    );
    assert!(!sitemap.contains("entwurfsseite"), "{sitemap}");
}

async fn content_renders_as_on_wordpress(blog: &Instance) {
    let base = blog.base();
    let (_, koeln) = page(&format!("{base}posts/gruesse-aus-koeln")).await;
    let content = koeln
        .select(&Selector::parse(".e-content").unwrap())
        .next()
        .unwrap()
        .inner_html();
    assert!(
        !content.contains("<!--") && !content.contains("wp:"),
        "{content}"
    );
    assert_eq!(
        texts(&koeln, ".e-content figure figcaption"),
        vec!["Der Dom, vom Rheinufer aus"]
    );
    assert_eq!(
        attr(&koeln, ".e-content figure.embed a", "href").as_deref(),
        Some("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    );
    assert_eq!(
        attr(&koeln, "meta[name=description]", "content").as_deref(),
        Some("Ein Spaziergang am Rhein – „schön“ & kalt. Danach gab es Kölsch.")
    );
    let media_prefix = format!("{base}media/");
    let image = Selector::parse(".e-content img").unwrap();
    let img = koeln.select(&image).next().unwrap().value();
    assert!(
        img.attr("src").unwrap().starts_with(&media_prefix),
        "{:?}",
        img.attr("src")
    );
    assert!(img.attr("width").is_some() && img.attr("height").is_some());
    // WordPress links the resized image to its full size, and the text links it again: both
    // point here, to the original, in the page, the Article and every feed.
    let full = attr(&koeln, ".e-content figure a", "href").unwrap();
    assert!(full.starts_with(&media_prefix), "{full}");
    assert_eq!(
        attr(&koeln, ".e-content p a[href*='/media/']", "href").as_ref(),
        Some(&full)
    );
    assert_eq!(client().get(&full).send().await.unwrap().status(), 200);
    let (_, article) = support::get_json(&format!("{base}posts/gruesse-aus-koeln")).await;
    let mut documents = vec![article.to_string()];
    for feed in ["feed.atom", "feed.rss", "feed.json"] {
        documents.push(text_of(&format!("{base}{feed}")).await.1);
    }
    for (document, text) in [
        ("page", koeln.html()),
        ("Article", documents[0].clone()),
        ("Atom", documents[1].clone()),
        ("RSS", documents[2].clone()),
        ("JSON Feed", documents[3].clone()),
    ] {
        // (Audio and video stay where they were: the blog stores images only.)
        assert!(
            !text.contains("alter-blog.example/wp-content/uploads/2024/01/dom-1"),
            "the {document} still links an image on the old site"
        );
    }
    assert!(
        img.attr("srcset").unwrap().contains(" 1200w"),
        "{:?}",
        img.attr("srcset")
    );
    assert_eq!(
        attr(&koeln, "figure.cover img", "alt").as_deref(),
        Some("Der Kölner Dom im Nebel")
    );
    assert_eq!(
        attr(&koeln, "meta[property='og:image:alt']", "content").as_deref(),
        Some("Der Kölner Dom im Nebel")
    );
    // 00:30 in Berlin on New Year's Day (23:30 UTC the day before).
    assert_eq!(
        texts(&koeln, "article.post > header time"),
        vec!["1. Januar 2024"]
    );
    let (status, january) = page(&format!("{base}archive/2024/01")).await;
    assert_eq!(status, 200);
    assert!(texts(&january, "main").concat().contains("Grüße aus Köln"));
    assert_eq!(page(&format!("{base}archive/2023/12")).await.0, 404);
    assert_eq!(
        texts(&koeln, "ul.tags a"),
        vec!["#Köln", "#Winter", "#Reisen"]
    );

    let (_, tram) = page(&format!("{base}posts/ueber-strassenbahnen")).await;
    assert_eq!(
        attr(&tram, "meta[name=description]", "content").as_deref(),
        Some(
            "Ein klassischer Beitrag über die Straßenbahn. Die zweite Zeile bleibt eine eigene Zeile."
        )
    );
    let body = texts(&tram, ".e-content").concat();
    assert!(!body.contains('['), "shortcodes left: {body}");
    assert_eq!(
        texts(&tram, ".e-content figure.wp-caption figcaption"),
        vec!["Der Dom bei Nacht"]
    );
    assert!(
        tram.select(&Selector::parse(".e-content p br").unwrap())
            .count()
            >= 1
    );
    assert_eq!(
        attr(&tram, ".e-content a[href$='gruesse-aus-koeln']", "href"),
        Some(format!("{base}posts/gruesse-aus-koeln")),
        "links to the old site's posts point here"
    );
    assert!(
        tram.select(&Selector::parse(".e-content figure.gallery img").unwrap())
            .count()
            == 1
    );
    for img in tram.select(&image) {
        assert!(
            img.value().attr("width").is_some(),
            "{:?}",
            img.value().attrs().collect::<Vec<_>>()
        );
    }
    let (_, general) = page(&format!("{base}posts/nur-allgemein")).await;
    assert!(
        texts(&general, "ul.tags a").is_empty(),
        "the default category is no tag"
    );
}

async fn comments_keep_their_ids(blog: &Instance) {
    let base = blog.base();
    let (_, koeln) = page(&format!("{base}posts/gruesse-aus-koeln")).await;
    let one = |s: &str| koeln.select(&Selector::parse(s).unwrap()).count();
    assert_eq!(
        one("li#comment-2"),
        1,
        "WordPress's comment ids are the anchors"
    );
    assert_eq!(one("li#comment-2 li#comment-3 li#comment-4"), 1, "threaded");
    assert_eq!(
        one("li#comment-3.by-author"),
        1,
        "the author's reply is marked"
    );
    assert_eq!(one("li#comment-2.by-author"), 0);
    assert_eq!(
        texts(&koeln, "li#comment-5 header .p-author"),
        vec!["Anonym"]
    );
    assert_eq!(
        one("li#comment-5 header a.p-author"),
        0,
        "no empty link for anonymous"
    );
    let all = texts(&koeln, "li.comment .e-content").concat();
    assert!(!all.contains("Noch nicht freigegeben") && !all.contains("schöner Beitrag"));
    let db = &blog.data().db;
    assert_eq!(
        mention::Entity::find().count(db).await.unwrap(),
        1,
        "the pingback is a mention"
    );
    let (status, feed) = text_of(&format!("{base}comments/feed.atom")).await;
    assert_eq!(status, 200);
    assert!(feed.contains("Anonym, aber nett."));
}

async fn old_addresses_redirect(blog: &Instance) {
    let mut browser = Browser::new(blog);
    let db = &blog.data().db;
    let koeln_id = import::parse_wxr(&std::fs::read_to_string(fixture_path()).unwrap())
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.title == "Grüße aus Köln")
        .unwrap()
        .post_id;
    let impressum = page_entity::Entity::find().all(db).await.unwrap();
    assert!(impressum.iter().any(|p| p.slug == "impressum"));
    for (old, new) in [
        (
            format!("/?p={koeln_id}"),
            "/posts/gruesse-aus-koeln".to_string(),
        ),
        (
            "/2024/01/01/gruesse-aus-koeln/".into(),
            "/posts/gruesse-aus-koeln".into(),
        ),
        (
            "/2024/01/01/gruesse-aus-koeln/?utm_source=x".into(),
            "/posts/gruesse-aus-koeln".into(),
        ),
        (
            "/2024/01/01/gruesse-aus-koeln/feed/".into(),
            "/comments/feed.atom".into(),
        ),
        ("/impressum/".into(), "/pages/impressum".into()),
        ("/ueber-mich/kontakt/".into(), "/pages/kontakt".into()),
        ("/feed/".into(), "/feed.rss".into()),
        ("/feed/atom/".into(), "/feed.atom".into()),
        ("/?feed=rss2".into(), "/feed.rss".into()),
        ("/comments/feed/".into(), "/comments/feed.atom".into()),
        ("/category/reisen/".into(), "/tags/Reisen".into()),
        ("/tag/koeln/".into(), "/tags/K%C3%B6ln".into()),
        ("/author/joerg/".into(), "/authors/joerg".into()),
        ("/2024/".into(), "/archive/2024".into()),
        ("/2024/01/".into(), "/archive/2024/01".into()),
    ] {
        let answer = browser.get(&old).await;
        assert_eq!(
            (answer.status, answer.location()),
            (301, Some(new.clone())),
            "{old}"
        );
    }
    let upload = browser.get("/wp-content/uploads/2024/01/dom-1.jpg").await;
    assert_eq!(upload.status, 301);
    let location = upload.location().unwrap();
    assert!(location.starts_with("/media/"), "{location}");
    assert_eq!(browser.get(&location).await.status, 200);
    // Every target answers.
    for path in [
        "/feed.rss",
        "/tags/Reisen",
        "/tags/K%C3%B6ln",
        "/authors/joerg",
        "/archive/2024",
    ] {
        assert_eq!(browser.get(path).await.status, 200, "{path}");
    }
    assert_eq!(
        browser.get("/?p=999999").await.status,
        200,
        "an unknown ?p= is the home page"
    );
    assert_eq!(browser.get("/2019/05/nothing-here/").await.status, 404);
}

/// The statuses /admin/pages lists.
async fn page_statuses(browser: &mut support::Browser) -> Vec<String> {
    let list = browser.get("/admin/pages").await.html();
    texts(&list, "tr.page td.status")
}

/// Static pages written in /admin: listed, published into the navigation, edited,
/// unpublished, moved to the trash and restored, deleted; never in the feeds or the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_pages_are_edited_in_admin() {
    support::init();
    let blog = Blog::new("pages").start().await;
    let mut browser = logged_in(&blog, "anna").await;
    let form = browser.get("/admin/pages/new").await;
    assert_eq!(form.status, 200);
    let csrf = csrf_of(&form.text);
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "Über uns"),
        ("slug", ""),
        ("body", "Wir *schreiben*."),
        ("in_navigation", "1"),
        ("navigation_order", "2"),
        ("lang", "de"),
        ("action", "publish"),
    ];
    let saved = browser.post_form("/admin/pages", &fields).await;
    assert_eq!(
        (saved.status, saved.location().as_deref()),
        (303, Some("/admin/pages"))
    );
    let list = browser.get("/admin/pages").await;
    assert!(texts(&list.html(), "table.pages td a").contains(&"Über uns".to_string()));
    let (status, html) = page(&format!("{}pages/uber-uns", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&html, ".e-content em"), vec!["schreiben"]);
    assert!(texts(&html, "header.site nav a").contains(&"Über uns".to_string()));
    // Refused without the session's token.
    let mut forged = fields;
    forged[0] = ("csrf", "forged");
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns", &forged)
            .await
            .status,
        403
    );
    // A draft leaves the blog and its navigation.
    let mut draft = fields;
    draft[7] = ("action", "draft");
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns", &draft)
            .await
            .status,
        303
    );
    assert_eq!(page(&format!("{}pages/uber-uns", blog.base())).await.0, 404);
    let (_, home) = page(&blog.base()).await;
    assert!(!texts(&home, "header.site nav a").contains(&"Über uns".to_string()));
    let (_, feed) = text_of(&format!("{}feed.atom", blog.base())).await;
    assert!(!feed.contains("Über uns"));
    // Published again, then unpublished by its own button; to the trash and back as a draft.
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns", &fields)
            .await
            .status,
        303
    );
    assert_eq!(page(&format!("{}pages/uber-uns", blog.base())).await.0, 200);
    let token = [("csrf", csrf.as_str())];
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns/unpublish", &token)
            .await
            .status,
        303
    );
    assert_eq!(page(&format!("{}pages/uber-uns", blog.base())).await.0, 404);
    assert_eq!(page_statuses(&mut browser).await, vec!["draft"]);
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns", &fields)
            .await
            .status,
        303
    );
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns/trash", &token)
            .await
            .status,
        303
    );
    assert_eq!(page(&format!("{}pages/uber-uns", blog.base())).await.0, 404);
    let (_, home) = page(&blog.base()).await;
    assert!(!texts(&home, "header.site nav a").contains(&"Über uns".to_string()));
    assert_eq!(page_statuses(&mut browser).await, vec!["in the trash"]);
    let editor = browser.get("/admin/pages/uber-uns/edit").await.html();
    assert_eq!(texts(&editor, ".status-actions button"), vec!["Restore"]);
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns/restore", &token)
            .await
            .status,
        303
    );
    assert_eq!(page_statuses(&mut browser).await, vec!["draft"]);
    // Restoring what is not in the trash says so.
    assert_eq!(
        browser
            .post_form("/admin/pages/uber-uns/restore", &token)
            .await
            .status,
        400
    );
    let deleted = browser
        .post_form("/admin/pages/uber-uns/delete", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(browser.get("/admin/pages/uber-uns/edit").await.status, 404);
}

/// A WordPress export of `n` posts, every third one named like the first (`notiz`, so a post
/// imported twice shows as one `notiz-K` too many), each with a comment.
fn many_posts(n: usize) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Viele Notizen</title><link>https://alter-blog.example</link>
<language>de-DE</language><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://alter-blog.example</wp:base_site_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[jörg]]></wp:author_login><wp:author_display_name><![CDATA[Jörg]]></wp:author_display_name></wp:author>
"#,
    );
    for i in 1..=n {
        let name = if i % 3 == 0 {
            "notiz".to_string()
        } else {
            format!("notiz-nummer-{i}")
        };
        xml.push_str(&format!(
            r#"<item><title><![CDATA[Notiz {i}]]></title>
<link>https://alter-blog.example/2020/01/{name}/</link>
<dc:creator><![CDATA[jörg]]></dc:creator>
<guid isPermaLink="false">https://alter-blog.example/?p={i}</guid>
<content:encoded><![CDATA[<p>Text der Notiz {i}.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{i}</wp:post_id>
<wp:post_date_gmt><![CDATA[2020-01-01 10:00:00]]></wp:post_date_gmt>
<wp:post_modified_gmt><![CDATA[2020-01-02 10:00:00]]></wp:post_modified_gmt>
<wp:post_name><![CDATA[{name}]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status><wp:post_parent>0</wp:post_parent>
<wp:post_type><![CDATA[post]]></wp:post_type>
<wp:comment><wp:comment_id>{i}</wp:comment_id><wp:comment_author><![CDATA[Zoë]]></wp:comment_author>
<wp:comment_date_gmt><![CDATA[2020-01-01 12:00:00]]></wp:comment_date_gmt>
<wp:comment_content><![CDATA[Danke für Notiz {i}]]></wp:comment_content>
<wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type>
<wp:comment_parent>0</wp:comment_parent></wp:comment></item>
"#
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// `feder import wordpress FILE` on `blog`'s database, as a child process the test may kill.
fn import_process(blog: &Blog, dir: &Path, file: &Path) -> std::process::Child {
    blog.command()
        .args(["import", "wordpress"])
        .arg(file)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// An import killed (SIGKILL) several times half-way and run again ends exactly as one
/// uninterrupted import: no post twice, no comment lost or doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_import_resumes_to_the_clean_result() {
    support::init();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let file = dir.path().join("export.xml");
    std::fs::write(&file, many_posts(240)).unwrap();
    // One domain for both databases: imported links name it.
    let domain_port = support::free_port();

    let blog = |name: &str| Blog::new(name).dir(&dir).port(domain_port).prepare();
    let clean_blog = blog("wp_clean").await;
    let clean = clean_blog.config().database.url;
    let status = import_process(&clean_blog, dir.path(), &file)
        .wait()
        .unwrap();
    assert!(status.success());
    let clean_db = sea_orm::Database::connect(&clean).await.unwrap();
    let expected = snapshot(&clean_db).await;
    assert_eq!(post::Entity::find().count(&clean_db).await.unwrap(), 240);

    let resumed_blog = blog("wp_resumed").await;
    let resumed = resumed_blog.config().database.url;
    let mut kills = 0;
    for threshold in [20, 60, 100, 140, 180, 220] {
        let mut child = import_process(&resumed_blog, dir.path(), &file);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let stored = match sea_orm::Database::connect(&resumed).await {
                Ok(db) => post::Entity::find().count(&db).await.unwrap_or(0),
                Err(_) => 0,
            };
            if stored >= threshold {
                child.kill().unwrap();
                kills += 1;
                break;
            }
            assert!(std::time::Instant::now() < deadline, "import too slow");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        child.wait().unwrap();
    }
    assert!(
        kills > 0,
        "no import was interrupted: the test proves nothing"
    );
    let status = import_process(&resumed_blog, dir.path(), &file)
        .wait()
        .unwrap();
    assert!(status.success());
    let resumed_db = sea_orm::Database::connect(&resumed).await.unwrap();
    assert_eq!(
        snapshot(&resumed_db).await,
        expected,
        "interrupted {kills} times, then resumed"
    );
}
