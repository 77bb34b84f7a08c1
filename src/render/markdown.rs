//! Markdown (the owner's posts, and a small subset for readers' comments) to HTML, and the
//! plain-text excerpt used as a summary.

use crate::render::sanitize;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A post's or page's body as the blog shows it: rendered, then cleaned by the one allowlist
/// for post HTML (`sanitize::post_html`), whoever wrote the Markdown or the HTML in it.
pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options()));
    sanitize::post_html(&table_alignment_as_classes(&out))
}

/// Table columns aligned in Markdown come out of pulldown-cmark with a `style` attribute,
/// which neither the allowlist nor the pages' CSP lets through: a class of the stylesheet
/// says the same.
fn table_alignment_as_classes(html: &str) -> String {
    if !html.contains("<table>") {
        return html.to_string();
    }
    ["left", "center", "right"]
        .into_iter()
        .fold(html.to_string(), |html, side| {
            html.replace(
                &format!(" style=\"text-align: {side}\">"),
                &format!(" class=\"align-{side}\">"),
            )
        })
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

/// The text of the first paragraph, cut at a word boundary near `max` characters. A body
/// written as HTML (an imported WordPress post) has no Markdown paragraphs: then the first
/// `<p>` of the rendered HTML with text in it (never a caption or an embed).
pub fn excerpt(markdown: &str, max: usize) -> String {
    let text = markdown_paragraph(markdown);
    let text = if text.is_empty() {
        html_paragraph(&to_html(markdown))
    } else {
        text
    };
    shorten(&text, max)
}

fn markdown_paragraph(markdown: &str) -> String {
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
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the first `<p>` element of `html` that has any.
pub fn html_paragraph(html: &str) -> String {
    let mut rest = html;
    while let Some(start) = rest.find("<p") {
        rest = &rest[start + 2..];
        if !rest.starts_with(['>', ' ', '\t', '\n']) {
            continue;
        }
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let body = &rest[open_end + 1..];
        let inner = &body[..body.find("</p>").unwrap_or(body.len())];
        let text = plain_text(inner);
        if !text.is_empty() {
            return text;
        }
        rest = body;
    }
    String::new()
}

/// Text without tags, with the usual character references decoded, on one line.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            // Inline markup leaves no space (`<em>K</em>öln`); a line break is one.
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
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
        let html = "<figure><img src=\"a.jpg\" alt=\"\"><figcaption>Bild</figcaption></figure>\n\n<p></p>\n\n<p>Ein <em>Spaziergang</em> &amp; mehr&#8230;</p>";
        assert_eq!(excerpt(html, 200), "Ein Spaziergang & mehr…");
    }

    #[test]
    fn comments_show_typed_html_as_text() {
        let html = comment_to_html("Hi <b>there</b>\nsecond *line*");
        assert!(html.contains("&lt;b&gt;there&lt;/b&gt;<br />"), "{html}");
        assert!(html.contains("<em>line</em>"));
    }
}

/// Properties of the post allowlist on HTML made of the pieces attacks are made of: nothing
/// that runs survives, and cleaning twice changes nothing (what is stored is what is shown,
/// and `services::stored_html` finds nothing to redo for bodies cleaned before).
#[cfg(test)]
mod properties {
    use super::*;
    use crate::render::sanitize::post_html;
    use proptest::prelude::*;

    fn html() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<script>".to_string()),
            Just("</script>".to_string()),
            Just("<img src=x onerror=alert(1)>".to_string()),
            Just("<a href=\"javascript:alert(1)\">".to_string()),
            Just("<a href=\"jav&#x09;ascript:alert(1)\">".to_string()),
            Just("<svg><style>".to_string()),
            Just("<math><mtext><table><mglyph><style>".to_string()),
            Just("<iframe src=//e.example>".to_string()),
            Just("<p style=\"color:red\" class=x id=y>".to_string()),
            Just("<img srcset=\"javascript:a 1x, /b.jpg 2x\">".to_string()),
            Just("<details open><summary>".to_string()),
            Just("<table><tr><td>".to_string()),
            Just("<!--".to_string()),
            Just("-->".to_string()),
            Just("<![CDATA[".to_string()),
            Just("<".to_string()),
            Just(">".to_string()),
            Just("\"".to_string()),
            Just("'".to_string()),
            Just("&".to_string()),
            Just("\n\n".to_string()),
            Just("| a |\n|:-:|\n| b |\n".to_string()),
            "[a-z =/]{0,6}",
        ];
        prop::collection::vec(piece, 0..16).prop_map(|parts| parts.concat())
    }

    /// Read as a browser reads it: no element or attribute that runs, loads a frame or styles.
    fn assert_inert(clean: &str) {
        let fragment = scraper::Html::parse_fragment(clean);
        for node in fragment.tree.nodes() {
            let Some(element) = node.value().as_element() else {
                continue;
            };
            let name = element.name();
            assert!(
                ![
                    "script", "iframe", "svg", "math", "style", "object", "embed", "form"
                ]
                .contains(&name),
                "<{name}> in {clean}"
            );
            for (attribute, value) in element.attrs() {
                assert!(
                    !attribute.starts_with("on") && attribute != "style",
                    "{attribute} in {clean}"
                );
                let value: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                assert!(
                    !value.contains("javascript:"),
                    "{attribute}={value} in {clean}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn nothing_that_runs_survives_and_cleaning_is_stable(html in html()) {
            let clean = post_html(&html);
            assert_inert(&clean);
            prop_assert_eq!(post_html(&clean), clean.clone());
            let rendered = to_html(&html);
            assert_inert(&rendered);
            let _ = (excerpt(&html, 40), plain_text(&html));
        }
    }
}
