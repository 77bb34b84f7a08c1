//! Posts that mention the blog without replying to anything of ours: listed for the owner
//! (`feder mentions`), never shown on the blog.

use crate::{
    db::entities::{mention, notification},
    error::AppResult,
    federation::protocol::ApObject,
    render::sanitize,
    services::notifications,
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::OnConflict,
};
use url::Url;

pub async fn store(db: &DatabaseConnection, object: &ApObject, author: &Url) -> AppResult<()> {
    store_as(db, object, author, notification::MENTION, None).await
}

/// Stores a post that mentions or (`kind` = quote) quotes the blog, and tells the owner.
pub async fn store_as(
    db: &DatabaseConnection,
    object: &ApObject,
    author: &Url,
    kind: &str,
    post_id: Option<i32>,
) -> AppResult<()> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let inserted = mention::Entity::insert(mention::ActiveModel {
        ap_id: Set(object.id.to_string()),
        author_ap_id: Set(author.to_string()),
        content_html: Set(sanitize::comment_html(&object.content_html())),
        url: Set(object.html_url()),
        published_at: Set(object.published.filter(|p| *p <= now).unwrap_or(now)),
        received_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(mention::Column::ApId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted > 0 {
        notifications::record(
            &txn,
            kind,
            author.as_str(),
            post_id,
            Some(object.id.as_str()),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn latest(db: &DatabaseConnection, limit: u64) -> AppResult<Vec<mention::Model>> {
    Ok(mention::Entity::find()
        .order_by_desc(mention::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
