//! Page templates (minijinja): the built-in ones from `templates/`, compiled into the binary,
//! each replaceable by a file of the same name in the configured theme directory. The
//! stylesheet is rendered once at start and served under a name that carries its hash.

use minijinja::Environment;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::{fmt::Write, path::PathBuf};

/// Built-in templates, by name.
const BUILTIN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("post.html", include_str!("../../templates/post.html")),
    ("comment.html", include_str!("../../templates/comment.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("list.html", include_str!("../../templates/list.html")),
    ("archive.html", include_str!("../../templates/archive.html")),
    ("follow.html", include_str!("../../templates/follow.html")),
    ("entry.html", include_str!("../../templates/entry.html")),
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
