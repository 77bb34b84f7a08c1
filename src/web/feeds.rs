//! Feeds for readers that do not speak ActivityPub: Atom, RSS 2.0 and JSON Feed 1.1, for the
//! whole blog and per tag; and sitemap.xml for search engines. XML is written with a real XML
//! writer, so every text is escaped.

use crate::web::extract::Path;
use crate::{
    db::{
        changes::Shows,
        entities::{page, post},
    },
    error::{AppError, AppResult},
    federation::state::AppState,
    services::{pages, posts},
    web::cache::showing,
    web::pages::error_page,
    web::views::{self, Authors},
};
use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use quick_xml::{
    Writer,
    events::{BytesDecl, BytesText, Event},
};
use serde_json::json;
use std::{collections::BTreeSet, io};

/// How many of the newest posts a feed carries.
const FEED_LENGTH: u64 = 20;
/// The most URLs one sitemap file may list.
const SITEMAP_LIMIT: u64 = 50_000;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Atom,
    Rss,
    Json,
}

impl Kind {
    fn from_file(file: &str) -> Option<Kind> {
        match file {
            "feed.atom" => Some(Kind::Atom),
            "feed.rss" => Some(Kind::Rss),
            "feed.json" => Some(Kind::Json),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Atom => "atom",
            Kind::Rss => "rss",
            Kind::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Kind::Atom => "application/atom+xml; charset=utf-8",
            Kind::Rss => "application/rss+xml; charset=utf-8",
            Kind::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// What a feed is about: its title, the page it mirrors, its own address, and its posts.
struct Feed {
    title: String,
    description: String,
    lang: String,
    page_url: String,
    self_url: String,
    posts: Vec<post::Model>,
}

pub async fn blog_atom(data: Data<AppState>) -> AppResult<Response> {
    blog_feed(&data, Kind::Atom).await
}
pub async fn blog_rss(data: Data<AppState>) -> AppResult<Response> {
    blog_feed(&data, Kind::Rss).await
}
pub async fn blog_json(data: Data<AppState>) -> AppResult<Response> {
    blog_feed(&data, Kind::Json).await
}

async fn blog_feed(data: &AppState, kind: Kind) -> AppResult<Response> {
    let (list, _) = posts::page(&data.db, 1, FEED_LENGTH).await?;
    let settings = data.settings.current();
    let blog = &settings.blog;
    let feed = Feed {
        title: blog.title.clone(),
        description: blog.description.clone(),
        lang: blog.lang.clone(),
        page_url: data.urls.base().to_string(),
        self_url: data.urls.feed(kind.extension()).to_string(),
        posts: list,
    };
    respond(data, kind, &feed).await
}

/// `/tags/<tag>/feed.atom` (`.rss`, `.json`).
pub async fn tag_feed(
    data: Data<AppState>,
    Path((tag, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(kind) = Kind::from_file(&file) else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let (list, _) = posts::tagged(&data.db, &tag, 1, FEED_LENGTH).await?;
    if list.is_empty() {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    let settings = data.settings.current();
    let blog = &settings.blog;
    let feed = Feed {
        title: format!("{} – #{tag}", blog.title),
        description: blog.description.clone(),
        lang: blog.lang.clone(),
        page_url: data.urls.tag(&tag).to_string(),
        self_url: data.urls.tag_feed(&tag, kind.extension()).to_string(),
        posts: list,
    };
    respond(&data, kind, &feed).await
}

async fn respond(data: &AppState, kind: Kind, feed: &Feed) -> AppResult<Response> {
    let authors = Authors::load(data).await?;
    let body = match kind {
        Kind::Atom => atom(data, &authors, feed),
        Kind::Rss => rss(data, &authors, feed),
        Kind::Json => Ok(json_feed(data, &authors, feed).into_bytes()),
    }
    .map_err(AppError::internal)?;
    let response = (
        [
            (header::CONTENT_TYPE, kind.content_type()),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response();
    Ok(showing(
        response,
        Shows::posts(feed.posts.iter().map(|p| p.id)),
    ))
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    views::iso(t)
}

/// The newest change among the posts (or now, for a feed without posts).
fn updated(feed: &Feed) -> DateTime<Utc> {
    feed.posts
        .iter()
        .map(|p| p.updated_at)
        .max()
        .unwrap_or_else(Utc::now)
}

type Xml = Writer<Vec<u8>>;

fn text(w: &mut Xml, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn start(w: &mut Xml) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
}

/// Atom (RFC 4287).
fn atom(data: &AppState, authors: &Authors, feed: &Feed) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::with_capacity(16 * 1024));
    start(&mut w)?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xml:lang", feed.lang.as_str()))
        .write_inner_content(|w| {
            text(w, "id", &feed.self_url)?;
            text(w, "title", &feed.title)?;
            text(w, "subtitle", &feed.description)?;
            text(w, "updated", &rfc3339(&updated(feed)))?;
            w.create_element("link")
                .with_attribute(("rel", "alternate"))
                .with_attribute(("type", "text/html"))
                .with_attribute(("href", feed.page_url.as_str()))
                .write_empty()?;
            w.create_element("link")
                .with_attribute(("rel", "self"))
                .with_attribute(("type", "application/atom+xml"))
                .with_attribute(("href", feed.self_url.as_str()))
                .write_empty()?;
            w.create_element("author")
                .write_inner_content(|w| text(w, "name", &data.settings.current().blog.title))?;
            text(w, "icon", &views::site(data).icon)?;
            w.create_element("generator")
                .write_text_content(BytesText::new("Feder"))?;
            for post in &feed.posts {
                let url = data.urls.post(&post.slug).to_string();
                let author = authors.of(post);
                w.create_element("entry")
                    .with_attribute(("xml:lang", post.lang.as_str()))
                    .write_inner_content(|w| {
                        text(w, "id", &url)?;
                        // Atom wants a title: a note's is the beginning of its text.
                        text(w, "title", &views::headline(post))?;
                        text(w, "published", &rfc3339(&post.published_at))?;
                        text(w, "updated", &rfc3339(&post.updated_at))?;
                        w.create_element("link")
                            .with_attribute(("rel", "alternate"))
                            .with_attribute(("type", "text/html"))
                            .with_attribute(("href", url.as_str()))
                            .write_empty()?;
                        w.create_element("author").write_inner_content(|w| {
                            text(w, "name", &author.name)?;
                            text(w, "uri", &author.url)
                        })?;
                        for tag in post.tag_list() {
                            w.create_element("category")
                                .with_attribute(("term", tag.as_str()))
                                .write_empty()?;
                        }
                        text(w, "summary", &post.summary)?;
                        w.create_element("content")
                            .with_attribute(("type", "html"))
                            .write_text_content(BytesText::new(&post.body_html))?;
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}

/// RSS 2.0, with `atom:link rel=self` and `dc:creator` as feed validators ask.
fn rss(data: &AppState, authors: &Authors, feed: &Feed) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::with_capacity(16 * 1024));
    start(&mut w)?;
    w.create_element("rss")
        .with_attribute(("version", "2.0"))
        .with_attribute(("xmlns:atom", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xmlns:dc", "http://purl.org/dc/elements/1.1/"))
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                text(w, "title", &feed.title)?;
                text(w, "link", &feed.page_url)?;
                text(w, "description", &feed.description)?;
                text(w, "language", &feed.lang)?;
                text(w, "lastBuildDate", &updated(feed).to_rfc2822())?;
                text(w, "generator", "Feder")?;
                w.create_element("atom:link")
                    .with_attribute(("href", feed.self_url.as_str()))
                    .with_attribute(("rel", "self"))
                    .with_attribute(("type", "application/rss+xml"))
                    .write_empty()?;
                for post in &feed.posts {
                    let url = data.urls.post(&post.slug).to_string();
                    let author = authors.of(post);
                    w.create_element("item").write_inner_content(|w| {
                        // A note is an item without a title, as RSS allows.
                        if !post.is_note() {
                            text(w, "title", &post.title)?;
                        }
                        text(w, "link", &url)?;
                        w.create_element("guid")
                            .with_attribute(("isPermaLink", "true"))
                            .write_text_content(BytesText::new(&url))?;
                        text(w, "pubDate", &post.published_at.to_rfc2822())?;
                        text(w, "dc:creator", &author.name)?;
                        for tag in post.tag_list() {
                            text(w, "category", &tag)?;
                        }
                        text(w, "description", &post.body_html)
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

/// JSON Feed 1.1.
fn json_feed(data: &AppState, authors: &Authors, feed: &Feed) -> String {
    let items: Vec<_> = feed
        .posts
        .iter()
        .map(|post| {
            let url = data.urls.post(&post.slug);
            let author = authors.of(post);
            let mut person = json!({"name": author.name, "url": author.url});
            if let Some(avatar) = &author.avatar {
                person["avatar"] = json!(avatar);
            }
            let mut item = json!({
                "id": url,
                "url": url,
                "title": post.title,
                "summary": post.summary,
                "content_html": post.body_html,
                "date_published": rfc3339(&post.published_at),
                "date_modified": rfc3339(&post.updated_at),
                "authors": [person],
                "tags": post.tag_list(),
                "language": post.lang,
            });
            // A note has no title (JSON Feed's microblog items have none either).
            if post.is_note()
                && let Some(item) = item.as_object_mut()
            {
                item.remove("title");
            }
            item
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.page_url,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": feed.lang,
        "icon": views::site(data).icon,
        "authors": [{"name": data.settings.current().blog.title, "url": data.urls.base()}],
        "items": items,
    })
    .to_string()
}

/// `/sitemap.xml`: the home page, the archive, every post, every published static page and
/// every tag page.
pub async fn sitemap(data: Data<AppState>) -> AppResult<Response> {
    let (list, _) = posts::page(&data.db, 1, SITEMAP_LIMIT).await?;
    let static_pages = pages::published(&data.db).await?;
    let body = sitemap_xml(&data, &list, &static_pages).map_err(AppError::internal)?;
    let response = (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response();
    Ok(showing(response, Shows::posts(list.iter().map(|p| p.id))))
}

fn sitemap_xml(
    data: &AppState,
    list: &[post::Model],
    static_pages: &[page::Model],
) -> io::Result<Vec<u8>> {
    let newest = list.iter().map(|p| p.updated_at).max();
    let tags: BTreeSet<String> = list.iter().flat_map(|p| p.tag_list()).collect();
    let mut w = Writer::new(Vec::with_capacity(64 * 1024));
    start(&mut w)?;
    let url = |w: &mut Xml, loc: &str, lastmod: Option<&DateTime<Utc>>| -> io::Result<()> {
        w.create_element("url").write_inner_content(|w| {
            text(w, "loc", loc)?;
            if let Some(t) = lastmod {
                text(w, "lastmod", &rfc3339(t))?;
            }
            Ok(())
        })?;
        Ok(())
    };
    w.create_element("urlset")
        .with_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"))
        .write_inner_content(|w| {
            url(w, data.urls.base().as_str(), newest.as_ref())?;
            url(w, data.urls.archive().as_str(), newest.as_ref())?;
            for post in list {
                url(
                    w,
                    data.urls.post(&post.slug).as_str(),
                    Some(&post.updated_at),
                )?;
            }
            for page in static_pages {
                url(
                    w,
                    data.urls.page(&page.slug).as_str(),
                    Some(&page.updated_at),
                )?;
            }
            for tag in &tags {
                url(w, data.urls.tag(tag).as_str(), None)?;
            }
            Ok(())
        })?;
    Ok(w.into_inner())
}
