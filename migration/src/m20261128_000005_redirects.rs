//! Old addresses of imported posts (e.g. WordPress `/2019/05/slug/`), answered with a 301.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Redirects::Table)
                    .if_not_exists()
                    .col(pk_auto(Redirects::Id))
                    .col(string_uniq(Redirects::OldPath))
                    .col(text(Redirects::Target))
                    .col(timestamp_with_time_zone(Redirects::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Redirects::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Redirects {
    Table,
    Id,
    OldPath,
    Target,
    CreatedAt,
}
