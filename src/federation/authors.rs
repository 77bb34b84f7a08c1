//! The blog's authors as actors of their own (`blog.author_actors`): their key pairs (in
//! `site_keys`, one per author, made on first use), who a post is attributed to, and the key
//! that signs an activity one of them sends, and the Follow and Undo(Follow) they receive.

use crate::{
    db::entities::{post, user},
    error::{AppError, AppResult},
    federation::{
        actor::RemoteActor,
        objects::{self, actor::Attribution},
        protocol::{Activity, Person, id_of},
        signing::Signer,
        state::{AppState, load_or_create_key},
    },
    services::authors,
};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// The name of an author's key in `site_keys`.
fn key_name(username: &str) -> String {
    format!("author:{username}")
}

/// The public key of `author` (made and stored on first use), as PEM.
pub async fn public_key(db: &DatabaseConnection, author: &user::Model) -> AppResult<String> {
    let key = load_or_create_key(db, &key_name(&author.username))
        .await
        .map_err(AppError::internal)?;
    Ok(key.public_key_pem)
}

/// The actor document of `author`.
pub async fn actor(data: &AppState, author: &user::Model) -> AppResult<Person> {
    let pem = public_key(&data.db, author).await?;
    Ok(objects::actor::user_to_person(data, author, pem))
}

/// Who `post` is by in the fediverse: its author's actor when authors are actors, else the
/// blog's.
pub async fn attribution(data: &AppState, post: &post::Model) -> AppResult<Attribution> {
    Ok(match authors::of_post(data, post).await? {
        Some(author) => Attribution::author(&data.urls, &author.username),
        None => Attribution::blog(&data.urls),
    })
}

/// The signer for activities `actor` sends, when it is one of our author actors; `None` for
/// the blog actor and anyone else (the blog's key signs those).
pub async fn signer(data: &AppState, actor: &str) -> AppResult<Option<Signer>> {
    let Ok(url) = url::Url::parse(actor) else {
        return Ok(None);
    };
    let Some(username) = data.urls.author_of_actor(&url) else {
        return Ok(None);
    };
    let key = load_or_create_key(&data.db, &key_name(&username))
        .await
        .map_err(AppError::internal)?;
    Signer::from_pem(&key.private_key_pem, data.urls.author_key(&username))
        .map(Some)
        .map_err(AppError::internal)
}

/// A Follow of one of the authors: stored, and the author's Accept recorded. Anything else
/// the Follow names is ignored.
pub async fn on_follow(
    data: &AppState,
    activity: &Activity,
    signer: &RemoteActor,
) -> AppResult<()> {
    let Some(target) = id_of(&activity.object) else {
        return Ok(());
    };
    let Some(username) = data.urls.author_of_actor(&target) else {
        return Ok(());
    };
    let Some(author) = authors::actor_user(data, &username).await? else {
        return Ok(());
    };
    let follow = json!({
        "id": activity.id,
        "type": "Follow",
        "actor": activity.actor,
        "object": target,
    });
    authors::accept(data, &author, follow, &activity.id, signer.model()).await
}

/// An Undo of a Follow of one of the authors: that follow ends. Returns whether the Follow
/// named an author (else it was the blog's).
pub async fn on_undo_follow(data: &AppState, activity: &Activity) -> AppResult<bool> {
    let target = activity.object.get("object").and_then(id_of);
    let Some(username) = target.and_then(|t| data.urls.author_of_actor(&t)) else {
        return Ok(false);
    };
    if let Some(author) = authors::actor_user(data, &username).await? {
        authors::unfollowed(&data.db, author.id, &activity.actor).await?;
    }
    Ok(true)
}
