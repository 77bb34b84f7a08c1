//! What the owner sets in /admin/settings: stored in the `settings` table over config.toml's
//! defaults, and kept in memory (refreshed on every write, and every few seconds for writes
//! of other processes) so pages read it without asking the database.

use crate::{
    config::{BlogConfig, CommentPolicy, QuotePolicy},
    db::entities::setting,
    error::{AppError, AppResult},
    render::i18n,
};
use chrono::{FixedOffset, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, TransactionTrait,
    sea_query::OnConflict,
};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

/// Who may quote the blog's posts (`interactionPolicy.canQuote`, FEP-044f).
pub const QUOTE_POLICIES: &[&str] = &["anyone", "followers", "nobody"];
pub const COMMENT_POLICIES: &[&str] = &["open", "first-time", "approval", "closed"];

/// The settings in effect: config.toml's `[blog]` with what the owner changed, plus what only
/// /admin sets.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub blog: BlogConfig,
    /// The banner of the blog's fediverse profile.
    pub header_image_url: Option<String>,
    /// `UTC` or an offset such as `+01:00`: how /admin writes times.
    pub time_zone: String,
}

impl SiteSettings {
    fn defaults(blog: &BlogConfig) -> SiteSettings {
        SiteSettings {
            blog: blog.clone(),
            header_image_url: None,
            time_zone: "UTC".into(),
        }
    }

    /// The time zone as an offset from UTC.
    pub fn offset(&self) -> FixedOffset {
        parse_offset(&self.time_zone).unwrap_or(UTC)
    }

    /// `time` written in the owner's time zone.
    pub fn local_time(&self, time: chrono::DateTime<Utc>) -> String {
        time.with_timezone(&self.offset())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn apply(&mut self, key: &str, value: &str) {
        let optional = || Some(value.to_string()).filter(|v| !v.is_empty());
        match key {
            "title" => self.blog.title = value.into(),
            "description" => self.blog.description = value.into(),
            "lang" => self.blog.lang = value.into(),
            "icon_url" => self.blog.icon_url = optional(),
            "header_image_url" => self.header_image_url = optional(),
            "time_zone" => self.time_zone = value.into(),
            "quote_policy" => {
                if let Some(policy) = QuotePolicy::parse(value) {
                    self.blog.quote_policy = policy;
                }
            }
            "comment_policy" => {
                if let Some(policy) = comment_policy(value) {
                    self.blog.comment_policy = policy;
                }
            }
            // A key from a newer version: ignored rather than refused.
            _ => {}
        }
    }

    /// The values the settings form shows.
    pub fn form_values(&self) -> HashMap<&'static str, String> {
        HashMap::from([
            ("title", self.blog.title.clone()),
            ("description", self.blog.description.clone()),
            ("lang", self.blog.lang.clone()),
            ("icon_url", self.blog.icon_url.clone().unwrap_or_default()),
            (
                "header_image_url",
                self.header_image_url.clone().unwrap_or_default(),
            ),
            ("time_zone", self.time_zone.clone()),
            ("quote_policy", self.blog.quote_policy.as_str().into()),
            (
                "comment_policy",
                comment_policy_name(self.blog.comment_policy).into(),
            ),
        ])
    }
}

// Zero is always a valid offset: evaluated (and checked) when compiling.
const UTC: FixedOffset = match FixedOffset::east_opt(0) {
    Some(o) => o,
    None => panic!("zero offset"),
};

fn parse_offset(zone: &str) -> Option<FixedOffset> {
    let zone = zone.trim();
    if zone.eq_ignore_ascii_case("UTC") || zone.eq_ignore_ascii_case("GMT") {
        return Some(UTC);
    }
    let rest = zone
        .strip_prefix("UTC")
        .or_else(|| zone.strip_prefix("GMT"))
        .unwrap_or(zone);
    let (sign, rest) = match rest.chars().next()? {
        '+' => (1, &rest[1..]),
        '-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || !(0..60).contains(&minutes) {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

fn comment_policy(name: &str) -> Option<CommentPolicy> {
    match name {
        "open" => Some(CommentPolicy::Open),
        "first-time" => Some(CommentPolicy::FirstTime),
        "approval" => Some(CommentPolicy::Approval),
        "closed" => Some(CommentPolicy::Closed),
        _ => None,
    }
}

fn comment_policy_name(policy: CommentPolicy) -> &'static str {
    match policy {
        CommentPolicy::Open => "open",
        CommentPolicy::FirstTime => "first-time",
        CommentPolicy::Approval => "approval",
        CommentPolicy::Closed => "closed",
    }
}

/// The in-memory copy every page reads.
pub struct SettingsCache {
    defaults: BlogConfig,
    current: RwLock<Arc<SiteSettings>>,
}

impl SettingsCache {
    /// config.toml's values, until [`SettingsCache::reload`] reads the table.
    pub fn new(defaults: &BlogConfig) -> SettingsCache {
        SettingsCache {
            defaults: defaults.clone(),
            current: RwLock::new(Arc::new(SiteSettings::defaults(defaults))),
        }
    }

    pub fn current(&self) -> Arc<SiteSettings> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the stored settings again.
    pub async fn reload(&self, db: &impl ConnectionTrait) -> AppResult<Arc<SiteSettings>> {
        let mut settings = SiteSettings::defaults(&self.defaults);
        for row in setting::Entity::find().all(db).await? {
            settings.apply(&row.key, &row.value);
        }
        let settings = Arc::new(settings);
        match self.current.write() {
            Ok(mut guard) => *guard = settings.clone(),
            Err(poisoned) => *poisoned.into_inner() = settings.clone(),
        }
        Ok(settings)
    }
}

/// A submitted settings form: every key with its new value.
pub type Changes = Vec<(&'static str, String)>;

/// Checks and stores `changes` (in one transaction), then refreshes `cache`.
pub async fn save(
    db: &DatabaseConnection,
    cache: &SettingsCache,
    changes: Changes,
) -> AppResult<Arc<SiteSettings>> {
    for (key, value) in &changes {
        validate(key, value)?;
    }
    let txn = db.begin().await?;
    let now = Utc::now();
    for (key, value) in changes {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_string()),
            value: Set(value.trim().to_string()),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    cache.reload(db).await
}

/// Empty (none), an http(s) URL, or an uploaded file's address.
fn is_image_address(value: &str) -> bool {
    value.is_empty()
        || ["https://", "http://", "/media/"]
            .iter()
            .any(|prefix| value.starts_with(prefix))
}

fn validate(key: &str, value: &str) -> AppResult<()> {
    let value = value.trim();
    let bad = |m: String| Err(AppError::BadRequest(m));
    match key {
        "title" if value.is_empty() => bad("the title cannot be empty".into()),
        "title" | "description" if value.chars().count() > 500 => {
            bad(format!("the {key} is longer than 500 characters"))
        }
        "lang" if i18n::language(value).code != value => {
            bad(format!("there is no interface in the language {value:?}"))
        }
        "icon_url" | "header_image_url" if !is_image_address(value) => {
            bad("an image must be an http(s) URL or an uploaded /media/ file".into())
        }
        "time_zone" if parse_offset(value).is_none() => bad(format!(
            "time zone {value:?} should be UTC or an offset such as +01:00"
        )),
        "comment_policy" if comment_policy(value).is_none() => {
            bad(format!("unknown comment policy {value:?}"))
        }
        "quote_policy" if QuotePolicy::parse(value).is_none() => {
            bad(format!("unknown quote policy {value:?}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_values() {
        assert_eq!(parse_offset("UTC"), Some(UTC));
        assert_eq!(
            parse_offset("+01:00").map(|o| o.local_minus_utc()),
            Some(3600)
        );
        assert_eq!(
            parse_offset("UTC-05:30").map(|o| o.local_minus_utc()),
            Some(-19800)
        );
        assert_eq!(parse_offset("Europe/Berlin"), None);
        assert!(validate("lang", "de").is_ok());
        assert!(validate("lang", "xx").is_err());
        assert!(validate("title", " ").is_err());
        assert!(validate("icon_url", "javascript:alert(1)").is_err());
        let mut settings = SiteSettings::defaults(&BlogConfig::default());
        settings.apply("comment_policy", "approval");
        settings.apply("header_image_url", "");
        assert_eq!(settings.blog.comment_policy, CommentPolicy::Approval);
        assert_eq!(settings.header_image_url, None);
    }
}
