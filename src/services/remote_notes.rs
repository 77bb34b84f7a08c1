//! A post or reply from another server as the services see it: read, checked and sanitized by
//! the federation layer (`note_to_remote_note`), then placed by `received` — in a thread, on
//! the owner's lists, or on the reading list — and stored by the service of that list.

use crate::services::local_actor::LocalActor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// A remote Note (or Article, Page…).
#[derive(Debug, Clone)]
pub struct RemoteNote {
    pub id: Url,
    /// Its author, on the note's own server.
    pub author: Url,
    /// `Note`, `Article`, … as sent (the reading list shows it).
    pub kind: String,
    pub in_reply_to: Option<Url>,
    pub title: Option<String>,
    /// The HTML, sanitized for our pages.
    pub content_html: String,
    /// An Article's (or Page's) HTML for the owner's Reader, with its headings, images and
    /// figures (`render::sanitize::article_html`); none for a Note.
    pub article_html: Option<String>,
    /// Its real links, counted in what was sent (`render::sanitize::link_count`).
    pub links: usize,
    /// Its page, when it has one of its own.
    pub url: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub audience: Audience,
    /// The first of our actors it names, the blog or one of its authors (among its
    /// recipients, else a `Mention` tag): whom a mention or direct message was sent to.
    pub mentions: Option<LocalActor>,
    /// The post it quotes, if any.
    pub quotes: Option<Url>,
    /// Its `summary` as plain text: a Note's content warning, an Article's summary.
    pub summary: Option<String>,
    /// Its images, audio and video (http(s) only).
    pub attachments: Vec<Attachment>,
    /// Its conversation (`context`, FEP-7888), where the whole thread can be read.
    pub context: Option<Url>,
}

/// A file attached to a remote note, as the Reader shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub url: String,
    /// `image/png`…, or as much as the sender said (`Image`, `Document`).
    pub media_type: String,
    /// Its description (`name`): an image's alt text.
    pub alt: Option<String>,
}

impl Attachment {
    pub fn is_image(&self) -> bool {
        self.media_type.starts_with("image") || self.media_type == "Image"
    }
}

/// Who a remote note is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Public or unlisted: it may be shown on the blog.
    Public,
    /// The author's followers.
    Followers,
    /// Only those it names.
    Direct,
}

impl RemoteNote {
    /// When it was published, as far as we believe it: never in the future.
    pub fn published_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.published.filter(|p| *p <= now).unwrap_or(now)
    }
}
