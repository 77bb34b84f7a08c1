//! What a command opens before it runs: the database alone, a `Site`, or the whole federation
//! state; and, for the last, sending on what the command recorded.

use crate::{
    config::Config,
    db,
    federation::{outbox, state::AppState},
    services::Site,
    urls::Urls,
};
use activitypub_federation::config::Data;
use sea_orm::DatabaseConnection;

/// The database alone (connected and migrated): what most commands need.
pub(super) async fn database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    db::connect(&config.database.url).await
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

/// The whole state (database, the blog's key, the HTTP client…), for commands that federate.
/// Such a command ends with `send_recorded`.
pub(super) async fn federation(config: Config) -> anyhow::Result<Data<AppState>> {
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
