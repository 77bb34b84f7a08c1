//! What the blog does, as activities: each domain action becomes one activity, addressed and
//! queued for delivery. Services say what happened; only this file decides what is sent where.

use crate::{
    db::entities::{comment, follower, post},
    error::AppResult,
    federation::{
        actor::RemoteActor,
        delivery,
        objects::{self, PostCounts},
    },
    state::AppState,
};
use activitypub_federation::config::Data;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::Value;
use url::Url;

pub enum Outgoing<'a> {
    CreatePost(&'a post::Model, PostCounts),
    UpdatePost(&'a post::Model, PostCounts),
    DeletePost(&'a post::Model),
    /// Accept a Follow (the Follow as it was received).
    AcceptFollow {
        follow: Value,
        follower: &'a RemoteActor,
    },
    /// Reject a follower's Follow after the fact: Mastodon's "remove follower". `follow` is
    /// their Follow, `inbox` their own inbox.
    RejectFollow {
        follow: Value,
        follower: &'a str,
        inbox: &'a str,
    },
    Follow {
        follow_id: &'a Url,
        target: &'a RemoteActor,
    },
    UndoFollow {
        follow_id: &'a Url,
        target: &'a RemoteActor,
    },
    /// A reply the owner wrote; `parent_author` is the author of what it answers.
    CreateNote {
        note: &'a comment::Model,
        parent_author: Option<&'a RemoteActor>,
    },
    UpdateNote {
        note: &'a comment::Model,
        parent_author: Option<&'a RemoteActor>,
    },
    DeleteNote {
        note: &'a comment::Model,
        parent_author: Option<&'a RemoteActor>,
    },
}

/// The inbox of every follower, one per server where servers share an inbox.
pub async fn follower_inboxes(db: &DatabaseConnection) -> AppResult<Vec<Url>> {
    let followers = follower::Entity::find().all(db).await?;
    Ok(followers
        .into_iter()
        .filter_map(|f| Url::parse(f.shared_inbox.as_deref().unwrap_or(&f.inbox)).ok())
        .collect())
}

fn inbox_of(actor: &RemoteActor) -> Option<Url> {
    let m = actor.model();
    Url::parse(m.shared_inbox.as_deref().unwrap_or(&m.inbox)).ok()
}

/// Builds the activity, stores it with its deliveries, and wakes the delivery worker.
pub async fn send(data: &Data<AppState>, outgoing: Outgoing<'_>) -> AppResult<i32> {
    let urls = &data.urls;
    let (to, cc) = objects::public_addressing(urls);
    let id = urls.new_activity();
    let (doc, public, inboxes) = match outgoing {
        Outgoing::CreatePost(post, counts) | Outgoing::UpdatePost(post, counts) => {
            let kind = if matches!(outgoing, Outgoing::CreatePost(..)) {
                "Create"
            } else {
                "Update"
            };
            let article = objects::article(post, counts, urls);
            let doc = objects::activity(kind, &id, article, to, cc, urls);
            (doc, true, follower_inboxes(&data.db).await?)
        }
        Outgoing::DeletePost(post) => {
            let post_id = urls.post(&post.slug);
            let deleted = post.deleted_at.unwrap_or(post.updated_at);
            let doc = objects::activity(
                "Delete",
                &id,
                objects::tombstone(&post_id, "Article", &deleted),
                to,
                cc,
                urls,
            );
            (doc, true, follower_inboxes(&data.db).await?)
        }
        Outgoing::AcceptFollow { follow, follower } => {
            let to = vec![follower.model().ap_id.clone()];
            let doc = objects::activity("Accept", &id, follow, to, vec![], urls);
            // Accept goes to the follower's own inbox, as Mastodon sends Follow-related ones.
            let inbox = Url::parse(&follower.model().inbox).ok();
            (doc, false, inbox.into_iter().collect())
        }
        Outgoing::RejectFollow {
            follow,
            follower,
            inbox,
        } => {
            let doc = objects::activity("Reject", &id, follow, vec![follower.into()], vec![], urls);
            (doc, false, Url::parse(inbox).ok().into_iter().collect())
        }
        Outgoing::Follow { follow_id, target } => {
            let doc = objects::follow(follow_id, &target.model().ap_id, urls);
            let inbox = Url::parse(&target.model().inbox).ok();
            (doc, false, inbox.into_iter().collect())
        }
        Outgoing::UndoFollow { follow_id, target } => {
            let follow = objects::follow(follow_id, &target.model().ap_id, urls);
            let to = vec![target.model().ap_id.clone()];
            let doc = objects::activity("Undo", &id, follow, to, vec![], urls);
            let inbox = Url::parse(&target.model().inbox).ok();
            (doc, false, inbox.into_iter().collect())
        }
        Outgoing::CreateNote {
            note,
            parent_author,
        }
        | Outgoing::UpdateNote {
            note,
            parent_author,
        }
        | Outgoing::DeleteNote {
            note,
            parent_author,
        } => {
            let kind = match outgoing {
                Outgoing::CreateNote { .. } => "Create",
                Outgoing::UpdateNote { .. } => "Update",
                _ => "Delete",
            };
            let author_id = parent_author.map(|a| a.model().ap_id.as_str());
            let object = if kind == "Delete" {
                let note_id = Url::parse(&note.ap_id).map_err(crate::error::AppError::internal)?;
                objects::tombstone(
                    &note_id,
                    "Note",
                    &note.deleted_at.unwrap_or(note.published_at),
                )
            } else {
                objects::local_note(note, author_id, urls)
            };
            let mut cc = cc;
            cc.extend(author_id.map(str::to_string));
            let doc = objects::activity(kind, &id, object, to, cc, urls);
            let mut inboxes = follower_inboxes(&data.db).await?;
            inboxes.extend(parent_author.and_then(inbox_of));
            (doc, true, inboxes)
        }
    };
    let doc = objects::with_context(doc);
    let activity_id = delivery::enqueue(&data.db, &doc, public, inboxes).await?;
    data.delivery_wakeup.notify_one();
    Ok(activity_id)
}
