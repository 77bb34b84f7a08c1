//! Moving a blog: two Feder blogs on loopback and a follower that acts on `Move` as Mastodon
//! does (`app/lib/activitypub/activity/move.rb` and `MoveWorker`): it checks the signature,
//! that the Move is the actor's own, that the target names the old account in `alsoKnownAs`
//! and that the old account now names the target in `movedTo`; then it follows the new
//! account and unfollows the old. Also: a move to an account that does not name the blog is
//! refused, a forged Move of a follower changes nothing, and a retired blog answers 410.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::{
    federation::actions,
    services::{followers, follows, local_actor::LocalActor, moves, posts, users},
};
use serde_json::{Value, json};
use support::{Blog, Instance, Peer, eventually, get_json};
use url::Url;

/// `peer`'s actor follows `blog`'s, and the blog stores it.
async fn follow(peer: &Peer, blog: &Instance, n: u32) {
    follow_actor(peer, blog, &blog.actor(), n).await;
}

/// `peer`'s actor follows `actor`, one of `blog`'s (the blog or an author), and the blog
/// stores it.
async fn follow_actor(peer: &Peer, blog: &Instance, actor: &str, n: u32) {
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/{n}", peer.actor), "type": "Follow",
        "actor": peer.actor, "object": actor,
    });
    let (_, doc) = get_json(actor).await;
    let inbox = doc["inbox"].as_str().expect("an inbox");
    let status = peer.deliver(inbox, &follow).await;
    assert_eq!(status, 202, "Follow of {actor}");
    eventually("the blog stores the follower", 20, || async {
        let all = followers::list(&blog.data().db, None).await.ok()?;
        all.iter()
            .any(|f| f.actor_ap_id == peer.actor)
            .then_some(())
    })
    .await;
}

fn follows(blog: &Instance, who: &str) -> impl std::future::Future<Output = bool> {
    let db = blog.data().db.clone();
    let who = who.to_string();
    async move {
        followers::list(&db, None)
            .await
            .expect("followers")
            .iter()
            .any(|f| f.actor_ap_id == who)
    }
}

/// What a Mastodon server does with a `Move` its user's followee sent: `Some` with the new
/// account it then follows, `None` when it ignores the Move.
async fn act_on_move(peer: &Peer, received: &support::Received) -> Option<String> {
    let moved = &received.body;
    let origin = moved["actor"].as_str()?;
    // Only an account moves itself, signed by its own key.
    if moved["object"].as_str() != Some(origin) {
        return None;
    }
    let (_, origin_doc) = get_json(origin).await;
    let pem = origin_doc["publicKey"]["publicKeyPem"].as_str()?;
    let host = Url::parse(&peer.base).ok()?;
    let host = format!("{}:{}", host.host_str()?, host.port()?);
    let key = received.verified_key(&host, pem)?;
    if !key.starts_with(origin) {
        return None;
    }
    // The target, fetched anew, must name the origin.
    let target = moved["target"].as_str()?;
    let (status, target_doc) = get_json(target).await;
    let aliases = match &target_doc["alsoKnownAs"] {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => vec![],
    };
    if status != 200 || !aliases.contains(&origin) {
        return None;
    }
    // Mastodon sets the origin's `moved_to_account`; its profile says so too.
    if origin_doc["movedTo"].as_str() != Some(target) {
        return None;
    }
    // MoveWorker: follow the new account, unfollow the old one.
    let inbox = target_doc["inbox"].as_str()?;
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/moved", peer.actor), "type": "Follow",
        "actor": peer.actor, "object": target,
    });
    assert_eq!(
        peer.deliver(inbox, &follow).await,
        202,
        "Follow of {target}"
    );
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1/undo", peer.actor), "type": "Undo",
        "actor": peer.actor,
        "object": {"id": format!("{}#follows/1", peer.actor), "type": "Follow",
                   "actor": peer.actor, "object": origin},
    });
    let old_inbox = origin_doc["inbox"].as_str()?;
    assert_eq!(
        peer.deliver(old_inbox, &undo).await,
        202,
        "Undo of the old follow"
    );
    Some(target.to_string())
}

/// The `n`th Move of `who` (a remote account) to `target`, as Mastodon sends it.
fn move_of(who: &Peer, target: &str, n: u32) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#moves/{n}", who.actor), "type": "Move",
        "actor": who.actor, "object": who.actor, "target": target,
    })
}

fn received_of<'a>(peer: &'a Peer, kind: &'a str) -> Vec<support::Received> {
    peer.received()
        .into_iter()
        .filter(|r| r.body["type"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_move_with_the_blog() {
    support::init();
    // Both blogs have the author ann as an actor of her own; bob follows her on the old one.
    let authors = |c: &mut feder::config::Config| c.blog.author_actors = true;
    let old = Blog::new("old").configure(authors).start().await;
    let new = Blog::new("new").configure(authors).start().await;
    for blog in [&old, &new] {
        users::create(&blog.data().db, "ann", "a long enough password")
            .await
            .expect("ann");
    }
    let old_ann = format!("{}authors/ann/actor", old.base());
    let new_ann = format!("{}authors/ann/actor", new.base());
    let peer = Peer::start().await;
    let bob = peer.as_user("bob");
    follow(&peer, &old, 1).await;
    follow_actor(&bob, &old, &old_ann, 1).await;

    // The new blog does not name the old one yet: the move is refused, nothing changes.
    let refused = actions::move_blog(&old.data(), &format!("@{}", new.handle()))
        .await
        .expect_err("a move to an account that does not name the blog");
    assert!(refused.to_string().contains("alsoKnownAs"), "{refused}");
    let (_, actor) = get_json(&old.actor()).await;
    assert!(actor.get("movedTo").is_none(), "{actor}");
    old.settle(20).await;
    assert!(received_of(&peer, "Move").is_empty());

    // The new blog names the old one, and the new ann the old ann; the old blog moves, and
    // ann with it.
    let old_id = Url::parse(&old.actor()).expect("url");
    moves::add_alias(&new.data(), &LocalActor::Blog, &old_id)
        .await
        .expect("alias");
    let (_, new_actor) = get_json(&new.actor()).await;
    assert_eq!(new_actor["alsoKnownAs"], json!([old.actor()]));
    let ann = LocalActor::Author("ann".into());
    moves::add_alias(&new.data(), &ann, &Url::parse(&old_ann).expect("url"))
        .await
        .expect("ann's alias");
    let outcome = actions::move_blog(&old.data(), &format!("@{}", new.handle()))
        .await
        .expect("move");
    assert_eq!(outcome.target.as_str(), new.actor());
    assert_eq!(outcome.authors_moved, ["ann"]);
    let (status, old_actor) = get_json(&old.actor()).await;
    assert_eq!(status, 200, "the old actor still answers");
    assert_eq!(old_actor["movedTo"], new.actor());
    let (_, old_ann_doc) = get_json(&old_ann).await;
    assert_eq!(old_ann_doc["movedTo"], new_ann);

    // Each follower gets the Move of whom they follow and acts on it the Mastodon way.
    for (follower, from, to) in [
        (&peer, old.actor(), new.actor()),
        (&bob, old_ann.clone(), new_ann.clone()),
    ] {
        let moved = eventually("the follower receives the Move", 20, || async {
            received_of(&peer, "Move")
                .into_iter()
                .find(|r| r.body["actor"] == from.as_str())
        })
        .await;
        assert_eq!(moved.body["target"], to.as_str());
        let now_following = act_on_move(follower, &moved).await;
        assert_eq!(now_following.as_deref(), Some(to.as_str()));
        eventually("the new blog has the follower", 20, || async {
            follows(&new, &follower.actor).await.then_some(())
        })
        .await;
        eventually("the old blog has lost the follower", 20, || async {
            (!follows(&old, &follower.actor).await).then_some(())
        })
        .await;
    }
    let bob_follows = followers::list(&new.data().db, Some(&ann))
        .await
        .expect("ann's followers");
    assert_eq!(bob_follows.len(), 1, "bob follows the new ann");

    // The new blog's next post, ann's, reaches both: ann's Create, the blog's Announce.
    let input =
        posts::parse_markdown_file("---\ntitle: Moved in\nauthor: ann\n---\nHello from here.\n")
            .expect("markdown");
    posts::publish(&new.data(), input).await.expect("publish");
    eventually("bob receives ann's post from the new blog", 20, || async {
        received_of(&peer, "Create")
            .into_iter()
            .find(|r| r.body["actor"] == new_ann.as_str())
    })
    .await;
    eventually("the follower receives the new blog's post", 20, || async {
        received_of(&peer, "Announce")
            .into_iter()
            .find(|r| r.body["actor"] == new.actor())
    })
    .await;

    // The old blog: pages and WebFinger go to the new address, the ids still answer,
    // and it publishes nothing more.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = no_redirects
        .get(format!("{}archive?x=1", old.base()))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(answer.status(), 301);
    assert_eq!(
        answer.headers()["location"],
        format!("{}archive?x=1", new.base()).as_str()
    );
    let answer = no_redirects
        .get(format!(
            "{}.well-known/webfinger?resource=acct:{}",
            old.base(),
            old.handle()
        ))
        .send()
        .await
        .expect("webfinger");
    assert_eq!(answer.status(), 301);
    let location =
        Url::parse(answer.headers()["location"].to_str().expect("location")).expect("url");
    assert_eq!(
        location.as_str().split('?').next(),
        Some(format!("{}.well-known/webfinger", new.base()).as_str())
    );
    let resource = location.query_pairs().find(|(k, _)| k == "resource");
    assert_eq!(
        resource.map(|(_, v)| v.to_string()),
        Some(format!("acct:{}", new.handle()))
    );
    let refused = posts::publish(
        &old.data(),
        posts::parse_markdown_file("---\ntitle: Too late\n---\nText.\n").expect("markdown"),
    )
    .await
    .expect_err("publishing on a moved blog");
    assert!(refused.to_string().contains("moved"), "{refused}");

    // Per server, who has moved over.
    let progress = moves::progress(&old.data()).await.expect("progress");
    assert_eq!(progress.len(), 1);
    assert_eq!((progress[0].at_move, progress[0].still_here), (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_move_of_a_follower_changes_nothing() {
    support::init();
    let blog = Blog::new("blog").start().await;
    let peer = Peer::start().await;
    let bob = peer.as_user("bob");
    follow(&bob, &blog, 1).await;
    // carol does not name bob: bob's Move to her is no move.
    let forged = move_of(&bob, &format!("{}/users/carol", peer.base), 1);
    let status = bob.deliver(&format!("{}inbox", blog.base()), &forged).await;
    assert!(status == 202 || (400..500).contains(&status), "{status}");
    blog.settle(20).await;
    assert!(follows(&blog, &bob.actor).await, "bob still follows");

    // Once carol names bob, the same kind of Move ends bob's follow (carol follows anew).
    peer.set_actor_extra("carol", json!({"alsoKnownAs": [bob.actor]}));
    let real = move_of(&bob, &format!("{}/users/carol", peer.base), 2);
    assert_eq!(
        bob.deliver(&format!("{}inbox", blog.base()), &real).await,
        202
    );
    eventually("bob's follow ends", 20, || async {
        (!follows(&blog, &bob.actor).await).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retired_blog_says_goodbye_and_answers_gone() {
    support::init();
    let blog = Blog::new("retired").start().await;
    let peer = Peer::start().await;
    follow(&peer, &blog, 1).await;
    // The follower's server keeps the blog's key, as Mastodon and GoToSocial store it with
    // the account when it is first fetched.
    let (_, actor) = get_json(&blog.actor()).await;
    let kept_key = actor["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("a key")
        .to_string();
    let post = blog.publish_hello_world().await;
    moves::retire(&blog.data()).await.expect("retire");
    let deleted = eventually("the follower receives the Delete", 20, || async {
        received_of(&peer, "Delete")
            .into_iter()
            .find(|r| r.body["object"] == blog.actor())
    })
    .await;
    assert_eq!(deleted.body["actor"], blog.actor());
    // The actor answers 410 now (as Mastodon's does for a deleted account), so the Delete
    // must verify with the kept key, found by the key id without its fragment: Mastodon's
    // `uri_to_actor(keyId)` and GoToSocial's stored key id find the account that way and
    // fetch nothing (both fetch a key only for an account they never stored, and Mastodon
    // answers such a Delete 202 before verifying).
    let host = Url::parse(&peer.base).expect("url");
    let host = format!(
        "{}:{}",
        host.host_str().expect("host"),
        host.port().expect("port")
    );
    let key_id = deleted
        .verified_key(&host, &kept_key)
        .expect("the Delete verifies with the key the follower kept");
    assert_eq!(key_id, format!("{}#main-key", blog.actor()));
    let (status, doc) = get_json(&blog.actor()).await;
    assert_eq!((status, doc["type"].as_str()), (410, Some("Tombstone")));
    assert_eq!(doc["id"], blog.actor());
    assert_eq!(doc["formerType"], "Person");
    assert!(doc["deleted"].as_str().is_some(), "{doc}");
    assert!(doc.get("@context").is_some(), "{doc}");
    let (status, doc) = get_json(&post).await;
    assert_eq!((status, doc["type"].as_str()), (410, Some("Tombstone")));
    assert!(doc.get("formerType").is_none(), "{doc}");
    let (status, _) = support::page(&post).await;
    assert_eq!(status, 410);
    let (status, _) = support::page(&blog.base()).await;
    assert_eq!(status, 410);
    let refused = posts::publish(
        &blog.data(),
        posts::parse_markdown_file("---\ntitle: After\n---\nText.\n").expect("markdown"),
    )
    .await
    .expect_err("publishing on a retired blog");
    assert!(refused.to_string().contains("retired"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_names_an_old_account_and_retires_in_admin() {
    support::init();
    let blog = Blog::new("owner").start().await;
    let peer = Peer::start().await;
    let mut browser = support::logged_in(&blog, "owner").await;

    // Moving in: the old account, by its address, becomes an alias of the blog actor.
    let page = browser.get("/admin/moving").await;
    assert_eq!(page.status, 200);
    let csrf = support::csrf_of(&page.text);
    let added = browser
        .post_form(
            "/admin/moving/aliases",
            &[("csrf", &csrf), ("account", &peer.actor)],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text);
    let (_, actor) = get_json(&blog.actor()).await;
    assert_eq!(actor["alsoKnownAs"], json!([peer.actor]));

    // Retiring needs the blog's handle typed: anything else is refused, and nothing happens.
    let wrong = browser
        .post_form(
            "/admin/moving/retire",
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
    assert!(
        wrong.text.contains(&blog.handle()),
        "the page names the handle"
    );
    let (status, _) = get_json(&blog.actor()).await;
    assert_eq!(status, 200);
    let retired = browser
        .post_form(
            "/admin/moving/retire",
            &[("csrf", &csrf), ("confirm", &blog.handle())],
        )
        .await;
    assert_eq!(retired.status, 303, "{}", retired.text);
    let (status, _) = get_json(&blog.actor()).await;
    assert_eq!(status, 410);
    // The owner still has /admin.
    assert_eq!(browser.get("/admin/moving").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_alias_reaches_the_followers_as_an_update() {
    support::init();
    let blog = Blog::new("aliased").start().await;
    let peer = Peer::start().await;
    follow(&peer, &blog, 1).await;
    let updates = || {
        received_of(&peer, "Update")
            .into_iter()
            .filter(|r| r.body["object"]["id"] == blog.actor())
            .collect::<Vec<_>>()
    };

    // An alias from the command line or /admin/moving: the followers' servers read the
    // actor anew (Mastodon does on Update), so a Move from the old account is checked
    // against the alias.
    let old = Url::parse(&peer.as_user("old").actor).expect("url");
    moves::add_alias(&blog.data(), &LocalActor::Blog, &old)
        .await
        .expect("alias");
    let update = eventually("the follower receives the Update", 20, || async {
        updates().into_iter().next()
    })
    .await;
    assert_eq!(update.body["actor"], blog.actor());
    assert_eq!(update.body["object"]["alsoKnownAs"], json!([old.as_str()]));

    // /admin/settings shows the other accounts and sends the owner to /admin/moving to change
    // them: one path resolves a handle and reads the old followers. A field sent anyway (a
    // handle, stored raw before) changes nothing. Saving the profile sends an Update each time
    // the actor changes, none when it does not.
    let mut browser = support::logged_in(&blog, "owner").await;
    let page = browser.get("/admin/settings").await;
    let listed: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse(".aliases li a").expect("selector"))
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(listed, vec![old.to_string()], "{}", page.text);
    assert!(
        page.text
            .contains("href=\"/admin/moving\" class=\"aliases-edit\""),
        "{}",
        page.text
    );
    assert!(
        !page.text.contains("name=\"also_known_as\""),
        "{}",
        page.text
    );
    let csrf = support::csrf_of(&page.text);
    let settings = |title: &'static str, aliases: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", title.to_string()),
            ("lang", "en".to_string()),
            ("time_zone", "UTC".to_string()),
            ("comment_policy", "open".to_string()),
            ("quote_policy", "anyone".to_string()),
            ("also_known_as", aliases.to_string()),
        ]
    };
    let form = settings("Renamed", "@someone@mastodon.example");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = browser.post_form("/admin/settings", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let update = eventually("the follower receives the second Update", 20, || async {
        updates().into_iter().nth(1)
    })
    .await;
    assert_eq!(update.body["object"]["name"], "Renamed");
    assert_eq!(
        update.body["object"]["alsoKnownAs"],
        json!([old.as_str()]),
        "{}",
        update.body
    );
    let saved = browser.post_form("/admin/settings", &form).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    blog.settle(20).await;
    assert_eq!(updates().len(), 2, "saving the same settings sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blog_follows_an_account_it_follows_to_its_new_address() {
    support::init();
    let blog = Blog::new("reader").start().await;
    let peer = Peer::start().await;
    let bob = peer.as_user("bob");
    actions::follow(&blog.data(), &bob.actor)
        .await
        .expect("follow bob");
    let following = || {
        let db = blog.data().db.clone();
        async move {
            follows::list(&db)
                .await
                .expect("following")
                .into_iter()
                .map(|f| f.actor_ap_id)
                .collect::<Vec<_>>()
        }
    };
    eventually("bob receives the Follow", 20, || async {
        received_of(&peer, "Follow")
            .into_iter()
            .find(|r| r.body["object"] == bob.actor.as_str())
    })
    .await;
    let undone_and_followed = || {
        let undone = received_of(&peer, "Undo")
            .into_iter()
            .any(|r| r.body["object"]["object"] == bob.actor.as_str());
        let followed = received_of(&peer, "Follow")
            .into_iter()
            .filter(|r| r.body["object"] != bob.actor.as_str())
            .map(|r| r.body["object"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>();
        (undone, followed)
    };

    // A Move to an account that does not name bob (as Mastodon checks): nothing changes.
    let forged = move_of(&bob, &format!("{}/users/mallory", peer.base), 1);
    let status = bob.deliver(&format!("{}inbox", blog.base()), &forged).await;
    assert!(status == 202 || (400..500).contains(&status), "{status}");
    blog.settle(20).await;
    assert_eq!(following().await, std::slice::from_ref(&bob.actor));
    assert_eq!(undone_and_followed(), (false, vec![]));

    // bob moves to carol, who names him: the blog unfollows bob and follows carol, as
    // Mastodon's MoveWorker does for its users.
    let carol = format!("{}/users/carol", peer.base);
    peer.set_actor_extra("carol", json!({"alsoKnownAs": [bob.actor]}));
    let real = move_of(&bob, &carol, 2);
    assert_eq!(
        bob.deliver(&format!("{}inbox", blog.base()), &real).await,
        202
    );
    eventually(
        "the Undo of bob and the Follow of carol arrive",
        20,
        || async {
            let (undone, followed) = undone_and_followed();
            (undone && followed == [carol.clone()]).then_some(())
        },
    )
    .await;
    assert_eq!(following().await, std::slice::from_ref(&carol));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blog_that_follows_a_retired_blog_lets_it_go() {
    support::init();
    let retiring = Blog::new("retiring").start().await;
    let reader = Blog::new("reader").start().await;
    actions::follow(&reader.data(), &retiring.actor())
        .await
        .expect("follow");
    eventually("the retiring blog accepts the follow", 20, || async {
        let all = follows::list(&reader.data().db).await.ok()?;
        all.iter().any(|f| f.accepted).then_some(())
    })
    .await;
    moves::retire(&retiring.data()).await.expect("retire");
    // Its actor answers 410 from now on: the reader verifies the Delete with the key it
    // stored when it followed, and stops following.
    eventually("the reader lets the retired blog go", 20, || async {
        follows::list(&reader.data().db)
            .await
            .ok()?
            .is_empty()
            .then_some(())
    })
    .await;
    let (status, _) = get_json(&retiring.actor()).await;
    assert_eq!(status, 410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_blog_sees_who_came_over_per_server() {
    support::init();
    let blog = Blog::new("arrivals").start().await;
    let (one, two) = (Peer::start().await, Peer::start().await);
    let (bob, carol, erin) = (
        one.as_user("bob"),
        one.as_user("carol"),
        two.as_user("erin"),
    );
    // The old account, on the first server, lists three followers on two pages, as
    // Mastodon pages its followers collection.
    let old = format!("{}/users/old", one.base);
    let doc = |name: &str| format!("{}/notes/{name}", one.base);
    one.set_actor_extra("old", json!({"followers": doc("old-followers")}));
    one.serve_note(
        "old-followers",
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": doc("old-followers"), "type": "OrderedCollection", "totalItems": 3,
               "first": doc("old-followers-1")}),
    );
    one.serve_note(
        "old-followers-1",
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": doc("old-followers-1"), "type": "OrderedCollectionPage",
               "orderedItems": [bob.actor, carol.actor], "next": doc("old-followers-2")}),
    );
    one.serve_note(
        "old-followers-2",
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": doc("old-followers-2"), "type": "OrderedCollectionPage",
               "orderedItems": [erin.actor]}),
    );
    let mut browser = support::logged_in(&blog, "owner").await;
    let page = browser.get("/admin/moving").await;
    let csrf = support::csrf_of(&page.text);
    let added = browser
        .post_form(
            "/admin/moving/aliases",
            &[("csrf", &csrf), ("account", &old)],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text);

    // bob and erin come over (a Follow of their own, as after the old account's Move);
    // dave follows too, but was no follower of the old account.
    follow(&bob, &blog, 1).await;
    follow(&erin, &blog, 1).await;
    follow(&one.as_user("dave"), &blog, 1).await;
    let server = |p: &Peer| p.base.trim_start_matches("http://").to_string();
    let mut expected = vec![
        moves::Arrivals {
            server: server(&one),
            listed: 2,
            here: 1,
        },
        moves::Arrivals {
            server: server(&two),
            listed: 1,
            here: 1,
        },
    ];
    expected.sort_by(|a, b| a.server.cmp(&b.server));
    let arrivals = moves::arrivals(&blog.data(), &LocalActor::Blog, &old)
        .await
        .expect("arrivals");
    assert_eq!(arrivals, expected);

    // The owner sees the same in /admin/moving.
    let page = browser.get("/admin/moving").await;
    let rows = support::texts(&page.html(), "table.arrivals tbody tr");
    let shown: Vec<String> = expected
        .iter()
        .map(|a| format!("{}{}{}", a.server, a.listed, a.here))
        .collect();
    let rows: Vec<String> = rows
        .iter()
        .map(|r| r.split_whitespace().collect())
        .collect();
    assert_eq!(rows, shown, "{}", page.text);
}
