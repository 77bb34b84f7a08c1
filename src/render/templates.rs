//! Page templates (minijinja): the built-in ones from `templates/`, compiled into the binary,
//! each replaceable by a file of the same name in the configured theme directory. The
//! stylesheet is rendered once at start and served under a name that carries its hash.

use crate::render::escape_html;
use minijinja::{AutoEscape, Environment, Error, Output, State, Value, escape_formatter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::{fmt::Write, path::PathBuf};

/// Built-in templates, by name.
const BUILTIN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("post.html", include_str!("../../templates/post.html")),
    ("comment.html", include_str!("../../templates/comment.html")),
    (
        "comment_form.html",
        include_str!("../../templates/comment_form.html"),
    ),
    (
        "comment_retry.html",
        include_str!("../../templates/comment_retry.html"),
    ),
    (
        "comment_delete.html",
        include_str!("../../templates/comment_delete.html"),
    ),
    (
        "comment_mail.html",
        include_str!("../../templates/comment_mail.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
    ("list.html", include_str!("../../templates/list.html")),
    ("archive.html", include_str!("../../templates/archive.html")),
    ("follow.html", include_str!("../../templates/follow.html")),
    ("entry.html", include_str!("../../templates/entry.html")),
    ("page.html", include_str!("../../templates/page.html")),
    ("style.css", include_str!("../../templates/style.css")),
];

pub struct Templates {
    env: Environment<'static>,
    stylesheet: Stylesheet,
}

/// The rendered stylesheet and the hashed path it is served at, so browsers may keep it for a
/// year: a changed stylesheet gets a new name.
pub struct Stylesheet {
    pub path: String,
    pub css: String,
}

impl Templates {
    pub fn load(theme_dir: Option<&str>) -> anyhow::Result<Templates> {
        let theme = theme_dir.map(PathBuf::from);
        if let Some(dir) = &theme
            && !dir.is_dir()
        {
            anyhow::bail!("server.theme_dir {} is not a directory", dir.display());
        }
        let mut env = Environment::new();
        // Block tags leave no blank lines behind: pages with many comments stay small.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_formatter(html_formatter);
        env.add_filter("counted", counted);
        env.set_loader(move |name| {
            if let Some(dir) = &theme {
                let path = dir.join(name);
                // Only plain names: a template cannot reach outside the theme directory.
                if !name.contains("..") && path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                    });
                }
            }
            Ok(BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.to_string()))
        });
        // Parse everything now, so a broken theme fails at start-up rather than on a request.
        for (name, _) in BUILTIN {
            env.get_template(name)?;
        }
        let css = env.get_template("style.css")?.render(())?;
        let hash = Sha256::digest(css.as_bytes());
        let mut path = String::from("/static/style.");
        for byte in &hash[..6] {
            write!(path, "{byte:02x}")?;
        }
        path.push_str(".css");
        env.add_global("stylesheet", path.clone());
        Ok(Templates {
            env,
            stylesheet: Stylesheet { path, css },
        })
    }

    pub fn stylesheet(&self) -> &Stylesheet {
        &self.stylesheet
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

/// `{{ t|counted("likes", n) }}`: the interface text for `n` things, in the singular form
/// (`likes_one`, "1 like", "1 Kommentar") for exactly one and the plural (`likes`) otherwise.
fn counted(text: Value, key: &str, n: i64) -> Result<String, Error> {
    let singular = format!("{key}_one");
    let wanted = if n == 1 { singular.as_str() } else { key };
    let form = text.get_attr(wanted)?;
    let form = match form.as_str() {
        Some(form) => form.to_string(),
        // A language without the singular form falls back to the plural one.
        None => text.get_attr(key)?.as_str().unwrap_or(key).to_string(),
    };
    Ok(form.replace("%s", &n.to_string()))
}

/// Escapes text for HTML as `escape_html` does (`& < > " '`). minijinja's own escaping also
/// turns every `/` into `&#x2f;`, which only makes URLs longer and harder to read.
fn html_formatter(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if state.auto_escape() != AutoEscape::Html || value.is_safe() || value.is_undefined() {
        return escape_formatter(out, state, value);
    }
    let escaped = match value.as_str() {
        Some(text) => escape_html(text),
        None => escape_html(&value.to_string()),
    };
    out.write_str(&escaped).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_singular_for_one_in_every_language() {
        let text = |code: &str| Value::from_serialize(&crate::render::i18n::language(code).text);
        let say = |code: &str, key: &str, n: i64| counted(text(code), key, n).unwrap();
        assert_eq!(say("en", "likes", 1), "1 like");
        assert_eq!(say("en", "likes", 2), "2 likes");
        assert_eq!(say("en", "likes", 0), "0 likes");
        assert_eq!(say("en", "comment_count", 1), "1 comment");
        assert_eq!(say("de", "comment_count", 1), "1 Kommentar");
        assert_eq!(say("de", "comment_count", 2), "2 Kommentare");
        assert_eq!(say("de", "post_count", 1), "1 Beitrag");
        assert_eq!(say("de", "boosts", 1), "1-mal geteilt");
        // Every count key has its singular in every language.
        for code in ["en", "de"] {
            let language = crate::render::i18n::language(code);
            for key in [
                "likes",
                "boosts",
                "comment_count",
                "post_count",
                "reading_time",
            ] {
                assert!(
                    language.text.contains_key(&format!("{key}_one")),
                    "{code}: {key}_one"
                );
            }
        }
    }

    #[test]
    fn escapes_html_but_not_slashes() {
        let templates = Templates::load(None).unwrap();
        let html = templates
            .render(
                "error.html",
                minijinja::context! {
                    heading => "<b>\"x\" & 'y'</b>",
                    message => "https://a.example/b",
                    t => minijinja::context! { footer_follow => "%s" },
                    site => minijinja::context! {},
                },
            )
            .unwrap();
        assert!(html.contains("&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"));
        assert!(html.contains("https://a.example/b"));
        assert!(templates.stylesheet().path.starts_with("/static/style."));
    }
}
