//! Keyword and phrase filters: a comment (from the fediverse or the web form) whose text holds
//! one of them waits for the owner, or is rejected, whatever the comment policy says.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CommentFilters::Table)
                    .if_not_exists()
                    .col(pk_auto(CommentFilters::Id))
                    .col(string_uniq(CommentFilters::Phrase))
                    .col(string(CommentFilters::Action))
                    .col(timestamp_with_time_zone(CommentFilters::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CommentFilters::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CommentFilters {
    Table,
    Id,
    Phrase,
    Action,
    CreatedAt,
}
