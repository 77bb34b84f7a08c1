//! Bringing a blog in: a WordPress export (WXR) with its authors, tags, comments and old
//! addresses (redirected), or a directory of Markdown files with front matter (Hugo, Jekyll,
//! or a `feder export`). Imported posts keep their dates and go to the outbox, but followers
//! are not sent them as new. Running an import again changes what changed and adds nothing
//! twice.

use crate::{
    db::entities::{comment, follower, media as media_entity},
    error::{AppError, AppResult},
    render::sanitize,
    services::Site,
    services::{
        export::{
            ExportedAuthor, ExportedComment, ExportedFollower, ExportedMedia, ExportedRedirect,
        },
        media::{self, Upload},
        posts::{self, Federate, PostInput},
        redirects, users,
    },
};
use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::{Reader, escape::resolve_predefined_entity, events::Event};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub comments: usize,
    pub media: usize,
    pub redirects: usize,
}

/// Progress, for the command's progress bar.
pub enum Progress<'a> {
    Total(u64),
    Item(&'a str),
}

/// An author of a WordPress blog.
#[derive(Debug, Clone, Default)]
pub struct WxrAuthor {
    pub login: String,
    pub display_name: String,
}

/// A comment of a WordPress post.
#[derive(Debug, Clone, Default)]
pub struct WxrComment {
    pub id: String,
    pub author: String,
    pub author_url: String,
    pub date_gmt: String,
    pub content: String,
    pub approved: String,
    pub parent: String,
    pub kind: String,
}

/// One `<item>`: a post, a page, an attachment…
#[derive(Debug, Clone, Default)]
pub struct WxrItem {
    pub title: String,
    pub link: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: String,
    pub post_date: String,
    pub post_date_gmt: String,
    pub modified_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub thumbnail_id: Option<String>,
    pub attachment_url: String,
    pub comments: Vec<WxrComment>,
}

#[derive(Debug, Clone, Default)]
pub struct Wxr {
    /// The blog's language (`de-DE`), the language of every post.
    pub language: Option<String>,
    pub authors: Vec<WxrAuthor>,
    pub items: Vec<WxrItem>,
}

/// Reads a WXR file (WordPress's RSS-based export).
pub fn parse_wxr(text: &str) -> AppResult<Wxr> {
    let mut reader = Reader::from_str(text);
    let mut wxr = Wxr::default();
    let mut path: Vec<String> = vec![];
    let mut buffer = String::new();
    let mut item: Option<WxrItem> = None;
    let mut author: Option<WxrAuthor> = None;
    let mut comment: Option<WxrComment> = None;
    let mut category_domain = String::new();
    let mut meta_key = String::new();
    let bad = |e: &dyn std::fmt::Display| {
        AppError::BadRequest(format!(
            "the WordPress export has text that is not UTF-8: {e}"
        ))
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            AppError::BadRequest(format!(
                "the WordPress export is not valid XML near byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                buffer.clear();
                match name.as_str() {
                    "item" => item = Some(WxrItem::default()),
                    "wp:author" if item.is_none() => author = Some(WxrAuthor::default()),
                    "wp:comment" => comment = Some(WxrComment::default()),
                    "category" => {
                        category_domain = e
                            .try_get_attribute("domain")
                            .ok()
                            .flatten()
                            .and_then(|a| a.unescape_value().ok().map(|v| v.to_string()))
                            .unwrap_or_default();
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::Text(e) => buffer.push_str(&e.decode().map_err(|e| bad(&e))?),
            Event::CData(e) => buffer.push_str(&e.decode().map_err(|e| bad(&e))?),
            Event::GeneralRef(e) => {
                if let Some(c) = e.resolve_char_ref().map_err(|e| bad(&e))? {
                    buffer.push(c);
                } else {
                    let name = e.decode().map_err(|e| bad(&e))?;
                    buffer.push_str(resolve_predefined_entity(&name).unwrap_or(""));
                }
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { continue };
                let text = std::mem::take(&mut buffer);
                if let Some(c) = comment.as_mut() {
                    match name.as_str() {
                        "wp:comment_id" => c.id = text,
                        "wp:comment_author" => c.author = text,
                        "wp:comment_author_url" => c.author_url = text,
                        "wp:comment_date_gmt" => c.date_gmt = text,
                        "wp:comment_content" => c.content = text,
                        "wp:comment_approved" => c.approved = text,
                        "wp:comment_parent" => c.parent = text,
                        "wp:comment_type" => c.kind = text,
                        "wp:comment" => {
                            if let (Some(done), Some(i)) = (comment.take(), item.as_mut()) {
                                i.comments.push(done);
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                if let Some(i) = item.as_mut() {
                    match name.as_str() {
                        "title" => i.title = text,
                        "link" => i.link = text,
                        "dc:creator" => i.creator = text,
                        "content:encoded" => i.content = text,
                        "excerpt:encoded" => i.excerpt = text,
                        "wp:post_id" => i.post_id = text,
                        "wp:post_date" => i.post_date = text,
                        "wp:post_date_gmt" => i.post_date_gmt = text,
                        "wp:post_modified_gmt" => i.modified_gmt = text,
                        "wp:post_name" => i.post_name = text,
                        "wp:status" => i.status = text,
                        "wp:post_type" => i.post_type = text,
                        "wp:attachment_url" => i.attachment_url = text,
                        "wp:meta_key" => meta_key = text,
                        "wp:meta_value" if meta_key == "_thumbnail_id" => {
                            i.thumbnail_id = Some(text.trim().to_string())
                        }
                        "category" => {
                            let value = text.trim().to_string();
                            match category_domain.as_str() {
                                "post_tag" => i.tags.push(value),
                                "category" => i.categories.push(value),
                                _ => {}
                            }
                        }
                        "item" => {
                            if let Some(done) = item.take() {
                                wxr.items.push(done);
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                if name == "language" && path.last().is_some_and(|p| p == "channel") {
                    wxr.language = Some(text.trim().to_string()).filter(|l| !l.is_empty());
                    continue;
                }
                if let Some(a) = author.as_mut() {
                    match name.as_str() {
                        "wp:author_login" => a.login = text,
                        "wp:author_display_name" => a.display_name = text,
                        "wp:author" => {
                            if let Some(done) = author.take() {
                                wxr.authors.push(done);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(wxr)
}

/// WordPress times: `2019-05-12 10:30:00` (GMT), `0000-00-00 00:00:00` when never set.
fn wp_time(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// An ASCII slug for a WordPress `post_name` (which may be percent-encoded Unicode).
fn slug_for(item: &WxrItem) -> String {
    let decoded = percent_encoding::percent_decode_str(item.post_name.trim()).decode_utf8_lossy();
    let slug = posts::slugify(&decoded);
    if decoded.trim().is_empty() || slug == "post" {
        posts::slugify(&item.title)
    } else {
        slug
    }
}

/// A WordPress login as one of our user names (ASCII: `jörg` becomes `jorg`).
fn username_for(login: &str) -> String {
    match slug::slugify(login) {
        name if name.is_empty() => "author".into(),
        name => name,
    }
}

/// Plain comment text (WordPress keeps line breaks, not paragraphs) as sanitized HTML.
fn comment_html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>")))
        .collect();
    sanitize::comment_html(&paragraphs.join(""))
}

/// Where `--download-media` finds files: a local copy of `wp-content/uploads`.
pub struct WordpressOptions {
    pub uploads_dir: Option<PathBuf>,
}

/// The file in `uploads` that a WordPress upload URL points to.
fn local_upload(uploads: &Path, url: &str) -> Option<PathBuf> {
    let (_, relative) = url.split_once("/wp-content/uploads/")?;
    let relative = relative.split(['?', '#']).next()?;
    let decoded = percent_encoding::percent_decode_str(relative).decode_utf8_lossy();
    if decoded
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return None;
    }
    let path = uploads.join(decoded.as_ref());
    path.is_file().then_some(path)
}

/// Stores a local upload once (by its path below `uploads`); returns our URL for it.
async fn import_upload(
    data: &Site,
    uploads: &Path,
    url: &str,
    alt: &str,
    report: &mut ImportReport,
    display: bool,
) -> AppResult<Option<String>> {
    let Some(path) = local_upload(uploads, url) else {
        return Ok(None);
    };
    let original_name = path
        .strip_prefix(uploads)
        .unwrap_or(&path)
        .to_string_lossy()
        .to_string();
    let existing = media_entity::Entity::find()
        .filter(media_entity::Column::OriginalName.eq(original_name.as_str()))
        .one(&data.db)
        .await?;
    let stored = match existing {
        Some(m) => m,
        None => {
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
            report.media += 1;
            media::store(
                data,
                Upload {
                    bytes,
                    original_name,
                    alt: alt.to_string(),
                    user_id: None,
                },
            )
            .await?
        }
    };
    let file = if display {
        stored.display_file_name()
    } else {
        stored.card_file_name()
    };
    Ok(Some(data.urls.media(&file).to_string()))
}

/// The URLs of images in WordPress HTML (`src="…"`).
fn image_sources(html: &str) -> Vec<String> {
    let mut found = vec![];
    let mut rest = html;
    while let Some(at) = rest.find("src=") {
        rest = &rest[at + 4..];
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        rest = &rest[1..];
        if let Some(end) = rest.find(quote) {
            found.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    found
}

/// Imports a WordPress export. `progress` hears of every post.
pub async fn wordpress(
    data: &Site,
    xml: &str,
    options: &WordpressOptions,
    progress: &mut dyn FnMut(Progress),
) -> AppResult<ImportReport> {
    let wxr = parse_wxr(xml)?;
    let mut report = ImportReport::default();
    let mut authors: HashMap<String, i32> = HashMap::new();
    for a in &wxr.authors {
        let display = if a.display_name.trim().is_empty() {
            &a.login
        } else {
            &a.display_name
        };
        let user = users::ensure_author(&data.db, &username_for(&a.login), display.trim()).await?;
        authors.insert(a.login.clone(), user.id);
    }
    let attachments: HashMap<&str, &str> = wxr
        .items
        .iter()
        .filter(|i| i.post_type == "attachment")
        .map(|i| (i.post_id.as_str(), i.attachment_url.as_str()))
        .collect();
    let posts: Vec<&WxrItem> = wxr.items.iter().filter(|i| i.post_type == "post").collect();
    report.skipped = wxr.items.len() - posts.len() - attachments.len();
    progress(Progress::Total(posts.len() as u64));
    for item in posts {
        progress(Progress::Item(&item.title));
        let draft = match item.status.as_str() {
            "publish" => false,
            "draft" | "future" | "pending" => true,
            // Private, trashed and auto-drafts stay behind.
            _ => {
                report.skipped += 1;
                continue;
            }
        };
        let slug = slug_for(item);
        let published = wp_time(&item.post_date_gmt).or_else(|| wp_time(&item.post_date));
        let mut body = item.content.replace("\r\n", "\n");
        let mut cover = item
            .thumbnail_id
            .as_deref()
            .and_then(|id| attachments.get(id))
            .map(|url| url.to_string())
            .filter(|url| !url.is_empty());
        if let Some(uploads) = &options.uploads_dir {
            for src in image_sources(&body) {
                if let Some(ours) =
                    import_upload(data, uploads, &src, "", &mut report, true).await?
                {
                    body = body.replace(&src, &ours);
                }
            }
            if let Some(url) = cover.clone()
                && let Some(ours) =
                    import_upload(data, uploads, &url, "", &mut report, false).await?
            {
                cover = Some(ours);
            }
        }
        let mut tags = item.tags.clone();
        for c in &item.categories {
            if c != "Uncategorized" && !tags.contains(c) {
                tags.push(c.clone());
            }
        }
        let input = PostInput {
            title: if item.title.trim().is_empty() {
                slug.clone()
            } else {
                item.title.trim().to_string()
            },
            slug: Some(slug.clone()),
            lang: wxr.language.clone(),
            tags,
            summary: Some(item.excerpt.trim().to_string()).filter(|e| !e.is_empty()),
            published,
            author: None,
            body_markdown: body,
            draft,
            author_id: authors.get(&item.creator).copied(),
            cover_url: cover,
            cover_alt: None,
            // Never "now": a second run must leave the post as it is.
            updated: wp_time(&item.modified_gmt).or(published),
        };
        let existed = posts::find_any(&data.db, &slug).await?.is_some();
        let (post, _) = posts::save(data, input, Federate::No).await?;
        count(&mut report, existed);
        let target = format!("/posts/{}", post.slug);
        if !item.link.trim().is_empty() {
            redirects::add(&data.db, item.link.trim(), &target).await?;
            report.redirects += 1;
        }
        let post_url = data.urls.post(&post.slug);
        let comment_id = |id: &str| format!("{post_url}#comment-{id}");
        for c in &item.comments {
            let approved = c.approved == "1";
            let is_comment = c.kind.is_empty() || c.kind == "comment";
            if !approved || !is_comment {
                continue;
            }
            let ap_id = comment_id(&c.id);
            let in_reply_to = match c.parent.trim() {
                "" | "0" => post_url.to_string(),
                parent => comment_id(parent),
            };
            let author_url = c.author_url.trim();
            let author_ap_id =
                if author_url.starts_with("http://") || author_url.starts_with("https://") {
                    author_url.to_string()
                } else {
                    ap_id.clone()
                };
            let row = comment::ActiveModel {
                ap_id: Set(ap_id),
                post_id: Set(Some(post.id)),
                in_reply_to: Set(in_reply_to),
                author_ap_id: Set(author_ap_id),
                content_html: Set(comment_html(&c.content)),
                url: Set(None),
                is_local: Set(false),
                published_at: Set(wp_time(&c.date_gmt).unwrap_or(post.published_at)),
                updated_at: Set(None),
                deleted_at: Set(None),
                author_name: Set(Some(c.author.trim().to_string())),
                ..Default::default()
            };
            let inserted = comment::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(comment::Column::ApId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&data.db)
                .await?;
            report.comments += inserted as usize;
        }
    }
    Ok(report)
}

fn count(report: &mut ImportReport, existed: bool) {
    if existed {
        report.updated += 1;
    } else {
        report.created += 1;
    }
}

/// Every Markdown file below `dir` (sorted, so imports are repeatable).
fn markdown_files(dir: &Path) -> AppResult<Vec<PathBuf>> {
    let mut found = vec![];
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", current.display())))?;
        for entry in entries {
            let path = entry.map_err(AppError::internal)?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "md" || e == "markdown")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The slug a static site generator would give a file: its name, or its folder's name for
/// a page bundle (`post/index.md`).
fn file_slug(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_string_lossy().to_string();
    let stem = if stem == "index" || stem == "_index" {
        path.parent()?.file_name()?.to_string_lossy().to_string()
    } else {
        stem
    };
    // Jekyll names posts 2019-05-12-title.md.
    let stem = match stem.get(..11) {
        Some(prefix)
            if prefix.len() == 11
                && chrono::NaiveDate::parse_from_str(&prefix[..10], "%Y-%m-%d").is_ok() =>
        {
            stem[11..].to_string()
        }
        _ => stem,
    };
    let slug = posts::slugify(&stem);
    (slug != "post" || stem == "post").then_some(slug)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> AppResult<Option<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AppError::BadRequest(format!("{}: {e}", path.display()))),
    }
}

/// Imports Markdown files with front matter from `dir`; with what `feder export` writes
/// beside them (authors, media, comments, followers, redirects) the blog is rebuilt.
pub async fn markdown(
    data: &Site,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> AppResult<ImportReport> {
    let mut report = ImportReport::default();
    let mut author_ids: HashMap<String, i32> = HashMap::new();
    if let Some(authors) = read_json::<Vec<ExportedAuthor>>(&dir.join("authors.json"))? {
        for a in authors {
            let user = users::ensure_author(&data.db, &a.username, &a.display_name).await?;
            let user = users::update_profile(
                &data.db,
                user,
                users::Profile {
                    display_name: a.display_name.clone(),
                    bio: a.bio,
                    avatar_url: a.avatar_url,
                    fediverse_handle: a.fediverse_handle,
                },
            )
            .await?;
            author_ids.insert(a.display_name, user.id);
        }
    }
    if let Some(list) = read_json::<Vec<ExportedMedia>>(&dir.join("media/media.json"))? {
        for m in list {
            let mut files = vec![];
            let row = m.into_model();
            for name in [
                row.file_name(),
                row.display_file_name(),
                row.card_file_name(),
            ] {
                let path = dir.join("media").join(&name);
                let bytes = std::fs::read(&path)
                    .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
                files.push((name, bytes));
            }
            media::restore(data, row, files).await?;
            report.media += 1;
        }
    }
    let files = markdown_files(dir)?;
    progress(Progress::Total(files.len() as u64));
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
        let mut input = posts::parse_markdown_file(&text)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
        progress(Progress::Item(&input.title));
        if input.slug.is_none() {
            input.slug = file_slug(&path);
        }
        input.author_id = input
            .author
            .as_ref()
            .and_then(|name| author_ids.get(name))
            .copied();
        let existed = match &input.slug {
            Some(slug) => posts::find_any(&data.db, slug).await?.is_some(),
            None => false,
        };
        let (post, _) = posts::save(data, input, Federate::No).await?;
        count(&mut report, existed);
        let comments_file = dir.join("comments").join(format!("{}.json", post.slug));
        if let Some(list) = read_json::<Vec<ExportedComment>>(&comments_file)? {
            for c in list {
                let inserted = comment::Entity::insert(c.into_active(post.id))
                    .on_conflict(
                        OnConflict::column(comment::Column::ApId)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&data.db)
                    .await?;
                report.comments += inserted as usize;
            }
        }
    }
    if let Some(list) = read_json::<Vec<ExportedFollower>>(&dir.join("followers.json"))? {
        for f in list {
            follower::Entity::insert(f.into_active())
                .on_conflict(
                    OnConflict::column(follower::Column::ActorApId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&data.db)
                .await?;
        }
    }
    if let Some(list) = read_json::<Vec<ExportedRedirect>>(&dir.join("redirects.json"))? {
        for r in list {
            redirects::add(&data.db, &r.old_path, &r.target).await?;
            report.redirects += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wordpress_export() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel>
<wp:author><wp:author_login><![CDATA[jörg]]></wp:author_login><wp:author_display_name><![CDATA[Jörg Müller]]></wp:author_display_name></wp:author>
<item>
<title>Grüße &amp; mehr</title>
<link>https://old.example/2019/05/gr%C3%BC%C3%9Fe/</link>
<dc:creator><![CDATA[jörg]]></dc:creator>
<content:encoded><![CDATA[<p>Hallo &amp; <em>Welt</em></p>]]></content:encoded>
<wp:post_id>7</wp:post_id>
<wp:post_date_gmt>2019-05-12 10:30:00</wp:post_date_gmt>
<wp:post_name><![CDATA[gr%c3%bc%c3%9fe]]></wp:post_name>
<wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
<category domain="post_tag" nicename="koln"><![CDATA[Köln]]></category>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_author>Zoë</wp:comment_author><wp:comment_content><![CDATA[Schön!]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved></wp:comment>
</item>
</channel>
</rss>"#;
        let wxr = parse_wxr(xml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wxr.authors[0].display_name, "Jörg Müller");
        assert_eq!(wxr.language, None);
        let item = &wxr.items[0];
        assert_eq!(item.title, "Grüße & mehr");
        assert_eq!(item.tags, vec!["Köln"]);
        assert_eq!(item.comments[0].author, "Zoë");
        assert_eq!(slug_for(item), "grusse");
        assert_eq!(username_for("jörg"), "jorg");
        assert_eq!(
            wp_time(&item.post_date_gmt)
                .map(|t| t.to_rfc3339())
                .as_deref(),
            Some("2019-05-12T10:30:00+00:00")
        );
        assert!(parse_wxr("<rss><channel><item></channel>").is_err());
    }

    #[test]
    fn file_slugs_and_sources() {
        assert_eq!(
            file_slug(Path::new("posts/2019-05-12-hello-world.md")).as_deref(),
            Some("hello-world")
        );
        assert_eq!(
            file_slug(Path::new("content/my-trip/index.md")).as_deref(),
            Some("my-trip")
        );
        assert_eq!(
            image_sources(
                r#"<img src="https://a/wp-content/uploads/x.jpg" alt=""><img src='b.png'>"#
            ),
            vec!["https://a/wp-content/uploads/x.jpg", "b.png"]
        );
        assert_eq!(comment_html("a\nb\n\nc"), "<p>a<br>b</p><p>c</p>");
    }
}
