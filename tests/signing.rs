//! How Feder signs what it sends, checked by a small verifier on loopback that checks every
//! signature with Feder's key: deliveries knock with RFC 9421 first; a host that refuses it
//! with 401 gets draft-cavage at once and, from then on, cavage first, also after a restart
//! (the scheme is stored per host). Fetches are signed by the application actor (FEP-2677),
//! which NodeInfo, WebFinger and the blog actor's `generator` (FEP-844e) point at. Shared
//! inboxes get FEP-8fcf followers digests; WebFinger offers the FEP-3b86 Create intent.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::IntoResponse,
    routing::{get, post},
};
use feder::{
    db::entities::{delivery_host, follower},
    federation::{
        fetch, local_actor,
        signatures::{RequestParts, Signature},
    },
    services::{local_actor::LocalActor, posts, users},
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{Blog, Instance, eventually, get_json};
use tokio::net::TcpListener;

/// What the verifier saw: method, signature scheme, `keyId`, and the status it answered.
type Seen = (String, String, String, u16);
/// A POST's path and its `Collection-Synchronization` header.
type SyncSeen = (String, Option<String>);

#[derive(Clone)]
struct Verifier {
    base: String,
    /// The keys it trusts, by `keyId` (Feder's blog and application keys).
    keys: Arc<Mutex<Vec<(String, String)>>>,
    /// A server before Mastodon 4.5: RFC 9421 is answered 401.
    cavage_only: bool,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The `Collection-Synchronization` header of each POST, by path.
    sync: Arc<Mutex<Vec<SyncSeen>>>,
}

impl Verifier {
    async fn start(cavage_only: bool) -> Verifier {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let verifier = Verifier {
            base: format!("http://localhost:{port}"),
            keys: Arc::default(),
            cavage_only,
            seen: Arc::default(),
            sync: Arc::default(),
        };
        let app = Router::new()
            .route("/users/{name}/inbox", post(check))
            .route("/inbox", post(check))
            .route("/notes/{id}", get(check))
            .with_state(verifier.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        verifier
    }

    fn trust(&self, blog: &Instance) {
        let data = blog.data();
        *self.keys.lock().expect("lock") = vec![
            (data.actor.key_id.clone(), data.actor.public_key_pem.clone()),
            (
                data.application.key_id.clone(),
                data.application.public_key_pem.clone(),
            ),
        ];
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn host(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }
}

/// Verifies the request's signature as a receiving server does, and answers 202 (a POST),
/// a note (a GET), or 401.
async fn check(
    State(verifier): State<Verifier>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let host = verifier.host();
    let request = RequestParts {
        method: &method,
        path_and_query: path,
        headers: &headers,
        body: &body,
        scheme: "http",
        default_host: &host,
    };
    if method == Method::POST {
        let sync = headers
            .get("collection-synchronization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        verifier
            .sync
            .lock()
            .expect("lock")
            .push((uri.path().to_string(), sync));
    }
    let parsed = Signature::parse(&request, chrono::Utc::now());
    let (scheme, key_id, status) = match parsed {
        Err(e) => ("none".to_string(), String::new(), (401, e.to_string())),
        Ok(signature) => {
            let key = verifier
                .keys
                .lock()
                .expect("lock")
                .iter()
                .find(|(id, _)| *id == signature.key_id)
                .map(|(_, pem)| pem.clone());
            let status = match key {
                _ if verifier.cavage_only && signature.scheme.name() == "rfc9421" => {
                    (401, "RFC 9421 is not understood here".to_string())
                }
                None => (401, "unknown key".to_string()),
                Some(pem) => match signature.verify(&pem) {
                    Ok(()) => (if method == Method::GET { 200 } else { 202 }, String::new()),
                    Err(e) => (401, e.to_string()),
                },
            };
            (
                signature.scheme.name().to_string(),
                signature.key_id,
                status,
            )
        }
    };
    verifier
        .seen
        .lock()
        .expect("lock")
        .push((method.to_string(), scheme, key_id, status.0));
    let code = StatusCode::from_u16(status.0).unwrap_or(StatusCode::UNAUTHORIZED);
    if code == StatusCode::OK {
        let id = format!("{}{}", verifier.base, uri.path());
        let note = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Note", "content": "<p>Hi</p>"});
        return (
            code,
            [("content-type", "application/activity+json")],
            note.to_string(),
        )
            .into_response();
    }
    (code, status.1).into_response()
}

async fn follow_from(blog: &Instance, verifier: &Verifier) {
    add_follower(blog, &format!("{}/users/reader", verifier.base), None).await;
}

/// A follower row for `actor` (inbox `<actor>/inbox`), with a shared inbox or not.
async fn add_follower(blog: &Instance, actor: &str, shared_inbox: Option<String>) {
    add_follower_of(blog, &LocalActor::Blog, actor, shared_inbox).await;
}

/// A follower row of `local`.
async fn add_follower_of(
    blog: &Instance,
    local: &LocalActor,
    actor: &str,
    shared_inbox: Option<String>,
) {
    follower::Entity::insert(follower::ActiveModel {
        local_actor: Set(local.name()),
        actor_ap_id: Set(actor.to_string()),
        inbox: Set(format!("{actor}/inbox")),
        shared_inbox: Set(shared_inbox),
        follow_activity_id: Set(format!("{actor}#follow")),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec(&blog.data().db)
    .await
    .expect("follower");
}

async fn publish(blog: &Instance, title: &str) {
    let input =
        posts::parse_markdown_file(&format!("---\ntitle: {title}\n---\nText.\n")).expect("md");
    posts::publish(&blog.data(), input).await.expect("publish");
}

/// The deliveries the verifier answered, as (scheme, status).
fn posts_seen(verifier: &Verifier) -> Vec<(String, u16)> {
    verifier
        .seen()
        .into_iter()
        .filter(|s| s.0 == "POST")
        .map(|s| (s.1, s.3))
        .collect()
}

async fn wait_for_posts(verifier: &Verifier, n: usize) -> Vec<(String, u16)> {
    eventually(&format!("{n} POSTs"), 20, || async {
        let seen = posts_seen(verifier);
        (seen.len() >= n).then_some(seen)
    })
    .await
}

fn pair(scheme: &str, status: u16) -> (String, u16) {
    (scheme.to_string(), status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_signed_rfc9421_first() {
    support::init();
    let blog = Blog::new("rfc9421").start().await;
    let verifier = Verifier::start(false).await;
    verifier.trust(&blog);
    follow_from(&blog, &verifier).await;
    publish(&blog, "Modern").await;
    assert_eq!(
        wait_for_posts(&verifier, 1).await,
        vec![pair("rfc9421", 202)]
    );
    let blog_key = blog.data().actor.key_id.clone();
    assert!(verifier.seen().iter().all(|s| s.2 == blog_key));
    // Nothing needed remembering: RFC 9421 is the default.
    let host = delivery_host::Entity::find()
        .filter(delivery_host::Column::Host.eq(verifier.host()))
        .one(&blog.data().db)
        .await
        .expect("query");
    assert!(host.and_then(|h| h.signature_scheme).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_refuses_rfc9421_gets_cavage_and_keeps_it() {
    support::init();
    let mut blog = Blog::new("knock").start().await;
    let verifier = Verifier::start(true).await;
    verifier.trust(&blog);
    follow_from(&blog, &verifier).await;

    // The first delivery knocks twice: RFC 9421 (401), then cavage at once, not as a retry.
    publish(&blog, "First").await;
    assert_eq!(
        wait_for_posts(&verifier, 2).await,
        vec![pair("rfc9421", 401), pair("draft-cavage", 202)]
    );
    let host = eventually("the scheme is stored", 10, || async {
        delivery_host::Entity::find()
            .filter(delivery_host::Column::Host.eq(verifier.host()))
            .one(&blog.data().db)
            .await
            .ok()
            .flatten()
            .filter(|h| h.signature_scheme.is_some())
    })
    .await;
    assert_eq!(host.signature_scheme.as_deref(), Some("draft-cavage"));
    assert_eq!(host.failures_in_a_row, 0, "a second knock is no failure");

    // The next delivery knocks once, in cavage.
    publish(&blog, "Second").await;
    assert_eq!(
        wait_for_posts(&verifier, 3).await[2],
        pair("draft-cavage", 202)
    );

    // So does the first one after a restart.
    let database = blog.config.database.url.clone();
    let (dir, port) = (blog.dir.clone(), blog.port);
    blog.crash().await;
    let blog = Blog::new("knock")
        .dir(&dir)
        .database(&database)
        .port(port)
        .start()
        .await;
    publish(&blog, "Third").await;
    let seen = wait_for_posts(&verifier, 4).await;
    assert_eq!(seen[3], pair("draft-cavage", 202));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        posts_seen(&verifier).len(),
        4,
        "{:?}",
        posts_seen(&verifier)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_are_signed_by_the_application_actor() {
    support::init();
    let blog = Blog::new("application").start().await;
    let verifier = Verifier::start(false).await;
    verifier.trust(&blog);
    let data = blog.data();
    let note = url::Url::parse(&format!("{}/notes/1", verifier.base)).expect("url");
    let fetched = fetch::json(&note, &data).await.expect("signed fetch");
    assert_eq!(fetched["type"], "Note");
    let application = format!("{}application", blog.base());
    assert_eq!(
        verifier.seen(),
        vec![(
            "GET".to_string(),
            "draft-cavage".to_string(),
            format!("{application}#main-key"),
            200
        )]
    );

    // The application actor, as Mastodon serves its instance actor.
    let (status, actor) = get_json(&application).await;
    assert_eq!(status, 200);
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["id"], application);
    assert_eq!(actor["preferredUsername"], "localhost");
    assert_eq!(actor["publicKey"]["id"], format!("{application}#main-key"));
    assert_eq!(
        actor["publicKey"]["publicKeyPem"],
        data.application.public_key_pem
    );
    assert_ne!(data.application.public_key_pem, data.actor.public_key_pem);
    let rfc9421 = json!({"href": "https://datatracker.ietf.org/doc/html/rfc9421", "name": "RFC-9421: HTTP Message Signatures"});
    assert_eq!(actor["implements"], json!([rfc9421]));
    let (status, outbox) = get_json(&format!("{application}/outbox")).await;
    assert_eq!((status, &outbox["totalItems"]), (200, &json!(0)));

    // Found from NodeInfo (FEP-2677), WebFinger (Mastodon's acct:host@host, FEP-d556's
    // Service link) and the blog actor's generator (FEP-844e).
    let (_, nodeinfo) = get_json(&format!("{}.well-known/nodeinfo", blog.base())).await;
    assert!(
        nodeinfo["links"]
            .as_array()
            .expect("links")
            .contains(&json!({"rel": "https://www.w3.org/ns/activitystreams#Application", "href": application})),
        "{nodeinfo}"
    );
    let webfinger = |resource: String| {
        let url = format!("{}.well-known/webfinger?resource={resource}", blog.base());
        async move { get_json(&url).await.1 }
    };
    let found = webfinger(format!("acct:localhost@localhost:{}", blog.port)).await;
    assert_eq!(found["links"][0]["rel"], "self");
    assert_eq!(found["links"][0]["href"], application);
    let found = webfinger(blog.base()).await;
    let service = found["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "https://www.w3.org/ns/activitystreams#Service")
        .cloned()
        .unwrap_or_default();
    assert_eq!(service["href"], application, "{found}");
    let (_, blog_actor) = get_json(&blog.actor()).await;
    assert_eq!(blog_actor["generator"]["type"], "Application");
    assert_eq!(blog_actor["generator"]["id"], application);
    assert_eq!(blog_actor["generator"]["implements"], json!([rfc9421]));
}

/// FEP-8fcf: the digest Mastodon computes, independently of Feder's code.
fn xor_sha256(ids: &[&str]) -> String {
    use sha2::Digest;
    let mut acc = [0u8; 32];
    for id in ids {
        for (a, b) in acc.iter_mut().zip(sha2::Sha256::digest(id.as_bytes())) {
            *a ^= b;
        }
    }
    acc.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_are_synchronized_with_shared_inboxes() {
    support::init();
    let blog = Blog::new("sync").start().await;
    let server = Verifier::start(false).await;
    server.trust(&blog);
    let (a, b) = (
        format!("{}/users/a", server.base),
        format!("{}/users/b", server.base),
    );
    let shared = format!("{}/inbox", server.base);
    add_follower(&blog, &a, Some(shared.clone())).await;
    add_follower(&blog, &b, Some(shared.clone())).await;
    // A second server whose follower has no shared inbox: no header there.
    let lone = Verifier::start(false).await;
    lone.trust(&blog);
    follow_from(&blog, &lone).await;

    publish(&blog, "Synchronized").await;
    wait_for_posts(&server, 1).await;
    wait_for_posts(&lone, 1).await;
    let followers = format!("{}actor/followers", blog.base());
    let sync_url = format!("{}actor/followers_synchronization", blog.base());
    let want = format!(
        "collectionId=\"{followers}\", url=\"{sync_url}\", digest=\"{}\"",
        xor_sha256(&[&a, &b])
    );
    let sync = server.sync.lock().expect("lock").clone();
    assert_eq!(sync, vec![("/inbox".to_string(), Some(want))]);
    let sync = lone.sync.lock().expect("lock").clone();
    assert_eq!(sync, vec![("/users/reader/inbox".to_string(), None)]);

    // The partial collection: for a signed GET from another server, its followers only. The
    // other server is a second Feder, whose application actor signs the fetch.
    let other = Blog::new("syncpeer").start().await;
    let mine = format!("{}users/x", other.base());
    add_follower(&blog, &mine, None).await;
    let url = url::Url::parse(&sync_url).expect("url");
    let partial = fetch::json(&url, &other.data())
        .await
        .expect("signed fetch");
    assert_eq!(partial["type"], "OrderedCollection");
    assert_eq!(partial["orderedItems"], json!([mine]), "{partial}");
    assert_eq!(partial["totalItems"], 1);
    let (status, _) = get_json(&sync_url).await;
    assert_eq!(status, 401, "unsigned");
}

/// FEP-8fcf for an author (`blog.author_actors`): her Create reaches a shared inbox of her
/// followers with the digest of her followers there, signed with her key (Mastodon takes the
/// header only for the followers of the signer), and her partial collection answers a signed
/// GET with her followers on the asking server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authors_followers_are_synchronized_too() {
    support::init();
    let blog = Blog::new("authorsync")
        .configure(|c| c.blog.author_actors = true)
        .start()
        .await;
    let data = blog.data();
    let alice = users::create(&data.db, "alice", "a long enough password")
        .await
        .expect("alice");
    let her = LocalActor::Author(alice.username.clone());
    let server = Verifier::start(false).await;
    server.trust(&blog);
    let her_key = local_actor::public_key(&data.db, &her).await.expect("key");
    let her_key_id = her.key_id(&data.urls);
    server
        .keys
        .lock()
        .expect("lock")
        .push((her_key_id.clone(), her_key));
    let (a, b, c) = (
        format!("{}/users/a", server.base),
        format!("{}/users/b", server.base),
        format!("{}/users/c", server.base),
    );
    let shared = Some(format!("{}/inbox", server.base));
    // A and B follow her, C follows the blog only: C is not in her digest.
    add_follower_of(&blog, &her, &a, shared.clone()).await;
    add_follower_of(&blog, &her, &b, shared.clone()).await;
    add_follower(&blog, &c, shared.clone()).await;

    let mut input = posts::parse_markdown_file("---\ntitle: Hers\n---\nText.\n").expect("markdown");
    input.author_id = Some(alice.id);
    posts::publish(&data, input).await.expect("publish");
    // Her Create and the blog's Announce, both to the shared inbox.
    wait_for_posts(&server, 2).await;
    let signed_by: Vec<String> = server.seen().into_iter().map(|s| s.2).collect();
    assert!(signed_by.contains(&her_key_id), "{signed_by:?}");
    let collection = |local: &LocalActor, ids: &[&str]| {
        format!(
            "collectionId=\"{}\", url=\"{}\", digest=\"{}\"",
            local.followers(&data.urls),
            local.followers_synchronization(&data.urls),
            xor_sha256(ids)
        )
    };
    let mut headers: Vec<Option<String>> = server
        .sync
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, header)| header.clone())
        .collect();
    headers.sort();
    let mut want = vec![
        Some(collection(&her, &[&a, &b])),
        Some(collection(&LocalActor::Blog, &[&c])),
    ];
    want.sort();
    assert_eq!(headers, want);

    let other = Blog::new("authorsyncpeer").start().await;
    let mine = format!("{}users/x", other.base());
    add_follower_of(&blog, &her, &mine, None).await;
    add_follower(&blog, &format!("{}users/y", other.base()), None).await;
    let sync_url = her.followers_synchronization(&data.urls);
    let partial = fetch::json(&sync_url, &other.data())
        .await
        .expect("signed fetch");
    assert_eq!(partial["id"], sync_url.as_str());
    assert_eq!(partial["orderedItems"], json!([mine]), "{partial}");
    let (status, _) = get_json(sync_url.as_str()).await;
    assert_eq!(status, 401, "unsigned");
}

/// FEP-3b86: another site's "share" button, given `@blog@host`, finds the Create intent and
/// sends the owner to the editor with the text (through the login).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_create_intent_opens_the_editor_with_the_text() {
    support::init();
    let blog = Blog::new("intent").start().await;
    let url = format!(
        "{}.well-known/webfinger?resource=acct:{}",
        blog.base(),
        blog.handle()
    );
    let (_, found) = get_json(&url).await;
    let template = found["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "https://w3id.org/fep/3b86/Create")
        .and_then(|l| l["template"].as_str())
        .expect("a Create intent")
        .to_string();
    let text = "Read this: https://example.com/a?b=1 & more";
    let filled = template.replace(
        "{content}",
        &url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>(),
    );
    let path = filled.strip_prefix(&blog.base()).expect("on the blog");
    let mut browser = support::Browser::new(&blog);
    let answer = browser.get(&format!("/{path}")).await;
    assert_eq!(answer.status, 303);
    assert!(
        answer.location().unwrap_or_default().contains("next="),
        "to the login, and back: {:?}",
        answer.location()
    );
    let mut browser = support::logged_in(&blog, "owner").await;
    let answer = browser.get(&format!("/{path}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let html = answer.html();
    let body = scraper::Selector::parse("textarea[name=body]").expect("selector");
    let textarea: String = html
        .select(&body)
        .next()
        .expect("the editor")
        .text()
        .collect();
    assert_eq!(textarea, text);
}
