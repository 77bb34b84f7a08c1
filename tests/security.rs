//! Attacks a hostile client tries against a real Feder server on loopback: login floods and
//! races, user enumeration, forged client addresses, unsigned and replayed inbox traffic,
//! weak signatures, foreign ids and inboxes, oversized bodies and images, script in posts,
//! and slow or half-sent requests. Each test failed before the bound it checks existed.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod admin_helpers;
mod common;

use admin_helpers::{Browser, PASSWORD};
use common::Instance;
use feder::services::users;
use std::time::{Duration, Instant};

/// The password hashing pool is one per process: tests that measure it take turns.
static HASHING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Resident memory of this process (the server runs in it), in MiB.
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// One login POST with a made-up (but matching) CSRF cookie and field, as a bot would send.
async fn login_post(client: &reqwest::Client, base: &str, user: &str, password: &str) -> u16 {
    client
        .post(format!("{base}admin/login"))
        .header("Cookie", "feder_login=bot")
        .header("X-Forwarded-For", format!("198.51.100.{}", rand_octet()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={password}&csrf=bot").replace(' ', "+"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn rand_octet() -> u8 {
    (uuid::Uuid::new_v4().as_u128() % 250) as u8 + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_flood_is_bounded_in_memory_and_answered_quickly() {
    common::init();
    let _turn = HASHING.lock().await;
    let blog = Instance::start("loginflood").await;
    let client = common::client();
    let base = blog.base();
    // Warm up (templates, the database pool, the dummy hash).
    login_post(&client, &base, "nobody", "x").await;
    let before = rss_mib();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let at = Instant::now();
            let status = login_post(&client, &base, &format!("random{i}"), "guess").await;
            (status, at.elapsed())
        }));
    }
    let mut page_times = Vec::new();
    for _ in 0..10 {
        let at = Instant::now();
        let (status, _) = common::page(&base).await;
        assert_eq!(status, 200);
        page_times.push(at.elapsed());
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    let grown = rss_mib().saturating_sub(before);
    let busy = statuses.iter().filter(|(s, _)| *s == 503).count();
    let checked = statuses.iter().filter(|(s, _)| *s == 401).count();
    assert_eq!(busy + checked, 100, "statuses: {statuses:?}");
    assert!(
        busy > 50,
        "most of the flood is refused at once: {busy} of 100"
    );
    assert!(grown < 80, "memory grew by {grown} MiB during the flood");
    page_times.sort();
    // Loose on purpose (a debug build on a shared machine); scripts/bench-hostile.sh measures.
    assert!(
        page_times[5] < Duration::from_secs(1),
        "pages are served during the flood: {page_times:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_are_throttled_atomically() {
    common::init();
    let _turn = HASHING.lock().await;
    let blog = Instance::start("loginrace").await;
    users::create(&blog.data().db, "jorg", PASSWORD)
        .await
        .expect("user");
    let client = common::client();
    let base = blog.base();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            // No proxy is trusted: X-Forwarded-For changes nothing, all come from 127.0.0.1.
            login_post(&client, &base, "jorg", "wrong password").await
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    let checked = statuses.iter().filter(|s| **s == 401).count() as u64;
    assert!(
        checked <= users::MAX_FAILED_LOGINS,
        "{checked} wrong passwords were checked: {statuses:?}"
    );
    // Retried later (busy answers do not count), the right password is still throttled.
    for _ in 0..20 {
        if login_post(&client, &base, "jorg", "wrong password").await == 429 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(login_post(&client, &base, "jorg", PASSWORD).await, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_take_as_long_as_wrong_passwords() {
    common::init();
    let _turn = HASHING.lock().await;
    let blog = Instance::start("enumerate").await;
    users::create(&blog.data().db, "jorg", PASSWORD)
        .await
        .expect("user");
    let mut browser = Browser::new(&blog);
    // One warm-up each (the dummy hash is made on first use).
    browser.log_in("warmup", "x").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..5 {
        let at = Instant::now();
        assert_eq!(browser.log_in("jorg", "wrong password").await.status, 401);
        known.push(at.elapsed());
        let at = Instant::now();
        assert_eq!(browser.log_in(&format!("nobody{i}"), "x").await.status, 401);
        unknown.push(at.elapsed());
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
    assert!(
        u < k * 1.5 && k < u * 1.5,
        "wrong password {known:?} vs unknown name {unknown:?}"
    );
}
