//! Posts that mention the blog without replying to anything of ours: listed for the owner
//! (`feder mentions`), never shown on the blog.

use crate::{db::entities::mention, error::AppResult};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, QuerySelect, sea_query::OnConflict};

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
