//! Quote posts and reply controls (FEP-044f, GoToSocial's interaction policies): the
//! authorizations the blog granted (served at their own URL, revoked with a Delete), a post's
//! own "who may quote" over the blog's default, and the request a held reply came with, so that
//! approving it later can answer that request.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Authorizations::Table)
                    .if_not_exists()
                    .col(pk_auto(Authorizations::Id))
                    .col(string_len(Authorizations::Kind, 16))
                    .col(integer(Authorizations::PostId))
                    .col(text(Authorizations::InteractingObject).unique_key())
                    .col(text(Authorizations::ActorApId))
                    .col(text_null(Authorizations::RequestId))
                    .col(timestamp_with_time_zone(Authorizations::CreatedAt))
                    .col(timestamp_with_time_zone_null(Authorizations::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_authorizations_post_id")
                    .table(Authorizations::Table)
                    .col(Authorizations::PostId)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(string_len_null(Posts::QuotePolicy, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(text_null(Comments::ReplyRequestId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::ReplyRequestId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .drop_column(Posts::QuotePolicy)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Authorizations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Authorizations {
    Table,
    Id,
    Kind,
    PostId,
    InteractingObject,
    ActorApId,
    RequestId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    QuotePolicy,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    ReplyRequestId,
}
