//! `feder follow|unfollow|followers|reading`: the accounts the blog follows and is followed by.

use super::{database, federation};
use crate::{
    config::Config,
    services::{follows, reading as reading_list},
};

pub(super) async fn follow(config: Config, who: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let target = follows::follow(&data, who).await?;
    println!("follow requested: {}", target.model().ap_id);
    Ok(())
}

pub(super) async fn unfollow(config: Config, who: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    follows::unfollow(&data, who).await?;
    println!("unfollowed {who}");
    Ok(())
}

pub(super) async fn followers(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for f in follows::list(&db).await? {
        println!("{}", f.actor_ap_id);
    }
    Ok(())
}

/// The latest posts received from followed accounts.
pub(super) async fn reading(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for p in reading_list::latest(&db, 50).await? {
        println!(
            "{}  {}  {}",
            p.published_at.format("%Y-%m-%d"),
            p.ap_id,
            p.name.unwrap_or_default()
        );
    }
    Ok(())
}
