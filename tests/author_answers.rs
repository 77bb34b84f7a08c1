//! With author actors, an answer written in /admin comes from the author who wrote it (issue
//! 20): a Fedify peer receives the answer to its comment as a Create whose `actor` and Note's
//! `attributedTo` are the logged-in author's actor, signed with that actor's key, addressed to
//! the author's followers and the blog's; the note is served with that `attributedTo`; the
//! post's page shows it under the author's name and avatar. A direct message to the author is
//! answered privately by that author, to the sender alone, and one to the blog by the blog.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use support::{
    Blog, Browser, PeerProcess, STEP_SECONDS, csrf_of, eventually, ids, interop, is_2xx,
    peer_installed, recipients,
};

/// The action of the first form in `path` (an /admin page of `browser`'s session) that sits in
/// the element `item` containing `text` and whose action ends with `suffix`, and the page.
async fn form_near(
    browser: &Browser,
    path: &str,
    item: &str,
    text: &str,
    suffix: &str,
) -> (String, String) {
    let session = browser.cookies.clone();
    eventually(&format!("{text:?} on {path}"), STEP_SECONDS, || {
        let mut browser = Browser::at(&browser.base);
        browser.cookies = session.clone();
        async move {
            let page = browser.get(path).await;
            assert_eq!(page.status, 200, "{}", page.text);
            let html = page.html();
            let item = scraper::Selector::parse(item).unwrap();
            let form = scraper::Selector::parse("form").unwrap();
            html.select(&item)
                .filter(|li| li.text().collect::<String>().contains(text))
                .flat_map(|li| li.select(&form).collect::<Vec<_>>())
                .filter_map(|f| f.value().attr("action"))
                .find(|a| a.ends_with(suffix))
                .map(|a| (a.to_string(), page.text.clone()))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_comes_from_the_author_who_wrote_it() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("answers")
        .configure(|c| {
            interop(c);
            c.blog.author_actors = true;
        })
        .process()
        .await;
    feder
        .cli_with_input(&["admin", "create-user", "alice"], "a long password\n")
        .await;
    let alice = format!("{}authors/alice/actor", feder.base());
    let alice_key = format!("{alice}#main-key");

    // The commenter follows the blog; another account follows Alice alone.
    let mut peer = PeerProcess::start("fedify-peer").await;
    let mut other = PeerProcess::start("fedify-peer").await;
    peer.follow(&feder.actor()).await;
    other.follow(&alice).await;

    let mut browser = Browser::at(&feder.base());
    let login = browser.log_in("alice", "a long password").await;
    assert_eq!(login.status, 303, "login: {}", login.text);
    let page = browser.get("/admin/profile").await;
    let saved = browser
        .post_form(
            "/admin/profile",
            &[
                ("csrf", &csrf_of(&page.text)),
                ("display_name", "Alice Liddell"),
                ("avatar_url", "https://alice.example/avatar.png"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);

    let post = feder
        .publish("---\ntitle: Tea time\n---\nWho is coming?\n")
        .await;
    let done = peer
        .run(json!({"cmd": "reply", "in_reply_to": post, "content": "<p>I am, with cake</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "reply: {done}");
    let comment = done["note"].as_str().unwrap().to_string();

    let (action, page) = form_near(
        &browser,
        "/admin/comments?status=approved",
        "li",
        "with cake",
        "/reply",
    )
    .await;
    let answered = browser
        .post_form(
            &action,
            &[
                ("csrf", &csrf_of(&page)),
                ("text", "Wonderful, *see you*!"),
                ("back", "/admin/comments"),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.text);

    let is_answer = |e: &Value| {
        e["event"] == "received"
            && e["type"] == "Create"
            && e["activity"]["object"]["inReplyTo"] == comment.as_str()
    };
    let received = peer.wait_for("the answer", is_answer).await;
    let create = &received["activity"];
    let note = &create["object"];
    assert_eq!(create["actor"], alice.as_str(), "{create}");
    assert_eq!(note["attributedTo"], alice.as_str(), "{create}");
    assert_eq!(received["key_id"], alice_key.as_str(), "{received}");
    let followers = format!("{}authors/alice/followers", feder.base());
    let blog_followers = format!("{}actor/followers", feder.base());
    for field in [&create["cc"], &note["cc"]] {
        let cc = ids(field);
        assert!(cc.contains(&followers), "{create}");
        assert!(cc.contains(&blog_followers), "{create}");
        assert!(cc.contains(&peer.actor), "{create}");
    }
    // Alice's follower gets her answer too.
    let for_other = other
        .wait_for("the answer at Alice's follower", is_answer)
        .await;
    assert_eq!(for_other["key_id"], alice_key.as_str(), "{for_other}");

    // Served at its id as hers, as Mastodon checks (actor = attributedTo, same host).
    let answer = note["id"].as_str().unwrap().to_string();
    let client = support::client();
    let served: Value = client
        .get(&answer)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["attributedTo"], alice.as_str(), "{served}");

    // The page shows it under Alice's name and avatar, not the blog's.
    let html = eventually("the answer on the post's page", STEP_SECONDS, || {
        let client = client.clone();
        let post = post.clone();
        async move {
            let text = client.get(&post).send().await.ok()?.text().await.ok()?;
            text.contains("<em>see you</em>").then_some(text)
        }
    })
    .await;
    let page = scraper::Html::parse_document(&html);
    let item = scraper::Selector::parse("li.comment").unwrap();
    let name = scraper::Selector::parse("header .p-author").unwrap();
    let avatar = scraper::Selector::parse("header img.avatar").unwrap();
    let answer_item = page
        .select(&item)
        .rfind(|li| li.inner_html().contains("<em>see you</em>"))
        .expect("the answer on the page");
    let header_name: String = answer_item.select(&name).next().unwrap().text().collect();
    assert_eq!(header_name, "Alice Liddell", "{}", answer_item.html());
    assert_eq!(
        answer_item
            .select(&avatar)
            .next()
            .and_then(|i| i.value().attr("src")),
        Some("https://alice.example/avatar.png"),
        "{}",
        answer_item.html()
    );
    // The queue names her as the one who answered, not the blog.
    let queue = browser.get("/admin/comments?status=approved").await;
    let queue = scraper::Html::parse_document(&queue.text);
    let meta = scraper::Selector::parse("li.answer p.meta").unwrap();
    let by: Vec<String> = queue
        .select(&meta)
        .map(|m| m.text().collect::<String>())
        .collect();
    assert!(
        by.iter().any(|m| m.starts_with("Alice Liddell answered")),
        "{by:?}"
    );

    // A direct message to Alice is answered by Alice, to its sender alone.
    let message = peer.direct_message(&alice, "<p>Only for Alice</p>").await;
    let (action, page) = form_near(
        &browser,
        "/admin/notifications",
        "li.notification.direct",
        "Only for Alice",
        "/reply",
    )
    .await;
    browser
        .answer_privately(&action, &page, "Only for you, then.")
        .await;
    let received = peer.answer_to("the private answer", &message).await;
    let create = &received["activity"];
    assert_eq!(create["actor"], alice.as_str(), "{create}");
    assert_eq!(create["object"]["attributedTo"], alice.as_str(), "{create}");
    assert_eq!(received["key_id"], alice_key.as_str(), "{received}");
    assert!(
        recipients(create).iter().all(|r| *r == peer.actor),
        "addressed to the sender alone: {create}"
    );
    // A direct message to the blog is answered by the blog, though Alice writes the answer:
    // the sender hears back from the account they wrote to.
    let message = peer
        .direct_message(&feder.actor(), "<p>For the blog</p>")
        .await;
    let (action, page) = form_near(
        &browser,
        "/admin/notifications",
        "li.notification.direct",
        "For the blog",
        "/reply",
    )
    .await;
    browser
        .answer_privately(&action, &page, "The blog thanks you.")
        .await;
    let received = peer.answer_to("the blog's private answer", &message).await;
    let create = &received["activity"];
    assert_eq!(create["actor"], feder.actor().as_str(), "{create}");
    assert_eq!(
        create["object"]["attributedTo"],
        feder.actor().as_str(),
        "{create}"
    );
    // Alice's follower gets the next post of hers, and never got the private answer.
    let next = feder
        .publish("---\ntitle: Next\nauthor: alice\n---\nMore tea.\n")
        .await;
    other
        .wait_for("Alice's next post", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_id"] == next.as_str()
        })
        .await;
    assert!(
        !other
            .events_named("received")
            .iter()
            .any(|e| { e["activity"]["object"]["inReplyTo"] == message.as_str() }),
        "the private answer reached a follower"
    );
}
