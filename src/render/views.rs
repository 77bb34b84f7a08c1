//! What templates see: posts, authors, comments and the site, built from rows and
//! configuration, with dates already written in the interface language.

use crate::{
    config::AuthorConfig,
    db::entities::{actor, comment, post},
    render::i18n::Language,
    services::posts::slugify,
    state::AppState,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

pub fn iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The blog itself, on every page.
#[derive(Serialize)]
pub struct Site {
    pub title: String,
    pub description: String,
    pub url: String,
    pub actor: String,
    pub handle: String,
    pub icon: String,
    pub archive: String,
    pub interact: String,
    pub atom: String,
    pub rss: String,
    pub json_feed: String,
}

pub fn site(data: &AppState) -> Site {
    let urls = &data.urls;
    Site {
        title: data.config.blog.title.clone(),
        description: data.config.blog.description.clone(),
        url: urls.base().to_string(),
        actor: urls.actor().to_string(),
        handle: format!("@{}@{}", data.config.blog.username, urls.host()),
        icon: data
            .config
            .blog
            .icon_url
            .clone()
            .unwrap_or_else(|| urls.icon().to_string()),
        archive: urls.archive().to_string(),
        interact: urls.interact().to_string(),
        atom: urls.feed("atom").to_string(),
        rss: urls.feed("rss").to_string(),
        json_feed: urls.feed("json").to_string(),
    }
}

/// Who wrote a post, from the `[authors.<key>]` table when it has an entry.
#[derive(Serialize, Clone)]
pub struct Author {
    pub key: String,
    pub name: String,
    pub bio: String,
    pub avatar: Option<String>,
    /// `@user@their.instance`, when the author gave one.
    pub handle: Option<String>,
    /// Their profile on their own server, from the handle.
    pub profile: Option<String>,
    pub url: String,
}

/// The configured author that `written_as` (a post's `author`, or `blog.author`) names: by
/// table key or by display name.
fn configured<'a>(data: &'a AppState, written_as: &str) -> Option<(&'a str, &'a AuthorConfig)> {
    let authors = &data.config.authors;
    authors
        .get_key_value(written_as)
        .or_else(|| {
            authors
                .iter()
                .find(|(_, a)| a.name.as_deref() == Some(written_as))
        })
        .map(|(k, a)| (k.as_str(), a))
}

pub fn author(data: &AppState, written_as: Option<&str>) -> Author {
    let written_as = written_as.unwrap_or(&data.config.blog.author);
    let (key, name, config) = match configured(data, written_as) {
        Some((key, config)) => (
            key.to_string(),
            config.name.clone().unwrap_or_else(|| key.to_string()),
            Some(config),
        ),
        None => (slugify(written_as), written_as.to_string(), None),
    };
    let handle = config.and_then(|c| c.fediverse_parts());
    Author {
        url: data.urls.author(&key).to_string(),
        key,
        name,
        bio: config.map(|c| c.bio.clone()).unwrap_or_default(),
        avatar: config.and_then(|c| c.avatar_url.clone()),
        handle: handle.map(|(user, host)| format!("@{user}@{host}")),
        profile: handle.map(|(user, host)| format!("https://{host}/@{user}")),
    }
}

/// Who an author page's key stands for: the author, the `author` values their posts carry,
/// and whether posts without one are theirs (they are the blog's default author).
pub fn author_by_key(
    data: &AppState,
    key: &str,
    written: &[String],
) -> Option<(Author, Vec<String>, bool)> {
    let default = &data.config.blog.author;
    let written_as = if data.config.authors.contains_key(key) {
        key.to_string()
    } else {
        written
            .iter()
            .chain(std::iter::once(default))
            .find(|w| configured(data, w).is_none() && slugify(w) == key)?
            .clone()
    };
    let author = author(data, Some(&written_as));
    let mut names = vec![written_as.clone()];
    if author.name != written_as {
        names.push(author.name.clone());
    }
    let unattributed =
        names.contains(default) || configured(data, default).is_some_and(|(k, _)| k == author.key);
    Some((author, names, unattributed))
}

#[derive(Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
}

/// A post in a list, or as the previous or next one under a post.
#[derive(Serialize)]
pub struct PostSummary {
    pub title: String,
    pub url: String,
    pub summary: String,
    pub lang: String,
    pub author: Author,
    pub published: String,
    pub published_display: String,
    pub reading_minutes: usize,
    pub tags: Vec<Tag>,
}

/// Minutes at 200 words a minute, at least one.
pub fn reading_minutes(markdown: &str) -> usize {
    markdown.split_whitespace().count().div_ceil(200).max(1)
}

pub fn tags(data: &AppState, post: &post::Model) -> Vec<Tag> {
    post.tag_list()
        .into_iter()
        .map(|t| Tag {
            url: data.urls.tag(&t).to_string(),
            name: t,
        })
        .collect()
}

pub fn summary(data: &AppState, ui: &Language, post: &post::Model) -> PostSummary {
    PostSummary {
        title: post.title.clone(),
        url: data.urls.post(&post.slug).to_string(),
        summary: post.summary.clone(),
        lang: post.lang.clone(),
        author: author(data, post.author.as_deref()),
        published: iso(&post.published_at),
        published_display: ui.date(&post.published_at),
        reading_minutes: reading_minutes(&post.body_markdown),
        tags: tags(data, post),
    }
}

/// Schema.org `BlogPosting` for search engines and link previews, ready to sit in a
/// `<script type="application/ld+json">` (no `<` can close it early).
pub fn json_ld(data: &AppState, post: &post::Model, author: &Author) -> String {
    let url = data.urls.post(&post.slug);
    let mut person = json!({"@type": "Person", "name": author.name, "url": author.url});
    if let Some(profile) = &author.profile {
        person["sameAs"] = json!(profile);
    }
    let doc = json!({
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.summary,
        "inLanguage": post.lang,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": iso(&post.published_at),
        "dateModified": iso(&post.updated_at),
        "author": person,
        "image": author.avatar.clone().unwrap_or_else(|| site(data).icon),
        "keywords": post.tag_list(),
        "publisher": {"@type": "Organization", "name": data.config.blog.title, "url": data.urls.base()},
    });
    doc.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

#[derive(Serialize)]
pub struct CommentView {
    pub id: i32,
    pub author_name: String,
    pub handle: String,
    pub profile_url: String,
    pub avatar: Option<String>,
    pub url: String,
    pub published: String,
    pub published_display: String,
    pub html: String,
    pub deleted: bool,
    pub children: Vec<CommentView>,
}

/// Nests comments (oldest first) under what they reply to; a deleted comment stays only as
/// the parent of others.
pub fn comment_tree(
    data: &AppState,
    ui: &Language,
    post_url: &str,
    comments: &[comment::Model],
    actors: &HashMap<String, actor::Model>,
) -> Vec<CommentView> {
    let mut children: HashMap<&str, Vec<&comment::Model>> = HashMap::new();
    let known: HashSet<&str> = comments.iter().map(|c| c.ap_id.as_str()).collect();
    for c in comments {
        // A reply to something we do not have is shown at the top level rather than lost.
        let parent = if known.contains(c.in_reply_to.as_str()) {
            c.in_reply_to.as_str()
        } else {
            post_url
        };
        children.entry(parent).or_default().push(c);
    }
    let tree = Tree {
        data,
        ui,
        children,
        actors,
    };
    tree.build(post_url, 0)
}

struct Tree<'a> {
    data: &'a AppState,
    ui: &'a Language,
    children: HashMap<&'a str, Vec<&'a comment::Model>>,
    actors: &'a HashMap<String, actor::Model>,
}

impl Tree<'_> {
    fn build(&self, parent: &str, depth: usize) -> Vec<CommentView> {
        let Some(list) = self.children.get(parent) else {
            return vec![];
        };
        list.iter()
            .filter_map(|c| {
                // Deep threads are cut beyond this depth rather than recursing without end.
                let kids = if depth < 32 {
                    self.build(&c.ap_id, depth + 1)
                } else {
                    vec![]
                };
                if c.deleted_at.is_some() && kids.is_empty() {
                    return None;
                }
                Some(self.view(c, kids))
            })
            .collect()
    }

    fn view(&self, c: &comment::Model, children: Vec<CommentView>) -> CommentView {
        let data = self.data;
        let (name, handle, profile, avatar) = if c.is_local {
            let site = site(data);
            (site.title, site.handle, site.url, Some(site.icon))
        } else {
            let author = self.actors.get(&c.author_ap_id);
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
                    .and_then(|a| a.url.clone())
                    .unwrap_or_else(|| c.author_ap_id.clone()),
                author.and_then(|a| a.icon_url.clone()),
            )
        };
        CommentView {
            id: c.id,
            author_name: name,
            handle,
            profile_url: profile,
            avatar,
            url: c.url.clone().unwrap_or_else(|| c.ap_id.clone()),
            published: iso(&c.published_at),
            published_display: self.ui.date(&c.published_at),
            html: c.content_html.clone(),
            deleted: c.deleted_at.is_some(),
            children,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time() {
        assert_eq!(reading_minutes(""), 1);
        assert_eq!(reading_minutes(&"wort ".repeat(200)), 1);
        assert_eq!(reading_minutes(&"wort ".repeat(201)), 2);
    }
}
