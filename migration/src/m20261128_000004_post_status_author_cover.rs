//! Posts get a status (published, draft, scheduled), an author account and a cover image.
//! Existing posts are published.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            string(Posts::Status).default("published").to_owned(),
            integer_null(Posts::AuthorId).to_owned(),
            text_null(Posts::CoverUrl).to_owned(),
            text_null(Posts::CoverAlt).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_status_published")
                    .table(Posts::Table)
                    .col(Posts::Status)
                    .col(Posts::PublishedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_posts_status_published")
                    .table(Posts::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Posts::Status,
            Posts::AuthorId,
            Posts::CoverUrl,
            Posts::CoverAlt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Status,
    AuthorId,
    CoverUrl,
    CoverAlt,
    PublishedAt,
}
