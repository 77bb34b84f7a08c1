//! Authors as fediverse accounts (`blog.author_actors`): a Fedify peer finds `@alice@host` by
//! WebFinger, follows her and receives her posts (signed with her key) and not Bob's; a blog
//! follower receives both as the blog's boosts; who follows both gets each post once (one
//! Create, and the blog's Announce of the same object); Undo of the author follow leaves the
//! blog follow alone; her profile edit reaches her followers. Without the setting nothing of
//! this is visible.
//!
//! `tests/interop/setup.sh` installs the Fedify peer; `FEDER_SKIP_INTEROP=1` skips the test
//! that needs it.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::services::{export, followers, import, local_actor::LocalActor, posts, users};
use serde_json::{Value, json};
use support::{
    Blog, Instance, PeerProcess, STEP_SECONDS, eventually, get_json, is_2xx, peer_installed,
    settled,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_of_an_author_get_her_posts_and_blog_followers_get_all() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let blog = Blog::new("authors")
        .configure(|c| c.blog.author_actors = true)
        .start()
        .await;
    let data = blog.data();
    let alice = users::create(&data.db, "alice", "a long enough password")
        .await
        .unwrap();
    let alice = users::update_profile(
        &data.db,
        alice,
        users::Profile {
            display_name: "Alice Writer".into(),
            bio: "Writes about trains.".into(),
            avatar_url: None,
            fediverse_handle: None,
        },
    )
    .await
    .unwrap();
    let bob = users::create(&data.db, "bob", "another long password")
        .await
        .unwrap();
    let alice_local = LocalActor::Author(alice.username.clone());

    // WebFinger names her actor; the actor is hers: profile, key, collections.
    let host = format!("localhost:{}", blog.port);
    let (status, finger) = get_json(&format!(
        "{}.well-known/webfinger?resource=acct:alice@{host}",
        blog.base()
    ))
    .await;
    assert_eq!(status, 200, "{finger}");
    assert_eq!(finger["subject"], format!("acct:alice@{host}"));
    let alice_actor = finger["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .and_then(|l| l["href"].as_str())
        .expect("self link")
        .to_string();
    assert_eq!(alice_actor, format!("{}authors/alice/actor", blog.base()));
    let (status, person) = get_json(&alice_actor).await;
    assert_eq!(status, 200, "{person}");
    assert_eq!(person["preferredUsername"], "alice");
    assert_eq!(person["name"], "Alice Writer");
    assert_eq!(person["summary"], "<p>Writes about trains.</p>");
    assert_eq!(person["publicKey"]["owner"], alice_actor.as_str());
    assert_eq!(person["attributionDomains"], json!([host]));
    let (status, _) = get_json(&format!("{}authors/nobody/actor", blog.base())).await;
    assert_eq!(status, 404);
    let (_, nodeinfo) = get_json(&format!("{}nodeinfo/2.1", blog.base())).await;
    assert_eq!(nodeinfo["usage"]["users"]["total"], 3, "{nodeinfo}");

    // A follows Alice; B follows the blog and Alice; P (Mastodon-like) follows the blog.
    let mut a = PeerProcess::start("fedify-peer").await;
    let mut b = PeerProcess::start("fedify-peer").await;
    a.follow(&alice_actor).await;
    b.follow(&blog.actor()).await;
    b.follow(&alice_actor).await;
    let p = support::Peer::start().await;
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/1", p.base), "type": "Follow",
        "actor": p.actor, "object": blog.actor(),
    });
    assert_eq!(
        p.post_signed(&format!("{}inbox", blog.base()), &follow)
            .await,
        202
    );
    eventually("three blog and author follows", STEP_SECONDS, || async {
        let blog_followers = followers::count(&data.db, &LocalActor::Blog).await.unwrap();
        let alice_followers = followers::count(&data.db, &alice_local).await.unwrap();
        (blog_followers == 2 && alice_followers == 2).then_some(())
    })
    .await;
    let (_, collection) = get_json(&format!("{}authors/alice/followers", blog.base())).await;
    assert_eq!(collection["totalItems"], 2, "{collection}");

    let alice_post = publish(&blog, "By Alice", alice.id).await;
    let bob_post = publish(&blog, "By Bob", bob.id).await;

    // Her outbox has her post as her Create; the blog's has it as its boost.
    let (_, outbox) = get_json(&format!("{}authors/alice/outbox?page=1", blog.base())).await;
    let items = outbox["orderedItems"].as_array().expect("items").clone();
    assert_eq!(items.len(), 1, "{outbox}");
    assert_eq!(items[0]["type"], "Create");
    assert_eq!(items[0]["object"]["id"], alice_post.as_str());
    let (_, outbox) = get_json(&format!("{}actor/outbox?page=1", blog.base())).await;
    let kinds: Vec<(&str, &str)> = outbox["orderedItems"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["type"].as_str().unwrap(), i["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![("Announce", blog.actor().as_str()); 2],
        "{outbox}"
    );

    // A: Alice's post, from Alice, signed with her key (Fedify checks it), attributed to her.
    let create = a
        .wait_for("Alice's Create at A", |e| {
            received(e, "Create", &alice_post)
        })
        .await;
    assert_eq!(create["actor"], alice_actor.as_str(), "{create}");
    assert_eq!(create["signature_verified"], true, "{create}");
    assert_eq!(
        create["activity"]["object"]["attributedTo"],
        alice_actor.as_str()
    );
    // B: Alice's Create, and the blog's Announce of each post.
    b.wait_for("Alice's Create at B", |e| {
        received(e, "Create", &alice_post)
    })
    .await;
    for post in [&alice_post, &bob_post] {
        let announce = b
            .wait_for("the blog's Announce at B", |e| {
                received(e, "Announce", post)
            })
            .await;
        assert_eq!(announce["actor"], blog.actor(), "{announce}");
    }
    // P: both posts, as the blog's boosts.
    let boosted = eventually("both Announces at P", STEP_SECONDS, || async {
        let got: Vec<String> = p
            .received()
            .iter()
            .filter(|r| r.body["type"] == "Announce" && r.body["actor"] == blog.actor())
            .filter_map(|r| r.body["object"].as_str().map(str::to_string))
            .collect();
        (got.len() >= 2).then_some(got)
    })
    .await;
    assert!(
        boosted.contains(&alice_post) && boosted.contains(&bob_post),
        "{boosted:?}"
    );

    // Nothing else arrives once the queue is empty: A never hears of Bob's post, B gets one
    // Create (Alice's), P no Create at all.
    wait_for_empty_queue(&blog, &mut [&mut a, &mut b]).await;
    assert!(
        !a.events().iter().any(|e| mentions(e, &bob_post)),
        "A got Bob's post"
    );
    let b_creates: Vec<Value> = b
        .events()
        .into_iter()
        .filter(|e| e["event"] == "received" && e["type"] == "Create")
        .collect();
    assert_eq!(b_creates.len(), 1, "B's Creates: {b_creates:#?}");
    assert!(
        !p.received().iter().any(|r| r.body["type"] == "Create"),
        "P got a Create"
    );

    // A's reply to Alice's post goes where Fedify sends it (her actor's shared inbox, the
    // blog's) and shows under the post.
    let done = a
        .run(json!({"cmd": "reply", "in_reply_to": alice_post, "content": "<p>Nice trains.</p>"}))
        .await;
    assert!(is_2xx(&done["status"]), "reply: {done}");
    eventually("the reply on the page", STEP_SECONDS, || async {
        let (_, html) = support::page(&alice_post).await;
        html.html().contains("Nice trains.").then_some(())
    })
    .await;

    // B stops following Alice: the blog follow stays.
    let done = b.run(json!({"cmd": "undo_follow"})).await;
    assert!(is_2xx(&done["status"]), "{done}");
    eventually("B's Undo of the Alice follow", STEP_SECONDS, || async {
        (followers::count(&data.db, &alice_local).await.unwrap() == 1).then_some(())
    })
    .await;
    assert_eq!(
        followers::count(&data.db, &LocalActor::Blog).await.unwrap(),
        2
    );

    // She edits her profile through the /admin form: her follower gets the Update.
    let mut browser = support::Browser::new(&blog);
    let answer = browser.log_in("alice", "a long enough password").await;
    assert_eq!(answer.status, 303, "login: {}", answer.text);
    let form = browser.get("/admin/profile").await;
    assert!(
        form.text.contains(&format!("@alice@{host}")),
        "{}",
        form.text
    );
    let csrf = support::csrf_of(&form.text);
    let saved = browser
        .post_form(
            "/admin/profile",
            &[
                ("csrf", csrf.as_str()),
                ("display_name", "Alice Writer"),
                ("bio", "Now about ships."),
                ("avatar_url", "https://images.example/alice.png"),
                ("fediverse_handle", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "profile: {}", saved.text);
    let update = a
        .wait_for("Alice's profile Update at A", |e| {
            e["event"] == "received"
                && e["type"] == "Update"
                && e["object_id"] == alice_actor.as_str()
        })
        .await;
    assert_eq!(update["object_type"], "Person", "{update}");
    assert_eq!(
        update["activity"]["object"]["summary"],
        "<p>Now about ships.</p>"
    );
    assert_eq!(
        update["activity"]["object"]["icon"]["url"],
        "https://images.example/alice.png"
    );

    // The page: Alice's handle with a follow form through /interact, and fediverse:creator.
    let (_, html) = support::page(&alice_post).await;
    let form = support::texts(&html, "form.follow-author label");
    assert_eq!(
        form,
        vec![format!("Follow @alice@{host} on the fediverse:")]
    );
    let uri: Vec<&str> = html
        .select(&scraper::Selector::parse("form.follow-author input[name=uri]").unwrap())
        .filter_map(|i| i.value().attr("value"))
        .collect();
    assert_eq!(uri, vec![alice_actor.as_str()]);
    let creator: Vec<&str> = html
        .select(&scraper::Selector::parse("meta[name='fediverse:creator']").unwrap())
        .filter_map(|m| m.value().attr("content"))
        .collect();
    assert_eq!(creator, vec![format!("@alice@{host}")]);
}

#[tokio::test]
async fn without_the_setting_the_blog_alone_is_an_actor() {
    support::init();
    let blog = Blog::new("single").start().await;
    let data = blog.data();
    let alice = users::create(&data.db, "alice", "a long enough password")
        .await
        .unwrap();
    let (status, _) = get_json(&format!(
        "{}.well-known/webfinger?resource=acct:alice@localhost:{}",
        blog.base(),
        blog.port
    ))
    .await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&format!("{}authors/alice/actor", blog.base())).await;
    assert_eq!(status, 404);
    let post = publish(&blog, "Alone", alice.id).await;
    let (_, article) = get_json(&post).await;
    assert_eq!(article["attributedTo"], blog.actor());
    let (_, html) = support::page(&post).await;
    assert!(support::texts(&html, "form.follow-author").is_empty());
}

#[tokio::test]
async fn export_keeps_author_followers_and_web_comment_columns() {
    support::init();
    let blog = Blog::new("export")
        .configure(|c| {
            c.blog.author_actors = true;
            // Held (not the default status), so the export must carry the status.
            c.blog.comment_policy = feder::config::CommentPolicy::Approval;
            c.limits.web_comment_min_seconds = 2;
        })
        .start()
        .await;
    let data = blog.data();
    let alice = users::create(&data.db, "alice", "a long enough password")
        .await
        .unwrap();
    let post = publish(&blog, "Kept", alice.id).await;
    let follower = feder::db::entities::actor::Model {
        id: 0,
        ap_id: "https://remote.example/users/x".into(),
        kind: "Person".into(),
        preferred_username: Some("x".into()),
        name: None,
        summary: None,
        url: None,
        icon_url: None,
        inbox: "https://remote.example/users/x/inbox".into(),
        shared_inbox: None,
        public_key_id: "https://remote.example/users/x#main-key".into(),
        public_key_pem: String::new(),
        domain: "remote.example".into(),
        fetched_at: chrono::Utc::now(),
        moved_to: None,
    };
    let follow_id = url::Url::parse("https://remote.example/follows/1").unwrap();
    let alice_local = LocalActor::Author(alice.username.clone());
    followers::accept(&data, &alice_local, &follow_id, &follower)
        .await
        .unwrap();
    let pending = support::web_comment(
        &post,
        &[
            ("author", "Reader"),
            ("email", "reader@example.org"),
            ("website", "https://reader.example"),
            ("text", "Held for the owner."),
        ],
        true,
    )
    .await;
    assert!(!pending.is_empty());
    let before = comment_rows(&data.db).await;
    assert_eq!(before.len(), 1, "the web comment is stored");
    assert_eq!(before[0].status, "pending");

    let dir = tempfile::tempdir().unwrap();
    export::export(&data, dir.path()).await.unwrap();
    let copy = Blog::new("imported")
        .configure(|c| c.blog.author_actors = true)
        .start()
        .await;
    let copied = copy.data();
    import::markdown(&copied, dir.path(), &mut |_| {})
        .await
        .unwrap();
    let kept = followers::list(&copied.db, Some(&alice_local))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].actor_ap_id, follower.ap_id);
    assert_eq!(
        followers::count(&copied.db, &LocalActor::Blog)
            .await
            .unwrap(),
        0
    );
    let after = comment_rows(&copied.db).await;
    let (b, a) = (&before[0], &after[0]);
    assert_eq!(
        (&a.status, &a.kind, &a.author_email, &a.author_website),
        (&b.status, &b.kind, &b.author_email, &b.author_website)
    );
    assert_eq!(
        (a.federate, &a.delete_token_hash),
        (b.federate, &b.delete_token_hash)
    );
    assert!(a.delete_token_hash.is_some() && a.author_email.is_some());
}

async fn comment_rows(
    db: &sea_orm::DatabaseConnection,
) -> Vec<feder::db::entities::comment::Model> {
    use sea_orm::EntityTrait;
    feder::db::entities::comment::Entity::find()
        .all(db)
        .await
        .unwrap()
}

/// Publishes a post written by the account `author_id`; returns its URL.
async fn publish(blog: &Instance, title: &str, author_id: i32) -> String {
    let mut input = posts::parse_markdown_file(&format!(
        "---\ntitle: {title}\n---\nA post called {title}.\n"
    ))
    .unwrap();
    input.author_id = Some(author_id);
    let (post, _) = posts::publish(&blog.data(), input).await.unwrap();
    format!("{}posts/{}", blog.base(), post.slug)
}

/// Waits until the blog has nothing pending (inbox, outbox, deliveries due: `settled`) and
/// each Fedify peer has printed what it received: a `ping` answered after all it printed
/// before (every delivery was answered after the peer printed it).
async fn wait_for_empty_queue(blog: &Instance, peers: &mut [&mut PeerProcess]) {
    settled(&blog.data().db, STEP_SECONDS).await;
    for peer in peers {
        peer.run(json!({"cmd": "ping"})).await;
    }
}

fn received(event: &Value, kind: &str, object: &str) -> bool {
    event["event"] == "received" && event["type"] == kind && event["object_id"] == object
}

fn mentions(event: &Value, object: &str) -> bool {
    event["event"] == "received" && event["activity"].to_string().contains(object)
}
