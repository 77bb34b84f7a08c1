use sea_orm::entity::prelude::*;

/// Something that happened and is still to be federated: a serialized `services::outbox::Event`,
/// written in the transaction of the change itself and removed in the transaction that stores
/// the activity and its deliveries. One that fails is tried again later, and after the last try
/// is a dead letter (`dead_at`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event: String,
    pub created_at: DateTimeUtc,
    /// Tries that failed to turn it into activities.
    pub attempts: i32,
    /// When it is tried again after a failure (none: at once).
    pub next_attempt_at: Option<DateTimeUtc>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Set when it failed on every try: a dead letter, kept aside until the owner retries it.
    pub dead_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
