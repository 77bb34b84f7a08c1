//! Who sends each stored activity (`sender`, the actor's id) and whether it is addressed to
//! that actor's followers (`to_followers`: its deliveries then carry the FEP-8fcf digest),
//! written when it is queued, so the delivery worker signs and sends the stored text without
//! reading it again. Activities stored before get their sender from their JSON here; they go
//! without the digest, which is optional.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(text_null(Activities::Sender))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(boolean(Activities::ToFollowers).default(false))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let sender = match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => "CAST(json AS jsonb) ->> 'actor'",
            _ => "json_extract(json, '$.actor')",
        };
        db.execute_unprepared(&format!("UPDATE activities SET sender = {sender}"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Activities::ToFollowers, Activities::Sender] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Activities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Sender,
    ToFollowers,
}
