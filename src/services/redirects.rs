//! Old addresses of imported posts and pages (WordPress `/2019/05/slug/`, `/?p=123`, feeds,
//! categories, date archives, uploads) and where they point now.

use crate::{db::entities::redirect, error::AppResult};
use axum::http::Uri;
use chrono::Utc;
use percent_encoding::percent_decode_str;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, sea_query::OnConflict,
};

/// Query parameters that name a WordPress page by themselves (`/?p=123`, `/?feed=rss2`);
/// every other query (`utm_source`…) is noise.
const KEYS: &[&str] = &[
    "p",
    "page_id",
    "feed",
    "cat",
    "tag",
    "author",
    "m",
    "attachment_id",
];

/// The form old paths are stored and looked up in: percent-decoded, without a trailing slash,
/// with only the query parameters of `KEYS` (in that order).
pub fn normalize(path: &str, query: Option<&str>) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let trimmed = decoded.trim_end_matches('/');
    let mut key = if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    };
    let pairs: Vec<(String, String)> = query
        .into_iter()
        .flat_map(|q| url::form_urlencoded::parse(q.as_bytes()))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut separator = '?';
    for wanted in KEYS {
        if let Some((k, v)) = pairs.iter().find(|(k, _)| k == wanted) {
            key.push(separator);
            key.push_str(k);
            key.push('=');
            key.push_str(v);
            separator = '&';
        }
    }
    key
}

/// The key of `old`, a URL or a path with its query.
fn key_of(old: &str) -> String {
    let (path, query) = match url::Url::parse(old) {
        Ok(url) => (url.path().to_string(), url.query().map(str::to_string)),
        Err(_) => match old.split_once('?') {
            Some((path, query)) => (path.to_string(), Some(query.to_string())),
            None => (old.to_string(), None),
        },
    };
    normalize(&path, query.as_deref())
}

/// Records that `old` (a URL or a path) now lives at `target` (a path); the first record of
/// an old address stays. Whether it was new.
pub async fn add(db: &impl ConnectionTrait, old: &str, target: &str) -> AppResult<bool> {
    let key = key_of(old);
    if key == "/" || key == target {
        return Ok(false);
    }
    let inserted = redirect::Entity::insert(redirect::ActiveModel {
        old_path: Set(key),
        target: Set(target.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(redirect::Column::OldPath)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// Where an old address (a URL or a path with its query) points, if it is known.
pub async fn target_of(db: &impl ConnectionTrait, old: &str) -> AppResult<Option<String>> {
    Ok(redirect::Entity::find()
        .filter(redirect::Column::OldPath.eq(key_of(old)))
        .one(db)
        .await?
        .map(|r| r.target))
}

/// Where a request for an old address should go.
pub async fn target(db: &impl ConnectionTrait, uri: &Uri) -> AppResult<Option<String>> {
    let key = normalize(uri.path(), uri.query());
    if key == "/" {
        return Ok(None);
    }
    Ok(redirect::Entity::find()
        .filter(redirect::Column::OldPath.eq(key))
        .one(db)
        .await?
        .map(|r| r.target))
}

/// How many redirects there are and the highest id: changes whenever one is added or removed.
pub async fn version(db: &impl ConnectionTrait) -> AppResult<(u64, i32)> {
    let count = redirect::Entity::find().count(db).await?;
    let max: Option<i32> = redirect::Entity::find()
        .select_only()
        .column_as(redirect::Column::Id.max(), "max")
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok((count, max.unwrap_or(0)))
}

pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<redirect::Model>> {
    Ok(redirect::Entity::find().all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_paths() {
        assert_eq!(normalize("/2019/05/old-slug/", None), "/2019/05/old-slug");
        assert_eq!(
            normalize("/2019/05/gr%C3%BC%C3%9Fe/", Some("utm_source=x")),
            "/2019/05/grüße"
        );
        assert_eq!(normalize("/", Some("p=123")), "/?p=123");
        assert_eq!(
            normalize("/", Some("utm=1&feed=rss2&p=4")),
            "/?p=4&feed=rss2"
        );
        assert_eq!(key_of("https://old.example/?page_id=19"), "/?page_id=19");
        assert_eq!(key_of("/feed/atom/"), "/feed/atom");
    }
}
