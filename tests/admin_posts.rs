//! A post's life in /admin, over real HTTP against a real server and a Mastodon-like follower:
//! published from the editor (after a warning when its text is empty), taken back to draft
//! (the follower receives a `Delete`), read through its private preview link, published again
//! by a bulk action (a new `Create`), moved to the trash and restored (a `Delete`, then a
//! `Create`), and deleted for good by emptying the trash (410). The tabs count each status.
// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Blog, Browser, Peer, csrf_of, eventually, follow, logged_in, received_of, texts};

/// The tabs of /admin/posts: (status, count), and the current one.
async fn tabs(browser: &mut Browser) -> (Vec<(String, String)>, String) {
    let page = browser.get("/admin/posts").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = page.html();
    let selector = scraper::Selector::parse("nav.tabs a").unwrap();
    let all: Vec<(String, String)> = html
        .select(&selector)
        .map(|a| {
            let status = a.value().attr("data-status").unwrap().to_string();
            let count: String = a.text().collect::<String>();
            let count = count
                .rsplit('(')
                .next()
                .unwrap()
                .trim_end_matches(')')
                .to_string();
            (status, count)
        })
        .collect();
    let current = texts(&html, "nav.tabs a[aria-current=page]")
        .into_iter()
        .next()
        .unwrap();
    (all, current)
}

fn count_of(tabs: &[(String, String)], status: &str) -> String {
    tabs.iter()
        .find(|(s, _)| s == status)
        .map(|(_, n)| n.clone())
        .unwrap()
}

/// How many activities of `kind` about the post `id` the peer received: about any of its
/// publications (published again after a Delete, a post has a new object id,
/// `{id}?publication=N`, as Mastodon refuses an id it saw deleted).
fn about(peer: &Peer, kind: &str, id: &str) -> usize {
    let publication = format!("{id}?publication=");
    received_of(peer, kind)
        .iter()
        .filter_map(|a| a["object"]["id"].as_str().or(a["object"].as_str()))
        .filter(|object| *object == id || object.starts_with(&publication))
        .count()
}

async fn wait_for(peer: &Peer, kind: &str, id: &str, n: usize) {
    eventually(&format!("{kind} #{n} of {id}"), 20, || async {
        (about(peer, kind, id) >= n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unpublish_preview_trash_restore_and_empty() {
    let blog = Blog::new("posts_life").start().await;
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let mut browser = logged_in(&blog, "jane").await;
    let csrf = csrf_of(&browser.get("/admin/posts/new").await.text);
    let post_url = format!("{}posts/seeds", blog.base());

    // Publishing an empty text asks first: nothing is stored until it is confirmed.
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("title", "Seeds"),
        ("slug", "seeds"),
        ("body", "  "),
        ("action", "publish"),
    ];
    let asked = browser.post_form("/admin/posts", &fields).await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    assert_eq!(texts(&asked.html(), "#confirm-empty").len(), 1);
    assert!(asked.text.contains("name=\"confirm_empty\" value=\"yes\""));
    assert_eq!(support::page(&post_url).await.0, 404, "not published yet");
    fields[3] = ("body", "Sown in *spring*.");
    let published = browser.post_form("/admin/posts", &fields).await;
    assert_eq!(published.status, 303, "{}", published.text);
    wait_for(&peer, "Create", &post_url, 1).await;
    let (tabs_now, current) = tabs(&mut browser).await;
    assert_eq!(count_of(&tabs_now, "published"), "1");
    assert!(current.starts_with("All"), "{current}");

    // Unpublish: a draft again, gone from the blog, and the follower is told to remove it.
    let unpublished = browser
        .post_form("/admin/posts/seeds/unpublish", &[("csrf", &csrf)])
        .await;
    assert_eq!(unpublished.status, 303, "{}", unpublished.text);
    wait_for(&peer, "Delete", &post_url, 1).await;
    assert_eq!(support::page(&post_url).await.0, 404);
    let (tabs_now, _) = tabs(&mut browser).await;
    assert_eq!(count_of(&tabs_now, "published"), "0");
    assert_eq!(count_of(&tabs_now, "draft"), "1");
    let drafts = browser.get("/admin/posts?status=draft").await;
    assert_eq!(
        texts(&drafts.html(), "nav.tabs a[aria-current=page]")[0],
        "Drafts (1)"
    );
    assert_eq!(texts(&drafts.html(), "tr.post td a"), vec!["Seeds"]);

    // The draft's private preview shows it as the blog will, to search engines not at all;
    // a wrong key finds nothing.
    let editor = browser.get("/admin/posts/seeds/edit").await;
    let preview = support::attr(&editor.html(), "#preview-link", "href");
    let (status, page) = support::page(&preview).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&page, "article.post h1"), vec!["Seeds"]);
    assert!(page.html().contains("<em>spring</em>"));
    assert_eq!(
        support::attr(&page, "meta[name=robots]", "content"),
        "noindex, nofollow"
    );
    let answer = support::client().get(&preview).send().await.unwrap();
    assert_eq!(answer.headers()["x-robots-tag"], "noindex, nofollow");
    let wrong = preview.replace("key=", "key=00");
    assert_eq!(support::page(&wrong).await.0, 404);
    assert_eq!(
        support::page(&format!("{post_url}/preview")).await.0,
        404,
        "no key"
    );

    // Published again by the list's bulk action: a new Create.
    let bulk = browser
        .post_form(
            "/admin/bulk/posts",
            &[
                ("csrf", &csrf),
                ("tab", "draft"),
                ("action", "publish"),
                ("slug", "seeds"),
            ],
        )
        .await;
    assert_eq!(
        bulk.location().as_deref(),
        Some("/admin/posts?status=draft")
    );
    wait_for(&peer, "Create", &post_url, 2).await;
    assert_eq!(support::page(&post_url).await.0, 200);
    let editor = browser.get("/admin/posts/seeds/edit").await;
    assert!(
        texts(&editor.html(), "#preview-link").is_empty(),
        "public now"
    );

    // The trash: a Delete; restored, published again with a Create.
    let trashed = browser
        .post_form("/admin/posts/seeds/trash", &[("csrf", &csrf)])
        .await;
    assert_eq!(trashed.status, 303);
    wait_for(&peer, "Delete", &post_url, 2).await;
    assert_eq!(support::page(&post_url).await.0, 404);
    let (tabs_now, _) = tabs(&mut browser).await;
    assert_eq!(count_of(&tabs_now, "trash"), "1");
    assert_eq!(count_of(&tabs_now, "all"), "0", "the trash is not in All");
    let restored = browser
        .post_form("/admin/posts/seeds/restore", &[("csrf", &csrf)])
        .await;
    assert_eq!(restored.status, 303);
    wait_for(&peer, "Create", &post_url, 3).await;
    assert_eq!(support::page(&post_url).await.0, 200);
    let mut created: Vec<String> = received_of(&peer, "Create")
        .iter()
        .filter_map(|a| a["object"]["id"].as_str().map(str::to_string))
        .collect();
    created.sort();
    created.dedup();
    assert_eq!(created.len(), 3, "each publication its own id: {created:?}");

    // A draft in the trash, and the published post again: emptying the trash deletes both;
    // the one that was public answers 410, the draft is gone without a trace.
    let draft_fields = [
        ("csrf", csrf.as_str()),
        ("title", "Weeds"),
        ("slug", "weeds"),
        ("body", "Later."),
        ("action", "draft"),
    ];
    assert_eq!(
        browser
            .post_form("/admin/posts", &draft_fields)
            .await
            .status,
        303
    );
    let bulk = browser
        .post_form(
            "/admin/bulk/posts",
            &[
                ("csrf", &csrf),
                ("action", "trash"),
                ("slug", "seeds"),
                ("slug", "weeds"),
            ],
        )
        .await;
    assert_eq!(bulk.location().as_deref(), Some("/admin/posts"));
    wait_for(&peer, "Delete", &post_url, 3).await;
    let trash = browser.get("/admin/posts?status=trash").await;
    assert_eq!(texts(&trash.html(), "tr.post td a").len(), 2);
    let emptied = browser
        .post_form("/admin/trash/empty", &[("csrf", &csrf)])
        .await;
    assert_eq!(emptied.status, 303);
    assert_eq!(support::page(&post_url).await.0, 410);
    assert_eq!(
        support::page(&format!("{}posts/weeds", blog.base()))
            .await
            .0,
        404
    );
    let (tabs_now, _) = tabs(&mut browser).await;
    assert!(tabs_now.iter().all(|(_, n)| n == "0"), "{tabs_now:?}");
    support::settled(&blog.data().db, 20).await;
    assert_eq!(
        about(&peer, "Delete", &post_url),
        3,
        "no Delete for the emptied trash"
    );
}
