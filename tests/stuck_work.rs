//! Work that keeps failing holds nothing else back: a received activity that fails on every
//! try lets later ones through and ends as a dead letter (also when no try of it ever ends);
//! an outbox event that keeps failing to become activities is tried again with backoff, then
//! is a dead letter shown in /admin/deliveries and by `feder outbox list`, while later events
//! are federated; once its cause is gone, "retry" sends it. The tests move the site's clock
//! instead of sleeping.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    db::entities::{inbox_activity, outbox_event, report},
    services::{
        outbox::{self, Event, MAX_ATTEMPTS},
        posts,
    },
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use std::time::Duration;
use support::{
    Blog, Instance, Peer, eventually, feder_cli, free_port, page, reply_activity, texts,
};

async fn received(blog: &Instance, activity_id: &str) -> inbox_activity::Model {
    inbox_activity::Entity::find()
        .filter(inbox_activity::Column::ActivityId.eq(activity_id))
        .one(&blog.data().db)
        .await
        .expect("query")
        .expect("stored")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_received_activity_that_keeps_failing_blocks_nothing() {
    support::init();
    let blog = Blog::new("stuck_inbox")
        .configure(|c| c.inbox.max_attempts = 3)
        .start()
        .await;
    let post_url = blog.publish_hello_world().await;
    let data = blog.data();
    let alice = Peer::start().await;
    let inbox = format!("{}inbox", blog.base());
    // The parent of the first reply lives on a server that is down: every try fails.
    let parent = format!("http://localhost:{}/notes/parent", free_port());
    let stuck = format!("{}/users/alice/statuses/1", alice.base);
    let activity = reply_activity(&alice, &stuck, &parent, "Lost");
    assert_eq!(alice.post_signed(&inbox, &activity).await, 202);
    let stuck_id = format!("{stuck}/activity");
    assert_eq!(
        received(&blog, &stuck_id).await.status,
        inbox_activity::PENDING
    );

    // Later replies are taken at once, the first one waiting or not.
    let later = |n: usize| format!("{}/users/alice/statuses/{}", alice.base, n);
    let activity = reply_activity(&alice, &later(2), &post_url, "Second");
    assert_eq!(alice.post_signed(&inbox, &activity).await, 202);
    let shown = || async {
        let (_, html) = page(&post_url).await;
        texts(&html, "li.comment .e-content")
    };
    assert_eq!(shown().await, vec!["Second"]);

    // Its tries come due and fail, until it is a dead letter; the queue then has nothing
    // pending, and a reply after it is taken as the second was.
    eventually("the failing reply to be a dead letter", 30, || async {
        let row = received(&blog, &stuck_id).await;
        if row.status == inbox_activity::DEAD {
            return Some(row);
        }
        data.clock.advance(Duration::from_secs(3600));
        data.inbox_wakeup.notify_one();
        None
    })
    .await;
    let activity = reply_activity(&alice, &later(3), &post_url, "Third");
    assert_eq!(alice.post_signed(&inbox, &activity).await, 202);
    assert_eq!(shown().await, vec!["Second", "Third"]);

    // An activity none of whose tries ever ended (its process died each time: here, its
    // last lease ran out after its three tries and the one more that a try without an
    // outcome on record gets) is a dead letter too, not claimed forever.
    let crashing = later(4);
    let activity = reply_activity(&alice, &crashing, &parent, "Crashing");
    assert_eq!(alice.post_signed(&inbox, &activity).await, 202);
    let crashing_id = format!("{crashing}/activity");
    let mut row: inbox_activity::ActiveModel = received(&blog, &crashing_id).await.into();
    row.attempts = Set(4);
    row.locked_until = Set(Some(data.clock.now()));
    row.update(&data.db).await.expect("update");
    data.clock.advance(Duration::from_secs(1));
    data.inbox_wakeup.notify_one();
    let row = eventually("the crashing reply to be a dead letter", 20, || async {
        let row = received(&blog, &crashing_id).await;
        (row.status == inbox_activity::DEAD).then_some(row)
    })
    .await;
    assert_eq!(row.attempts, 4, "not tried a fifth time");
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("no try ended")),
        "{:?}",
        row.last_error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_event_that_keeps_failing_is_a_dead_letter_and_blocks_nothing() {
    support::init();
    let blog = Blog::new("stuck_outbox").start().await;
    let data = blog.data();
    let peer = Peer::start().await;
    let follow = peer.fixture("follow.json", &blog, "x");
    assert_eq!(
        peer.post_signed(&format!("{}actor/inbox", blog.base()), &follow)
            .await,
        202
    );
    blog.settle(20).await;

    // A report whose stored id is no URL: its Flag cannot be built, on any try.
    let report = report::ActiveModel {
        ap_id: Set("not a url".into()),
        direction: Set(report::SENT.into()),
        actor_ap_id: Set(peer.actor.clone()),
        objects: Set(peer.actor.clone()),
        content: Set("Spam".into()),
        post_id: Set(None),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&data.db)
    .await
    .expect("report");
    outbox::record(
        &data.db,
        &Event::ReportSent {
            report_id: report.id,
        },
    )
    .await
    .expect("record");
    outbox::recorded(&data);
    let event = outbox_event::Entity::find()
        .one(&data.db)
        .await
        .expect("query")
        .expect("the event");

    // A post published after it reaches the follower.
    let input = posts::parse_markdown_file("---\ntitle: After\n---\nText.\n").expect("md");
    posts::publish(&data, input).await.expect("publish");
    let kinds = || {
        peer.received()
            .into_iter()
            .map(|r| r.body["type"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    eventually("the later Create delivered", 20, || async {
        kinds().contains(&"Create".to_string()).then_some(())
    })
    .await;
    let row = outbox_event::Entity::find_by_id(event.id)
        .one(&data.db)
        .await
        .expect("query")
        .expect("still there");
    assert!(row.attempts >= 1 && row.dead_at.is_none(), "{row:?}");
    assert!(row.next_attempt_at.is_some_and(|at| at > data.clock.now()));

    // Tried again whenever due, until the last try: a dead letter.
    let row = eventually("the event to be a dead letter", 30, || async {
        let row = outbox_event::Entity::find_by_id(event.id)
            .one(&data.db)
            .await
            .expect("query")
            .expect("kept");
        if row.dead_at.is_some() {
            return Some(row);
        }
        data.clock.advance(Duration::from_secs(2 * 3600));
        data.outbox_wakeup.notify_one();
        None
    })
    .await;
    assert_eq!(row.attempts, MAX_ATTEMPTS);
    assert!(!kinds().contains(&"Flag".to_string()));
    support::settled(&data.db, 20).await;

    // The owner sees it on the command line and in /admin/deliveries.
    let number = event.id.to_string();
    let (ok, listed) = feder_cli(&blog, &["outbox", "list"]);
    assert!(ok, "{listed}");
    let line = listed
        .lines()
        .find(|l| l.trim_start().starts_with(&number))
        .unwrap_or_default();
    assert!(
        line.contains("dead") && line.contains(&format!("tries={MAX_ATTEMPTS}")),
        "{listed}"
    );
    let (ok, nothing) = feder_cli(&blog, &["outbox", "retry", "999999"]);
    assert!(!ok, "{nothing}");
    let mut browser = support::logged_in(&blog, "owner").await;
    let answer = browser.get("/admin/deliveries").await;
    let html = scraper::Html::parse_document(&answer.text);
    let item = texts(&html, &format!("#event-{number}")).join(" ");
    assert!(
        item.contains("failed on every try") && item.contains(&format!("{MAX_ATTEMPTS} tries")),
        "{item}"
    );

    // Its cause mended, "retry now" sends it.
    let mut mended: report::ActiveModel = report.into();
    mended.ap_id = Set(format!("{}activities/report-1", blog.base()));
    mended.update(&data.db).await.expect("mend");
    let csrf = support::csrf_of(&answer.text);
    let answer = browser
        .post_form(&format!("/admin/outbox/{number}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(answer.status, 303);
    eventually("the Flag delivered", 20, || async {
        kinds().contains(&"Flag".to_string()).then_some(())
    })
    .await;
    let (ok, listed) = feder_cli(&blog, &["outbox", "list"]);
    assert!(ok && listed.contains("nothing failed"), "{listed}");
}
