//! The replay cache: ids of activities processed within the signature window, in memory and
//! in the database (`seen_activities`, so a restart forgets nothing). A captured request sent
//! again while its signature is still valid (a Like after its Undo, a Follow after the
//! Unfollow) is answered 202 and ignored; after the window its signature is refused anyway.

use crate::{
    error::{AppError, AppResult},
    federation::signatures::WINDOW_SECONDS,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};
use std::{collections::HashMap, sync::Mutex};

/// Signatures are valid an hour either way: an id is remembered for both hours and a margin.
fn keep() -> Duration {
    Duration::seconds(WINDOW_SECONDS * 2 + 600)
}

/// The in-memory front holds at most this many ids; the database holds the rest.
const MEMORY: usize = 100_000;

#[derive(Default)]
pub struct ReplayCache {
    recent: Mutex<HashMap<String, DateTime<Utc>>>,
}

fn table() -> Alias {
    Alias::new("seen_activities")
}

impl ReplayCache {
    /// Whether `id` was processed within the window.
    pub async fn seen(&self, db: &DatabaseConnection, id: &str) -> AppResult<bool> {
        let since = Utc::now() - keep();
        {
            let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.get(id).is_some_and(|at| *at > since) {
                return Ok(true);
            }
        }
        let query = Query::select()
            .expr(Expr::col(Alias::new("activity_id")))
            .from(table())
            .and_where(Expr::col(Alias::new("activity_id")).eq(id))
            .and_where(Expr::col(Alias::new("seen_at")).gt(since))
            .to_owned();
        let backend = db.get_database_backend();
        Ok(db.query_one_raw(backend.build(&query)).await?.is_some())
    }

    /// Remembers `id` as processed.
    pub async fn remember(&self, db: &DatabaseConnection, id: &str) -> AppResult<()> {
        let now = Utc::now();
        let prune = {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            let full = recent.len() >= MEMORY;
            if full {
                let since = now - keep();
                recent.retain(|_, at| *at > since);
                if recent.len() >= MEMORY {
                    recent.clear();
                }
            }
            recent.insert(id.to_string(), now);
            full || rand::random::<u16>() < 64
        };
        let backend = db.get_database_backend();
        let mut insert = Query::insert();
        insert
            .into_table(table())
            .columns([Alias::new("activity_id"), Alias::new("seen_at")]);
        insert
            .values([id.into(), now.into()])
            .map_err(AppError::internal)?;
        insert.on_conflict(
            OnConflict::column(Alias::new("activity_id"))
                .update_column(Alias::new("seen_at"))
                .to_owned(),
        );
        db.execute_raw(backend.build(&insert)).await?;
        if prune {
            let delete = Query::delete()
                .from_table(table())
                .and_where(Expr::col(Alias::new("seen_at")).lt(now - keep()))
                .to_owned();
            db.execute_raw(backend.build(&delete)).await?;
        }
        Ok(())
    }
}
