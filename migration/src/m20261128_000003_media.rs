//! Uploaded images: one row per upload; the files (and their resized variants) live in the
//! media directory under a random key.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .if_not_exists()
                    .col(pk_auto(Media::Id))
                    .col(string_uniq(Media::Key))
                    .col(string(Media::Ext))
                    .col(string(Media::MediaType))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(big_integer(Media::Bytes))
                    .col(text(Media::Alt))
                    .col(text(Media::OriginalName))
                    .col(integer_null(Media::UserId))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
// `MediaType` is the column media_type, not a kind of media.
#[allow(clippy::enum_variant_names)]
enum Media {
    Table,
    Id,
    Key,
    Ext,
    MediaType,
    Width,
    Height,
    Bytes,
    Alt,
    OriginalName,
    UserId,
    CreatedAt,
}
