//! Page templates (minijinja): the built-in ones from `templates/`, compiled into the binary,
//! each replaceable by a file of the same name in the configured theme directory.

use minijinja::Environment;
use serde::Serialize;
use std::path::PathBuf;

/// Built-in templates, by name.
const BUILTIN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("post.html", include_str!("../../templates/post.html")),
    ("comment.html", include_str!("../../templates/comment.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("style.css", include_str!("../../templates/style.css")),
];

pub struct Templates {
    env: Environment<'static>,
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
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}
