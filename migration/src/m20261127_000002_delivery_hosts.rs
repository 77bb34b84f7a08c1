//! Delivery per destination host: each delivery row names its host, and `delivery_hosts` keeps
//! what we know of each host (failures in a row, last success, a pause, whether it is dead), so
//! every node of a deployment shares the circuit breaker and the dead-host rule.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(string(Deliveries::Host).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_host")
                    .table(Deliveries::Table)
                    .col(Deliveries::Host)
                    .col(Deliveries::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeliveryHosts::Table)
                    .if_not_exists()
                    .col(pk_auto(DeliveryHosts::Id))
                    .col(string_uniq(DeliveryHosts::Host))
                    .col(integer(DeliveryHosts::FailuresInARow).default(0))
                    .col(timestamp_with_time_zone_null(DeliveryHosts::LastSuccessAt))
                    .col(timestamp_with_time_zone_null(DeliveryHosts::FirstFailureAt))
                    .col(timestamp_with_time_zone_null(DeliveryHosts::PausedUntil))
                    .col(boolean(DeliveryHosts::Dead).default(false))
                    .col(text_null(DeliveryHosts::LastError))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeliveryHosts::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_deliveries_host")
                    .table(Deliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .drop_column(Deliveries::Host)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Host,
    Status,
}

#[derive(DeriveIden)]
enum DeliveryHosts {
    Table,
    Id,
    Host,
    FailuresInARow,
    LastSuccessAt,
    FirstFailureAt,
    PausedUntil,
    Dead,
    LastError,
}
