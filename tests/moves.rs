//! Moving a blog: two Feder blogs on loopback and a follower that acts on `Move` as Mastodon
//! does (`app/lib/activitypub/activity/move.rb` and `MoveWorker`): it checks the signature,
//! that the Move is the actor's own, that the target names the old account in `alsoKnownAs`
//! and that the old account now names the target in `movedTo`; then it follows the new
//! account and unfollows the old. Also: a move to an account that does not name the blog is
//! refused, a forged Move of a follower changes nothing, and a retired blog answers 410.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod admin_helpers;
mod common;

use common::{Instance, Peer, eventually, get_json};
use feder::{
    federation::actions,
    services::{followers, local_actor::LocalActor, moves, posts},
};
use serde_json::{Value, json};
use url::Url;

/// `peer`'s actor follows `blog`'s, and the blog stores it.
async fn follow(peer: &Peer, blog: &Instance, n: u32) {
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/{n}", peer.actor), "type": "Follow",
        "actor": peer.actor, "object": blog.actor(),
    });
    let status = peer
        .deliver(&format!("{}actor/inbox", blog.base()), &follow)
        .await;
    assert_eq!(status, 202, "Follow of {}", blog.actor());
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
async fn act_on_move(peer: &Peer, received: &common::Received) -> Option<String> {
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

fn received_of<'a>(peer: &'a Peer, kind: &'a str) -> Vec<common::Received> {
    peer.received()
        .into_iter()
        .filter(|r| r.body["type"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_move_with_the_blog() {
    common::init();
    let old = Instance::start("old").await;
    let new = Instance::start("new").await;
    let peer = Peer::start().await;
    follow(&peer, &old, 1).await;

    // The new blog does not name the old one yet: the move is refused, nothing changes.
    let refused = actions::move_blog(&old.data(), &format!("@{}", new.handle()))
        .await
        .expect_err("a move to an account that does not name the blog");
    assert!(refused.to_string().contains("alsoKnownAs"), "{refused}");
    let (_, actor) = get_json(&old.actor()).await;
    assert!(actor.get("movedTo").is_none(), "{actor}");
    old.settle(20).await;
    assert!(received_of(&peer, "Move").is_empty());

    // The new blog names the old one; the old one moves.
    let old_id = Url::parse(&old.actor()).expect("url");
    moves::add_alias(&new.data(), &LocalActor::Blog, &old_id)
        .await
        .expect("alias");
    let (_, new_actor) = get_json(&new.actor()).await;
    assert_eq!(new_actor["alsoKnownAs"], json!([old.actor()]));
    let outcome = actions::move_blog(&old.data(), &format!("@{}", new.handle()))
        .await
        .expect("move");
    assert_eq!(outcome.target.as_str(), new.actor());
    let (status, old_actor) = get_json(&old.actor()).await;
    assert_eq!(status, 200, "the old actor still answers");
    assert_eq!(old_actor["movedTo"], new.actor());

    // The follower gets the Move and acts on it the Mastodon way.
    let moved = eventually("the follower receives the Move", 20, || async {
        received_of(&peer, "Move").into_iter().next()
    })
    .await;
    assert_eq!(moved.body["target"], new.actor());
    let now_following = act_on_move(&peer, &moved).await;
    assert_eq!(now_following.as_deref(), Some(new.actor().as_str()));
    eventually("the new blog has the follower", 20, || async {
        follows(&new, &peer.actor).await.then_some(())
    })
    .await;
    eventually("the old blog has lost the follower", 20, || async {
        (!follows(&old, &peer.actor).await).then_some(())
    })
    .await;

    // The new blog's next post reaches the follower.
    let input = posts::parse_markdown_file("---\ntitle: Moved in\n---\nHello from here.\n")
        .expect("markdown");
    posts::publish(&new.data(), input).await.expect("publish");
    eventually("the follower receives the new blog's post", 20, || async {
        received_of(&peer, "Create")
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
    assert_eq!((progress[0].at_move, progress[0].still_here), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_move_of_a_follower_changes_nothing() {
    common::init();
    let blog = Instance::start("blog").await;
    let peer = Peer::start().await;
    let bob = peer.as_user("bob");
    follow(&bob, &blog, 1).await;
    // carol does not name bob: bob's Move to her is no move.
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#moves/1", bob.actor), "type": "Move",
        "actor": bob.actor, "object": bob.actor,
        "target": format!("{}/users/carol", peer.base),
    });
    let status = bob.deliver(&format!("{}inbox", blog.base()), &forged).await;
    assert!(status == 202 || (400..500).contains(&status), "{status}");
    blog.settle(20).await;
    assert!(follows(&blog, &bob.actor).await, "bob still follows");

    // Once carol names bob, the same kind of Move ends bob's follow (carol follows anew).
    peer.set_actor_extra("carol", json!({"alsoKnownAs": [bob.actor]}));
    let real = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#moves/2", bob.actor), "type": "Move",
        "actor": bob.actor, "object": bob.actor,
        "target": format!("{}/users/carol", peer.base),
    });
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
    common::init();
    let blog = Instance::start("retired").await;
    let peer = Peer::start().await;
    follow(&peer, &blog, 1).await;
    let post = blog.publish_hello_world().await;
    moves::retire(&blog.data()).await.expect("retire");
    let deleted = eventually("the follower receives the Delete", 20, || async {
        received_of(&peer, "Delete")
            .into_iter()
            .find(|r| r.body["object"] == blog.actor())
    })
    .await;
    assert_eq!(deleted.body["actor"], blog.actor());
    let (status, doc) = get_json(&blog.actor()).await;
    assert_eq!((status, doc["type"].as_str()), (410, Some("Tombstone")));
    let (status, _) = common::page(&post).await;
    assert_eq!(status, 410);
    let (status, _) = common::page(&blog.base()).await;
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
    common::init();
    let blog = Instance::start("owner").await;
    let peer = Peer::start().await;
    let mut browser = admin_helpers::logged_in(&blog, "owner").await;

    // Moving in: the old account, by its address, becomes an alias of the blog actor.
    let page = browser.get("/admin/moving").await;
    assert_eq!(page.status, 200);
    let csrf = admin_helpers::csrf_of(&page.text);
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
