//! `feder migrate`, `feder admin …` (authors), `feder token …` (Micropub) and `feder
//! deliveries`: keeping the blog, all on the database alone.

use super::open::{creating_database, database, urls};
use crate::{
    config::Config,
    services::{deliveries, tokens, users},
};
use anyhow::Context;

/// Connecting migrates; there is nothing else to do.
pub(super) async fn migrate(config: &Config) -> anyhow::Result<()> {
    creating_database(config).await?;
    println!("database is up to date");
    Ok(())
}

pub(super) async fn create_user(config: &Config, name: &str) -> anyhow::Result<()> {
    let urls = urls(config)?;
    let password = read_new_password()?;
    let db = database(config).await?;
    let user = users::create(&db, name, &password).await?;
    println!("created {}; log in at {}", user.username, urls.admin());
    Ok(())
}

pub(super) async fn set_password(config: &Config, name: &str) -> anyhow::Result<()> {
    let password = read_new_password()?;
    let db = database(config).await?;
    let user = users::set_password(&db, name, &password).await?;
    println!("new password set for {}", user.username);
    Ok(())
}

pub(super) async fn list_users(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for u in users::list(&db).await? {
        let login = if u.password_hash.is_some() {
            ""
        } else {
            "  (no password)"
        };
        println!("{}  {}{login}", u.username, u.display_name);
    }
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

pub(super) async fn create_token(
    config: &Config,
    scope: &str,
    user: Option<String>,
) -> anyhow::Result<()> {
    let urls = urls(config)?;
    let db = database(config).await?;
    let user_id = match user {
        Some(name) => Some(
            users::find_by_username(&db, &name)
                .await?
                .with_context(|| format!("there is no user {name:?}"))?
                .id,
        ),
        None => None,
    };
    let (secret, row) = tokens::create(&db, user_id, scope).await?;
    println!("token {} ({}): {secret}", row.id, row.scope);
    println!("Micropub endpoint: {}", urls.micropub());
    Ok(())
}

pub(super) async fn revoke_token(config: &Config, id: i32) -> anyhow::Result<()> {
    let db = database(config).await?;
    anyhow::ensure!(tokens::revoke(&db, id).await?, "no live token {id}");
    println!("revoked token {id}");
    Ok(())
}

pub(super) async fn list_tokens(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for t in tokens::list(&db).await? {
        let state = match (t.revoked_at, t.last_used_at) {
            (Some(r), _) => format!("revoked {}", r.format("%Y-%m-%d")),
            (None, Some(u)) => format!("last used {}", u.format("%Y-%m-%d %H:%M")),
            (None, None) => "never used".into(),
        };
        println!("{:>4}  {:<28}  {state}", t.id, t.scope);
    }
    Ok(())
}

/// Delivered / pending / failed per recent activity, and the hosts that fail.
pub(super) async fn deliveries(config: &Config) -> anyhow::Result<()> {
    let db = database(config).await?;
    for a in deliveries::recent(&db, 20).await? {
        println!(
            "{}  {:<8} delivered={} pending={} failed={}  {}",
            a.created_at.format("%Y-%m-%d %H:%M"),
            a.kind,
            a.delivered(),
            a.pending(),
            a.failed(),
            a.ap_id
        );
        for (host, error) in a.failing() {
            println!("        {host}: {error}");
        }
    }
    Ok(())
}
