use sea_orm::entity::prelude::*;

/// A follow of one of our local actors that ended, kept for the statistics (followers over
/// time): who followed whom, from when, until when, and why it ended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follower_departures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// As `followers.local_actor`: `blog` or `author:<username>`.
    pub local_actor: String,
    pub actor_ap_id: String,
    /// One of the constants below.
    pub reason: String,
    /// When the follow began (its `followers.created_at`).
    pub followed_at: DateTimeUtc,
    pub departed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The account undid its Follow.
pub const UNFOLLOWED: &str = "unfollowed";
/// The owner removed the follower.
pub const REMOVED: &str = "removed";
/// The owner removed and blocked the follower.
pub const BLOCKED: &str = "blocked";
/// The account deleted itself.
pub const DELETED: &str = "deleted";
/// The account moved to another one (which follows anew with a Follow of its own).
pub const MOVED: &str = "moved";
