use sea_orm::entity::prelude::*;

/// A post that mentions the blog without replying to anything of ours: for the owner only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mentions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub author_ap_id: String,
    /// Sanitized HTML.
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
