//! What a command opens before it runs: the database alone, a `Site`, or the whole federation
//! state; and, for the last, sending on what the command recorded. Only the commands that
//! set a blog up (`migrate`, the imports; `serve` opens its own) create a missing SQLite
//! database: every other one refuses, so that a command run in the wrong folder does not
//! leave an empty blog there.

use crate::{
    config::Config,
    db,
    federation::{outbox, state::AppState},
    services::Site,
    urls::Urls,
};
use activitypub_federation::config::Data;
use sea_orm::DatabaseConnection;

/// The blog's database alone (connected and migrated): what most commands need.
pub(super) async fn database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    existing_blog(config)?;
    db::connect(&config.database.url).await
}

/// The database, created when it is a SQLite file that does not exist yet: for the commands
/// that set a blog up (`migrate`).
pub(super) async fn creating_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    db::connect(&config.database.url).await
}

/// Refuses a SQLite database whose file is missing, naming the file looked for and how to
/// create a blog there. PostgreSQL (and SQLite in memory) are what the URL says.
fn existing_blog(config: &Config) -> anyhow::Result<()> {
    let url = &config.database.url;
    let Some(file) = db::sqlite_file(url).filter(|_| url.starts_with("sqlite:")) else {
        return Ok(());
    };
    if file.exists() {
        return Ok(());
    }
    let looked_for = std::path::absolute(&file).unwrap_or(file);
    anyhow::bail!(
        "no blog here: its database {} does not exist. Run feder in the blog's folder (or \
         name its configuration with --config, or its database with FEDER_DATABASE_URL); to \
         create a new blog there, run `feder migrate` or `feder serve` first",
        looked_for.display()
    )
}

/// The blog's addresses, for commands that print them.
pub(super) fn urls(config: &Config) -> anyhow::Result<Urls> {
    Ok(Urls::new(config.base_url()?))
}

/// The database with the configuration and the blog's addresses: for services that need
/// more than rows (media files, the block list) but send nothing.
pub(super) async fn site(config: Config) -> anyhow::Result<Site> {
    let db = database(&config).await?;
    Site::new(db, config)
}

/// A `Site` whose database is created when missing: for the imports, which fill a new blog.
pub(super) async fn creating_site(config: Config) -> anyhow::Result<Site> {
    let db = creating_database(&config).await?;
    Site::new(db, config)
}

/// The whole state (database, the blog's key, the HTTP client…), for commands that federate.
/// Such a command ends with `send_recorded`.
pub(super) async fn federation(config: Config) -> anyhow::Result<Data<AppState>> {
    existing_blog(&config)?;
    Ok(AppState::open(config).await?.to_request_data())
}

/// What the command recorded for the fediverse becomes activities with their deliveries now
/// (a running server sends them, woken at once); should this process die first, the server
/// does it.
pub(super) async fn send_recorded(data: &Data<AppState>) -> anyhow::Result<()> {
    if outbox::dispatch(data).await? > 0 {
        crate::federation::delivery::wake_server(&data.config.database.url);
    }
    Ok(())
}

/// The text of `file`, or an error that names it.
pub(super) fn read_file(file: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context;
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}
