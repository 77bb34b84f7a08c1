//! What an import did: counts, and every item it skipped or changed, by title; and the progress
//! it reports while it runs.

use std::fmt;

/// What an import did, and every item it skipped or changed, by title.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub pages: usize,
    pub comments: usize,
    pub mentions: usize,
    pub media: usize,
    pub redirects: usize,
    /// One line per item not imported as it was: `„Title“: why`.
    pub notes: Vec<String>,
}

impl ImportReport {
    pub(super) fn note(&mut self, title: &str, what: impl fmt::Display) {
        self.notes.push(format!("„{}“: {what}", title.trim()));
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "imported: {} new posts, {} updated, {} skipped, {} pages, {} comments, {} mentions, {} images, {} redirects",
            self.created,
            self.updated,
            self.skipped,
            self.pages,
            self.comments,
            self.mentions,
            self.media,
            self.redirects
        )?;
        for note in &self.notes {
            writeln!(f, "  {note}")?;
        }
        Ok(())
    }
}

/// Progress, for the command's progress bar.
pub enum Progress<'a> {
    Total(u64),
    Item(&'a str),
}

pub(super) fn count(report: &mut ImportReport, existed: bool) {
    if existed {
        report.updated += 1;
    } else {
        report.created += 1;
    }
}
