//! What the blog does with a post or reply from the fediverse, once the federation layer has
//! read it and fetched what it needs: where it goes — a comment in one of our threads, a
//! followers-only or direct reply, a quote or a mention for the owner, the reading list of
//! followed accounts —, its edits and deletions, and the replies and quotes that ask first.
//! A blocked author is dropped here, once for every kind; the comment policy judges each
//! comment (`comment_policy`), and each list's service stores it and tells the owner.

use crate::{
    config::CommentPolicy,
    db::entities::{authorization, comment, post, reaction},
    error::AppResult,
    services::{
        Site,
        authorizations::{self, Grant},
        comment_policy::{self, Candidate},
        comments,
        followers::{self, UndoneFollow},
        follows,
        mentions::{self, Listed},
        outbox::AnsweredRequest,
        posts, reactions, reading,
        remote_notes::{Audience, RemoteNote},
    },
};
use url::Url;

/// A new remote note. `ancestors`: the replies above it Feder had not received, nearest first,
/// as the federation layer fetched them (its thread ends at the last one's parent).
pub async fn note_created(
    site: &Site,
    note: RemoteNote,
    ancestors: Vec<RemoteNote>,
) -> AppResult<()> {
    if site.blocks.refuses(&site.db, note.author.as_str()).await? {
        tracing::debug!(note = %note.id, "note of a blocked author dropped");
        return Ok(());
    }
    if let Some(post) = thread(site, &note, &ancestors).await? {
        // Oldest first, so each one's parent is stored before it.
        for ancestor in ancestors.iter().rev() {
            store_comment(site, ancestor, &post, None).await?;
        }
        // Followers-only and direct replies are not for a public page (nor for our
        // collections): the owner sees them beside the mentions.
        return match note.audience {
            Audience::Public => store_comment(site, &note, &post, None).await.map(drop),
            Audience::Followers | Audience::Direct => {
                mentions::store(site, &note, Listed::PrivateReply).await
            }
        };
    }
    if let Some(quoted) = &note.quotes
        && let Some(post) = posts::live_at(site, quoted.as_str()).await?
    {
        let quote = Listed::Quote { post_id: post.id };
        return mentions::store(site, &note, quote).await;
    }
    if note.mentions.is_some() {
        return mentions::store(site, &note, Listed::Mention).await;
    }
    if follows::is_following(&site.db, &note.author).await? {
        reading::store(&site.db, &note).await?;
    }
    Ok(())
}

/// The post whose thread `note` belongs to: that of its parent, or (when the federation layer
/// fetched ancestors) of the oldest ancestor's parent. A reply under something the page cannot
/// show — a blocked author's, or one not public — is in no thread of ours.
async fn thread(
    site: &Site,
    note: &RemoteNote,
    ancestors: &[RemoteNote],
) -> AppResult<Option<post::Model>> {
    let top = match ancestors.last() {
        Some(oldest) => oldest.in_reply_to.as_ref(),
        None => note.in_reply_to.as_ref(),
    };
    let Some(top) = top else {
        return Ok(None);
    };
    let blocks = site.blocks.current(&site.db).await?;
    if ancestors
        .iter()
        .any(|a| a.audience != Audience::Public || blocks.blocks(a.author.as_str()))
    {
        return Ok(None);
    }
    thread_at(site, top).await
}

/// The post whose thread `url` is in: one of our live posts, or the post of a stored comment.
async fn thread_at(site: &Site, url: &Url) -> AppResult<Option<post::Model>> {
    // A reply to a post (most replies): the post as read once, not its id and then the post.
    if site.urls.slug_of(url.as_str()).is_some() {
        return posts::live_at(site, url.as_str()).await;
    }
    match comments::thread_post(site, url).await? {
        Some(id) => posts::find_by_id(&site.db, id).await,
        None => Ok(None),
    }
}

/// Stores `note` as a comment on `post` with the status the comment policy gives it
/// (`request`: the ReplyRequest it came with). Returns that status.
async fn store_comment(
    site: &Site,
    note: &RemoteNote,
    post: &post::Model,
    request: Option<&Url>,
) -> AppResult<&'static str> {
    let candidate = Candidate {
        post,
        author: note.author.as_str(),
        html: &note.content_html,
        name: None,
        website: None,
        links: note.links,
        max_links: site.config.limits.max_links_per_comment,
    };
    let policy = site.settings.current().blog.comment_policy;
    let status = comment_policy::initial_status(&site.db, policy, &candidate).await?;
    comments::store_remote(site, note, post.id, status, request).await?;
    Ok(status)
}

/// `booster`, an account the blog follows, boosted `note` (with the Announce `announce`): it
/// comes into the Reader's timeline, unless its author is blocked. Only a public post.
pub async fn boosted(
    site: &Site,
    booster: &Url,
    announce: &Url,
    note: RemoteNote,
) -> AppResult<()> {
    if site.blocks.refuses(&site.db, note.author.as_str()).await?
        || site.blocks.refuses(&site.db, booster.as_str()).await?
        || note.audience != Audience::Public
    {
        return Ok(());
    }
    reading::store_boost(&site.db, &note, booster, announce).await
}

/// A reply in the thread of `post` that Feder fetched itself (backfilling the thread).
/// Returns whether it was taken (its author is not blocked).
pub async fn reply_fetched(site: &Site, post: &post::Model, note: &RemoteNote) -> AppResult<bool> {
    if site.blocks.refuses(&site.db, note.author.as_str()).await? {
        return Ok(false);
    }
    store_comment(site, note, post, None).await?;
    Ok(true)
}

/// An edit of a remote note: of a comment (only its author's) or of a post on the reading
/// list. Returns the note when Feder has neither (its Create never reached us): the caller
/// takes it as new (`note_created`) once it has fetched what the thread needs.
pub async fn note_updated(site: &Site, note: RemoteNote) -> AppResult<Option<RemoteNote>> {
    if site.blocks.refuses(&site.db, note.author.as_str()).await? {
        return Ok(None);
    }
    if comments::update_remote(&site.db, &note).await? {
        return Ok(None);
    }
    if reading::find(&site.db, &note.id).await?.is_some() {
        reading::store(&site.db, &note).await?;
        return Ok(None);
    }
    Ok(Some(note))
}

/// `actor` deleted the note `id`: whichever list holds it (their own only) lets it go.
pub async fn note_deleted(site: &Site, id: &Url, actor: &Url) -> AppResult<()> {
    if !comments::delete_remote(&site.db, id, actor).await?
        && !mentions::remove(&site.db, id, actor).await?
    {
        reading::remove(&site.db, id, actor).await?;
    }
    Ok(())
}

/// A reply that asks for approval first (GoToSocial's `ReplyRequest`, for our `canReply` of
/// manual approval): `reply` answers `parent`.
pub struct RequestedReply {
    pub id: Url,
    pub parent: Url,
    pub reply: RemoteNote,
    /// The request, as our `Accept` or `Reject` names it.
    pub request: AnsweredRequest,
}

/// Stores the reply as any comment and answers the request: approved at once, it is accepted
/// at once, else when the owner approves it (`authorizations::answer_held_reply`); with
/// comments closed, or a reply that is not public, it is refused.
pub async fn reply_requested(site: &Site, asked: RequestedReply) -> AppResult<()> {
    let Some(post) = thread_at(site, &asked.parent).await? else {
        return Ok(());
    };
    let author = &asked.reply.author;
    if site.blocks.refuses(&site.db, author.as_str()).await? {
        return Ok(());
    }
    let policy = comment_policy::for_post(site.settings.current().blog.comment_policy, &post);
    if policy == CommentPolicy::Closed || asked.reply.audience != Audience::Public {
        return authorizations::refuse(site, author, asked.request).await;
    }
    let status = store_comment(site, &asked.reply, &post, Some(&asked.id)).await?;
    // A filtered phrase rejected it: its server hears so now, not never.
    if status == comment::REJECTED {
        return authorizations::refuse(site, author, asked.request).await;
    }
    if status == comment::APPROVED {
        let grant = Grant {
            kind: authorization::REPLY,
            post_id: post.id,
            object: &asked.reply.id,
            actor: author,
            request: asked.request,
            request_id: &asked.id,
        };
        authorizations::grant(site, grant, None).await?;
    }
    Ok(())
}

/// A `QuoteRequest`: `actor` asks to quote our post at `target` with the post `quote_id`
/// (`quote`, when it could be had).
pub struct QuoteAsked {
    pub id: Url,
    pub actor: Url,
    pub target: Url,
    pub quote_id: Url,
    pub quote: Option<RemoteNote>,
    /// The request, as our `Accept` or `Reject` names it.
    pub request: AnsweredRequest,
}

/// Answers a quote request per the post's quote policy: granted (the owner is told, the quote
/// listed when known), or refused. Nothing for what is not one of our live posts (as Mastodon
/// does), nor for a blocked actor.
pub async fn quote_requested(site: &Site, asked: QuoteAsked) -> AppResult<()> {
    let Some(post) = posts::live_at(site, asked.target.as_str()).await? else {
        return Ok(());
    };
    if site.blocks.refuses(&site.db, asked.actor.as_str()).await? {
        return Ok(());
    }
    if !authorizations::may_quote(site, &post, asked.actor.as_str()).await? {
        return authorizations::refuse(site, &asked.actor, asked.request).await;
    }
    let grant = Grant {
        kind: authorization::QUOTE,
        post_id: post.id,
        object: &asked.quote_id,
        actor: &asked.actor,
        request: asked.request,
        request_id: &asked.id,
    };
    authorizations::grant(site, grant, asked.quote.as_ref())
        .await
        .map(drop)
}

/// An Undo that names only the id of what `actor` takes back: their Follow of one of our
/// actors, or a like or boost, whichever has that id.
pub async fn undone(site: &Site, actor: &Url, id: &Url) -> AppResult<()> {
    if followers::unfollowed(site, actor, UndoneFollow::Id(id)).await? {
        return Ok(());
    }
    for kind in [reaction::LIKE, reaction::ANNOUNCE] {
        reactions::remove(site, kind, Some(id), None, actor).await?;
    }
    reading::remove_boost(&site.db, id, actor).await.map(drop)
}
