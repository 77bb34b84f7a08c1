use sea_orm::entity::prelude::*;

/// A post that mentions the blog without replying to anything of ours, or a followers-only or
/// direct reply to one of our posts or comments: for the owner only, never on a page.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mentions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub author_ap_id: String,
    /// Sanitized HTML.
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    /// What a non-public reply answers (one of our posts or comments); none for a mention.
    pub in_reply_to: Option<String>,
    /// `public` (a mention), `followers` or `direct`.
    pub visibility: String,
    /// The one of our actors it was sent to (`blog`, `author:<username>`); none when it named
    /// none of them or was stored before this was kept.
    pub local_actor: Option<String>,
}

pub const PUBLIC: &str = "public";
pub const FOLLOWERS: &str = "followers";
pub const DIRECT: &str = "direct";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
