//! Shared blocklists: the owner subscribes to the address of a domain-block list (Mastodon's
//! CSV export `#domain,#severity,…`, as IFTAS and Oliphant publish it, or one domain a line),
//! sees what it would block — which domains, how many followers and shown comments — before
//! applying it, and keeps exceptions. `feder serve` fetches every list again once a day
//! (`federation::blocklist_sync`) and keeps what it got here (`record_fetched`); the blocks
//! (`blocks::Blocks`) read the applied lists' domains.

use crate::{
    db::entities::{block, blocklist, blocklist_exception, comment, follower},
    error::{AppError, AppResult, Text},
    services::{
        Site,
        blocks::{Blocks, list_domains},
        followers,
    },
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::OnConflict,
};
use std::{collections::BTreeSet, time::Duration};
use url::Url;

/// How often a subscribed list is fetched again.
pub const SYNC_EVERY: Duration = Duration::from_secs(24 * 3600);

/// A domain as blocks store it (lower case, no `*.`, `@` or trailing dot), or `None` when the
/// text is none (Mastodon's obfuscated `ex*mple.com` included: it cannot be matched).
pub fn domain(text: &str) -> Option<String> {
    let domain = text
        .trim()
        .trim_start_matches("*.")
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
    valid.then_some(domain)
}

/// The domains a list blocks: each line's first field, the header (`#domain,…`, `domain,…`),
/// comments (`#…`) and rows of severity `noop` left out.
pub fn parse(text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') || line.starts_with("domain,") {
            continue;
        }
        let mut fields = line.split(',');
        let first = fields.next().unwrap_or_default();
        let severity = fields.next().unwrap_or_default().trim();
        if severity.eq_ignore_ascii_case("noop") {
            continue;
        }
        if let Some(d) = domain(first) {
            out.insert(d);
        }
    }
    out.into_iter().collect()
}

/// Subscribes to the list at `url` (not applied until the owner has seen its effect).
pub async fn subscribe(site: &Site, url: &str) -> AppResult<blocklist::Model> {
    let url = Url::parse(url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| AppError::Invalid(Text::with("error_list_address", [url])))?;
    blocklist::Entity::insert(blocklist::ActiveModel {
        url: Set(url.to_string()),
        domains: Set(String::new()),
        applied: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(blocklist::Column::Url)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&site.db)
    .await?;
    blocklist::Entity::find()
        .filter(blocklist::Column::Url.eq(url.as_str()))
        .one(&site.db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(site: &Site) -> AppResult<Vec<blocklist::Model>> {
    Ok(blocklist::Entity::find()
        .order_by_asc(blocklist::Column::Id)
        .all(&site.db)
        .await?)
}

pub async fn find(site: &Site, id: i32) -> AppResult<blocklist::Model> {
    blocklist::Entity::find_by_id(id)
        .one(&site.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Applies the list (its domains are blocked from now on, and on every later fetch), or
/// with `applied` false stops applying it.
pub async fn set_applied(site: &Site, id: i32, applied: bool) -> AppResult<()> {
    let mut row: blocklist::ActiveModel = find(site, id).await?.into();
    row.applied = Set(applied);
    row.update(&site.db).await?;
    site.blocks.invalidate();
    if applied {
        followers::remove_blocked(site).await?;
    }
    Ok(())
}

pub async fn unsubscribe(site: &Site, id: i32) -> AppResult<()> {
    blocklist::Entity::delete_by_id(id).exec(&site.db).await?;
    site.blocks.invalidate();
    Ok(())
}

/// Adds an exception: `domain` (and its subdomains) is blocked by no list.
pub async fn except(site: &Site, text: &str) -> AppResult<String> {
    let domain =
        domain(text).ok_or_else(|| AppError::Invalid(Text::with("error_no_domain", [text])))?;
    blocklist_exception::Entity::insert(blocklist_exception::ActiveModel {
        domain: Set(domain.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(blocklist_exception::Column::Domain)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&site.db)
    .await?;
    site.blocks.invalidate();
    Ok(domain)
}

pub async fn remove_exception(site: &Site, domain: &str) -> AppResult<()> {
    blocklist_exception::Entity::delete_many()
        .filter(blocklist_exception::Column::Domain.eq(domain.trim().to_ascii_lowercase()))
        .exec(&site.db)
        .await?;
    site.blocks.invalidate();
    followers::remove_blocked(site).await?;
    Ok(())
}

pub async fn exceptions(site: &Site) -> AppResult<Vec<String>> {
    Ok(blocklist_exception::Entity::find()
        .order_by_asc(blocklist_exception::Column::Domain)
        .all(&site.db)
        .await?
        .into_iter()
        .map(|e| e.domain)
        .collect())
}

/// What applying a list changes: the domains it would block that are not blocked yet, those
/// an exception lets through, and the followers and shown comments from its domains.
#[derive(Debug, Default)]
pub struct Effect {
    pub newly_blocked: Vec<String>,
    pub excepted: Vec<String>,
    pub followers: Vec<String>,
    pub comments: usize,
}

/// The effect of `list` on the blog as it is now (the other blocks as they are).
pub async fn effect(site: &Site, list: &blocklist::Model) -> AppResult<Effect> {
    let exceptions = exceptions(site).await?;
    let own: BTreeSet<String> = block::Entity::find()
        .filter(block::Column::Kind.eq(block::DOMAIN))
        .all(&site.db)
        .await?
        .into_iter()
        .map(|b| b.value)
        .collect();
    let alone = Blocks::of_list(list_domains(list), &exceptions);
    let current = site.blocks.current(&site.db).await?;
    let mut effect = Effect::default();
    for d in list_domains(list) {
        if alone.blocks_domain(d) {
            if !own.contains(d) {
                effect.newly_blocked.push(d.to_string());
            }
        } else {
            effect.excepted.push(d.to_string());
        }
    }
    let followers: Vec<String> = follower::Entity::find()
        .select_only()
        .column(follower::Column::ActorApId)
        .distinct()
        .into_tuple()
        .all(&site.db)
        .await?;
    effect.followers = followers
        .into_iter()
        .filter(|f| alone.blocks(f) && !current.blocks(f))
        .collect();
    let authors: Vec<String> = comment::Entity::find()
        .select_only()
        .column(comment::Column::AuthorApId)
        .filter(comment::Column::Status.eq(comment::APPROVED))
        .filter(comment::Column::DeletedAt.is_null())
        .filter(comment::Column::IsLocal.eq(false))
        .into_tuple()
        .all(&site.db)
        .await?;
    effect.comments = authors
        .iter()
        .filter(|a| alone.blocks(a) && !current.blocks(a))
        .count();
    Ok(effect)
}

/// Keeps what one fetch of the list `id` gave: its domains, or why it could not be had.
pub async fn record_fetched(
    site: &Site,
    id: i32,
    fetched: Result<String, String>,
) -> AppResult<()> {
    let list = find(site, id).await?;
    let applied = list.applied;
    let mut row: blocklist::ActiveModel = list.into();
    row.fetched_at = Set(Some(Utc::now()));
    match fetched {
        Ok(text) => {
            row.domains = Set(parse(&text).join("\n"));
            row.error = Set(None);
        }
        Err(e) => {
            tracing::warn!(error = %e, "blocklist fetch failed");
            row.error = Set(Some(e));
        }
    }
    row.update(&site.db).await?;
    if applied {
        site.blocks.invalidate();
        followers::remove_blocked(site).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn mastodon_csv_and_plain_lists() {
        let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                   Spam.example,suspend,true,true,Spam,false\n\
                   quiet.example,noop,false,false,,false\n\
                   *.wild.example,silence,false,false,\"a, b\",false\n\
                   ex*mple.com,suspend,false,false,,true\n";
        assert_eq!(parse(csv), vec!["spam.example", "wild.example"]);
        let plain = "\u{feff}# a comment\nbad.example\n\nworse.example.\n";
        assert_eq!(parse(plain), vec!["bad.example", "worse.example"]);
    }
}
