//! Indexes for /admin/stats (`services/stats.rs`), each used by one of its queries: a post's
//! carrying activities (`activities.object_ap_id`) and their delivered rows
//! (`deliveries (activity_id, status)`: the planners took the status index and filtered
//! every delivered row otherwise), the followers those reached (`followers.inbox`,
//! `followers.shared_inbox`), followers over time (`followers.created_at`,
//! `follower_departures.followed_at` and `.departed_at`, counted at every point of the chart),
//! a year's reactions and comments (`reactions.created_at`, `comments.published_at`) and
//! quotes (`notifications (kind, post_id)`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, table, columns)
const INDEXES: [(&str, &str, &[&str]); 10] = [
    ("idx_activities_object", "activities", &["object_ap_id"]),
    (
        "idx_deliveries_activity_status",
        "deliveries",
        &["activity_id", "status"],
    ),
    ("idx_followers_inbox", "followers", &["inbox"]),
    ("idx_followers_shared_inbox", "followers", &["shared_inbox"]),
    ("idx_followers_created_at", "followers", &["created_at"]),
    (
        "idx_follower_departures_followed_at",
        "follower_departures",
        &["followed_at"],
    ),
    (
        "idx_follower_departures_departed_at",
        "follower_departures",
        &["departed_at"],
    ),
    ("idx_reactions_created_at", "reactions", &["created_at"]),
    ("idx_comments_published_at", "comments", &["published_at"]),
    (
        "idx_notifications_kind_post",
        "notifications",
        &["kind", "post_id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table)).if_not_exists();
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
