//! `feder export DIR`: the whole blog as files: every post as Markdown with front matter
//! (`posts/`), its comments as JSON (`comments/`), with their moderation and web-form
//! columns), uploaded images (`media/`), authors, followers (the blog's and each author's) and
//! redirects. `feder import markdown DIR` rebuilds the blog from them.

use crate::{
    db::entities::{comment, follower, media as media_entity, post},
    error::{AppError, AppResult},
    services::Site,
    services::{followers, local_actor::LocalActor, media, posts, redirects, users},
};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedAuthor {
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub fediverse_handle: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedComment {
    pub ap_id: String,
    pub in_reply_to: String,
    pub author_ap_id: String,
    pub author_name: Option<String>,
    pub content_html: String,
    pub url: Option<String>,
    pub is_local: bool,
    pub published_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    // What the web comment form and moderation added; defaults for exports made before.
    #[serde(default = "approved")]
    pub status: String,
    #[serde(default = "fediverse")]
    pub kind: String,
    #[serde(default)]
    pub author_email: Option<String>,
    #[serde(default)]
    pub author_website: Option<String>,
    #[serde(default)]
    pub federate: bool,
    #[serde(default)]
    pub federated_at: Option<DateTime<Utc>>,
    /// Keeps the delete links already mailed to web writers working.
    #[serde(default)]
    pub delete_token_hash: Option<String>,
}

fn approved() -> String {
    comment::APPROVED.into()
}

fn fediverse() -> String {
    comment::FEDIVERSE.into()
}

impl From<comment::Model> for ExportedComment {
    fn from(c: comment::Model) -> ExportedComment {
        ExportedComment {
            ap_id: c.ap_id,
            in_reply_to: c.in_reply_to,
            author_ap_id: c.author_ap_id,
            author_name: c.author_name,
            content_html: c.content_html,
            url: c.url,
            is_local: c.is_local,
            published_at: c.published_at,
            updated_at: c.updated_at,
            deleted_at: c.deleted_at,
            status: c.status,
            kind: c.kind,
            author_email: c.author_email,
            author_website: c.author_website,
            federate: c.federate,
            federated_at: c.federated_at,
            delete_token_hash: c.delete_token_hash,
        }
    }
}

impl ExportedComment {
    pub fn into_active(self, post_id: i32) -> comment::ActiveModel {
        comment::ActiveModel {
            ap_id: Set(self.ap_id),
            post_id: Set(Some(post_id)),
            in_reply_to: Set(self.in_reply_to),
            author_ap_id: Set(self.author_ap_id),
            content_html: Set(self.content_html),
            url: Set(self.url),
            is_local: Set(self.is_local),
            published_at: Set(self.published_at),
            updated_at: Set(self.updated_at),
            deleted_at: Set(self.deleted_at),
            author_name: Set(self.author_name),
            status: Set(self.status),
            kind: Set(self.kind),
            author_email: Set(self.author_email),
            author_website: Set(self.author_website),
            federate: Set(self.federate),
            federated_at: Set(self.federated_at),
            delete_token_hash: Set(self.delete_token_hash),
            ..Default::default()
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedFollower {
    /// The author they follow (a username), with author actors; none: the blog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub actor_ap_id: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub follow_activity_id: String,
    pub created_at: DateTime<Utc>,
}

impl ExportedFollower {
    /// The actor they follow.
    pub fn local_actor(&self) -> LocalActor {
        match &self.author {
            Some(username) => LocalActor::Author(username.clone()),
            None => LocalActor::Blog,
        }
    }

    pub fn into_active(self) -> follower::ActiveModel {
        follower::ActiveModel {
            local_actor: Set(self.local_actor().name()),
            actor_ap_id: Set(self.actor_ap_id),
            inbox: Set(self.inbox),
            shared_inbox: Set(self.shared_inbox),
            follow_activity_id: Set(self.follow_activity_id),
            created_at: Set(self.created_at),
            ..Default::default()
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedMedia {
    pub key: String,
    pub ext: String,
    pub media_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub alt: String,
    pub original_name: String,
    pub created_at: DateTime<Utc>,
}

impl ExportedMedia {
    pub fn into_model(self) -> media_entity::Model {
        media_entity::Model {
            id: 0,
            key: self.key,
            ext: self.ext,
            media_type: self.media_type,
            width: self.width,
            height: self.height,
            bytes: self.bytes,
            alt: self.alt,
            original_name: self.original_name,
            user_id: None,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedRedirect {
    pub old_path: String,
    pub target: String,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub posts: usize,
    pub comments: usize,
    pub media: usize,
    pub followers: usize,
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A JSON string is a valid YAML scalar, with every character escaped as YAML needs.
fn yaml(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}

/// A post as a Markdown file with front matter that `posts::parse_markdown_file` reads back.
pub fn markdown_file(post: &post::Model) -> String {
    let mut front = vec![
        format!("title: {}", yaml(&post.title)),
        format!("slug: {}", yaml(&post.slug)),
        format!("date: {}", yaml(&time(&post.published_at))),
        format!("updated: {}", yaml(&time(&post.updated_at))),
        format!("lang: {}", yaml(&post.lang)),
        format!(
            "tags: [{}]",
            post.tag_list()
                .iter()
                .map(|t| yaml(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("summary: {}", yaml(&post.summary)),
    ];
    if let Some(author) = &post.author {
        front.push(format!("author: {}", yaml(author)));
    }
    if !post.is_public() {
        // A scheduled post is a draft with a future date: imported, it is scheduled again.
        front.push("draft: true".into());
    }
    if let Some(cover) = &post.cover_url {
        front.push(format!("cover: {}", yaml(cover)));
    }
    if let Some(alt) = &post.cover_alt {
        front.push(format!("cover_alt: {}", yaml(alt)));
    }
    if let Some(policy) = &post.quote_policy {
        front.push(format!("quote_policy: {policy}"));
    }
    format!("---\n{}\n---\n{}", front.join("\n"), post.body_markdown)
}

fn write(path: &Path, bytes: &[u8]) -> AppResult<()> {
    std::fs::write(path, bytes)
        .map_err(|e| AppError::BadRequest(format!("cannot write {}: {e}", path.display())))
}

fn write_json(path: &Path, value: &impl Serialize) -> AppResult<()> {
    let text = serde_json::to_string_pretty(value).map_err(AppError::internal)?;
    write(path, text.as_bytes())
}

fn create_dir(path: &Path) -> AppResult<()> {
    std::fs::create_dir_all(path)
        .map_err(|e| AppError::BadRequest(format!("cannot create {}: {e}", path.display())))
}

/// The followers of the blog and of each author (named by username), oldest first.
async fn exported_followers(data: &Site) -> AppResult<Vec<ExportedFollower>> {
    Ok(followers::list(&data.db, None)
        .await?
        .into_iter()
        .filter_map(|f| {
            let local = LocalActor::from_name(&f.local_actor)?;
            Some(ExportedFollower {
                author: local.username().map(str::to_string),
                actor_ap_id: f.actor_ap_id,
                inbox: f.inbox,
                shared_inbox: f.shared_inbox,
                follow_activity_id: f.follow_activity_id,
                created_at: f.created_at,
            })
        })
        .collect())
}

/// Writes the blog into `dir` (created if missing). Deleted posts are left out.
pub async fn export(data: &Site, dir: &Path) -> AppResult<ExportReport> {
    let mut report = ExportReport::default();
    for sub in ["posts", "comments", "media"] {
        create_dir(&dir.join(sub))?;
    }
    let accounts = users::list(&data.db).await?;
    let authors: Vec<ExportedAuthor> = accounts
        .into_iter()
        .map(|u| ExportedAuthor {
            username: u.username,
            display_name: u.display_name,
            bio: u.bio,
            avatar_url: u.avatar_url,
            fediverse_handle: u.fediverse_handle,
        })
        .collect();
    write_json(&dir.join("authors.json"), &authors)?;
    for post in posts::all(&data.db).await? {
        if post.deleted_at.is_some() {
            continue;
        }
        write(
            &dir.join("posts").join(format!("{}.md", post.slug)),
            markdown_file(&post).as_bytes(),
        )?;
        report.posts += 1;
        let comments: Vec<ExportedComment> = comment::Entity::find()
            .filter(comment::Column::PostId.eq(post.id))
            .order_by_asc(comment::Column::Id)
            .all(&data.db)
            .await?
            .into_iter()
            .map(ExportedComment::from)
            .collect();
        if !comments.is_empty() {
            report.comments += comments.len();
            write_json(
                &dir.join("comments").join(format!("{}.json", post.slug)),
                &comments,
            )?;
        }
    }
    let mut exported_media = vec![];
    for m in media::all(&data.db).await? {
        for name in [m.file_name(), m.display_file_name(), m.card_file_name()] {
            let (bytes, _) = media::read(data, &name).await?;
            write(&dir.join("media").join(&name), &bytes)?;
        }
        report.media += 1;
        exported_media.push(ExportedMedia {
            key: m.key,
            ext: m.ext,
            media_type: m.media_type,
            width: m.width,
            height: m.height,
            bytes: m.bytes,
            alt: m.alt,
            original_name: m.original_name,
            created_at: m.created_at,
        });
    }
    write_json(&dir.join("media").join("media.json"), &exported_media)?;
    let followers = exported_followers(data).await?;
    report.followers = followers.len();
    write_json(&dir.join("followers.json"), &followers)?;
    let redirects: Vec<ExportedRedirect> = redirects::all(&data.db)
        .await?
        .into_iter()
        .map(|r| ExportedRedirect {
            old_path: r.old_path,
            target: r.target,
        })
        .collect();
    write_json(&dir.join("redirects.json"), &redirects)?;
    Ok(report)
}

/// Properties of the Markdown files `feder export` writes and `feder import markdown` (and
/// `feder post publish`) read: any front matter is read or refused without panicking, and an
/// exported post reads back as it was, whatever characters its fields hold.
#[cfg(test)]
mod properties {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    /// Text with what YAML and front matter treat specially.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("---".to_string()),
            Just("\n".to_string()),
            Just(": ".to_string()),
            Just("\"".to_string()),
            Just("'".to_string()),
            Just("#".to_string()),
            Just("- ".to_string()),
            Just("[".to_string()),
            Just("{".to_string()),
            Just("&a *a !!str ".to_string()),
            Just("\\".to_string()),
            Just("Grüße 日本 ".to_string()),
            Just("    ".to_string()),
            "[a-zA-Z0-9 ]{0,8}",
        ];
        prop::collection::vec(piece, 0..10).prop_map(|parts| parts.concat())
    }

    fn post(
        title: String,
        tags: Vec<String>,
        summary: String,
        body: String,
        draft: bool,
    ) -> post::Model {
        let at = Utc
            .timestamp_opt(1_700_000_000, 0)
            .single()
            .unwrap_or_default();
        post::Model {
            id: 1,
            slug: "a-post".into(),
            title,
            summary,
            body_html: String::new(),
            body_markdown: body,
            lang: "de".into(),
            tags: serde_json::to_string(&tags).unwrap_or_default(),
            author: Some("Zoë \"z\" Ä".into()),
            published_at: at,
            updated_at: at,
            deleted_at: None,
            comments_closed: false,
            status: if draft { post::DRAFT } else { post::PUBLISHED }.into(),
            author_id: None,
            cover_url: Some("https://a.example/c.jpg".into()),
            cover_alt: Some("a: b".into()),
            quote_policy: None,
            trashed_from: None,
            publication: 0,
        }
    }

    proptest! {
        #[test]
        fn any_front_matter_is_read_or_refused(front in text(), body in text()) {
            let _ = posts::parse_markdown_file(&format!("---\n{front}\n---\n{body}"));
            let _ = posts::parse_markdown_file(&front);
        }

        #[test]
        fn an_exported_post_reads_back(
            title in text().prop_filter("a title", |t| !t.trim().is_empty()),
            tags in prop::collection::vec("[a-zA-Zäö][a-zA-Z0-9 äö-]{0,10}", 0..4),
            summary in text(),
            body in text(),
            draft in any::<bool>(),
        ) {
            let post = post(title, tags.clone(), summary.clone(), body.clone(), draft);
            let read = posts::parse_markdown_file(&markdown_file(&post));
            prop_assert!(read.is_ok(), "{:?}", read.err());
            let read = read.unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(read.title, post.title.trim());
            prop_assert_eq!(read.summary.as_deref(), Some(summary.as_str()));
            // The body as readers see it. The front matter reader drops blank lines before
            // the body and the line end after its last line: neither is part of a post.
            let end = |text: &str| text.trim_end_matches(['\n', '\r']).to_string();
            prop_assert_eq!(
                crate::render::markdown::to_html(&end(&read.body_markdown)),
                crate::render::markdown::to_html(&end(&body))
            );
            let tags: Vec<String> = tags.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
            prop_assert_eq!(read.tags, tags);
            prop_assert_eq!(read.draft, draft);
            prop_assert_eq!(read.published, Some(post.published_at));
            prop_assert_eq!(read.author, post.author);
            prop_assert_eq!(read.cover_alt, post.cover_alt);
        }
    }
}
