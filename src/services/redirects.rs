//! Old addresses of imported posts (WordPress `/2019/05/slug/`, `/?p=123`) and where they
//! point now.

use crate::{db::entities::redirect, error::AppResult};
use axum::http::Uri;
use chrono::Utc;
use percent_encoding::percent_decode_str;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};

/// The form old paths are stored and looked up in: percent-decoded, without a trailing slash,
/// with the query only when it is WordPress's `p=` (other queries are noise).
pub fn normalize(path: &str, query: Option<&str>) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let trimmed = decoded.trim_end_matches('/');
    let mut key = if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    };
    if let Some(post_id) = query
        .into_iter()
        .flat_map(|q| url::form_urlencoded::parse(q.as_bytes()))
        .find(|(k, _)| k == "p")
        .map(|(_, v)| v.to_string())
    {
        key.push_str("?p=");
        key.push_str(&post_id);
    }
    key
}

/// Records that `old` (a URL or a path) now lives at `target` (a path); the first record of
/// an old address stays.
pub async fn add(db: &DatabaseConnection, old: &str, target: &str) -> AppResult<()> {
    let (path, query) = match url::Url::parse(old) {
        Ok(url) => (url.path().to_string(), url.query().map(str::to_string)),
        Err(_) => match old.split_once('?') {
            Some((path, query)) => (path.to_string(), Some(query.to_string())),
            None => (old.to_string(), None),
        },
    };
    let key = normalize(&path, query.as_deref());
    if key == "/" || key == target {
        return Ok(());
    }
    redirect::Entity::insert(redirect::ActiveModel {
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
    Ok(())
}

/// Where a request for an old address should go.
pub async fn target(db: &DatabaseConnection, uri: &Uri) -> AppResult<Option<String>> {
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

pub async fn all(db: &DatabaseConnection) -> AppResult<Vec<redirect::Model>> {
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
    }
}
