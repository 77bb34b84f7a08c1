//! Moderation: a status per comment (approved, pending, rejected, spam), comments closed per
//! post, blocks of actors and domains, mentions of the blog kept for the owner, and where a
//! remote actor moved to.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(string(Comments::Status).default("approved"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(boolean(Posts::CommentsClosed).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Actors::Table)
                    .add_column(text_null(Actors::MovedTo))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Blocks::Table)
                    .if_not_exists()
                    .col(pk_auto(Blocks::Id))
                    .col(string(Blocks::Kind))
                    .col(string_uniq(Blocks::Value))
                    .col(timestamp_with_time_zone(Blocks::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Mentions::Table)
                    .if_not_exists()
                    .col(pk_auto(Mentions::Id))
                    .col(string_uniq(Mentions::ApId))
                    .col(string(Mentions::AuthorApId))
                    .col(text(Mentions::ContentHtml))
                    .col(text_null(Mentions::Url))
                    .col(timestamp_with_time_zone(Mentions::PublishedAt))
                    .col(timestamp_with_time_zone(Mentions::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Mentions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Blocks::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Actors::Table)
                    .drop_column(Actors::MovedTo)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::CommentsClosed)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::Status)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Status,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    CommentsClosed,
}

#[derive(DeriveIden)]
enum Actors {
    Table,
    MovedTo,
}

#[derive(DeriveIden)]
enum Blocks {
    Table,
    Id,
    Kind,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Mentions {
    Table,
    Id,
    ApId,
    AuthorApId,
    ContentHtml,
    Url,
    PublishedAt,
    ReceivedAt,
}
