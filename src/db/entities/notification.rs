use sea_orm::entity::prelude::*;

/// Something the owner should see in /admin/notifications: a comment, a reply to one of the
/// blog's answers, a mention, a direct message, a like, a boost, a quote, a follow, an unfollow or a report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// One of the constants below.
    pub kind: String,
    /// Who did it.
    pub actor_ap_id: String,
    /// The post it is about, if any.
    pub post_id: Option<i32>,
    /// The comment or mention it is about (its ActivityPub id), if any.
    pub object_ap_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A reply to one of our posts.
pub const COMMENT: &str = "comment";
/// A reply to one of the blog's own answers.
pub const REPLY: &str = "reply";
pub const MENTION: &str = "mention";
/// A note addressed to the blog (or an author) alone, no public, no followers: a direct
/// message, or a direct reply to one of our posts or answers.
pub const DIRECT: &str = "direct";
pub const LIKE: &str = "like";
pub const BOOST: &str = "boost";
pub const QUOTE: &str = "quote";
pub const FOLLOW: &str = "follow";
pub const UNFOLLOW: &str = "unfollow";
/// A report (`Flag`) another server sent about the blog's content.
pub const REPORT: &str = "report";
