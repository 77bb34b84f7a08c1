//! One followers table for every local actor: `author_followers` is folded into `followers`,
//! which names the followed actor in `local_actor` (`blog`, or `author:<username>`, as their
//! keys are named in `site_keys`), one row per remote actor and local actor. Outbox events
//! still waiting in the shapes of before are rewritten to the new ones, so none is lost.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::ConnectionTrait};
use serde_json::{Value, json};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, on SQLite too: a crash half-way must not leave rows in neither table.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_followers(manager).await?;
        // Oldest first, so the new ids keep the order the admin lists them in.
        run(
            manager,
            "INSERT INTO followers_new
                 (local_actor, actor_ap_id, inbox, shared_inbox, follow_activity_id, created_at)
             SELECT local_actor, actor_ap_id, inbox, shared_inbox, follow_activity_id, created_at
             FROM (
                 SELECT 'blog' AS local_actor, actor_ap_id, inbox, shared_inbox,
                        follow_activity_id, created_at
                 FROM followers
                 UNION ALL
                 SELECT 'author:' || users.username, f.actor_ap_id, f.inbox, f.shared_inbox,
                        f.follow_activity_id, f.created_at
                 FROM author_followers f JOIN users ON users.id = f.user_id
             ) AS everyone
             ORDER BY created_at",
        )
        .await?;
        for table in [
            Followers::Table.into_iden(),
            AuthorFollowers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .rename_table(
                Table::rename()
                    .table(FollowersNew::Table, Followers::Table)
                    .to_owned(),
            )
            .await?;
        index_followers(manager).await?;
        rewrite_events(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthorFollowers::Table)
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
            .await?;
        run(
            manager,
            "INSERT INTO author_followers
                 (user_id, actor_ap_id, inbox, shared_inbox, follow_activity_id, created_at)
             SELECT users.id, f.actor_ap_id, f.inbox, f.shared_inbox, f.follow_activity_id,
                    f.created_at
             FROM followers f JOIN users ON f.local_actor = 'author:' || users.username
             ORDER BY f.id",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(FollowersNew::Table)
                    .col(pk_auto(Followers::Id))
                    .col(string_uniq(Followers::ActorApId))
                    .col(text(Followers::Inbox))
                    .col(text_null(Followers::SharedInbox))
                    .col(text(Followers::FollowActivityId))
                    .col(timestamp_with_time_zone(Followers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        run(
            manager,
            "INSERT INTO followers_new
                 (actor_ap_id, inbox, shared_inbox, follow_activity_id, created_at)
             SELECT actor_ap_id, inbox, shared_inbox, follow_activity_id, created_at
             FROM followers WHERE local_actor = 'blog' ORDER BY id",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(Followers::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(FollowersNew::Table, Followers::Table)
                    .to_owned(),
            )
            .await
    }
}

async fn create_followers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(FollowersNew::Table)
                .col(pk_auto(Followers::Id))
                .col(string(Followers::LocalActor))
                .col(string(Followers::ActorApId))
                .col(text(Followers::Inbox))
                .col(text_null(Followers::SharedInbox))
                .col(text(Followers::FollowActivityId))
                .col(timestamp_with_time_zone(Followers::CreatedAt))
                .to_owned(),
        )
        .await
}

/// One row per remote and local actor (both NOT NULL: a NULL would be distinct from every
/// other in a unique index); the remote actor first, as Delete and Move look it up alone.
async fn index_followers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_index(
            Index::create()
                .name("followers_actor_local_actor")
                .table(Followers::Table)
                .col(Followers::ActorApId)
                .col(Followers::LocalActor)
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("followers_local_actor")
                .table(Followers::Table)
                .col(Followers::LocalActor)
                .to_owned(),
        )
        .await
}

async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

/// Rewrites the follow events of before: `follow_accepted` and `author_follow_accepted`
/// carried the Follow as received, `follower_removed` the Follow rebuilt; now they name the
/// local actor, the follower and (for the Reject) the Follow's id.
async fn rewrite_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let select = Query::select()
        .columns([OutboxEvents::Id, OutboxEvents::Event])
        .from(OutboxEvents::Table)
        .and_where(Expr::col(OutboxEvents::Event).like("%follow%"))
        .to_owned();
    let rows = db.query_all(&select).await?;
    for row in rows {
        let id: i32 = row.try_get("", "id")?;
        let text: String = row.try_get("", "event")?;
        let Some(new) = serde_json::from_str(&text).ok().and_then(new_event_shape) else {
            continue;
        };
        manager
            .exec_stmt(
                Query::update()
                    .table(OutboxEvents::Table)
                    .value(OutboxEvents::Event, new.to_string())
                    .and_where(Expr::col(OutboxEvents::Id).eq(id))
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// The event `old` in its new shape, when it is one of the follow events of before.
fn new_event_shape(old: Value) -> Option<Value> {
    let follower = old.get("follower")?.clone();
    match old.get("kind")?.as_str()? {
        "follow_accepted" if old.get("local_actor").is_none() => Some(json!({
            "kind": "follow_accepted", "local_actor": "blog", "follower": follower,
        })),
        "author_follow_accepted" => Some(json!({
            "kind": "follow_accepted",
            "local_actor": format!("author:{}", old.get("author")?.as_str()?),
            "follower": follower,
        })),
        // Only the blog's followers could be removed before.
        "follower_removed" if old.get("local_actor").is_none() => Some(json!({
            "kind": "follower_removed", "local_actor": "blog", "follower": follower,
            "follow_id": old.get("follow")?.get("id")?, "inbox": old.get("inbox")?,
        })),
        _ => None,
    }
}

#[derive(DeriveIden)]
enum Followers {
    Table,
    Id,
    LocalActor,
    ActorApId,
    Inbox,
    SharedInbox,
    FollowActivityId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FollowersNew {
    Table,
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

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    Event,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_events_get_their_new_shape() {
        let follow = json!({"id": "https://r.example/f/1", "type": "Follow"});
        let old =
            json!({"kind": "follow_accepted", "follower": "https://r.example/u", "follow": follow});
        assert_eq!(
            new_event_shape(old),
            Some(
                json!({"kind": "follow_accepted", "local_actor": "blog", "follower": "https://r.example/u"})
            )
        );
        let old = json!({"kind": "author_follow_accepted", "author": "alice", "follower": "https://r.example/u", "follow": follow});
        assert_eq!(
            new_event_shape(old),
            Some(
                json!({"kind": "follow_accepted", "local_actor": "author:alice", "follower": "https://r.example/u"})
            )
        );
        let old = json!({"kind": "follower_removed", "follower": "https://r.example/u", "follow": follow, "inbox": "https://r.example/u/inbox"});
        assert_eq!(
            new_event_shape(old),
            Some(json!({
                "kind": "follower_removed", "local_actor": "blog", "follower": "https://r.example/u",
                "follow_id": "https://r.example/f/1", "inbox": "https://r.example/u/inbox",
            }))
        );
        let new = json!({"kind": "follow_accepted", "local_actor": "blog", "follower": "https://r.example/u"});
        assert_eq!(new_event_shape(new), None);
        assert_eq!(
            new_event_shape(json!({"kind": "post_published", "post_id": 1})),
            None
        );
    }
}
