//! Test harness: Feder instances on `localhost:<random port>` with their own database (a SQLite
//! file, or a fresh PostgreSQL database when `FEDER_TEST_DATABASE_URL` is set), and a small
//! Mastodon-like remote account that serves its actor, signs like Mastodon and records what
//! it receives.
// Each test binary uses its own part of the harness; a failed expect is a failed test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use activitypub_federation::config::Data;
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use feder::{Server, config::Config, federation::state::AppState};
use rsa::{
    Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey,
    pkcs8::{EncodePublicKey, LineEnding},
};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::net::TcpListener;

pub fn init() {
    feder::install_crypto();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,feder=info".into()),
        )
        .with_test_writer()
        .try_init();
}

/// A database for one instance: a file in `dir`, or a new PostgreSQL database.
pub async fn database_url(dir: &std::path::Path, name: &str) -> String {
    match std::env::var("FEDER_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let db = Database::connect(&url)
                .await
                .expect("connect to PostgreSQL");
            let fresh = format!("feder_{}_{}", name, uuid::Uuid::new_v4().simple());
            db.execute_unprepared(&format!("CREATE DATABASE {fresh}"))
                .await
                .expect("create test database");
            let (server, _) = url.rsplit_once('/').expect("database URL with a name");
            format!("{server}/{fresh}")
        }
        _ => format!("sqlite://{}/{name}.db", dir.display()),
    }
}

pub struct Instance {
    pub server: Option<Server>,
    pub config: Config,
    pub port: u16,
    pub dir: Arc<tempfile::TempDir>,
}

impl Instance {
    /// A new blog with its own database.
    pub async fn start(name: &str) -> Instance {
        Instance::start_configured(name, |_| {}).await
    }

    /// Publishes the post most inbox tests answer ("Hello world" at `posts/hello-world`);
    /// returns its URL.
    pub async fn publish_hello_world(&self) -> String {
        let input = feder::services::posts::parse_markdown_file(
            "---\ntitle: Hello world\nslug: hello-world\n---\nFirst paragraph.\n",
        )
        .expect("markdown");
        feder::services::posts::publish(&self.data(), input)
            .await
            .expect("publish");
        format!("{}posts/hello-world", self.base())
    }

    /// A new blog whose test configuration `configure` changes first.
    pub async fn start_configured(name: &str, configure: impl FnOnce(&mut Config)) -> Instance {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let url = database_url(dir.path(), name).await;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut config = test_config(name, &url, port);
        configure(&mut config);
        let federation = AppState::open(config.clone()).await.expect("open state");
        let server = Server::start(federation, listener)
            .await
            .expect("start server");
        Instance {
            server: Some(server),
            config,
            port,
            dir,
        }
    }

    /// Starts a server on `database` (and `port`, when restarting on the same address).
    pub async fn start_with(
        name: &str,
        dir: Arc<tempfile::TempDir>,
        database: String,
        port: Option<u16>,
    ) -> Instance {
        let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut config = test_config(name, &database, port);
        // Uploads stay in the test's directory, whatever the database.
        config.media.dir = Some(dir.path().join("media").display().to_string());
        let federation = AppState::open(config.clone()).await.expect("open state");
        let server = Server::start(federation, listener)
            .await
            .expect("start server");
        Instance {
            server: Some(server),
            config,
            port,
            dir,
        }
    }

    pub fn data(&self) -> Data<AppState> {
        self.server.as_ref().expect("running").data()
    }

    pub fn base(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    pub fn actor(&self) -> String {
        format!("http://localhost:{}/actor", self.port)
    }

    pub fn handle(&self) -> String {
        format!("blog@localhost:{}", self.port)
    }

    /// Waits until the inbox, the outbox and the delivery queue have nothing pending
    /// (`settled`), moving the blog's clock a minute forward whenever an inbox activity only
    /// waits for its next try to be due: a retry after a busy database is part of the work.
    pub async fn settle(&self, seconds: u64) {
        use feder::db::entities::inbox_activity;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let data = self.data();
        eventually("the queues to settle", seconds, || async {
            let waiting = inbox_activity::Entity::find()
                .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
                .filter(inbox_activity::Column::LockedUntil.is_null())
                .filter(inbox_activity::Column::NextAttemptAt.gt(data.clock.now()))
                .count(&data.db)
                .await
                .expect("count inbox");
            if waiting > 0 {
                data.clock.advance(Duration::from_secs(60));
                data.inbox_wakeup.notify_one();
            }
            (pending_work(&data.db).await == (0, 0, 0)).then_some(())
        })
        .await
    }

    /// Stops the server as a crash would: nothing is flushed, queued work stays queued.
    pub async fn crash(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

/// Inserts `n` followers whose inboxes are `/users/f<i>/inbox` on `peer` (no shared inbox): a
/// fan-out without following for real `n` times.
pub async fn seed_followers(db: &sea_orm::DatabaseConnection, peer: &Peer, n: usize) {
    use feder::db::entities::follower;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let rows: Vec<follower::ActiveModel> = (0..n)
        .map(|i| follower::ActiveModel {
            local_actor: Set(feder::services::local_actor::LocalActor::Blog.name()),
            actor_ap_id: Set(format!("{}/users/f{i}", peer.base)),
            inbox: Set(format!("{}/users/f{i}/inbox", peer.base)),
            shared_inbox: Set(None),
            follow_activity_id: Set(format!("{}/follows/{i}", peer.base)),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        follower::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("seed followers");
    }
}

/// A config file for a child `feder` process: fast retries and polling, short leases.
pub fn write_config(dir: &std::path::Path, lease_seconds: u64) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!("[delivery]\nretry_base_seconds = 1\nmax_retry_seconds = 2\npoll_millis = 100\nlease_seconds = {lease_seconds}\ntimeout_seconds = 5\n[inbox]\nretry_base_seconds = 1\nmax_retry_seconds = 2\npoll_millis = 100\nlease_seconds = {lease_seconds}\n"),
    )
    .expect("write config");
    path
}

/// A `feder` child process, killed (SIGKILL) when dropped.
pub struct Child(pub std::process::Child);

impl Child {
    pub fn spawn(
        args: &[&str],
        config: &std::path::Path,
        database: &str,
        port: u16,
        domain_port: u16,
    ) -> Child {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_feder"))
            .arg("--config")
            .arg(config)
            .args(args)
            .env("FEDER_LISTEN", format!("127.0.0.1:{port}"))
            .env("FEDER_DOMAIN", format!("localhost:{domain_port}"))
            .env("FEDER_DATABASE_URL", database)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn feder");
        Child(child)
    }

    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn test_config(name: &str, database: &str, port: u16) -> Config {
    let mut config = Config::default();
    config.server.listen = format!("127.0.0.1:{port}");
    config.server.domain = format!("localhost:{port}");
    config.database.url = database.to_string();
    config.blog.title = format!("Blog {name}");
    config.delivery.retry_base_seconds = 1;
    config.delivery.max_retry_seconds = 2;
    config.delivery.poll_millis = 100;
    config.delivery.timeout_seconds = 5;
    config.inbox.poll_millis = 100;
    config
}

/// Polls `check` until it returns `Some`, or fails after `seconds`.
pub async fn eventually<T, F, Fut>(what: &str, seconds: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How much work is left: inbox activities not finished, outbox events not yet federated (dead
/// letters do not count), and deliveries due or in flight (those waiting for a later retry do
/// not count).
pub async fn pending_work(db: &sea_orm::DatabaseConnection) -> (u64, u64, u64) {
    use feder::db::entities::{delivery, inbox_activity, outbox_event};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
    let inbox = inbox_activity::Entity::find()
        .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
        .count(db)
        .await
        .expect("count inbox");
    let outbox = outbox_event::Entity::find()
        .filter(outbox_event::Column::DeadAt.is_null())
        .count(db)
        .await
        .expect("count outbox");
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(delivery::PENDING))
        .filter(
            Condition::any()
                .add(delivery::Column::NextAttemptAt.lte(chrono::Utc::now()))
                .add(delivery::Column::LockedUntil.is_not_null()),
        )
        .count(db)
        .await
        .expect("count deliveries");
    (inbox, outbox, deliveries)
}

/// A public reply by `peer`'s alice, `id` (its Create is `{id}/activity`), to `parent`.
pub fn reply(peer: &Peer, id: &str, parent: &str, text: &str) -> Value {
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"), "type": "Create", "actor": peer.actor,
        "to": [feder::federation::PUBLIC],
        "object": {
            "id": id, "type": "Note", "attributedTo": peer.actor, "inReplyTo": parent,
            "content": format!("<p>{text}</p>"), "to": [feder::federation::PUBLIC],
        },
    })
}

/// `feder ARGS` run as a process on `blog`'s database: whether it succeeded, and what it
/// printed (standard output, then standard error).
pub fn feder_cli(blog: &Instance, args: &[&str]) -> (bool, String) {
    let config = blog.dir.path().join("cli.toml");
    std::fs::write(&config, "").expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feder"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .env("FEDER_DOMAIN", format!("localhost:{}", blog.port))
        .env("FEDER_DATABASE_URL", &blog.config.database.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run feder");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Waits until the inbox, the outbox and the delivery queue have nothing pending (see
/// `pending_work`), or fails after `seconds`: what a test checks next is then final.
pub async fn settled(db: &sea_orm::DatabaseConnection, seconds: u64) {
    eventually("the queues to settle", seconds, || async {
        (pending_work(db).await == (0, 0, 0)).then_some(())
    })
    .await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // Generous: on a loaded 2-core machine a burst of a hundred signed requests to a debug
        // build is answered within about 10 s (each answer within the inbox's own limits).
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Fetches a page as a browser would and parses it.
pub async fn page(url: &str) -> (StatusCode, scraper::Html) {
    let response = client()
        .get(url)
        .header("Accept", "text/html")
        .send()
        .await
        .expect("GET page");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let text = response.text().await.expect("page body");
    (status, scraper::Html::parse_document(&text))
}

/// The text of every element matching `selector`.
pub fn texts(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).expect("selector");
    html.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub async fn get_json(url: &str) -> (u16, Value) {
    let response = client()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("GET json");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One request a fake remote server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body as it came, for checking its signature.
    pub raw: Bytes,
}

impl Received {
    /// The `keyId` of the request's HTTP signature, when it verifies with `public_pem` (as
    /// a receiving server checks it; `host` is the peer's).
    pub fn verified_key(&self, host: &str, public_pem: &str) -> Option<String> {
        use feder::federation::signatures::{RequestParts, Signature};
        let request = RequestParts {
            method: &axum::http::Method::POST,
            path_and_query: &self.path,
            headers: &self.headers,
            body: &self.raw,
            scheme: "http",
            default_host: host,
        };
        let signature = Signature::parse(&request, chrono::Utc::now()).ok()?;
        signature.verify(public_pem).ok()?;
        Some(signature.key_id)
    }
}

#[derive(Clone)]
struct PeerState {
    base: String,
    /// The key its actors publish (all share one); `rotate_key` changes it.
    public_pem: Arc<Mutex<String>>,
    /// How often an actor document was fetched.
    actor_fetches: Arc<std::sync::atomic::AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer inbox POSTs with, in order; 202 once they are used up.
    answers: Arc<Mutex<Vec<u16>>>,
    /// Milliseconds to wait before answering an inbox POST (a slow server).
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Milliseconds to wait before serving a note (a slow server).
    note_delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Documents served at `/notes/<id>`.
    notes: Arc<Mutex<std::collections::HashMap<String, Value>>>,
    /// Extra fields of actors, by name (e.g. `alsoKnownAs`).
    actor_extra: Arc<Mutex<std::collections::HashMap<String, Value>>>,
}

/// A remote account shaped like Mastodon's `alice`, on its own port.
pub struct Peer {
    pub base: String,
    pub actor: String,
    pub key_id: String,
    private: RsaPrivateKey,
    pub public_pem: String,
    state: PeerState,
}

impl Peer {
    pub async fn start() -> Peer {
        Peer::start_at(0, Vec::new()).await
    }

    /// A peer on `port` (0: any), e.g. a server that was down and comes up on its address,
    /// serving `notes` (by id, as `serve_note`) from its first request on.
    pub async fn start_at(port: u16, notes: Vec<(String, Value)>) -> Peer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind peer");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://localhost:{port}");
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let public_pem = RsaPublicKey::from(&private)
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let state = PeerState {
            base: base.clone(),
            public_pem: Arc::new(Mutex::new(public_pem.clone())),
            actor_fetches: Arc::default(),
            received: Arc::default(),
            answers: Arc::default(),
            delay_ms: Arc::default(),
            note_delay_ms: Arc::default(),
            notes: Arc::new(Mutex::new(notes.into_iter().collect())),
            actor_extra: Arc::default(),
        };
        let app = Router::new()
            .route("/users/{name}", get(peer_actor))
            .route("/notes/{id}", get(peer_note))
            .route("/users/{name}/inbox", post(peer_inbox))
            .route("/inbox", post(peer_inbox))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Peer {
            actor: format!("{base}/users/alice"),
            key_id: format!("{base}/users/alice#main-key"),
            base,
            private,
            public_pem,
            state,
        }
    }

    /// A new key pair for this server's actors, published from now on and signing what this
    /// `Peer` sends (copies made before, e.g. by `as_user`, keep signing with the old key).
    pub fn rotate_key(&mut self) {
        self.private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        self.public_pem = RsaPublicKey::from(&self.private)
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        *self.state.public_pem.lock().expect("lock") = self.public_pem.clone();
    }

    /// How often this server's actor documents were fetched.
    pub fn actor_fetches(&self) -> usize {
        self.state
            .actor_fetches
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    /// Serves `doc` at `<base>/notes/<id>` (its `id` should be that URL).
    pub fn serve_note(&self, id: &str, doc: Value) {
        self.state
            .notes
            .lock()
            .expect("lock")
            .insert(id.to_string(), doc);
    }

    /// Adds fields to the actor document of `name`.
    pub fn set_actor_extra(&self, name: &str, extra: Value) {
        self.state
            .actor_extra
            .lock()
            .expect("lock")
            .insert(name.to_string(), extra);
    }

    /// Signs for another actor of this server (all share one key), e.g. `bob`.
    pub fn as_user(&self, name: &str) -> Peer {
        Peer {
            base: self.base.clone(),
            actor: format!("{}/users/{name}", self.base),
            key_id: format!("{}/users/{name}#main-key", self.base),
            private: self.private.clone(),
            public_pem: self.public_pem.clone(),
            state: self.state.clone(),
        }
    }

    /// Answer inbox POSTs only after `ms` milliseconds.
    pub fn slow_down(&self, ms: u64) {
        self.state
            .delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Serve notes only after `ms` milliseconds.
    pub fn slow_notes(&self, ms: u64) {
        self.state
            .note_delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Answer the next inbox POSTs with these statuses.
    pub fn answer_with(&self, statuses: &[u16]) {
        *self.state.answers.lock().expect("lock") = statuses.to_vec();
    }

    /// A Mastodon payload from `tests/fixtures/mastodon/`, rewritten to this peer and `blog`.
    pub fn fixture(&self, name: &str, blog: &Instance, post_slug: &str) -> Value {
        self.fixture_of("mastodon", name, blog, post_slug)
    }

    /// A payload shaped as `software` sends it, from `tests/fixtures/<software>/`, rewritten to
    /// this peer (`https://mastodon.example`) and `blog` (`https://blog.example`).
    pub fn fixture_of(
        &self,
        software: &str,
        name: &str,
        blog: &Instance,
        post_slug: &str,
    ) -> Value {
        let path = format!(
            "{}/tests/fixtures/{software}/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let text = text
            .replace("https://mastodon.example", &self.base)
            .replace("https://blog.example/actor", &blog.actor())
            .replace(
                "https://blog.example/posts/hello-world",
                &format!("{}posts/{post_slug}", blog.base()),
            )
            .replace("https://blog.example/", &blog.base());
        serde_json::from_str(&text).expect("fixture JSON")
    }

    /// Signs like Mastodon 4.7: draft-cavage, rsa-sha256, `host date digest content-type
    /// (request-target)`.
    pub fn sign(&self, url: &str, body: &[u8], date: httpdate::HttpDate) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).expect("url");
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_string(),
        };
        let date = date.to_string();
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let content_type = "application/activity+json".to_string();
        let target = format!("post {}", parsed.path());
        let signing = format!(
            "host: {host}\ndate: {date}\ndigest: {digest}\ncontent-type: {content_type}\n(request-target): {target}"
        );
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing.as_bytes()),
                )
                .expect("sign"),
        );
        vec![
            ("Host".into(), host),
            ("Date".into(), date),
            ("Digest".into(), digest),
            ("Content-Type".into(), content_type),
            (
                "Signature".into(),
                format!(
                    r#"keyId="{}",algorithm="rsa-sha256",headers="host date digest content-type (request-target)",signature="{signature}""#,
                    self.key_id
                ),
            ),
        ]
    }

    /// A cavage signature over only the headers named in `covered` (e.g. `"date digest"`),
    /// to try signatures weaker than a real server sends.
    pub fn sign_covering(&self, url: &str, body: &[u8], covered: &str) -> Vec<(String, String)> {
        let mut headers = self.sign(url, body, std::time::SystemTime::now().into());
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let path = url::Url::parse(url).expect("url").path().to_string();
        let signing = covered
            .split(' ')
            .map(|name| match name {
                "(request-target)" => format!("(request-target): post {path}"),
                other => format!("{other}: {}", value(other)),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing.as_bytes()),
                )
                .expect("sign"),
        );
        headers.retain(|(n, _)| n != "Signature");
        headers.push((
            "Signature".into(),
            format!(
                r#"keyId="{}",algorithm="rsa-sha256",headers="{covered}",signature="{signature}""#,
                self.key_id
            ),
        ));
        headers
    }

    /// A cavage signature as newer servers make it (hs2019): over `(request-target) host
    /// (created) (expires) digest`, made at `created` and valid for `valid_for`.
    pub fn sign_created_expires(
        &self,
        url: &str,
        body: &[u8],
        created: std::time::SystemTime,
        valid_for: Duration,
    ) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).expect("url");
        let host = format!(
            "{}:{}",
            parsed.host_str().unwrap_or_default(),
            parsed.port().unwrap_or(80)
        );
        let created = created
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs();
        let expires = created + valid_for.as_secs();
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let signing = format!(
            "(request-target): post {}\nhost: {host}\n(created): {created}\n(expires): {expires}\ndigest: {digest}",
            parsed.path()
        );
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing.as_bytes()),
                )
                .expect("sign"),
        );
        vec![
            ("Host".into(), host),
            ("Digest".into(), digest),
            ("Content-Type".into(), "application/activity+json".into()),
            (
                "Signature".into(),
                format!(
                    r#"keyId="{}",algorithm="hs2019",created={created},expires={expires},headers="(request-target) host (created) (expires) digest",signature="{signature}""#,
                    self.key_id
                ),
            ),
        ]
    }

    /// Signs like Fedify's first knock and Mastodon 4.5+: RFC 9421, `rsa-v1_5-sha256` over
    /// `@method @target-uri @authority content-digest`, label `sig1`, with `key_id` (this
    /// peer's own, or another's to forge one).
    pub fn sign_rfc9421(
        &self,
        url: &str,
        body: &[u8],
        created: std::time::SystemTime,
        key_id: &str,
    ) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).expect("url");
        let authority = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_string(),
        };
        let created = created
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs();
        let digest = format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)));
        let params = format!(
            r#"("@method" "@target-uri" "@authority" "content-digest");created={created};keyid="{key_id}";alg="rsa-v1_5-sha256""#
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {parsed}\n\"@authority\": {authority}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(base.as_bytes()),
                )
                .expect("sign"),
        );
        vec![
            ("Host".into(), authority),
            ("Content-Type".into(), "application/activity+json".into()),
            ("Content-Digest".into(), digest),
            ("Signature-Input".into(), format!("sig1={params}")),
            ("Signature".into(), format!("sig1=:{signature}:")),
        ]
    }

    /// POSTs `body` to `url` with the given headers; returns the status.
    pub async fn post_raw(&self, url: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> u16 {
        self.try_post_raw(url, headers, body).await.expect("POST")
    }

    /// `post_raw`, with a transport error (no answer at all) returned rather than a panic.
    pub async fn try_post_raw(
        &self,
        url: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<u16, reqwest::Error> {
        let mut request = client().post(url).body(body);
        for (name, value) in headers {
            if !name.eq_ignore_ascii_case("host") {
                request = request.header(name, value);
            }
        }
        Ok(request.send().await?.status().as_u16())
    }

    /// POSTs `activity`, signed, as a server delivers it: sent again (at most twice) when no
    /// answer came at all. Returns the status.
    pub async fn deliver(&self, url: &str, activity: &Value) -> u16 {
        let body = serde_json::to_vec(activity).expect("json");
        for _ in 0..2 {
            let headers = self.sign(url, &body, std::time::SystemTime::now().into());
            match self.try_post_raw(url, headers, body.clone()).await {
                Ok(status) => return status,
                Err(e) => println!("no answer from {url}, sent again: {e:?}"),
            }
        }
        self.post_signed(url, activity).await
    }

    /// POSTs `activity`, signed now; returns the status.
    pub async fn post_signed(&self, url: &str, activity: &Value) -> u16 {
        let body = serde_json::to_vec(activity).expect("json");
        let headers = self.sign(url, &body, std::time::SystemTime::now().into());
        self.post_raw(url, headers, body).await
    }
}

async fn peer_actor(
    State(state): State<PeerState>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> impl IntoResponse {
    state
        .actor_fetches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let id = format!("{}/users/{name}", state.base);
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": "Alice Example",
        "url": format!("{}/@{name}", state.base),
        "inbox": format!("{id}/inbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", state.base)},
        "icon": {"type": "Image", "mediaType": "image/png", "url": format!("{}/avatar.png", state.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": state.public_pem.lock().expect("lock").clone()},
    });
    if let Some(Value::Object(extra)) = state.actor_extra.lock().expect("lock").get(&name) {
        for (k, v) in extra {
            doc[k] = v.clone();
        }
    }
    (
        [("content-type", "application/activity+json; charset=utf-8")],
        doc.to_string(),
    )
}

async fn peer_note(
    State(state): State<PeerState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let delay = state
        .note_delay_ms
        .load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    match state.notes.lock().expect("lock").get(&id) {
        Some(doc) => (
            [("content-type", "application/activity+json")],
            doc.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn peer_inbox(
    State(state): State<PeerState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let status = {
        let mut answers = state.answers.lock().expect("lock");
        if answers.is_empty() {
            202
        } else {
            answers.remove(0)
        }
    };
    if status < 300 {
        state.received.lock().expect("lock").push(Received {
            path: uri.path().to_string(),
            headers,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            raw: body,
        });
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED)
}

/// Writes a comment through the post page's form as a browser sends it: every field of the
/// form with its value, the given ones filled in, after the time a person needs. Returns
/// where the blog sends the writer next.
pub async fn web_comment(page_url: &str, fields: &[(&str, &str)], consent: bool) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (action, mut values) = {
        let dom = scraper::Html::parse_document(&html);
        let form = dom
            .select(&scraper::Selector::parse("form#comment-form").unwrap())
            .next()
            .expect("the comment form");
        let mut values: Vec<(String, String)> = form
            .select(&scraper::Selector::parse("input:not([type=checkbox]), textarea").unwrap())
            .map(|e| {
                let name = e.value().attr("name").unwrap().to_string();
                (
                    name,
                    e.value().attr("value").unwrap_or_default().to_string(),
                )
            })
            .collect();
        if consent {
            values.push(("consent".into(), "yes".into()));
        }
        (form.value().attr("action").unwrap().to_string(), values)
    };
    for (name, value) in fields {
        let field = values
            .iter_mut()
            .find(|(n, _)| n == name)
            .expect("field in the form");
        field.1 = value.to_string();
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&values)
        .finish();
    let response = client
        .post(&action)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "comment taken");
    response.headers()["location"].to_str().unwrap().to_string()
}
