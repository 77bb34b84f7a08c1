//! What the outboxes (`/actor/outbox`, `/authors/<name>/outbox`) list: for each live post the
//! activity its followers were sent, built by the functions that built it for delivery, so
//! with the same id (only the counts and edits since differ).

use super::posts::{announce, create};
use crate::{
    db::entities::post,
    error::AppResult,
    federation::{protocol::OutboxActivity, state::AppState, threads},
    services::{authors, local_actor::LocalActor, posts},
};

/// The activity `local`'s outbox lists for `post`: the post's Create by `local`, or, in the
/// blog's outbox, the blog's Announce of an author's post.
pub async fn listed(
    data: &AppState,
    local: &LocalActor,
    post: &post::Model,
) -> AppResult<OutboxActivity> {
    let by = authors::actor_of_post(data, post).await?;
    if *local == LocalActor::Blog && by != LocalActor::Blog {
        return Ok(OutboxActivity::Id(announce(post, &by, &data.urls)));
    }
    let counts = posts::counts(&data.db, post.id).await?;
    let article = threads::article(data, post, counts).await?;
    Ok(OutboxActivity::Article(Box::new(create(
        post, article, &data.urls,
    ))))
}
