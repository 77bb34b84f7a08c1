//! The blog's own notes (the owner's replies, and web comments published with their writer's
//! consent): `Create`, `Update` and `Delete` (a Tombstone) by the actor that speaks for the
//! note (the author who answered, else the blog), public, to that actor's followers, the
//! blog's, and the author of what the note answers; a private answer to a direct message to
//! its author only.

use super::outgoing::{Change, Outgoing, shared_inbox};
use crate::{
    db::entities::comment,
    error::{AppError, AppResult},
    federation::{
        PUBLIC, actor,
        objects::{activity::activity_by, note::note_followers, tombstone::tombstone},
        protocol::OutboxActivity,
        state::AppState,
        threads,
    },
    services::{comments, followers, local_actor::LocalActor},
};
use activitypub_federation::config::Data;
use sea_orm::EntityTrait;
use url::Url;

/// The activity for `change` of the note `comment_id`; `parent_author` is the author of what
/// it answers. None when the note is gone.
pub(super) async fn changed(
    data: &Data<AppState>,
    comment_id: i32,
    parent_author: &Option<String>,
    change: Change,
) -> AppResult<Option<Outgoing>> {
    let Some(note) = comment::Entity::find_by_id(comment_id)
        .one(&data.db)
        .await?
    else {
        return Ok(None);
    };
    let parent_author = match parent_author {
        Some(id) => actor::stored(&data.db, id).await?,
        None => None,
    };
    let urls = &data.urls;
    let by = comments::speaker(data, &note).await?;
    let author_id = parent_author.as_ref().map(|a| a.model().ap_id.as_str());
    // A private answer to a direct message: to its author alone, never to the followers.
    let (to, cc) = match note.direct {
        true => (author_id.map(str::to_string).into_iter().collect(), vec![]),
        false => {
            let mut cc = note_followers(&by, urls);
            cc.extend(author_id.map(str::to_string));
            (vec![PUBLIC.to_string()], cc)
        }
    };
    let id = urls.new_activity();
    let activity = match change {
        Change::Deleted => {
            let note_id = Url::parse(&note.ap_id).map_err(AppError::internal)?;
            let deleted = note.deleted_at.unwrap_or(note.published_at);
            let gone = tombstone(&note_id, "Note", &deleted);
            OutboxActivity::Tombstone(activity_by(&by.id(urls), "Delete", &id, gone, to, cc))
        }
        Change::Created | Change::Updated => {
            let kind = if change == Change::Created {
                "Create"
            } else {
                "Update"
            };
            let object = threads::local_note(data, &note, author_id).await?;
            let create = activity_by(&by.id(urls), kind, &id, object, to, cc);
            OutboxActivity::Note(Box::new(create))
        }
    };
    let mut inboxes = match note.direct {
        true => vec![],
        false => followers::inboxes(&data.db, &by).await?,
    };
    if !note.direct && by != LocalActor::Blog {
        inboxes.extend(followers::inboxes(&data.db, &LocalActor::Blog).await?);
    }
    inboxes.extend(parent_author.as_ref().and_then(shared_inbox));
    Ok(Some(Outgoing {
        activity,
        public: !note.direct,
        inboxes,
    }))
}
