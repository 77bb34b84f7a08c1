use sea_orm::entity::prelude::*;

pub const LIKE: &str = "like";
pub const ANNOUNCE: &str = "announce";

/// A Like or an Announce (boost) of one of our posts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub activity_id: String,
    pub kind: String,
    pub post_id: i32,
    pub actor_ap_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
