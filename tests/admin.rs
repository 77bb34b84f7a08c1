//! /admin end to end: login and logout, CSRF and cross-site refusal, throttling, and the
//! editor: what is written (with an uploaded image and a cover) is what the page shows and
//! what a following Mastodon-like peer receives, through Update and Delete; drafts stay
//! private and scheduled posts go out at their time; the media library changes alt texts and
//! deletes only images nothing uses.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::{
    db::entities::{session, setting},
    services::{stored_html, users},
};
use sea_orm::{EntityTrait, PaginatorTrait};
use support::{
    Blog, Browser, PASSWORD, Peer, csrf_of, eventually, follow, get_json, jpeg, logged_in, page,
    received_of, texts,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_csrf_and_throttling() {
    support::init();
    // The test acts as a local reverse proxy that names other clients in X-Forwarded-For.
    let blog = Blog::new("admin")
        .configure(|c| {
            c.server.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
        })
        .start()
        .await;
    users::create(&blog.data().db, "jorg", PASSWORD)
        .await
        .expect("user");
    let mut browser = Browser::new(&blog);

    // Not logged in: the dashboard sends to the login form, which sets its CSRF cookie.
    let answer = browser.get("/admin").await;
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.location().as_deref(),
        Some("/admin/login?next=%2Fadmin")
    );
    let form = browser.get("/admin/login").await;
    assert_eq!(form.status, 200);
    let cookie = form.set_cookies().join("\n");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(
        !cookie.contains("Secure"),
        "local development is plain http"
    );

    // A login form without the matching CSRF token is refused.
    let answer = browser
        .post_form(
            "/admin/login",
            &[
                ("username", "jorg"),
                ("password", PASSWORD),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);

    // Five wrong passwords from one address; then even the right one waits.
    browser.forwarded_for = Some("203.0.113.9".into());
    for _ in 0..users::MAX_FAILED_LOGINS {
        let answer = browser.log_in("jorg", "wrong password!").await;
        assert_eq!(answer.status, 401);
        assert!(!browser.cookies.contains_key("feder_session"));
    }
    let answer = browser.log_in("jorg", PASSWORD).await;
    assert_eq!(answer.status, 429);
    assert!(answer.text.contains("Too many failed attempts"));

    // Another address is not throttled: the login works and the session is in the database.
    browser.forwarded_for = Some("203.0.113.10".into());
    let answer = browser.log_in("jorg", PASSWORD).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location().as_deref(), Some("/admin"));
    assert!(browser.cookies.contains_key("feder_session"));
    assert_eq!(
        session::Entity::find()
            .count(&blog.data().db)
            .await
            .unwrap(),
        1
    );
    let dashboard = browser.get("/admin").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.text.contains("Dashboard"));
    let csrf = csrf_of(&dashboard.text);

    // A form with another token, or from another site, changes nothing.
    let answer = browser
        .post_form(
            "/admin/profile",
            &[("csrf", "forged"), ("display_name", "Mallory")],
        )
        .await;
    assert_eq!(answer.status, 403);
    let answer = browser
        .post_with(
            "/admin/profile",
            &[("Origin", "https://evil.example")],
            "application/x-www-form-urlencoded",
            format!("csrf={csrf}&display_name=Mallory").into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 403);
    let answer = browser
        .post_form(
            "/admin/profile",
            &[
                ("csrf", &csrf),
                ("display_name", "Jörg Müller"),
                ("bio", "Schreibt über Köln."),
                ("fediverse_handle", "joerg@social.example"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    let user = users::find_by_username(&blog.data().db, "jorg")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.display_name, "Jörg Müller");
    assert_eq!(
        user.fediverse_handle.as_deref(),
        Some("@joerg@social.example")
    );

    // Logging out ends the session in the database, not only the cookie.
    let stolen = browser.cookies.get("feder_session").cloned().unwrap();
    let answer = browser.post_form("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(answer.status, 303);
    assert!(!browser.cookies.contains_key("feder_session"));
    browser.cookies.insert("feder_session".into(), stolen);
    let answer = browser.get("/admin").await;
    assert_eq!(answer.status, 303, "the old cookie no longer works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_round_trip_reaches_followers() {
    support::init();
    let blog = Blog::new("editor").start().await;
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let mut browser = logged_in(&blog, "jorg").await;

    let editor = browser.get("/admin/posts/new").await;
    assert_eq!(editor.status, 200);
    let csrf = csrf_of(&editor.text);

    // The live preview renders Markdown as it will be published.
    let preview = browser
        .post_form(
            "/admin/preview",
            &[("csrf", &csrf), ("body", "Hallo *Welt*")],
        )
        .await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.text.trim(), "<p>Hallo <em>Welt</em></p>");

    // Upload a photo with its alt text, as the editor's script does.
    let image = browser
        .upload_image("dom.jpg", "Der Dom im Nebel", &jpeg(1600, 900))
        .await;
    let display = image["display"].as_str().unwrap().to_string();
    let card = image["card"].as_str().unwrap().to_string();
    assert!(display.ends_with("-1200.jpg"));
    let served = support::client().get(&card).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let card_image = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((card_image.width(), card_image.height()), (1200, 630));

    // Publish.
    let text = format!(
        "Ein Spaziergang durch **Köln** – „schön“.\n\n{}\n",
        image["markdown"].as_str().unwrap()
    );
    let answer = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "Grüße aus Köln"),
                ("body", &text),
                ("tags", "köln, #reisen"),
                ("summary", "Ein Tag am Rhein."),
                ("lang", "de"),
                ("published", ""),
                ("cover_url", &card),
                ("cover_alt", "Der Dom im Nebel"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    let post_url = format!("{}posts/grusse-aus-koln", blog.base());

    // The page shows what was written.
    let (status, html) = page(&post_url).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&html, "h1.p-name"), vec!["Grüße aus Köln"]);
    assert!(texts(&html, ".e-content")[0].contains("Ein Spaziergang durch Köln – „schön“."));
    let img = scraper::Selector::parse(".e-content img").unwrap();
    let img = html.select(&img).next().expect("the photo");
    assert_eq!(img.value().attr("alt"), Some("Der Dom im Nebel"));
    assert_eq!(img.value().attr("src"), Some(display.as_str()));
    // Its size, so the page does not jump, and the full copy for dense screens.
    assert_eq!(
        (img.value().attr("width"), img.value().attr("height")),
        (Some("1200"), Some("675"))
    );
    let full = image["url"].as_str().unwrap();
    assert_eq!(
        img.value().attr("srcset"),
        Some(format!("{display} 1200w, {full} 1600w").as_str())
    );
    // Bodies rendered again for a new allowlist version come out as saved, sizes and all.
    let data = blog.data();
    setting::Entity::delete_by_id("body_html_policy".to_string())
        .exec(&data.db)
        .await
        .unwrap();
    assert_eq!(stored_html::refresh(&data.db, &data.urls).await.unwrap(), 0);
    assert_eq!(texts(&html, ".p-author"), vec!["jorg"]);

    // The follower receives the same: content, tags, cover as `image`, no attachment.
    let create = eventually("the peer receives the Create", 20, || async {
        received_of(&peer, "Create").into_iter().next()
    })
    .await;
    let article = &create["object"];
    assert_eq!(article["id"], post_url);
    // Title and teaser only as language maps (docs/federation.md: no content warning on
    // GoToSocial); the content starts with the linked title.
    assert_eq!(
        article["nameMap"]
            .as_object()
            .and_then(|m| m.values().next())
            .cloned()
            .unwrap_or_default(),
        "Grüße aus Köln"
    );
    assert_eq!(
        article["summaryMap"]
            .as_object()
            .and_then(|m| m.values().next())
            .cloned()
            .unwrap_or_default(),
        "<p>Ein Tag am Rhein.</p>"
    );
    assert!(article.get("name").is_none() && article.get("summary").is_none());
    let (_, served_article) = get_json(&post_url).await;
    assert_eq!(article["content"], served_article["content"]);
    assert!(
        article["content"]
            .as_str()
            .unwrap()
            .contains("alt=\"Der Dom im Nebel\"")
    );
    assert_eq!(article["contentMap"]["de"], article["content"]);
    assert_eq!(article["image"]["url"], card);
    assert_eq!(article["image"]["name"], "Der Dom im Nebel");
    assert_eq!(article["image"]["mediaType"], "image/jpeg");
    assert!(article.get("attachment").is_none());
    let tags: Vec<&str> = article["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, vec!["#köln", "#reisen"]);

    // Edit: the follower gets an Update with the new text.
    let edit = browser.get("/admin/posts/grusse-aus-koln/edit").await;
    assert_eq!(edit.status, 200);
    assert!(edit.text.contains("Ein Spaziergang durch **Köln**"));
    let answer = browser
        .post_form(
            "/admin/posts/grusse-aus-koln",
            &[
                ("csrf", &csrf),
                ("title", "Grüße aus Köln"),
                ("body", "Nachtrag: *Regen*."),
                ("tags", "köln"),
                ("lang", "de"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    let update = eventually("the peer receives the Update", 20, || async {
        received_of(&peer, "Update").into_iter().next()
    })
    .await;
    // The content opens with the linked title (docs/federation.md), then the edited body.
    assert!(
        update["object"]["content"]
            .as_str()
            .is_some_and(|c| c.ends_with("<p>Nachtrag: <em>Regen</em>.</p>\n")),
        "{update}"
    );

    // The dashboard shows the follower and how the post's activities were delivered. The
    // peer has the Update before the worker records it as delivered: wait for that record.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let html = loop {
        let html = browser.get("/admin").await.html();
        let delivered = texts(&html, "table.deliveries td.delivered");
        if delivered == vec!["1", "1"] || std::time::Instant::now() > deadline {
            break html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(texts(&html, "#follower-count"), vec!["1"]);
    assert_eq!(texts(&html, "ul.followers li"), vec![peer.actor.clone()]);
    let kinds = texts(&html, "table.deliveries td.kind");
    assert_eq!(kinds, vec!["Update", "Create"]);
    assert_eq!(
        texts(&html, "table.deliveries td.delivered"),
        vec!["1", "1"]
    );
    assert_eq!(texts(&html, "table.deliveries td.failed"), vec!["0", "0"]);

    // Delete: a Delete for the follower, 410 for everyone.
    let answer = browser
        .post_form("/admin/posts/grusse-aus-koln/delete", &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, 303);
    let delete = eventually("the peer receives the Delete", 20, || async {
        received_of(&peer, "Delete").into_iter().next()
    })
    .await;
    assert_eq!(delete["object"]["id"], post_url);
    let (status, _) = page(&post_url).await;
    assert_eq!(status, 410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_stay_private_and_scheduled_posts_go_out_on_time() {
    support::init();
    let blog = Blog::new("drafts").start().await;
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let mut browser = logged_in(&blog, "ada").await;
    let csrf = csrf_of(&browser.get("/admin/posts/new").await.text);

    // A draft: in the admin list, nowhere public, not delivered.
    let answer = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "Entwurf"),
                ("body", "Noch nicht fertig."),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(
        answer.location().as_deref(),
        Some("/admin/posts/entwurf/edit")
    );
    let draft_url = format!("{}posts/entwurf", blog.base());
    assert_eq!(page(&draft_url).await.0, 404);
    assert_eq!(get_json(&draft_url).await.0, 404);
    let (_, outbox) = get_json(&format!("{}actor/outbox", blog.base())).await;
    assert_eq!(outbox["totalItems"], 0);
    let (_, home) = page(&blog.base()).await;
    assert!(texts(&home, "article.entry h2").is_empty());
    let list = browser.get("/admin/posts").await.html();
    assert_eq!(
        texts(&list, "tr[data-slug=entwurf] td.status"),
        vec!["draft"]
    );

    // Scheduled: a draft with a date a few seconds ahead is published by the server then.
    // Whole seconds: the form's date has no fractions.
    let at = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + 3, 0).unwrap();
    let answer = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "Geplant"),
                ("body", "Kommt *später*."),
                ("published", &at.format("%Y-%m-%dT%H:%M:%S").to_string()),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    let scheduled_url = format!("{}posts/geplant", blog.base());
    let list = browser.get("/admin/posts").await.html();
    assert_eq!(
        texts(&list, "tr[data-slug=geplant] td.status"),
        vec!["scheduled"]
    );
    assert_eq!(page(&scheduled_url).await.0, 404);
    assert!(received_of(&peer, "Create").is_empty());
    let create = eventually("the scheduled post is delivered", 30, || async {
        received_of(&peer, "Create").into_iter().next()
    })
    .await;
    assert!(chrono::Utc::now() >= at);
    assert_eq!(create["object"]["id"], scheduled_url);
    assert_eq!(
        create["object"]["published"],
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    );
    assert_eq!(page(&scheduled_url).await.0, 200);
    assert_eq!(
        received_of(&peer, "Create").len(),
        1,
        "the draft stays undelivered"
    );

    // Publishing the draft later sends a Create dated now.
    let answer = browser
        .post_form(
            "/admin/posts/entwurf",
            &[
                ("csrf", &csrf),
                ("title", "Entwurf"),
                ("body", "Jetzt fertig."),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    eventually("the published draft is delivered", 20, || async {
        received_of(&peer, "Create")
            .iter()
            .any(|c| c["object"]["id"] == draft_url)
            .then_some(())
    })
    .await;
    // Saving a published post as a draft is refused: unpublishing is its own button.
    let answer = browser
        .post_form(
            "/admin/posts/entwurf",
            &[
                ("csrf", &csrf),
                ("title", "Entwurf"),
                ("body", "Zurück?"),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer
            .text
            .contains("unpublish it to make it a draft again")
    );
}

/// The moderation queue in /admin: a waiting comment is approved with a form (CSRF checked),
/// and a domain is blocked from the same page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_queue_in_admin() {
    support::init();
    let blog = Blog::new("modqueue")
        .configure(|c| c.blog.comment_policy = feder::config::CommentPolicy::Approval)
        .start()
        .await;
    let input =
        feder::services::posts::parse_markdown_file("---\ntitle: Hi\nslug: hi\n---\nText.\n")
            .unwrap();
    feder::services::posts::publish(&blog.data(), input)
        .await
        .unwrap();
    let peer = Peer::start().await;
    let mut reply = peer.fixture("create-note-reply.json", &blog, "hi");
    reply["object"]["content"] = serde_json::json!("<p>Please approve me</p>");
    assert_eq!(
        peer.post_signed(&format!("{}inbox", blog.base()), &reply)
            .await,
        202
    );

    let mut browser = logged_in(&blog, "owner").await;
    let queue = browser.get("/admin/comments").await;
    assert_eq!(queue.status, 200);
    let html = queue.html();
    assert_eq!(
        support::texts(&html, "li.comment .content"),
        vec!["Please approve me"]
    );
    let form = scraper::Selector::parse("li.comment form").unwrap();
    let approve = html
        .select(&form)
        .filter_map(|f| f.value().attr("action"))
        .find(|a| a.ends_with("/approve"))
        .unwrap()
        .to_string();
    let csrf = csrf_of(&queue.text);

    assert_eq!(
        browser
            .post_form(&approve, &[("csrf", "forged")])
            .await
            .status,
        403
    );
    let post_url = format!("{}posts/hi", blog.base());
    assert!(support::texts(&support::page(&post_url).await.1, "li.comment .e-content").is_empty());
    assert_eq!(
        browser.post_form(&approve, &[("csrf", &csrf)]).await.status,
        303
    );
    assert_eq!(
        support::texts(&support::page(&post_url).await.1, "li.comment .e-content"),
        vec!["Please approve me"]
    );

    let host = peer
        .base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        browser
            .post_form("/admin/blocks", &[("csrf", &csrf), ("target", &host)])
            .await
            .status,
        303
    );
    assert!(
        support::texts(&support::page(&post_url).await.1, "li.comment .e-content").is_empty(),
        "hidden by the block"
    );
}

/// The media library: an image's alt text is changed in place; an image a post uses is not
/// deleted (the library says which post uses it), one nothing uses is, with its files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_library_changes_alt_text_and_deletes_unused_images() {
    support::init();
    let blog = Blog::new("media_library").start().await;
    let mut browser = logged_in(&blog, "jorg").await;
    let csrf = csrf_of(&browser.get("/admin/media").await.text);
    let mut images = Vec::new();
    for name in ["used.jpg", "unused.jpg"] {
        images.push(browser.upload_image(name, "Old words", &jpeg(64, 48)).await);
    }
    let [used, unused] = [&images[0], &images[1]].map(|i| i["id"].as_i64().unwrap());
    let text = format!("A photo.\n\n{}\n", images[0]["markdown"].as_str().unwrap());
    let answer = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "With a photo"),
                ("body", &text),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.text);

    // A new alt text.
    let changed = browser
        .post_form(
            &format!("/admin/media/{unused}/alt"),
            &[("csrf", &csrf), ("alt", "A red tomato")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text);
    let library = browser.get("/admin/media").await.html();
    let alt = |id: i64| {
        let input =
            scraper::Selector::parse(&format!("li#media-{id} form.alt input[name=alt]")).unwrap();
        let found = library.select(&input).next().expect("the alt field");
        found.value().attr("value").unwrap_or_default().to_string()
    };
    assert_eq!(alt(unused), "A red tomato");
    assert_eq!(alt(used), "Old words");

    // The used one stays, and the owner learns where it is used.
    let refused = browser
        .post_form(&format!("/admin/media/{used}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        texts(&refused.html(), "p.error")[0].contains("With a photo"),
        "{}",
        refused.text
    );
    let file = images[0]["url"].as_str().unwrap();
    assert_eq!(
        support::client().get(file).send().await.unwrap().status(),
        200
    );

    // The unused one goes, files and all.
    let deleted = browser
        .post_form(&format!("/admin/media/{unused}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.text);
    for size in ["url", "display", "card"] {
        let gone = images[1][size].as_str().unwrap();
        assert_eq!(
            support::client().get(gone).send().await.unwrap().status(),
            404,
            "{gone}"
        );
    }
    let library = browser.get("/admin/media").await.html();
    assert_eq!(texts(&library, "ul.media > li").len(), 1);
}
