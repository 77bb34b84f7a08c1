//! The server `scripts/bench-pages.sh` measures: a Feder blog with a post that has 50
//! comments, and beside it, in the same process and runtime, bare axum handlers as baselines:
//! a 13-byte answer, and the post page's own bytes served as a constant (what axum alone
//! does with a body that size). Not a timed test: it seeds, prints its addresses, and serves until SIGTERM or
//! SIGINT (and stops by itself after half an hour).
//!
//! `FEDER_BENCH_DATABASE_URL` picks the database (default: a SQLite file in a temp dir).

use axum::{Router, http::header, routing::get};
use chrono::{Duration, Utc};
use feder::{
    Server,
    config::Config,
    db::entities::{actor, comment, reaction},
    federation::state::AppState,
    services::posts,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use tokio::{
    net::TcpListener,
    signal::unix::{SignalKind, signal},
};

const COMMENTS: usize = 50;
const COMMENTERS: usize = 12;

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
        );
    tokio::spawn(async move { axum::serve(bare, baselines).await });

    println!("BLOG http://localhost:{port}/");
    println!("POST http://localhost:{port}/posts/bench");
    println!("BARE http://127.0.0.1:{bare_port}/hello");
    println!("BARE_PAGE http://127.0.0.1:{bare_port}/page");
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
    server.stop().await;
    Ok(())
}

async fn seed(data: &activitypub_federation::config::Data<AppState>) -> anyhow::Result<()> {
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
