use sea_orm::entity::prelude::*;

/// A remote actor we have fetched: a follower, a commenter, someone we follow.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub kind: String,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub url: Option<String>,
    pub icon_url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub domain: String,
    pub fetched_at: DateTimeUtc,
    /// The account this one moved to (`Move`), shown as its profile link.
    pub moved_to: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
