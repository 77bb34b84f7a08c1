//! Turning content into HTML: Markdown for posts, sanitizing for remote HTML, templates and the
//! interface languages. Pure: everything here takes values, never a database handle.

pub mod charts;
pub mod i18n;
pub mod images;
pub mod markdown;
pub mod sanitize;
pub mod templates;
pub mod wordpress;

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A regular expression written in the source: one that does not compile is a bug, logged, and
/// matches nothing rather than taking the server down.
pub(crate) fn fixed_pattern(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).unwrap_or_else(|_| {
        tracing::error!(pattern, "a built-in pattern does not compile");
        regex::Regex::new("$^").unwrap_or_else(|_| unreachable!("the empty pattern compiles"))
    })
}
