//! Benchmark receiver: many fediverse inboxes on loopback. Listens on `--ports N` consecutive
//! ports from `--first-port P` (127.0.0.1 only), accepts POSTs to `/users/<n>/inbox` and
//! `/inbox`, verifies every HTTP signature against the sender's key (fetched once from its
//! actor document), and counts requests, bad signatures and distinct (inbox, activity id)
//! pairs. `GET /stats` on any port answers the counts as JSON.
//!
//! Run by `scripts/bench-delivery.sh`; not part of the server.

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    routing::{get, post},
};
use feder::federation::signatures::{RequestParts, Signature};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

#[derive(Default)]
struct Counts {
    requests: u64,
    bad_signatures: u64,
    seen: HashSet<(String, String)>,
    duplicates: u64,
}

#[derive(Clone)]
struct Receiver {
    counts: Arc<Mutex<Counts>>,
    keys: Arc<Mutex<HashMap<String, String>>>,
    http: reqwest::Client,
}

fn arg(name: &str, default: u16) -> u16 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    feder::install_crypto();
    let first = arg("--first-port", 20000);
    let ports = arg("--ports", 100);
    let receiver = Receiver {
        counts: Arc::default(),
        keys: Arc::default(),
        http: reqwest::Client::new(),
    };
    let app = Router::new()
        .route("/users/{n}/inbox", post(inbox))
        .route("/inbox", post(inbox))
        .route("/stats", get(stats))
        .with_state(receiver);
    let mut tasks = Vec::new();
    for port in first..first + ports {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let app = app.clone();
        tasks.push(tokio::spawn(
            async move { axum::serve(listener, app).await },
        ));
    }
    println!("ready");
    for task in tasks {
        task.await??;
    }
    Ok(())
}

async fn key_for(receiver: &Receiver, key_id: &str) -> Option<String> {
    if let Some(pem) = receiver.keys.lock().ok()?.get(key_id) {
        return Some(pem.clone());
    }
    let url = key_id.split('#').next()?;
    let actor: Value = receiver
        .http
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let pem = actor["publicKey"]["publicKeyPem"].as_str()?.to_string();
    receiver
        .keys
        .lock()
        .ok()?
        .insert(key_id.to_string(), pem.clone());
    Some(pem)
}

async fn inbox(
    State(receiver): State<Receiver>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let path = uri.path().to_string();
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let parts = RequestParts {
        method: &method,
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        headers: &headers,
        body: &body,
        scheme: "http",
        default_host: &host,
    };
    let verified = match Signature::parse(&parts, chrono::Utc::now()) {
        Ok(signature) => match key_for(&receiver, &signature.key_id).await {
            Some(pem) => signature.verify(&pem).is_ok(),
            None => false,
        },
        Err(_) => false,
    };
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_string))
        .unwrap_or_default();
    let Ok(mut counts) = receiver.counts.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    counts.requests += 1;
    if !verified {
        counts.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    if !counts.seen.insert((format!("{host}{path}"), id)) {
        counts.duplicates += 1;
    }
    StatusCode::ACCEPTED
}

async fn stats(State(receiver): State<Receiver>) -> Json<Value> {
    let counts = receiver
        .counts
        .lock()
        .map(|c| (c.requests, c.bad_signatures, c.seen.len(), c.duplicates));
    let (requests, bad, distinct, duplicates) = counts.unwrap_or_default();
    Json(
        json!({"requests": requests, "bad_signatures": bad, "distinct": distinct, "duplicates": duplicates, "cpu_seconds": cpu_seconds()}),
    )
}

/// CPU seconds (user + system) this receiver has used, for the fan-out's accounting of the
/// machine it shares: /proc/self/stat counts clock ticks, 100 per second on Linux (USER_HZ).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // The fields after the command name, which is in parentheses.
            let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(0.0)
}
