//! The `feder` command: `serve` (the default) and the commands a blog owner runs beside it.

use anyhow::Context;
use clap::{Parser, Subcommand};
use feder::{
    Server,
    config::Config,
    federation::{self, actions, delivery, state::AppState},
    services::{export, follows, import, mentions, moderation, posts, reading, tokens, users},
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
    /// Moderate comments.
    #[command(subcommand)]
    Comments(CommentsCommand),
    /// Block actors or whole domains.
    #[command(subcommand)]
    Block(BlockCommand),
    /// Posts that mention the blog without replying to it.
    Mentions,
    /// Accounts of the authors who write in /admin.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Bearer tokens for Micropub apps.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Bring in posts from WordPress or from Markdown files; followers are not notified.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write every post (Markdown), comments, media, authors and followers into DIR.
    Export { dir: PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an author who can log in at /admin (the password is asked for, or read from
    /// standard input when it is not a terminal).
    CreateUser { name: String },
    /// Set a new password (also for an imported author); ends the user's sessions.
    SetPassword { name: String },
    /// List the authors.
    Users,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; it is shown once.
    Create {
        /// Comma-separated: create, update, delete, media.
        #[arg(long, default_value = "create,update,delete,media")]
        scope: String,
        /// The author of what the token posts (a user name); the blog's default author if none.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id (see `feder token list`).
    Revoke { id: i32 },
    /// List tokens (ids, scopes, last use; never the secrets).
    List,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A WordPress export (Tools → Export → All content). Old addresses redirect to the new.
    Wordpress {
        file: PathBuf,
        /// A local copy of wp-content/uploads: images found there are stored with the blog
        /// (otherwise images stay links to the old site).
        #[arg(long, value_name = "UPLOADS_DIR")]
        download_media: Option<PathBuf>,
    },
    /// Markdown files with front matter (Hugo, Jekyll, or a `feder export` directory).
    Markdown { dir: PathBuf },
}

#[derive(Subcommand)]
enum CommentsCommand {
    /// List comments with a status (pending by default).
    List {
        #[arg(long, default_value = "pending")]
        status: String,
    },
    /// Show a waiting comment.
    Approve { id: i32 },
    /// Hide a comment.
    Reject { id: i32 },
    /// Hide a comment as spam.
    Spam { id: i32 },
    /// Remove a comment.
    Delete { id: i32 },
    /// Fetch the replies Feder was not sent, from the threads of a post.
    Refresh { slug: String },
}

#[derive(Subcommand)]
enum BlockCommand {
    /// Block an actor (its URL) or a domain (and its subdomains).
    Add {
        target: String,
    },
    Remove {
        target: String,
    },
    List,
    /// Import a Mastodon domain-block export (CSV).
    Import {
        file: PathBuf,
    },
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
            let target = actions::follow(&data, &who).await?;
            println!("follow requested: {}", target.model().ap_id);
        }
        Command::Unfollow { who } => {
            actions::unfollow(&data, &who).await?;
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
            let note = actions::reply(&data, &url, &text).await?;
            println!("{}", note.ap_id);
        }
        Command::Reply(ReplyCommand::Edit { id, text }) => {
            actions::edit_reply(&data, &id, &text).await?;
            println!("updated {id}");
        }
        Command::Reply(ReplyCommand::Delete { id }) => {
            actions::delete_reply(&data, &id).await?;
            println!("deleted {id}");
        }
        Command::Comments(command) => comments_command(&data, command).await?,
        Command::Block(command) => block_command(&data, command).await?,
        Command::Mentions => {
            for m in mentions::latest(&data.db, 50).await? {
                let text = m.content_html.chars().take(100).collect::<String>();
                // Non-public replies say so, and to what: only the owner sees them.
                let kind = match &m.in_reply_to {
                    Some(parent) => format!("{} reply to {parent}  ", m.visibility),
                    None => String::new(),
                };
                println!(
                    "{}  {}  {}  {kind}{}",
                    m.published_at.format("%Y-%m-%d %H:%M"),
                    m.author_ap_id,
                    m.url.unwrap_or(m.ap_id),
                    text
                );
            }
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
        Command::Admin(AdminCommand::CreateUser { name }) => {
            let password = read_new_password()?;
            let user = users::create(&data.db, &name, &password).await?;
            println!("created {}; log in at {}", user.username, data.urls.admin());
        }
        Command::Admin(AdminCommand::SetPassword { name }) => {
            let password = read_new_password()?;
            let user = users::set_password(&data.db, &name, &password).await?;
            println!("new password set for {}", user.username);
        }
        Command::Admin(AdminCommand::Users) => {
            for u in users::list(&data.db).await? {
                let login = if u.password_hash.is_some() {
                    ""
                } else {
                    "  (no password)"
                };
                println!("{}  {}{login}", u.username, u.display_name);
            }
        }
        Command::Token(TokenCommand::Create { scope, user }) => {
            let user_id = match user {
                Some(name) => Some(
                    users::find_by_username(&data.db, &name)
                        .await?
                        .with_context(|| format!("there is no user {name:?}"))?
                        .id,
                ),
                None => None,
            };
            let (secret, row) = tokens::create(&data.db, user_id, &scope).await?;
            println!("token {} ({}): {secret}", row.id, row.scope);
            println!("Micropub endpoint: {}", data.urls.micropub());
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            if tokens::revoke(&data.db, id).await? {
                println!("revoked token {id}");
            } else {
                anyhow::bail!("no live token {id}");
            }
        }
        Command::Token(TokenCommand::List) => {
            for t in tokens::list(&data.db).await? {
                let state = match (t.revoked_at, t.last_used_at) {
                    (Some(r), _) => format!("revoked {}", r.format("%Y-%m-%d")),
                    (None, Some(u)) => format!("last used {}", u.format("%Y-%m-%d %H:%M")),
                    (None, None) => "never used".into(),
                };
                println!("{:>4}  {:<28}  {state}", t.id, t.scope);
            }
        }
        Command::Import(ImportCommand::Wordpress {
            file,
            download_media,
        }) => {
            let xml = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let options = import::WordpressOptions {
                uploads_dir: download_media,
            };
            let bar = progress_bar();
            let report =
                import::wordpress(&data, &xml, &options, &mut |p| show_progress(&bar, p)).await;
            bar.finish_and_clear();
            print_import(&report?);
        }
        Command::Import(ImportCommand::Markdown { dir }) => {
            let bar = progress_bar();
            let report = import::markdown(&data, &dir, &mut |p| show_progress(&bar, p)).await;
            bar.finish_and_clear();
            print_import(&report?);
        }
        Command::Export { dir } => {
            let report = export::export(&data, &dir).await?;
            println!(
                "exported {} posts, {} comments, {} images and {} followers to {}",
                report.posts,
                report.comments,
                report.media,
                report.followers,
                dir.display()
            );
        }
    }
    // What the command recorded for the fediverse becomes activities with their deliveries
    // now (a running server sends them); should this process die first, the server does it.
    federation::outbox::dispatch(&data).await?;
    Ok(())
}

/// A password from the terminal (asked twice, not echoed) or the first line of stdin.
fn read_new_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn show_progress(bar: &indicatif::ProgressBar, progress: import::Progress) {
    match progress {
        import::Progress::Total(n) => bar.set_length(n),
        import::Progress::Item(title) => {
            bar.inc(1);
            bar.set_message(title.to_string());
        }
    }
}

fn print_import(report: &import::ImportReport) {
    println!(
        "imported: {} new posts, {} updated, {} skipped, {} comments, {} images, {} redirects",
        report.created,
        report.updated,
        report.skipped,
        report.comments,
        report.media,
        report.redirects
    );
}

async fn comments_command(
    data: &activitypub_federation::config::Data<AppState>,
    command: CommentsCommand,
) -> anyhow::Result<()> {
    use feder::{db::entities::comment, federation::backfill};
    let db = &data.db;
    let done = |found: bool, id: i32, what: &str| {
        if found {
            println!("comment {id} {what}");
            Ok(())
        } else {
            Err(anyhow::anyhow!("no comment {id}"))
        }
    };
    match command {
        CommentsCommand::List { status } => {
            for c in moderation::queue(db, &status, 200).await? {
                let text = c.content_html.chars().take(100).collect::<String>();
                println!(
                    "{:>6}  {}  {}  {}",
                    c.id,
                    c.published_at.format("%Y-%m-%d %H:%M"),
                    c.author_ap_id,
                    text
                );
            }
            Ok(())
        }
        CommentsCommand::Approve { id } => done(
            moderation::set_status(db, id, comment::APPROVED).await?,
            id,
            "approved",
        ),
        CommentsCommand::Reject { id } => done(
            moderation::set_status(db, id, comment::REJECTED).await?,
            id,
            "rejected",
        ),
        CommentsCommand::Spam { id } => done(
            moderation::set_status(db, id, comment::SPAM).await?,
            id,
            "marked as spam",
        ),
        CommentsCommand::Delete { id } => done(moderation::delete(db, id).await?, id, "deleted"),
        CommentsCommand::Refresh { slug } => {
            let post = posts::find(db, &slug)
                .await?
                .filter(|p| p.deleted_at.is_none())
                .ok_or_else(|| anyhow::anyhow!("no post {slug}"))?;
            let stored = backfill::refresh(data, &post).await?;
            println!("{stored} new comments");
            Ok(())
        }
    }
}

async fn block_command(state: &AppState, command: BlockCommand) -> anyhow::Result<()> {
    match command {
        BlockCommand::Add { target } => {
            println!("blocked {}", moderation::add_block(state, &target).await?)
        }
        BlockCommand::Remove { target } => {
            if !moderation::remove_block(state, &target).await? {
                anyhow::bail!("{target} was not blocked");
            }
            println!("unblocked {target}");
        }
        BlockCommand::List => {
            for b in moderation::list_blocks(&state.db).await? {
                println!("{:<7} {}", b.kind, b.value);
            }
        }
        BlockCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            println!(
                "{} domains blocked",
                moderation::import_domain_blocks(state, &text).await?
            );
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
