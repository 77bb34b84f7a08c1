//! The transactional outbox under SIGKILL: real `feder post publish`, `feder post delete` and
//! `feder serve` (whose scheduler publishes due posts) child processes are killed at random
//! moments, at least 100 times each. Afterwards no post is public without its `Create` (stored,
//! or still waiting as an outbox event), and no post is deleted without its `Delete`.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    db::entities::{activity, outbox_event, post},
    federation::outbox,
    services::{
        Site,
        outbox::Event,
        posts::{self, PostInput},
    },
};
use rand::Rng;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};
use support::{Blog, Peer, seed_followers};

const RUNS: usize = 100;

/// Runs `feder ARGS` and kills it at a random moment between a fifth of `typical` and a little
/// past it (so some runs finish).
fn run_killed(blog: &Blog, args: &[&str], typical: Duration) {
    let wait = typical.mul_f64(rand::thread_rng().gen_range(0.2..1.2));
    let mut child = blog.spawn(args);
    std::thread::sleep(wait);
    child.kill();
}

/// How long `feder ARGS` takes when nobody kills it.
fn time_run(blog: &Blog, args: &[&str]) -> Duration {
    let started = Instant::now();
    let mut child = blog.spawn(args);
    let status = child.0.wait().expect("wait");
    assert!(status.success(), "feder {args:?} failed");
    started.elapsed()
}

/// (kind, object id) of every stored activity.
async fn activities(db: &DatabaseConnection) -> HashSet<(String, String)> {
    activity::Entity::find()
        .all(db)
        .await
        .expect("activities")
        .into_iter()
        .filter_map(|a| Some((a.kind, a.object_ap_id?)))
        .collect()
}

/// Events still waiting in the outbox.
async fn waiting(db: &DatabaseConnection) -> Vec<Event> {
    outbox_event::Entity::find()
        .all(db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| serde_json::from_str(&e.event).expect("event"))
        .collect()
}

/// Every public post has its Create and every deleted post its Delete, either stored as an
/// activity or waiting as an event. Returns (public, deleted) counts.
async fn check_nothing_lost(site: &Site) -> (usize, usize) {
    let db = &site.db;
    let stored = activities(db).await;
    let waiting = waiting(db).await;
    let (mut public, mut deleted) = (0, 0);
    for p in post::Entity::find().all(db).await.expect("posts") {
        let id = site.urls.post(&p.slug).to_string();
        let created = stored.contains(&("Create".into(), id.clone()))
            || waiting.contains(&Event::PostPublished { post_id: p.id });
        if p.deleted_at.is_some() {
            deleted += 1;
            let deletion = stored.contains(&("Delete".into(), id.clone()))
                || waiting
                    .iter()
                    .any(|e| matches!(e, Event::PostDeleted { post_id, .. } if *post_id == p.id));
            assert!(deletion, "{} was deleted without a Delete", p.slug);
        } else if p.is_public() {
            public += 1;
            assert!(created, "{} is public without a Create", p.slug);
        }
        if stored.contains(&("Update".into(), id.clone())) {
            assert!(
                stored.contains(&("Create".into(), id)),
                "{} was updated but never created",
                p.slug
            );
        }
    }
    (public, deleted)
}

async fn scheduled(db: &DatabaseConnection) -> usize {
    post::Entity::find()
        .filter(post::Column::Status.eq(post::SCHEDULED))
        .all(db)
        .await
        .expect("scheduled")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_commands_never_lose_an_activity() {
    support::init();
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let blog = Blog::new("outbox").dir(&dir).leases(5).prepare().await;
    // Opened once first: migrated and with its key, so each child starts quickly.
    let federation = blog.clone().open().await;
    let data = federation.to_request_data();
    let site: Site = data.site.clone();
    let peer = Peer::start().await;
    seed_followers(&site.db, &peer, 3).await;
    let path = |i: usize| dir.path().join(format!("post-{i}.md"));
    let file = |i: usize| path(i).to_string_lossy().into_owned();

    // 1. `post publish`, killed at random.
    for i in 0..=RUNS {
        std::fs::write(
            path(i),
            format!("---\ntitle: Post {i}\nslug: post-{i}\n---\nText {i}.\n"),
        )
        .expect("write post");
    }
    let typical = time_run(&blog, &["post", "publish", &file(RUNS)]);
    for i in 0..RUNS {
        run_killed(&blog, &["post", "publish", &file(i)], typical);
    }
    // Publishing again what a killed run may have stored: an Update only of a post that has
    // its Create.
    for i in 0..RUNS / 4 {
        run_killed(&blog, &["post", "publish", &file(i)], typical);
    }
    let (public, _) = check_nothing_lost(&site).await;
    println!("publish: {public} of {RUNS} killed runs left a public post, each with its Create");

    // 2. `post delete`, killed at random.
    let slugs: Vec<String> = posts::all(&site.db)
        .await
        .expect("posts")
        .into_iter()
        .filter(|p| p.is_public())
        .map(|p| p.slug)
        .collect();
    for n in 0..RUNS {
        let slug = &slugs[n % slugs.len()];
        run_killed(&blog, &["post", "delete", slug], typical);
    }
    let (_, deleted) = check_nothing_lost(&site).await;
    println!("delete: {deleted} posts deleted by killed runs, each with its Delete");

    // 3. The scheduler of `feder serve`, killed at random: posts already due when it starts.
    for i in 0..3 * RUNS {
        let input = PostInput {
            title: format!("Scheduled {i}"),
            slug: Some(format!("scheduled-{i}")),
            body_markdown: format!("Planned {i}."),
            draft: true,
            published: Some(chrono::Utc::now() + chrono::Duration::milliseconds(500)),
            ..Default::default()
        };
        posts::save(&site, input, posts::Federate::Yes)
            .await
            .expect("schedule");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let first = blog.spawn(&["serve"]);
    while scheduled(&site.db).await == 3 * RUNS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Until the scheduler of a new server publishes its first post.
    let to_first = started.elapsed();
    drop(first);
    for _ in 0..RUNS {
        run_killed(&blog, &["serve"], to_first);
    }
    let scheduled_left = scheduled(&site.db).await;
    let (public, deleted) = check_nothing_lost(&site).await;
    println!(
        "scheduler: {} of {} scheduled posts published by killed servers",
        3 * RUNS - scheduled_left,
        3 * RUNS
    );

    // What was left waiting is federated once, and then everything is an activity.
    outbox::dispatch(&data).await.expect("dispatch");
    assert!(waiting(&site.db).await.is_empty(), "the outbox is empty");
    let stored = activities(&site.db).await;
    assert_eq!(check_nothing_lost(&site).await, (public, deleted));
    let creates = stored.iter().filter(|(k, _)| k == "Create").count();
    assert!(
        creates >= public,
        "{creates} Creates for {public} public posts"
    );
}
