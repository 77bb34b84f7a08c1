//! Markdown (the owner's posts, and a small subset for readers' comments) to HTML, and the
//! plain-text excerpt used as a summary.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options()));
    out
}

/// A reader's comment: plain text or a small Markdown subset (emphasis, links, code, quotes,
/// lists, strikethrough). HTML they type is shown as text, and a line break stays one. The
/// result still goes through `sanitize::comment_html` (links, schemes).
pub fn comment_to_html(text: &str) -> String {
    let events = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::SoftBreak => Event::HardBreak,
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The text of the first paragraph, cut at a word boundary near `max` characters.
pub fn excerpt(markdown: &str, max: usize) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if !text.trim().is_empty() => break,
            Event::End(TagEnd::Paragraph) => in_paragraph = false,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_excerpts() {
        let md = "# Titel\n\nDer „erste“ Absatz mit *Betonung*.\n\nZweiter.";
        assert!(to_html(md).contains("<em>Betonung</em>"));
        assert_eq!(excerpt(md, 200), "Der „erste“ Absatz mit Betonung.");
        assert_eq!(excerpt("one two three four", 9), "one two…");
    }

    #[test]
    fn comments_show_typed_html_as_text() {
        let html = comment_to_html("Hi <b>there</b>\nsecond *line*");
        assert!(html.contains("&lt;b&gt;there&lt;/b&gt;<br />"), "{html}");
        assert!(html.contains("<em>line</em>"));
    }
}
