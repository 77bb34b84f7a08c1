//! Importing a WordPress export: every status mapped so that nothing becomes public that was
//! not (drafts never scheduled by themselves, private and password-protected posts kept as
//! drafts), pages as static pages, content rendered as WordPress rendered it, links to the old
//! site rewritten, slugs that collide given a suffix, comments with their WordPress ids (for
//! `#comment-N` links), pingbacks as mentions, and every old address redirected.

use super::{
    report::{ImportReport, Progress, count},
    wxr::{Wxr, WxrComment, WxrItem, parse_wxr},
};
use crate::{
    db::entities::{comment, media as media_entity, mention},
    error::{AppError, AppResult},
    render::{
        sanitize,
        wordpress::{self as content, Attachment},
    },
    services::{
        Site,
        media::{self, Upload},
        pages::{self, PageInput},
        posts::{self, Federate, PostInput},
        redirects, users,
    },
};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::OnConflict};
use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
};

/// Where `--download-media` finds files: a local copy of `wp-content/uploads`.
pub struct WordpressOptions {
    pub uploads_dir: Option<PathBuf>,
}

/// WordPress times: `2019-05-12 10:30:00`; `0000-00-00 00:00:00` when never set.
fn wp_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()
}

/// When an item was (or is to be) published: its GMT date, else its local date read in the
/// blog's time zone (drafts have no GMT date).
fn item_time(item: &WxrItem, tz: Tz) -> Option<DateTime<Utc>> {
    wp_time(&item.post_date_gmt)
        .map(|t| t.and_utc())
        .or_else(|| {
            let local = wp_time(&item.post_date)?;
            tz.from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
}

/// What becomes of a WordPress item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    Public(Option<DateTime<Utc>>),
    /// `future`: published by the server at this time.
    Scheduled(DateTime<Utc>),
    /// Kept for the owner only; the reason is reported when it was not a plain draft.
    Draft(Option<&'static str>),
    Skipped(&'static str),
}

fn fate(item: &WxrItem, tz: Tz, now: DateTime<Utc>) -> Fate {
    let at = item_time(item, tz);
    match item.status.as_str() {
        "publish" if !item.password.is_empty() => Fate::Draft(Some(
            "password-protected on WordPress: imported as a draft, not public",
        )),
        "publish" => Fate::Public(at),
        "future" => match at {
            Some(at) if at > now => Fate::Scheduled(at),
            _ => Fate::Draft(Some(
                "scheduled on WordPress for a time that has passed: imported as a draft",
            )),
        },
        "draft" | "auto-draft" => Fate::Draft(None),
        "pending" => Fate::Draft(Some("pending review on WordPress: imported as a draft")),
        "private" => Fate::Draft(Some(
            "private on WordPress: imported as a draft, not public",
        )),
        "trash" => Fate::Skipped("in WordPress's trash: not imported"),
        _ => Fate::Skipped("has a status Feder does not know: not imported"),
    }
}

/// An ASCII slug for a WordPress `post_name` (which may be percent-encoded Unicode).
fn slug_for(item: &WxrItem) -> String {
    let decoded = percent_encoding::percent_decode_str(item.post_name.trim()).decode_utf8_lossy();
    let decoded = decoded.trim_end_matches("__trashed");
    let slug = posts::slugify(decoded);
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

/// The old address that identifies a WordPress item for good: `/?p=ID` (`/?page_id=ID`).
fn short_link(item: &WxrItem) -> String {
    match item.post_type.as_str() {
        "page" => format!("/?page_id={}", item.post_id),
        _ => format!("/?p={}", item.post_id),
    }
}

/// One import run.
struct Import<'a> {
    data: &'a Site,
    wxr: &'a Wxr,
    uploads: Option<&'a Path>,
    tz: Tz,
    now: DateTime<Utc>,
    report: ImportReport,
    authors: HashMap<String, i32>,
    attachments: HashMap<String, Attachment>,
    /// Slugs given in this run, posts and pages apart.
    taken_posts: HashSet<String>,
    taken_pages: HashSet<String>,
    /// Old permalinks (without scheme and trailing slash) → our URLs, for rewriting links.
    links: Vec<(String, String)>,
}

/// Imports a WordPress export. `progress` hears of every post and page.
pub async fn wordpress(
    data: &Site,
    xml: &str,
    options: &WordpressOptions,
    progress: &mut dyn FnMut(Progress),
) -> AppResult<ImportReport> {
    let wxr = parse_wxr(xml)?;
    let mut run = Import {
        data,
        wxr: &wxr,
        uploads: options.uploads_dir.as_deref(),
        // The zone /admin/settings chose, read now: the CLI runs without the server's copy.
        tz: data.settings.reload(&data.db).await?.tz(),
        now: Utc::now(),
        report: ImportReport::default(),
        authors: HashMap::new(),
        attachments: HashMap::new(),
        taken_posts: HashSet::new(),
        taken_pages: HashSet::new(),
        links: vec![],
    };
    run.authors().await?;
    run.attachments();
    let items: Vec<&WxrItem> = wxr
        .items
        .iter()
        .filter(|i| i.post_type == "post" || i.post_type == "page")
        .collect();
    let mut planned = vec![];
    for item in &items {
        if let Some(slug) = run.plan(item).await? {
            planned.push((*item, slug));
        }
    }
    for item in wxr.items.iter().filter(|i| {
        !matches!(
            i.post_type.as_str(),
            "post" | "page" | "attachment" | "nav_menu_item"
        )
    }) {
        run.report.skipped += 1;
        run.report.note(
            &item.title,
            format!("a WordPress {} item: not imported", item.post_type),
        );
    }
    progress(Progress::Total(planned.len() as u64));
    for (item, slug) in planned {
        progress(Progress::Item(&item.title));
        let result = match item.post_type.as_str() {
            "page" => run.page(item, &slug).await,
            _ => run.post(item, &slug).await,
        };
        if let Err(e) = result {
            run.report.skipped += 1;
            run.report.note(&item.title, format!("not imported: {e}"));
        }
    }
    run.site_redirects().await?;
    Ok(run.report)
}

impl Import<'_> {
    async fn authors(&mut self) -> AppResult<()> {
        for a in &self.wxr.authors {
            let display = if a.display_name.trim().is_empty() {
                &a.login
            } else {
                &a.display_name
            };
            let user = users::ensure_author(&self.data.db, &username_for(&a.login), display.trim())
                .await?;
            self.authors.insert(a.login.clone(), user.id);
        }
        Ok(())
    }

    fn attachments(&mut self) {
        for i in self
            .wxr
            .items
            .iter()
            .filter(|i| i.post_type == "attachment")
        {
            self.attachments.insert(
                i.post_id.clone(),
                Attachment::with_metadata(&i.attachment_url, &i.alt, &i.attachment_metadata),
            );
        }
    }

    /// Chooses the item's slug: the one an earlier run gave it (its `?p=ID` redirect says), or
    /// a free one (`-2`, `-3`… when taken). Skipped items get none.
    async fn plan(&mut self, item: &WxrItem) -> AppResult<Option<String>> {
        if let Fate::Skipped(why) = fate(item, self.tz, self.now) {
            self.report.skipped += 1;
            self.report.note(&item.title, why);
            return Ok(None);
        }
        let is_page = item.post_type == "page";
        let prefix = if is_page { "/pages/" } else { "/posts/" };
        let earlier = redirects::target_of(&self.data.db, &short_link(item))
            .await?
            .and_then(|t| t.strip_prefix(prefix).map(str::to_string));
        let base = slug_for(item);
        let slug = match earlier {
            Some(slug) => slug,
            None => {
                let mut slug = base.clone();
                let mut n = 1;
                while self.is_taken(is_page, &slug).await? {
                    n += 1;
                    slug = format!("{base}-{n}");
                }
                if slug != base {
                    self.report.note(
                        &item.title,
                        format!("the address {base} was taken: stored as {slug}"),
                    );
                }
                slug
            }
        };
        if is_page {
            self.taken_pages.insert(slug.clone());
        } else {
            self.taken_posts.insert(slug.clone());
        }
        let ours = if is_page {
            self.data.urls.page(&slug)
        } else {
            self.data.urls.post(&slug)
        };
        for old in [&item.link, &item.guid] {
            if let Some(key) = link_key(old) {
                self.links.push((key, ours.to_string()));
            }
        }
        Ok(Some(slug))
    }

    async fn is_taken(&self, is_page: bool, slug: &str) -> AppResult<bool> {
        Ok(if is_page {
            self.taken_pages.contains(slug) || pages::find_any(&self.data.db, slug).await?.is_some()
        } else {
            self.taken_posts.contains(slug) || posts::find_any(&self.data.db, slug).await?.is_some()
        })
    }

    /// The item's content as clean HTML, links to the old site's posts rewritten and (with
    /// `--download-media`) its images stored here (saving the post gives them their sizes),
    /// links to them included: WordPress links an image to its full size
    /// (`<a href="…/dom-1.jpg"><img src="…/dom-1-300x169.jpg">`), and that link must not break
    /// the day the old site goes away.
    async fn body(&mut self, item: &WxrItem) -> AppResult<String> {
        let mut html = content::to_html(&item.content, &self.attachments);
        if let Some(uploads) = self.uploads {
            for (attribute, used) in [("src", UploadUse::Shown), ("href", UploadUse::Linked)] {
                for old in attribute_values(&html, attribute) {
                    if used == UploadUse::Linked && !is_image_name(&old) {
                        if local_upload(uploads, &old).is_some() {
                            self.report.note(
                                &item.title,
                                format!("a link to {old} still points to the old site (only images are stored here)"),
                            );
                        }
                        continue;
                    }
                    if let Some(ours) = self.upload(uploads, &old, "", used).await? {
                        html = replace_attribute(&html, attribute, &old, &ours);
                    }
                }
            }
        }
        Ok(rewrite_links(&html, &self.links))
    }

    async fn post(&mut self, item: &WxrItem, slug: &str) -> AppResult<()> {
        let fate = fate(item, self.tz, self.now);
        let (draft, published) = match fate {
            Fate::Public(at) => (false, at),
            Fate::Scheduled(at) => (true, Some(at)),
            // A draft keeps its date only when that is past: a future one would schedule it.
            _ => (true, item_time(item, self.tz).filter(|t| *t <= self.now)),
        };
        if let Fate::Draft(Some(why)) = fate {
            self.report.note(&item.title, why);
        }
        if let Fate::Scheduled(at) = fate {
            self.report.note(
                &item.title,
                format!("scheduled: published by the server at {}", at.to_rfc3339()),
            );
        }
        let body = self.body(item).await?;
        let (cover_url, cover_alt) = self.cover(item).await?;
        let existing = posts::find_any(&self.data.db, slug).await?;
        let default = self.wxr.default_category();
        let mut tags = item.tags.clone();
        for (name, nicename) in &item.categories {
            if nicename != default && !tags.contains(name) {
                tags.push(name.clone());
            }
        }
        let input = PostInput {
            title: Some(item.title.trim().to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| slug.to_string()),
            slug: Some(slug.to_string()),
            lang: self.wxr.language.clone(),
            tags,
            summary: Some(item.excerpt.trim().to_string()).filter(|e| !e.is_empty()),
            published,
            author: None,
            body_markdown: body,
            draft,
            author_id: self.authors.get(&item.creator).copied(),
            cover_url,
            cover_alt,
            quote_policy: None,
            // Never "now" again: a second run must leave the post as it is.
            updated: wp_time(&item.modified_gmt)
                .map(|t| t.and_utc())
                .or(published)
                .or(existing.as_ref().map(|p| p.updated_at)),
        };
        let existed = existing.is_some();
        // The `?p=ID` redirect is what a later run finds the item's slug by (`plan`): written
        // before the post, an import killed in between and run again stores the post under
        // the same slug instead of a second copy under `-2`.
        let target = format!("/posts/{slug}");
        self.redirect(&short_link(item), &target).await?;
        let (post, _) = posts::save(self.data, input, Federate::No).await?;
        count(&mut self.report, existed);
        self.redirect(&item.link, &target).await?;
        self.redirect(
            &format!("{}/feed/", item.link.trim_end_matches('/')),
            "/comments/feed.atom",
        )
        .await?;
        let post_url = self.data.urls.post(&post.slug).to_string();
        for c in &item.comments {
            self.comment(c, post.id, &post_url, post.published_at)
                .await?;
        }
        Ok(())
    }

    /// The featured image (`_thumbnail_id`) and its alt text.
    async fn cover(&mut self, item: &WxrItem) -> AppResult<(Option<String>, Option<String>)> {
        let Some(attachment) = item
            .thumbnail_id
            .as_deref()
            .and_then(|id| self.attachments.get(id))
            .cloned()
            .filter(|a| !a.url.is_empty())
        else {
            return Ok((None, None));
        };
        let alt = Some(attachment.alt.clone()).filter(|a| !a.is_empty());
        if let Some(uploads) = self.uploads
            && let Some(ours) = self
                .upload(uploads, &attachment.url, &attachment.alt, UploadUse::Cover)
                .await?
        {
            return Ok((Some(ours), alt));
        }
        Ok((Some(attachment.url), alt))
    }

    async fn page(&mut self, item: &WxrItem, slug: &str) -> AppResult<()> {
        let published = matches!(fate(item, self.tz, self.now), Fate::Public(_));
        match fate(item, self.tz, self.now) {
            Fate::Draft(Some(why)) => self.report.note(&item.title, why),
            Fate::Scheduled(_) => self.report.note(
                &item.title,
                "a scheduled page: imported as a draft (pages are not scheduled)",
            ),
            _ => {}
        }
        let body = self.body(item).await?;
        let top_level = matches!(item.post_parent.as_str(), "" | "0");
        // First, as for posts: a resumed import finds the page's slug by it.
        let target = format!("/pages/{slug}");
        self.redirect(&short_link(item), &target).await?;
        pages::save(
            &self.data.db,
            &self.data.urls,
            PageInput {
                title: item.title.clone(),
                slug: Some(slug.to_string()),
                body_markdown: body,
                lang: self
                    .wxr
                    .language
                    .clone()
                    .unwrap_or_else(|| self.data.config.blog.lang.clone()),
                published,
                in_navigation: published && top_level,
                navigation_order: item.menu_order.parse().unwrap_or(0),
            },
        )
        .await?;
        self.report.pages += 1;
        self.redirect(&item.link, &target).await?;
        if !item.comments.is_empty() {
            self.report.note(
                &item.title,
                "a page's comments are not imported (pages have none)",
            );
        }
        Ok(())
    }

    async fn redirect(&mut self, old: &str, target: &str) -> AppResult<()> {
        if old.trim().is_empty() {
            return Ok(());
        }
        if redirects::add(&self.data.db, old.trim(), target).await? {
            self.report.redirects += 1;
        }
        Ok(())
    }

    async fn comment(
        &mut self,
        c: &WxrComment,
        post_id: i32,
        post_url: &str,
        post_published: DateTime<Utc>,
    ) -> AppResult<()> {
        if c.approved != "1" {
            return Ok(());
        }
        let published = wp_time(&c.date_gmt)
            .map(|t| t.and_utc())
            .unwrap_or(post_published);
        let author_url = c.author_url.trim();
        let web_url = (author_url.starts_with("http://") || author_url.starts_with("https://"))
            .then(|| author_url.to_string());
        if matches!(c.kind.as_str(), "pingback" | "trackback") {
            let inserted = mention::Entity::insert(mention::ActiveModel {
                ap_id: Set(format!("{post_url}#{}-{}", c.kind, c.id)),
                author_ap_id: Set(web_url.clone().unwrap_or_else(|| post_url.to_string())),
                content_html: Set(comment_html(&c.content)),
                url: Set(web_url),
                published_at: Set(published),
                received_at: Set(published),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::column(mention::Column::ApId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.data.db)
            .await?;
            self.report.mentions += inserted as usize;
            return Ok(());
        }
        let comment_id = |id: &str| format!("{post_url}#comment-{id}");
        let ap_id = comment_id(&c.id);
        let in_reply_to = match c.parent.trim() {
            "" | "0" => post_url.to_string(),
            parent => comment_id(parent),
        };
        // A reply by one of the blog's authors points at their author page (and is marked).
        let own_author = self
            .wxr
            .authors
            .iter()
            .find(|a| !a.id.is_empty() && a.id == c.user_id.trim() && c.user_id.trim() != "0")
            .map(|a| self.data.urls.author(&username_for(&a.login)).to_string());
        let row = comment::ActiveModel {
            author_ap_id: Set(own_author.or(web_url).unwrap_or_else(|| ap_id.clone())),
            ap_id: Set(ap_id),
            post_id: Set(Some(post_id)),
            in_reply_to: Set(in_reply_to),
            content_html: Set(comment_html(&c.content)),
            url: Set(None),
            is_local: Set(false),
            published_at: Set(published),
            updated_at: Set(None),
            deleted_at: Set(None),
            author_name: Set(Some(c.author.trim().to_string()).filter(|a| !a.is_empty())),
            ..Default::default()
        };
        let inserted = comment::Entity::insert(row)
            .on_conflict(
                OnConflict::column(comment::Column::ApId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.data.db)
            .await?;
        self.report.comments += inserted as usize;
        Ok(())
    }

    /// The blog's old addresses beyond single posts: feeds, categories, tags, authors, date
    /// archives and (when they were brought along) uploads.
    async fn site_redirects(&mut self) -> AppResult<()> {
        let mut pairs: Vec<(String, String)> = vec![
            ("/feed/".into(), "/feed.rss".into()),
            ("/feed/rss2/".into(), "/feed.rss".into()),
            ("/feed/rss/".into(), "/feed.rss".into()),
            ("/feed/atom/".into(), "/feed.atom".into()),
            ("/?feed=rss2".into(), "/feed.rss".into()),
            ("/?feed=rss".into(), "/feed.rss".into()),
            ("/?feed=atom".into(), "/feed.atom".into()),
            ("/comments/feed/".into(), "/comments/feed.atom".into()),
            ("/?feed=comments-rss2".into(), "/comments/feed.atom".into()),
        ];
        let default = self.wxr.default_category();
        let mut terms: Vec<(String, String, &str)> = vec![];
        for item in self.wxr.items.iter().filter(|i| i.post_type == "post") {
            for (tag, nicename) in item.tags.iter().zip(&item.tag_nicenames) {
                terms.push((nicename.clone(), tag.clone(), "tag"));
            }
            for (name, nicename) in &item.categories {
                if nicename != default {
                    terms.push((nicename.clone(), name.clone(), "category"));
                }
            }
            if let Some(at) = item_time(item, self.tz).filter(|_| item.status == "publish") {
                let local = at.with_timezone(&self.tz);
                let (y, m) = (local.format("%Y"), local.format("%m"));
                pairs.push((format!("/{y}/"), format!("/archive/{y}")));
                pairs.push((format!("/{y}/{m}/"), format!("/archive/{y}/{m}")));
            }
        }
        for (slug, name, kind) in terms {
            let target = self.data.urls.tag(&name).path().to_string();
            pairs.push((format!("/{kind}/{slug}/"), target.clone()));
            pairs.push((
                format!("/{kind}/{slug}/feed/"),
                format!("{target}/feed.rss"),
            ));
        }
        for a in &self.wxr.authors {
            let target = self
                .data
                .urls
                .author(&username_for(&a.login))
                .path()
                .to_string();
            pairs.push((format!("/author/{}/", a.login), target));
        }
        for (old, target) in pairs {
            self.redirect(&old, &target).await?;
        }
        Ok(())
    }

    /// Stores a local upload once (by its path below `uploads`) and redirects its old address
    /// (and those of its resized copies) to it; returns our URL for it.
    async fn upload(
        &mut self,
        uploads: &Path,
        url: &str,
        alt: &str,
        used: UploadUse,
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
            .one(&self.data.db)
            .await?;
        let stored = match existing {
            Some(m) => m,
            None => {
                let bytes = tokio::fs::read(&path)
                    .await
                    .map_err(|e| AppError::BadRequest(format!("{}: {e}", path.display())))?;
                self.report.media += 1;
                media::store(
                    self.data,
                    Upload {
                        bytes,
                        original_name: original_name.clone(),
                        alt: alt.to_string(),
                        user_id: None,
                    },
                )
                .await?
            }
        };
        let full = self.data.urls.media(&stored.file_name());
        self.redirect(&format!("/wp-content/uploads/{original_name}"), full.path())
            .await?;
        if let Some((_, copy)) = url.split_once("/wp-content/uploads/") {
            self.redirect(&format!("/wp-content/uploads/{copy}"), full.path())
                .await?;
        }
        let file = match used {
            UploadUse::Shown => stored.display_file_name(),
            UploadUse::Linked => stored.file_name(),
            UploadUse::Cover => stored.card_file_name(),
        };
        Ok(Some(self.data.urls.media(&file).to_string()))
    }
}

/// An old permalink as compared in content: without scheme and trailing slash.
fn link_key(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let key = rest.trim_end_matches('/');
    key.contains('/').then(|| key.to_string())
}

/// Points `href`s to old posts and pages at their new addresses.
fn rewrite_links(html: &str, links: &[(String, String)]) -> String {
    let mut out = html.to_string();
    for (old, new) in links {
        for scheme in ["https://", "http://"] {
            for end in ["/\"", "\""] {
                let from = format!("href=\"{scheme}{old}{end}");
                if out.contains(&from) {
                    out = out.replace(&from, &format!("href=\"{new}\""));
                }
            }
        }
    }
    out
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
    // A resized copy (`dom-300x169.jpg`) stands for its original, stored once with all sizes.
    if let Some(original) = original_of(&path).filter(|o| o.is_file()) {
        return Some(original);
    }
    path.is_file().then_some(path)
}

/// `dir/name.jpg` for WordPress's resized copy `dir/name-300x169.jpg`.
fn original_of(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?;
    let (name, size) = stem.rsplit_once('-')?;
    let (w, h) = size.split_once('x')?;
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if !(digits(w) && digits(h)) {
        return None;
    }
    let ext = path.extension()?.to_str()?;
    Some(path.with_file_name(format!("{name}.{ext}")))
}

/// Which copy of a stored upload stands for an old upload URL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UploadUse {
    /// An image in the text (`src`): the copy sized for the page.
    Shown,
    /// A link to the file (`href`), usually to the full size: the original.
    Linked,
    /// The featured image: the copy sized for cards.
    Cover,
}

/// Whether a URL names a file of a kind the blog stores (PNG, JPEG, GIF, WebP).
fn is_image_name(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(
        ext.as_deref(),
        Some("png" | "jpg" | "jpeg" | "gif" | "webp")
    )
}

/// `html` with the value `old` of `attribute` (either quote) replaced by `new`, and no other
/// occurrence of `old` touched.
fn replace_attribute(html: &str, attribute: &str, old: &str, new: &str) -> String {
    let mut out = html.to_string();
    for quote in ['"', '\''] {
        out = out.replace(
            &format!("{attribute}={quote}{old}{quote}"),
            &format!("{attribute}={quote}{new}{quote}"),
        );
    }
    out
}

/// The values of `attribute` in HTML (`src="…"`, `href='…'`).
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let name = format!("{attribute}=");
    let mut found = vec![];
    let mut rest = html;
    while let Some(at) = rest.find(&name) {
        let preceded = rest[..at]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        rest = &rest[at + name.len()..];
        if !preceded {
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: &str, date: &str, gmt: &str) -> WxrItem {
        WxrItem {
            status: status.into(),
            post_date: date.into(),
            post_date_gmt: gmt.into(),
            post_type: "post".into(),
            ..Default::default()
        }
    }

    #[test]
    fn statuses_never_leak() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let never = "0000-00-00 00:00:00";
        // A draft dated an hour ahead in Berlin's local time is still a draft.
        assert_eq!(
            fate(&item("draft", "2026-12-01 13:30:00", never), berlin, now),
            Fate::Draft(None)
        );
        assert_eq!(
            item_time(&item("draft", "2024-01-01 00:30:00", never), berlin).map(|t| t.to_rfc3339()),
            Some("2023-12-31T23:30:00+00:00".into())
        );
        assert_eq!(
            fate(
                &item("future", "2030-01-01 09:00:00", "2030-01-01 08:00:00"),
                berlin,
                now
            ),
            Fate::Scheduled(Utc.with_ymd_and_hms(2030, 1, 1, 8, 0, 0).unwrap())
        );
        let mut secret = item("publish", "2023-05-01 12:00:00", "2023-05-01 10:00:00");
        secret.password = "geheim".into();
        assert!(matches!(fate(&secret, berlin, now), Fate::Draft(Some(_))));
        for status in ["private", "pending"] {
            assert!(matches!(
                fate(&item(status, "", never), berlin, now),
                Fate::Draft(Some(_))
            ));
        }
        assert!(matches!(
            fate(&item("trash", "", never), berlin, now),
            Fate::Skipped(_)
        ));
    }

    #[test]
    fn slugs_links_and_sources() {
        let mut i = item("publish", "", "");
        i.post_name = "gr%c3%bc%c3%9fe".into();
        assert_eq!(slug_for(&i), "grusse");
        i.post_name = "weggeworfen__trashed".into();
        assert_eq!(slug_for(&i), "weggeworfen");
        assert_eq!(username_for("jörg"), "jorg");
        assert_eq!(
            rewrite_links(
                r#"<a href="https://old.example/2024/01/01/x/">x</a>"#,
                &[(
                    "old.example/2024/01/01/x".into(),
                    "http://new/posts/x".into()
                )]
            ),
            r#"<a href="http://new/posts/x">x</a>"#
        );
        assert_eq!(
            attribute_values(
                r#"<img src="https://a/wp-content/uploads/x.jpg" alt=""><img data-src="c.png" src='b.png'>"#,
                "src"
            ),
            vec!["https://a/wp-content/uploads/x.jpg", "b.png"]
        );
        assert_eq!(
            replace_attribute(
                r#"<a href="https://a/x.jpg"><img src="https://a/x.jpg"></a>"#,
                "href",
                "https://a/x.jpg",
                "/media/k.jpg"
            ),
            r#"<a href="/media/k.jpg"><img src="https://a/x.jpg"></a>"#
        );
        assert!(is_image_name("https://a/wp-content/uploads/x.JPG?v=2"));
        assert!(!is_image_name("https://a/wp-content/uploads/report.pdf"));
        assert_eq!(comment_html("a\nb\n\nc"), "<p>a<br>b</p><p>c</p>");
        assert_eq!(
            original_of(Path::new("u/2024/01/dom-1-300x169.jpg")),
            Some(PathBuf::from("u/2024/01/dom-1.jpg"))
        );
        assert_eq!(original_of(Path::new("u/dom-1.jpg")), None);
    }
}
