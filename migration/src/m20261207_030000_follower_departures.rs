//! Follows that ended: the account undid its Follow, the owner removed (or blocked) it, it
//! deleted itself or moved away. Kept with the time the follow began, so the followers chart
//! of /admin/stats goes down when followers leave and can tell how many followed on any day.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FollowerDepartures::Table)
                    .if_not_exists()
                    .col(pk_auto(FollowerDepartures::Id))
                    .col(text(FollowerDepartures::LocalActor))
                    .col(text(FollowerDepartures::ActorApId))
                    .col(text(FollowerDepartures::Reason))
                    .col(timestamp_with_time_zone(FollowerDepartures::FollowedAt))
                    .col(timestamp_with_time_zone(FollowerDepartures::DepartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FollowerDepartures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FollowerDepartures {
    Table,
    Id,
    LocalActor,
    ActorApId,
    Reason,
    FollowedAt,
    DepartedAt,
}
