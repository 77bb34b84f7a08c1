//! Old addresses (of an imported blog) answer 301 to their new ones, whatever the path and
//! query, routed or not (`/?p=123` is the home page's path). The redirect table is kept in
//! memory and re-read only when it changed (checked once a second, and after every write of
//! this process), so a blog without redirects pays one comparison per request. Unrouted addresses end on the 404 page.

use crate::{
    db::changes,
    error::AppResult,
    federation::state::AppState,
    services::redirects::{self, normalize},
    web::pages,
};
use activitypub_federation::config::Data;
use axum::{
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sea_orm::DatabaseConnection;
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

/// How stale the in-memory table may be: the CLI's imports show within this time.
const RECHECK: Duration = Duration::from_secs(1);

/// The redirect table as this process last read it.
pub struct RedirectCache {
    db: DatabaseConnection,
    changes: Arc<changes::Log>,
    table: RwLock<Table>,
}

struct Table {
    checked: Option<Instant>,
    /// This process's write count at the check: a write here (an import) is seen at once.
    writes: u64,
    version: (u64, i32),
    targets: Arc<HashMap<String, String>>,
}

impl RedirectCache {
    pub fn new(db: DatabaseConnection, changes: Arc<changes::Log>) -> RedirectCache {
        RedirectCache {
            db,
            changes,
            table: RwLock::new(Table {
                checked: None,
                writes: 0,
                version: (0, 0),
                targets: Arc::new(HashMap::new()),
            }),
        }
    }

    /// The table, re-read when it changed since the last check.
    async fn targets(&self) -> AppResult<Arc<HashMap<String, String>>> {
        let writes = self.changes.site_version();
        let fresh =
            |t: &Table| t.writes == writes && t.checked.is_some_and(|c| c.elapsed() < RECHECK);
        {
            let table = self.table.read().unwrap_or_else(|e| e.into_inner());
            if fresh(&table) {
                return Ok(table.targets.clone());
            }
        }
        let version = redirects::version(&self.db).await?;
        let unchanged = {
            let table = self.table.read().unwrap_or_else(|e| e.into_inner());
            table.checked.is_some() && table.version == version
        };
        let targets = if unchanged {
            None
        } else {
            let all = redirects::all(&self.db).await?;
            Some(Arc::new(
                all.into_iter().map(|r| (r.old_path, r.target)).collect(),
            ))
        };
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        table.checked = Some(Instant::now());
        table.writes = writes;
        table.version = version;
        if let Some(targets) = targets {
            table.targets = targets;
        }
        Ok(table.targets.clone())
    }
}

/// The layer: a 301 for a known old address, else the request goes on.
pub async fn serve(
    State(cache): State<Arc<RedirectCache>>,
    request: Request,
    next: Next,
) -> Response {
    let targets = match cache.targets().await {
        Ok(t) => t,
        // Without the table the blog still answers its own addresses.
        Err(e) => {
            tracing::warn!(error = %e, "redirect table not read");
            return next.run(request).await;
        }
    };
    if !targets.is_empty() {
        let uri = request.uri();
        let key = normalize(uri.path(), uri.query());
        if let Some(target) = targets.get(&key) {
            return (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, target.clone())],
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// Addresses that are not routes: the 404 page.
pub async fn fallback(data: Data<AppState>, headers: HeaderMap) -> Response {
    pages::not_found(data, headers).await
}
