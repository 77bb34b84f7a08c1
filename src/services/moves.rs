//! Moving the blog between domains, and retiring it. The new blog names the old actor in its
//! `alsoKnownAs` (an alias); the old one, once the owner moves it, names the new actor in
//! `movedTo`, sends `Move` to the followers of each moved actor, and from then on sends its
//! pages to the new address (`web::moved`). Both are settings (`services::settings`), so a
//! change shows on every node within seconds; the `Move`s are outbox events recorded in the
//! transaction that stores the move. Who came over: on the old blog, its followers per server
//! at the move against those still here (`progress`); on the new one, who an old account
//! listed as its followers when it was named against who follows here (`arrivals`).

use crate::{
    db::{
        changes::{self, Change},
        entities::{alias_follower, follower},
    },
    error::{AppError, AppResult},
    services::{
        Site, followers,
        local_actor::LocalActor,
        outbox::{self, Event},
        settings::{self, aliases_key, moved_to_key},
    },
};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use url::Url;

/// The settings key of the followers per server when the blog moved: what the owner compares
/// with those still here (/admin/moving).
const FOLLOWERS_AT_MOVE: &str = "followers_at_move";

/// The other accounts `actor` names in `alsoKnownAs`.
pub fn aliases(site: &Site, actor: &LocalActor) -> Vec<String> {
    site.settings
        .current()
        .identity(&actor.name())
        .also_known_as
}

/// `actor` names `other` (an actor id) in `alsoKnownAs` from now on: `other` can move here.
pub async fn add_alias(site: &Site, actor: &LocalActor, other: &Url) -> AppResult<bool> {
    let mut list = aliases(site, actor);
    if list.iter().any(|a| a == other.as_str()) {
        return Ok(false);
    }
    list.push(other.to_string());
    set_aliases(site, actor, &list).await?;
    Ok(true)
}

/// `actor` no longer names `other`. Returns whether it did.
pub async fn remove_alias(site: &Site, actor: &LocalActor, other: &str) -> AppResult<bool> {
    let mut list = aliases(site, actor);
    let before = list.len();
    list.retain(|a| a != other);
    if list.len() == before {
        return Ok(false);
    }
    set_aliases(site, actor, &list).await?;
    Ok(true)
}

/// Stores `actor`'s aliases and sends its followers an `Update` of it: Mastodon reads the
/// actor again on an Update, and checks a `Move` to it against the `alsoKnownAs` it has.
async fn set_aliases(site: &Site, actor: &LocalActor, list: &[String]) -> AppResult<()> {
    let key = aliases_key(&actor.name());
    let txn = crate::db::begin_write(&site.db).await?;
    settings::put(&txn, &key, &list.join("\n")).await?;
    let event = Event::ActorUpdated {
        local_actor: actor.clone(),
    };
    changes::within(Change::Site, outbox::commit_with(site, txn, &event)).await?;
    site.settings.reload(&site.db).await?;
    Ok(())
}

/// Where the blog went: its new home page, and the new actor's handle (`user@host`).
#[derive(Debug, Clone)]
pub struct NewHome {
    pub home: Url,
    pub handle: String,
}

/// The blog moves: each of `moves` (one of our actors and its new account, which the
/// federation layer fetched and found naming it) says `movedTo` from now on, and its
/// followers get a `Move`; the pages go to `to`. Refused when the blog moved or was retired
/// already.
pub async fn moved(site: &Site, moves: &[(LocalActor, Url)], to: &NewHome) -> AppResult<()> {
    if site.settings.current().closed() {
        return Err(AppError::BadRequest(
            "this blog has moved or was retired already".into(),
        ));
    }
    let per_server =
        serde_json::to_string(&followers_per_server(site).await?).map_err(AppError::internal)?;
    let txn = crate::db::begin_write(&site.db).await?;
    settings::put(&txn, FOLLOWERS_AT_MOVE, &per_server).await?;
    settings::put(&txn, "moved_home", &format!("{}\n{}", to.home, to.handle)).await?;
    for (actor, target) in moves {
        settings::put(&txn, &moved_to_key(&actor.name()), target.as_str()).await?;
        outbox::record(
            &txn,
            &Event::ActorMoved {
                local_actor: actor.clone(),
                target: target.to_string(),
            },
        )
        .await?;
    }
    changes::within(Change::Site, txn.commit()).await?;
    site.settings.reload(&site.db).await?;
    outbox::recorded(site);
    Ok(())
}

/// The blog is retired: its actors (the blog, and each author with followers) send `Delete`
/// of themselves to their followers and every server the blog knows, and answer 410 from now
/// on, as its pages do.
pub async fn retire(site: &Site) -> AppResult<()> {
    if site.settings.current().retired {
        return Err(AppError::BadRequest("this blog was retired already".into()));
    }
    let mut actors = vec![LocalActor::Blog];
    for (local, count) in followers::counts(&site.db).await? {
        if local != LocalActor::Blog && count > 0 {
            actors.push(local);
        }
    }
    let txn = crate::db::begin_write(&site.db).await?;
    settings::put(&txn, "retired", &site.clock.now().to_rfc3339()).await?;
    for actor in &actors {
        outbox::record(
            &txn,
            &Event::ActorDeleted {
                local_actor: actor.clone(),
            },
        )
        .await?;
    }
    changes::within(Change::Site, txn.commit()).await?;
    site.settings.reload(&site.db).await?;
    outbox::recorded(site);
    Ok(())
}

/// Refuses to publish once the blog moved (the owner publishes at the new address) or was
/// retired, with a message that says so.
pub fn refuse_when_closed(site: &Site) -> AppResult<()> {
    let settings = site.settings.current();
    if settings.retired {
        return Err(AppError::BadRequest(
            "this blog was retired: nothing can be published here any more".into(),
        ));
    }
    if let Some(target) = settings.identity("blog").moved_to {
        let home = settings
            .moved_home
            .as_ref()
            .map_or(target, |(home, _)| home.clone());
        return Err(AppError::BadRequest(format!(
            "this blog has moved to {home}: publish there"
        )));
    }
    Ok(())
}

/// How many follow each of our actors from each server, by server.
pub async fn followers_per_server(site: &Site) -> AppResult<BTreeMap<String, u64>> {
    let ids: Vec<String> = follower::Entity::find()
        .select_only()
        .column(follower::Column::ActorApId)
        .into_tuple()
        .all(&site.db)
        .await?;
    let mut counts = BTreeMap::new();
    for id in ids {
        *counts.entry(server_of(&id)).or_insert(0) += 1;
    }
    Ok(counts)
}

/// The server of the account `id`: its host, with the port when it has one.
fn server_of(id: &str) -> String {
    match Url::parse(id) {
        Ok(url) => match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => id.to_string(),
        },
        Err(_) => id.to_string(),
    }
}

/// What an old account (an alias) said of its followers when it was named.
#[derive(Debug, Clone, Default)]
pub struct OldFollowers {
    /// How many it said it had.
    pub total: Option<u64>,
    /// Who, when it lists them.
    pub ids: Vec<Url>,
}

/// Keeps who `alias` listed as its followers (replacing an earlier list), to compare with
/// who follows here once it has moved (`arrivals`).
pub async fn old_followers_listed(
    site: &Site,
    alias: &Url,
    listed: &OldFollowers,
) -> AppResult<()> {
    let now = Utc::now();
    let txn = crate::db::begin_write(&site.db).await?;
    alias_follower::Entity::delete_many()
        .filter(alias_follower::Column::Alias.eq(alias.as_str()))
        .exec(&txn)
        .await?;
    for chunk in listed.ids.chunks(200) {
        alias_follower::Entity::insert_many(chunk.iter().map(|id| alias_follower::ActiveModel {
            alias: Set(alias.to_string()),
            follower_ap_id: Set(id.to_string()),
            server: Set(server_of(id.as_str())),
            listed_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// One server's followers of an old account: how many it listed there when it was named,
/// and how many of them follow here now (came over).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arrivals {
    pub server: String,
    pub listed: u64,
    pub here: u64,
}

/// Per server, who of the followers `alias` listed follow `local` now. Empty when it listed
/// none (it hides them, or was named in /admin/settings, where nothing is read).
pub async fn arrivals(site: &Site, local: &LocalActor, alias: &str) -> AppResult<Vec<Arrivals>> {
    let listed: Vec<(String, String)> = alias_follower::Entity::find()
        .select_only()
        .column(alias_follower::Column::FollowerApId)
        .column(alias_follower::Column::Server)
        .filter(alias_follower::Column::Alias.eq(alias))
        .into_tuple()
        .all(&site.db)
        .await?;
    let here: HashSet<String> = followers::list(&site.db, Some(local))
        .await?
        .into_iter()
        .map(|f| f.actor_ap_id)
        .collect();
    let mut servers: BTreeMap<String, Arrivals> = BTreeMap::new();
    for (follower, server) in listed {
        let row = servers.entry(server.clone()).or_insert(Arrivals {
            server,
            listed: 0,
            here: 0,
        });
        row.listed += 1;
        row.here += u64::from(here.contains(&follower));
    }
    Ok(servers.into_values().collect())
}

/// One server's followers: when the blog moved, and now (those who have not moved over).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerProgress {
    pub server: String,
    pub at_move: u64,
    pub still_here: u64,
}

/// Per server, how many followers the blog had when it moved and how many still follow it
/// here: the others have moved over (or left).
pub async fn progress(site: &Site) -> AppResult<Vec<ServerProgress>> {
    let at_move: BTreeMap<String, u64> = settings::get(&site.db, FOLLOWERS_AT_MOVE)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let now = followers_per_server(site).await?;
    let mut servers: Vec<&String> = at_move.keys().chain(now.keys()).collect();
    servers.sort();
    servers.dedup();
    Ok(servers
        .into_iter()
        .map(|server| ServerProgress {
            server: server.clone(),
            at_move: at_move.get(server).copied().unwrap_or(0),
            still_here: now.get(server).copied().unwrap_or(0),
        })
        .collect())
}
