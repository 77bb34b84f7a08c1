//! /admin/stats over real HTTP against a real server, fed by two Mastodon-like servers that
//! sign what they send: two follows, one like, one boost and one reply, and the overview, the
//! post's own page and the year's summary show exactly those counts (the post reached both
//! servers and both followers); a post nobody answered is not among the top posts; and
//! followers who leave (an Undo, the owner's removal, a deleted account) are counted as gone,
//! each once, in the figures and the followers over time.
// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Datelike;
use feder::{
    db::entities::follower_departure,
    services::{followers, local_actor::LocalActor},
};
use sea_orm::EntityTrait;
use serde_json::json;
use support::{
    Blog, Browser, Instance, Peer, csrf_of, eventually, follow, like, logged_in, publish, reply,
    settled, texts,
};

/// A boost of `post_url` from the peer's `alice`, signed as Mastodon sends it.
async fn boost(peer: &Peer, blog: &Instance, post_url: &str) {
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/users/alice/statuses/7/activity", peer.base),
        "type": "Announce",
        "actor": peer.actor,
        "published": "2026-08-21T14:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{}/users/alice/followers", peer.base)],
        "object": post_url,
    });
    let status = peer
        .post_signed(&format!("{}inbox", blog.base()), &activity)
        .await;
    assert!(status < 300, "Announce answered {status}");
}

/// The figure (a `dd`) of the card with class `class`.
fn figure(html: &scraper::Html, class: &str) -> String {
    texts(html, &format!("dl.figures .figure.{class} dd"))
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no figure {class}"))
}

/// The cells of the posts table row by row, each as (class, text).
fn rows(html: &scraper::Html) -> Vec<Vec<(String, String)>> {
    let row = scraper::Selector::parse("table.stats-posts tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    html.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| {
                    let class = c.value().attr("class").unwrap_or_default().to_string();
                    (class, c.text().collect::<String>().trim().to_string())
                })
                .collect()
        })
        .collect()
}

const EXPECTED: [(&str, &str); 7] = [
    ("servers", "2"),
    ("followers", "2"),
    ("likes", "1"),
    ("boosts", "1"),
    ("replies", "1"),
    ("quotes", "0"),
    ("web-comments", "0"),
];

async fn page(browser: &mut Browser, path: &str) -> scraper::Html {
    let answer = browser.get(path).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.html()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stats_count_what_two_servers_did() {
    let one = Peer::start().await;
    let two = Peer::start().await;
    let blog = Blog::new("admin_stats").start().await;
    let mut browser = logged_in(&blog, "jane").await;

    let empty = page(&mut browser, "/admin/stats").await;
    assert_eq!(figure(&empty, "followers"), "0");
    assert!(rows(&empty).is_empty());

    follow(&one, &blog).await;
    follow(&two, &blog).await;
    let post = publish(&blog, "---\ntitle: Seedlings\n---\nWhat grows.\n").await;
    publish(&blog, "---\ntitle: Quiet\n---\nNobody answers this one.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    // Both Creates of both posts reached both servers, and their rows say so.
    for peer in [&one, &two] {
        eventually("the peer has both posts", 20, || async {
            (support::received_of(peer, "Create").len() == 2).then_some(())
        })
        .await;
    }
    settled(&blog.data().db, 20).await;
    like(&one, &blog, &post_url).await;
    boost(&two, &blog, &post_url).await;
    reply(&one, &blog, &post_url, 1, "How tall are they now?").await;

    let overview = page(&mut browser, "/admin/stats").await;
    for (class, n) in [
        ("posts", "2"),
        ("followers", "2"),
        ("servers", "2"),
        ("likes", "1"),
        ("boosts", "1"),
        ("replies", "1"),
        ("quotes", "0"),
        ("web-comments", "0"),
        ("left", "0"),
    ] {
        assert_eq!(figure(&overview, class), n, "overview figure {class}");
    }
    let top = rows(&overview);
    assert_eq!(top.len(), 1, "only the answered post: {top:?}");
    assert!(top[0][0].1.starts_with("Seedlings"), "{top:?}");
    for (class, n) in EXPECTED {
        assert!(
            top[0].contains(&(class.to_string(), n.to_string())),
            "top posts: {class} should be {n}: {top:?}"
        );
    }
    // The charts, each with its accessible name and a table of its numbers.
    let line = scraper::Selector::parse("svg.chart.line polyline.series").unwrap();
    let points = overview
        .select(&line)
        .next()
        .expect("followers chart")
        .value()
        .attr("points")
        .unwrap()
        .split(' ')
        .count();
    assert_eq!(points, 30, "a young blog's chart shows its last 30 days");
    assert_eq!(
        texts(&overview, "svg.chart.line title"),
        vec!["Followers over time"]
    );
    assert_eq!(
        texts(&overview, "table.followers-over-time tbody tr td.total"),
        vec!["2"]
    );
    assert_eq!(
        texts(&overview, "table.followers-over-time tbody tr td.new"),
        vec!["2"]
    );
    assert_eq!(texts(&overview, "svg.chart.bars text.value"), vec!["3"]);

    // Each published post in /admin/posts links to its numbers.
    let listed = page(&mut browser, "/admin/posts").await;
    let link = format!("/admin/stats/posts/{}", post.slug);
    let links = scraper::Selector::parse("a.stats").unwrap();
    let hrefs: Vec<&str> = listed
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(hrefs.contains(&link.as_str()), "{hrefs:?}");
    let of_post = page(&mut browser, &link).await;
    let row = rows(&of_post);
    for (class, n) in EXPECTED {
        assert!(
            row[0].contains(&(class.to_string(), n.to_string())),
            "post page: {class} should be {n}: {row:?}"
        );
    }
    let mut hosts = texts(&of_post, "table.servers tbody td:first-child");
    hosts.sort();
    let mut expected: Vec<String> = [&one, &two]
        .iter()
        .map(|p| p.base.trim_start_matches("http://").to_string())
        .collect();
    expected.sort();
    assert_eq!(hosts, expected);

    let year = chrono::Utc::now().year();
    let summary = page(&mut browser, &format!("/admin/stats/{year}")).await;
    assert_eq!(figure(&summary, "posts"), "2");
    assert_eq!(figure(&summary, "followers"), "2");
    assert_eq!(figure(&summary, "servers"), "2");
    let liked = texts(&summary, "section.ranked.liked li");
    assert_eq!(liked.len(), 1, "{liked:?}");
    assert!(liked[0].starts_with("Seedlings"), "{liked:?}");
    let last_year = page(&mut browser, &format!("/admin/stats/{}", year - 1)).await;
    assert_eq!(figure(&last_year, "posts"), "0");
    assert_eq!(figure(&last_year, "likes"), "0");

    // Followers leave in every way there is, each counted once: the second server's account
    // undoes its follow; Bob on the first server follows, then the owner removes Alice there
    // in /admin/followers, then Bob deletes his account.
    let inbox = format!("{}actor/inbox", blog.base());
    let undo = two.fixture("undo-follow.json", &blog, "unused");
    let status = two.post_signed(&inbox, &undo).await;
    assert!(status < 300, "Undo answered {status}");
    settled(&blog.data().db, 20).await;
    let bob = one.as_user("bob");
    let follow_bob = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", bob.actor), "type": "Follow",
        "actor": bob.actor, "object": blog.actor(),
    });
    let status = bob.post_signed(&inbox, &follow_bob).await;
    assert!(status < 300, "Bob's Follow answered {status}");
    settled(&blog.data().db, 20).await;
    assert_eq!(
        figure(&page(&mut browser, "/admin/stats").await, "followers"),
        "2"
    );
    let listed = browser.get("/admin/followers").await;
    let alice = followers::find(&blog.data().db, &LocalActor::Blog, &one.actor)
        .await
        .unwrap()
        .expect("Alice follows the blog");
    let csrf = csrf_of(&listed.text);
    let removed = browser
        .post_form(
            &format!("/admin/followers/{}/remove", alice.id),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(removed.status, 303, "{}", removed.text);
    let delete = json!({
        "id": format!("{}#delete", bob.actor), "type": "Delete",
        "actor": bob.actor, "object": bob.actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    let status = bob
        .post_signed(&format!("{}inbox", blog.base()), &delete)
        .await;
    assert!(status < 300, "Delete answered {status}");
    settled(&blog.data().db, 20).await;

    let after = page(&mut browser, "/admin/stats").await;
    assert_eq!(figure(&after, "followers"), "0");
    assert_eq!(figure(&after, "left"), "3");
    // Today: three follows began (Alice, the second server's account, Bob), three ended.
    for (column, n) in [("total", "0"), ("new", "3"), ("left", "3")] {
        assert_eq!(
            texts(
                &after,
                &format!("table.followers-over-time tbody tr td.{column}")
            ),
            vec![n],
            "followers over time: {column}"
        );
    }
    let summary = page(&mut browser, &format!("/admin/stats/{year}")).await;
    assert_eq!(
        figure(&summary, "followers"),
        "3",
        "new followers this year"
    );
    assert_eq!(figure(&summary, "left"), "3");
    let mut reasons: Vec<(String, String)> = follower_departure::Entity::find()
        .all(&blog.data().db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.actor_ap_id, d.reason))
        .collect();
    reasons.sort();
    let mut expected = vec![
        (one.actor.clone(), follower_departure::REMOVED.to_string()),
        (bob.actor.clone(), follower_departure::DELETED.to_string()),
        (
            two.actor.clone(),
            follower_departure::UNFOLLOWED.to_string(),
        ),
    ];
    expected.sort();
    assert_eq!(reasons, expected, "each follow ended once");

    assert_eq!(
        browser.get("/admin/stats/posts/nothing-here").await.status,
        404
    );
    assert_eq!(browser.get("/admin/stats/soon").await.status, 404);
    // Not for strangers.
    let mut stranger = Browser::new(&blog);
    let answer = stranger.get("/admin/stats").await;
    assert!(
        answer.status == 303 || answer.status == 302,
        "{}",
        answer.status
    );
}
