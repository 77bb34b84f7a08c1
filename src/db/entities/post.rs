use sea_orm::entity::prelude::*;

/// Visible on the blog and federated.
pub const PUBLISHED: &str = "published";
/// Only in /admin.
pub const DRAFT: &str = "draft";
/// A draft with a future `published_at`: the server publishes it then.
pub const SCHEDULED: &str = "scheduled";
/// In the trash: shown nowhere but /admin's trash tab; `trashed_from` says where it was.
pub const TRASH: &str = "trash";
/// Every status, in the order /admin and `feder post list` name them.
pub const STATUSES: [&str; 4] = [PUBLISHED, SCHEDULED, DRAFT, TRASH];

/// A blog post. A deleted post keeps its row (with `deleted_at`) so its URL answers 410 Gone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    /// Plain text; rendered as HTML where needed.
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
    pub lang: String,
    /// JSON array of tag names.
    pub tags: String,
    pub author: Option<String>,
    pub published_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
    /// New comments on this post wait for the owner, whatever the blog's policy.
    pub comments_closed: bool,
    /// `PUBLISHED`, `DRAFT`, `SCHEDULED` or `TRASH`.
    pub status: String,
    /// The account that wrote it (`author` holds the name shown).
    pub author_id: Option<i32>,
    /// Cover image (absolute URL): `og:image` of the page and `image` of the Article.
    pub cover_url: Option<String>,
    pub cover_alt: Option<String>,
    /// Who may quote it (`anyone`, `followers`, `nobody`); none: the blog's setting.
    pub quote_policy: Option<String>,
    /// In the trash: the status it had before, which *restore* gives back.
    pub trashed_from: Option<String>,
    /// Which publication of the post the fediverse knows: one more each time it is taken off
    /// the blog with a `Delete`, so that publishing it again sends a `Create` under a new id
    /// (`Urls::post_object`); Mastodon refuses an id it has seen deleted.
    pub publication: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn is_public(&self) -> bool {
        self.status == PUBLISHED
    }

    /// A short note: a post without a title, published as a `Note`.
    pub fn is_note(&self) -> bool {
        self.title.trim().is_empty()
    }

    /// Its ActivityPub type: `Note` for a note, else `Article`.
    pub fn object_type(&self) -> &'static str {
        if self.is_note() { "Note" } else { "Article" }
    }

    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}
