//! Followers-only and direct replies to our posts are kept for the owner beside mentions: the
//! row says what it replies to and how it was addressed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Mentions::Table)
                    .add_column(text_null(Mentions::InReplyTo))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Mentions::Table)
                    .add_column(string_len(Mentions::Visibility, 16).default("public"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Mentions::Visibility, Mentions::InReplyTo] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Mentions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Mentions {
    Table,
    InReplyTo,
    Visibility,
}
