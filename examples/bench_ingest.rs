//! Benchmark of inbox ingest: signed `Create(Note)` replies from 100 distinct actors, sent at
//! 64 concurrent connections to a `feder serve` (release build) on a fresh SQLite database
//! (or, with `--database postgres://…`, a fresh PostgreSQL database on that server).
//! Reports accepted replies per second, latency percentiles, and whether every accepted reply
//! was stored (rows counted afterwards).
//!
//! `cargo run --release --example bench_ingest -- --requests 20000 --connections 64`
//! Run by `scripts/bench-delivery.sh`; not part of the server.

#[path = "bench_support/mod.rs"]
mod bench_support;

use bench_support::{RemoteActors, sign_all};
use feder::{config::Config, db::entities::comment, federation::state::AppState, services::posts};
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    feder::install_crypto();
    let requests: usize = arg("--requests", "20000").parse()?;
    let connections: usize = arg("--connections", "64").parse()?;
    let bin = arg("--feder", "target/release/feder");

    let actors = RemoteActors::start(ACTORS).await?;

    let dir = tempfile::tempdir()?;
    let database = match arg("--database", "sqlite").as_str() {
        "sqlite" => format!("sqlite://{}/ingest.db", dir.path().display()),
        url => {
            let admin = sea_orm::Database::connect(url).await?;
            let name = format!("feder_bench_{}", uuid::Uuid::new_v4().simple());
            sea_orm::ConnectionTrait::execute_unprepared(
                &admin,
                &format!("CREATE DATABASE {name}"),
            )
            .await?;
            let (server, _) = url
                .rsplit_once('/')
                .ok_or_else(|| anyhow::anyhow!("database URL"))?;
            format!("{server}/{name}")
        }
    };
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

    // Sign every request up front, so the load generator only sends.
    let prepared = sign_all(&actors, &inbox, requests, {
        let (actors, post_url) = (actors.clone(), post_url.clone());
        move |i| {
            let n = i % ACTORS;
            let actor = actors.id(n);
            let note = format!("{actor}/statuses/{i}");
            let activity = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{note}/activity"), "type": "Create", "actor": actor,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": {
                    "id": note, "type": "Note", "attributedTo": actor, "inReplyTo": post_url,
                    "content": format!("<p>Reply number {i}</p>"),
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                },
            });
            (n, activity)
        }
    })?;
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
    // Warm-up: each actor once (Feder fetches and caches its key), not timed.
    for p in prepared.iter().take(ACTORS) {
        p.send(&client, inbox.as_str()).await;
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
                let ok = p.send(&client, inbox.as_str()).await;
                latencies.push(t.elapsed());
                accepted += usize::from(ok);
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
