//! Posts that mention the blog without replying to anything of ours, and followers-only or
//! direct replies to our posts: listed for the owner (`feder mentions`), never shown on the blog
//! nor in its collections.

use crate::{db::entities::mention, error::AppResult};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::OnConflict,
};
use url::Url;

/// Stores a mention (a row the federation layer made of the remote object); a repeat changes
/// nothing.
pub async fn store(db: &DatabaseConnection, row: mention::ActiveModel) -> AppResult<()> {
    mention::Entity::insert(row)
        .on_conflict(
            OnConflict::column(mention::Column::ApId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
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
