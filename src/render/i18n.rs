//! Interface text per language: one TOML file each under `templates/i18n/`, compiled in, chosen
//! by `blog.lang`; plus dates written the way that language writes them.

use crate::error::Text;
use chrono::{DateTime, Datelike, TimeZone};
use serde::Deserialize;
use std::{collections::BTreeMap, sync::LazyLock};

/// Built-in languages by BCP 47 code. Adding one is a file and a line here.
const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../../templates/i18n/en.toml")),
    ("de", include_str!("../../templates/i18n/de.toml")),
];

/// The language used when the configured one has no file.
const FALLBACK: &str = "en";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    #[serde(skip)]
    pub code: String,
    pub name: String,
    months: Vec<String>,
    date: String,
    month_year: String,
    /// The strings templates see as `t.<key>`.
    pub text: BTreeMap<String, String>,
}

static LANGUAGES: LazyLock<Vec<Language>> = LazyLock::new(|| {
    BUILTIN
        .iter()
        .filter_map(|(code, source)| match toml::from_str::<Language>(source) {
            Ok(mut language) => {
                language.code = code.to_string();
                Some(language)
            }
            Err(e) => {
                // Only a broken built-in file gets here, and a unit test parses all of them.
                tracing::error!(language = code, error = %e, "interface language not loaded");
                None
            }
        })
        .collect()
});

static EMPTY: LazyLock<Language> = LazyLock::new(Language::default);

/// The interface language for `code` (`de-AT` falls back to `de`, unknown ones to English).
pub fn language(code: &str) -> &'static Language {
    let primary = code.split(['-', '_']).next().unwrap_or_default();
    [code, primary, FALLBACK]
        .iter()
        .find_map(|wanted| {
            LANGUAGES
                .iter()
                .find(|l| l.code.eq_ignore_ascii_case(wanted))
        })
        .unwrap_or(&EMPTY)
}

impl Language {
    /// The name of `month` (1–12).
    pub fn month(&self, month: u32) -> &str {
        month
            .checked_sub(1)
            .and_then(|i| self.months.get(i as usize))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// A day as this language writes it: "27 November 2026", "27. November 2026" (the day of
    /// `t`'s own time zone: give it in the blog's).
    pub fn date<Z: TimeZone>(&self, t: &DateTime<Z>) -> String {
        self.date
            .replace("{day}", &t.day().to_string())
            .replace("{month}", self.month(t.month()))
            .replace("{year}", &t.year().to_string())
    }

    /// "November 2026", "März 2026".
    pub fn month_year(&self, year: i32, month: u32) -> String {
        self.month_year
            .replace("{month}", self.month(month))
            .replace("{year}", &year.to_string())
    }

    /// The text for `n` things: `<key>_one` for exactly one, `<key>` otherwise, `%s` filled in
    /// (as the templates' `counted` filter does).
    pub fn counted(&self, key: &str, n: usize) -> String {
        let singular = format!("{key}_one");
        let form = match self.text.get(&singular) {
            Some(one) if n == 1 => one,
            _ => self.get(key),
        };
        form.replace("%s", &n.to_string())
    }

    /// Words of the interface text in this language, each `%s` filled by the next value.
    pub fn say(&self, text: &Text) -> String {
        let mut parts = self.get(text.key).split("%s");
        let mut said = parts.next().unwrap_or_default().to_string();
        let mut args = text.args.iter();
        for part in parts {
            said.push_str(args.next().map(String::as_str).unwrap_or_default());
            said.push_str(part);
        }
        said
    }

    /// A string by key, for text built outside templates; the key itself when missing.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.text.get(key).map(String::as_str).unwrap_or(key)
    }
}

/// An interface text in English: what the command line and the log say. Here rather than beside
/// `error::Text` because the words live in this layer.
impl std::fmt::Display for crate::error::Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&language("en").say(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn every_language_loads_with_the_same_keys() {
        assert_eq!(
            LANGUAGES.len(),
            BUILTIN.len(),
            "a built-in file did not parse"
        );
        let english = language("en");
        for l in LANGUAGES.iter() {
            assert_eq!(l.months.len(), 12, "{}: twelve months", l.code);
            let keys: Vec<_> = l.text.keys().collect();
            let expected: Vec<_> = english.text.keys().collect();
            assert_eq!(keys, expected, "{} has other keys than en", l.code);
            for (key, value) in &l.text {
                assert_eq!(
                    value.matches("%s").count(),
                    english.get(key).matches("%s").count(),
                    "{}: placeholders of {key}",
                    l.code
                );
            }
        }
    }

    #[test]
    fn dates_per_language() {
        let t = Utc.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap();
        assert_eq!(language("en").date(&t), "7 March 2026");
        assert_eq!(language("de").date(&t), "7. März 2026");
        assert_eq!(language("de-AT").month_year(2026, 3), "März 2026");
        assert_eq!(language("xx").code, "en");
        assert_eq!(language("de").month(13), "");
    }

    #[test]
    fn counts_choose_the_singular_for_one() {
        let de = language("de");
        assert_eq!(de.counted("admin_verb_like", 1), "hat favorisiert:");
        assert_eq!(de.counted("admin_verb_like", 3), "haben favorisiert:");
        assert_eq!(de.counted("admin_and_others", 1), "und 1 weitere Person");
        assert_eq!(
            de.counted("admin_and_others", 10),
            "und 10 weitere Personen"
        );
        assert_eq!(
            language("en").counted("admin_and_others", 10),
            "and 10 others"
        );
    }

    #[test]
    fn texts_are_filled_in_order() {
        let text = Text::with("admin_error_post_exists", ["\"hallo\""]);
        assert_eq!(
            language("de").say(&text),
            "Es gibt bereits einen Beitrag mit der Adresse \"hallo\": bitte eine andere wählen."
        );
        assert_eq!(language("en").say(&Text::new("no_such_key")), "no_such_key");
    }
}
