//! Importing a Mastodon archive (*Preferences → Import and export → Request your archive*:
//! a zip, or the directory it unpacks to, as Mastodon's `BackupService` writes it). Each
//! public toot of the account becomes a note with its original date, language, hashtags and
//! images (the archive's `media_attachments/…` files, stored here); the account's replies to
//! its own toots stay under them as a thread of comments. Boosts, replies to others, and
//! toots that were not public are left out, and said so. Nothing is sent to followers, and
//! importing again adds nothing: a toot's note is named after its id.

use super::report::{ImportReport, Progress, count};
use crate::{
    db::entities::{comment, media as media_entity},
    error::{AppError, AppResult},
    render::{escape_html, sanitize},
    services::{
        Site,
        media::{self, Upload},
        posts::{self, Federate, PostInput},
    },
};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};
use serde_json::Value;
use std::{
    collections::HashMap,
    io::Read,
    path::{Component, Path, PathBuf},
};

/// The files of an archive: a directory, or the zip itself.
enum Archive {
    Dir(PathBuf),
    Zip(zip::ZipArchive<std::fs::File>),
}

/// The public collection, in `to` (public) or `cc` (unlisted).
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The largest file read from an archive (a video may be larger: it is left out).
const MAX_FILE: u64 = 64 * 1024 * 1024;

impl Archive {
    fn open(path: &Path) -> AppResult<Archive> {
        if path.is_dir() {
            return Ok(Archive::Dir(path.to_path_buf()));
        }
        let file = std::fs::File::open(path)
            .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
        zip::ZipArchive::new(file).map(Archive::Zip).map_err(|e| {
            AppError::BadRequest(format!("{}: not a zip archive: {e}", path.display()))
        })
    }

    /// The file at `name` (a path inside the archive, `/`-separated), if there is one.
    fn read(&mut self, name: &str) -> AppResult<Option<Vec<u8>>> {
        let name = name.trim_start_matches('/');
        // Only paths inside the archive: no `..`, no absolute paths.
        if Path::new(name)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Ok(None);
        }
        match self {
            Archive::Dir(dir) => {
                let path = dir.join(name);
                match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_file() && meta.len() <= MAX_FILE => std::fs::read(&path)
                        .map(Some)
                        .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display()))),
                    _ => Ok(None),
                }
            }
            Archive::Zip(zip) => {
                let Ok(file) = zip.by_name(name) else {
                    return Ok(None);
                };
                if file.size() > MAX_FILE {
                    return Ok(None);
                }
                let mut bytes = Vec::new();
                file.take(MAX_FILE)
                    .read_to_end(&mut bytes)
                    .map_err(|e| AppError::BadRequest(format!("{name}: {e}")))?;
                Ok(Some(bytes))
            }
        }
    }
}

/// One toot, as the archive's `outbox.json` has it.
struct Toot {
    id: String,
    /// The status id: the last part of its URI.
    number: String,
    published: DateTime<Utc>,
    in_reply_to: Option<String>,
    public: bool,
    content: String,
    warning: Option<String>,
    lang: Option<String>,
    tags: Vec<String>,
    /// Archive path, description and media type of each attachment.
    attachments: Vec<(String, String, String)>,
}

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(one) => vec![one.as_str()],
        _ => vec![],
    }
}

/// The toot a `Create` in the outbox carries; none for boosts and other activities.
fn toot_of(item: &Value) -> Option<Toot> {
    if item["type"] != "Create" {
        return None;
    }
    let note = &item["object"];
    if note["type"] != "Note" {
        return None;
    }
    let id = note["id"].as_str()?.to_string();
    let public = [&note["to"], &note["cc"]]
        .into_iter()
        .flat_map(strings)
        .any(|a| a == PUBLIC || a == "as:Public" || a == "Public");
    let published = note["published"]
        .as_str()
        .and_then(|p| DateTime::parse_from_rfc3339(p).ok())?
        .with_timezone(&Utc);
    let lang = note["contentMap"]
        .as_object()
        .and_then(|m| m.keys().next().cloned());
    let tags = note["tag"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter(|t| t["type"] == "Hashtag")
                .filter_map(|t| t["name"].as_str())
                .map(|n| n.trim_start_matches('#').to_string())
                .collect()
        })
        .unwrap_or_default();
    let attachments = note["attachment"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    Some((
                        a["url"].as_str()?.to_string(),
                        a["name"].as_str().unwrap_or_default().to_string(),
                        a["mediaType"].as_str().unwrap_or_default().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Toot {
        number: id.rsplit('/').next().unwrap_or_default().to_string(),
        in_reply_to: note["inReplyTo"].as_str().map(str::to_string),
        public,
        content: note["content"].as_str().unwrap_or_default().to_string(),
        warning: note["summary"]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        lang,
        tags,
        attachments,
        published,
        id,
    })
}

/// Imports the Mastodon archive at `path` (a zip or its directory).
pub async fn mastodon(
    site: &Site,
    path: &Path,
    progress: &mut dyn FnMut(Progress<'_>),
) -> AppResult<ImportReport> {
    let mut archive = Archive::open(path)?;
    let outbox = archive
        .read("outbox.json")?
        .ok_or_else(|| AppError::BadRequest("the archive has no outbox.json".into()))?;
    let outbox: Value = serde_json::from_slice(&outbox)
        .map_err(|e| AppError::BadRequest(format!("outbox.json: {e}")))?;
    let items = outbox["orderedItems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut report = ImportReport::default();
    let boosts = items.iter().filter(|i| i["type"] == "Announce").count();
    if boosts > 0 {
        report.skipped += boosts;
        report.note(
            "boosts",
            format!("{boosts} not imported (they are others' posts)"),
        );
    }
    let mut toots: Vec<Toot> = items.iter().filter_map(toot_of).collect();
    // Oldest first: a reply comes after what it answers.
    toots.sort_by_key(|t| t.published);
    progress(Progress::Total(toots.len() as u64));
    // Each imported toot's place here: its post (id and address), and its own address in
    // the thread.
    let mut placed: HashMap<String, (i32, String, String)> = HashMap::new();
    for toot in &toots {
        let label = excerpt(&toot.content);
        progress(Progress::Item(&label));
        if !toot.public {
            report.skipped += 1;
            report.note(&label, "not public on Mastodon: not imported");
            continue;
        }
        let body = body(site, &mut archive, toot, &mut report).await?;
        match &toot.in_reply_to {
            None => {
                let slug = format!("toot-{}", toot.number);
                let existed = posts::find_any(&site.db, &slug).await?.is_some();
                let input = PostInput {
                    title: String::new(),
                    slug: Some(slug),
                    lang: toot.lang.clone(),
                    tags: toot.tags.clone(),
                    summary: None,
                    published: Some(toot.published),
                    author: None,
                    body_markdown: body,
                    draft: false,
                    author_id: None,
                    cover_url: None,
                    cover_alt: None,
                    quote_policy: None,
                    updated: Some(toot.published),
                };
                let (post, _) = posts::save(site, input, Federate::No).await?;
                count(&mut report, existed);
                let url = site.urls.post(&post.slug).to_string();
                placed.insert(toot.id.clone(), (post.id, url.clone(), url));
            }
            Some(parent) => match placed.get(parent).cloned() {
                Some((post_id, post_url, parent_id)) => {
                    let ap_id = format!("{post_url}#toot-{}", toot.number);
                    store_reply(site, post_id, &parent_id, &ap_id, toot, &body, &mut report)
                        .await?;
                    placed.insert(toot.id.clone(), (post_id, post_url, ap_id));
                }
                None => {
                    report.skipped += 1;
                    report.note(&label, "a reply to someone else's post: not imported");
                }
            },
        }
    }
    Ok(report)
}

/// A toot's text as a note's body: its HTML (sanitized when the post is stored), a content
/// warning as a `<details>` around it, and its images stored here.
async fn body(
    site: &Site,
    archive: &mut Archive,
    toot: &Toot,
    report: &mut ImportReport,
) -> AppResult<String> {
    let mut body = match &toot.warning {
        Some(warning) => format!(
            "<details><summary>{}</summary>\n\n{}\n\n</details>",
            escape_html(warning),
            toot.content
        ),
        None => toot.content.clone(),
    };
    for (path, alt, kind) in &toot.attachments {
        let stored = if kind.starts_with("image/") {
            image(site, archive, path, alt, report).await?
        } else {
            None
        };
        match stored {
            Some(url) => {
                body.push_str(&format!(
                    "\n\n<p><img src=\"{}\" alt=\"{}\"></p>",
                    escape_html(&url),
                    escape_html(alt)
                ));
            }
            None => report.note(&excerpt(&toot.content), format!("{path}: not imported")),
        }
    }
    Ok(body)
}

/// Stores an image of the archive once (by its path in the archive); returns its address.
async fn image(
    site: &Site,
    archive: &mut Archive,
    path: &str,
    alt: &str,
    report: &mut ImportReport,
) -> AppResult<Option<String>> {
    let original_name = format!("mastodon/{}", path.trim_start_matches('/'));
    let existing = media_entity::Entity::find()
        .filter(media_entity::Column::OriginalName.eq(original_name.as_str()))
        .one(&site.db)
        .await?;
    let stored = match existing {
        Some(m) => m,
        None => {
            let Some(bytes) = archive.read(path)? else {
                return Ok(None);
            };
            let upload = Upload {
                bytes,
                original_name,
                alt: alt.to_string(),
                user_id: None,
            };
            match media::store(site, upload).await {
                Ok(m) => {
                    report.media += 1;
                    m
                }
                // Not an image Feder takes: left out, and said so.
                Err(AppError::BadRequest(_) | AppError::Invalid(_) | AppError::PayloadTooLarge) => {
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
    };
    Ok(Some(
        site.urls.media(&stored.display_file_name()).to_string(),
    ))
}

/// The account's reply to its own toot: a comment in the thread of the note, by the blog.
async fn store_reply(
    site: &Site,
    post_id: i32,
    parent: &str,
    ap_id: &str,
    toot: &Toot,
    body: &str,
    report: &mut ImportReport,
) -> AppResult<()> {
    let html = crate::render::markdown::to_html(body);
    let row = comment::ActiveModel {
        author_ap_id: Set(site.urls.base().to_string()),
        ap_id: Set(ap_id.to_string()),
        post_id: Set(Some(post_id)),
        in_reply_to: Set(parent.to_string()),
        content_html: Set(sanitize::comment_html(&html)),
        url: Set(None),
        is_local: Set(false),
        published_at: Set(toot.published),
        updated_at: Set(None),
        deleted_at: Set(None),
        author_name: Set(Some(site.settings.current().blog.title.clone())),
        ..Default::default()
    };
    let inserted = comment::Entity::insert(row)
        .on_conflict(
            OnConflict::column(comment::Column::ApId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&site.db)
        .await?;
    report.comments += inserted as usize;
    Ok(())
}

/// A toot named in the report: the beginning of its text.
fn excerpt(html: &str) -> String {
    crate::render::markdown::excerpt(html, 50)
}
