//! Blocklist subscriptions: the address of a shared domain-block list (Mastodon's CSV export,
//! as IFTAS and Oliphant publish, or one domain a line), the domains it last listed, and
//! whether the owner applied it after seeing its effect; and the owner's exceptions, domains
//! no list blocks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Blocklists::Table)
                    .if_not_exists()
                    .col(pk_auto(Blocklists::Id))
                    .col(string_uniq(Blocklists::Url))
                    .col(text(Blocklists::Domains))
                    .col(boolean(Blocklists::Applied).default(false))
                    .col(timestamp_with_time_zone_null(Blocklists::FetchedAt))
                    .col(text_null(Blocklists::Error))
                    .col(timestamp_with_time_zone(Blocklists::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BlocklistExceptions::Table)
                    .if_not_exists()
                    .col(pk_auto(BlocklistExceptions::Id))
                    .col(string_uniq(BlocklistExceptions::Domain))
                    .col(timestamp_with_time_zone(BlocklistExceptions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BlocklistExceptions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Blocklists::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Blocklists {
    Table,
    Id,
    Url,
    Domains,
    Applied,
    FetchedAt,
    Error,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BlocklistExceptions {
    Table,
    Id,
    Domain,
    CreatedAt,
}
