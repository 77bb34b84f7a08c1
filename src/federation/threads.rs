//! Threads as other servers read them: the first page of `replies` embedded in our posts and in
//! the blog's own notes (so GoToSocial and Mastodon can backfill the comments), and the `context`
//! of a post's conversation (FEP-7888), each also served as a paged collection.

use crate::{
    db::entities::{comment, post},
    error::AppResult,
    federation::{
        objects::{self, note::NoteThread},
        protocol::{Article, Note, OrderedCollectionPage, ThreadCollection},
        state::AppState,
    },
    render::i18n,
    services::{
        authorizations, authors, comment_policy,
        comments::{self, Listed},
        posts::{self, PostCounts},
    },
};
use serde_json::Value;
use url::Url;

/// Items per page of every thread collection.
pub const PAGE_SIZE: u64 = 20;

/// The `next` of page `page` of a collection of `total` items.
fn next_page(id: &Url, page: u64, total: u64) -> Option<Url> {
    (page.saturating_mul(PAGE_SIZE) < total).then(|| objects::collection::page_url(id, page + 1))
}

/// A collection of the comments `listed`, with its first page embedded.
async fn collection(
    data: &AppState,
    id: &Url,
    listed: Listed<'_>,
    owner: Option<Url>,
    with_post: Option<String>,
) -> AppResult<ThreadCollection> {
    let (mut ids, total) = comments::public_ids(&data.db, listed, 1, PAGE_SIZE).await?;
    let total = total + u64::from(with_post.is_some());
    if let Some(post) = with_post {
        ids.insert(0, post);
    }
    let next = next_page(id, 1, total);
    Ok(objects::collection::thread_collection(
        id, owner, ids, next, total,
    ))
}

/// Page `page` of a collection of the comments `listed` (a post's context starts with the post).
async fn page(
    data: &AppState,
    id: &Url,
    listed: Listed<'_>,
    page: u64,
    with_post: Option<String>,
) -> AppResult<OrderedCollectionPage> {
    let page = page.clamp(1, 1_000_000);
    let (ids, total) = comments::public_ids(&data.db, listed, page, PAGE_SIZE).await?;
    let mut items: Vec<Value> = ids.into_iter().map(Value::String).collect();
    let total = total + u64::from(with_post.is_some());
    if let Some(post) = with_post.filter(|_| page == 1) {
        items.insert(0, Value::String(post));
    }
    let next = next_page(id, page, total);
    let page_id = objects::collection::page_url(id, page);
    Ok(objects::collection::ordered_collection_page(
        &page_id, id, items, next, total,
    ))
}

/// A post as an Article, with the first page of its comments.
pub async fn article(
    data: &AppState,
    post: &post::Model,
    counts: PostCounts,
) -> AppResult<Article> {
    let id = data.urls.post_replies(&post.slug);
    let replies = collection(data, &id, Listed::Post(post.id), None, None).await?;
    let comments = comment_policy::for_post(data.settings.current().blog.comment_policy, post);
    let policy = objects::article::PostPolicy {
        quote: authorizations::quote_policy(data, post),
        comments,
    };
    let by = authors::actor_of_post(data, post).await?;
    Ok(objects::article::post_to_article(
        post, counts, replies, &by, policy, &data.urls,
    ))
}

/// A post's `replies` (no page: the collection with its first page) or one page of it.
pub async fn replies(
    data: &AppState,
    post: &post::Model,
    page_no: Option<u64>,
) -> AppResult<Value> {
    let id = data.urls.post_replies(&post.slug);
    Ok(match page_no {
        None => objects::document::with_context(
            collection(data, &id, Listed::Post(post.id), None, None).await?,
        ),
        Some(n) => {
            objects::document::with_context(page(data, &id, Listed::Post(post.id), n, None).await?)
        }
    })
}

/// A post's conversation: the post itself, then every comment, oldest first.
pub async fn context(
    data: &AppState,
    post: &post::Model,
    page_no: Option<u64>,
) -> AppResult<Value> {
    let id = data.urls.post_context(&post.slug);
    let head = Some(
        data.urls
            .post_object(&post.slug, post.publication)
            .to_string(),
    );
    let listed = Listed::Post(post.id);
    Ok(match page_no {
        None => objects::document::with_context(
            collection(data, &id, listed, Some(data.urls.actor()), head).await?,
        ),
        Some(n) => objects::document::with_context(page(data, &id, listed, n, head).await?),
    })
}

/// The `replies` of one of the blog's notes: at `<note>/replies`.
fn note_replies_id(note: &comment::Model) -> AppResult<Url> {
    Url::parse(&format!("{}/replies", note.ap_id)).map_err(crate::error::AppError::internal)
}

/// One of the blog's notes, with its language (its post's, else the blog's), its post's
/// conversation and the first page of the replies to it.
pub async fn local_note(
    data: &AppState,
    note: &comment::Model,
    parent_author: Option<&str>,
) -> AppResult<Note> {
    let post = match note.post_id {
        Some(id) => posts::find_by_id(&data.db, id).await?,
        None => None,
    };
    let id = note_replies_id(note)?;
    let replies = collection(data, &id, Listed::RepliesTo(&note.ap_id), None, None).await?;
    let thread = NoteThread {
        lang: post
            .as_ref()
            .map_or_else(|| data.config.blog.lang.clone(), |p| p.lang.clone()),
        context: post.as_ref().map(|p| data.urls.post_context(&p.slug)),
        replies,
    };
    let by = comments::speaker(data, note).await?;
    let ui = i18n::language(&data.settings.current().blog.lang);
    Ok(objects::note::comment_to_note(
        note,
        &by,
        parent_author,
        thread,
        ui,
        &data.urls,
    ))
}

/// The replies to one of the blog's notes, as a collection or one page of it.
pub async fn note_replies(
    data: &AppState,
    note: &comment::Model,
    page_no: Option<u64>,
) -> AppResult<Value> {
    let id = note_replies_id(note)?;
    let listed = Listed::RepliesTo(&note.ap_id);
    Ok(match page_no {
        None => objects::document::with_context(collection(data, &id, listed, None, None).await?),
        Some(n) => objects::document::with_context(page(data, &id, listed, n, None).await?),
    })
}
