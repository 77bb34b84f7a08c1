//! Which HTTP signature scheme a host accepted (`rfc9421` or `draft-cavage`) and when we
//! learned it, so that a restart or another node does not knock twice at every cavage-only host.

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
                    .table(DeliveryHosts::Table)
                    .add_column(string_len_null(DeliveryHosts::SignatureScheme, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DeliveryHosts::Table)
                    .add_column(timestamp_with_time_zone_null(
                        DeliveryHosts::SignatureSchemeAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            DeliveryHosts::SignatureSchemeAt,
            DeliveryHosts::SignatureScheme,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DeliveryHosts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DeliveryHosts {
    Table,
    SignatureScheme,
    SignatureSchemeAt,
}
