//! Direct messages with a peer Feder did not write (Fedify): a note addressed to the blog alone
//! is shown to the owner in /admin/notifications marked private (in English and in German),
//! with its text and a form that answers privately; the answer reaches the sender as a Note
//! addressed to it alone (its Mention, inReplyTo the message), never to the blog's followers,
//! never served to whoever asks, and the sender's answer to it is private again.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use serde_json::json;
use support::{
    Blog, Browser, PeerProcess, STEP_SECONDS, csrf_of, eventually, ids, interop, is_2xx,
    peer_installed, recipients, texts,
};

/// The direct message `text` as /admin/notifications shows it to `browser`'s session: its
/// notification's HTML, and the whole page.
async fn message_on_page(browser: &Browser, text: &str) -> (String, String) {
    let what = format!("the direct message {text:?} in /admin/notifications");
    let session = browser.cookies.clone();
    eventually(&what, STEP_SECONDS, || {
        let mut browser = Browser::at(&browser.base);
        browser.cookies = session.clone();
        async move {
            let page = browser.get("/admin/notifications").await;
            assert_eq!(page.status, 200, "{}", page.text);
            let html = page.html();
            let item = scraper::Selector::parse("li.notification.direct").unwrap();
            html.select(&item)
                .find(|li| li.text().collect::<String>().contains(text))
                .map(|li| (li.html(), page.text.clone()))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_is_answered_privately() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("direct").configure(interop).process().await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], "a long password\n")
        .await;
    // The sender follows the blog, and so does another account: the private answer must not
    // go to the followers, nor be addressed to them.
    let mut peer = PeerProcess::start("fedify-peer").await;
    let mut other = PeerProcess::start("fedify-peer").await;
    peer.follow(&feder.actor()).await;
    other.follow(&feder.actor()).await;

    let message = peer
        .direct_message(&feder.actor(), "<p>Just between us</p>")
        .await;

    let mut browser = Browser::at(&feder.base());
    let login = browser.log_in("owner", "a long password").await;
    assert_eq!(login.status, 303, "login: {}", login.text);
    let (item, page) = message_on_page(&browser, "Just between us").await;
    let fragment = scraper::Html::parse_fragment(&item);
    assert_eq!(
        texts(&fragment, "strong.private"),
        vec!["Private"],
        "{item}"
    );
    assert!(item.contains("sent the blog a direct message"), "{item}");
    // Not a comment: no public reply form for it, and nothing in the moderation queue.
    assert!(!item.contains("/admin/comments/"), "{item}");
    let form = scraper::Selector::parse("form.reply.private").unwrap();
    let action = fragment
        .select(&form)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("a private answer form")
        .to_string();
    let queue = feder.cli(&["comments", "list"]).await;
    assert!(!queue.contains("Just between us"), "{queue}");

    browser
        .answer_privately(&action, &page, "Thank you, *only you* read this.")
        .await;
    let create = peer.answer_to("the private answer", &message).await["activity"].clone();
    let note = &create["object"];
    assert!(
        recipients(&create).iter().all(|r| *r == peer.actor),
        "addressed to the sender alone: {create}"
    );
    assert_eq!(ids(&note["to"]), vec![peer.actor.clone()], "{create}");
    let tags = note["tag"].as_array().cloned().unwrap_or_default();
    assert!(
        tags.iter()
            .any(|t| t["type"] == "Mention" && t["href"] == peer.actor.as_str()),
        "{create}"
    );
    assert!(
        note["content"]
            .as_str()
            .unwrap_or_default()
            .contains("<em>only you</em>"),
        "{create}"
    );
    // Not served to whoever asks, neither the note nor its Create.
    let answer = note["id"].as_str().unwrap().to_string();
    let client = support::client();
    for url in [&answer, create["id"].as_str().unwrap()] {
        let status = client
            .get(url)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "{url}");
    }

    // The other follower gets the next public post, and never got the private answer.
    let post = feder
        .publish("---\ntitle: Public again\n---\nFor everyone.\n")
        .await;
    other
        .wait_for("the public post", |e| {
            e["event"] == "received" && e["type"] == "Create" && e["object_id"] == post.as_str()
        })
        .await;
    assert!(
        !other.events_named("received").iter().any(|e| {
            e["activity"]["object"]["inReplyTo"] == message.as_str()
                || e["object_id"] == answer.as_str()
        }),
        "the private answer reached a follower"
    );
    // The page shows the answer under the message; the blog's page does not.
    let (item, _) = message_on_page(&browser, "Just between us").await;
    assert!(item.contains("<em>only you</em>"), "{item}");
    let home = client.get(feder.base()).send().await.unwrap().text().await;
    assert!(!home.unwrap().contains("only you"));

    // The sender answers the answer, privately: a direct message again. In German now.
    let page = browser.get("/admin/settings").await;
    let settings = browser
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf_of(&page.text)),
                ("title", "Garten"),
                ("lang", "de"),
                ("time_zone", "Europe/Berlin"),
                ("comment_policy", "open"),
                ("quote_policy", "anyone"),
            ],
        )
        .await;
    assert_eq!(settings.status, 303, "{}", settings.text);
    let done = peer
        .run(json!({"cmd": "direct_message", "to": feder.actor(), "in_reply_to": answer, "content": "<p>Gern geschehen</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "second message: {done}");
    let (item, _) = message_on_page(&browser, "Gern geschehen").await;
    let fragment = scraper::Html::parse_fragment(&item);
    assert_eq!(texts(&fragment, "strong.private"), vec!["Privat"], "{item}");
    assert!(
        item.contains("hat dem Blog eine Direktnachricht geschickt"),
        "{item}"
    );
    assert!(item.contains("Privat antworten"), "{item}");
}
