//! Pages for people: the home page, post pages with their comment threads, error pages, and
//! the built-in stylesheet and avatar.

use crate::{
    db::entities::{actor, comment, post},
    error::{AppError, AppResult},
    federation::objects,
    services::{comments, posts},
    state::AppState,
    web::{activity_json, html, wants_activity_json},
};
use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Query},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Serialize)]
struct Site {
    title: String,
    description: String,
    url: String,
    actor: String,
    handle: String,
}

fn site(data: &AppState) -> Site {
    Site {
        title: data.config.blog.title.clone(),
        description: data.config.blog.description.clone(),
        url: data.urls.base().to_string(),
        actor: data.urls.actor().to_string(),
        handle: format!("@{}@{}", data.config.blog.username, data.urls.host()),
    }
}

fn iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn display_date(t: &DateTime<Utc>) -> String {
    t.format("%-d %B %Y").to_string()
}

#[derive(Serialize)]
struct PostSummary {
    title: String,
    url: String,
    summary: String,
    author: Option<String>,
    published: String,
    published_display: String,
}

fn summary_view(data: &AppState, post: &post::Model) -> PostSummary {
    PostSummary {
        title: post.title.clone(),
        url: data.urls.post(&post.slug).to_string(),
        summary: post.summary.clone(),
        author: post
            .author
            .clone()
            .or_else(|| Some(data.config.blog.author.clone())),
        published: iso(&post.published_at),
        published_display: display_date(&post.published_at),
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

pub async fn home(
    data: Data<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if wants_activity_json(&headers) {
        // The blog's home page stands for its actor (its `url`).
        return Ok(activity_json(
            StatusCode::OK,
            objects::with_context(objects::blog_actor(&data).await?),
        ));
    }
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let per_page = data.config.blog.posts_per_page;
    let (list, more) = posts::page(&data.db, page, per_page).await?;
    let context = minijinja::context! {
        site => site(&data),
        lang => data.config.blog.lang,
        posts => list.iter().map(|p| summary_view(&data, p)).collect::<Vec<_>>(),
        newer_page => (page > 1).then(|| page - 1),
        older_page => more.then(|| page + 1),
    };
    let mut response = html(StatusCode::OK, data.templates.render("home.html", context));
    response.headers_mut().insert(
        header::LINK,
        HeaderValue::from_str(&format!(
            "<{}>; rel=\"alternate\"; type=\"application/activity+json\"",
            data.urls.actor()
        ))
        .map_err(AppError::internal)?,
    );
    Ok(response)
}

#[derive(Serialize)]
struct CommentView {
    id: i32,
    author_name: String,
    handle: String,
    profile_url: String,
    avatar: Option<String>,
    url: String,
    published: String,
    published_display: String,
    html: String,
    deleted: bool,
    children: Vec<CommentView>,
}

/// Nests comments under what they reply to; a deleted comment stays only as the parent of others.
fn comment_tree(
    data: &AppState,
    post_url: &str,
    comments: &[comment::Model],
    actors: &HashMap<String, actor::Model>,
) -> Vec<CommentView> {
    let mut children: HashMap<&str, Vec<&comment::Model>> = HashMap::new();
    let known: std::collections::HashSet<&str> =
        comments.iter().map(|c| c.ap_id.as_str()).collect();
    for c in comments {
        // A reply to something we do not have is shown at the top level rather than lost.
        let parent = if known.contains(c.in_reply_to.as_str()) {
            c.in_reply_to.as_str()
        } else {
            post_url
        };
        children.entry(parent).or_default().push(c);
    }
    fn build(
        data: &AppState,
        parent: &str,
        children: &HashMap<&str, Vec<&comment::Model>>,
        actors: &HashMap<String, actor::Model>,
        depth: usize,
    ) -> Vec<CommentView> {
        let Some(list) = children.get(parent) else {
            return vec![];
        };
        list.iter()
            .filter_map(|c| {
                // Deep threads are flattened beyond this depth rather than recursing without end.
                let kids = if depth < 32 {
                    build(data, &c.ap_id, children, actors, depth + 1)
                } else {
                    vec![]
                };
                if c.deleted_at.is_some() && kids.is_empty() {
                    return None;
                }
                let author = actors.get(&c.author_ap_id);
                let (name, handle, profile, avatar) = if c.is_local {
                    (
                        data.config.blog.title.clone(),
                        format!("@{}@{}", data.config.blog.username, data.urls.host()),
                        data.urls.base().to_string(),
                        Some(
                            data.config
                                .blog
                                .icon_url
                                .clone()
                                .unwrap_or_else(|| data.urls.icon().to_string()),
                        ),
                    )
                } else {
                    let host = url::Url::parse(&c.author_ap_id)
                        .ok()
                        .and_then(|u| {
                            Some(match u.port() {
                                Some(port) => format!("{}:{port}", u.host_str()?),
                                None => u.host_str()?.to_string(),
                            })
                        })
                        .unwrap_or_default();
                    let username = author.and_then(|a| a.preferred_username.clone());
                    (
                        author
                            .and_then(|a| a.name.clone())
                            .filter(|n| !n.trim().is_empty())
                            .or_else(|| username.clone())
                            .unwrap_or_else(|| c.author_ap_id.clone()),
                        username.map(|u| format!("@{u}@{host}")).unwrap_or_default(),
                        author
                            .and_then(|a| a.moved_to.clone().or_else(|| a.url.clone()))
                            .unwrap_or_else(|| c.author_ap_id.clone()),
                        author.and_then(|a| a.icon_url.clone()),
                    )
                };
                Some(CommentView {
                    id: c.id,
                    author_name: name,
                    handle,
                    profile_url: profile,
                    avatar,
                    url: c.url.clone().unwrap_or_else(|| c.ap_id.clone()),
                    published: iso(&c.published_at),
                    published_display: display_date(&c.published_at),
                    html: c.content_html.clone(),
                    deleted: c.deleted_at.is_some(),
                    children: kids,
                })
            })
            .collect()
    }
    build(data, post_url, &children, actors, 0)
}

#[derive(Serialize)]
struct Tag {
    name: String,
    url: String,
}

pub async fn post(
    data: Data<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(post) = posts::find(&data.db, &slug).await? else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let url = data.urls.post(&post.slug);
    let counts = posts::counts(&data.db, post.id).await?;
    if wants_activity_json(&headers) {
        return Ok(match post.deleted_at {
            Some(deleted) => activity_json(
                StatusCode::GONE,
                objects::with_context(objects::tombstone(&url, "Article", &deleted)),
            ),
            None => activity_json(
                StatusCode::OK,
                objects::with_context(objects::article(&post, counts, &data.urls)),
            ),
        });
    }
    if post.deleted_at.is_some() {
        return Ok(error_page(&data, &headers, AppError::Gone));
    }
    let (list, actors) = comments::thread(&data.db, post.id).await?;
    let (previous, next) = posts::neighbours(&data.db, &post).await?;
    let context = minijinja::context! {
        site => site(&data),
        lang => post.lang,
        post => minijinja::context! {
            title => post.title,
            summary => post.summary,
            html => post.body_html,
            url => url.to_string(),
            lang => post.lang,
            author => post.author.clone().unwrap_or_else(|| data.config.blog.author.clone()),
            published => iso(&post.published_at),
            published_display => display_date(&post.published_at),
            updated => iso(&post.updated_at),
            tags => post.tag_list().into_iter().map(|t| Tag { url: data.urls.tag(&t).to_string(), name: t }).collect::<Vec<_>>(),
        },
        comments => comment_tree(&data, url.as_str(), &list, &actors),
        comment_count => counts.comments,
        likes => counts.likes,
        boosts => counts.shares,
        previous => previous.as_ref().map(|p| summary_view(&data, p)),
        next => next.as_ref().map(|p| summary_view(&data, p)),
    };
    let mut response = html(StatusCode::OK, data.templates.render("post.html", context));
    response.headers_mut().insert(
        header::LINK,
        HeaderValue::from_str(&format!(
            "<{url}>; rel=\"alternate\"; type=\"application/activity+json\""
        ))
        .map_err(AppError::internal)?,
    );
    Ok(response)
}

/// 404 and 410 as a page for people, as JSON for everything else.
pub fn error_page(data: &AppState, headers: &HeaderMap, error: AppError) -> Response {
    let status = error.status();
    if wants_activity_json(headers) || !matches!(error, AppError::NotFound | AppError::Gone) {
        return error.into_response();
    }
    let (heading, message) = match error {
        AppError::Gone => ("Gone", "This post was deleted by its author."),
        _ => ("Not found", "There is nothing at this address."),
    };
    let context = minijinja::context! {
        site => site(data), lang => data.config.blog.lang, heading => heading, message => message,
    };
    html(status, data.templates.render("error.html", context))
}

pub async fn not_found(data: Data<AppState>, headers: HeaderMap) -> Response {
    error_page(&data, &headers, AppError::NotFound)
}

pub async fn stylesheet(data: Data<AppState>) -> Response {
    match data.templates.render("style.css", ()) {
        Ok(css) => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            css,
        )
            .into_response(),
        Err(e) => AppError::internal(e).into_response(),
    }
}

pub async fn avatar() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        &include_bytes!("../../templates/avatar.png")[..],
    )
        .into_response()
}
