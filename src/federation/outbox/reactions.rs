//! The owner's reactions to remote posts, from the Reader: a `Like` to the post's author, an
//! `Announce` (public) to them and the blog's followers, a `QuoteRequest` (FEP-044f) to the
//! author's own inbox; and taking each back — an `Undo` of the like or boost, a `Delete` of
//! the quote note.

use super::outgoing::{Outgoing, own_inbox, shared_inbox};
use crate::{
    db::entities::blog_reaction,
    error::{AppError, AppResult},
    federation::{
        PUBLIC, actor,
        objects::{
            activity::blog_activity,
            reaction::{activity_type, reaction_to_quote_request, reaction_to_reacted},
            tombstone::tombstone,
        },
        protocol::OutboxActivity,
        state::AppState,
    },
    services::{followers, local_actor::LocalActor, reader},
};
use activitypub_federation::config::Data;
use chrono::Utc;
use url::Url;

/// Addressing and inboxes of a reaction of `kind` to a post by `author`: a boost is public
/// and reaches the followers too; the rest goes to the author alone.
async fn audience(
    data: &Data<AppState>,
    kind: &str,
    author: &str,
) -> AppResult<Option<(Vec<String>, Vec<String>, Vec<Url>)>> {
    let Some(who) = actor::stored(&data.db, author).await? else {
        return Ok(None);
    };
    if kind != blog_reaction::ANNOUNCE {
        return Ok(Some((vec![author.to_string()], vec![], own_inbox(&who))));
    }
    let cc = vec![data.urls.followers().to_string(), author.to_string()];
    let mut inboxes = followers::inboxes(&data.db, &LocalActor::Blog).await?;
    inboxes.extend(shared_inbox(&who));
    Ok(Some((vec![PUBLIC.to_string()], cc, inboxes)))
}

/// The Like, Announce or QuoteRequest of the reaction `reaction_id`. None when it was taken
/// back before it went out (its Undo then finds nothing to send either).
pub(super) async fn reacted(
    data: &Data<AppState>,
    reaction_id: i32,
) -> AppResult<Option<Outgoing>> {
    let Some(row) = reader::find_by_id(&data.db, reaction_id).await? else {
        return Ok(None);
    };
    let Some((to, cc, inboxes)) = audience(data, &row.kind, &row.object_author).await? else {
        return Ok(None);
    };
    let urls = &data.urls;
    // A boost is public; a QuoteRequest is served at its id too (its note is public, and the
    // author's server may look the request up).
    let public = matches!(
        row.kind.as_str(),
        blog_reaction::ANNOUNCE | blog_reaction::QUOTE
    );
    let activity = if row.kind == blog_reaction::QUOTE {
        OutboxActivity::QuoteRequest(Box::new(reaction_to_quote_request(&row, urls)?))
    } else {
        let id = parse(&row.activity_id)?;
        let object = parse(&row.object_ap_id)?;
        let kind = activity_type(&row.kind);
        OutboxActivity::Id(blog_activity(kind, &id, object, to, cc, urls))
    };
    Ok(Some(Outgoing {
        activity,
        public,
        inboxes,
    }))
}

/// What the Reader's event of a taken-back reaction says of it (its row is gone).
pub(super) struct Undone<'a> {
    pub kind: &'a str,
    pub activity_id: &'a str,
    pub object: &'a str,
    pub author: &'a str,
    /// A quote's own note.
    pub note: Option<&'a str>,
}

/// The Undo of a like or boost, or the Delete of a quote's note (FEP-044f withdraws a quote by
/// deleting it), to whom the reaction went.
pub(super) async fn undone(
    data: &Data<AppState>,
    undone: Undone<'_>,
) -> AppResult<Option<Outgoing>> {
    let Some((to, cc, inboxes)) = audience(data, undone.kind, undone.author).await? else {
        return Ok(None);
    };
    let urls = &data.urls;
    let id = urls.new_activity();
    let public = undone.kind == blog_reaction::ANNOUNCE;
    let activity = match undone.note {
        Some(note) => {
            let deleted = tombstone(&parse(note)?, "Note", &Utc::now());
            OutboxActivity::Tombstone(blog_activity("Delete", &id, deleted, to, cc, urls))
        }
        None => {
            let reacted =
                reaction_to_reacted(undone.kind, undone.activity_id, undone.object, urls)?;
            OutboxActivity::UndoReaction(blog_activity("Undo", &id, reacted, to, cc, urls))
        }
    };
    Ok(Some(Outgoing {
        activity,
        public,
        inboxes,
    }))
}

fn parse(id: &str) -> AppResult<Url> {
    Url::parse(id).map_err(AppError::internal)
}
