//! The owner's workspace in a real headless Chromium, driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`, through the `fantoccini` crate): log in, see a peer's
//! reply in the notifications, answer it from the form (the peer receives the threaded Note),
//! change the title in the settings (the public page changes), remove a follower (the peer
//! receives the Reject), upload an image by the file input, and watch a draft autosave.
//! Screenshots of every admin page at desktop and phone width go to `target/screenshots/`.
//!
//! Without chromium and chromedriver the test says so and passes, except under `CI=true`.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin_helpers;
mod common;
mod site;

use admin_helpers::{PASSWORD, follow, jpeg, received_of};
use common::{Peer, eventually, free_port};
use fantoccini::{Client, ClientBuilder, Locator};
use feder::services::{followers, local_actor::LocalActor, posts, users};
use serde_json::json;
use site::{publish, reply, start_blog};
use std::{path::PathBuf, process::Stdio};

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |b| dir.join(b)))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free loopback port, ended with the test.
async fn start_driver(driver: &PathBuf) -> (tokio::process::Child, String) {
    let port = free_port();
    let child = tokio::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let status = format!("{url}/status");
    eventually("chromedriver answers", 30, || async {
        reqwest::get(&status)
            .await
            .ok()
            .filter(|r| r.status().is_success())
    })
    .await;
    (child, url)
}

async fn connect(driver: &str, browser: &PathBuf, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": browser,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-extensions",
                     "--window-size=1280,900", format!("--user-data-dir={}", profile.display())],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("WebDriver session")
}

/// Saves the current page at desktop and phone width.
async fn screenshots(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    for (width, height, label) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        client.set_window_size(width, height).await.expect("resize");
        let png = client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(dir.join(format!("admin-{name}-{label}.png")), png).expect("write");
    }
    client.set_window_size(1280, 900).await.expect("resize");
}

/// Text of the first element matching `css`.
async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// The CSP violations the page reported (a listener installed by the test, not the page).
async fn watch_csp(client: &Client) {
    client
        .execute(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
            vec![],
        )
        .await
        .expect("listener");
}

/// Chromium and chromedriver from `PATH`; none (the test is skipped) without them, except
/// under `CI=true`.
fn chromium() -> Option<(PathBuf, PathBuf)> {
    let (Some(browser), Some(driver)) = (
        find(&["chromium", "chromium-browser", "google-chrome"]),
        find(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no chromium + chromedriver: install Debian's chromium and chromium-driver"
        );
        eprintln!(
            "skipped: no chromium and chromedriver in PATH (apt-get install -y chromium chromium-driver)"
        );
        return None;
    };
    Some((browser, driver))
}

/// Logs `user` in through the form at `base`.
async fn log_in(client: &Client, base: &str, user: &str) {
    client.goto(&format!("{base}/admin/login")).await.unwrap();
    let form = client.form(Locator::Css("form")).await.unwrap();
    form.set_by_name("username", user).await.unwrap();
    form.set_by_name("password", PASSWORD).await.unwrap();
    form.submit().await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("header.admin"))
        .await
        .expect("logged in");
}

/// Whether the page is no wider than the window (nothing to scroll sideways).
async fn fits(client: &Client) -> bool {
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    widths[0].as_u64() <= widths[1].as_u64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_in_headless_chromium() {
    let Some((browser, driver)) = chromium() else {
        return;
    };
    let blog = start_blog("admin_browser", |_| {}).await;
    let peer = Peer::start().await;
    users::create(&blog.data().db, "jane", PASSWORD)
        .await
        .expect("user");
    follow(&peer, &blog).await;
    let post = publish(&blog, "---\ntitle: Tomatoes\n---\nRed and round.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    let comment = reply(&peer, &blog, &post_url, 1, "How do you grow them?").await;

    let (_driver_process, driver_url) = start_driver(&driver).await;
    let profile = tempfile::tempdir().expect("profile");
    let client = connect(&driver_url, &browser, profile.path()).await;
    let base = blog.base().trim_end_matches('/').to_string();

    // Log in through the form.
    client.goto(&format!("{base}/admin/login")).await.unwrap();
    screenshots(&client, "login").await;
    log_in(&client, &base, "jane").await;
    // The follow and the comment.
    assert_eq!(text_of(&client, "header nav .count").await, "2");
    screenshots(&client, "dashboard").await;

    // The reply is in the notifications; answer it from the form below it.
    client
        .goto(&format!("{base}/admin/notifications"))
        .await
        .unwrap();
    watch_csp(&client).await;
    let line = text_of(&client, "li.notification .line").await;
    assert!(
        line.contains("commented on") && line.contains("Tomatoes"),
        "{line}"
    );
    assert!(
        text_of(&client, "li.notification .content")
            .await
            .contains("How do you grow them?")
    );
    screenshots(&client, "notifications").await;
    client
        .find(Locator::Css("li.notification details.answer-form summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("li.notification form.reply textarea"))
        .await
        .unwrap()
        .send_keys("In the sun, with **patience**.")
        .await
        .unwrap();
    client
        .find(Locator::Css("li.notification form.reply button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let note = eventually("the peer receives the answer", 20, || async {
        received_of(&peer, "Create")
            .into_iter()
            .find(|a| a["object"]["type"] == "Note")
    })
    .await;
    assert_eq!(note["object"]["inReplyTo"], comment);
    assert!(
        note["object"]["content"]
            .as_str()
            .unwrap()
            .contains("<strong>patience</strong>")
    );

    // Every other page, for the screenshots (and that each one renders).
    for (path, name) in [
        ("/admin/comments?status=approved", "comments"),
        ("/admin/followers", "followers"),
        ("/admin/deliveries", "deliveries"),
        ("/admin/posts", "posts"),
        ("/admin/media", "media"),
        ("/admin/profile", "profile"),
    ] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        client
            .wait()
            .for_element(Locator::Css("main.admin h1"))
            .await
            .unwrap();
        screenshots(&client, name).await;
    }
    assert!(text_of(&client, "body").await.len() > 10);

    // Settings: a new title shows on the public page at once.
    client
        .goto(&format!("{base}/admin/settings"))
        .await
        .unwrap();
    screenshots(&client, "settings").await;
    let title = client
        .find(Locator::Css("input[name=title]"))
        .await
        .unwrap();
    title.clear().await.unwrap();
    title.send_keys("Tomato Diaries").await.unwrap();
    client
        .find(Locator::Css("form.settings button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Css("p.notice"))
        .await
        .expect("saved");
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(client.title().await.unwrap().contains("Tomato Diaries"));

    // Followers: remove the peer; it receives a Reject of its Follow.
    client
        .goto(&format!("{base}/admin/followers"))
        .await
        .unwrap();
    assert!(
        text_of(&client, "li.follower .who")
            .await
            .contains("localhost")
    );
    client
        .find(Locator::Css("li.follower button.remove"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let reject = eventually("the peer receives the Reject", 20, || async {
        received_of(&peer, "Reject").into_iter().next()
    })
    .await;
    assert_eq!(reject["object"]["actor"], peer.actor.as_str());

    // The editor: toolbar, word count, Mastodon card, image upload by the file input, autosave.
    client
        .goto(&format!("{base}/admin/posts/new"))
        .await
        .unwrap();
    watch_csp(&client).await;
    client
        .wait()
        .for_element(Locator::Css("#toolbar:not([hidden])"))
        .await
        .expect("the script ran");
    client
        .find(Locator::Css("input[name=title]"))
        .await
        .unwrap()
        .send_keys("Seedlings in March")
        .await
        .unwrap();
    let body = client.find(Locator::Css("#body")).await.unwrap();
    body.send_keys("Start them indoors, warm and bright.")
        .await
        .unwrap();
    eventually("the word count", 10, || async {
        let count = text_of(&client, "#word-count").await;
        count.starts_with("6 words").then_some(())
    })
    .await;
    assert_eq!(
        text_of(&client, "#mastodon-card .card-title").await,
        "Seedlings in March"
    );
    assert!(
        text_of(&client, "#mastodon-card .card-summary")
            .await
            .contains("Start them indoors")
    );
    let image = profile.path().join("seedling.jpg");
    std::fs::write(&image, jpeg(64, 48)).unwrap();
    client
        .find(Locator::Css("#upload-alt"))
        .await
        .unwrap()
        .send_keys("Green seedlings on a window sill")
        .await
        .unwrap();
    client
        .find(Locator::Css("#upload-file"))
        .await
        .unwrap()
        .send_keys(&image.display().to_string())
        .await
        .unwrap();
    client
        .find(Locator::Css("#upload-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("the image is inserted", 20, || async {
        let value = body.prop("value").await.ok().flatten()?;
        value
            .contains("![Green seedlings on a window sill](")
            .then_some(())
    })
    .await;
    eventually("the draft is autosaved", 20, || async {
        let status = text_of(&client, "#autosave-status").await;
        status.starts_with("Draft saved").then_some(())
    })
    .await;
    let draft = posts::find_any(&blog.data().db, "seedlings-in-march")
        .await
        .unwrap()
        .expect("the draft is stored");
    assert_eq!(draft.status, "draft");
    assert!(draft.body_markdown.contains("Start them indoors"));
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/admin/posts/seedlings-in-march/edit")
    );
    screenshots(&client, "editor").await;
    let violations = client
        .execute("return window.__csp;", vec![])
        .await
        .unwrap();
    assert_eq!(violations, json!([]), "CSP violations");
    client.close().await.unwrap();
}

/// With author actors, /admin/followers names whom each follower follows and has a tab per
/// actor; on a phone nothing sticks out sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_of_the_blog_and_an_author_on_a_phone() {
    let Some((browser, driver)) = chromium() else {
        return;
    };
    let blog = start_blog("admin_followers_phone", |c| c.blog.author_actors = true).await;
    users::create(&blog.data().db, "jane", PASSWORD)
        .await
        .expect("user");
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let jane = LocalActor::Author("jane".into());
    let follow_jane = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/jane", peer.actor), "type": "Follow",
        "actor": peer.actor, "object": jane.id(&blog.data().urls),
    });
    let status = peer
        .post_signed(&format!("{}inbox", blog.base()), &follow_jane)
        .await;
    assert_eq!(status, 202);
    eventually("the follow of Jane", 20, || async {
        (followers::count(&blog.data().db, &jane).await.ok()? == 1).then_some(())
    })
    .await;

    let (_driver_process, driver_url) = start_driver(&driver).await;
    let profile = tempfile::tempdir().expect("profile");
    let client = connect(&driver_url, &browser, profile.path()).await;
    let base = blog.base().trim_end_matches('/').to_string();
    log_in(&client, &base, "jane").await;
    client.set_window_size(390, 844).await.expect("resize");
    client
        .goto(&format!("{base}/admin/followers"))
        .await
        .unwrap();
    assert_eq!(
        text_of(&client, "nav.tabs")
            .await
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["All", "(2)", "Blog", "(1)", "@jane", "(1)"]
    );
    // Newest first: the follow of Jane.
    assert_eq!(
        text_of(&client, "li.follower .follows").await,
        "follows @jane"
    );
    assert!(
        fits(&client).await,
        "/admin/followers is wider than a phone"
    );
    client
        .goto(&format!("{base}/admin/followers?of=author:jane"))
        .await
        .unwrap();
    let rows = client
        .find_all(Locator::Css("li.follower"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert!(fits(&client).await);
    screenshots(&client, "followers-of-an-author").await;
}

/// What sticks out of the window: the page's scroll width if it is wider than the window, and
/// every shown element whose box leaves the window sideways (cut off or scrolled to), unless a
/// box of its own scrolls it (a code block, the preview).
async fn outside_the_window(client: &Client) -> (u64, Vec<String>) {
    let found = client
        .execute(
            r#"
            const width = window.innerWidth;
            const out = [];
            if (document.documentElement.scrollWidth > width) {
                out.push('scrollWidth ' + document.documentElement.scrollWidth);
            }
            const scrolls = e => {
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    const o = getComputedStyle(p).overflowX;
                    if (o === 'auto' || o === 'scroll') return true;
                }
                return false;
            };
            for (const e of document.querySelectorAll('body *')) {
                const r = e.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) continue;
                if (getComputedStyle(e).visibility === 'hidden') continue;
                if ((r.right > width + 1 || r.left < -1) && !scrolls(e)) {
                    out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                        + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
                }
            }
            return [width, out.slice(0, 8)];
            "#,
            vec![],
        )
        .await
        .expect("widths");
    let width = found[0].as_u64().expect("width");
    let out = found[1]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    (width, out)
}

/// Every /admin page at phone (390 × 844) and desktop (1280 × 900) width, with what makes them
/// wide: long addresses, a waiting comment with its block buttons, a failed delivery with its
/// reason, a dead letter, an uploaded image, notifications. Nothing may scroll sideways or be
/// cut off; tables become one card per row on the phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_page_fits_a_phone_and_a_desktop() {
    let Some((browser, driver)) = chromium() else {
        return;
    };
    let blog = start_blog("admin_widths", |c| {
        c.blog.comment_policy = feder::config::CommentPolicy::Approval;
        c.inbox.max_attempts = 1;
    })
    .await;
    let peer = Peer::start().await;
    let mut http = admin_helpers::logged_in(&blog, "jane").await;
    follow(&peer, &blog).await;
    let post = publish(
        &blog,
        "---\ntitle: A rather long title about tomatoes, seedlings and the sunny window sill\n\
         slug: a-rather-long-slug-about-tomatoes-seedlings-and-the-sunny-window-sill\n---\n\
         Red and round.\n\n```\nfn a_very_long_line_of_code_that_does_not_fit_a_phone() { \
         println!(\"tomatoes\"); }\n```\n",
    )
    .await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    reply(&peer, &blog, &post_url, 1, "How do you grow them?").await;
    // A like puts the post among the top posts of /admin/stats (the reply waits).
    site::like(&peer, &blog, &post_url).await;
    // A reply to a note on a server that does not answer: tried once, then a dead letter.
    let gone = format!("http://localhost:{}/notes/somewhere-far-away", free_port());
    reply(&peer, &blog, &gone, 2, "Lost in a thread").await;
    // The peer refuses what the blog sends next: a failed delivery with its reason.
    peer.answer_with(&[410; 20]);
    publish(&blog, "---\ntitle: Second\n---\nMore.\n").await;
    blog.settle(30).await;
    let csrf = admin_helpers::csrf_of(&http.get("/admin/media").await.text);
    let (content_type, body) = admin_helpers::multipart(
        &[("csrf", &csrf), ("alt", "A tomato plant")],
        &[("file", "tomato.jpg", "image/jpeg", &jpeg(1600, 900))],
    );
    let upload = http
        .post_with(
            "/admin/media",
            &[("Accept", "application/json")],
            &content_type,
            body,
        )
        .await;
    assert_eq!(upload.status, 201, "{}", upload.text);

    let (_driver_process, driver_url) = start_driver(&driver).await;
    let profile = tempfile::tempdir().expect("profile");
    let client = connect(&driver_url, &browser, profile.path()).await;
    let base = blog.base().trim_end_matches('/').to_string();
    let mut pages = vec![("/admin/login", "login")];
    pages.extend([
        ("/admin", "dashboard"),
        ("/admin/posts", "posts"),
        ("/admin/posts/new", "editor"),
        ("/admin/pages", "pages"),
        ("/admin/pages/new", "page editor"),
        ("/admin/comments", "comments"),
        ("/admin/comments?status=approved", "approved comments"),
        ("/admin/notifications", "notifications"),
        ("/admin/reader", "reader"),
        ("/admin/followers", "followers"),
        ("/admin/deliveries", "deliveries"),
        ("/admin/media", "media"),
        ("/admin/profile", "profile"),
        ("/admin/settings", "settings"),
        ("/admin/reports", "reports"),
        ("/admin/stats", "stats"),
    ]);
    let edit = format!("/admin/posts/{}/edit", post.slug);
    pages.push((edit.as_str(), "post editor"));
    let year = format!(
        "/admin/stats/{}",
        chrono::Datelike::year(&chrono::Utc::now())
    );
    pages.push((year.as_str(), "year in review"));
    let post_stats = format!("/admin/stats/posts/{}", post.slug);
    pages.push((post_stats.as_str(), "post stats"));
    let mut wide = Vec::new();
    for (i, (path, name)) in pages.iter().enumerate() {
        if i == 1 {
            log_in(&client, &base, "jane").await;
        }
        for (width, height) in [(390, 844), (1280, 900)] {
            client.set_window_size(width, height).await.expect("resize");
            client.goto(&format!("{base}{path}")).await.unwrap();
            client
                .wait()
                .for_element(Locator::Css("main.admin"))
                .await
                .unwrap();
            let (inner, out) = outside_the_window(&client).await;
            assert!(inner <= width as u64, "the window is {inner} px wide");
            if !out.is_empty() {
                wide.push(format!("{name} at {width}: {out:?}"));
            }
        }
    }
    // The content that makes the pages wide was there.
    client.set_window_size(390, 844).await.expect("resize");
    client
        .goto(&format!("{base}/admin/deliveries"))
        .await
        .unwrap();
    assert!(
        !client
            .find_all(Locator::Css("section.received li"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !client
            .find_all(Locator::Css("tr.failed"))
            .await
            .unwrap()
            .is_empty()
    );
    screenshots(&client, "deliveries-failed").await;
    // The charts are drawn at phone width: each SVG has a size and stays inside the window.
    client.set_window_size(390, 844).await.expect("resize");
    client.goto(&format!("{base}/admin/stats")).await.unwrap();
    let sizes = client
        .execute(
            "return [...document.querySelectorAll('svg.chart')].map(s => { \
               const r = s.getBoundingClientRect(); return [r.width, r.height]; });",
            vec![],
        )
        .await
        .expect("chart sizes");
    let sizes: Vec<(f64, f64)> = sizes
        .as_array()
        .expect("list")
        .iter()
        .map(|s| (s[0].as_f64().unwrap(), s[1].as_f64().unwrap()))
        .collect();
    assert_eq!(
        sizes.len(),
        2,
        "the followers chart and the top posts: {sizes:?}"
    );
    for (width, height) in &sizes {
        assert!(
            *width > 300.0 && *width <= 390.0 && *height > 30.0,
            "a chart at 390 px is {width} × {height}"
        );
    }
    assert!(
        fits(&client).await,
        "/admin/stats scrolls sideways on a phone"
    );
    screenshots(&client, "stats").await;
    client
        .goto(&format!("{base}/admin/comments"))
        .await
        .unwrap();
    assert!(
        !client
            .find_all(Locator::Css("li.comment button.danger"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        wide.is_empty(),
        "wider than the window:\n{}",
        wide.join("\n")
    );
}

/// The Reader on a phone (390 px): a timeline with a long unbroken link, a content warning, a
/// long folded Article and an image, beside the followers list, sticks out nowhere sideways;
/// the content warning opens by a tap. A thread read from the peer (a long word, an answer
/// indented under it with an image) does not stick out either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_on_a_phone() {
    use feder::services::{
        reading,
        remote_notes::{Attachment, Audience, RemoteNote},
    };
    let Some((browser, driver)) = chromium() else {
        return;
    };
    let blog = start_blog("admin_reader_phone", |_| {}).await;
    users::create(&blog.data().db, "jane", PASSWORD)
        .await
        .expect("user");
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let author = url::Url::parse(&peer.actor).unwrap();
    let note = |n: u32, kind: &str, html: String, summary: Option<&str>| RemoteNote {
        id: url::Url::parse(&format!("{}/notes/{n}", peer.actor)).unwrap(),
        author: author.clone(),
        kind: kind.into(),
        in_reply_to: None,
        title: (kind == "Article").then(|| "A title that is rather long for a phone".into()),
        content_html: html,
        article_html: None,
        links: 0,
        url: None,
        published: None,
        updated: None,
        audience: Audience::Public,
        mentions_blog: false,
        quotes: None,
        summary: summary.map(str::to_string),
        attachments: vec![Attachment {
            url: format!("{}/media/wide.png", blog.base()),
            media_type: "image/png".into(),
            alt: Some("A very wide picture".into()),
        }],
        context: None,
    };
    let long_link = format!(
        "<p><a href=\"https://example.com/{0}\">https://example.com/{0}</a></p>",
        "x".repeat(200)
    );
    let db = &blog.data().db;
    for stored in [
        note(1, "Note", long_link, None),
        note(
            2,
            "Note",
            "<p>Behind a warning.</p>".into(),
            Some("Spoilers"),
        ),
        note(
            3,
            "Article",
            "<p>A garden. </p>".repeat(80),
            Some("About gardens"),
        ),
    ] {
        reading::store(db, &stored).await.expect("stored");
    }

    let (_driver_process, driver_url) = start_driver(&driver).await;
    let profile = tempfile::tempdir().expect("profile");
    let client = connect(&driver_url, &browser, profile.path()).await;
    let base = blog.base().trim_end_matches('/').to_string();
    log_in(&client, &base, "jane").await;
    client.set_window_size(390, 844).await.expect("resize");
    client.goto(&format!("{base}/admin/reader")).await.unwrap();
    watch_csp(&client).await;
    assert_eq!(
        client
            .find_all(Locator::Css("li.entry.new"))
            .await
            .expect("entries")
            .len(),
        3
    );
    let (_, out) = outside_the_window(&client).await;
    assert!(
        out.is_empty(),
        "/admin/reader sticks out on a phone: {out:?}"
    );
    client
        .find(Locator::Css("details.cw summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&client, "details.cw[open] .content").await,
        "Behind a warning."
    );
    let (_, out) = outside_the_window(&client).await;
    assert!(
        out.is_empty(),
        "an open content warning sticks out: {out:?}"
    );
    screenshots(&client, "reader").await;

    // A thread, read from the peer: the post and an answer indented under it, on a phone.
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let root = format!("{}/notes/1", peer.base);
    let answer = format!("{}/notes/4", peer.base);
    peer.serve_note(
        "1",
        serde_json::json!({
            "id": root, "type": "Note", "attributedTo": peer.actor, "to": [public],
            "content": format!("<p>{}</p>", "A long word: ".to_string() + &"x".repeat(200)),
            "replies": {"type": "Collection", "items": [answer]},
        }),
    );
    peer.serve_note(
        "4",
        serde_json::json!({
            "id": answer, "type": "Note", "attributedTo": peer.actor, "to": [public],
            "inReplyTo": root, "content": "<p>An answer with a picture.</p>",
            "attachment": [{"type": "Image", "url": format!("{}/media/wide.png", blog.base()),
                "name": "A very wide picture"}],
        }),
    );
    let id: String = url::form_urlencoded::byte_serialize(root.as_bytes()).collect();
    client
        .goto(&format!("{base}/admin/reader/thread?id={id}"))
        .await
        .unwrap();
    assert_eq!(
        client
            .find_all(Locator::Css("li.entry.depth-1"))
            .await
            .expect("entries")
            .len(),
        1
    );
    let (_, out) = outside_the_window(&client).await;
    assert!(
        out.is_empty(),
        "/admin/reader/thread sticks out on a phone: {out:?}"
    );
    screenshots(&client, "reader-thread").await;
}
