use sea_orm::entity::prelude::*;

/// A reply to a post or to another comment: from the fediverse, written by the owner, or
/// written by a reader in the post page's comment form (`kind` web).
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
    /// `fediverse` (a reply from an actor, or the owner's) or `web` (the blog's comment form).
    pub kind: String,
    /// A web writer's e-mail (never shown) and website.
    pub author_email: Option<String>,
    pub author_website: Option<String>,
    /// Whether a web writer agreed to have the comment published into the fediverse thread.
    pub federate: bool,
    /// When it was published there (a Create was queued), so it is published once.
    pub federated_at: Option<DateTimeUtc>,
    /// SHA-256 (hex) of the secret that lets a web writer delete their comment.
    pub delete_token_hash: Option<String>,
    /// The GoToSocial `ReplyRequest` a held reply came with: approving the reply accepts it.
    pub reply_request_id: Option<String>,
    /// Mails to a web writer about answers: `asked` (confirmation sent), `on`, `off`, or none.
    pub answer_mail: Option<String>,
    /// The blog's answer to a direct message: addressed to its one recipient only, never on a
    /// page, in a collection or served to anyone who asks.
    pub direct: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const APPROVED: &str = "approved";
pub const PENDING: &str = "pending";
pub const REJECTED: &str = "rejected";
pub const SPAM: &str = "spam";

/// `answer_mail` values: double opt-in asked, confirmed, unsubscribed.
pub const ANSWER_MAIL_ASKED: &str = "asked";
pub const ANSWER_MAIL_ON: &str = "on";
pub const ANSWER_MAIL_OFF: &str = "off";

pub const FEDIVERSE: &str = "fediverse";
pub const WEB: &str = "web";
