use sea_orm::entity::prelude::*;

/// Permission the blog granted for an interaction with one of its posts: a quote post
/// (FEP-044f `QuoteAuthorization`) or a reply that waited for approval (GoToSocial's
/// `ReplyAuthorization`). Served at its own URL while valid; a revoked one answers 410.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "authorizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `QUOTE` or `REPLY`.
    pub kind: String,
    /// The post interacted with.
    pub post_id: i32,
    /// The quote post or the reply (its ActivityPub id).
    pub interacting_object: String,
    /// Who asked: the author of `interacting_object`.
    pub actor_ap_id: String,
    /// The QuoteRequest or ReplyRequest it answered, when there was one.
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const QUOTE: &str = "quote";
pub const REPLY: &str = "reply";
