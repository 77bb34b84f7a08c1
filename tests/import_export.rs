//! Importing a WordPress export (made for this project, with non-ASCII text): posts keep
//! their dates, slugs and authors, old addresses redirect, comments come along, followers are
//! not sent anything, and a second run duplicates nothing. Then `export` and `import markdown`
//! into an empty database give the same blog.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::{
    db::entities::{comment, post},
    services::{export, followers, import, posts, redirects, users},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use support::{Blog, Browser, Instance, Peer, follow, get_json, jpeg, page, settled, texts};

fn fixture() -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/wordpress/blog.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn wordpress(blog: &Instance, uploads: Option<std::path::PathBuf>) -> import::ImportReport {
    let mut seen = 0;
    let report = import::wordpress(
        &blog.data(),
        &fixture(),
        &import::WordpressOptions {
            uploads_dir: uploads,
        },
        &mut |p| {
            if let import::Progress::Item(_) = p {
                seen += 1;
            }
        },
    )
    .await
    .expect("import");
    assert_eq!(seen, 5, "progress for every post and page");
    report
}

/// The blog as comparable values: posts (with authors) and comments, oldest first.
async fn snapshot(db: &DatabaseConnection) -> (Vec<String>, Vec<String>) {
    let posts: Vec<String> = post::Entity::find()
        .order_by_asc(post::Column::Slug)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
                p.slug,
                p.title,
                p.body_markdown,
                p.summary,
                p.tags,
                p.lang,
                p.published_at.timestamp(),
                p.updated_at.timestamp(),
                p.status,
                p.author,
                p.cover_url,
                p.cover_alt,
                p.deleted_at
            )
        })
        .collect();
    let comments: Vec<String> = comment::Entity::find()
        .order_by_asc(comment::Column::ApId)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            format!(
                "{}|{}|{}|{:?}|{}|{}",
                c.ap_id,
                c.in_reply_to,
                c.content_html,
                c.author_name,
                c.published_at.timestamp(),
                c.is_local
            )
        })
        .collect();
    (posts, comments)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wordpress_import_then_export_and_rebuild() {
    support::init();
    let blog = Blog::new("wp").start().await;
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let db = &blog.data().db;

    let report = wordpress(&blog, None).await;
    assert_eq!(
        (
            report.created,
            report.updated,
            report.comments,
            report.media
        ),
        (4, 0, 2, 0)
    );
    // The page is a static page, the private post a draft (and the report says so); the
    // attachment is used as the cover, not counted.
    assert_eq!((report.skipped, report.pages), (0, 1));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("„Geheim“: private")),
        "{report}"
    );
    assert_eq!(
        posts::find_any(db, "geheim").await.unwrap().unwrap().status,
        post::DRAFT
    );

    // Dates, slugs, authors, tags and the draft as WordPress had them.
    let koln = posts::find_any(db, "grusse-aus-koln")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(koln.title, "Grüße aus Köln");
    assert_eq!(koln.published_at.to_rfc3339(), "2019-05-12T10:30:00+00:00");
    assert_eq!(koln.updated_at.to_rfc3339(), "2019-05-13T06:00:00+00:00");
    assert_eq!(koln.tag_list(), vec!["Köln", "Reisen"]);
    assert_eq!(koln.author.as_deref(), Some("Jörg Müller"));
    assert_eq!(koln.summary, "Ein Tag am Rhein.");
    assert_eq!(koln.lang, "de-DE");
    assert_eq!(
        koln.cover_url.as_deref(),
        Some("https://alter-blog.example/wp-content/uploads/2019/05/dom.jpg")
    );
    let tram = posts::find_any(db, "uber-strassenbahnen")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tram.title, "Über Straßenbahnen – 東京の路面電車");
    assert_eq!(tram.tag_list(), vec!["Tōkyō"]);
    assert_eq!(tram.author.as_deref(), Some("Zoë Åkesson"));
    let draft = posts::find_any(db, "unfertig").await.unwrap().unwrap();
    assert_eq!(draft.status, post::DRAFT);
    let authors: Vec<String> = users::list(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(authors, vec!["jorg", "zoe"]);

    // Pages show them; the old address redirects.
    let post_url = format!("{}posts/grusse-aus-koln", blog.base());
    let (status, html) = page(&post_url).await;
    assert_eq!(status, 200);
    assert!(texts(&html, ".e-content")[0].contains("Ein Spaziergang am Rhein – „schön“ & kalt."));
    let img = scraper::Selector::parse(".e-content img").unwrap();
    assert_eq!(
        html.select(&img).next().unwrap().value().attr("src"),
        Some("https://alter-blog.example/wp-content/uploads/2019/05/dom.jpg"),
        "images stay links without --download-media"
    );
    let comment_texts = texts(&html, "li.comment .e-content");
    assert_eq!(
        comment_texts,
        vec!["Wie schön! 👍Grüße aus Malmö.", "Danke, Zoë!"]
    );
    let mut browser = Browser::new(&blog);
    for old in [
        "/2019/05/gr%c3%bc%c3%9fe-aus-koln/",
        "/2019/05/gr%C3%BC%C3%9Fe-aus-koln",
    ] {
        let answer = browser.get(old).await;
        assert_eq!(answer.status, 301, "{old}");
        assert_eq!(answer.location().as_deref(), Some("/posts/grusse-aus-koln"));
    }
    assert_eq!(browser.get("/2019/05/nothing-here/").await.status, 404);

    // In the outbox (the draft is not), but not delivered as new.
    let (_, outbox) = get_json(&format!("{}actor/outbox", blog.base())).await;
    assert_eq!(outbox["totalItems"], 2);
    // Once the blog has nothing pending, whatever it was going to send has arrived.
    settled(db, 20).await;
    let kinds: Vec<String> = peer
        .received()
        .iter()
        .map(|r| r.body["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(kinds, vec!["Accept"], "imports are not delivered");

    // A second run adds nothing.
    let before = snapshot(db).await;
    let again = wordpress(&blog, None).await;
    assert_eq!((again.created, again.updated, again.comments), (0, 4, 0));
    assert_eq!(snapshot(db).await, before);

    // With a local copy of the uploads, images and the cover are stored with the blog (once).
    let uploads = blog.dir.path().join("wp-uploads");
    std::fs::create_dir_all(uploads.join("2019/05")).unwrap();
    std::fs::write(uploads.join("2019/05/dom.jpg"), jpeg(1600, 900)).unwrap();
    let with_media = wordpress(&blog, Some(uploads.clone())).await;
    assert_eq!(with_media.media, 1);
    let koln = posts::find_any(db, "grusse-aus-koln")
        .await
        .unwrap()
        .unwrap();
    let media_prefix = format!("{}media/", blog.base());
    assert!(
        koln.body_markdown.contains(&media_prefix),
        "{}",
        koln.body_markdown
    );
    assert!(!koln.body_markdown.contains("alter-blog.example/wp-content"));
    let cover = koln.cover_url.clone().unwrap();
    assert!(cover.starts_with(&media_prefix) && cover.ends_with("-card.jpg"));
    assert_eq!(
        support::client().get(&cover).send().await.unwrap().status(),
        200
    );
    assert_eq!(wordpress(&blog, Some(uploads)).await.media, 0);

    // Export, then rebuild in an empty database.
    let out = blog.dir.path().join("export");
    let exported = export::export(&blog.data(), &out).await.unwrap();
    assert_eq!(
        (
            exported.posts,
            exported.comments,
            exported.media,
            exported.followers
        ),
        (4, 2, 1, 1)
    );
    let markdown = std::fs::read_to_string(out.join("posts/grusse-aus-koln.md")).unwrap();
    assert!(markdown.starts_with("---\ntitle: \"Grüße aus Köln\"\n"));

    let copy = Blog::new("copy").start().await;
    let copy_db = &copy.data().db;
    let rebuilt = import::markdown(&copy.data(), &out, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (rebuilt.created, rebuilt.comments, rebuilt.media),
        (4, 2, 1)
    );
    assert_eq!(snapshot(copy_db).await, snapshot(db).await);
    let followers: Vec<String> = followers::list(copy_db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.actor_ap_id)
        .collect();
    assert_eq!(followers, vec![peer.actor.clone()]);
    let copied_authors: Vec<(String, String)> = users::list(copy_db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect();
    assert_eq!(
        copied_authors,
        vec![
            ("jorg".to_string(), "Jörg Müller".to_string()),
            ("zoe".to_string(), "Zoë Åkesson".to_string())
        ]
    );
    let cover_file = cover.rsplit('/').next().unwrap();
    let served = support::client()
        .get(format!("{}media/{cover_file}", copy.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let uri: axum::http::Uri = "/2019/05/gr%C3%BC%C3%9Fe-aus-koln/".parse().unwrap();
    assert_eq!(
        redirects::target(copy_db, &uri).await.unwrap().as_deref(),
        Some("/posts/grusse-aus-koln")
    );
    // Importing the export again changes nothing.
    let twice = import::markdown(&copy.data(), &out, &mut |_| {})
        .await
        .unwrap();
    assert_eq!((twice.created, twice.comments), (0, 0));
    assert_eq!(snapshot(copy_db).await, snapshot(db).await);
    assert_eq!(
        comment::Entity::find()
            .filter(comment::Column::PostId.is_not_null())
            .all(copy_db)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hugo_and_jekyll_files() {
    support::init();
    let blog = Blog::new("hugo").start().await;
    let site = blog.dir.path().join("site");
    std::fs::create_dir_all(site.join("content/posts/reise")).unwrap();
    std::fs::write(
        site.join("content/posts/2020-02-03-hallo-welt.md"),
        "---\ntitle: \"Hallo, Welt\"\ndate: 2020-02-03T10:00:00+01:00\ntags: [start]\n---\nErster *Eintrag*.\n",
    )
    .unwrap();
    std::fs::write(
        site.join("content/posts/reise/index.md"),
        "---\ntitle: Reise nach Åre\ndate: 2021-07-01\ndraft: true\n---\nPacken.\n",
    )
    .unwrap();
    let report = import::markdown(&blog.data(), &site, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.created, 2);
    let hallo = posts::find(&blog.data().db, "hallo-welt")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hallo.published_at.to_rfc3339(), "2020-02-03T09:00:00+00:00");
    assert_eq!(hallo.body_html, "<p>Erster <em>Eintrag</em>.</p>\n");
    let reise = posts::find_any(&blog.data().db, "reise")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reise.status, post::DRAFT);
    assert_eq!(page(&format!("{}posts/reise", blog.base())).await.0, 404);
}
