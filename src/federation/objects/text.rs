//! Small pieces of text the documents share: a paragraph of escaped text, a one-language map.

use crate::{federation::protocol::LanguageMap, render::escape_html};

/// `text` as one HTML paragraph, escaped.
pub(super) fn html_paragraph(text: &str) -> String {
    format!("<p>{}</p>", escape_html(text))
}

/// A `nameMap`/`summaryMap`/`contentMap` of one language.
pub(super) fn one_language(lang: &str, text: &str) -> LanguageMap {
    LanguageMap::from([(lang.to_string(), text.to_string())])
}
