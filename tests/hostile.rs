//! A hostile network against a real Feder server on loopback: how much outbound work one
//! request can cause (fetch budget, time bound, key fetches shared and remembered, /interact
//! lookups), connections that never finish their headers, and a second `feder serve` on the
//! same SQLite file. The remote side is a server in this test that counts every GET it gets.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use support::{Blog, Instance, Peer};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// A remote server that counts the GETs it answers, by path:
/// - `/users/{name}`: an actor with `key` (`ghost` answers 404);
/// - `/chain/{n}`: a document whose `id` is `/chain/{n+1}` (the fetch follows ids on one host);
/// - `/slow/{secs}`: after `secs` seconds, a public reply by `alice` to `parent`;
/// - `/.well-known/webfinger`: `acct:known@…` has an OStatus template, others are unknown.
#[derive(Clone)]
struct Remote {
    base: String,
    host: String,
    key: String,
    parent: Arc<Mutex<String>>,
    gets: Arc<Mutex<HashMap<String, usize>>>,
}

impl Remote {
    async fn start(key: &str) -> Remote {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let host = format!("localhost:{}", listener.local_addr().expect("addr").port());
        let remote = Remote {
            base: format!("http://{host}"),
            host,
            key: key.to_string(),
            parent: Arc::default(),
            gets: Arc::default(),
        };
        let app = Router::new()
            .route("/users/{name}", get(actor))
            .route("/chain/{n}", get(chain))
            .route("/slow/{secs}", get(slow))
            .route("/.well-known/webfinger", get(webfinger))
            .with_state(remote.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        remote
    }

    fn count(&self, path: &str) {
        *self.gets.lock().unwrap().entry(path.into()).or_default() += 1;
    }

    /// GETs of paths that start with `prefix`.
    fn gets(&self, prefix: &str) -> usize {
        let gets = self.gets.lock().unwrap();
        gets.iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }

    /// Someone who signs with `keys`' key, as `/users/{name}` of this server.
    fn signer(&self, keys: &Peer, name: &str) -> Peer {
        let mut signer = keys.as_user(name);
        signer.base = self.base.clone();
        signer.actor = format!("{}/users/{name}", self.base);
        signer.key_id = format!("{}#main-key", signer.actor);
        signer
    }
}

fn activity_json(doc: Value) -> Response {
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
        .into_response()
}

async fn actor(State(remote): State<Remote>, Path(name): Path<String>) -> Response {
    remote.count(&format!("/users/{name}"));
    if name == "ghost" {
        return StatusCode::NOT_FOUND.into_response();
    }
    let id = format!("{}/users/{name}", remote.base);
    activity_json(json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": name,
        "inbox": format!("{id}/inbox"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": remote.key},
    }))
}

async fn chain(State(remote): State<Remote>, Path(n): Path<u32>) -> Response {
    remote.count(&format!("/chain/{n}"));
    let next = format!("{}/chain/{}", remote.base, n + 1);
    activity_json(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": next, "type": "Person", "inbox": format!("{next}/inbox"),
    }))
}

async fn slow(State(remote): State<Remote>, Path(secs): Path<u64>) -> Response {
    remote.count(&format!("/slow/{secs}"));
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let parent = remote.parent.lock().unwrap().clone();
    activity_json(reply(&remote, &format!("/slow/{secs}"), &parent))
}

async fn webfinger(
    State(remote): State<Remote>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    remote.count("/.well-known/webfinger");
    let resource = query.get("resource").cloned().unwrap_or_default();
    if resource != format!("acct:known@{}", remote.host) {
        return StatusCode::NOT_FOUND.into_response();
    }
    axum::Json(json!({"subject": resource, "links": [
        {"rel": "http://ostatus.org/schema/1.0/subscribe",
         "template": format!("{}/authorize_interaction?uri={{uri}}", remote.base)}]}))
    .into_response()
}

/// A public Note by `alice` at `path` on `remote`, replying to `parent`.
fn reply(remote: &Remote, path: &str, parent: &str) -> Value {
    let id = format!("{}{path}", remote.base);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "Note",
        "attributedTo": format!("{}/users/alice", remote.base),
        "inReplyTo": parent,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": format!("<p>reply {path}</p>"),
        "published": "2026-12-01T10:00:00Z",
    })
}

fn create(signer: &Peer, object: Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activity", object["id"].as_str().unwrap()),
        "type": "Create", "actor": signer.actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": object,
    })
}

fn like(signer: &Peer, blog: &Instance, n: usize) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#likes/{n}", signer.actor),
        "type": "Like", "actor": signer.actor,
        "object": format!("{}posts/hello-world", blog.base()),
    })
}

async fn blog_with_post(
    name: &str,
    configure: impl FnOnce(&mut feder::config::Config),
) -> Instance {
    let blog = Blog::new(name).configure(configure).start().await;
    blog.publish_hello_world().await;
    blog
}

async fn comments(blog: &Instance) -> u64 {
    feder::db::entities::comment::Entity::find()
        .count(&blog.data().db)
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_and_forged_keys_fetch_each_actor_once() {
    support::init();
    let blog = blog_with_post("singleflight", |_| {}).await;
    let keys = Peer::start().await;
    let remote = Remote::start(&keys.public_pem).await;
    let inbox = format!("{}inbox", blog.base());
    // 200 first requests from 20 actors, signed beforehand and then sent all at once (with
    // time to spare: a debug build on a shared machine).
    let mut signed = Vec::new();
    for a in 0..20 {
        let signer = remote.signer(&keys, &format!("a{a}"));
        for n in 0..10 {
            let body = serde_json::to_vec(&like(&signer, &blog, n)).unwrap();
            let headers = signer.sign(&inbox, &body, std::time::SystemTime::now().into());
            signed.push((headers, body));
        }
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for (headers, body) in signed {
        let mut request = client.post(&inbox).body(body);
        for (name, value) in headers.into_iter().filter(|(n, _)| n != "Host") {
            request = request.header(name, value);
        }
        tasks.push(tokio::spawn(async move {
            request
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    let first = remote.gets("/users/");
    assert!(first <= 20, "{first} actor GETs for 20 new actors");

    // Forged: a known actor's keyId, another key. Refused, and its actor not fetched again.
    let forger = Peer::start().await;
    let forged = remote.signer(&forger, "a0");
    for n in 100..120 {
        assert_eq!(
            forged.post_signed(&inbox, &like(&forged, &blog, n)).await,
            401
        );
    }
    // Made-up keys of the same actor: refused without a fetch each.
    for n in 0..20 {
        let mut made_up = remote.signer(&forger, "a0");
        made_up.key_id = format!("{}#key-{n}", made_up.actor);
        assert_eq!(
            made_up.post_signed(&inbox, &like(&made_up, &blog, n)).await,
            401
        );
    }
    let a0 = remote.gets("/users/a0");
    assert!(a0 <= 2, "{a0} GETs of a0 after 40 forged requests");
    // An actor whose server does not know it: asked once, not per request.
    let ghost = remote.signer(&keys, "ghost");
    for n in 0..20 {
        assert_eq!(
            ghost.post_signed(&inbox, &like(&ghost, &blog, n)).await,
            401
        );
    }
    assert_eq!(remote.gets("/users/ghost"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_fetches_a_handful_of_documents() {
    support::init();
    let blog = blog_with_post("budget", |_| {}).await;
    let keys = Peer::start().await;
    let remote = Remote::start(&keys.public_pem).await;
    let inbox = format!("{}inbox", blog.base());
    // A keyId whose document names another id on its host, and that one another...
    let chained = {
        let mut signer = remote.signer(&keys, "unused");
        signer.actor = format!("{}/chain/0", remote.base);
        signer.key_id = format!("{}/chain/0#main-key", remote.base);
        signer
    };
    let status = chained.post_signed(&inbox, &like(&chained, &blog, 1)).await;
    assert_eq!(status, 401);
    let key_chain = remote.gets("/chain/");
    assert!(key_chain <= 5, "{key_chain} GETs for one keyId");

    // A real actor's reply whose parent is such a chain.
    let alice = remote.signer(&keys, "alice");
    let note = reply(&remote, "/notes/1", &format!("{}/chain/100", remote.base));
    assert_eq!(alice.post_signed(&inbox, &create(&alice, note)).await, 202);
    let parent_chain = remote.gets("/chain/") - key_chain;
    assert!(
        parent_chain <= 5,
        "{parent_chain} GETs for one reply's parent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_parent_does_not_hold_the_inbox_and_the_reply_still_arrives() {
    support::init();
    let blog = blog_with_post("slowparent", |_| {}).await;
    let keys = Peer::start().await;
    let remote = Remote::start(&keys.public_pem).await;
    *remote.parent.lock().unwrap() = format!("{}posts/hello-world", blog.base());
    let inbox = format!("{}inbox", blog.base());
    let alice = remote.signer(&keys, "alice");
    // Known first, so only the parent is slow.
    assert_eq!(
        alice.post_signed(&inbox, &like(&alice, &blog, 1)).await,
        202
    );

    // The parent answers after 8 s (within the fetch timeout): answered early, stored later.
    let note = reply(&remote, "/notes/1", &format!("{}/slow/8", remote.base));
    let at = Instant::now();
    assert_eq!(alice.post_signed(&inbox, &create(&alice, note)).await, 202);
    let took = at.elapsed();
    assert!(took < Duration::from_secs(7), "the inbox took {took:?}");
    support::eventually("the reply and its parent are stored", 30, || async {
        (comments(&blog).await == 2).then_some(())
    })
    .await;

    // A parent that takes 30 s: the same short answer.
    let note = reply(&remote, "/notes/2", &format!("{}/slow/30", remote.base));
    let at = Instant::now();
    assert_eq!(alice.post_signed(&inbox, &create(&alice, note)).await, 202);
    let took = at.elapsed();
    assert!(took < Duration::from_secs(7), "the inbox took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interact_remembers_lookups_and_limits_them_per_client() {
    support::init();
    let blog = blog_with_post("interactlimits", |_| {}).await;
    let remote = Remote::start("").await;
    let post = format!("{}posts/hello-world", blog.base());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ask = |handle: String| {
        let (client, post, base) = (client.clone(), post.clone(), blog.base());
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("uri", post.as_str()), ("handle", handle.as_str())])
                .finish();
            client
                .post(format!("{base}interact"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("POST /interact")
                .status()
                .as_u16()
        }
    };
    for _ in 0..30 {
        assert_eq!(ask(format!("@known@{}", remote.host)).await, 303);
    }
    assert_eq!(
        remote.gets("/.well-known/webfinger"),
        1,
        "one lookup, then the cache"
    );
    let mut statuses = Vec::new();
    for n in 0..30 {
        statuses.push(ask(format!("@u{n}@{}", remote.host)).await);
    }
    let lookups = remote.gets("/.well-known/webfinger") - 1;
    assert!(lookups <= 10, "{lookups} lookups for one client");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(!statuses.contains(&500), "{statuses:?}");
    // A handle that was not found is not asked again.
    let before = remote.gets("/.well-known/webfinger");
    assert_eq!(ask(format!("@u0@{}", remote.host)).await, 400);
    assert_eq!(remote.gets("/.well-known/webfinger"), before);
    // Remembered answers still work for this client.
    assert_eq!(ask(format!("@known@{}", remote.host)).await, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_cut_off_and_pages_still_answer() {
    support::init();
    let blog = blog_with_post("slowloris", |c| {
        c.server.header_timeout_seconds = 2;
        c.server.max_connections = 100;
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..300 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", blog.port))
            .await
            .expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .expect("write");
        open.push(stream);
    }
    // A real reader waits at most for the slots to be freed.
    let at = Instant::now();
    let (status, _) = support::page(&format!("{}posts/hello-world", blog.base())).await;
    assert_eq!(status, 200);
    assert!(at.elapsed() < Duration::from_secs(10), "{:?}", at.elapsed());
    // Every half-sent request was closed by the server.
    let mut closed = 0;
    for stream in &mut open {
        let mut buf = [0u8; 512];
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    // Hyper may answer 408 before closing.
                    Ok(_) => continue,
                }
            }
        })
        .await;
        closed += usize::from(read.is_ok());
    }
    assert_eq!(closed, 300, "connections closed by the server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_one_sqlite_file_refuses_to_start() {
    support::init();
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    // SQLite whatever the test database: the lock is SQLite's.
    let database = format!("sqlite://{}/blog.db", dir.path().display());
    let port = support::free_port();
    let blog = Blog::new("blog")
        .dir(&dir)
        .database(&database)
        .port(port)
        .leases(5);
    let mut first = blog.spawn(&["serve"]);
    support::eventually("the first server answers", 60, || async {
        reqwest::get(format!("http://127.0.0.1:{port}/"))
            .await
            .ok()
            .map(drop)
    })
    .await;
    let second_port = support::free_port();
    let second = blog
        .clone()
        .listen_port(second_port)
        .command()
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || second.wait_with_output()),
    )
    .await
    .expect("the second server ends by itself")
    .expect("join")
    .expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the second server ran");
    assert!(
        stderr.contains("another `feder serve` already runs") && stderr.contains("PostgreSQL"),
        "{stderr}"
    );
    // Commands still work beside the running server.
    let post = dir.path().join("post.md");
    std::fs::write(&post, "---\ntitle: Beside\nslug: beside\n---\nText.\n").expect("write");
    let status = blog
        .command()
        .args(["post", "publish"])
        .arg(&post)
        .status()
        .expect("run feder post publish");
    assert!(status.success());
    // Once the first one is gone (even killed), a new server starts.
    first.kill();
    let mut again = blog.spawn(&["serve"]);
    support::eventually("a new server answers", 60, || async {
        reqwest::get(format!("http://127.0.0.1:{port}/posts/beside"))
            .await
            .ok()
            .filter(|r| r.status() == 200)
            .map(drop)
    })
    .await;
    // SIGTERM: a graceful stop, and a clean exit.
    let term = std::process::Command::new("kill")
        .args(["-TERM", &again.0.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let exited = support::eventually("the server exits after SIGTERM", 30, || {
        let status = again.0.try_wait().expect("try_wait");
        async move { status }
    })
    .await;
    assert!(exited.success(), "{exited:?}");
}
