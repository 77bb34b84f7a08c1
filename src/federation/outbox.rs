//! What the blog does, as activities. Services record outbox events (`services::outbox`) in
//! the transaction of each change; here each event becomes one activity, addressed and stored
//! with its deliveries in the transaction that removes the event — so nothing is lost and
//! nothing is sent twice, whenever a process dies. Only this file decides what is sent where.

use crate::{
    db::entities::{comment, post},
    error::{AppError, AppResult},
    federation::{
        actor::{self, RemoteActor},
        authors, delivery,
        objects::{
            activity::{activity_by, blog_activity, follow, follower_to_follow, public_addressing},
            authorization::accept_interaction,
            document::with_context,
            tombstone::tombstone,
        },
        protocol::{Follow, SentMove},
        state::AppState,
        threads,
    },
    services::{
        authorizations, authors as services_authors, followers,
        local_actor::{self, LocalActor},
        outbox::{self as events, Event},
        posts::{self, PostCounts},
        remote_actors,
    },
};
use activitypub_federation::config::{Data, FederationConfig};
use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::Value;
use std::time::Duration;
use url::Url;

enum Outgoing<'a> {
    CreatePost(&'a post::Model, PostCounts),
    UpdatePost(&'a post::Model, PostCounts),
    DeletePost(&'a post::Model),
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

/// The inbox of every follower of the blog, one per server where servers share an inbox.
async fn blog_follower_inboxes(data: &Data<AppState>) -> AppResult<Vec<Url>> {
    followers::inboxes(&data.db, &LocalActor::Blog).await
}

fn inbox_of(actor: &RemoteActor) -> Option<Url> {
    let m = actor.model();
    Url::parse(m.shared_inbox.as_deref().unwrap_or(&m.inbox)).ok()
}

/// How often the outbox worker looks for events other processes (the CLI) recorded.
const POLL: Duration = Duration::from_millis(500);

/// Runs until the task is dropped: federates events as soon as this process records them,
/// and those of other processes within `POLL`.
pub async fn worker(federation: FederationConfig<AppState>) {
    let data = federation.to_request_data();
    loop {
        if let Err(e) = dispatch(&data).await {
            tracing::error!(error = %e, "outbox");
        }
        let _ = tokio::time::timeout(POLL, data.outbox_wakeup.notified()).await;
    }
}

/// Turns every pending event into its activity and deliveries. Returns how many it stored.
pub async fn dispatch(data: &Data<AppState>) -> AppResult<usize> {
    let mut stored = 0;
    loop {
        let batch = events::pending(&data.db, 100).await?;
        if batch.is_empty() {
            break;
        }
        for (id, event) in batch {
            stored += usize::from(dispatch_one(data, id, &event).await?);
        }
    }
    if stored > 0 {
        data.delivery_wakeup.notify_one();
    }
    Ok(stored)
}

/// One event: the activity is built from the rows as they are now (outside the transaction:
/// reads only), then stored with its deliveries in the transaction that takes the event.
async fn dispatch_one(data: &Data<AppState>, id: i32, event: &Event) -> AppResult<bool> {
    let built = build(data, event).await?;
    let txn = data.db.begin().await?;
    if !events::take(&txn, id).await? {
        // Another node took it.
        return Ok(false);
    }
    let any = !built.is_empty();
    for (doc, public, inboxes) in built {
        delivery::enqueue(&txn, &doc, public, inboxes).await?;
    }
    txn.commit().await?;
    Ok(any)
}

/// One activity: the document, whether it is public, and its inboxes.
type Built = (Value, bool, Vec<Url>);

/// The activities for `event` (with whether each is public and where it goes): none when
/// there is nothing to send any more (a post deleted before its Create went out), two for an
/// author's new post (their Create, the blog's Announce).
async fn build(data: &Data<AppState>, event: &Event) -> AppResult<Vec<Built>> {
    Ok(match event {
        Event::PostPublished { post_id }
        | Event::PostUpdated { post_id }
        | Event::PostDeleted { post_id } => post_activities(data, event, *post_id).await?,
        Event::FollowAccepted {
            local_actor,
            follower,
        } => accept_follow(data, local_actor, follower)
            .await?
            .into_iter()
            .collect(),
        Event::FollowerRemoved {
            local_actor,
            follower,
            follow_id,
            inbox,
        } => {
            let follow = follower_to_follow(follow_id, follower, &local_actor.id(&data.urls))?;
            vec![answer_follow(data, "Reject", local_actor, follow, inbox)]
        }
        Event::AuthorProfileUpdated { author } => {
            profile_update(data, author).await?.into_iter().collect()
        }
        Event::ActorMoved {
            local_actor,
            target,
        } => vec![actor_moved(data, local_actor, target).await?],
        Event::ActorDeleted { local_actor } => vec![actor_deleted(data, local_actor).await?],
        _ => build_blog(data, event).await?.into_iter().collect(),
    })
}

/// The `Update` of an author's actor, to their followers.
async fn profile_update(data: &Data<AppState>, username: &str) -> AppResult<Option<Built>> {
    let Some(author) = local_actor::author_user(data, username).await? else {
        return Ok(None);
    };
    let urls = &data.urls;
    let me = LocalActor::Author(author.username.clone());
    let person = authors::actor(data, &author).await?;
    let (to, _) = public_addressing(urls);
    let cc = vec![me.followers(urls).to_string()];
    let doc = activity_by(&me.id(urls), "Update", &urls.new_activity(), person, to, cc);
    let inboxes = followers::inboxes(&data.db, &me).await?;
    Ok(Some((with_context(doc), true, inboxes)))
}

/// The `Move` of `local` to `target`, to its followers (each server then checks that `target`
/// names `local` in `alsoKnownAs` and moves its users' follows there).
async fn actor_moved(data: &Data<AppState>, local: &LocalActor, target: &str) -> AppResult<Built> {
    let urls = &data.urls;
    let me = local.id(urls);
    let doc = SentMove {
        id: urls.new_activity(),
        kind: "Move".into(),
        actor: me.clone(),
        object: me,
        target: Url::parse(target).map_err(AppError::internal)?,
        to: vec![local.followers(urls).to_string()],
    };
    let inboxes = followers::inboxes(&data.db, local).await?;
    Ok((with_context(doc), false, inboxes))
}

/// The `Delete` of `local` itself (the blog was retired), to its followers and to every
/// server the blog knows, so none keeps showing it.
async fn actor_deleted(data: &Data<AppState>, local: &LocalActor) -> AppResult<Built> {
    let urls = &data.urls;
    let (to, _) = public_addressing(urls);
    let me = local.id(urls);
    let doc = activity_by(&me, "Delete", &urls.new_activity(), me.clone(), to, vec![]);
    let mut inboxes = followers::inboxes(&data.db, local).await?;
    inboxes.extend(remote_actors::known_inboxes(&data.db).await?);
    Ok((with_context(doc), true, inboxes))
}

/// The Accept of the Follow of a stored follower, from the actor they follow, to their own
/// inbox (where Mastodon sends what concerns follows). None when they are gone meanwhile.
async fn accept_follow(
    data: &Data<AppState>,
    local: &LocalActor,
    follower: &str,
) -> AppResult<Option<Built>> {
    let Some(row) = followers::find(&data.db, local, follower).await? else {
        return Ok(None);
    };
    let follow = follower_to_follow(&row.follow_activity_id, follower, &local.id(&data.urls))?;
    Ok(Some(answer_follow(
        data, "Accept", local, follow, &row.inbox,
    )))
}

/// `kind` (Accept, or Reject: Mastodon's "remove follower") of `follow`, from the actor it
/// followed, to the follower's own `inbox`.
fn answer_follow(
    data: &Data<AppState>,
    kind: &str,
    local: &LocalActor,
    follow: Follow,
    inbox: &str,
) -> Built {
    let urls = &data.urls;
    let to = vec![follow.actor.to_string()];
    let id = urls.new_activity();
    let doc = activity_by(&local.id(urls), kind, &id, follow, to, vec![]);
    (
        with_context(doc),
        false,
        Url::parse(inbox).ok().into_iter().collect(),
    )
}

/// What the blog actor sends for `event` (the events of the blog alone).
async fn build_blog(data: &Data<AppState>, event: &Event) -> AppResult<Option<Built>> {
    match event {
        // Built by `post_activities`.
        Event::PostPublished { .. } | Event::PostUpdated { .. } | Event::PostDeleted { .. } => {
            Ok(None)
        }
        Event::FollowRequested { follow_id, target }
        | Event::FollowUndone { follow_id, target } => {
            let Some(who) = actor::stored(&data.db, target).await? else {
                return Ok(None);
            };
            let follow_id = Url::parse(follow_id).map_err(AppError::internal)?;
            let outgoing = if matches!(event, Event::FollowRequested { .. }) {
                Outgoing::Follow {
                    follow_id: &follow_id,
                    target: &who,
                }
            } else {
                Outgoing::UndoFollow {
                    follow_id: &follow_id,
                    target: &who,
                }
            };
            Ok(Some(activity(data, outgoing).await?))
        }
        Event::ReplyCreated { .. } | Event::ReplyUpdated { .. } | Event::ReplyDeleted { .. } => {
            build_reply(data, event).await
        }
        // Built by `build`.
        Event::FollowAccepted { .. }
        | Event::FollowerRemoved { .. }
        | Event::AuthorProfileUpdated { .. }
        | Event::ActorMoved { .. }
        | Event::ActorDeleted { .. } => Ok(None),
        Event::InteractionAccepted { .. }
        | Event::InteractionRejected { .. }
        | Event::AuthorizationRevoked { .. } => build_interaction(data, event).await,
    }
}

/// The answer to a QuoteRequest or ReplyRequest, or the revocation of an authorization.
/// Answers go to the requester's own inbox; a revocation also to every follower, who may have
/// seen the quote.
async fn build_interaction(
    data: &Data<AppState>,
    event: &Event,
) -> AppResult<Option<(Value, bool, Vec<Url>)>> {
    let urls = &data.urls;
    let id = urls.new_activity();
    let own_inbox = |who: &RemoteActor| Url::parse(&who.model().inbox).ok();
    match event {
        Event::InteractionAccepted {
            authorization_id,
            request,
        } => {
            let Some(row) = authorizations::find(&data.db, *authorization_id)
                .await?
                .filter(|r| r.revoked_at.is_none())
            else {
                return Ok(None);
            };
            let Some(who) = actor::stored(&data.db, &row.actor_ap_id).await? else {
                return Ok(None);
            };
            let accept = accept_interaction(&id, request.clone(), &row.actor_ap_id, &row, urls);
            let inbox = own_inbox(&who).into_iter().collect();
            Ok(Some((with_context(accept), false, inbox)))
        }
        Event::InteractionRejected { actor, request } => {
            let Some(who) = actor::stored(&data.db, actor).await? else {
                return Ok(None);
            };
            let to = vec![actor.clone()];
            let reject = blog_activity("Reject", &id, request.clone(), to, vec![], urls);
            let inbox = own_inbox(&who).into_iter().collect();
            Ok(Some((with_context(reject), false, inbox)))
        }
        Event::AuthorizationRevoked { authorization_id } => {
            let Some(row) = authorizations::find(&data.db, *authorization_id).await? else {
                return Ok(None);
            };
            let (to, cc) = public_addressing(urls);
            let object = urls.authorization(row.id).to_string();
            let delete = blog_activity("Delete", &id, object, to, cc, urls);
            let mut inboxes = blog_follower_inboxes(data).await?;
            if let Some(who) = actor::stored(&data.db, &row.actor_ap_id).await? {
                inboxes.extend(inbox_of(&who));
            }
            Ok(Some((with_context(delete), true, inboxes)))
        }
        _ => Ok(None),
    }
}

/// A post's Create, Update or Delete. By the blog, as `activity` builds it; by one of the
/// authors (with author actors): the author's Create to the author's followers and the blog's
/// Announce of the post to the blog's, and the author's Update and Delete to both, since a
/// server shows (and so must update or remove) the post for either kind of follower.
async fn post_activities(
    data: &Data<AppState>,
    event: &Event,
    post_id: i32,
) -> AppResult<Vec<Built>> {
    let Some(post) = posts::find_by_id(&data.db, post_id).await? else {
        return Ok(vec![]);
    };
    let deleted = matches!(event, Event::PostDeleted { .. });
    if !deleted && (!post.is_public() || post.deleted_at.is_some()) {
        return Ok(vec![]);
    }
    let by = services_authors::actor_of_post(data, &post).await?;
    let counts = posts::counts(&data.db, post.id).await?;
    if by == LocalActor::Blog {
        let outgoing = match event {
            Event::PostPublished { .. } => Outgoing::CreatePost(&post, counts),
            Event::PostUpdated { .. } => Outgoing::UpdatePost(&post, counts),
            _ => Outgoing::DeletePost(&post),
        };
        return Ok(vec![activity(data, outgoing).await?]);
    }
    let urls = &data.urls;
    let (to, _) = public_addressing(urls);
    let cc = vec![by.followers(urls).to_string(), urls.followers().to_string()];
    let author_inboxes = followers::inboxes(&data.db, &by).await?;
    let blog_inboxes = blog_follower_inboxes(data).await?;
    let actor = by.id(urls);
    let id = urls.new_activity();
    let post_id = urls.post(&post.slug);
    if deleted {
        let when = post.deleted_at.unwrap_or(post.updated_at);
        let tombstone = tombstone(&post_id, "Article", &when);
        let doc = with_context(activity_by(&actor, "Delete", &id, tombstone, to, cc));
        return Ok(vec![(doc, true, [author_inboxes, blog_inboxes].concat())]);
    }
    let article = threads::article(data, &post, counts).await?;
    if matches!(event, Event::PostUpdated { .. }) {
        let doc = with_context(activity_by(&actor, "Update", &id, article, to, cc));
        return Ok(vec![(doc, true, [author_inboxes, blog_inboxes].concat())]);
    }
    let create = with_context(activity_by(&actor, "Create", &id, article, to.clone(), cc));
    // The boost names the post, not the Create: Mastodon takes a known status, or fetches the
    // object's id (an embedded Create's id is no status).
    let boost_cc = vec![urls.followers().to_string(), actor.to_string()];
    let announce_id = urls.new_activity();
    let announce = with_context(blog_activity(
        "Announce",
        &announce_id,
        post_id,
        to,
        boost_cc,
        urls,
    ));
    Ok(vec![
        (create, true, author_inboxes),
        (announce, true, blog_inboxes),
    ])
}

/// The activity for one of the owner's replies.
async fn build_reply(data: &Data<AppState>, event: &Event) -> AppResult<Option<Built>> {
    let (Event::ReplyCreated {
        comment_id,
        parent_author,
    }
    | Event::ReplyUpdated {
        comment_id,
        parent_author,
    }
    | Event::ReplyDeleted {
        comment_id,
        parent_author,
    }) = event
    else {
        return Ok(None);
    };
    let Some(note) = comment::Entity::find_by_id(*comment_id)
        .one(&data.db)
        .await?
    else {
        return Ok(None);
    };
    let author = match parent_author {
        Some(id) => actor::stored(&data.db, id).await?,
        None => None,
    };
    let parent_author = author.as_ref();
    let outgoing = match event {
        Event::ReplyCreated { .. } => Outgoing::CreateNote {
            note: &note,
            parent_author,
        },
        Event::ReplyUpdated { .. } => Outgoing::UpdateNote {
            note: &note,
            parent_author,
        },
        _ => Outgoing::DeleteNote {
            note: &note,
            parent_author,
        },
    };
    Ok(Some(activity(data, outgoing).await?))
}

/// Builds the activity for `outgoing`: the document, whether it is public, and its inboxes.
async fn activity(data: &Data<AppState>, outgoing: Outgoing<'_>) -> AppResult<Built> {
    let urls = &data.urls;
    let (to, cc) = public_addressing(urls);
    let id = urls.new_activity();
    let (doc, public, inboxes) = match outgoing {
        Outgoing::CreatePost(post, counts) | Outgoing::UpdatePost(post, counts) => {
            let kind = if matches!(outgoing, Outgoing::CreatePost(..)) {
                "Create"
            } else {
                "Update"
            };
            let article = threads::article(data, post, counts).await?;
            let doc = with_context(blog_activity(kind, &id, article, to, cc, urls));
            (doc, true, blog_follower_inboxes(data).await?)
        }
        Outgoing::DeletePost(post) => {
            let post_id = urls.post(&post.slug);
            let deleted = post.deleted_at.unwrap_or(post.updated_at);
            let tombstone = tombstone(&post_id, "Article", &deleted);
            let doc = with_context(blog_activity("Delete", &id, tombstone, to, cc, urls));
            (doc, true, blog_follower_inboxes(data).await?)
        }
        Outgoing::Follow { follow_id, target } => {
            let doc = with_context(follow(follow_id, &target.model().ap_id, urls));
            let inbox = Url::parse(&target.model().inbox).ok();
            (doc, false, inbox.into_iter().collect())
        }
        Outgoing::UndoFollow { follow_id, target } => {
            let follow = follow(follow_id, &target.model().ap_id, urls);
            let to = vec![target.model().ap_id.clone()];
            let doc = with_context(blog_activity("Undo", &id, follow, to, vec![], urls));
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
            let mut cc = cc;
            cc.extend(author_id.map(str::to_string));
            let doc = if kind == "Delete" {
                let note_id = Url::parse(&note.ap_id).map_err(AppError::internal)?;
                let deleted = note.deleted_at.unwrap_or(note.published_at);
                let tombstone = tombstone(&note_id, "Note", &deleted);
                with_context(blog_activity(kind, &id, tombstone, to, cc, urls))
            } else {
                let object = threads::local_note(data, note, author_id).await?;
                with_context(blog_activity(kind, &id, object, to, cc, urls))
            };
            let mut inboxes = blog_follower_inboxes(data).await?;
            inboxes.extend(parent_author.and_then(inbox_of));
            (doc, true, inboxes)
        }
    };
    Ok((doc, public, inboxes))
}
