//! Benchmark of inbox ingest: signed `Create(Note)` replies from 100 distinct actors, sent at
//! 64 concurrent connections to a `feder serve` (release build) on a fresh SQLite database.
//! Reports accepted replies per second, latency percentiles, and whether every accepted reply
//! was stored (rows counted afterwards).
//!
//! `cargo run --release --example bench_ingest -- --requests 20000 --connections 64`
//! Run by `scripts/bench-delivery.sh`; not part of the server.

use axum::{
    Router,
    extract::{Path, State},
    routing::get,
};
use feder::{
    config::Config,
    db::entities::comment,
    federation::signatures::Scheme,
    federation::signing::{BodyDigests, Signer},
    federation::state::AppState,
    services::posts,
};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use std::{
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

const ACTORS: usize = 100;

#[derive(Clone)]
struct Actors {
    base: String,
    public_pem: String,
}

async fn actor(
    State(actors): State<Actors>,
    Path(n): Path<usize>,
) -> ([(&'static str, &'static str); 1], String) {
    let id = format!("{}/users/{n}", actors.base);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": format!("user{n}"),
        "inbox": format!("{id}/inbox"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": actors.public_pem},
    });
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
}

struct Prepared {
    body: Vec<u8>,
    date: String,
    digest: String,
    signature: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    feder::install_crypto();
    let requests: usize = arg("--requests", "20000").parse()?;
    let connections: usize = arg("--connections", "64").parse()?;
    let bin = arg("--feder", "target/release/feder");

    // One key pair serves all actors: generating a hundred RSA keys is not what is measured.
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let public_pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF)?;
    let private_pem = private.to_pkcs8_pem(LineEnding::LF)?.to_string();
    let actor_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let actor_base = format!("http://localhost:{}", actor_listener.local_addr()?.port());
    let actors = Actors {
        base: actor_base.clone(),
        public_pem,
    };
    tokio::spawn(async move {
        let app = Router::new()
            .route("/users/{n}", get(actor))
            .with_state(actors);
        let _ = axum::serve(actor_listener, app).await;
    });

    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}/ingest.db", dir.path().display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut config = Config::default();
    config.server.domain = format!("localhost:{port}");
    config.database.url = database.clone();
    let state = AppState::open(config).await?;
    let data = state.to_request_data();
    let input =
        posts::parse_markdown_file("---\ntitle: Ingest\nslug: ingest\n---\nReply to me.\n")?;
    posts::publish(&data, input).await?;
    let post_url = format!("http://localhost:{port}/posts/ingest");
    let inbox = url::Url::parse(&format!("http://localhost:{port}/inbox"))?;

    // Sign every request up front, on every core, so the load generator only sends.
    let signers: Vec<Signer> = (0..ACTORS)
        .map(|n| Signer::from_pem(&private_pem, format!("{actor_base}/users/{n}#main-key")))
        .collect::<anyhow::Result<_>>()?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut handles = Vec::new();
    for t in 0..threads {
        let (signers, actor_base, post_url, inbox) = (
            signers.clone(),
            actor_base.clone(),
            post_url.clone(),
            inbox.clone(),
        );
        handles.push(std::thread::spawn(move || -> anyhow::Result<Vec<Prepared>> {
            (0..requests)
                .filter(|i| i % threads == t)
                .map(|i| {
                    let n = i % ACTORS;
                    let actor = format!("{actor_base}/users/{n}");
                    let note = format!("{actor}/statuses/{i}");
                    let body = serde_json::to_vec(&json!({
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{note}/activity"), "type": "Create", "actor": actor,
                        "to": ["https://www.w3.org/ns/activitystreams#Public"],
                        "object": {
                            "id": note, "type": "Note", "attributedTo": actor, "inReplyTo": post_url,
                            "content": format!("<p>Reply number {i}</p>"),
                            "to": ["https://www.w3.org/ns/activitystreams#Public"],
                        },
                    }))?;
                    let signed = signers[n].sign_post(
                        Scheme::Cavage,
                        &inbox,
                        &BodyDigests::of(&body),
                        "application/activity+json",
                    )?;
                    let header = |name| {
                        signed.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
                    };
                    Ok(Prepared {
                        body,
                        date: header("date").unwrap_or_default(),
                        digest: header("digest").unwrap_or_default(),
                        signature: header("signature").unwrap_or_default(),
                    })
                })
                .collect()
        }));
    }
    let mut prepared = Vec::with_capacity(requests);
    for h in handles {
        prepared.extend(h.join().map_err(|_| anyhow::anyhow!("signing thread"))??);
    }
    let prepared = Arc::new(prepared);
    // The rate limits would refuse most of this load (by design); what is measured here is the
    // ingest path itself.
    let config_file = dir.path().join("config.toml");
    std::fs::write(
        &config_file,
        "[limits]\nper_actor_per_minute = 1000000\nper_domain_per_minute = 10000000\n",
    )?;

    let _server = ServerProcess(
        Command::new(&bin)
            .arg("--config")
            .arg(&config_file)
            .arg("serve")
            .env("FEDER_LISTEN", format!("127.0.0.1:{port}"))
            .env("FEDER_DOMAIN", format!("localhost:{port}"))
            .env("FEDER_DATABASE_URL", &database)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?,
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let send = |p: &Prepared| {
        client
            .post(inbox.as_str())
            .header("content-type", "application/activity+json")
            .header("date", &p.date)
            .header("digest", &p.digest)
            .header("signature", &p.signature)
            .body(p.body.clone())
            .send()
    };
    // Warm-up: each actor once (Feder fetches and caches its key), not timed.
    for p in prepared.iter().take(ACTORS) {
        send(p).await?;
    }

    let next = Arc::new(AtomicUsize::new(ACTORS));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, prepared, client, inbox) = (
            next.clone(),
            prepared.clone(),
            client.clone(),
            inbox.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut accepted = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = prepared.get(i) else { break };
                let t = Instant::now();
                let response = client
                    .post(inbox.as_str())
                    .header("content-type", "application/activity+json")
                    .header("date", &p.date)
                    .header("digest", &p.digest)
                    .header("signature", &p.signature)
                    .body(p.body.clone())
                    .send()
                    .await;
                latencies.push(t.elapsed());
                if response.is_ok_and(|r| r.status().as_u16() == 202) {
                    accepted += 1;
                }
            }
            (latencies, accepted)
        }));
    }
    let mut latencies = Vec::new();
    let mut accepted = ACTORS;
    for task in tasks {
        let (l, a) = task.await?;
        latencies.extend(l);
        accepted += a;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let pct = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    let stored = comment::Entity::find().count(&data.db).await?;
    println!(
        "{}",
        json!({
            "requests": requests, "connections": connections, "actors": ACTORS,
            "accepted": accepted, "stored": stored, "lost": accepted as i64 - stored as i64,
            "accepted_per_second": (accepted - ACTORS) as f64 / elapsed.as_secs_f64(),
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        })
    );
    Ok(())
}

struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
