//! Ids of activities already received within the signature window, so that a captured
//! request replayed (even after a restart) is not processed twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SeenActivities::Table)
                    .if_not_exists()
                    .col(string(SeenActivities::ActivityId).primary_key())
                    .col(timestamp_with_time_zone(SeenActivities::SeenAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_seen_activities_seen_at")
                    .table(SeenActivities::Table)
                    .col(SeenActivities::SeenAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SeenActivities::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum SeenActivities {
    Table,
    ActivityId,
    SeenAt,
}
