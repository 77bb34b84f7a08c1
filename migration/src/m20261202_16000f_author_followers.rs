//! Followers of the blog's authors (each /admin account is an actor of its own when
//! `blog.author_actors` is on): one row per author and remote actor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthorFollowers::Table)
                    .if_not_exists()
                    .col(pk_auto(AuthorFollowers::Id))
                    .col(integer(AuthorFollowers::UserId))
                    .col(string(AuthorFollowers::ActorApId))
                    .col(text(AuthorFollowers::Inbox))
                    .col(text_null(AuthorFollowers::SharedInbox))
                    .col(text(AuthorFollowers::FollowActivityId))
                    .col(timestamp_with_time_zone(AuthorFollowers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuthorFollowers::Table, AuthorFollowers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("author_followers_user_actor")
                    .table(AuthorFollowers::Table)
                    .col(AuthorFollowers::UserId)
                    .col(AuthorFollowers::ActorApId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthorFollowers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuthorFollowers {
    Table,
    Id,
    UserId,
    ActorApId,
    Inbox,
    SharedInbox,
    FollowActivityId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
