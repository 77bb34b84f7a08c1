//! WordPress post content as WordPress showed it: block comments (`<!-- wp:… -->`) removed,
//! the common core shortcodes (`caption`, `gallery`, `embed`, `video`, `audio`) and block
//! embeds turned into plain HTML, classic-editor text given paragraphs and line breaks the way
//! `wpautop` does, and images given their width and height. The result is HTML made of blocks
//! separated by blank lines, which Markdown passes through unchanged (so it can be stored as
//! a post's Markdown body and edited in /admin).

use crate::render::{escape_html, fixed_pattern};
use regex::{Captures, Regex};
use std::{collections::HashMap, sync::LazyLock};

/// What a post's content may refer to by attachment id.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    pub url: String,
    pub alt: String,
    /// `(file name, width, height)` of the original and every resized copy.
    pub sizes: Vec<(String, u32, u32)>,
}

impl Attachment {
    /// Reads the sizes from `_wp_attachment_metadata` (PHP-serialized).
    pub fn with_metadata(url: &str, alt: &str, metadata: &str) -> Attachment {
        static ORIGINAL: LazyLock<Regex> = LazyLock::new(|| {
            fixed_pattern(
                r#"^a:\d+:\{s:5:"width";i:(\d+);s:6:"height";i:(\d+);s:4:"file";s:\d+:"([^"]+)""#,
            )
        });
        static SIZE: LazyLock<Regex> = LazyLock::new(|| {
            fixed_pattern(r#"s:4:"file";s:\d+:"([^"]+)";s:5:"width";i:(\d+);s:6:"height";i:(\d+);"#)
        });
        let mut sizes = vec![];
        if let Some(c) = ORIGINAL.captures(metadata) {
            let file = c[3].rsplit('/').next().unwrap_or_default().to_string();
            sizes.push((file, number(&c[1]), number(&c[2])));
        }
        for c in SIZE.captures_iter(metadata) {
            sizes.push((c[1].to_string(), number(&c[2]), number(&c[3])));
        }
        Attachment {
            url: url.to_string(),
            alt: alt.to_string(),
            sizes,
        }
    }
}

fn number(text: &str) -> u32 {
    text.parse().unwrap_or_default()
}

/// Patterns are constants of this file, checked by its tests: one that did not compile would
/// match nothing rather than take the server down.
/// The HTML of a WordPress post's `content:encoded`.
pub fn to_html(content: &str, attachments: &HashMap<String, Attachment>) -> String {
    let content = content.replace("\r\n", "\n");
    let block_editor = content.contains("<!-- wp:");
    let content = block_embeds(&content);
    let content = strip_block_comments(&content);
    let content = shortcodes(&content, attachments);
    let html = if block_editor {
        content
    } else {
        autop(&content)
    };
    image_sizes(&blocks(&html), attachments)
}

/// `<!-- wp:embed {"url": …} -->…<!-- /wp:embed -->` (YouTube and the like).
fn block_embeds(content: &str) -> String {
    static EMBED: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(
            r"(?s)<!-- wp:(?:core-)?embed(?:/[a-z-]+)? (\{.*?\}) -->.*?<!-- /wp:(?:core-)?embed(?:/[a-z-]+)? -->",
        )
    });
    EMBED
        .replace_all(content, |c: &Captures| {
            let url = serde_json::from_str::<serde_json::Value>(&c[1])
                .ok()
                .and_then(|v| v["url"].as_str().map(str::to_string));
            match url {
                Some(url) => format!("\n\n{}\n\n", embed(&url)),
                None => c[0].to_string(),
            }
        })
        .into_owned()
}

/// A link to an embedded video or page: nothing is loaded from the other site until the
/// reader follows it.
fn embed(url: &str) -> String {
    let url = escape_html(url.trim());
    format!(r#"<figure class="embed"><a href="{url}">{url}</a></figure>"#)
}

fn strip_block_comments(content: &str) -> String {
    static COMMENT: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(r"(?s)<!--\s*/?wp:.*?-->|<!--more(?:\s[^>]*)?-->|<!--nextpage-->")
    });
    COMMENT.replace_all(content, "").into_owned()
}

/// `key="value"` pairs of a shortcode.
fn attributes(text: &str) -> HashMap<String, String> {
    static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(r#"([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s\]]+))"#)
    });
    ATTRIBUTE
        .captures_iter(text)
        .map(|c| {
            let value = c.get(2).or(c.get(3)).or(c.get(4)).map(|m| m.as_str());
            (c[1].to_lowercase(), value.unwrap_or_default().to_string())
        })
        .collect()
}

fn shortcodes(content: &str, attachments: &HashMap<String, Attachment>) -> String {
    static CAPTION: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(r"(?s)\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]")
    });
    static EMBED: LazyLock<Regex> =
        LazyLock::new(|| fixed_pattern(r"(?s)\[embed[^\]]*\](.*?)\[/embed\]"));
    static GALLERY: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"\[gallery([^\]]*)\]"));
    static MEDIA: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(r"(?s)\[(video|audio)([^\]]*)\](?:[^\[]*\[/(?:video|audio)\])?")
    });
    static MORE: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"\[/?more\]"));
    let text = CAPTION.replace_all(content, |c: &Captures| caption(&c[2]));
    let text = EMBED.replace_all(&text, |c: &Captures| format!("\n\n{}\n\n", embed(&c[1])));
    let text = GALLERY.replace_all(&text, |c: &Captures| {
        gallery(&attributes(&c[1]), attachments)
    });
    let text = MEDIA.replace_all(&text, |c: &Captures| media(&c[1], &attributes(&c[2])));
    MORE.replace_all(&text, "").into_owned()
}

/// `[caption]<img …> Text[/caption]` (the image may be inside a link).
fn caption(inner: &str) -> String {
    let inner = inner.trim();
    let end = if inner.starts_with("<a") {
        inner.find("</a>").map(|i| i + 4)
    } else {
        inner.find('>').map(|i| i + 1)
    };
    let (image, text) = inner.split_at(end.unwrap_or(inner.len()));
    let text = text.trim();
    let caption = if text.is_empty() {
        String::new()
    } else {
        format!("<figcaption>{text}</figcaption>")
    };
    format!("\n\n<figure class=\"wp-caption\">{image}{caption}</figure>\n\n")
}

fn gallery(
    attributes: &HashMap<String, String>,
    attachments: &HashMap<String, Attachment>,
) -> String {
    let images: String = attributes
        .get("ids")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| attachments.get(id.trim()).map(|a| (id.trim(), a)))
        .map(|(id, a)| {
            let url = escape_html(&a.url);
            format!(
                r#"<a href="{url}"><img src="{url}" alt="{}" class="wp-image-{id}"></a>"#,
                escape_html(&a.alt)
            )
        })
        .collect();
    if images.is_empty() {
        return String::new();
    }
    format!("\n\n<figure class=\"gallery\">{images}</figure>\n\n")
}

/// `[video src=…]`, `[audio mp3=…]`: the player, with a link for readers without one.
fn media(kind: &str, attributes: &HashMap<String, String>) -> String {
    let source = ["src", "mp4", "webm", "ogv", "mp3", "m4a", "ogg", "wav"]
        .iter()
        .find_map(|k| attributes.get(*k).filter(|v| !v.is_empty()));
    let Some(source) = source else {
        return String::new();
    };
    let url = escape_html(source);
    format!(
        "\n\n<figure class=\"{kind}\"><{kind} controls preload=\"none\" src=\"{url}\"><a href=\"{url}\">{url}</a></{kind}></figure>\n\n"
    )
}

/// Tags that start a block of their own: `wpautop` puts no paragraph around them.
const BLOCK_TAGS: &str = "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|video|audio|iframe|script";

fn starts_block(text: &str) -> bool {
    static START: LazyLock<Regex> =
        LazyLock::new(|| fixed_pattern(&format!(r"(?i)^</?(?:{BLOCK_TAGS})[\s/>]")));
    START.is_match(text)
}

/// WordPress's `wpautop`: blank lines separate paragraphs, single line breaks become `<br>`,
/// and block-level elements stand on their own.
fn autop(text: &str) -> String {
    static AROUND: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(&format!(
            r"(?i)(<(?:{BLOCK_TAGS})[\s/>][^>]*>?|</(?:{BLOCK_TAGS})>)"
        ))
    });
    let (text, pres) = protect_pre(text);
    // Every block-level tag on a line of its own, so that splitting at blank lines keeps it whole.
    let spaced = AROUND.replace_all(&text, "\n\n$1\n\n");
    let mut out = vec![];
    let mut open = 0usize;
    let mut current = String::new();
    for piece in split_blank(&spaced) {
        // Inside a block element (a list, a table), pieces belong to it and get no <p>.
        let opens = count_tags(piece, true);
        let closes = count_tags(piece, false);
        if open > 0 || starts_block(piece) {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(piece);
            open = (open + opens).saturating_sub(closes);
            if open == 0 {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let lines: Vec<&str> = piece.lines().map(str::trim_end).collect();
        out.push(format!("<p>{}</p>", lines.join("<br>\n")));
    }
    if !current.is_empty() {
        out.push(current);
    }
    restore_pre(&out.join("\n\n"), &pres)
}

/// How many block-level elements `piece` opens (or closes); void ones like `<hr>` neither.
fn count_tags(piece: &str, opening: bool) -> usize {
    static OPEN: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(
            r"(?i)<(?:table|div|dl|ul|ol|blockquote|figure|section|article|aside|header|footer|nav|details|form|fieldset|video|audio|iframe)[\s>]",
        )
    });
    static CLOSE: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(
            r"(?i)</(?:table|div|dl|ul|ol|blockquote|figure|section|article|aside|header|footer|nav|details|form|fieldset|video|audio|iframe)>",
        )
    });
    if opening {
        OPEN.find_iter(piece).count()
    } else {
        CLOSE.find_iter(piece).count()
    }
}

fn split_blank(text: &str) -> Vec<&str> {
    static BLANK: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"\n[ \t]*\n"));
    BLANK
        .split(text)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// `<pre>` keeps its text exactly: set aside while paragraphs are made.
fn protect_pre(text: &str) -> (String, Vec<String>) {
    static PRE: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"(?is)<pre[\s>].*?</pre>"));
    let mut pres = vec![];
    let text = PRE
        .replace_all(text, |c: &Captures| {
            pres.push(c[0].to_string());
            format!("<pre>\u{0}{}\u{0}</pre>", pres.len() - 1)
        })
        .into_owned();
    (text, pres)
}

fn restore_pre(text: &str, pres: &[String]) -> String {
    let mut text = text.to_string();
    for (i, pre) in pres.iter().enumerate() {
        text = text.replace(&format!("<pre>\u{0}{i}\u{0}</pre>"), pre);
    }
    text
}

/// Blocks separated by one blank line, none with a blank line inside (an HTML block in
/// Markdown ends at a blank line), and stray text given a paragraph.
fn blocks(html: &str) -> String {
    let (html, pres) = protect_pre(html);
    let mut out: Vec<String> = vec![];
    let mut current = String::new();
    let mut open = 0usize;
    for piece in split_blank(&html) {
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(piece);
        open = (open + count_tags(piece, true)).saturating_sub(count_tags(piece, false));
        if open == 0 {
            let block = std::mem::take(&mut current);
            if block.starts_with('<') {
                out.push(block);
            } else {
                out.push(format!("<p>{block}</p>"));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    restore_pre(&out.join("\n\n"), &pres)
}

/// Gives every image of a known attachment (`class="wp-image-N"`) its width and height, so
/// pages do not jump while images load.
fn image_sizes(html: &str, attachments: &HashMap<String, Attachment>) -> String {
    static IMG: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"(?i)<img\s[^>]*>"));
    static ID: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"wp-image-(\d+)"));
    static SRC: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r#"src\s*=\s*["']([^"']+)["']"#));
    IMG.replace_all(html, |c: &Captures| {
        let tag = &c[0];
        if tag.contains("width=") {
            return tag.to_string();
        }
        let attachment = ID.captures(tag).and_then(|id| attachments.get(&id[1]));
        let file = SRC
            .captures(tag)
            .and_then(|s| s[1].rsplit('/').next().map(str::to_string));
        let size = attachment
            .zip(file)
            .and_then(|(a, file)| a.sizes.iter().find(|(name, _, _)| *name == file));
        match size {
            Some((_, width, height)) => {
                let body = tag.trim_end_matches('>').trim_end_matches('/').trim_end();
                format!(r#"{body} width="{width}" height="{height}">"#)
            }
            None => tag.to_string(),
        }
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachments() -> HashMap<String, Attachment> {
        let meta = r#"a:6:{s:5:"width";i:1600;s:6:"height";i:900;s:4:"file";s:17:"2024/01/dom-1.jpg";s:8:"filesize";i:1;s:5:"sizes";a:1:{s:6:"medium";a:5:{s:4:"file";s:17:"dom-1-300x169.jpg";s:5:"width";i:300;s:6:"height";i:169;}}}"#;
        HashMap::from([(
            "5".to_string(),
            Attachment::with_metadata(
                "https://old.example/wp-content/uploads/2024/01/dom-1.jpg",
                "Der Dom",
                meta,
            ),
        )])
    }

    #[test]
    fn blocks_lose_their_comments_and_embeds_become_links() {
        let content = "<!-- wp:paragraph -->\n<p>Hallo &amp; <em>Welt</em>.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {\"id\":5} -->\n<figure class=\"wp-block-image\"><img src=\"https://old.example/wp-content/uploads/2024/01/dom-1-300x169.jpg\" alt=\"Dom\" class=\"wp-image-5\"/><figcaption>Der Dom</figcaption></figure>\n<!-- /wp:image -->\n\n<!-- wp:more -->\n<!--more-->\n<!-- /wp:more -->\n\n<!-- wp:embed {\"url\":\"https://www.youtube.com/watch?v=abc\",\"type\":\"video\"} -->\n<figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=abc\n</div></figure>\n<!-- /wp:embed -->";
        let html = to_html(content, &attachments());
        assert!(!html.contains("<!--"), "{html}");
        assert!(
            html.starts_with("<p>Hallo &amp; <em>Welt</em>.</p>\n\n<figure"),
            "{html}"
        );
        assert!(
            html.contains(r#"alt="Dom" class="wp-image-5" width="300" height="169">"#),
            "{html}"
        );
        assert!(html.ends_with(r#"<figure class="embed"><a href="https://www.youtube.com/watch?v=abc">https://www.youtube.com/watch?v=abc</a></figure>"#), "{html}");
        assert!(!html.contains("\n\n\n"));
    }

    #[test]
    fn classic_posts_get_paragraphs_and_shortcodes_become_html() {
        let content = "[caption id=\"attachment_5\" width=\"300\"]<img class=\"wp-image-5\" src=\"https://old.example/a.jpg\" alt=\"A\" width=\"300\" height=\"169\" /> Der Dom bei Nacht[/caption]\nErste Zeile.\nZweite Zeile.\n\nNeuer Absatz.\n\n[gallery ids=\"5,99\"]\n\n[embed]https://youtu.be/x[/embed]\n\n[video src=\"https://old.example/f.mp4\"]\n\n[audio mp3=\"https://old.example/t.mp3\"][/audio]\n\n<ul>\n<li>eins</li>\n\n<li>zwei</li>\n</ul>\n\n<pre>a\n\nb</pre>";
        // Line breaks wpautop puts around block tags inside a block do not matter here.
        let html = to_html(content, &attachments()).replace(">\n<", "><");
        let blocks: Vec<&str> = html.split("\n\n").collect();
        assert_eq!(
            blocks[0],
            "<figure class=\"wp-caption\"><img class=\"wp-image-5\" src=\"https://old.example/a.jpg\" alt=\"A\" width=\"300\" height=\"169\" /><figcaption>Der Dom bei Nacht</figcaption></figure>"
        );
        assert_eq!(blocks[1], "<p>Erste Zeile.<br>\nZweite Zeile.</p>");
        assert_eq!(blocks[2], "<p>Neuer Absatz.</p>");
        assert!(blocks[3].starts_with("<figure class=\"gallery\"><a href=\"https://old.example/wp-content/uploads/2024/01/dom-1.jpg\"><img src="), "{}", blocks[3]);
        assert!(
            blocks[3].contains(r#"width="1600" height="900""#),
            "{}",
            blocks[3]
        );
        assert_eq!(
            blocks[4],
            r#"<figure class="embed"><a href="https://youtu.be/x">https://youtu.be/x</a></figure>"#
        );
        assert!(
            html.contains(r#"<video controls preload="none" src="https://old.example/f.mp4">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<audio controls preload="none" src="https://old.example/t.mp3">"#),
            "{html}"
        );
        assert!(
            blocks[7].starts_with("<ul>")
                && blocks[7].contains("<li>zwei</li>")
                && !blocks[7].contains("<p>"),
            "{html}"
        );
        assert!(html.ends_with("<pre>a\n\nb</pre>"), "{html}");
        assert!(!html.contains('['));
    }
}
