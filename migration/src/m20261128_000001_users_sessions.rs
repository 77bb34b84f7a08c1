//! Authors who log in to /admin: users (with their public profile), login sessions kept in the
//! database so several nodes share them, and login attempts for throttling.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Username))
                    // None: the account cannot log in yet (an imported author).
                    .col(text_null(Users::PasswordHash))
                    .col(text(Users::DisplayName))
                    .col(text(Users::Bio))
                    .col(text_null(Users::AvatarUrl))
                    .col(text_null(Users::FediverseHandle))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(pk_auto(Sessions::Id))
                    .col(string_uniq(Sessions::TokenHash))
                    .col(integer(Sessions::UserId))
                    .col(string(Sessions::CsrfToken))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(LoginAttempts::Id))
                    .col(string(LoginAttempts::Username))
                    .col(string(LoginAttempts::Ip))
                    .col(timestamp_with_time_zone(LoginAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_who")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::Username)
                    .col(LoginAttempts::Ip)
                    .col(LoginAttempts::AttemptedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginAttempts::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    DisplayName,
    Bio,
    AvatarUrl,
    FediverseHandle,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    Ip,
    AttemptedAt,
}
