//! Posts that mention the blog without replying to anything of ours, and followers-only or
//! direct replies to our posts: listed for the owner (`feder mentions`), never shown on the blog
//! nor in its collections.

use crate::{
    db::entities::{mention, notification},
    error::AppResult,
    services::notifications,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, sea_query::OnConflict,
};
use url::Url;

/// Stores a mention (a row the federation layer made of the remote object); a repeat changes
/// nothing.
pub async fn store(db: &DatabaseConnection, row: mention::ActiveModel) -> AppResult<()> {
    store_as(db, row, notification::MENTION, None).await
}

/// Stores a post that mentions or (`kind` = quote) quotes the blog, and tells the owner in the
/// same transaction.
pub async fn store_as(
    db: &DatabaseConnection,
    row: mention::ActiveModel,
    kind: &str,
    post_id: Option<i32>,
) -> AppResult<()> {
    let (id, author) = match (&row.ap_id, &row.author_ap_id) {
        (sea_orm::ActiveValue::Set(id), sea_orm::ActiveValue::Set(author)) => {
            (id.clone(), author.clone())
        }
        _ => (String::new(), String::new()),
    };
    let txn = db.begin().await?;
    let inserted = mention::Entity::insert(row)
        .on_conflict(
            OnConflict::column(mention::Column::ApId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    if inserted > 0 && !author.is_empty() {
        notifications::record(&txn, kind, &author, post_id, Some(&id)).await?;
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

/// Removes a mention or private reply its author deleted. Returns whether there was one.
pub async fn remove(db: &DatabaseConnection, id: &Url, author: &Url) -> AppResult<bool> {
    let result = mention::Entity::delete_many()
        .filter(mention::Column::ApId.eq(id.as_str()))
        .filter(mention::Column::AuthorApId.eq(author.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Removes everything of an actor that was deleted.
pub async fn remove_by_author(db: &DatabaseConnection, author: &Url) -> AppResult<u64> {
    let result = mention::Entity::delete_many()
        .filter(mention::Column::AuthorApId.eq(author.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
