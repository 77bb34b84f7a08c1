use sea_orm::entity::prelude::*;

/// A post received from an actor the blog follows (the blog's reading list).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "remote_posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub actor_ap_id: String,
    pub kind: String,
    pub name: Option<String>,
    /// Sanitized HTML.
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
