//! The owner's workspace in /admin, over real HTTP against a real server and a Mastodon-like
//! signing peer: settings that apply at once, notifications (grouped, marked read, counted in
//! the navigation), answering a comment from the form (a threaded Note reaches the peer),
//! editing and deleting the answer, removing a follower (the peer receives a Reject of its
//! Follow), and the delivery report with "retry now".
// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{
    Blog, Browser, Peer, csrf_of, eventually, follow, get_json, like, logged_in, publish,
    received_of, reply, texts,
};

/// The number in the navigation's notifications link, if it shows one.
fn unread_in_nav(html: &str) -> Option<String> {
    texts(&scraper::Html::parse_document(html), "header nav .count")
        .into_iter()
        .next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_apply_at_once_and_password_changes() {
    let blog = Blog::new("ws_settings").start().await;
    let mut browser = logged_in(&blog, "jane").await;
    let form = browser.get("/admin/settings").await;
    assert_eq!(form.status, 200);
    let csrf = csrf_of(&form.text);
    let fields = |title: &'static str, lang: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", title.to_string()),
            ("description", "Notes from the garden".to_string()),
            ("icon_url", String::new()),
            ("header_image_url", "/media/banner.jpg".to_string()),
            ("lang", lang.to_string()),
            ("time_zone", "Europe/Berlin".to_string()),
            ("comment_policy", "approval".to_string()),
            ("quote_policy", "followers".to_string()),
            ("fediverse_handle", "@jane@social.example".to_string()),
        ]
    };
    let as_refs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    let bad = as_refs(&fields("Garden", "xx"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = browser.post_form("/admin/settings", &bad).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(answer.text.contains("no interface in the language"));

    let good = fields("The Garden Blog", "de");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = browser.post_form("/admin/settings", &good).await;
    assert_eq!(answer.status, 303, "{}", answer.text);

    // The public page, the actor and NodeInfo show the new title at once, no restart.
    let (status, home) = support::page(&blog.base()).await;
    assert_eq!(status, 200);
    assert!(texts(&home, "title")[0].contains("The Garden Blog"));
    assert_eq!(
        scraper::Html::root_element(&home).value().attr("lang"),
        Some("de")
    );
    let (_, actor) = get_json(&blog.actor()).await;
    assert_eq!(actor["name"], "The Garden Blog");
    assert_eq!(
        actor["image"]["url"],
        format!("{}media/banner.jpg", blog.base())
    );
    let settings = blog.data().settings.current();
    assert_eq!(
        settings.blog.comment_policy,
        feder::config::CommentPolicy::Approval
    );
    assert_eq!(settings.blog.quote_policy.as_str(), "followers");
    let form = browser.get("/admin/settings").await;
    let html = form.html();
    let selected = texts(&html, "select[name=lang] option[selected]");
    assert_eq!(selected, vec!["Deutsch"]);
    let zone = texts(&html, "select[name=time_zone] option[selected]");
    assert_eq!(zone, vec!["Europe/Berlin"]);
    assert!(form.text.contains("@jane@social.example"));

    // A wrong current password is refused; the right one changes it and ends the session.
    let csrf = csrf_of(&form.text);
    let wrong = browser
        .post_form(
            "/admin/settings/password",
            &[
                ("csrf", &csrf),
                ("current", "nope"),
                ("new", "a new long password"),
                ("repeat", "a new long password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    let changed = browser
        .post_form(
            "/admin/settings/password",
            &[
                ("csrf", &csrf),
                ("current", support::PASSWORD),
                ("new", "a new long password"),
                ("repeat", "a new long password"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text);
    assert_eq!(browser.get("/admin").await.status, 303, "the session ended");
    let mut again = Browser::new(&blog);
    assert_eq!(
        again.log_in("jane", "a new long password").await.status,
        303
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_answers_followers_and_deliveries() {
    let peer = Peer::start().await;
    let blog = Blog::new("ws_notify").start().await;
    let mut browser = logged_in(&blog, "jane").await;
    follow(&peer, &blog).await;
    let post = publish(&blog, "---\ntitle: Seeds\n---\nWhat grows.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    let comment_id = reply(&peer, &blog, &post_url, 1, "Lovely seeds!").await;
    like(&peer, &blog, &post_url).await;
    // A second account of the same server likes it too: one line for both.
    let bob = peer.as_user("bob");
    let mut bob_like = bob.fixture("like.json", &blog, "unused");
    bob_like["id"] = serde_json::json!(format!("{}/users/bob#likes/1", peer.base));
    bob_like["actor"] = serde_json::json!(bob.actor);
    bob_like["object"] = serde_json::json!(post_url);
    assert!(
        bob.post_signed(&format!("{}inbox", blog.base()), &bob_like)
            .await
            < 300
    );

    let dashboard = browser.get("/admin").await;
    assert_eq!(unread_in_nav(&dashboard.text).as_deref(), Some("4"));
    let page = browser.get("/admin/notifications").await;
    assert_eq!(page.status, 200);
    let html = page.html();
    let lines = texts(&html, "li.notification .line");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].contains("liked") && lines[0].contains("Seeds"),
        "{lines:?}"
    );
    // The peer names every account "Alice Example": two names on one line are alice and bob.
    assert_eq!(
        lines[0].matches("Alice Example").count(),
        2,
        "grouped: {lines:?}"
    );
    assert!(lines[1].contains("commented on") && lines[1].contains("Seeds"));
    assert!(lines[2].contains("followed the blog"));
    assert_eq!(texts(&html, "li.notification.unread").len(), 3);
    assert!(
        texts(&html, "li.comment .content, li.notification .content")[0].contains("Lovely seeds!")
    );
    // Seen: the next page has no count.
    let after = browser.get("/admin").await;
    assert_eq!(unread_in_nav(&after.text), None);

    // Answer from the form under the comment in the notifications.
    let action = support::attr(&html, "li.notification form.reply", "action");
    let csrf = csrf_of(&page.text);
    let answered = browser
        .post_form(
            &action,
            &[
                ("csrf", &csrf),
                ("text", "Thank you, *Alice*!"),
                ("back", "/admin/notifications"),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.text);
    assert_eq!(answered.location().as_deref(), Some("/admin/notifications"));
    let note = eventually("the peer receives the answer", 20, || async {
        received_of(&peer, "Create")
            .into_iter()
            .find(|a| a["object"]["type"] == "Note")
    })
    .await;
    assert_eq!(note["object"]["inReplyTo"], comment_id);
    assert!(
        note["object"]["content"]
            .as_str()
            .unwrap()
            .contains("<em>Alice</em>")
    );
    assert!(
        note["object"]["cc"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == &serde_json::json!(peer.actor))
    );
    // The answer shows on the public page, threaded under the comment.
    let (_, public) = support::page(&post_url).await;
    assert!(public.html().contains("Thank you, <em>Alice</em>!"));

    // The peer answers the blog's answer: a "reply" notification.
    let answer_id = note["object"]["id"].as_str().unwrap().to_string();
    reply(&peer, &blog, &answer_id, 2, "You are welcome").await;
    let page = browser.get("/admin/notifications").await;
    let lines = texts(&page.html(), "li.notification .line");
    assert!(
        lines[0].contains("replied to the blog's answer"),
        "{lines:?}"
    );

    // Edit and delete the answer from /admin/comments (the Shown tab).
    let comments = browser.get("/admin/comments?status=approved").await;
    let html = comments.html();
    let edit = support::attr(&html, "li.answer form.reply", "action");
    let csrf = csrf_of(&comments.text);
    let edited = browser
        .post_form(&edit, &[("csrf", &csrf), ("text", "Thank you so much!")])
        .await;
    assert_eq!(edited.status, 303, "{}", edited.text);
    let update = eventually("the peer receives the edit", 20, || async {
        received_of(&peer, "Update").into_iter().next()
    })
    .await;
    assert_eq!(update["object"]["id"], answer_id.as_str());
    let deleted = browser
        .post_form(&format!("{edit}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, 303);
    eventually("the peer receives the deletion", 20, || async {
        received_of(&peer, "Delete")
            .into_iter()
            .find(|d| d["object"]["id"] == answer_id.as_str())
    })
    .await;

    // Deliveries: one row per server for the post, then "retry now" of a failed one.
    let report = browser.get("/admin/deliveries").await;
    assert_eq!(report.status, 200);
    let html = report.html();
    let host = url::Url::parse(&peer.base).unwrap();
    let host = format!("{}:{}", host.host_str().unwrap(), host.port().unwrap());
    assert!(
        texts(&html, "section.delivery td")
            .iter()
            .any(|t| t.contains(&host)),
        "{}",
        report.text
    );
    peer.answer_with(&[410]);
    let second = publish(&blog, "---\ntitle: Roots\n---\nUnder ground.\n").await;
    let failed = eventually("the delivery fails", 20, || async {
        let page = browser_get(&blog, &browser).await;
        page.contains("class=\"failed\"").then_some(page)
    })
    .await;
    assert!(failed.contains("Retry now"));
    let report = browser.get("/admin/deliveries").await;
    let action = support::attr(&report.html(), "section.delivery tr.failed form", "action");
    let csrf = csrf_of(&report.text);
    let retried = browser
        .post_form(&action, &[("csrf", &csrf), ("host", &host)])
        .await;
    assert_eq!(retried.status, 303);
    // The peer records only what it accepted: the refused attempt is not among them.
    eventually("the retried Create arrives", 20, || async {
        received_of(&peer, "Create")
            .into_iter()
            // The title travels as `nameMap` (see docs/federation.md).
            .find(|a| {
                a["object"]["nameMap"]
                    .as_object()
                    .is_some_and(|m| m.values().any(|v| v == second.title.as_str()))
            })
    })
    .await;

    // Followers: listed with their server; removing one sends a Reject of their Follow.
    let list = browser.get("/admin/followers").await;
    let html = list.html();
    assert!(
        texts(&html, "li.follower .who")
            .iter()
            .any(|t| t.contains("localhost"))
    );
    let remove = support::attr(&html, "li.follower form", "action");
    let csrf = csrf_of(&list.text);
    let removed = browser.post_form(&remove, &[("csrf", &csrf)]).await;
    assert_eq!(removed.status, 303);
    let reject = eventually("the peer receives the Reject", 20, || async {
        received_of(&peer, "Reject").into_iter().next()
    })
    .await;
    assert_eq!(reject["object"]["type"], "Follow");
    assert_eq!(reject["object"]["actor"], peer.actor.as_str());
    assert_eq!(reject["actor"], blog.actor());
    let inbox_paths: Vec<String> = peer
        .received()
        .into_iter()
        .filter(|r| r.body["type"] == "Reject")
        .map(|r| r.path)
        .collect();
    assert_eq!(inbox_paths, vec!["/users/alice/inbox"]);
    assert!(
        feder::services::followers::list(&blog.data().db, None)
            .await
            .unwrap()
            .is_empty()
    );
}

/// /admin/deliveries as the logged-in browser sees it (a copy of its cookies).
async fn browser_get(blog: &support::Instance, browser: &Browser) -> String {
    let mut copy = Browser::new(blog);
    copy.cookies = browser.cookies.clone();
    copy.get("/admin/deliveries").await.text
}

/// The time zone chosen in /admin/settings (over config.toml's UTC) is the editor's, the
/// archive's and the page's: a post written for 00:30 on New Year's Day in Berlin is stored as
/// 23:30 UTC the evening before, edited as 00:30, and listed in 2024.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_zone_of_the_settings_is_the_editors_and_the_archives() {
    let blog = Blog::new("ws_zone").start().await;
    let mut browser = logged_in(&blog, "jane").await;
    let csrf = csrf_of(&browser.get("/admin/settings").await.text);
    let settings = |zone: &'static str| {
        [
            ("csrf", csrf.as_str()),
            ("title", "Zoned"),
            ("lang", "en"),
            ("time_zone", zone),
            ("comment_policy", "open"),
            ("quote_policy", "anyone"),
        ]
    };
    let refused = browser
        .post_form("/admin/settings", &settings("+01:00"))
        .await;
    assert_eq!(refused.status, 400, "an offset is no zone name");
    let saved = browser
        .post_form("/admin/settings", &settings("Europe/Berlin"))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);

    let created = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "New Year"),
                ("body", "Fireworks."),
                ("published", "2024-01-01T00:30"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text);
    let stored = feder::services::posts::find_any(&blog.data().db, "new-year")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        stored.published_at.to_rfc3339(),
        "2023-12-31T23:30:00+00:00"
    );

    let editor = browser.get("/admin/posts/new-year/edit").await;
    let field = support::attr(&editor.html(), "input[name=published]", "value");
    assert_eq!(field, "2024-01-01T00:30");
    let shown: String = editor.html().root_element().text().collect();
    assert!(shown.contains("Date (Europe/Berlin)"), "{shown}");
    let list = browser.get("/admin/posts").await;
    assert!(list.text.contains("2024-01-01 00:30"), "{}", list.text);

    let (status, archive) = support::page(&format!("{}archive/2024", blog.base())).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&archive, "ul.periods li a"), vec!["January 2024"]);
    let (status, _) = support::page(&format!("{}archive/2023", blog.base())).await;
    assert_eq!(status, 404, "not in December's UTC evening");
    let (_, post) = support::page(&format!("{}posts/new-year", blog.base())).await;
    assert_eq!(texts(&post, "time.dt-published"), vec!["1 January 2024"]);

    // Saved unchanged from the editor, the date stays where it was.
    let csrf = csrf_of(&editor.text);
    let resaved = browser
        .post_form(
            "/admin/posts/new-year",
            &[
                ("csrf", &csrf),
                ("title", "New Year"),
                ("body", "Fireworks!"),
                ("published", &field),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(resaved.status, 303, "{}", resaved.text);
    let again = feder::services::posts::find_any(&blog.data().db, "new-year")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(again.published_at, stored.published_at);
}
