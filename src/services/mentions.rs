//! Posts that mention the blog without replying to anything of ours: listed for the owner
//! (`feder mentions`), never shown on the blog.

use crate::{
    db::entities::mention, error::AppResult, federation::protocol::ApObject, render::sanitize,
};
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect,
    sea_query::OnConflict,
};
use url::Url;

pub async fn store(db: &DatabaseConnection, object: &ApObject, author: &Url) -> AppResult<()> {
    let now = Utc::now();
    mention::Entity::insert(mention::ActiveModel {
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
