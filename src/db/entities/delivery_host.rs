use sea_orm::entity::prelude::*;

/// What we know of one destination host, shared by every node.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_hosts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub host: String,
    pub failures_in_a_row: i32,
    pub last_success_at: Option<DateTimeUtc>,
    /// When the current run of failures began.
    pub first_failure_at: Option<DateTimeUtc>,
    /// The circuit breaker: no attempts to this host before then.
    pub paused_until: Option<DateTimeUtc>,
    /// No success for 7 days: nothing is sent until the host shows a sign of life.
    pub dead: bool,
    pub last_error: Option<String>,
    /// The HTTP signature scheme this host accepted (`rfc9421`, `draft-cavage`), when known.
    pub signature_scheme: Option<String>,
    pub signature_scheme_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
