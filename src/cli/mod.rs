//! The `feder` command line: the clap definitions, and `run`, which hands each command to its
//! one function in this folder (grouped by area). Those open only what they need (`open`): the
//! database alone for most; the whole federation state for those that send or fetch.

mod admin;
mod blocks;
mod comments;
mod follows;
mod import;
mod inbox;
mod moves;
mod open;
mod outbox;
mod posts;
mod serve;

use crate::config::Config;
use clap::{Parser, Subcommand};
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
    /// List who follows the blog and each author, one follower and the actor they follow
    /// (`blog`, `author:NAME`) a line.
    Followers {
        /// Only the followers of this actor: `blog` or an author's username.
        #[arg(long)]
        of: Option<String>,
    },
    /// Posts received from followed accounts.
    Reading,
    /// Reply as the blog to a comment, to one of our posts, or to a remote post (by URL).
    #[command(subcommand)]
    Reply(ReplyCommand),
    /// Delivery status of the most recent activities.
    Deliveries,
    /// Received activities that failed: waiting for another try, refused, or dead letters.
    #[command(subcommand)]
    Inbox(InboxCommand),
    /// Changes that failed to become activities: waiting for another try, or dead letters.
    #[command(subcommand)]
    Outbox(OutboxCommand),
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
    /// Bring in posts from WordPress, Markdown files or a Mastodon archive; followers are not
    /// notified.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write every post (Markdown), comments, media, authors and followers into DIR.
    Export { dir: PathBuf },
    /// The blog's other accounts (`alsoKnownAs`): an account named here can move to the blog.
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Move the blog to its new account (user@host or actor URL), which must name this blog
    /// (`feder alias add` there): followers get a Move, pages redirect there.
    Move { who: String },
    /// Retire the blog for good: a Delete of its actors to followers and known servers, and
    /// 410 Gone from then on.
    Retire {
        /// The blog's handle (blog@host), typed to confirm.
        #[arg(long)]
        confirm: String,
    },
}

#[derive(Subcommand)]
enum AliasCommand {
    /// Name another account (user@host or actor URL) as this blog's, so it can move here.
    Add {
        who: String,
        /// For this author's actor instead of the blog's.
        #[arg(long)]
        author: Option<String>,
    },
    /// Stop naming an account.
    Remove {
        who: String,
        #[arg(long)]
        author: Option<String>,
    },
    /// The accounts named.
    List {
        #[arg(long)]
        author: Option<String>,
    },
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
    /// A Mastodon archive (the .zip, or the directory it unpacks to): public toots become
    /// notes with their dates and images, replies to one's own toots their comments.
    Mastodon { archive: PathBuf },
}

#[derive(Subcommand)]
enum InboxCommand {
    /// List received activities that failed, newest first, with the reason.
    List {
        /// Only dead letters (failed on every try).
        #[arg(long)]
        dead: bool,
    },
    /// Show one received activity: its state, reason and document.
    Show { id: i64 },
    /// Try a received activity again (a number from `list`), or every dead letter.
    Retry {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every dead letter.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// List events that failed, newest first, with the reason.
    List,
    /// Try an event again (a number from `list`), or every dead letter.
    Retry {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i32>,
        /// Every dead letter.
        #[arg(long)]
        all: bool,
    },
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
    /// Take a published post back to draft: followers get a Delete (publish it again later
    /// for a new Create).
    Unpublish { slug: String },
    /// Move a post to the trash (unpublished when it was published).
    Trash { slug: String },
    /// Take a post out of the trash, back to what it was (published again: a new Create).
    Restore { slug: String },
    /// List posts of every status (draft, scheduled, published, trash): date, status, slug,
    /// title.
    List {
        /// Only posts with this status.
        #[arg(long)]
        status: Option<String>,
    },
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
        Command::Post(command) => post(command, config).await,
        Command::Follow { who } => follows::follow(config, &who).await,
        Command::Unfollow { who } => follows::unfollow(config, &who).await,
        Command::Followers { of } => follows::followers(&config, of.as_deref()).await,
        Command::Reading => follows::reading(&config).await,
        Command::Reply(command) => reply(command, config).await,
        Command::Deliveries => admin::deliveries(&config).await,
        Command::Inbox(command) => received(command, &config).await,
        Command::Outbox(OutboxCommand::List) => outbox::list(&config).await,
        Command::Outbox(OutboxCommand::Retry { id, all }) => outbox::retry(&config, id, all).await,
        Command::Comments(command) => comment(command, config).await,
        Command::Block(command) => block(command, config).await,
        Command::Mentions => comments::mentions(&config).await,
        Command::Admin(command) => user(command, &config).await,
        Command::Token(command) => token(command, &config).await,
        Command::Import(command) => import(command, config).await,
        Command::Export { dir } => import::export(config, &dir).await,
        Command::Alias(AliasCommand::Add { who, author }) => {
            moves::alias_add(config, &who, author).await
        }
        Command::Alias(AliasCommand::Remove { who, author }) => {
            moves::alias_remove(config, &who, author).await
        }
        Command::Alias(AliasCommand::List { author }) => moves::alias_list(config, author).await,
        Command::Move { who } => moves::move_to(config, &who).await,
        Command::Retire { confirm } => moves::retire(config, &confirm).await,
    }
}

async fn post(command: PostCommand, config: Config) -> anyhow::Result<()> {
    match command {
        PostCommand::Publish { file } => posts::publish(config, &file).await,
        PostCommand::Delete { slug } => posts::delete(config, &slug).await,
        PostCommand::Unpublish { slug } => posts::unpublish(config, &slug).await,
        PostCommand::Trash { slug } => posts::trash(config, &slug).await,
        PostCommand::Restore { slug } => posts::restore(config, &slug).await,
        PostCommand::List { status } => posts::list(&config, status.as_deref()).await,
    }
}

async fn reply(command: ReplyCommand, config: Config) -> anyhow::Result<()> {
    match command {
        ReplyCommand::Create { url, text } => comments::reply_create(config, &url, &text).await,
        ReplyCommand::Edit { id, text } => comments::reply_edit(config, &id, &text).await,
        ReplyCommand::Delete { id } => comments::reply_delete(config, &id).await,
    }
}

async fn received(command: InboxCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        InboxCommand::List { dead } => inbox::list(config, dead).await,
        InboxCommand::Show { id } => inbox::show(config, id).await,
        InboxCommand::Retry { id, all } => inbox::retry(config, id, all).await,
    }
}

async fn comment(command: CommentsCommand, config: Config) -> anyhow::Result<()> {
    use crate::db::entities::comment::{APPROVED, REJECTED, SPAM};
    match command {
        CommentsCommand::List { status } => comments::list(&config, &status).await,
        CommentsCommand::Approve { id } => {
            comments::set_status(&config, id, APPROVED, "approved").await
        }
        CommentsCommand::Reject { id } => {
            comments::set_status(&config, id, REJECTED, "rejected").await
        }
        CommentsCommand::Spam { id } => {
            comments::set_status(&config, id, SPAM, "marked as spam").await
        }
        CommentsCommand::Delete { id } => comments::delete(&config, id).await,
        CommentsCommand::Refresh { slug } => comments::refresh(config, &slug).await,
    }
}

async fn block(command: BlockCommand, config: Config) -> anyhow::Result<()> {
    match command {
        BlockCommand::Add { target } => blocks::add(config, &target).await,
        BlockCommand::Remove { target } => blocks::remove(config, &target).await,
        BlockCommand::List => blocks::list(&config).await,
        BlockCommand::Import { file } => blocks::import(config, &file).await,
    }
}

async fn user(command: AdminCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateUser { name } => admin::create_user(config, &name).await,
        AdminCommand::SetPassword { name } => admin::set_password(config, &name).await,
        AdminCommand::Users => admin::list_users(config).await,
    }
}

async fn token(command: TokenCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { scope, user } => admin::create_token(config, &scope, user).await,
        TokenCommand::Revoke { id } => admin::revoke_token(config, id).await,
        TokenCommand::List => admin::list_tokens(config).await,
    }
}

async fn import(command: ImportCommand, config: Config) -> anyhow::Result<()> {
    match command {
        ImportCommand::Wordpress {
            file,
            download_media,
        } => import::wordpress(config, &file, download_media).await,
        ImportCommand::Markdown { dir } => import::markdown(config, &dir).await,
        ImportCommand::Mastodon { archive } => import::mastodon(config, &archive).await,
    }
}
