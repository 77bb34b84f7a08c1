//! The followers an old account listed when the blog named it in `alsoKnownAs` (an alias):
//! /admin/moving compares them, per server, with who follows the blog now.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AliasFollowers::Table)
                    .if_not_exists()
                    .col(pk_auto(AliasFollowers::Id))
                    .col(text(AliasFollowers::Alias))
                    .col(text(AliasFollowers::FollowerApId))
                    .col(text(AliasFollowers::Server))
                    .col(timestamp_with_time_zone(AliasFollowers::ListedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alias_followers_alias_follower")
                    .table(AliasFollowers::Table)
                    .col(AliasFollowers::Alias)
                    .col(AliasFollowers::FollowerApId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AliasFollowers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AliasFollowers {
    Table,
    Id,
    Alias,
    FollowerApId,
    Server,
    ListedAt,
}
