//! Comments written on the blog's own pages: what kind a comment is (from the fediverse or the
//! web), the web writer's e-mail and website, their consent to federate it, when it was
//! federated, the hash of their secret delete link, and the tokens of the local spam filter.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        let columns = [
            string(Comments::Kind).default("fediverse").to_owned(),
            text_null(Comments::AuthorEmail),
            text_null(Comments::AuthorWebsite),
            boolean(Comments::Federate).default(false).to_owned(),
            timestamp_with_time_zone_null(Comments::FederatedAt),
            text_null(Comments::DeleteTokenHash),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SpamTokens::Table)
                    .if_not_exists()
                    .col(pk_auto(SpamTokens::Id))
                    .col(string_uniq(SpamTokens::Token))
                    .col(integer(SpamTokens::Spam).default(0))
                    .col(integer(SpamTokens::Ham).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SpamTokens::Table).to_owned())
            .await?;
        for column in [
            Comments::DeleteTokenHash,
            Comments::FederatedAt,
            Comments::Federate,
            Comments::AuthorWebsite,
            Comments::AuthorEmail,
            Comments::Kind,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Comments {
    Table,
    Kind,
    AuthorEmail,
    AuthorWebsite,
    Federate,
    FederatedAt,
    DeleteTokenHash,
}

#[derive(DeriveIden)]
enum SpamTokens {
    Table,
    Id,
    Token,
    Spam,
    Ham,
}
