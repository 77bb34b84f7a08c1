//! `feder alias|move|retire`: the blog's other accounts (`alsoKnownAs`), moving the blog to
//! a new address, and retiring it.

use super::open::{federation, send_recorded};
use crate::{
    config::Config,
    federation::actions,
    services::{local_actor::LocalActor, moves},
};

/// The actor an alias is for: the blog, or the author `author`.
fn whose(author: Option<String>) -> LocalActor {
    author.map_or(LocalActor::Blog, LocalActor::Author)
}

pub(super) async fn alias_add(
    config: Config,
    who: &str,
    author: Option<String>,
) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let local = whose(author);
    let (other, added) = actions::add_alias(&data, &local, who).await?;
    if added {
        println!("{local} now names {other} (alsoKnownAs)");
    } else {
        println!("{local} names {other} already");
    }
    // The Update of the actor, recorded with the alias, goes out now (or from the server).
    send_recorded(&data).await
}

pub(super) async fn alias_remove(
    config: Config,
    who: &str,
    author: Option<String>,
) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let local = whose(author);
    // Stored as actor URLs: a handle is looked up first.
    let id = match url::Url::parse(who) {
        Ok(url) => url.to_string(),
        Err(_) => actions::fresh_actor(&data, who).await?.id.to_string(),
    };
    if moves::remove_alias(&data, &local, &id).await? {
        println!("{local} no longer names {id}");
        send_recorded(&data).await
    } else {
        anyhow::bail!("{local} does not name {id}")
    }
}

pub(super) async fn alias_list(config: Config, author: Option<String>) -> anyhow::Result<()> {
    let data = federation(config).await?;
    for alias in moves::aliases(&data, &whose(author)) {
        println!("{alias}");
    }
    Ok(())
}

pub(super) async fn move_to(config: Config, who: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let outcome = actions::move_blog(&data, who).await?;
    println!("moved to {}; its followers get a Move", outcome.target);
    for author in &outcome.authors_moved {
        println!("author {author} moved too");
    }
    for author in &outcome.authors_left {
        println!(
            "author {author}: no account of that name on the new server names them; their followers stay here"
        );
    }
    send_recorded(&data).await
}

pub(super) async fn retire(config: Config, confirm: &str) -> anyhow::Result<()> {
    let data = federation(config).await?;
    let handle = format!(
        "{}@{}",
        data.settings.current().blog.username,
        data.urls.host()
    );
    if confirm.trim().trim_start_matches('@') != handle {
        anyhow::bail!(
            "to retire this blog, confirm with its handle: feder retire --confirm {handle}"
        );
    }
    moves::retire(&data).await?;
    println!("{handle} is retired: a Delete goes to its followers and every known server");
    send_recorded(&data).await
}
