//! What the handlers fetch before they call a service, never inside a transaction: the note an
//! activity is about, from its own server, and the ancestors of a reply Feder never received.

use crate::{
    error::{AppError, AppResult},
    federation::{
        fetch,
        objects::note::note_to_remote_note,
        protocol::{ApObject, activities::Embedded},
        state::AppState,
    },
    services::{comments, remote_notes::RemoteNote},
};
use activitypub_federation::config::Data;
use url::Url;

/// The note of a Create or Update by `actor`, read for the services; none for a note on
/// another server than the actor's.
pub async fn note(
    data: &Data<AppState>,
    object: Embedded<ApObject>,
    actor: &Url,
) -> AppResult<Option<RemoteNote>> {
    let Some(object) = authored(data, object, actor).await? else {
        return Ok(None);
    };
    Ok(Some(note_to_remote_note(&object, actor, &data.urls)))
}

/// The post a followed account boosted, from its own server: what its id names, by an author
/// on that server. None when it is something else (the boost is then ignored).
pub async fn boosted(data: &Data<AppState>, id: &Url) -> AppResult<Option<RemoteNote>> {
    let object = fetch::object(id, data).await?;
    let Some(author) = object
        .author()
        .filter(|a| object.id == *id && a.host_str() == id.host_str())
    else {
        return Ok(None);
    };
    if object.content_html().chars().count() > data.config.limits.max_comment_chars {
        return Ok(None);
    }
    if let Err(e) = fetch::actor(&author, data).await {
        tracing::debug!(%author, error = %e, "author of a boosted post not found");
    }
    Ok(Some(note_to_remote_note(&object, &author, &data.urls)))
}

/// The object of an activity of `actor`: embedded when it comes from the actor's own server,
/// else fetched from there (an embedded copy from elsewhere proves nothing; one on another
/// server is not the actor's to send). Refused when attributed to someone else, or longer
/// than the blog accepts.
async fn authored(
    data: &Data<AppState>,
    object: Embedded<ApObject>,
    actor: &Url,
) -> AppResult<Option<ApObject>> {
    let object = match object {
        Embedded::Object(o) if o.id.host_str() == actor.host_str() => o,
        Embedded::Id(id) if id.host_str() == actor.host_str() => fetch::object(&id, data).await?,
        _ => return Ok(None),
    };
    if object.author().as_ref() != Some(actor) {
        return Err(AppError::Unauthorized(
            "object is attributed to someone else".into(),
        ));
    }
    if object.content_html().chars().count() > data.config.limits.max_comment_chars {
        return Err(AppError::BadRequest(
            "the content is longer than this blog accepts".into(),
        ));
    }
    Ok(Some(object))
}

/// The replies above `note` that Feder does not have, nearest first: fetched (a bounded
/// number of signed GETs, each checked to be what its id says, by an author on its own
/// server) until one answers one of our posts or a known comment. Empty when its parent is
/// known (or it answers nothing); where the last one's parent is not known, the thread was not
/// found (the service decides). A server that did not answer is an error worth a retry. The
/// authors' profiles are fetched too, for the page (failing that, a reply still counts).
pub async fn ancestors(data: &Data<AppState>, note: &RemoteNote) -> AppResult<Vec<RemoteNote>> {
    let Some(mut cursor) = note.in_reply_to.clone() else {
        return Ok(vec![]);
    };
    let mut found = Vec::new();
    for _ in 0..data.config.limits.max_thread_depth {
        if data.urls.is_local(&cursor) || comments::thread_post(data, &cursor).await?.is_some() {
            break;
        }
        let fetched = match fetch::object(&cursor, data).await {
            Ok(object) if object.id == cursor => object,
            Ok(_) => break,
            // A parent whose server did not answer may answer later: the activity is tried
            // again (the durable inbox's backoff) rather than placed nowhere for good.
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                tracing::debug!(parent = %cursor, error = %e, "parent of a reply not fetched");
                break;
            }
        };
        let Some(author) = fetched
            .author()
            .filter(|a| a.host_str() == fetched.id.host_str())
        else {
            break;
        };
        if let Err(e) = fetch::actor(&author, data).await {
            tracing::debug!(%author, error = %e, "author of a fetched reply not found");
        }
        found.push(note_to_remote_note(&fetched, &author, &data.urls));
        match fetched.in_reply_to {
            Some(next) => cursor = next,
            None => break,
        }
    }
    Ok(found)
}
