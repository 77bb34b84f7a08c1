//! What every mail writes the same way: its parts, its words in the blog's language, who wrote
//! a comment, a comment quoted.

use crate::{
    db::entities::{actor, comment, post},
    error::{AppResult, Text},
    render::{i18n::Language, markdown},
    services::{Site, comments, settings::SiteSettings},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// A mail's subject and body, and whom it goes to when not to the owner.
pub struct Composed {
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
}

/// The interface text `key` of `t` with its `%s` filled by `args`.
pub fn say(t: &Language, key: &'static str, args: &[&str]) -> String {
    t.say(&Text::with(key, args.iter().copied()))
}

/// Who wrote a comment, as the owner knows them: the name and handle of a fediverse account
/// (from its stored profile), the name a web comment gave, or for an answer written here the
/// author who answered as themselves, else the blog.
pub async fn writer(site: &Site, t: &Language, c: &comment::Model) -> AppResult<String> {
    let name = c.author_name.clone().filter(|n| !n.trim().is_empty());
    if c.is_local && c.kind != comment::WEB {
        let writers = comments::authors_of(site, std::slice::from_ref(c)).await?;
        return Ok(match writers.local.get(&c.author_ap_id) {
            Some(author) if !author.display_name.trim().is_empty() => author.display_name.clone(),
            Some(author) => author.username.clone(),
            None => site.settings.current().blog.title.clone(),
        });
    }
    if c.kind == comment::WEB {
        return Ok(say(t, "mail_web_form", &[&name.unwrap_or_default()]));
    }
    who(site, &c.author_ap_id, name).await
}

/// A fediverse account as the owner knows it: `name` (or the one of its stored profile) and
/// its handle, else its address.
pub async fn who(site: &Site, ap_id: &str, name: Option<String>) -> AppResult<String> {
    let profile = actor::Entity::find()
        .filter(actor::Column::ApId.eq(ap_id))
        .one(&site.db)
        .await?;
    let handle = profile.as_ref().and_then(|a| {
        let host = url::Url::parse(&a.ap_id).ok()?.host_str()?.to_string();
        Some(format!("@{}@{host}", a.preferred_username.clone()?))
    });
    let name = name.or_else(|| profile.and_then(|a| a.name).filter(|n| !n.is_empty()));
    Ok(match (name, handle) {
        (Some(name), Some(handle)) => format!("{name} ({handle})"),
        (Some(name), None) => format!("{name} ({ap_id})"),
        (None, Some(handle)) => handle,
        (None, None) => ap_id.to_string(),
    })
}

/// A comment's text as a mail quotes it.
pub fn quoted(html: &str) -> String {
    let text = markdown::plain_text(html);
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + word.len() > 72 {
            lines.push(format!("> {line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("> {line}"));
    }
    lines.join("\n")
}

/// An absolute link into /admin (`path` after `/admin/`).
pub(super) fn admin_link(site: &Site, path: &str) -> String {
    site.urls
        .base()
        .join(&format!("admin/{path}"))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| site.urls.admin().to_string())
}

/// The last lines of every mail to the owner.
pub(super) fn footer(site: &Site, settings: &SiteSettings, t: &Language) -> String {
    format!(
        "\n-- \n{} · {}\n{}\n",
        settings.blog.title,
        site.urls.base(),
        say(t, "mail_footer", &[&admin_link(site, "settings#mail")])
    )
}

/// `[Blog] what`: every subject to the owner.
pub(super) fn subject(settings: &SiteSettings, what: &str) -> String {
    format!("[{}] {what}", settings.blog.title)
}

/// `: “Title”` after a subject, when there is a post.
pub(super) fn on_post(t: &Language, post: Option<&post::Model>) -> String {
    post.map(|p| say(t, "mail_on_post", &[&p.title]))
        .unwrap_or_default()
}

/// The post comment `c` is under.
pub(super) async fn post_of(site: &Site, c: &comment::Model) -> AppResult<Option<post::Model>> {
    Ok(match c.post_id {
        Some(post_id) => post::Entity::find_by_id(post_id).one(&site.db).await?,
        None => None,
    })
}

/// "Name (@handle) wrote on “Title” at 2026-12-07 10:15 CET:", the comment quoted, and the
/// link to the post: the head of every mail to the owner about one comment.
pub(super) async fn comment_head(
    site: &Site,
    settings: &SiteSettings,
    t: &Language,
    c: &comment::Model,
    post: Option<&post::Model>,
) -> AppResult<String> {
    let who = writer(site, t, c).await?;
    let at = settings.local_time(c.published_at);
    let wrote = match post {
        Some(p) => say(t, "mail_wrote_on", &[&who, &p.title, &at]),
        None => say(t, "mail_wrote", &[&who, &at]),
    };
    // A web writer has no profile to look at: what they gave in the form is all the owner
    // knows of them (the e-mail is never shown on the blog, only here).
    let given: String = [
        ("mail_writer_email", &c.author_email),
        ("mail_writer_website", &c.author_website),
    ]
    .into_iter()
    .filter_map(|(key, value)| {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        Some(format!("\n{}", say(t, key, &[value])))
    })
    .collect();
    Ok(format!("{wrote}{given}\n\n{}\n\n", quoted(&c.content_html)))
}

/// "The post: …", a line, when there is one.
pub(super) fn post_line(site: &Site, t: &Language, post: Option<&post::Model>) -> String {
    post.map(|p| {
        format!(
            "{}\n",
            say(t, "mail_the_post", &[site.urls.post(&p.slug).as_str()])
        )
    })
    .unwrap_or_default()
}
