//! Which HTTP signature scheme to knock with first, per host ("double knock", as Fedify does):
//! RFC 9421 unless the host is known to take only draft-cavage. What a host accepted is kept
//! in `delivery_hosts` (it survives restarts and is shared by the nodes, which read it when
//! they start) and in memory (the hot path reads no row).

use crate::{
    db::{entities::delivery_host, is_postgres, placeholder},
    error::AppResult,
    federation::signatures::Scheme,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Statement,
    Value as DbValue,
};
use std::{collections::HashMap, sync::Mutex};

/// A host that took only cavage is asked in RFC 9421 again after this long: servers upgrade
/// (Mastodon accepts RFC 9421 since 4.5), and the second knock costs one request per month.
/// Fedify remembers for good.
const RETRY_RFC9421_AFTER_DAYS: i64 = 30;

/// The statuses that mean "I did not accept this signature": 401 (Mastodon, GoToSocial,
/// Akkoma, Misskey, Fedify) and 400 (servers that cannot parse a header they do not know), the
/// two on which Mastodon 4.7 knocks again itself. Fedify knocks again on any status from 400
/// up; but a 403 is a refusal of us (a block), a 404 or 410 of the inbox, and after a 5xx a
/// second request only adds load to a host in trouble.
pub fn refused_signature(status: u16) -> bool {
    matches!(status, 400 | 401)
}

/// The remembered schemes of the hosts that do not take RFC 9421 (absent: RFC 9421 first).
#[derive(Default)]
pub struct SchemeMemory {
    cavage_since: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl SchemeMemory {
    /// The memory as the database has it.
    pub async fn load(db: &DatabaseConnection) -> AppResult<SchemeMemory> {
        let cavage_since = delivery_host::Entity::find()
            .filter(delivery_host::Column::SignatureScheme.eq(Scheme::Cavage.name()))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|h| Some((h.host, h.signature_scheme_at?)))
            .collect();
        Ok(SchemeMemory {
            cavage_since: Mutex::new(cavage_since),
        })
    }

    /// The scheme to sign with first for `host`.
    pub fn first(&self, host: &str, now: DateTime<Utc>) -> Scheme {
        let map = self.cavage_since.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(host) {
            Some(since) if now - *since < Duration::days(RETRY_RFC9421_AFTER_DAYS) => {
                Scheme::Cavage
            }
            _ => Scheme::Rfc9421,
        }
    }

    /// `host` accepted a request signed in `scheme`: remembered (and stored) when that
    /// changes what we knock with first, else nothing is written.
    pub async fn accepted(
        &self,
        db: &DatabaseConnection,
        host: &str,
        scheme: Scheme,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        {
            let mut map = self.cavage_since.lock().unwrap_or_else(|e| e.into_inner());
            let changed = match scheme {
                Scheme::Rfc9421 => map.remove(host).is_some(),
                // Also when a month-old cavage entry is confirmed again.
                Scheme::Cavage => map
                    .insert(host.to_string(), now)
                    .is_none_or(|since| now - since >= Duration::days(RETRY_RFC9421_AFTER_DAYS)),
            };
            if !changed {
                return Ok(());
            }
        }
        store(db, host, scheme, now).await
    }
}

/// Upserts the host's row with its scheme (the row may not exist: it is made on a first
/// failure or here).
async fn store(
    db: &DatabaseConnection,
    host: &str,
    scheme: Scheme,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let postgres = is_postgres(db);
    let p = |n| placeholder(postgres, n);
    let sql = format!(
        "INSERT INTO delivery_hosts (host, failures_in_a_row, dead, signature_scheme, signature_scheme_at) \
         VALUES ({p1}, 0, {p2}, {p3}, {p4}) \
         ON CONFLICT (host) DO UPDATE SET signature_scheme = excluded.signature_scheme, \
         signature_scheme_at = excluded.signature_scheme_at",
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        p4 = p(4),
    );
    let stmt = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [
            DbValue::from(host),
            DbValue::from(false),
            DbValue::from(scheme.name()),
            DbValue::from(now),
        ],
    );
    db.execute_raw(stmt).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cavage_is_tried_first_for_a_month() {
        let memory = SchemeMemory::default();
        let now = Utc::now();
        assert_eq!(memory.first("a.test", now), Scheme::Rfc9421);
        memory
            .cavage_since
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert("a.test".into(), now);
        assert_eq!(memory.first("a.test", now), Scheme::Cavage);
        assert_eq!(memory.first("b.test", now), Scheme::Rfc9421);
        assert_eq!(
            memory.first("a.test", now + Duration::days(31)),
            Scheme::Rfc9421
        );
        assert!(refused_signature(401) && !refused_signature(403) && !refused_signature(503));
    }
}
