//! The outbox: every kind of event becomes its activity (a `match` below without a catch-all
//! fails to compile when a kind is added and not tested), ids that must stay the same do, a
//! deletion is a Tombstone, and the outbox collections list the activities a follower
//! received, with their ids.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    db::entities::{activity, actor, authorization, blog_reaction, outbox_event, report},
    federation::outbox,
    services::{
        authorizations::{self, Grant},
        comments, followers,
        local_actor::LocalActor,
        outbox::{AnsweredRequest, Event},
        posts, reader, users,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::Value;
use support::{Blog, Instance, Peer, eventually, get_json};
use url::Url;

/// What each kind of event is sent as: the activity's type and its object's type (or "id"
/// for an object named by its id, "ids" for a list of them).
fn expected(event: &Event) -> Vec<(&'static str, &'static str)> {
    match event {
        Event::PostPublished { .. } => vec![("Create", "Article")],
        Event::PostUpdated { .. } => vec![("Update", "Article")],
        Event::PostDeleted { .. } => vec![("Delete", "Tombstone")],
        Event::ReplyCreated { .. } => vec![("Create", "Note")],
        Event::ReplyUpdated { .. } => vec![("Update", "Note")],
        Event::ReplyDeleted { .. } => vec![("Delete", "Tombstone")],
        Event::FollowRequested { .. } => vec![("Follow", "id")],
        Event::FollowUndone { .. } => vec![("Undo", "Follow")],
        Event::FollowAccepted { .. } => vec![("Accept", "Follow")],
        Event::FollowerRemoved { .. } => vec![("Reject", "Follow")],
        Event::AuthorProfileUpdated { .. } => vec![("Update", "Person")],
        Event::ActorUpdated { .. } => vec![("Update", "Person")],
        Event::InteractionAccepted { .. } => vec![("Accept", "QuoteRequest")],
        Event::InteractionRejected { .. } => vec![("Reject", "QuoteRequest")],
        Event::AuthorizationRevoked { .. } => vec![("Delete", "id")],
        Event::ActorMoved { .. } => vec![("Move", "id")],
        Event::ActorDeleted { .. } => vec![("Delete", "id")],
        // The like below; a boost is an Announce of the id, a quote a QuoteRequest.
        Event::ReaderReacted { .. } => vec![("Like", "id")],
        Event::ReaderUndone { .. } => vec![("Undo", "Like")],
        Event::ReportSent { .. } => vec![("Flag", "ids")],
    }
}

/// The activities `event` is sent as, as JSON.
async fn built(blog: &Instance, event: &Event) -> Vec<Value> {
    outbox::activities_for(&blog.data(), event)
        .await
        .expect("build")
        .into_iter()
        .map(|o| serde_json::to_value(&o.activity).expect("serialize"))
        .collect()
}

fn shape(activity: &Value) -> (String, String) {
    let object = &activity["object"];
    let object_type = match object {
        Value::String(_) => "id".to_string(),
        Value::Array(_) => "ids".to_string(),
        _ => object["type"].as_str().unwrap_or_default().to_string(),
    };
    (
        activity["type"].as_str().unwrap_or_default().to_string(),
        object_type,
    )
}

fn remote_actor(name: &str) -> actor::Model {
    actor::Model {
        id: 0,
        ap_id: format!("https://remote.example/users/{name}"),
        kind: "Person".into(),
        preferred_username: Some(name.into()),
        name: None,
        summary: None,
        url: None,
        icon_url: None,
        inbox: format!("https://remote.example/users/{name}/inbox"),
        shared_inbox: Some("https://remote.example/inbox".into()),
        public_key_id: format!("https://remote.example/users/{name}#main-key"),
        public_key_pem: String::new(),
        domain: "remote.example".into(),
        fetched_at: chrono::Utc::now(),
        moved_to: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_kind_produces_its_activity() {
    support::init();
    let blog = Blog::new("outbox_kinds")
        .configure(|c| c.blog.author_actors = true)
        .start()
        .await;
    let data = blog.data();
    let ann = remote_actor("ann");
    let mut row: actor::ActiveModel = ann.clone().into();
    row.id = NotSet;
    row.insert(&data.db).await.expect("store the remote actor");
    let ann_id = Url::parse(&ann.ap_id).expect("url");
    followers::accept(
        &data,
        &LocalActor::Blog,
        &Url::parse("https://remote.example/follows/1").expect("url"),
        &ann,
    )
    .await
    .expect("follower");
    let alice = users::create(&data.db, "alice", "a long enough password")
        .await
        .expect("user");

    let input = posts::parse_markdown_file("---\ntitle: Kinds\n---\nText.\n").expect("md");
    let (post, _) = posts::publish(&data, input).await.expect("publish");
    let post_url = Url::parse(&format!("{}posts/{}", blog.base(), post.slug)).expect("url");
    let reply = comments::reply(
        &data,
        &post_url,
        Some(&ann_id),
        &LocalActor::Blog,
        "An answer.",
    )
    .await
    .expect("reply");
    let request = AnsweredRequest {
        id: "https://remote.example/requests/1".into(),
        kind: "QuoteRequest".into(),
        actor: ann.ap_id.clone(),
        object: post_url.to_string(),
        instrument: "https://remote.example/notes/1".into(),
    };
    let granted = authorizations::grant(
        &data,
        Grant {
            kind: authorization::QUOTE,
            post_id: post.id,
            object: &Url::parse("https://remote.example/notes/1").expect("url"),
            actor: &ann_id,
            request: request.clone(),
            request_id: &Url::parse(&request.id).expect("url"),
        },
        None,
    )
    .await
    .expect("grant");

    let liked = Url::parse("https://remote.example/notes/2").expect("url");
    let reaction = reader::Reaction {
        kind: blog_reaction::LIKE,
        object: &liked,
        author: &ann_id,
    };
    reader::react(&data, reaction).await.expect("like");
    let like = reader::find(&data.db, blog_reaction::LIKE, &liked)
        .await
        .expect("find")
        .expect("the like");
    let reported = report::ActiveModel {
        ap_id: sea_orm::Set(format!("{}activities/report-1", blog.base())),
        direction: sea_orm::Set(report::SENT.into()),
        actor_ap_id: sea_orm::Set(ann.ap_id.clone()),
        objects: sea_orm::Set(format!("{}\nhttps://remote.example/notes/1", ann.ap_id)),
        content: sea_orm::Set("Spam".into()),
        post_id: sea_orm::Set(Some(post.id)),
        created_at: sea_orm::Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&data.db)
    .await
    .expect("report");

    let events = [
        Event::PostPublished { post_id: post.id },
        Event::PostUpdated { post_id: post.id },
        Event::ReplyCreated {
            comment_id: reply.id,
            parent_author: Some(ann.ap_id.clone()),
        },
        Event::ReplyUpdated {
            comment_id: reply.id,
            parent_author: Some(ann.ap_id.clone()),
        },
        Event::ReplyDeleted {
            comment_id: reply.id,
            parent_author: Some(ann.ap_id.clone()),
        },
        Event::FollowRequested {
            follow_id: format!("{}follows/1", blog.base()),
            target: ann.ap_id.clone(),
        },
        Event::FollowUndone {
            follow_id: format!("{}follows/1", blog.base()),
            target: ann.ap_id.clone(),
        },
        Event::FollowAccepted {
            local_actor: LocalActor::Blog,
            follower: ann.ap_id.clone(),
        },
        Event::FollowerRemoved {
            local_actor: LocalActor::Blog,
            follower: ann.ap_id.clone(),
            follow_id: "https://remote.example/follows/1".into(),
            inbox: ann.inbox.clone(),
        },
        Event::AuthorProfileUpdated {
            author: alice.username.clone(),
        },
        Event::ActorUpdated {
            local_actor: LocalActor::Blog,
        },
        Event::InteractionAccepted {
            authorization_id: granted.id,
            request: request.clone(),
        },
        Event::InteractionRejected {
            actor: ann.ap_id.clone(),
            request: request.clone(),
        },
        Event::AuthorizationRevoked {
            authorization_id: granted.id,
        },
        Event::ActorMoved {
            local_actor: LocalActor::Blog,
            target: ann.ap_id.clone(),
        },
        Event::ActorDeleted {
            local_actor: LocalActor::Blog,
        },
        Event::ReaderReacted {
            reaction_id: like.id,
        },
        Event::ReaderUndone {
            reaction: like.kind.clone(),
            activity_id: like.activity_id.clone(),
            object: liked.to_string(),
            author: ann.ap_id.clone(),
            note: None,
        },
        Event::ReportSent {
            report_id: reported.id,
        },
    ];
    for event in &events {
        let activities = built(&blog, event).await;
        let shapes: Vec<(String, String)> = activities.iter().map(shape).collect();
        let want: Vec<(String, String)> = expected(event)
            .into_iter()
            .map(|(a, o)| (a.to_string(), o.to_string()))
            .collect();
        assert_eq!(shapes, want, "{event:?}");
        for a in &activities {
            assert!(a.get("@context").is_none(), "the context is the queue's");
            assert!(
                a["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with(&blog.base()))
            );
        }
    }

    // The Create of a post has one id, however often it is built; an Update has a new one
    // each time (servers take an edit once per id).
    let create = |a: Vec<Value>| a[0]["id"].clone();
    let published = Event::PostPublished { post_id: post.id };
    assert_eq!(
        create(built(&blog, &published).await),
        create(built(&blog, &published).await)
    );
    let updated = Event::PostUpdated { post_id: post.id };
    assert_ne!(
        create(built(&blog, &updated).await),
        create(built(&blog, &updated).await)
    );

    // An author's post: their Create, and the blog's Announce of the post itself.
    let mut input = posts::parse_markdown_file("---\ntitle: By Alice\n---\nText.\n").expect("md");
    input.author_id = Some(alice.id);
    let (by_alice, _) = posts::publish(&data, input).await.expect("publish");
    let sent = built(
        &blog,
        &Event::PostPublished {
            post_id: by_alice.id,
        },
    )
    .await;
    let shapes: Vec<(String, String)> = sent.iter().map(shape).collect();
    assert_eq!(
        shapes,
        [
            ("Create".to_string(), "Article".to_string()),
            ("Announce".to_string(), "id".to_string())
        ]
    );
    assert_eq!(
        sent[0]["actor"],
        format!("{}authors/alice/actor", blog.base())
    );
    assert_eq!(sent[1]["actor"], blog.actor());
    assert_eq!(sent[1]["object"], sent[0]["object"]["id"]);

    // A deleted post is a Tombstone of an Article, from the post's actor; its Create and
    // Update are no longer sent.
    let create_id = create(built(&blog, &published).await);
    posts::delete(&data, &post.slug).await.expect("delete");
    let deleted = Event::PostDeleted {
        post_id: post.id,
        publication: None,
    };
    let deleted = built(&blog, &deleted).await;
    assert_eq!(deleted[0]["object"]["type"], "Tombstone");
    assert_eq!(deleted[0]["object"]["formerType"], "Article");
    assert_eq!(deleted[0]["object"]["id"], post_url.as_str());
    assert_eq!(deleted[0]["actor"], blog.actor());
    assert!(built(&blog, &published).await.is_empty());
    assert!(built(&blog, &updated).await.is_empty());
    let gone = built(
        &blog,
        &Event::ReplyDeleted {
            comment_id: reply.id,
            parent_author: None,
        },
    )
    .await;
    assert_eq!(gone[0]["object"]["formerType"], "Note");
    assert_eq!(gone[0]["object"]["id"], reply.ap_id.as_str());

    // Restored, the post is sent again as its Create, under its id: the stored row of before
    // is taken anew (its delivery starts over), and the outbox goes on.
    let restored_at = chrono::Utc::now();
    posts::undelete(&data, &post.slug).await.expect("undelete");
    let create_id = create_id.as_str().expect("id").to_string();
    eventually("the Create stored again under its id", 20, || async {
        let waiting = outbox_event::Entity::find().count(&data.db).await.ok()?;
        let row = activity::Entity::find()
            .filter(activity::Column::ApId.eq(create_id.as_str()))
            .one(&data.db)
            .await
            .ok()??;
        (waiting == 0 && row.created_at >= restored_at).then_some(())
    })
    .await;
}

/// A follower of the blog receives a Create and (with author actors) the Announce of an
/// author's post; the outboxes list them with the ids they were delivered with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_pages_list_the_delivered_activities() {
    support::init();
    let blog = Blog::new("outbox_pages")
        .configure(|c| c.blog.author_actors = true)
        .start()
        .await;
    let peer = Peer::start().await;
    let follow = peer.fixture("follow.json", &blog, "x");
    assert_eq!(
        peer.post_signed(&format!("{}actor/inbox", blog.base()), &follow)
            .await,
        202
    );
    let data = blog.data();
    let alice = users::create(&data.db, "alice", "a long enough password")
        .await
        .expect("user");
    let mut input = posts::parse_markdown_file("---\ntitle: By Alice\n---\nText.\n").expect("md");
    input.author_id = Some(alice.id);
    posts::publish(&data, input).await.expect("publish");
    let input = posts::parse_markdown_file("---\ntitle: By the blog\n---\nText.\n").expect("md");
    posts::publish(&data, input).await.expect("publish");

    let received = |kind: &'static str| {
        let peer = &peer;
        async move {
            peer.received()
                .into_iter()
                .find(|r| r.body["type"] == kind)
                .map(|r| r.body)
        }
    };
    let create = eventually("the Create delivered", 20, || received("Create")).await;
    let announce = eventually("the Announce delivered", 20, || received("Announce")).await;

    let (status, page) = get_json(&format!("{}actor/outbox?page=1", blog.base())).await;
    assert_eq!(status, 200);
    let items = page["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let listed = |kind: &str| {
        items
            .iter()
            .find(|i| i["type"] == kind)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(listed("Create")["id"], create["id"]);
    assert_eq!(listed("Create")["object"]["id"], create["object"]["id"]);
    assert_eq!(listed("Announce")["id"], announce["id"]);
    assert_eq!(listed("Announce")["object"], announce["object"]);

    // Alice's outbox lists her Create, stored (and served at its id) as it was sent.
    let (_, page) = get_json(&format!("{}authors/alice/outbox?page=1", blog.base())).await;
    let items = page["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["type"], "Create");
    let id = items[0]["id"].as_str().expect("id").to_string();
    let stored = activity::Entity::find()
        .filter(activity::Column::ApId.eq(id.as_str()))
        .one(&data.db)
        .await
        .expect("query");
    assert!(stored.is_some(), "Alice's Create was stored under {id}");
    let (status, served) = get_json(&id).await;
    assert_eq!(status, 200);
    assert_eq!(served["object"]["id"], items[0]["object"]["id"]);
}
