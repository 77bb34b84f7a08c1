use sea_orm::entity::prelude::*;

/// A matching comment waits for the owner.
pub const HOLD: &str = "hold";
/// A matching comment is rejected (the owner finds it under "Rejected").
pub const REJECT: &str = "reject";

/// A word or phrase the owner does not want in comments shown at once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comment_filters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Lower case, single spaces: matched as whole words, whatever their case.
    #[sea_orm(unique)]
    pub phrase: String,
    /// `hold` or `reject`.
    pub action: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
