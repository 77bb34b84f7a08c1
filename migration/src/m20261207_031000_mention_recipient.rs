//! Which of our actors a mention or direct message was addressed to (`blog` or
//! `author:<username>`, as `followers.local_actor` names them), so that the answer to a
//! direct message comes from the actor it was sent to. Rows from before stay unnamed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Mentions::Table)
                    .add_column(string_null(Mentions::LocalActor))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Mentions::Table)
                    .drop_column(Mentions::LocalActor)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Mentions {
    Table,
    LocalActor,
}
