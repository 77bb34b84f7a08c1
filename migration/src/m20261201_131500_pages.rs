//! Static pages (an Impressum, About): served at `/pages/<slug>`, listed in the navigation,
//! never federated as posts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Pages::Table)
                    .if_not_exists()
                    .col(pk_auto(Pages::Id))
                    .col(string_uniq(Pages::Slug))
                    .col(text(Pages::Title))
                    .col(text(Pages::BodyMarkdown))
                    .col(text(Pages::BodyHtml))
                    .col(text(Pages::Summary))
                    .col(string(Pages::Lang))
                    .col(string(Pages::Status))
                    .col(boolean(Pages::InNavigation))
                    .col(integer(Pages::NavigationOrder))
                    .col(timestamp_with_time_zone(Pages::CreatedAt))
                    .col(timestamp_with_time_zone(Pages::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Pages::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Pages {
    Table,
    Id,
    Slug,
    Title,
    BodyMarkdown,
    BodyHtml,
    Summary,
    Lang,
    Status,
    InNavigation,
    NavigationOrder,
    CreatedAt,
    UpdatedAt,
}
