//! Reports (`Flag`): those other servers sent about the blog's content, shown to the owner,
//! and those the owner sent about a remote comment to its server.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .if_not_exists()
                    .col(pk_auto(Reports::Id))
                    .col(string_uniq(Reports::ApId))
                    .col(string(Reports::Direction))
                    .col(text(Reports::ActorApId))
                    .col(text(Reports::Objects))
                    .col(text(Reports::Content))
                    .col(integer_null(Reports::PostId))
                    .col(timestamp_with_time_zone(Reports::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    ApId,
    Direction,
    ActorApId,
    Objects,
    Content,
    PostId,
    CreatedAt,
}
