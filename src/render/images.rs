//! Images in post HTML: which ones are stored with the blog, and their size and `srcset`, so
//! that pages do not jump while images load and phones fetch the smaller copy.

use crate::render::fixed_pattern;
use regex::{Captures, Regex};
use std::{collections::HashMap, sync::LazyLock};

static IMG: LazyLock<Regex> = LazyLock::new(|| fixed_pattern(r"(?i)<img\s[^>]*>"));
static SRC: LazyLock<Regex> =
    LazyLock::new(|| fixed_pattern(r#"(?i)\ssrc\s*=\s*["']([^"']+)["']"#));

/// The `src` of every `<img>` in `html`.
pub fn sources(html: &str) -> Vec<String> {
    IMG.find_iter(html)
        .filter_map(|tag| SRC.captures(tag.as_str()).map(|c| c[1].to_string()))
        .collect()
}

/// Gives the images whose `src` is a key of `attributes` those attributes (`width`, `height`,
/// `srcset`, `sizes`), replacing any size the HTML gave them.
pub fn responsive(html: &str, attributes: &HashMap<String, String>) -> String {
    static SIZE: LazyLock<Regex> = LazyLock::new(|| {
        fixed_pattern(r#"(?i)\s(?:width|height|srcset|sizes)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)"#)
    });
    if attributes.is_empty() {
        return html.to_string();
    }
    IMG.replace_all(html, |c: &Captures| {
        let tag = &c[0];
        let Some(extra) = SRC.captures(tag).and_then(|s| attributes.get(&s[1])) else {
            return tag.to_string();
        };
        let bare = SIZE.replace_all(tag, "");
        let body = bare.trim_end_matches('>').trim_end_matches('/').trim_end();
        format!("{body} {extra}>")
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_images_get_their_size() {
        let html = r#"<p><img src="/media/a-1200.jpg" alt="A" width="10"> <img alt="B" src="https://elsewhere.example/b.png"/></p>"#;
        assert_eq!(
            sources(html),
            ["/media/a-1200.jpg", "https://elsewhere.example/b.png"]
        );
        let known = HashMap::from([(
            "/media/a-1200.jpg".to_string(),
            r#"width="1200" height="800""#.to_string(),
        )]);
        assert_eq!(
            responsive(html, &known),
            r#"<p><img src="/media/a-1200.jpg" alt="A" width="1200" height="800"> <img alt="B" src="https://elsewhere.example/b.png"/></p>"#
        );
    }
}
