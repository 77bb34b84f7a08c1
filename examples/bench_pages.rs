//! The server `scripts/bench-pages.sh` measures: a Feder blog with a post that has 50
//! comments, and beside it, in the same process and runtime, bare axum handlers as baselines:
//! a 13-byte answer, and the post page's own bytes served as a constant (what axum alone
//! does with a body that size). Not a timed test: it seeds, prints its addresses, and serves until SIGTERM or
//! SIGINT (and stops by itself after half an hour).
//!
//! A like storm can be switched on while pages are read: `POST <STORM>/<rate>` makes 100 remote
//! accounts send signed Likes of the post, and Undos of them, to its inbox at `rate` per second
//! (0 stops it); every one changes the post's counts. They are signed up front
//! (`FEDER_BENCH_STORM` of them, 8,000 by default), so that signing them costs the server
//! nothing while it is measured.
//!
//! `FEDER_BENCH_DATABASE_URL` picks the database (default: a SQLite file in a temp dir).

#[path = "bench_support/mod.rs"]
mod bench_support;

use activitypub_federation::config::Data;
use axum::{
    Router,
    extract::{Path, State},
    http::header,
    routing::{get, post},
};
use bench_support::{RemoteActors, SignedPost, sign_all};
use chrono::{Duration, Utc};
use feder::{
    Server,
    config::Config,
    db::entities::{actor, comment, reaction},
    federation::state::AppState,
    services::posts,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::json;
use std::sync::{
    Arc,
    atomic::{AtomicU32, AtomicUsize, Ordering},
};
use tokio::{
    net::TcpListener,
    signal::unix::{SignalKind, signal},
};

const COMMENTS: usize = 50;
const COMMENTERS: usize = 12;
/// The accounts that like and unlike the post in a storm.
const LIKERS: usize = 100;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    feder::install_crypto();
    let dir = tempfile::tempdir()?;
    let database = std::env::var("FEDER_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mut config = Config::default();
    config.server.listen = format!("127.0.0.1:{port}");
    config.server.domain = format!("localhost:{port}");
    config.database.url = database;
    config.blog.title = "Benchmark blog".into();
    // The inbox's rate limits would refuse a storm from one server (by design).
    config.limits.per_actor_per_minute = 1_000_000;
    config.limits.per_domain_per_minute = 10_000_000;
    config.validate()?;
    let federation = AppState::open(config).await?;
    let server = Server::start(federation, listener).await?;
    let data = server.data();
    seed(&data).await?;

    // The baselines, served by the same runtime.
    let page = reqwest::Client::new()
        .get(data.urls.post("bench").as_str())
        .header("Accept", "text/html")
        .send()
        .await?
        .bytes()
        .await?;
    let storm = Storm::prepare(&data).await?;
    let bare = TcpListener::bind("127.0.0.1:0").await?;
    let bare_port = bare.local_addr()?.port();
    let baselines = Router::new()
        .route("/hello", get(|| async { "Hello, world!" }))
        .route(
            "/page",
            get(move || {
                let page = page.clone();
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
            }),
        )
        .route("/storm/{rate}", post(storm_rate))
        .with_state(storm.clone());
    tokio::spawn(storm.clone().blow());
    tokio::spawn(async move { axum::serve(bare, baselines).await });

    println!("BLOG http://localhost:{port}/");
    println!("POST http://localhost:{port}/posts/bench");
    println!("BARE http://127.0.0.1:{bare_port}/hello");
    println!("BARE_PAGE http://127.0.0.1:{bare_port}/page");
    println!("STORM http://127.0.0.1:{bare_port}/storm");
    println!("READY");
    let site_changes_before = data.changes.site_version();
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(1800)) => {}
    }
    // Changes to the whole site during the run empty every cached page: say how many there were.
    eprintln!(
        "changes to the whole site while serving: {}",
        data.changes.site_version() - site_changes_before
    );
    storm.report(&data).await?;
    server.stop().await;
    Ok(())
}

/// Likes and Undos of them, signed up front, and how many were sent and accepted.
struct Storm {
    activities: Vec<SignedPost>,
    inbox: String,
    client: reqwest::Client,
    /// Per second; 0: calm.
    rate: AtomicU32,
    next: AtomicUsize,
    accepted: AtomicUsize,
}

impl Storm {
    /// Signs the storm's activities, and has each liker like and unlike once, so that Feder
    /// knows their keys before anything is measured.
    async fn prepare(data: &Data<AppState>) -> anyhow::Result<Arc<Storm>> {
        let count: usize = std::env::var("FEDER_BENCH_STORM")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(8_000);
        let actors = RemoteActors::start(LIKERS).await?;
        let inbox = data.urls.base().join("inbox")?;
        let post = data.urls.post("bench").to_string();
        let activities = sign_all(&actors, &inbox, count.max(2 * LIKERS), {
            let actors = actors.clone();
            move |i| (i % LIKERS, like_or_undo(&actors, &post, i))
        })?;
        let storm = Arc::new(Storm {
            activities,
            inbox: inbox.to_string(),
            client: reqwest::Client::new(),
            rate: AtomicU32::new(0),
            next: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
        });
        for _ in 0..2 {
            let mut round = tokio::task::JoinSet::new();
            for _ in 0..LIKERS {
                round.spawn(storm.clone().send_next());
            }
            round.join_all().await;
        }
        Ok(storm)
    }

    async fn send_next(self: Arc<Self>) {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if let Some(activity) = self.activities.get(i)
            && activity.send(&self.client, &self.inbox).await
        {
            self.accepted.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sends at the rate asked, each on its own task, until the process ends.
    async fn blow(self: Arc<Self>) {
        let mut next_at = tokio::time::Instant::now();
        loop {
            let rate = self.rate.load(Ordering::Relaxed);
            if rate == 0 || self.next.load(Ordering::Relaxed) >= self.activities.len() {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                next_at = tokio::time::Instant::now();
                continue;
            }
            next_at += std::time::Duration::from_secs(1) / rate;
            tokio::time::sleep_until(next_at).await;
            tokio::spawn(self.clone().send_next());
        }
    }

    /// What was sent, what the inbox accepted, and whether the post's likes add up.
    async fn report(&self, data: &Data<AppState>) -> anyhow::Result<()> {
        let sent = self.next.load(Ordering::Relaxed).min(self.activities.len());
        let post = posts::find(&data.db, "bench")
            .await?
            .ok_or_else(|| anyhow::anyhow!("the bench post is gone"))?;
        // The seeded commenters like it too (one like each).
        let likes = posts::counts(&data.db, post.id)
            .await?
            .likes
            .saturating_sub(COMMENTERS as u64);
        // Round r of the likers likes when r is even, unlikes when it is odd.
        let expected = match (sent / LIKERS) % 2 {
            0 => sent % LIKERS,
            _ => LIKERS - sent % LIKERS,
        };
        eprintln!(
            "storm: {sent} likes and undos sent, {} accepted; the post has {likes} likes from them (expected {expected})",
            self.accepted.load(Ordering::Relaxed)
        );
        if sent >= self.activities.len() {
            eprintln!("storm: ran out of signed activities: raise FEDER_BENCH_STORM");
        }
        Ok(())
    }
}

/// Activity `i` of a storm: in round `i / LIKERS`, liker `i % LIKERS` likes `post` (even
/// rounds) or undoes that like (odd rounds).
fn like_or_undo(actors: &RemoteActors, post: &str, i: usize) -> serde_json::Value {
    let (round, n) = (i / LIKERS, i % LIKERS);
    let actor = actors.id(n);
    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/likes/{}", round / 2), "type": "Like",
        "actor": actor, "object": post,
    });
    if round % 2 == 0 {
        return like;
    }
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/likes/{}/undo", round / 2), "type": "Undo",
        "actor": actor, "object": like,
    })
}

async fn storm_rate(State(storm): State<Arc<Storm>>, Path(rate): Path<u32>) -> String {
    storm.rate.store(rate, Ordering::Relaxed);
    format!("{rate} per second\n")
}

async fn seed(data: &Data<AppState>) -> anyhow::Result<()> {
    let paragraph = "Fediverse blogs answer with server-rendered pages: the post, its \
        threaded comments and everything a reader needs to reply from their own server. ";
    for n in 0..12 {
        let text = format!(
            "---\ntitle: Earlier post {n}\nslug: earlier-{n}\npublished: 2026-0{}-1{}\ntags: [bench, rust]\n---\n{}\n",
            1 + n % 9,
            n % 9,
            paragraph.repeat(3)
        );
        posts::publish(data, posts::parse_markdown_file(&text)?).await?;
    }
    let body = (0..12)
        .map(|i| format!("## Part {i}\n\n{}\n", paragraph.repeat(4)))
        .collect::<String>();
    let text = format!(
        "---\ntitle: A post with fifty comments\nslug: bench\ntags: [bench, fediverse]\n---\n{body}"
    );
    let (post, _) = posts::publish(data, posts::parse_markdown_file(&text)?).await?;
    let post_url = data.urls.post(&post.slug).to_string();
    let now = Utc::now();
    for n in 0..COMMENTERS {
        actor::ActiveModel {
            ap_id: Set(format!("https://social{n}.example/users/reader{n}")),
            kind: Set("Person".into()),
            preferred_username: Set(Some(format!("reader{n}"))),
            name: Set(Some(format!("Reader Nummer {n}"))),
            summary: Set(None),
            url: Set(Some(format!("https://social{n}.example/@reader{n}"))),
            icon_url: Set(Some(format!("https://social{n}.example/avatar.png"))),
            inbox: Set(format!("https://social{n}.example/users/reader{n}/inbox")),
            shared_inbox: Set(Some(format!("https://social{n}.example/inbox"))),
            public_key_id: Set(format!(
                "https://social{n}.example/users/reader{n}#main-key"
            )),
            public_key_pem: Set(String::new()),
            domain: Set(format!("social{n}.example")),
            fetched_at: Set(now),
            ..Default::default()
        }
        .insert(&data.db)
        .await?;
    }
    let mut ids: Vec<String> = vec![];
    for n in 0..COMMENTS {
        let author = n % COMMENTERS;
        let ap_id = format!("https://social{author}.example/users/reader{author}/statuses/{n}");
        // Every third comment answers an earlier one, so the thread nests.
        let in_reply_to = match n % 3 {
            2 => ids[n - 1].clone(),
            _ => post_url.clone(),
        };
        comment::ActiveModel {
            ap_id: Set(ap_id.clone()),
            post_id: Set(Some(post.id)),
            in_reply_to: Set(in_reply_to),
            author_ap_id: Set(format!("https://social{author}.example/users/reader{author}")),
            content_html: Set(format!(
                "<p>Comment {n}: a thoughtful reply with a <a href=\"https://example.org/{n}\" rel=\"nofollow noopener ugc\">link</a> and some <em>emphasis</em>.</p>"
            )),
            url: Set(Some(format!("https://social{author}.example/@reader{author}/{n}"))),
            is_local: Set(false),
            status: Set(comment::APPROVED.into()),
            published_at: Set(now - Duration::minutes((COMMENTS - n) as i64)),
            updated_at: Set(None),
            deleted_at: Set(None),
            ..Default::default()
        }
        .insert(&data.db)
        .await?;
        ids.push(ap_id);
    }
    for n in 0..COMMENTERS {
        for kind in [reaction::LIKE, reaction::ANNOUNCE] {
            reaction::ActiveModel {
                activity_id: Set(format!("https://social{n}.example/{kind}/{n}")),
                kind: Set(kind.into()),
                post_id: Set(post.id),
                actor_ap_id: Set(format!("https://social{n}.example/users/reader{n}")),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&data.db)
            .await?;
        }
    }
    Ok(())
}
