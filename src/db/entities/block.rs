use sea_orm::entity::prelude::*;

pub const DOMAIN: &str = "domain";
pub const ACTOR: &str = "actor";

/// A blocked domain (and its subdomains) or a blocked actor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    /// A lower-case host name, or an actor id.
    #[sea_orm(unique)]
    pub value: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
