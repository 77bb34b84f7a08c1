use sea_orm::entity::prelude::*;

/// A subscribed shared domain-block list.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocklists")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Where the list is fetched from.
    #[sea_orm(unique)]
    pub url: String,
    /// The domains it listed when last fetched, one a line (lower case).
    pub domains: String,
    /// Whether its domains are blocked: the owner saw the list's effect and applied it.
    pub applied: bool,
    pub fetched_at: Option<DateTimeUtc>,
    /// Why the last fetch failed (the domains of the one before stay).
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
