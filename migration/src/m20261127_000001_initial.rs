//! The first schema: posts, comments, reactions, remote actors, followers and follows, and the
//! persistent outgoing activity and delivery queue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SiteKeys::Table)
                    .if_not_exists()
                    .col(pk_auto(SiteKeys::Id))
                    .col(string_uniq(SiteKeys::Name))
                    .col(text(SiteKeys::PublicKeyPem))
                    .col(text(SiteKeys::PrivateKeyPem))
                    .col(timestamp_with_time_zone(SiteKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Actors::Table)
                    .if_not_exists()
                    .col(pk_auto(Actors::Id))
                    .col(string_uniq(Actors::ApId))
                    .col(string(Actors::Kind))
                    .col(string_null(Actors::PreferredUsername))
                    .col(text_null(Actors::Name))
                    .col(text_null(Actors::Summary))
                    .col(text_null(Actors::Url))
                    .col(text_null(Actors::IconUrl))
                    .col(text(Actors::Inbox))
                    .col(text_null(Actors::SharedInbox))
                    .col(string(Actors::PublicKeyId))
                    .col(text(Actors::PublicKeyPem))
                    .col(string(Actors::Domain))
                    .col(timestamp_with_time_zone(Actors::FetchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_actors_key_id")
                    .table(Actors::Table)
                    .col(Actors::PublicKeyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .if_not_exists()
                    .col(pk_auto(Posts::Id))
                    .col(string_uniq(Posts::Slug))
                    .col(text(Posts::Title))
                    .col(text(Posts::Summary))
                    .col(text(Posts::BodyMarkdown))
                    .col(text(Posts::BodyHtml))
                    .col(string(Posts::Lang))
                    .col(text(Posts::Tags))
                    .col(text_null(Posts::Author))
                    .col(timestamp_with_time_zone(Posts::PublishedAt))
                    .col(timestamp_with_time_zone(Posts::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Posts::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_published")
                    .table(Posts::Table)
                    .col(Posts::PublishedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .if_not_exists()
                    .col(pk_auto(Comments::Id))
                    .col(string_uniq(Comments::ApId))
                    .col(integer_null(Comments::PostId))
                    .col(text(Comments::InReplyTo))
                    .col(string(Comments::AuthorApId))
                    .col(text(Comments::ContentHtml))
                    .col(text_null(Comments::Url))
                    .col(boolean(Comments::IsLocal))
                    .col(timestamp_with_time_zone(Comments::PublishedAt))
                    .col(timestamp_with_time_zone_null(Comments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Comments::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comments::Table, Comments::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_comments_post", Comments::PostId),
            ("idx_comments_author", Comments::AuthorApId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Comments::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .if_not_exists()
                    .col(pk_auto(Reactions::Id))
                    .col(string_uniq(Reactions::ActivityId))
                    .col(string(Reactions::Kind))
                    .col(integer(Reactions::PostId))
                    .col(string(Reactions::ActorApId))
                    .col(timestamp_with_time_zone(Reactions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reactions::Table, Reactions::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reactions_unique")
                    .table(Reactions::Table)
                    .col(Reactions::PostId)
                    .col(Reactions::Kind)
                    .col(Reactions::ActorApId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Followers::Table)
                    .if_not_exists()
                    .col(pk_auto(Followers::Id))
                    .col(string_uniq(Followers::ActorApId))
                    .col(text(Followers::Inbox))
                    .col(text_null(Followers::SharedInbox))
                    .col(text(Followers::FollowActivityId))
                    .col(timestamp_with_time_zone(Followers::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Following::Table)
                    .if_not_exists()
                    .col(pk_auto(Following::Id))
                    .col(string_uniq(Following::ActorApId))
                    .col(string_uniq(Following::FollowActivityId))
                    .col(boolean(Following::Accepted))
                    .col(timestamp_with_time_zone(Following::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RemotePosts::Table)
                    .if_not_exists()
                    .col(pk_auto(RemotePosts::Id))
                    .col(string_uniq(RemotePosts::ApId))
                    .col(string(RemotePosts::ActorApId))
                    .col(string(RemotePosts::Kind))
                    .col(text_null(RemotePosts::Name))
                    .col(text(RemotePosts::ContentHtml))
                    .col(text_null(RemotePosts::Url))
                    .col(timestamp_with_time_zone(RemotePosts::PublishedAt))
                    .col(timestamp_with_time_zone(RemotePosts::ReceivedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .if_not_exists()
                    .col(pk_auto(Activities::Id))
                    .col(string_uniq(Activities::ApId))
                    .col(string(Activities::Kind))
                    .col(text_null(Activities::ObjectApId))
                    .col(text(Activities::Json))
                    .col(boolean(Activities::Public))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Deliveries::Id))
                    .col(integer(Deliveries::ActivityId))
                    .col(text(Deliveries::Inbox))
                    .col(string(Deliveries::Status))
                    .col(integer(Deliveries::Attempts))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Deliveries::LockedUntil))
                    .col(integer_null(Deliveries::LastStatus))
                    .col(text_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone(Deliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::ActivityId)
                            .to(Activities::Table, Activities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_unique")
                    .table(Deliveries::Table)
                    .col(Deliveries::ActivityId)
                    .col(Deliveries::Inbox)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Deliveries::Table.into_iden(),
            Activities::Table.into_iden(),
            RemotePosts::Table.into_iden(),
            Following::Table.into_iden(),
            Followers::Table.into_iden(),
            Reactions::Table.into_iden(),
            Comments::Table.into_iden(),
            Posts::Table.into_iden(),
            Actors::Table.into_iden(),
            SiteKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SiteKeys {
    Table,
    Id,
    Name,
    PublicKeyPem,
    PrivateKeyPem,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
    ApId,
    Kind,
    PreferredUsername,
    Name,
    Summary,
    Url,
    IconUrl,
    Inbox,
    SharedInbox,
    PublicKeyId,
    PublicKeyPem,
    Domain,
    FetchedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    Slug,
    Title,
    Summary,
    BodyMarkdown,
    BodyHtml,
    Lang,
    Tags,
    Author,
    PublishedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    ApId,
    PostId,
    InReplyTo,
    AuthorApId,
    ContentHtml,
    Url,
    IsLocal,
    PublishedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    Id,
    ActivityId,
    Kind,
    PostId,
    ActorApId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Followers {
    Table,
    Id,
    ActorApId,
    Inbox,
    SharedInbox,
    FollowActivityId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Following {
    Table,
    Id,
    ActorApId,
    FollowActivityId,
    Accepted,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RemotePosts {
    Table,
    Id,
    ApId,
    ActorApId,
    Kind,
    Name,
    ContentHtml,
    Url,
    PublishedAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    ApId,
    Kind,
    ObjectApId,
    Json,
    Public,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    ActivityId,
    Inbox,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastStatus,
    LastError,
    CreatedAt,
    UpdatedAt,
}
