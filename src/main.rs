//! The `feder` command: `serve` (the default) and the commands a blog owner runs beside it.

use anyhow::Context;
use clap::{Parser, Subcommand};
use feder::{
    Server,
    config::Config,
    federation::delivery,
    services::{comments, follows, posts, reading},
    state::AppState,
};
use std::path::PathBuf;
use url::Url;

#[derive(Parser)]
#[command(name = "feder", version, about = "A blog that lives in the fediverse")]
struct Cli {
    /// Configuration file (missing = all defaults).
    #[arg(long, global = true, default_value = "config.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the blog (the default).
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Write, change and remove posts.
    #[command(subcommand)]
    Post(PostCommand),
    /// Follow an account (user@host or actor URL), to receive its posts.
    Follow { who: String },
    /// Stop following an account.
    Unfollow { who: String },
    /// List the blog's followers.
    Followers,
    /// Posts received from followed accounts.
    Reading,
    /// Reply as the blog to a comment, to one of our posts, or to a remote post (by URL).
    #[command(subcommand)]
    Reply(ReplyCommand),
    /// Delivery status of the most recent activities.
    Deliveries,
}

#[derive(Subcommand)]
enum PostCommand {
    /// Publish a Markdown file with front matter; an existing slug is updated.
    Publish { file: PathBuf },
    /// Delete a post: its URL answers 410 Gone and followers get a Delete.
    Delete { slug: String },
    /// List posts.
    List,
}

#[derive(Subcommand)]
enum ReplyCommand {
    /// Reply to URL with TEXT (Markdown).
    Create { url: Url, text: String },
    /// Change one of the blog's replies.
    Edit { id: Url, text: String },
    /// Delete one of the blog's replies.
    Delete { id: Url },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    feder::install_crypto();
    let config = Config::load(&cli.config).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(cli.command.unwrap_or(Command::Serve), config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let federation = AppState::open(config.clone()).await?;
    let data = federation.to_request_data();
    match command {
        Command::Serve => {
            if config.is_local_dev() {
                tracing::info!("local development mode: http and loopback peers are allowed");
            }
            let listener = tokio::net::TcpListener::bind(config.listen_addr()?)
                .await
                .with_context(|| format!("cannot listen on {}", config.server.listen))?;
            let server = Server::start(federation, listener).await?;
            tracing::info!(
                "Feder serves {} on http://{}",
                data.urls.base(),
                server.addr
            );
            tokio::select! {
                _ = server.wait() => {}
                _ = shutdown_signal() => tracing::info!("shutting down; queued deliveries resume on the next start"),
            }
        }
        Command::Migrate => println!("database is up to date"),
        Command::Post(PostCommand::Publish { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let input = posts::parse_markdown_file(&text)?;
            let (post, how) = posts::publish(&data, input).await?;
            println!("{:?} {}", how, data.urls.post(&post.slug));
        }
        Command::Post(PostCommand::Delete { slug }) => {
            posts::delete(&data, &slug).await?;
            println!("deleted {}", data.urls.post(&slug));
        }
        Command::Post(PostCommand::List) => {
            let (list, _) = posts::page(&data.db, 1, 10_000).await?;
            for post in list {
                println!(
                    "{}  {}  {}",
                    post.published_at.format("%Y-%m-%d"),
                    post.slug,
                    post.title
                );
            }
        }
        Command::Follow { who } => {
            let target = follows::follow(&data, &who).await?;
            println!("follow requested: {}", target.model().ap_id);
        }
        Command::Unfollow { who } => {
            follows::unfollow(&data, &who).await?;
            println!("unfollowed {who}");
        }
        Command::Followers => {
            for f in follows::list(&data.db).await? {
                println!("{}", f.actor_ap_id);
            }
        }
        Command::Reading => {
            for p in reading::latest(&data.db, 50).await? {
                println!(
                    "{}  {}  {}",
                    p.published_at.format("%Y-%m-%d"),
                    p.ap_id,
                    p.name.unwrap_or_default()
                );
            }
        }
        Command::Reply(ReplyCommand::Create { url, text }) => {
            let note = comments::reply(&data, &url, &text).await?;
            println!("{}", note.ap_id);
        }
        Command::Reply(ReplyCommand::Edit { id, text }) => {
            comments::edit_reply(&data, &id, &text).await?;
            println!("updated {id}");
        }
        Command::Reply(ReplyCommand::Delete { id }) => {
            comments::delete_reply(&data, &id).await?;
            println!("deleted {id}");
        }
        Command::Deliveries => {
            for a in delivery::recent_status(&data.db, 20).await? {
                println!(
                    "{}  {:<8} delivered={} pending={} failed={}  {}",
                    a.created_at.format("%Y-%m-%d %H:%M"),
                    a.kind,
                    a.delivered,
                    a.pending,
                    a.failed,
                    a.activity
                );
                for (host, error) in a.failing {
                    println!("        {host}: {error}");
                }
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
