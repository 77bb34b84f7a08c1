use sea_orm::entity::prelude::*;

/// A remote actor that follows one of the blog's authors (`user_id`), not the blog.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "author_followers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub actor_ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub follow_activity_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
