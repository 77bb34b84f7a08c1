//! Migrations that move data, run on a database built at the migration before them with rows
//! in it: `one_followers_table` folds `author_followers` into `followers` and rewrites the
//! follow events still queued in their old shapes, losing none.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use chrono::{DateTime, TimeZone, Utc};
use feder::{
    db::entities::follower,
    services::{followers, local_actor::LocalActor, outbox, outbox::Event},
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveValue::Set,
    ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    sea_query::{Alias, Query},
};
use serde_json::json;

const FOLD: &str = "m20261203_000001_one_followers_table";

fn at(second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, second).unwrap()
}

/// A database migrated up to (not including) the migration `name`.
async fn database_before(dir: &std::path::Path, name: &str) -> DatabaseConnection {
    let mut url = support::database_url(dir, "migration").await;
    if url.starts_with("sqlite") {
        url.push_str("?mode=rwc");
    }
    let db = Database::connect(&url).await.expect("connect");
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == name)
        .expect("the migration is listed");
    Migrator::up(&db, Some(before as u32))
        .await
        .expect("migrate");
    db
}

async fn insert(
    db: &DatabaseConnection,
    table: &str,
    columns: &[&str],
    values: Vec<sea_orm::Value>,
) {
    let statement = Query::insert()
        .into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)))
        .values_panic(values.into_iter().map(Into::into))
        .to_owned();
    db.execute(&statement).await.expect("insert");
}

/// A follower row of before: of the blog, or (with `user_id`) of that author.
async fn old_follower(
    db: &DatabaseConnection,
    user_id: Option<i32>,
    actor: &str,
    shared: Option<&str>,
    second: u32,
) {
    let mut columns = vec![
        "actor_ap_id",
        "inbox",
        "shared_inbox",
        "follow_activity_id",
        "created_at",
    ];
    let mut values: Vec<sea_orm::Value> = vec![
        actor.into(),
        format!("{actor}/inbox").into(),
        shared.map(str::to_string).into(),
        format!("{actor}#follow").into(),
        at(second).into(),
    ];
    let table = match user_id {
        Some(id) => {
            columns.insert(0, "user_id");
            values.insert(0, id.into());
            "author_followers"
        }
        None => "followers",
    };
    insert(db, table, &columns, values).await;
}

#[tokio::test]
async fn author_followers_fold_into_followers_losing_none() {
    support::init();
    let dir = tempfile::tempdir().unwrap();
    let db = database_before(dir.path(), FOLD).await;
    let user_columns = ["id", "username", "display_name", "bio", "created_at"];
    for (id, name) in [(1, "alice"), (2, "bob")] {
        let values = vec![id.into(), name.into(), name.into(), "".into(), at(0).into()];
        insert(&db, "users", &user_columns, values).await;
    }
    let (a, b, c, d) = (
        "https://one.example/users/a",
        "https://one.example/users/b",
        "https://two.example/users/c",
        "https://two.example/users/d",
    );
    // A follows the blog, Alice and Bob; B and C the blog; D Alice.
    old_follower(&db, None, a, Some("https://one.example/inbox"), 1).await;
    old_follower(&db, None, b, None, 2).await;
    old_follower(&db, Some(1), a, Some("https://one.example/inbox"), 3).await;
    old_follower(&db, None, c, None, 4).await;
    old_follower(&db, Some(1), d, None, 5).await;
    old_follower(&db, Some(2), a, None, 6).await;
    let follow = json!({"id": format!("{a}#follow"), "type": "Follow", "actor": a});
    let events = [
        json!({"kind": "follow_accepted", "follower": a, "follow": follow}),
        json!({"kind": "author_follow_accepted", "author": "alice", "follower": d, "follow": follow}),
        json!({"kind": "post_published", "post_id": 7}),
        json!({"kind": "follower_removed", "follower": b, "follow": follow, "inbox": format!("{b}/inbox")}),
    ];
    for event in &events {
        let values = vec![event.to_string().into(), at(9).into()];
        insert(&db, "outbox_events", &["event", "created_at"], values).await;
    }

    Migrator::up(&db, None).await.expect("migrate up");

    let alice = LocalActor::Author("alice".into());
    let bob = LocalActor::Author("bob".into());
    let rows: Vec<(LocalActor, String, Option<String>, DateTime<Utc>)> = followers::list(&db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|f| {
            assert_eq!(f.inbox, format!("{}/inbox", f.actor_ap_id));
            assert_eq!(f.follow_activity_id, format!("{}#follow", f.actor_ap_id));
            let local = LocalActor::from_name(&f.local_actor).expect("a local actor");
            (local, f.actor_ap_id, f.shared_inbox, f.created_at)
        })
        .collect();
    let shared = Some("https://one.example/inbox".to_string());
    assert_eq!(
        rows,
        vec![
            (LocalActor::Blog, a.into(), shared.clone(), at(1)),
            (LocalActor::Blog, b.into(), None, at(2)),
            (alice.clone(), a.into(), shared, at(3)),
            (LocalActor::Blog, c.into(), None, at(4)),
            (alice.clone(), d.into(), None, at(5)),
            (bob.clone(), a.into(), None, at(6)),
        ],
        "every follower, oldest first"
    );
    assert_eq!(followers::count(&db, &alice).await.unwrap(), 2);

    // The queued follow events read in their new shape, nothing else changed.
    let pending: Vec<Event> = outbox::pending(&db, 10, chrono::Utc::now())
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        pending,
        vec![
            Event::FollowAccepted {
                local_actor: LocalActor::Blog,
                follower: a.into(),
            },
            Event::FollowAccepted {
                local_actor: alice.clone(),
                follower: d.into(),
            },
            Event::PostPublished { post_id: 7 },
            Event::FollowerRemoved {
                local_actor: LocalActor::Blog,
                follower: b.into(),
                follow_id: format!("{a}#follow"),
                inbox: format!("{b}/inbox"),
            },
        ]
    );

    // One row per remote and local actor: D may follow Bob too, not Alice twice.
    let row = |local: &LocalActor| follower::ActiveModel {
        local_actor: Set(local.name()),
        actor_ap_id: Set(d.into()),
        inbox: Set(format!("{d}/inbox")),
        shared_inbox: Set(None),
        follow_activity_id: Set(format!("{d}#again")),
        created_at: Set(at(10)),
        ..Default::default()
    };
    assert!(follower::Entity::insert(row(&bob)).exec(&db).await.is_ok());
    assert!(
        follower::Entity::insert(row(&alice))
            .exec(&db)
            .await
            .is_err()
    );
    assert!(!followers::restore(&db, row(&alice)).await.unwrap());
}

/// Activities stored before `sender` existed get it from their JSON, so the worker signs a
/// delivery still queued with the key of the actor who sends it.
#[tokio::test]
async fn activities_of_before_get_their_sender() {
    support::init();
    let dir = tempfile::tempdir().unwrap();
    let db = database_before(dir.path(), "m20261206_202706_activity_sender").await;
    let alice = "http://localhost:8080/authors/alice/actor";
    let doc = json!({"id": "http://localhost:8080/activities/1", "type": "Create", "actor": alice});
    insert(
        &db,
        "activities",
        &[
            "ap_id",
            "kind",
            "object_ap_id",
            "json",
            "public",
            "created_at",
        ],
        vec![
            "http://localhost:8080/activities/1".into(),
            "Create".into(),
            None::<String>.into(),
            doc.to_string().into(),
            true.into(),
            at(0).into(),
        ],
    )
    .await;
    Migrator::up(&db, None).await.expect("migrate");
    let row = feder::db::entities::activity::Entity::find()
        .one(&db)
        .await
        .expect("query")
        .expect("the activity");
    assert_eq!(row.sender.as_deref(), Some(alice));
    assert!(!row.to_followers);
}
