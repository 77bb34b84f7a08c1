//! Two Feder blogs on localhost: B follows A by WebFinger, A publishes, B receives the Article;
//! B's reply shows under A's post; edits and deletions of the reply and of the post propagate.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    federation::actions,
    services::{followers, follows, local_actor::LocalActor, posts, reading},
};
use support::{Blog, eventually, get_json, page, texts};
use url::Url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_publish_reply_edit_delete() {
    support::init();
    let a = Blog::new("a").start().await;
    let b = Blog::new("b").start().await;

    // B follows A by its handle; A answers with Accept.
    actions::follow(&b.data(), &format!("@{}", a.handle()))
        .await
        .expect("follow");
    eventually("A stores B as follower", 20, || async {
        let list = followers::list(&a.data().db, None).await.ok()?;
        list.iter()
            .any(|f| f.actor_ap_id == b.actor())
            .then_some(())
    })
    .await;
    eventually("B sees the Follow accepted", 20, || async {
        (follows::count_following(&b.data().db).await.ok()? == 1).then_some(())
    })
    .await;

    // A publishes; B receives the Article.
    let input = posts::parse_markdown_file(
        "---\ntitle: Über „Föderation“ & <Blogs>\ntags: [fediverse]\nlang: de\n---\nEin Absatz über das Fediverse.\n\nMehr Text.\n",
    )
    .expect("markdown");
    let (post, _) = posts::publish(&a.data(), input).await.expect("publish");
    let post_url = format!("{}posts/{}", a.base(), post.slug);
    let post_id = Url::parse(&post_url).expect("url");
    let received = eventually("B receives the Article", 20, || async {
        reading::find(&b.data().db, &post_id).await.ok().flatten()
    })
    .await;
    assert_eq!(received.kind, "Article");
    assert_eq!(
        received.name.as_deref(),
        Some("Über „Föderation“ &amp; &lt;Blogs&gt;")
    );
    assert!(
        received
            .content_html
            .contains("Ein Absatz über das Fediverse.")
    );

    // The Article as ActivityPub clients see it.
    let (status, article) = get_json(&post_url).await;
    assert_eq!(status, 200);
    assert_eq!(article["type"], "Article");
    assert_eq!(
        article["summaryMap"]["de"],
        "<p>Ein Absatz über das Fediverse.</p>"
    );
    assert!(
        article["contentMap"]["de"]
            .as_str()
            .is_some_and(|c| c.contains("Mehr Text."))
    );
    assert_eq!(article["tag"][0]["name"], "#fediverse");

    // B replies; the reply shows on A's post page.
    let reply = actions::reply(&b.data(), &post_id, &LocalActor::Blog, "Schöner *Beitrag*!")
        .await
        .expect("reply");
    let reply_id = Url::parse(&reply.ap_id).expect("reply id");
    let comment_texts = eventually("the reply shows on A's page", 20, || async {
        let (status, html) = page(&post_url).await;
        let found = texts(&html, "section.comments li.comment .e-content");
        (status == 200 && !found.is_empty()).then_some((found, html))
    })
    .await;
    assert_eq!(comment_texts.0, vec!["Schöner Beitrag!"]);
    let authors = texts(&comment_texts.1, "section.comments li.comment .p-author");
    assert_eq!(authors, vec!["Blog b"]);
    let handles = texts(&comment_texts.1, "section.comments li.comment .handle");
    assert_eq!(handles, vec![format!("@{}", b.handle())]);

    // B edits the reply; A shows the new text.
    actions::edit_reply(&b.data(), &reply_id, "Sehr schöner Beitrag!")
        .await
        .expect("edit");
    eventually("the edit shows on A's page", 20, || async {
        let (_, html) = page(&post_url).await;
        (texts(&html, "li.comment .e-content") == vec!["Sehr schöner Beitrag!"]).then_some(())
    })
    .await;

    // B deletes the reply; A's page shows no comment.
    actions::delete_reply(&b.data(), &reply_id)
        .await
        .expect("delete reply");
    eventually("the deletion shows on A's page", 20, || async {
        let (_, html) = page(&post_url).await;
        texts(&html, "li.comment").is_empty().then_some(())
    })
    .await;

    // A edits the post; B gets the Update.
    let edited = posts::parse_markdown_file(&format!(
        "---\ntitle: Neuer Titel\nslug: {}\nlang: de\n---\nGeänderter Absatz.\n",
        post.slug
    ))
    .expect("markdown");
    posts::publish(&a.data(), edited).await.expect("update");
    eventually("B receives the Update", 20, || async {
        let stored = reading::find(&b.data().db, &post_id).await.ok().flatten()?;
        (stored.name.as_deref() == Some("Neuer Titel")).then_some(())
    })
    .await;

    // A deletes the post: 410 for everyone, and B drops it.
    posts::delete(&a.data(), &post.slug).await.expect("delete");
    eventually("B receives the Delete", 20, || async {
        reading::find(&b.data().db, &post_id)
            .await
            .ok()?
            .is_none()
            .then_some(())
    })
    .await;
    let (status, tombstone) = get_json(&post_url).await;
    assert_eq!(status, 410);
    assert_eq!(tombstone["type"], "Tombstone");
    let (status, _) = page(&post_url).await;
    assert_eq!(status, 410);
}
