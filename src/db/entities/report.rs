use sea_orm::entity::prelude::*;

/// A report another server sent about the blog's content.
pub const RECEIVED: &str = "received";
/// A report the owner sent about a remote comment.
pub const SENT: &str = "sent";

/// A `Flag`, received or sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The Flag's id (ours for one we sent).
    #[sea_orm(unique)]
    pub ap_id: String,
    /// `received` or `sent`.
    pub direction: String,
    /// Received: who reported (often a server's instance actor). Sent: whom the owner reported.
    pub actor_ap_id: String,
    /// What was reported (actor and object ids), one a line.
    pub objects: String,
    /// The reason given.
    pub content: String,
    /// Our post it is about, if one of ours is named.
    pub post_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
