//! The `feder` command line: the clap definitions, and `run`, which opens what a command needs
//! (only the database for most; the whole federation state for those that send or fetch) and
//! calls the one function in this folder that does the command.

mod admin;
mod blocks;
mod comments;
mod follows;
mod import;
mod posts;
mod serve;

use crate::{
    config::Config,
    db,
    federation::{outbox, state::AppState},
    services::Site,
    urls::Urls,
};
use activitypub_federation::config::Data;
use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;
use std::path::PathBuf;
use url::Url;

#[derive(Parser)]
#[command(name = "feder", version, about = "A blog that lives in the fediverse")]
pub struct Cli {
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

/// Loads the configuration and runs the command (`serve` when none is given) to its end.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    crate::install_crypto();
    let config = Config::load(&cli.config).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(dispatch(cli.command.unwrap_or(Command::Serve), config))
}

async fn dispatch(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve::serve(config).await,
        Command::Migrate => admin::migrate(&config).await,
        Command::Post(command) => posts::run(command, config).await,
        Command::Follow { who } => follows::follow(config, &who).await,
        Command::Unfollow { who } => follows::unfollow(config, &who).await,
        Command::Followers => follows::followers(&config).await,
        Command::Reading => follows::reading(&config).await,
        Command::Reply(command) => comments::reply(command, config).await,
        Command::Deliveries => admin::deliveries(&config).await,
        Command::Comments(command) => comments::run(command, config).await,
        Command::Block(command) => blocks::run(command, config).await,
        Command::Mentions => comments::mentions(&config).await,
        Command::Admin(command) => admin::users(command, &config).await,
        Command::Token(command) => admin::tokens(command, &config).await,
        Command::Import(command) => import::run(command, config).await,
        Command::Export { dir } => import::export(config, &dir).await,
    }
}

/// The database alone (connected and migrated): what most commands need.
async fn database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    db::connect(&config.database.url).await
}

/// The blog's addresses, for commands that print them.
fn urls(config: &Config) -> anyhow::Result<Urls> {
    Ok(Urls::new(config.base_url()?))
}

/// The database with the configuration and the blog's addresses: for services that need
/// more than rows (media files, the block list) but send nothing.
async fn site(config: Config) -> anyhow::Result<Site> {
    let db = database(&config).await?;
    Site::new(db, config)
}

/// The whole state (database, the blog's key, the HTTP client…), for commands that federate.
/// Such a command ends with `send_recorded`.
async fn federation(config: Config) -> anyhow::Result<Data<AppState>> {
    Ok(AppState::open(config).await?.to_request_data())
}

/// What the command recorded for the fediverse becomes activities with their deliveries now
/// (a running server sends them); should this process die first, the server does it.
async fn send_recorded(data: &Data<AppState>) -> anyhow::Result<()> {
    outbox::dispatch(data).await?;
    Ok(())
}

/// The text of `file`, or an error that names it.
fn read_file(file: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context;
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}
