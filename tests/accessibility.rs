//! Accessibility in a real headless Chromium: axe-core (npm, pinned in tests/a11y, installed by
//! `tests/a11y/setup.sh`) is injected into every /admin page and every public page, with the
//! content that fills them (a post with tags, a cover and a fediverse comment, a static page,
//! an uploaded image, a notification), and no violation may be found, of any impact (the issue
//! asks for no critical or serious one; the pages have none of the lesser ones either).
//!
//! Without chromium, chromedriver or axe-core the test says so and passes, except under
//! `CI=true`.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use fantoccini::{Client, Locator};
use feder::services::pages;
use serde_json::Value;
use std::path::PathBuf;
use support::{Blog, Peer, chromium, connect, follow, jpeg, log_in, publish, reply, start_driver};

/// axe.min.js from tests/a11y/node_modules; none (the test is skipped) without it, except
/// under `CI=true`.
fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/a11y/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but no {}: run tests/a11y/setup.sh",
                path.display()
            );
            eprintln!("skipped: no axe-core (run tests/a11y/setup.sh)");
            None
        }
    }
}

/// The violations axe finds on the current page, of any impact, one line each: the
/// rule, its impact and the first elements it names. The script is given by WebDriver, which
/// the page's Content-Security-Policy does not govern.
async fn violations(client: &Client, axe: &str) -> Vec<String> {
    client
        .execute(&format!("{axe}\nreturn typeof axe;"), vec![])
        .await
        .expect("axe injected");
    let found = client
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): '
                        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
                .catch(e => done(['axe failed: ' + e]));
            "#,
            vec![],
        )
        .await
        .expect("axe ran");
    match found {
        Value::Array(lines) => lines
            .into_iter()
            .map(|l| l.as_str().unwrap_or_default().to_string())
            .collect(),
        other => vec![format!("axe answered {other}")],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_axe_clean() {
    let Some((browser, driver)) = chromium() else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let blog = Blog::new("accessibility").start().await;
    let mut http = support::logged_in(&blog, "jane").await;
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let post = publish(
        &blog,
        "---\ntitle: Tomatoes\ntags: [garden, summer]\nsummary: Red and round.\n---\n\
         Red and round.\n\n## Sowing\n\nIn March.\n",
    )
    .await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    reply(&peer, &blog, &post_url, 1, "How do you grow them?").await;
    let page = pages::save(
        &blog.data().db,
        &blog.data().urls,
        pages::PageInput {
            title: "About".into(),
            slug: None,
            body_markdown: "Who writes here.".into(),
            lang: "en".into(),
            published: true,
            in_navigation: true,
            navigation_order: 0,
        },
    )
    .await
    .expect("page");
    http.upload_image("tomato.jpg", "A tomato plant", &jpeg(320, 200))
        .await;

    let (_driver_process, driver_url) = start_driver(&driver).await;
    let profile = tempfile::tempdir().expect("profile");
    let client = connect(&driver_url, &browser, profile.path()).await;
    let base = blog.base().trim_end_matches('/').to_string();
    let post_path = format!("/posts/{}", post.slug);
    let page_path = format!("/pages/{}", page.slug);
    let year_path = format!("/archive/{}", post.published_at.format("%Y"));
    let public = [
        "/",
        post_path.as_str(),
        "/tags/garden",
        "/archive",
        year_path.as_str(),
        page_path.as_str(),
        "/posts/no-such-post",
        "/admin/login",
    ];
    let edit_post = format!("/admin/posts/{}/edit", post.slug);
    let edit_page = format!("/admin/pages/{}/edit", page.slug);
    let list = feder::services::blocklists::subscribe(
        &blog.data().site,
        "http://localhost:1/blocklist.csv",
    )
    .await
    .expect("subscribed");
    let blocklist = format!("/admin/blocklists/{}", list.id);
    let stats_year = format!("/admin/stats/{}", post.published_at.format("%Y"));
    let stats_post = format!("/admin/stats/posts/{}", post.slug);
    // A post of the peer in the Reader's timeline, and its thread read from the peer.
    let note = format!("{}/notes/garden", peer.base);
    peer.serve_note(
        "garden",
        serde_json::json!({
            "id": note, "type": "Note", "attributedTo": peer.actor,
            "content": "<p>What grows in your garden?</p>", "published": "2026-11-01T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }),
    );
    let stored = feder::services::remote_notes::RemoteNote {
        id: url::Url::parse(&note).unwrap(),
        author: url::Url::parse(&peer.actor).unwrap(),
        kind: "Note".into(),
        in_reply_to: None,
        title: None,
        content_html: "<p>What grows in your garden?</p>".into(),
        article_html: None,
        links: 0,
        url: None,
        published: None,
        updated: None,
        audience: feder::services::remote_notes::Audience::Public,
        mentions: None,
        quotes: None,
        summary: None,
        attachments: vec![],
        context: None,
    };
    feder::services::reading::store(&blog.data().db, &stored)
        .await
        .unwrap();
    let thread = format!(
        "/admin/reader/thread?id={}",
        url::form_urlencoded::byte_serialize(note.as_bytes()).collect::<String>()
    );
    for path in ["/admin/reader".to_string(), thread.clone()] {
        let shown = http.get(&path).await;
        assert!(
            shown.status == 200 && shown.text.contains("What grows in your garden?"),
            "{path} shows the peer's post: {}",
            shown.text
        );
    }
    let admin = [
        "/admin",
        "/admin/posts",
        "/admin/posts/new",
        edit_post.as_str(),
        "/admin/pages",
        "/admin/pages/new",
        edit_page.as_str(),
        "/admin/comments",
        "/admin/comments?status=approved",
        "/admin/notifications",
        "/admin/reports",
        "/admin/reader",
        thread.as_str(),
        "/admin/followers",
        "/admin/deliveries",
        "/admin/media",
        "/admin/profile",
        "/admin/settings",
        "/admin/moving",
        "/admin/stats",
        stats_year.as_str(),
        stats_post.as_str(),
        blocklist.as_str(),
    ];
    let mut found = Vec::new();
    for (i, path) in public.iter().chain(admin.iter()).enumerate() {
        if i == public.len() {
            log_in(&client, &base, "jane").await;
        }
        client.goto(&format!("{base}{path}")).await.unwrap();
        client
            .wait()
            .for_element(Locator::Css("body"))
            .await
            .unwrap();
        for line in violations(&client, &axe).await {
            found.push(format!("{path}: {line}"));
        }
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}
