//! Sanitizing HTML that other servers send (comments, profiles): keeps what Mastodon's own
//! sanitizer keeps, marks links `nofollow noopener ugc`, drops everything else.

use ammonia::Builder;
use std::{collections::HashSet, sync::LazyLock};

static COMMENT: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "span",
        "a",
        "del",
        "s",
        "pre",
        "blockquote",
        "code",
        "b",
        "strong",
        "u",
        "i",
        "em",
        "ul",
        "ol",
        "li",
        "ruby",
        "rt",
        "rp",
    ]
    .into_iter()
    .collect();
    let classes: HashSet<&str> = [
        "h-card",
        "u-url",
        "mention",
        "hashtag",
        "invisible",
        "ellipsis",
    ]
    .into_iter()
    .collect();
    let mut builder = Builder::empty();
    builder
        .tags(tags)
        .link_rel(Some("nofollow noopener ugc"))
        .url_schemes(["http", "https"].into_iter().collect())
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start", "reversed"])
        .add_tag_attributes("li", ["value"])
        .allowed_classes(
            [("span", classes.clone()), ("a", classes)]
                .into_iter()
                .collect(),
        )
        .clean_content_tags(["script", "style"].into_iter().collect())
        .strip_comments(true);
    builder
});

pub fn comment_html(html: &str) -> String {
    COMMENT.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mastodon_markup_and_drops_the_rest() {
        let html = r#"<p><span class="h-card"><a href="https://x.example/@a" class="u-url mention">@<span>a</span></a></span> hi <script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a></p>"#;
        let clean = comment_html(html);
        assert!(clean.contains(r#"class="h-card""#));
        assert!(clean.contains(r#"rel="nofollow noopener ugc""#));
        assert!(
            !clean.contains("script")
                && !clean.contains("onerror")
                && !clean.contains("javascript")
        );
        assert!(!clean.contains("<img"));
    }
}
