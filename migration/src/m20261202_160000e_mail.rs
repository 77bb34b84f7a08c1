//! The mail queue: mails to the owner (a comment awaiting approval, the daily digest) recorded
//! in the transaction of what they are about, until the mail worker has handed them to the
//! SMTP server. Like the outbox, a row names what it is about; the mail is written when it is
//! sent.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Mails::Table)
                    .if_not_exists()
                    .col(pk_auto(Mails::Id))
                    .col(text(Mails::Message))
                    .col(timestamp_with_time_zone(Mails::CreatedAt))
                    .col(integer(Mails::Attempts).default(0))
                    .col(timestamp_with_time_zone(Mails::NextAttemptAt))
                    .col(text_null(Mails::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mails_next_attempt_at")
                    .table(Mails::Table)
                    .col(Mails::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Mails::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Mails {
    Table,
    Id,
    Message,
    CreatedAt,
    Attempts,
    NextAttemptAt,
    LastError,
}
