//! What every mail writes the same way: its parts, its words in the blog's language, who wrote
//! a comment, a comment quoted.

use crate::{
    db::entities::{actor, comment},
    error::{AppResult, Text},
    render::{i18n::Language, markdown},
    services::{Site, comments},
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
