use sea_orm::entity::prelude::*;

/// An author who logs in to /admin, with the profile shown on their posts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    /// Argon2id PHC string; none until a password is set (an imported author).
    pub password_hash: Option<String>,
    pub display_name: String,
    /// Plain text.
    pub bio: String,
    pub avatar_url: Option<String>,
    /// The author's own account, `@name@server`.
    pub fediverse_handle: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
