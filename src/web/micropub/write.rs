//! `POST /micropub`: creating, updating, deleting and undeleting posts, with the token's
//! scope and author checked for each.

use super::{
    auth::{require, require_own},
    error::{MpResult, invalid},
    query::{find_post, post_at, properties_of},
    request::{MicropubRequest, apply_update, input_of, read_request},
};
use crate::{federation::state::AppState, services::posts};
use activitypub_federation::config::Data;
use axum::{
    extract::Request,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

/// POST /micropub
pub async fn action(data: Data<AppState>, request: Request) -> Response {
    action_inner(&data, request)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn action_inner(data: &Data<AppState>, request: Request) -> MpResult<Response> {
    let (parsed, token) = read_request(data, request).await?;
    match parsed {
        MicropubRequest::Create(props) => {
            require(&token, "create")?;
            let mut input = input_of(&props, None)?;
            input.author_id = token.user_id;
            if let Some(slug) = &input.slug
                && posts::find_any(&data.db, slug).await?.is_some()
            {
                return Err(invalid(format!(
                    "there is a post with the slug {slug:?} already"
                )));
            }
            let (post, how) = posts::publish(data, input).await?;
            tracing::info!(slug = %post.slug, ?how, token = token.id, "created by Micropub");
            Ok((
                StatusCode::CREATED,
                [(header::LOCATION, data.urls.post(&post.slug).to_string())],
            )
                .into_response())
        }
        MicropubRequest::Update {
            url,
            replace,
            add,
            delete,
        } => {
            require(&token, "update")?;
            let post = post_at(data, &url).await?;
            require_own(&token, &post)?;
            let mut props = properties_of(data, &post);
            apply_update(&mut props, replace, add, delete)?;
            let mut input = input_of(&props, Some(post.slug.clone()))?;
            // A published post stays published; the author stays who wrote it.
            input.draft = input.draft && !post.is_public();
            input.author_id = post.author_id;
            input.author = post.author.clone();
            posts::publish(data, input).await?;
            tracing::info!(slug = %post.slug, token = token.id, "updated by Micropub");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        MicropubRequest::Delete(url) => {
            require(&token, "delete")?;
            let post = post_at(data, &url).await?;
            require_own(&token, &post)?;
            posts::delete(data, &post.slug).await?;
            tracing::info!(slug = %post.slug, token = token.id, "deleted by Micropub");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        MicropubRequest::Undelete(url) => {
            require(&token, "delete")?;
            let post = find_post(data, &url, true).await?;
            require_own(&token, &post)?;
            posts::undelete(data, &post.slug).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}
