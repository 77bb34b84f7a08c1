use sea_orm::entity::prelude::*;

/// One follower an old account (an alias of one of our actors) listed when it was named.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alias_followers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The old account's actor id.
    pub alias: String,
    /// Its follower's actor id.
    pub follower_ap_id: String,
    /// The follower's server (`host` or `host:port`).
    pub server: String,
    /// When the old account's list was read.
    pub listed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
