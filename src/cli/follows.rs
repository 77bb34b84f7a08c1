//! `feder follow|unfollow|followers|reading`: the accounts the blog follows, and who follows
//! the blog and its authors.

use super::open::{database, federation, send_recorded};
use crate::{
    config::Config,
    federation::actions,
    services::{followers, local_actor::LocalActor, reading as reading_list},
};

pub(super) async fn follow(config: Config, who: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let target = actions::follow(&data, who).await?;
    println!("follow requested: {}", target.model().ap_id);
    send_recorded(&data).await
}

pub(super) async fn unfollow(config: Config, who: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    actions::unfollow(&data, who).await?;
    println!("unfollowed {who}");
    send_recorded(&data).await
}

pub(super) async fn followers(config: &Config, of: Option<&str>) -> anyhow::Result<()> {
    let db = database(config).await?;
    // `blog` and `author:NAME` as stored; a bare name is an author's.
    let of = of.map(|name| {
        LocalActor::from_name(name).unwrap_or_else(|| LocalActor::Author(name.to_string()))
    });
    for f in followers::list(&db, of.as_ref()).await? {
        println!("{}  {}", f.actor_ap_id, f.local_actor);
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
