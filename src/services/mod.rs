//! What the blog does: publishing and deleting posts, following and being followed, storing
//! and threading comments, counting likes and boosts. Handlers and the CLI call these; the
//! federation layer turns their results into activities.

pub mod comments;
pub mod dashboard;
pub mod delivery_report;
pub mod export;
pub mod follows;
pub mod import;
pub mod media;
pub mod mentions;
pub mod moderation;
pub mod notifications;
pub mod posts;
pub mod reactions;
pub mod reading;
pub mod redirects;
pub mod schedule;
pub mod settings;
pub mod tokens;
pub mod users;
