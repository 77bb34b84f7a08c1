//! Discovery: WebFinger (the blog, and the application actor as Mastodon and FEP-d556 find
//! it), NodeInfo 2.1 (linking the application actor, FEP-2677) and host-meta.

use crate::web::extract::Query;
use crate::{
    error::{AppError, AppResult},
    federation::state::AppState,
    services::{local_actor, media, posts, users},
};
use activitypub_federation::config::Data;
use axum::{
    Json,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use url::Url;

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// Answers for `acct:user@host` (case-insensitive, with or without `acct:`), the actor URL and
/// the blog's home URL.
pub async fn webfinger(
    data: Data<AppState>,
    Query(query): Query<WebfingerQuery>,
) -> AppResult<Response> {
    let resource = query
        .resource
        .ok_or_else(|| AppError::BadRequest("resource is required".into()))?;
    let wanted = resource.trim();
    let acct = wanted
        .strip_prefix("acct:")
        .unwrap_or(wanted)
        .trim_start_matches('@');
    if let Some(body) = application_webfinger(&data, acct) {
        return Ok(jrd(body));
    }
    let Some((subject, actor, profile, avatar)) = who(&data, wanted).await? else {
        return Err(AppError::NotFound);
    };
    let mut body = json!({
        "subject": subject,
        "aliases": [actor, profile],
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile},
            {"rel": "http://webfinger.net/rel/avatar", "type": media::media_type_of(&avatar), "href": avatar},
            // FEP-3b86: "share on your blog" from other sites opens the editor with the text.
            // No Follow or Object intent: the owner follows and answers remote posts with the
            // CLI, there is no page for it to send a visitor to.
            {"rel": "https://w3id.org/fep/3b86/Create", "template": format!("{}admin/posts/new?content={{content}}", data.urls.base())},
        ],
    });
    // Asked for the server (FEP-d556): the server-level actor too, beside the blog as `self`.
    // Only then: resolvers that take any ActivityPub link (the federation crate's does) would
    // otherwise follow the application instead of the blog.
    let server = wanted.trim_end_matches('/') == data.urls.base().as_str().trim_end_matches('/');
    if server && let Some(links) = body["links"].as_array_mut() {
        links.push(json!({"rel": "https://www.w3.org/ns/activitystreams#Service", "type": "application/activity+json", "href": data.urls.application()}));
    }
    Ok(jrd(body))
}

fn jrd(body: serde_json::Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/jrd+json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// `acct:<host>@<host>` (and the application actor's URL) is the application actor, as
/// Mastodon answers for its instance actor.
fn application_webfinger(data: &AppState, acct: &str) -> Option<serde_json::Value> {
    let application = data.urls.application();
    let name = application.host_str().unwrap_or_default();
    let subject = format!("acct:{name}@{}", data.urls.host());
    let found =
        format!("acct:{acct}").eq_ignore_ascii_case(&subject) || acct == application.as_str();
    found.then(|| {
        json!({
            "subject": subject,
            "aliases": [application],
            "links": [{"rel": "self", "type": "application/activity+json", "href": application}],
        })
    })
}

/// The subject, actor, profile page and avatar `wanted` names: the blog (by handle, actor or
/// home page) or, with author actors, one of the authors (by handle or actor).
async fn who(data: &AppState, wanted: &str) -> AppResult<Option<(String, Url, Url, String)>> {
    let host = data.urls.host();
    let actor = data.urls.actor();
    let acct = wanted
        .strip_prefix("acct:")
        .unwrap_or(wanted)
        .trim_start_matches('@');
    let blog_subject = format!("acct:{}@{host}", data.config.blog.username);
    let base = data.urls.base();
    if format!("acct:{acct}").eq_ignore_ascii_case(&blog_subject)
        || wanted == actor.as_str()
        || wanted.trim_end_matches('/') == base.as_str().trim_end_matches('/')
    {
        return Ok(Some((
            blog_subject,
            actor,
            base.clone(),
            data.urls.icon().to_string(),
        )));
    }
    let username = match acct.rsplit_once('@') {
        Some((user, at)) if at.eq_ignore_ascii_case(&host) => Some(user.to_string()),
        _ => Url::parse(wanted)
            .ok()
            .and_then(|u| data.urls.author_of_actor(&u)),
    };
    let Some(username) = username else {
        return Ok(None);
    };
    let Some(author) = local_actor::author_user(data, &username).await? else {
        return Ok(None);
    };
    let name = &author.username;
    let avatar = author
        .avatar_url
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| data.urls.icon().to_string());
    Ok(Some((
        format!("acct:{name}@{host}"),
        data.urls.author_actor(name),
        data.urls.author(name),
        avatar,
    )))
}

pub async fn nodeinfo_links(data: Data<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "links": [
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                "href": format!("{}nodeinfo/2.1", data.urls.base()),
            },
            // FEP-2677: the application actor.
            {
                "rel": "https://www.w3.org/ns/activitystreams#Application",
                "href": data.urls.application(),
            },
        ]
    }))
}

pub async fn nodeinfo(data: Data<AppState>) -> AppResult<Response> {
    let local_posts = posts::count_live(&data.db).await?;
    // The blog, and its authors when they are accounts of their own.
    let blog = &data.config.blog;
    let accounts = if blog.author_actors {
        let authors = users::list(&data.db).await?;
        1 + authors
            .iter()
            .filter(|u| u.username != blog.username)
            .count()
    } else {
        1
    };
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "feder",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": data.urls.base(),
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": false,
        "usage": {"users": {"total": accounts, "activeMonth": accounts, "activeHalfyear": accounts}, "localPosts": local_posts},
        "metadata": {"nodeName": data.settings.current().blog.title, "nodeDescription": data.settings.current().blog.description},
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        )],
        body.to_string(),
    )
        .into_response())
}

pub async fn host_meta(data: Data<AppState>) -> Response {
    let template = format!("{}.well-known/webfinger?resource={{uri}}", data.urls.base());
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        crate::render::escape_html(&template)
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}
