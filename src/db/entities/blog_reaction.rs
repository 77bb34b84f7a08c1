use sea_orm::entity::prelude::*;

pub const LIKE: &str = "like";
pub const ANNOUNCE: &str = "announce";
pub const QUOTE: &str = "quote";

/// `state`: sent (a quote: waiting for its author's server), accepted, rejected.
pub const SENT: &str = "sent";
pub const ACCEPTED: &str = "accepted";
pub const REJECTED: &str = "rejected";

/// The blog's own like, boost or quote of a remote post (from the Reader): one of each kind
/// per post, kept so it can be taken back (`Undo`) and a quote shown as pending.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blog_reactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    pub object_ap_id: String,
    /// The post's author, to whose inbox the activity goes.
    pub object_author: String,
    /// The Like, Announce or QuoteRequest sent.
    #[sea_orm(unique)]
    pub activity_id: String,
    /// A quote's own note (the QuoteRequest's `instrument`).
    pub note_ap_id: Option<String>,
    /// A quote's own words (sanitized HTML).
    pub content_html: Option<String>,
    pub state: String,
    /// The QuoteAuthorization the author's server granted.
    pub authorization: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
