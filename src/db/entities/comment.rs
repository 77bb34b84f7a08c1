use sea_orm::entity::prelude::*;

/// A reply to a post or to another comment, from the fediverse, or a reply the owner wrote.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    /// The post whose thread this is in; none for the owner's replies to remote posts.
    pub post_id: Option<i32>,
    /// The id of what this replies to: the post's id or another comment's.
    pub in_reply_to: String,
    pub author_ap_id: String,
    /// Sanitized HTML, safe to render as it is.
    pub content_html: String,
    pub url: Option<String>,
    pub is_local: bool,
    pub published_at: DateTimeUtc,
    pub updated_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    /// `approved` (shown), `pending` (waits for the owner), `rejected`, `spam`.
    pub status: String,
    /// The author's name for comments without a fediverse actor (imported from another blog).
    pub author_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const APPROVED: &str = "approved";
pub const PENDING: &str = "pending";
pub const REJECTED: &str = "rejected";
pub const SPAM: &str = "spam";
