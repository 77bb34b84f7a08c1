use sea_orm::entity::prelude::*;

/// Waiting to be processed, or being processed under a lease.
pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
/// Refused for good (malformed, not allowed): not tried again.
pub const REJECTED: &str = "rejected";
/// Failed on every try (a server that never answered): a dead letter for the owner to see.
pub const DEAD: &str = "dead";

/// One verified activity as received, the unit of the durable inbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The activity's own id: unique, so a redelivery stores nothing.
    #[sea_orm(unique)]
    pub activity_id: String,
    /// The signer, whose key verified the request (the activity's actor).
    pub actor: String,
    pub kind: String,
    /// The JSON document as it was sent.
    pub document: String,
    pub status: String,
    pub attempts: i32,
    pub received_at: DateTimeUtc,
    pub next_attempt_at: DateTimeUtc,
    /// Set while a request or a worker processes it; a lease that expires if that one dies.
    pub locked_until: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// Why the last try failed, or why it was refused.
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
