use sea_orm::entity::prelude::*;

/// Something that happened and is still to be federated: a serialized `services::outbox::Event`,
/// written in the transaction of the change itself and removed in the transaction that stores
/// the activity and its deliveries.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub event: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
