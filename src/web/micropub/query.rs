//! `GET /micropub?q=config|source|syndicate-to`: what the endpoint offers, and a post's
//! source as Micropub properties (read by apps that edit).

use super::{
    auth::{header_token, require, require_own},
    error::{MicropubError, MpResult, invalid},
};
use crate::{db::entities::post, federation::state::AppState, services::posts};
use activitypub_federation::config::Data;
use axum::{
    Json,
    extract::Query,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
pub struct QueryParams {
    q: Option<String>,
    url: Option<String>,
}

/// GET /micropub?q=config|source|syndicate-to
pub async fn query(
    data: Data<AppState>,
    headers: HeaderMap,
    Query(params): Query<QueryParams>,
    uri: axum::http::Uri,
) -> Response {
    query_inner(&data, &headers, params, &uri)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn query_inner(
    data: &AppState,
    headers: &HeaderMap,
    params: QueryParams,
    uri: &axum::http::Uri,
) -> MpResult<Response> {
    let token = header_token(data, headers)
        .await?
        .ok_or(MicropubError::Unauthorized)?;
    match params.q.as_deref() {
        Some("config") => Ok(Json(json!({
            "media-endpoint": data.urls.micropub_media(),
            "syndicate-to": [],
            "post-types": [{"type": "article", "name": "Post"}, {"type": "note", "name": "Note"}],
            "q": ["config", "source", "syndicate-to"],
        }))
        .into_response()),
        Some("syndicate-to") => Ok(Json(json!({"syndicate-to": []})).into_response()),
        Some("source") => {
            let url = params.url.ok_or_else(|| invalid("q=source needs a url"))?;
            let post = post_at(data, &url).await?;
            // Drafts and scheduled posts are for whoever may edit them (Quill and Indiekit
            // read the source to edit); a token that may only create sees what is public.
            if !post.is_public() {
                require(&token, "update")?;
                require_own(&token, &post)?;
            }
            // `properties[]=name&properties[]=content` limits the answer to those.
            let wanted: Vec<String> =
                url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .filter(|(k, _)| k == "properties[]" || k == "properties")
                    .map(|(_, v)| v.to_string())
                    .collect();
            let mut properties = properties_of(data, &post);
            if !wanted.is_empty() {
                properties.retain(|k, _| wanted.contains(k));
                return Ok(Json(json!({"properties": properties})).into_response());
            }
            Ok(Json(json!({"type": ["h-entry"], "properties": properties})).into_response())
        }
        Some(other) => Err(invalid(format!("unknown query {other:?}"))),
        None => Err(invalid("say what to query with q=")),
    }
}

/// A post as Micropub properties (every value an array).
pub(super) fn properties_of(data: &AppState, post: &post::Model) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("name".into(), json!([post.title]));
    p.insert("content".into(), json!([post.body_markdown]));
    p.insert("summary".into(), json!([post.summary]));
    p.insert("category".into(), json!(post.tag_list()));
    p.insert(
        "published".into(),
        json!([post.published_at.to_rfc3339_opts(SecondsFormat::Secs, true)]),
    );
    p.insert(
        "post-status".into(),
        json!([if post.is_public() {
            "published"
        } else {
            "draft"
        }]),
    );
    p.insert("url".into(), json!([data.urls.post(&post.slug)]));
    p.insert("mp-slug".into(), json!([post.slug]));
    if let Some(cover) = &post.cover_url {
        p.insert(
            "featured".into(),
            json!([{"value": cover, "alt": post.cover_alt.clone().unwrap_or_default()}]),
        );
    }
    p
}

/// Our post (any status, not deleted unless `deleted_ok`) at a URL.
pub(super) async fn find_post(
    data: &AppState,
    url: &str,
    deleted_ok: bool,
) -> MpResult<post::Model> {
    let slug = data
        .urls
        .slug_of(url)
        .ok_or_else(|| invalid(format!("{url} is not a post of this blog")))?;
    let post = posts::find_any(&data.db, &slug)
        .await?
        .ok_or_else(|| invalid(format!("there is no post at {url}")))?;
    if post.deleted_at.is_some() && !deleted_ok {
        return Err(invalid(format!("the post at {url} is deleted")));
    }
    Ok(post)
}

pub(super) async fn post_at(data: &AppState, url: &str) -> MpResult<post::Model> {
    find_post(data, url, false).await
}
