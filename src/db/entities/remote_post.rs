use sea_orm::entity::prelude::*;

/// A post received from an actor the blog follows, or boosted by one (the blog's reading
/// list, shown in the Reader).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "remote_posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub ap_id: String,
    pub actor_ap_id: String,
    pub kind: String,
    pub name: Option<String>,
    /// Sanitized HTML.
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: DateTimeUtc,
    /// When it reached the timeline (for a boost: when it was boosted).
    pub received_at: DateTimeUtc,
    /// Its `summary` as plain text: a Note's content warning, an Article's summary.
    pub summary: Option<String>,
    /// Its attachments, JSON (`services::remote_notes::Attachment`).
    pub attachments: Option<String>,
    pub in_reply_to: Option<String>,
    /// Its conversation (`context`), for opening the whole thread.
    pub context: Option<String>,
    /// The followed account whose boost brought it into the timeline.
    pub boosted_by: Option<String>,
    /// That boost's Announce (so its Undo takes it out again).
    pub announce_id: Option<String>,
    /// When the owner first saw it in the Reader; none: new.
    pub seen_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
