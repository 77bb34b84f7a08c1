//! Benchmark driver for a fan-out: seeds a blog with N followers whose inboxes live on the
//! benchmark receiver (`bench_receiver`, already running), starts `feder serve` (one or two
//! nodes), publishes one post with the CLI, and measures until every delivery is done:
//! deliveries per second, resident memory (idle and peak) and what the receiver verified.
//!
//! `cargo run --release --example bench_fanout -- --followers 10000 --shared 0 --nodes 1`
//! Run by `scripts/bench-delivery.sh`; not part of the server.

use feder::{
    config::Config,
    db::entities::{delivery, follower},
    federation::state::AppState,
    services::local_actor::LocalActor,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait,
    QueryFilter,
};
use serde_json::{Value, json};
use std::{
    process::{Child, Command, Stdio},
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

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) the process `pid` has used: /proc/PID/stat counts them in
/// clock ticks, 100 per second on Linux (USER_HZ).
fn cpu_seconds(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // The fields after the command name, which is in parentheses and may hold spaces.
            let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn receiver_stats(port: u16) -> anyhow::Result<Value> {
    Ok(reqwest::get(format!("http://127.0.0.1:{port}/stats"))
        .await?
        .json()
        .await?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    feder::install_crypto();
    let followers: usize = arg("--followers", "10000").parse()?;
    let shared: usize = arg("--shared", "0").parse()?;
    let nodes: usize = arg("--nodes", "1").parse()?;
    let first_port: u16 = arg("--receiver-first-port", "20000").parse()?;
    let ports: u16 = arg("--receiver-ports", "100").parse()?;
    let bin = arg("--feder", "target/release/feder");
    let dir = tempfile::tempdir()?;
    let database = match arg("--database", "sqlite").as_str() {
        "sqlite" => format!("sqlite://{}/bench.db", dir.path().display()),
        url => {
            let admin = Database::connect(url).await?;
            let name = format!("feder_bench_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let (server, _) = url
                .rsplit_once('/')
                .ok_or_else(|| anyhow::anyhow!("database URL"))?;
            format!("{server}/{name}")
        }
    };
    let port = free_port()?;
    let mut config = Config::default();
    config.server.domain = format!("localhost:{port}");
    config.database.url = database.clone();
    let state = AppState::open(config).await?;
    let db = state.to_request_data().db.clone();

    let rows: Vec<follower::ActiveModel> = (0..followers)
        .map(|i| {
            let port = first_port + (i % ports as usize) as u16;
            let shared_inbox = (shared > 0).then(|| {
                let port = first_port + ((i % shared) % ports as usize) as u16;
                format!("http://localhost:{port}/inbox?s={}", i % shared)
            });
            follower::ActiveModel {
                local_actor: Set(LocalActor::Blog.name()),
                actor_ap_id: Set(format!("http://localhost:{port}/users/{i}")),
                inbox: Set(format!("http://localhost:{port}/users/{i}/inbox")),
                shared_inbox: Set(shared_inbox),
                follow_activity_id: Set(format!("http://localhost:{port}/follows/{i}")),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(1000) {
        follower::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&db)
            .await?;
    }

    let config_file = dir.path().join("config.toml");
    std::fs::write(&config_file, "[delivery]\ntimeout_seconds = 10\n")?;
    let spawn = |listen: u16| -> anyhow::Result<Node> {
        Ok(Node(
            Command::new(&bin)
                .arg("--config")
                .arg(&config_file)
                .arg("serve")
                .env("FEDER_LISTEN", format!("127.0.0.1:{listen}"))
                .env("FEDER_DOMAIN", format!("localhost:{port}"))
                .env("FEDER_DATABASE_URL", &database)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()?,
        ))
    };
    let mut running = vec![spawn(port)?];
    for _ in 1..nodes {
        running.push(spawn(free_port()?)?);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let idle_kib = rss_kib(running[0].0.id());
    let before = receiver_stats(first_port).await?;

    let post = dir.path().join("post.md");
    std::fs::write(
        &post,
        "---\ntitle: Fan-out benchmark\n---\nOne post, many inboxes.\n",
    )?;
    let start = Instant::now();
    let status = Command::new(&bin)
        .arg("--config")
        .arg(&config_file)
        .args(["post", "publish"])
        .arg(&post)
        .env("FEDER_DOMAIN", format!("localhost:{port}"))
        .env("FEDER_DATABASE_URL", &database)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "feder post publish failed");
    let queued = start.elapsed();
    let expected = delivery::Entity::find().count(&db).await?;
    let mut peak_kib = 0;
    let mut cpu = vec![0.0; running.len()];
    loop {
        // Read before the check that ends the loop: the nodes are stopped right after.
        for (used, node) in cpu.iter_mut().zip(&running) {
            *used = cpu_seconds(&node.0.id().to_string());
        }
        for node in &running {
            peak_kib = peak_kib.max(rss_kib(node.0.id()));
        }
        let open = delivery::Entity::find()
            .filter(delivery::Column::Status.eq(delivery::PENDING))
            .count(&db)
            .await?;
        if open == 0 {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(600),
            "fan-out did not finish in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let total = start.elapsed();
    let failed = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(delivery::FAILED))
        .count(&db)
        .await?;
    let after = receiver_stats(first_port).await?;
    let delta = |key: &str| after[key].as_u64().unwrap_or(0) - before[key].as_u64().unwrap_or(0);
    let receiver_cpu = after["cpu_seconds"].as_f64().unwrap_or(0.0)
        - before["cpu_seconds"].as_f64().unwrap_or(0.0);
    let per_delivery = |seconds: f64| seconds * 1e6 / expected.max(1) as f64;
    let result = json!({
        "followers": followers,
        "shared_inboxes": shared,
        "nodes": nodes,
        "database": if database.starts_with("sqlite") { "sqlite" } else { "postgres" },
        "deliveries": expected,
        "failed": failed,
        "received_distinct": delta("distinct"),
        "received_duplicates": delta("duplicates"),
        "bad_signatures": delta("bad_signatures"),
        "enqueue_seconds": queued.as_secs_f64(),
        "total_seconds": total.as_secs_f64(),
        "deliveries_per_second": expected as f64 / total.as_secs_f64(),
        "followers_per_second": followers as f64 / total.as_secs_f64(),
        // CPU per delivery, of the feder nodes and of the verifying receiver (which shares
        // the machine): unlike the rate, these hardly depend on what else the machine runs.
        "feder_cpu_us_per_delivery": per_delivery(cpu.iter().sum()),
        "receiver_cpu_us_per_delivery": per_delivery(receiver_cpu),
        "rss_idle_mib": idle_kib as f64 / 1024.0,
        "rss_peak_mib": peak_kib as f64 / 1024.0,
    });
    println!("{result}");
    Ok(())
}
