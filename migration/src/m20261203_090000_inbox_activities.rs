//! The durable inbox: every verified activity is stored here before it is answered 202, and
//! processed from here (at once by the request, or later by the worker) under a lease. The
//! unique activity id makes a redelivery change nothing; it takes over from
//! `seen_activities`, whose ids come along as done rows so replays stay refused.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboxActivities::Table)
                    .if_not_exists()
                    .col(big_pk_auto(InboxActivities::Id))
                    .col(string_uniq(InboxActivities::ActivityId))
                    .col(string(InboxActivities::Actor))
                    .col(string(InboxActivities::Kind))
                    .col(text(InboxActivities::Document))
                    .col(string(InboxActivities::Status))
                    .col(integer(InboxActivities::Attempts).default(0))
                    .col(timestamp_with_time_zone(InboxActivities::ReceivedAt))
                    .col(timestamp_with_time_zone(InboxActivities::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(InboxActivities::LockedUntil))
                    .col(timestamp_with_time_zone_null(InboxActivities::FinishedAt))
                    .col(text_null(InboxActivities::LastError))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_inbox_activities_due",
                [InboxActivities::Status, InboxActivities::NextAttemptAt],
            ),
            (
                "idx_inbox_activities_finished",
                [InboxActivities::Status, InboxActivities::FinishedAt],
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(InboxActivities::Table)
                        .col(columns[0])
                        .col(columns[1])
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO inbox_activities (activity_id, actor, kind, document, status, \
                 attempts, received_at, next_attempt_at, finished_at) \
                 SELECT activity_id, '', '', '', 'done', 1, seen_at, seen_at, seen_at \
                 FROM seen_activities",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SeenActivities::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SeenActivities::Table)
                    .if_not_exists()
                    .col(string(SeenActivities::ActivityId).primary_key())
                    .col(timestamp_with_time_zone(SeenActivities::SeenAt))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(InboxActivities::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum InboxActivities {
    Table,
    Id,
    ActivityId,
    Actor,
    Kind,
    Document,
    Status,
    Attempts,
    ReceivedAt,
    NextAttemptAt,
    LockedUntil,
    FinishedAt,
    LastError,
}

#[derive(DeriveIden)]
enum SeenActivities {
    Table,
    ActivityId,
    SeenAt,
}
