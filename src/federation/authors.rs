//! The blog's authors as actors of their own (`blog.author_actors`): the actor document of
//! each (their key is their `LocalActor`'s, see `local_actor`).

use crate::{
    db::entities::user,
    error::AppResult,
    federation::{local_actor, objects, protocol::Person, state::AppState},
    services::local_actor::LocalActor,
};

/// The actor document of `author`.
pub async fn actor(data: &AppState, author: &user::Model) -> AppResult<Person> {
    let me = LocalActor::Author(author.username.clone());
    let pem = local_actor::public_key(&data.db, &me).await?;
    Ok(objects::actor::user_to_person(data, author, pem))
}
