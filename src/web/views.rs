//! What templates see: posts, authors, comments and the site, built from rows and
//! configuration, with dates already written in the interface language.

use crate::{
    config::{AuthorConfig, fediverse_handle},
    db::entities::{comment, post, user},
    error::AppResult,
    federation::state::AppState,
    render::i18n::Language,
    services::{comments::Writers, posts::slugify, users},
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
        title: data.settings.current().blog.title.clone(),
        description: data.settings.current().blog.description.clone(),
        url: urls.base().to_string(),
        actor: urls.actor().to_string(),
        handle: format!("@{}@{}", data.config.blog.username, urls.host()),
        icon: data
            .settings
            .current()
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

/// Who wrote a post: from their /admin account, else from the `[authors.<key>]` table, else
/// just the name the post gives.
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
    /// With author actors: their account on this blog, `@username@domain`, and its actor
    /// (what the follow form sends to `/interact`).
    pub blog_handle: Option<String>,
    pub actor: Option<String>,
}

impl Author {
    /// Who `fediverse:creator` names: their own account, else their account on this blog.
    pub fn creator(&self) -> Option<String> {
        self.handle.clone().or_else(|| self.blog_handle.clone())
    }
}

/// Everyone who may have written a post, loaded once per page: the blog's accounts and its
/// configuration.
pub struct Authors<'a> {
    data: &'a AppState,
    users: Vec<user::Model>,
}

impl<'a> Authors<'a> {
    pub async fn load(data: &'a AppState) -> AppResult<Authors<'a>> {
        Ok(Authors {
            data,
            users: users::list(&data.db).await?,
        })
    }

    /// The author of `post`.
    pub fn of(&self, post: &post::Model) -> Author {
        if let Some(user) = post
            .author_id
            .and_then(|id| self.users.iter().find(|u| u.id == id))
        {
            return self.account(user);
        }
        self.named(post.author.as_deref())
    }

    /// The author a post names (`None`: the blog's default author).
    fn named(&self, written_as: Option<&str>) -> Author {
        let written_as = written_as.unwrap_or(&self.data.config.blog.author);
        if let Some(user) = self
            .users
            .iter()
            .find(|u| u.display_name == written_as || u.username == written_as)
        {
            return self.account(user);
        }
        match configured(self.data, written_as) {
            Some((key, config)) => self.make(
                key,
                config.name.as_deref().unwrap_or(key),
                &config.bio,
                config.avatar_url.clone(),
                config.fediverse.as_deref(),
            ),
            None => self.make(&slugify(written_as), written_as, "", None, None),
        }
    }

    fn account(&self, user: &user::Model) -> Author {
        let mut author = self.make(
            &user.username,
            &user.display_name,
            &user.bio,
            user.avatar_url.clone(),
            user.fediverse_handle.as_deref(),
        );
        let blog = &self.data.config.blog;
        if blog.author_actors && user.username != blog.username {
            let urls = &self.data.urls;
            author.blog_handle = Some(format!("@{}@{}", user.username, urls.host()));
            author.actor = Some(urls.author_actor(&user.username).to_string());
        }
        author
    }

    fn make(
        &self,
        key: &str,
        name: &str,
        bio: &str,
        avatar: Option<String>,
        handle: Option<&str>,
    ) -> Author {
        let handle = handle.and_then(fediverse_handle);
        Author {
            key: key.to_string(),
            name: name.to_string(),
            bio: bio.to_string(),
            avatar: avatar.filter(|a| !a.trim().is_empty()),
            handle: handle.map(|(user, host)| format!("@{user}@{host}")),
            profile: handle.map(|(user, host)| format!("https://{host}/@{user}")),
            url: self.data.urls.author(key).to_string(),
            blog_handle: None,
            actor: None,
        }
    }

    /// Who an author page's key stands for, and which posts are theirs: the account ids, the
    /// `author` values their posts carry, and whether posts naming no one are theirs (they are
    /// the blog's default author).
    pub fn by_key(&self, key: &str, written: &[String]) -> Option<(Author, AuthorPosts)> {
        let default = &self.data.config.blog.author;
        let (author, ids) = if let Some(user) = self.users.iter().find(|u| u.username == key) {
            (self.account(user), vec![user.id])
        } else if self.data.config.authors.contains_key(key) {
            (self.named(Some(key)), vec![])
        } else {
            let written_as = written
                .iter()
                .chain(std::iter::once(default))
                .find(|w| slugify(w) == key)?;
            (self.named(Some(written_as)), vec![])
        };
        if author.key != key {
            return None;
        }
        let mut names = vec![author.key.clone(), author.name.clone()];
        names.dedup();
        let unattributed = self.named(None).key == author.key;
        Some((
            author,
            AuthorPosts {
                ids,
                names,
                unattributed,
            },
        ))
    }
}

/// Which posts an author page lists.
pub struct AuthorPosts {
    pub ids: Vec<i32>,
    pub names: Vec<String>,
    pub unattributed: bool,
}

/// The configured author that `written_as` names: by table key or by display name.
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

#[derive(Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
}

/// A post in a list, or as the previous or next one under a post.
#[derive(Serialize)]
pub struct PostSummary {
    /// Its title, or for a note the beginning of its text (`headline`).
    pub title: String,
    /// A short note: shown by its text, not a title.
    pub note: bool,
    pub url: String,
    pub summary: String,
    pub lang: String,
    pub author: Author,
    pub published: String,
    pub published_display: String,
    pub reading_minutes: usize,
    pub tags: Vec<Tag>,
}

/// What names a post where a title goes (a link, the page's `<title>`, a feed entry): its
/// title, or for a note the beginning of its text.
pub fn headline(post: &post::Model) -> String {
    if post.is_note() {
        crate::render::markdown::excerpt(&post.body_markdown, 60)
    } else {
        post.title.clone()
    }
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

pub fn summary(
    data: &AppState,
    authors: &Authors,
    ui: &Language,
    post: &post::Model,
) -> PostSummary {
    PostSummary {
        title: headline(post),
        note: post.is_note(),
        url: data.urls.post(&post.slug).to_string(),
        summary: post.summary.clone(),
        lang: post.lang.clone(),
        author: authors.of(post),
        published: iso(&post.published_at),
        published_display: ui.date(
            &post
                .published_at
                .with_timezone(&data.settings.current().tz()),
        ),
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
        "headline": headline(post),
        "description": post.summary,
        "inLanguage": post.lang,
        "url": url,
        "mainEntityOfPage": url,
        "datePublished": iso(&post.published_at),
        "dateModified": iso(&post.updated_at),
        "author": person,
        "image": post.cover_url.clone().or_else(|| author.avatar.clone()).unwrap_or_else(|| site(data).icon),
        "keywords": post.tag_list(),
        "publisher": {"@type": "Organization", "name": data.settings.current().blog.title, "url": data.urls.base()},
    });
    doc.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

#[derive(Serialize)]
pub struct CommentView {
    pub id: i32,
    /// The element id old links jump to: `comment-<WordPress id>` for imported comments.
    pub anchor: String,
    /// Written by one of the blog's own authors (or as the blog).
    pub by_author: bool,
    pub author_name: String,
    pub handle: String,
    pub profile_url: String,
    pub avatar: Option<String>,
    pub url: String,
    pub published: String,
    pub published_display: String,
    pub html: String,
    pub deleted: bool,
    /// Written in the blog's comment form rather than from a fediverse account.
    pub web: bool,
    /// Where the reply link goes: the post page with the form set to answer this one.
    pub reply_url: String,
    pub children: Vec<CommentView>,
}

/// Who wrote a comment, as pages and /admin show them.
#[derive(Serialize, Debug, Clone)]
pub struct CommentAuthor {
    pub name: String,
    /// `@user@server` of a fediverse account; empty for the web form and imports.
    pub handle: String,
    /// The author's server (with its port, if any) of a fediverse account.
    pub server: String,
    /// Their profile page, or a web writer's website; empty when there is none to link.
    pub profile_url: String,
    pub avatar: Option<String>,
}

/// Whether the comment was written here: as the blog, or by one of its authors' actors.
pub fn written_here(data: &AppState, c: &comment::Model) -> bool {
    c.is_local
        || c.author_ap_id
            .starts_with(data.urls.author("").as_str().trim_end_matches('/'))
}

/// The author of `c`: a web writer (name and website), one of the blog's authors who answered
/// as themselves, the blog, or a fediverse account (its stored profile, else what the comment
/// itself says).
pub fn comment_author(
    data: &AppState,
    ui: &Language,
    c: &comment::Model,
    writers: &Writers,
) -> CommentAuthor {
    if c.kind == comment::WEB {
        return CommentAuthor {
            name: c.author_name.clone().unwrap_or_default(),
            handle: String::new(),
            server: String::new(),
            profile_url: c.author_website.clone().unwrap_or_default(),
            avatar: None,
        };
    }
    if let Some(user) = writers.local.get(&c.author_ap_id) {
        let name = match user.display_name.trim() {
            "" => user.username.clone(),
            name => name.to_string(),
        };
        return CommentAuthor {
            name,
            handle: format!("@{}@{}", user.username, data.urls.host()),
            server: data.urls.host(),
            profile_url: data.urls.author(&user.username).to_string(),
            avatar: Some(
                user.avatar_url
                    .clone()
                    .filter(|a| !a.trim().is_empty())
                    .unwrap_or_else(|| site(data).icon),
            ),
        };
    }
    if c.is_local {
        let site = site(data);
        return CommentAuthor {
            name: site.title,
            handle: site.handle,
            server: data.urls.host(),
            profile_url: site.url,
            avatar: Some(site.icon),
        };
    }
    let author = writers.remote.get(&c.author_ap_id);
    let server = url::Url::parse(&c.author_ap_id)
        .ok()
        .and_then(|u| {
            Some(match u.port() {
                Some(port) => format!("{}:{port}", u.host_str()?),
                None => u.host_str()?.to_string(),
            })
        })
        .unwrap_or_default();
    let username = author.and_then(|a| a.preferred_username.clone());
    let profile_url = author
        .and_then(|a| a.moved_to.clone().or_else(|| a.url.clone()))
        .unwrap_or_else(|| c.author_ap_id.clone());
    CommentAuthor {
        name: author
            .and_then(|a| a.name.clone())
            .filter(|n| !n.trim().is_empty())
            .or_else(|| username.clone())
            // Comments imported from another blog have a name and no actor.
            .or_else(|| c.author_name.clone())
            .unwrap_or_else(|| ui.get("anonymous").to_string()),
        handle: username
            .map(|u| format!("@{u}@{server}"))
            .unwrap_or_default(),
        server,
        // An imported comment without a web address of its author names itself: no link.
        profile_url: if c.author_ap_id == c.ap_id {
            String::new()
        } else {
            profile_url
        },
        avatar: author.and_then(|a| a.icon_url.clone()),
    }
}

/// The id of a comment's element on its post's page.
fn comment_anchor(post_url: &str, c: &comment::Model) -> String {
    c.ap_id
        .strip_prefix(&format!("{post_url}#"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("comment-{}", c.id))
}

/// Where a person reads a comment: a web comment or one written here on its post's page (its
/// own address answers no page), a fediverse reply on its server.
pub fn comment_page_url(data: &AppState, post_url: &str, c: &comment::Model) -> String {
    if c.kind == comment::WEB || written_here(data, c) {
        return format!("{post_url}#{}", comment_anchor(post_url, c));
    }
    c.url.clone().unwrap_or_else(|| c.ap_id.clone())
}

/// Nests comments (oldest first) under what they reply to; a deleted comment stays only as
/// the parent of others.
pub fn comment_tree(
    data: &AppState,
    ui: &Language,
    post_url: &str,
    comments: &[comment::Model],
    writers: &Writers,
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
        post_url,
        children,
        writers,
    };
    tree.build(post_url, 0)
}

struct Tree<'a> {
    data: &'a AppState,
    ui: &'a Language,
    post_url: &'a str,
    children: HashMap<&'a str, Vec<&'a comment::Model>>,
    writers: &'a Writers,
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
        let web = c.kind == comment::WEB;
        let CommentAuthor {
            name,
            handle,
            profile_url: profile,
            avatar,
            ..
        } = comment_author(data, self.ui, c, self.writers);
        let by_author = written_here(data, c);
        CommentView {
            id: c.id,
            anchor: comment_anchor(self.post_url, c),
            by_author,
            author_name: name,
            handle,
            profile_url: profile,
            avatar,
            url: comment_page_url(data, self.post_url, c),
            published: iso(&c.published_at),
            published_display: self
                .ui
                .date(&c.published_at.with_timezone(&data.settings.current().tz())),
            html: c.content_html.clone(),
            deleted: c.deleted_at.is_some(),
            web,
            reply_url: format!("{}?reply_to={}#comment-form", self.post_url, c.id),
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
