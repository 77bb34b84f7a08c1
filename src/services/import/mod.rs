//! Bringing a blog in: a WordPress export (WXR) with its posts, pages, authors, tags,
//! comments and old addresses (redirected), a directory of Markdown files with front matter
//! (Hugo, Jekyll, or a `feder export`), or a Mastodon archive (toots as notes). Imported posts keep their dates and go to the outbox,
//! but followers are not sent them as new. Running an import again changes what changed and
//! adds nothing twice.

mod markdown;
mod mastodon;
mod report;
mod wordpress;
mod wxr;

pub use markdown::markdown;
pub use mastodon::mastodon;
pub use report::{ImportReport, Progress};
pub use wordpress::{WordpressOptions, wordpress};
pub use wxr::{Wxr, WxrAuthor, WxrComment, WxrItem, parse_wxr};
