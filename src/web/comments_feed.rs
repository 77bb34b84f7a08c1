//! `/comments/feed.atom`: the blog's newest comments as an Atom feed (what WordPress's
//! `/comments/feed/` was; its old address redirects here).

use crate::{
    db::changes::Shows,
    error::{AppError, AppResult},
    federation::state::AppState,
    render::markdown,
    services::comment_feed,
    web::{cache::showing, views},
};
use activitypub_federation::config::Data;
use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use quick_xml::{
    Writer,
    events::{BytesDecl, BytesText, Event},
};
use std::io;

const LENGTH: u64 = 30;

type Xml = Writer<Vec<u8>>;

fn text(w: &mut Xml, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn link(w: &mut Xml, rel: &str, kind: &str, href: &str) -> io::Result<()> {
    w.create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .with_attribute(("href", href))
        .write_empty()?;
    Ok(())
}

pub async fn atom(data: Data<AppState>) -> AppResult<Response> {
    let list = comment_feed::latest(&data.db, LENGTH).await?;
    let self_url = data
        .urls
        .base()
        .join("comments/feed.atom")
        .map_err(AppError::internal)?
        .to_string();
    let ui = crate::render::i18n::language(&data.config.blog.lang);
    let mut w = Writer::new(Vec::with_capacity(8 * 1024));
    let updated = list
        .first()
        .map(|(c, _)| c.published_at)
        .unwrap_or_else(Utc::now);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
        .map_err(AppError::internal)?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .with_attribute(("xml:lang", data.config.blog.lang.as_str()))
        .write_inner_content(|w| {
            text(w, "id", &self_url)?;
            text(
                w,
                "title",
                &format!("{} – {}", data.config.blog.title, ui.get("comments")),
            )?;
            text(w, "updated", &views::iso(&updated))?;
            link(w, "alternate", "text/html", data.urls.base().as_str())?;
            link(w, "self", "application/atom+xml", &self_url)?;
            for (comment, post) in &list {
                let post_url = data.urls.post(&post.slug);
                let url = views::comment_page_url(&data, post_url.as_str(), comment);
                let name = comment
                    .author_name
                    .clone()
                    .unwrap_or_else(|| ui.get("anonymous").to_string());
                w.create_element("entry").write_inner_content(|w| {
                    text(w, "id", &comment.ap_id)?;
                    text(w, "title", &format!("{name}: {}", post.title))?;
                    text(w, "published", &views::iso(&comment.published_at))?;
                    text(
                        w,
                        "updated",
                        &views::iso(&comment.updated_at.unwrap_or(comment.published_at)),
                    )?;
                    link(w, "alternate", "text/html", &url)?;
                    link(w, "related", "text/html", post_url.as_str())?;
                    w.create_element("author")
                        .write_inner_content(|w| text(w, "name", &name))?;
                    text(w, "summary", &markdown::plain_text(&comment.content_html))?;
                    w.create_element("content")
                        .with_attribute(("type", "html"))
                        .write_text_content(BytesText::new(&comment.content_html))?;
                    Ok(())
                })?;
            }
            Ok(())
        })
        .map_err(AppError::internal)?;
    let response = (
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        w.into_inner(),
    )
        .into_response();
    let shows = Shows {
        all_comments: true,
        ..Shows::posts(list.iter().map(|(_, post)| post.id))
    };
    Ok(showing(response, shows))
}
