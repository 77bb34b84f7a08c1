use sea_orm::entity::prelude::*;

/// An old address (of an imported post) that answers 301 to its new one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redirects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Percent-decoded path (and query, for `/?p=123`), without a trailing slash.
    #[sea_orm(unique)]
    pub old_path: String,
    /// A path on this blog, e.g. `/posts/slug`.
    pub target: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
