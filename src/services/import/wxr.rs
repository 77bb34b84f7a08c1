//! Reading a WXR file (WordPress's RSS-based export) into plain values: the channel, authors,
//! categories, and every item (posts, pages, attachments) with its metadata and comments.

use crate::error::{AppError, AppResult};
use quick_xml::{
    Reader,
    escape::resolve_predefined_entity,
    events::{BytesStart, Event},
};

/// An author of a WordPress blog.
#[derive(Debug, Clone, Default)]
pub struct WxrAuthor {
    /// What `wp:comment_user_id` of this author's comments says.
    pub id: String,
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
    /// Empty or `comment`, `pingback`, `trackback`.
    pub kind: String,
    /// Not `0` for comments by the blog's own accounts (the author's replies).
    pub user_id: String,
}

/// One `<item>`: a post, a page, an attachment…
#[derive(Debug, Clone, Default)]
pub struct WxrItem {
    pub title: String,
    pub link: String,
    pub guid: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: String,
    /// Local time of the blog (its time zone is not in the export).
    pub post_date: String,
    /// UTC; `0000-00-00 00:00:00` for drafts never scheduled.
    pub post_date_gmt: String,
    pub modified_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub post_parent: String,
    pub menu_order: String,
    pub password: String,
    /// `(name, nicename)` of each category.
    pub categories: Vec<(String, String)>,
    pub tags: Vec<String>,
    /// The nicename (`/tag/<nicename>/`) of each of `tags`, in the same order.
    pub tag_nicenames: Vec<String>,
    pub thumbnail_id: Option<String>,
    pub attachment_url: String,
    /// `_wp_attachment_image_alt` of an attachment.
    pub alt: String,
    /// `_wp_attachment_metadata` of an attachment (PHP-serialized: sizes, width, height).
    pub attachment_metadata: String,
    pub comments: Vec<WxrComment>,
}

/// A category of the blog, from the channel's list.
#[derive(Debug, Clone, Default)]
pub struct WxrCategory {
    pub term_id: String,
    pub nicename: String,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Wxr {
    /// The blog's language (`de-DE`), the language of every post.
    pub language: Option<String>,
    /// `https://old.example`: what links to the old site start with.
    pub base_url: String,
    pub authors: Vec<WxrAuthor>,
    pub categories: Vec<WxrCategory>,
    pub items: Vec<WxrItem>,
}

impl Wxr {
    /// The nicename of the blog's default category ("Uncategorized", "Allgemein"…): WordPress
    /// creates it first (term 1) at install; its name depends on the language. Exports that do
    /// not list it get the English one.
    pub fn default_category(&self) -> &str {
        self.categories
            .iter()
            .find(|c| c.term_id.trim() == "1")
            .map(|c| c.nicename.as_str())
            .unwrap_or("uncategorized")
    }
}

/// Where the reader is: the element names open, the text of the current one, and the
/// records being filled.
#[derive(Default)]
struct State {
    wxr: Wxr,
    path: Vec<String>,
    text: String,
    item: Option<WxrItem>,
    author: Option<WxrAuthor>,
    comment: Option<WxrComment>,
    category: Option<WxrCategory>,
    category_domain: String,
    category_nicename: String,
    meta_key: String,
}

fn attribute(e: &BytesStart, name: &str) -> String {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.unescape_value().ok().map(|v| v.to_string()))
        .unwrap_or_default()
}

/// Reads a WXR file.
pub fn parse_wxr(text: &str) -> AppResult<Wxr> {
    let mut reader = Reader::from_str(text);
    let mut state = State::default();
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
            Event::Start(e) => state.start(&e),
            Event::Text(e) => state.text.push_str(&e.decode().map_err(|e| bad(&e))?),
            Event::CData(e) => state.text.push_str(&e.decode().map_err(|e| bad(&e))?),
            Event::GeneralRef(e) => {
                if let Some(c) = e.resolve_char_ref().map_err(|e| bad(&e))? {
                    state.text.push(c);
                } else {
                    let name = e.decode().map_err(|e| bad(&e))?;
                    state
                        .text
                        .push_str(resolve_predefined_entity(&name).unwrap_or(""));
                }
            }
            Event::End(_) => state.end(),
            Event::Eof => break,
            _ => {}
        }
    }
    if !state.path.is_empty() {
        return Err(AppError::BadRequest(
            "the WordPress export ends in the middle of an element".into(),
        ));
    }
    Ok(state.wxr)
}

impl State {
    fn start(&mut self, e: &BytesStart) {
        let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
        self.text.clear();
        match name.as_str() {
            "item" => self.item = Some(WxrItem::default()),
            "wp:author" if self.item.is_none() => self.author = Some(WxrAuthor::default()),
            "wp:category" if self.item.is_none() => self.category = Some(WxrCategory::default()),
            "wp:comment" => self.comment = Some(WxrComment::default()),
            "category" => {
                self.category_domain = attribute(e, "domain");
                self.category_nicename = attribute(e, "nicename");
            }
            _ => {}
        }
        self.path.push(name);
    }

    fn end(&mut self) {
        let Some(name) = self.path.pop() else { return };
        let text = std::mem::take(&mut self.text);
        if self.comment.is_some() {
            self.end_comment(&name, text);
        } else if self.item.is_some() {
            self.end_item(&name, text);
        } else if let Some(c) = self.category.as_mut() {
            match name.as_str() {
                "wp:term_id" => c.term_id = text,
                "wp:category_nicename" => c.nicename = text,
                "wp:cat_name" => c.name = text,
                "wp:category" => self.wxr.categories.extend(self.category.take()),
                _ => {}
            }
        } else if let Some(a) = self.author.as_mut() {
            match name.as_str() {
                "wp:author_id" => a.id = text.trim().to_string(),
                "wp:author_login" => a.login = text,
                "wp:author_display_name" => a.display_name = text,
                "wp:author" => self.wxr.authors.extend(self.author.take()),
                _ => {}
            }
        } else if self.path.last().is_some_and(|p| p == "channel") {
            match name.as_str() {
                "language" => {
                    self.wxr.language = Some(text.trim().to_string()).filter(|l| !l.is_empty())
                }
                "wp:base_site_url" => self.wxr.base_url = text.trim().to_string(),
                "link" if self.wxr.base_url.is_empty() => {
                    self.wxr.base_url = text.trim().to_string()
                }
                _ => {}
            }
        }
    }

    fn end_comment(&mut self, name: &str, text: String) {
        let Some(c) = self.comment.as_mut() else {
            return;
        };
        match name {
            "wp:comment_id" => c.id = text,
            "wp:comment_author" => c.author = text,
            "wp:comment_author_url" => c.author_url = text,
            "wp:comment_date_gmt" => c.date_gmt = text,
            "wp:comment_content" => c.content = text,
            "wp:comment_approved" => c.approved = text,
            "wp:comment_parent" => c.parent = text,
            "wp:comment_type" => c.kind = text,
            "wp:comment_user_id" => c.user_id = text,
            "wp:comment" => {
                if let (Some(done), Some(i)) = (self.comment.take(), self.item.as_mut()) {
                    i.comments.push(done);
                }
            }
            _ => {}
        }
    }

    fn end_item(&mut self, name: &str, text: String) {
        let Some(i) = self.item.as_mut() else { return };
        match name {
            "title" => i.title = text,
            "link" => i.link = text,
            "guid" => i.guid = text,
            "dc:creator" => i.creator = text,
            "content:encoded" => i.content = text,
            "excerpt:encoded" => i.excerpt = text,
            "wp:post_id" => i.post_id = text.trim().to_string(),
            "wp:post_date" => i.post_date = text,
            "wp:post_date_gmt" => i.post_date_gmt = text,
            "wp:post_modified_gmt" => i.modified_gmt = text,
            "wp:post_name" => i.post_name = text,
            "wp:status" => i.status = text.trim().to_string(),
            "wp:post_type" => i.post_type = text.trim().to_string(),
            "wp:post_parent" => i.post_parent = text.trim().to_string(),
            "wp:menu_order" => i.menu_order = text.trim().to_string(),
            "wp:post_password" => i.password = text,
            "wp:attachment_url" => i.attachment_url = text.trim().to_string(),
            "wp:meta_key" => self.meta_key = text,
            "wp:meta_value" => match self.meta_key.as_str() {
                "_thumbnail_id" => i.thumbnail_id = Some(text.trim().to_string()),
                "_wp_attachment_image_alt" => i.alt = text.trim().to_string(),
                "_wp_attachment_metadata" => i.attachment_metadata = text,
                _ => {}
            },
            "category" => {
                let value = text.trim().to_string();
                match self.category_domain.as_str() {
                    "post_tag" => {
                        i.tags.push(value);
                        i.tag_nicenames
                            .push(std::mem::take(&mut self.category_nicename));
                    }
                    "category" => i
                        .categories
                        .push((value, std::mem::take(&mut self.category_nicename))),
                    _ => {}
                }
            }
            "item" => self.wxr.items.extend(self.item.take()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wordpress_export() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel>
<wp:base_site_url>https://old.example</wp:base_site_url>
<wp:author><wp:author_login><![CDATA[jörg]]></wp:author_login><wp:author_display_name><![CDATA[Jörg Müller]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[allgemein]]></wp:category_nicename><wp:cat_name><![CDATA[Allgemein]]></wp:cat_name></wp:category>
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
<wp:post_password><![CDATA[geheim]]></wp:post_password>
<category domain="post_tag" nicename="koln"><![CDATA[Köln]]></category>
<category domain="category" nicename="allgemein"><![CDATA[Allgemein]]></category>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_author>Zoë</wp:comment_author><wp:comment_content><![CDATA[Schön!]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_user_id>1</wp:comment_user_id></wp:comment>
</item>
</channel>
</rss>"#;
        let wxr = parse_wxr(xml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wxr.authors[0].display_name, "Jörg Müller");
        assert_eq!(wxr.language, None);
        assert_eq!(wxr.base_url, "https://old.example");
        assert_eq!(wxr.default_category(), "allgemein");
        let item = &wxr.items[0];
        assert_eq!(item.title, "Grüße & mehr");
        assert_eq!(item.tags, vec!["Köln"]);
        assert_eq!(item.password, "geheim");
        assert_eq!(
            item.categories,
            vec![("Allgemein".to_string(), "allgemein".to_string())]
        );
        assert_eq!(item.comments[0].author, "Zoë");
        assert_eq!(item.comments[0].user_id, "1");
        assert!(parse_wxr("<rss><channel><item></channel>").is_err());
    }
}

/// Properties of reading export files, which come from anywhere: a real export cut short or
/// spliced with junk, or any text at all, is read or refused without panicking, and the
/// content of every item renders (`render::wordpress`) without panicking either.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::render::wordpress;
    use proptest::prelude::*;
    use std::collections::HashMap;

    const EXPORT: &str = include_str!("../../../tests/fixtures/wordpress/blog.xml");

    fn render_items(wxr: &Wxr) {
        for item in &wxr.items {
            let _ = wordpress::to_html(&item.content, &HashMap::new());
        }
    }

    /// The last char boundary of `text` at or before `at` (taken modulo its length).
    fn boundary(text: &str, at: usize) -> usize {
        let at = at % (text.len() + 1);
        (0..=at)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0)
    }

    proptest! {
        #[test]
        fn a_cut_export_is_read_or_refused(at in any::<usize>()) {
            if let Ok(wxr) = parse_wxr(&EXPORT[..boundary(EXPORT, at)]) {
                render_items(&wxr);
            }
        }

        #[test]
        fn a_spliced_export_is_read_or_refused(
            at in any::<usize>(),
            cut in 0usize..200,
            junk in prop_oneof![
                Just("<![CDATA[".to_string()),
                Just("]]>".to_string()),
                Just("<item>".to_string()),
                Just("</item>".to_string()),
                Just("<wp:comment>".to_string()),
                Just("&#xFFFFFFFF;".to_string()),
                Just("&unknown;".to_string()),
                Just("<!-- wp:embed {\"url\": -->".to_string()),
                Just("[caption id=\"\"][/caption]".to_string()),
                Just("[gallery ids=\"a,,9999999999\"]".to_string()),
                any::<String>(),
            ],
        ) {
            let start = boundary(EXPORT, at);
            let end = boundary(EXPORT, start + cut).max(start);
            let text = format!("{}{junk}{}", &EXPORT[..start], &EXPORT[end..]);
            if let Ok(wxr) = parse_wxr(&text) {
                render_items(&wxr);
            }
        }

        #[test]
        fn any_text_is_read_or_refused(text in any::<String>()) {
            let _ = parse_wxr(&text);
            let _ = wordpress::to_html(&text, &HashMap::new());
        }
    }
}
