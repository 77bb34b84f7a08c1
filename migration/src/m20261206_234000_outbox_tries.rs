//! Outbox events that fail to become activities are tried again with backoff and, after a
//! bounded number of tries, kept aside as dead letters instead of holding back every later
//! event: how often each was tried (`attempts`), when it is due again (`next_attempt_at`,
//! none: at once), why the last try failed (`last_error`) and when it was given up
//! (`dead_at`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        let columns = [
            integer(OutboxEvents::Attempts).default(0).to_owned(),
            timestamp_with_time_zone_null(OutboxEvents::NextAttemptAt),
            text_null(OutboxEvents::LastError),
            timestamp_with_time_zone_null(OutboxEvents::DeadAt),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(OutboxEvents::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            OutboxEvents::DeadAt,
            OutboxEvents::LastError,
            OutboxEvents::NextAttemptAt,
            OutboxEvents::Attempts,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OutboxEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Attempts,
    NextAttemptAt,
    LastError,
    DeadAt,
}
