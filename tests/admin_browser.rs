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

mod support;

use fantoccini::Locator;
use feder::services::{followers, local_actor::LocalActor, posts, users};
use serde_json::json;
use support::{
    Blog, PASSWORD, Peer, chromium, connect, eventually, fits, follow, free_port, jpeg, log_in,
    outside_the_window, publish, received_of, reply, screenshots, start_driver, text_of, watch_csp,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_in_headless_chromium() {
    let Some((browser, driver)) = chromium() else {
        return;
    };
    let blog = Blog::new("admin_browser").start().await;
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
    let blog = Blog::new("admin_followers_phone")
        .configure(|c| c.blog.author_actors = true)
        .start()
        .await;
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

/// Asserts that the page at `path` shows at least one element matching `css`.
async fn shows(client: &fantoccini::Client, base: &str, path: &str, css: &str) {
    client.goto(&format!("{base}{path}")).await.unwrap();
    let found = client.find_all(Locator::Css(css)).await.unwrap();
    assert!(!found.is_empty(), "{path} shows no {css}");
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
    let blog = Blog::new("admin_widths")
        .configure(|c| {
            c.blog.comment_policy = feder::config::CommentPolicy::Approval;
            c.inbox.max_attempts = 1;
        })
        .start()
        .await;
    let peer = Peer::start().await;
    let mut http = support::logged_in(&blog, "jane").await;
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
    // A direct message (to the blog alone), with a word too long for a phone, and its
    // private answer form in /admin/notifications.
    let dm = format!("{}/users/alice/statuses/dm", peer.base);
    let status = peer
        .post_signed(
            &format!("{}inbox", blog.base()),
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{dm}/activity"), "type": "Create", "actor": peer.actor,
                "to": [blog.actor()],
                "object": {
                    "id": dm, "type": "Note", "attributedTo": peer.actor, "to": [blog.actor()],
                    "tag": [{"type": "Mention", "href": blog.actor()}],
                    "content": "<p>Just between us: Tomatensamenkeimungsgeschwindigkeitsmessung?</p>",
                },
            }),
        )
        .await;
    assert!(status < 300, "direct message answered {status}");
    // A like puts the post among the top posts of /admin/stats (the reply waits).
    support::like(&peer, &blog, &post_url).await;
    // A reply to a note on a server that does not answer: tried once, then a dead letter.
    let gone = format!("http://localhost:{}/notes/somewhere-far-away", free_port());
    reply(&peer, &blog, &gone, 2, "Lost in a thread").await;
    // The peer refuses what the blog sends next: a failed delivery with its reason.
    peer.answer_with(&[410; 20]);
    publish(&blog, "---\ntitle: Second\n---\nMore.\n").await;
    blog.settle(30).await;
    http.upload_image("tomato.jpg", "A tomato plant", &jpeg(1600, 900))
        .await;

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
    pages.push(("/admin/moving", "moving"));
    let list = feder::services::blocklists::subscribe(
        &blog.data().site,
        "http://localhost:1/a-shared-blocklist-with-a-rather-long-address-for-a-phone.csv",
    )
    .await
    .expect("subscribed");
    let blocklist = format!("/admin/blocklists/{}", list.id);
    pages.push((blocklist.as_str(), "blocklist"));
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
    shows(&client, &base, "/admin/deliveries", "section.received li").await;
    shows(&client, &base, "/admin/deliveries", "tr.failed").await;
    shows(&client, &base, "/admin/notifications", "strong.private").await;
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
    shows(
        &client,
        &base,
        "/admin/comments",
        "li.comment button.danger",
    )
    .await;
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
    let blog = Blog::new("admin_reader_phone").start().await;
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
        mentions: None,
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
