//! The owner's actions that need the network before anything is stored: following an account
//! (found by WebFinger or its URL), replying, liking, boosting and quoting (the author of what
//! is answered is fetched, to be addressed). Each looks up what it needs first, then calls the
//! service that stores the change and records its activity in one transaction — no fetch ever
//! runs inside that transaction.

use crate::{
    db::entities::{comment, mention},
    error::{AppError, AppResult},
    federation::{
        actor::{self, RemoteActor},
        fetch,
        protocol::{ApActor, ids_of},
        remote_followers,
        state::AppState,
    },
    services::{
        comments, followers, follows,
        local_actor::LocalActor,
        mentions,
        moves::{self, NewHome},
        reader, reading,
    },
};
use activitypub_federation::{config::Data, fetch::webfinger::webfinger_resolve_actor};
use url::Url;

/// Follows `who`: a handle (`user@host`, with or without a leading `@`) or an actor URL.
pub async fn follow(data: &Data<AppState>, who: &str) -> AppResult<RemoteActor> {
    let target = resolve(data, who).await?;
    follows::follow(data, target.model()).await?;
    Ok(target)
}

pub async fn unfollow(data: &Data<AppState>, who: &str) -> AppResult<()> {
    let target = resolve(data, who).await?;
    let id = Url::parse(&target.model().ap_id).map_err(AppError::internal)?;
    follows::unfollow(data, &id).await
}

/// The account `who` (a handle or an actor URL) as its server serves it now, not as stored:
/// what it names in `alsoKnownAs` decides a move.
pub async fn fresh_actor(data: &Data<AppState>, who: &str) -> AppResult<ApActor> {
    let id = Url::parse(&resolve(data, who).await?.model().ap_id).map_err(AppError::internal)?;
    let json: ApActor = serde_json::from_value(fetch::json(&id, data).await?)
        .map_err(|e| AppError::BadRequest(format!("{id} is not an actor: {e}")))?;
    actor::store(&json, None, data).await?;
    Ok(json)
}

/// Names `who` (an old account: a handle or an actor URL) in `local`'s `alsoKnownAs`, so it
/// can move here, and keeps who it lists as its followers now, before it moves (its list
/// shrinks as they leave): /admin/moving then shows who of them came over. Naming it again
/// reads the list anew. Returns its id and whether it was new.
pub async fn add_alias(
    data: &Data<AppState>,
    local: &LocalActor,
    who: &str,
) -> AppResult<(Url, bool)> {
    let account = fresh_actor(data, who).await?;
    let added = moves::add_alias(data, local, &account.id).await?;
    if let Some(followers) = &account.followers {
        let listed = remote_followers::listed(data, followers).await;
        moves::old_followers_listed(data, &account.id, &listed).await?;
    }
    Ok((account.id, added))
}

/// Whether `account` names `old` (one of our actors) in `alsoKnownAs`.
fn names(account: &ApActor, old: &Url) -> bool {
    ids_of(&account.also_known_as)
        .iter()
        .any(|a| a == old.as_str())
}

/// What `feder move` did: where the blog went, and which authors' followers moved with it
/// (an author moves when the new server has an account of the same name that names them).
#[derive(Debug)]
pub struct MoveOutcome {
    pub target: Url,
    pub authors_moved: Vec<String>,
    pub authors_left: Vec<String>,
}

/// Moves the blog to `who`, which must name the blog actor in `alsoKnownAs` (as
/// `feder alias add` on the new blog makes it do): nobody can move a blog to an account
/// that does not claim it. Each author with followers moves to the account of the same name
/// on the new server when that one names them too.
pub async fn move_blog(data: &Data<AppState>, who: &str) -> AppResult<MoveOutcome> {
    moves::refuse_when_closed(data)?;
    let urls = &data.urls;
    let old = LocalActor::Blog.id(urls);
    let new = fresh_actor(data, who).await?;
    if !names(&new, &old) {
        return Err(AppError::BadRequest(format!(
            "{} does not name this blog ({old}) in alsoKnownAs: on the new blog, run `feder alias add {old}` first",
            new.id
        )));
    }
    let host = match (new.id.host_str(), new.id.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(AppError::BadRequest(format!("{} has no host", new.id))),
    };
    let mut moved = vec![(LocalActor::Blog, new.id.clone())];
    let (mut authors_moved, mut authors_left) = (vec![], vec![]);
    for (local, count) in followers::counts(&data.db).await? {
        let Some(username) = local.username().map(str::to_string) else {
            continue;
        };
        if count == 0 {
            continue;
        }
        match fresh_actor(data, &format!("{username}@{host}")).await {
            Ok(account) if names(&account, &local.id(urls)) => {
                moved.push((local, account.id));
                authors_moved.push(username);
            }
            _ => authors_left.push(username),
        }
    }
    let home = new
        .html_url()
        .and_then(|u| Url::parse(&u).ok())
        .unwrap_or_else(|| new.id.join("/").unwrap_or_else(|_| new.id.clone()));
    let handle = format!(
        "{}@{host}",
        new.preferred_username.clone().unwrap_or_default()
    );
    moves::moved(data, &moved, &NewHome { home, handle }).await?;
    Ok(MoveOutcome {
        target: new.id,
        authors_moved,
        authors_left,
    })
}

async fn resolve(data: &Data<AppState>, who: &str) -> AppResult<RemoteActor> {
    if let Ok(url) = Url::parse(who)
        && matches!(url.scheme(), "http" | "https")
    {
        return fetch::actor(&url, data).await;
    }
    let handle = who.trim().trim_start_matches('@');
    if !handle.contains('@') {
        return Err(AppError::BadRequest(format!(
            "{who:?} is neither user@host nor a URL"
        )));
    }
    webfinger_resolve_actor::<AppState, RemoteActor>(handle, data).await
}

/// The owner's reply to `in_reply_to` (a comment, one of our posts, or a remote post), written
/// by `by`.
pub async fn reply(
    data: &Data<AppState>,
    in_reply_to: &Url,
    by: &LocalActor,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let author = parent_author(data, in_reply_to).await?;
    comments::reply(data, in_reply_to, author.as_ref(), by, markdown_text).await
}

/// The owner's private answer to `message`, a direct message: to its author alone, from the
/// actor it was sent to.
pub async fn answer_directly(
    data: &Data<AppState>,
    message: &mention::Model,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let author = Url::parse(&message.author_ap_id).map_err(AppError::internal)?;
    let actor = fetch::actor(&author, data).await?;
    let author = Url::parse(&actor.model().ap_id).map_err(AppError::internal)?;
    comments::answer_directly(data, message, &author, markdown_text).await
}

pub async fn edit_reply(
    data: &Data<AppState>,
    id: &Url,
    markdown_text: &str,
) -> AppResult<comment::Model> {
    let author = own_parent_author(data, id).await?;
    comments::edit_reply(data, id, author.as_ref(), markdown_text).await
}

pub async fn delete_reply(data: &Data<AppState>, id: &Url) -> AppResult<()> {
    let author = own_parent_author(data, id).await?;
    comments::delete_reply(data, id, author.as_ref()).await
}

/// The owner likes or boosts (`kind`) the remote post `object` from the Reader.
pub async fn react(data: &Data<AppState>, kind: &'static str, object: &Url) -> AppResult<()> {
    let author = post_author(data, object).await?;
    let reaction = reader::Reaction {
        kind,
        object,
        author: &author,
    };
    reader::react(data, reaction).await
}

/// The owner quotes the remote post `object` with `markdown_text` (FEP-044f).
pub async fn quote(data: &Data<AppState>, object: &Url, markdown_text: &str) -> AppResult<()> {
    let author = post_author(data, object).await?;
    reader::quote(data, object, &author, markdown_text).await
}

/// The author of a remote post (from the Reader's timeline, else fetched), fetched and stored
/// so the outbox can deliver to them.
async fn post_author(data: &Data<AppState>, object: &Url) -> AppResult<Url> {
    if data.urls.is_local(object) {
        return Err(AppError::BadRequest(format!("{object} is the blog's own")));
    }
    let author = match reading::find(&data.db, object).await? {
        Some(post) => Url::parse(&post.actor_ap_id).map_err(AppError::internal)?,
        None => fetch::object(object, data)
            .await?
            .author()
            .ok_or_else(|| AppError::BadRequest(format!("{object} has no author")))?,
    };
    let actor = fetch::actor(&author, data).await?;
    Url::parse(&actor.model().ap_id).map_err(AppError::internal)
}

/// The remote author of what the owner's reply `id` answers.
async fn own_parent_author(data: &Data<AppState>, id: &Url) -> AppResult<Option<Url>> {
    let existing = comments::own(&data.db, id).await?;
    let parent = Url::parse(&existing.in_reply_to).map_err(AppError::internal)?;
    parent_author(data, &parent).await
}

/// The remote author of what a reply answers (fetched and stored, so the outbox can address
/// and deliver to them), or None when it is the blog itself.
async fn parent_author(data: &Data<AppState>, parent: &Url) -> AppResult<Option<Url>> {
    let author = match comments::find(&data.db, parent).await? {
        // The blog's own notes, and comments from the web form, have no remote author.
        Some(comment) if comment.is_local || comment.kind == comment::WEB => return Ok(None),
        Some(comment) => Url::parse(&comment.author_ap_id).map_err(AppError::internal)?,
        None if data.urls.is_local(parent) => return Ok(None),
        // A direct message is not served to whoever asks: its author is the one stored.
        None => match mentions::find(&data.db, parent).await? {
            Some(message) => Url::parse(&message.author_ap_id).map_err(AppError::internal)?,
            None => fetch::object(parent, data)
                .await?
                .author()
                .ok_or_else(|| AppError::BadRequest(format!("{parent} has no author")))?,
        },
    };
    let actor = fetch::actor(&author, data).await?;
    Url::parse(&actor.model().ap_id)
        .map(Some)
        .map_err(AppError::internal)
}
