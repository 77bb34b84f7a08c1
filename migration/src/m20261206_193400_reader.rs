//! The Reader (/admin/reader): what it shows of a followed account's post (its content
//! warning or summary, attachments with their alt text, what it answers, its conversation,
//! who boosted it into the timeline) and whether the owner has seen it; and the blog's own
//! likes, boosts and quotes of remote posts, so each can be taken back (and a quote shown as
//! pending until its author's server accepts it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            text_null(RemotePosts::Summary),
            text_null(RemotePosts::Attachments),
            text_null(RemotePosts::InReplyTo),
            text_null(RemotePosts::Context),
            text_null(RemotePosts::BoostedBy),
            text_null(RemotePosts::AnnounceId),
            timestamp_with_time_zone_null(RemotePosts::SeenAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(RemotePosts::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BlogReactions::Table)
                    .if_not_exists()
                    .col(pk_auto(BlogReactions::Id))
                    .col(string_len(BlogReactions::Kind, 16))
                    .col(text(BlogReactions::ObjectApId))
                    .col(text(BlogReactions::ObjectAuthor))
                    .col(text(BlogReactions::ActivityId).unique_key())
                    .col(text_null(BlogReactions::NoteApId))
                    .col(text_null(BlogReactions::ContentHtml))
                    .col(string_len(BlogReactions::State, 16))
                    .col(text_null(BlogReactions::Authorization))
                    .col(timestamp_with_time_zone(BlogReactions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_blog_reactions_kind_object")
                    .table(BlogReactions::Table)
                    .col(BlogReactions::Kind)
                    .col(BlogReactions::ObjectApId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BlogReactions::Table).to_owned())
            .await?;
        for column in [
            RemotePosts::Summary,
            RemotePosts::Attachments,
            RemotePosts::InReplyTo,
            RemotePosts::Context,
            RemotePosts::BoostedBy,
            RemotePosts::AnnounceId,
            RemotePosts::SeenAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RemotePosts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum RemotePosts {
    Table,
    Summary,
    Attachments,
    InReplyTo,
    Context,
    BoostedBy,
    AnnounceId,
    SeenAt,
}

#[derive(DeriveIden)]
enum BlogReactions {
    Table,
    Id,
    Kind,
    ObjectApId,
    ObjectAuthor,
    ActivityId,
    NoteApId,
    ContentHtml,
    State,
    Authorization,
    CreatedAt,
}
