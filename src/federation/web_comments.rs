//! Web comments whose writers agreed to it, published into the fediverse thread as Notes of
//! the blog actor (and deleted there again), so Mastodon users see them and can answer.

use crate::{
    db::entities::comment,
    error::AppResult,
    federation::{
        fetch,
        outbox::{self, Outgoing},
    },
    services::{comments, web_comments},
    state::AppState,
};
use activitypub_federation::config::Data;
use chrono::Utc;
use url::Url;

/// How far up a thread the nearest published ancestor is looked for.
const MAX_DEPTH: usize = 32;

/// Publishes comment `id` if it is a consented, approved web comment not published yet.
/// Returns whether a Create was queued.
pub async fn publish_approved(data: &Data<AppState>, id: i32) -> AppResult<bool> {
    let Some(mut note) = web_comments::claim_for_federation(&data.db, id).await? else {
        return Ok(false);
    };
    let (parent, parent_author) = published_parent(data, &note).await?;
    note.in_reply_to = parent;
    let parent_author = match parent_author {
        Some(author) => match fetch::actor(&author, data).await {
            Ok(actor) => Some(actor),
            Err(e) => {
                // The thread goes on without the mention rather than not at all.
                tracing::warn!(%author, error = %e, "author of the parent not fetched");
                None
            }
        },
        None => None,
    };
    outbox::send(
        data,
        Outgoing::CreateNote {
            note: &note,
            parent_author: parent_author.as_ref(),
        },
    )
    .await?;
    Ok(true)
}

/// What a published web comment answers in the fediverse: its parent, or, when that is a web
/// comment that stayed on the page, the nearest ancestor that is public there (at last the
/// post). With the remote author of it, to mention and deliver to.
async fn published_parent(
    data: &Data<AppState>,
    note: &comment::Model,
) -> AppResult<(String, Option<Url>)> {
    let mut parent = note.in_reply_to.clone();
    for _ in 0..MAX_DEPTH {
        let Ok(url) = Url::parse(&parent) else {
            break;
        };
        let Some(found) = comments::find(&data.db, &url).await? else {
            break;
        };
        if found.kind != comment::WEB {
            let author = (!found.is_local)
                .then(|| Url::parse(&found.author_ap_id).ok())
                .flatten();
            return Ok((parent, author));
        }
        if found.federated_at.is_some() && found.deleted_at.is_none() {
            return Ok((parent, None));
        }
        parent = found.in_reply_to;
    }
    Ok((parent, None))
}

/// Deletes a published web comment in the fediverse too (its writer or the owner removed it).
pub async fn retract(data: &Data<AppState>, note: &comment::Model) -> AppResult<()> {
    if note.kind != comment::WEB || note.federated_at.is_none() {
        return Ok(());
    }
    let mut gone = note.clone();
    gone.deleted_at = Some(gone.deleted_at.unwrap_or_else(Utc::now));
    outbox::send(
        data,
        Outgoing::DeleteNote {
            note: &gone,
            parent_author: None,
        },
    )
    .await?;
    Ok(())
}

/// After the owner changed comment `id` (approve, reject, spam, delete): publish it when it is
/// now approved, take it back when it no longer is.
pub async fn after_moderation(data: &Data<AppState>, id: i32) -> AppResult<()> {
    let Some(row) = comments::find_by_id(&data.db, id).await? else {
        return Ok(());
    };
    if row.status == comment::APPROVED && row.deleted_at.is_none() {
        publish_approved(data, id).await?;
    } else {
        retract(data, &row).await?;
    }
    Ok(())
}
