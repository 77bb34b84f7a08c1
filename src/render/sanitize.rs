//! Sanitizing HTML, one policy per kind of author. Remote HTML (comments, profiles) keeps what
//! Mastodon's own sanitizer keeps, with links marked `nofollow noopener ugc`. Post and page
//! bodies — whatever wrote them: the editor, the CLI, Micropub, a WordPress or Hugo import —
//! keep what a blogger writes (tables, footnotes, code with its language, headings with ids,
//! details, images, figures, audio and video) and lose anything that runs or submits: scripts,
//! event handlers, `javascript:` URLs, style attributes, forms, frames, objects and embeds.

use ammonia::Builder;
use std::{borrow::Cow, collections::HashSet, sync::LazyLock};

static COMMENT: LazyLock<Builder<'static>> = LazyLock::new(comment_policy);

/// Mastodon's allowlist, with links marked `nofollow noopener ugc`.
fn comment_policy() -> Builder<'static> {
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
}

pub fn comment_html(html: &str) -> String {
    COMMENT.clean(html).to_string()
}

/// What a remote Article (a blog post from another server, read in the Reader) keeps beyond
/// a comment's markup: its headings, rules, tables, images with their alt text and figures.
const ARTICLE_TAGS: &[&str] = &[
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "figure",
    "figcaption",
    "sub",
    "sup",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

/// A remote Article's HTML for the Reader: the comment policy (links `nofollow noopener ugc`,
/// http(s) only, nothing that runs) plus `ARTICLE_TAGS`, images lazily loaded and without a
/// referrer. Relative addresses are resolved against the article's own `base`, not the blog's.
pub fn article_html(html: &str, base: &url::Url) -> String {
    let mut builder = comment_policy();
    builder
        .add_tags(ARTICLE_TAGS)
        .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
        .add_tag_attributes("img", ["src", "alt", "width", "height", "title"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
        .set_tag_attribute_value("img", "loading", "lazy")
        .set_tag_attribute_value("img", "referrerpolicy", "no-referrer");
    builder.clean(html).to_string()
}

/// Only links and their text, with what tells a mention or a hashtag apart (`link_count`).
static LINKS: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(["a"].into_iter().collect())
        .add_tag_attributes("a", ["href", "class", "rel"])
        .link_rel(None)
        .url_schemes(["http", "https"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .clean_content_tags(["script", "style", "template"].into_iter().collect())
        .strip_comments(true);
    builder
});

/// How many real links `html` (a comment, as sent or as rendered from the web form) has: every
/// http(s) link that is not a mention or a hashtag by its markup (`class="mention"`,
/// `class="hashtag"`, `rel="tag"`: Mastodon, GoToSocial, Misskey, Pleroma), and every address
/// written as plain text. The one rule for web and fediverse comments alike.
pub fn link_count(html: &str) -> usize {
    let clean = LINKS.clean(html).to_string();
    let bare = |text: &str| {
        let text = text.to_ascii_lowercase();
        text.matches("http://").count() + text.matches("https://").count()
    };
    let mut parts = clean.split('<');
    let mut count = parts.next().map(bare).unwrap_or_default();
    for part in parts {
        let (tag, text) = part.split_once('>').unwrap_or((part, ""));
        if let Some(attributes) = tag.strip_prefix('a') {
            count += usize::from(is_real_link(attributes));
        } else if tag == "/a" {
            count += bare(text);
        }
    }
    count
}

/// Whether the attributes of an `<a>`, as html5ever writes them (`name="value"`, quotes in
/// values escaped), make a link that is neither a mention nor a hashtag.
fn is_real_link(attributes: &str) -> bool {
    let mut href = false;
    let mut rest = attributes.trim_start();
    while let Some((name, value)) = rest.split_once("=\"") {
        let Some((value, after)) = value.split_once('"') else {
            break;
        };
        let words = || value.split_ascii_whitespace();
        match name.trim() {
            "href" => href = true,
            "class" if words().any(|w| w == "mention" || w == "hashtag") => return false,
            "rel" if words().any(|w| w == "tag") => return false,
            _ => {}
        }
        rest = after.trim_start();
    }
    href
}

/// Elements a post body may have. No `iframe`: WordPress embeds become links
/// (`render::wordpress`), so the policy on pages needs no `frame-src`.
const POST_TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "audio",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "source",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "track",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Attributes by element, besides the generic `id`, `class`, `title`, `lang` and `dir`.
const POST_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang", "rel"]),
    (
        "img",
        &[
            "src", "alt", "width", "height", "srcset", "sizes", "loading", "decoding",
        ],
    ),
    (
        "video",
        &[
            "src",
            "controls",
            "preload",
            "poster",
            "width",
            "height",
            "loop",
            "muted",
            "playsinline",
        ],
    ),
    ("audio", &["src", "controls", "preload", "loop", "muted"]),
    (
        "source",
        &["src", "type", "srcset", "sizes", "media", "width", "height"],
    ),
    ("track", &["src", "kind", "srclang", "label", "default"]),
    ("ol", &["start", "reversed", "type"]),
    ("li", &["value"]),
    ("td", &["colspan", "rowspan", "headers"]),
    ("th", &["colspan", "rowspan", "headers", "scope", "abbr"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("time", &["datetime"]),
    ("data", &["value"]),
    ("del", &["cite", "datetime"]),
    ("ins", &["cite", "datetime"]),
    ("q", &["cite"]),
    ("blockquote", &["cite"]),
    ("details", &["open"]),
];

/// Schemes a link or a source may use; relative URLs (the blog's own media) pass too.
const POST_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

static POST: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(POST_TAGS.iter().copied().collect())
        .generic_attributes(
            ["id", "class", "title", "lang", "dir"]
                .into_iter()
                .collect(),
        )
        .tag_attributes(
            POST_ATTRIBUTES
                .iter()
                .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
                .collect(),
        )
        // The author's own links: their `rel` is theirs (`me`, `nofollow`); browsers give
        // links without `target` no opener anyway.
        .link_rel(None)
        .url_schemes(POST_SCHEMES.iter().copied().collect())
        .attribute_filter(|_, attribute, value| match attribute {
            "srcset" => safe_srcset(value).then_some(Cow::Borrowed(value)),
            _ => Some(Cow::Borrowed(value)),
        })
        .clean_content_tags(["script", "style", "template"].into_iter().collect())
        .strip_comments(true);
    builder
});

/// Whether every candidate of a `srcset` is an http(s) or relative URL (ammonia checks the
/// schemes of `src` and `href`, not of this list).
fn safe_srcset(value: &str) -> bool {
    value.split(',').all(|candidate| {
        let url = candidate.split_whitespace().next().unwrap_or_default();
        match url.split_once(':') {
            Some((scheme, _)) if !scheme.contains('/') => {
                scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
            }
            _ => true,
        }
    })
}

/// A post's or page's body HTML, as readers may see it on the blog's origin.
pub fn post_html(html: &str) -> String {
    POST.clean(html).to_string()
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

    #[test]
    fn an_article_keeps_its_structure_and_images_and_nothing_that_runs() {
        let base = url::Url::parse("https://blog.example/2026/gardens/").unwrap();
        let html = r#"<h2 id="x" style="color:red">Gardens</h2><ul><li>one</li></ul><blockquote><p>said</p></blockquote><figure><img src="cat.png" alt="A grey cat" onerror="alert(1)"><figcaption>The cat</figcaption></figure><img src="javascript:alert(1)" alt="no"><hr><table><tr><td colspan="2">t</td></tr></table><script>alert(1)</script><iframe src="https://x.example"></iframe><a href="/about">about</a>"#;
        let clean = article_html(html, &base);
        assert!(
            clean.starts_with(
                "<h2>Gardens</h2><ul><li>one</li></ul><blockquote><p>said</p></blockquote><figure>"
            ),
            "{clean}"
        );
        // The attributes ammonia sets come in no fixed order.
        for part in [
            r#"<img src="https://blog.example/2026/gardens/cat.png" alt="A grey cat" "#,
            r#" loading="lazy""#,
            r#" referrerpolicy="no-referrer""#,
        ] {
            assert!(clean.contains(part), "{part} in {clean}");
        }
        assert!(
            clean.contains("<figcaption>The cat</figcaption></figure>"),
            "{clean}"
        );
        assert!(clean.contains(r#"<td colspan="2">t</td>"#), "{clean}");
        assert!(
            clean.contains(
                r#"<a href="https://blog.example/about" rel="nofollow noopener ugc">about</a>"#
            ),
            "{clean}"
        );
        for gone in ["script", "onerror", "javascript", "iframe", "style", "id="] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        // A comment keeps none of it.
        assert!(!comment_html(html).contains("<img") && !comment_html(html).contains("<h2"));
    }

    #[test]
    fn counts_real_links_not_mentions_or_hashtags() {
        let mastodon = r#"<p><span class="h-card"><a href="https://x.example/@a" class="u-url mention">@<span>a</span></a></span> <a href="https://x.example/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a> <a href="https://y.example/@b" class="u-url mention">@b</a></p>"#;
        assert_eq!(link_count(mastodon), 0);
        let misskey = r#"<a href="https://m.example/tags/x" rel="tag">#x</a>"#;
        assert_eq!(link_count(misskey), 0);
        // The words alone are no markup (the old rule counted them in the JSON).
        let words = r#"<p>mention hashtag mention <a href="https://a.example/">a</a> <a href="https://b.example/?class=mention">b</a> <a href="https://c.example" title="rel=&quot;tag&quot;">https://c.example</a></p>"#;
        assert_eq!(link_count(words), 3);
        let text = "<p>See https://a.example and HTTP://b.example, <a>no link</a>, \
            <a href=\"javascript:alert(1)\">x</a> <a href=\"/relative\">y</a></p>";
        assert_eq!(link_count(text), 2);
        assert_eq!(link_count("<a href=\"https://a.example\">"), 1, "unclosed");
    }
}
