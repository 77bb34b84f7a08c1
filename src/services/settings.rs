//! What the owner sets in /admin/settings: stored in the `settings` table over config.toml's
//! defaults, and kept in memory (refreshed on every write, and every few seconds for writes
//! of other processes) so pages read it without asking the database.

use crate::{
    config::{BlogConfig, CommentPolicy, MailConfig, MailTls, QuotePolicy},
    db::{
        changes::{self, Change},
        entities::setting,
    },
    error::{AppError, AppResult, Text},
    render::i18n,
};
use chrono::Utc;
use chrono_tz::Tz;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, sea_query::OnConflict,
};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

/// Who may quote the blog's posts (`interactionPolicy.canQuote`, FEP-044f).
pub const QUOTE_POLICIES: &[&str] = &["anyone", "followers", "nobody"];
pub const COMMENT_POLICIES: &[&str] = &["open", "first-time", "approval", "closed"];
/// The switches of the mails to the owner, each a settings key (`true` or `false`), in the
/// order /admin/settings shows them.
pub const MAIL_KINDS: &[&str] = &[
    "mail_held_comments",
    "mail_each_comment",
    "mail_direct_messages",
    "mail_mentions",
    "mail_quotes",
    "mail_follows",
    "mail_digest",
];

/// The settings in effect: config.toml's `[blog]` with what the owner changed, plus what only
/// /admin sets.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    pub blog: BlogConfig,
    /// The banner of the blog's fediverse profile.
    pub header_image_url: Option<String>,
    /// config.toml's `[mail]` with what the owner changed.
    pub mail: MailConfig,
    /// Where each of our actors lives too or moved to (`services::moves`), by actor name.
    pub identities: HashMap<String, Identity>,
    /// The blog moved away: its new home page, and the new actor's handle (`user@host`).
    pub moved_home: Option<(String, String)>,
    /// The blog was retired (`services::moves::retire`): its actors and pages answer 410.
    pub retired: bool,
    /// When it was retired (unknown for a blog retired before this was kept).
    pub retired_at: Option<chrono::DateTime<Utc>>,
}

/// What an actor of ours says about other accounts of the same owner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    /// `alsoKnownAs`: the accounts it moved from (or may move from).
    pub also_known_as: Vec<String>,
    /// `movedTo`: the account it moved to.
    pub moved_to: Option<String>,
}

/// The settings key of an actor's `alsoKnownAs` (one actor id a line) and `movedTo`.
pub fn aliases_key(actor_name: &str) -> String {
    format!("{ALIASES}{actor_name}")
}
pub fn moved_to_key(actor_name: &str) -> String {
    format!("{MOVED_TO}{actor_name}")
}
const ALIASES: &str = "also_known_as:";
const MOVED_TO: &str = "moved_to:";

impl SiteSettings {
    fn defaults(blog: &BlogConfig, mail: &MailConfig) -> SiteSettings {
        SiteSettings {
            blog: blog.clone(),
            header_image_url: None,
            mail: mail.clone(),
            identities: HashMap::new(),
            moved_home: None,
            retired: false,
            retired_at: None,
        }
    }

    /// What the actor named `actor_name` (`LocalActor::name`) says about its other accounts.
    pub fn identity(&self, actor_name: &str) -> Identity {
        self.identities.get(actor_name).cloned().unwrap_or_default()
    }

    /// The blog moved or was retired: nothing is published from here any more.
    pub fn closed(&self) -> bool {
        self.retired || self.identity("blog").moved_to.is_some()
    }

    /// Whether mail can be sent: a server and an address to send to.
    pub fn mail_enabled(&self) -> bool {
        !self.mail.smtp_host.is_empty() && !self.mail.to.is_empty()
    }

    /// The blog's time zone: what /admin/settings chose, else config.toml's `blog.timezone`.
    pub fn tz(&self) -> Tz {
        self.blog.tz()
    }

    /// `time` written in the blog's time zone, named ("2026-12-06 21:15 CET"), so that no
    /// reader of the admin or a mail has to guess which zone a time is in.
    pub fn local_time(&self, time: chrono::DateTime<Utc>) -> String {
        time.with_timezone(&self.tz())
            .format("%Y-%m-%d %H:%M %Z")
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
            // An earlier version stored offsets such as `+01:00`: those leave config.toml's
            // zone in force (the settings page then offers to pick a name).
            "time_zone" if value.parse::<Tz>().is_ok() => self.blog.timezone = value.into(),
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
            "mail_smtp_host" => self.mail.smtp_host = value.into(),
            "mail_smtp_port" => self.mail.smtp_port = value.parse().unwrap_or(0),
            "mail_tls" => {
                if let Some(tls) = MailTls::from_name(value) {
                    self.mail.tls = tls;
                }
            }
            "mail_user" => self.mail.user = value.into(),
            "mail_password" => self.mail.password = value.into(),
            "mail_from" => self.mail.from = value.into(),
            "mail_to" => self.mail.to = value.into(),
            "mail_digest" => self.mail.digest = value == "true",
            "mail_each_comment" => self.mail.each_comment = value == "true",
            "mail_held_comments" => self.mail.held_comments = value == "true",
            "mail_follows" => self.mail.follows = value == "true",
            "mail_mentions" => self.mail.mentions = value == "true",
            "mail_direct_messages" => self.mail.direct_messages = value == "true",
            "mail_quotes" => self.mail.quotes = value == "true",
            "moved_home" => {
                self.moved_home = value
                    .split_once('\n')
                    .map(|(home, handle)| (home.to_string(), handle.to_string()))
            }
            // The time of the retirement; earlier versions stored `true`.
            "retired" => {
                self.retired_at = chrono::DateTime::parse_from_rfc3339(value)
                    .ok()
                    .map(|t| t.with_timezone(&Utc));
                self.retired = value == "true" || self.retired_at.is_some();
            }
            _ if key.starts_with(ALIASES) => {
                self.identities
                    .entry(key[ALIASES.len()..].to_string())
                    .or_default()
                    .also_known_as = value.lines().map(str::to_string).collect()
            }
            _ if key.starts_with(MOVED_TO) => {
                self.identities
                    .entry(key[MOVED_TO.len()..].to_string())
                    .or_default()
                    .moved_to = optional()
            }
            // A key from a newer version: ignored rather than refused.
            _ => {}
        }
    }

    /// Whether `changes` change what the blog's actor document shows.
    pub fn change_blog_profile(&self, changes: &Changes) -> bool {
        let mut after = self.clone();
        for (key, value) in changes {
            after.apply(key, value.trim());
        }
        self.blog_profile() != after.blog_profile()
    }

    /// What the blog's actor document shows of the settings.
    fn blog_profile(&self) -> (&str, &str, &Option<String>, &Option<String>, Identity) {
        (
            &self.blog.title,
            &self.blog.description,
            &self.blog.icon_url,
            &self.header_image_url,
            self.identity("blog"),
        )
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
            ("time_zone", self.blog.timezone.clone()),
            ("quote_policy", self.blog.quote_policy.as_str().into()),
            (
                "comment_policy",
                comment_policy_name(self.blog.comment_policy).into(),
            ),
            // Never the password: the form shows whether one is set.
            ("mail_smtp_host", self.mail.smtp_host.clone()),
            (
                "mail_smtp_port",
                Some(self.mail.smtp_port)
                    .filter(|p| *p != 0)
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ),
            ("mail_tls", self.mail.tls.name().into()),
            ("mail_user", self.mail.user.clone()),
            ("mail_from", self.mail.from.clone()),
            ("mail_to", self.mail.to.clone()),
            ("mail_digest", self.mail.digest.to_string()),
            ("mail_each_comment", self.mail.each_comment.to_string()),
            ("mail_held_comments", self.mail.held_comments.to_string()),
            ("mail_follows", self.mail.follows.to_string()),
            ("mail_mentions", self.mail.mentions.to_string()),
            (
                "mail_direct_messages",
                self.mail.direct_messages.to_string(),
            ),
            ("mail_quotes", self.mail.quotes.to_string()),
        ])
    }
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
    defaults: SiteSettings,
    current: RwLock<Arc<SiteSettings>>,
}

impl SettingsCache {
    /// config.toml's values, until [`SettingsCache::reload`] reads the table.
    pub fn new(blog: &BlogConfig, mail: &MailConfig) -> SettingsCache {
        let defaults = SiteSettings::defaults(blog, mail);
        SettingsCache {
            current: RwLock::new(Arc::new(defaults.clone())),
            defaults,
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
        let mut settings = self.defaults.clone();
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
    validate_all(&changes)?;
    // Every page shows them: pages rendered while they were being saved, with the old ones
    // still in memory, are stale too.
    changes::within(Change::Site, store(db, cache, changes)).await
}

async fn store(
    db: &DatabaseConnection,
    cache: &SettingsCache,
    changes: Changes,
) -> AppResult<Arc<SiteSettings>> {
    let txn = crate::db::begin_write(db).await?;
    put_all(&txn, changes).await?;
    txn.commit().await?;
    cache.reload(db).await
}

/// Checks every one of `changes`.
pub fn validate_all(changes: &Changes) -> AppResult<()> {
    for (key, value) in changes {
        validate(key, value)?;
    }
    Ok(())
}

/// Stores `changes` on `db` (the transaction of the change; the caller reloads the cache).
pub async fn put_all(db: &impl ConnectionTrait, changes: Changes) -> AppResult<()> {
    for (key, value) in changes {
        put(db, key, &value).await?;
    }
    Ok(())
}

/// The stored value of `key`, for values the settings in memory do not keep.
pub async fn get(db: &impl ConnectionTrait, key: &str) -> AppResult<Option<String>> {
    Ok(setting::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
        .map(|row| row.value))
}

/// Stores `key` on `db` (a transaction that changes more than the settings; the caller
/// reloads the cache after the commit). Not validated: for values the services make.
pub async fn put(db: &impl ConnectionTrait, key: &str, value: &str) -> AppResult<()> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key.to_string()),
        value: Set(value.trim().to_string()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Empty (none), an http(s) URL, or an uploaded file's address: what the blog's images and an
/// author's avatar may be.
pub fn is_image_address(value: &str) -> bool {
    value.is_empty()
        || ["https://", "http://", "/media/"]
            .iter()
            .any(|prefix| value.starts_with(prefix))
}

fn validate(key: &str, value: &str) -> AppResult<()> {
    let value = value.trim();
    let bad = |m: String| Err(AppError::BadRequest(m));
    let invalid = |key, args: &[&str]| Err(AppError::Invalid(Text::with(key, args.to_vec())));
    match key {
        "title" if value.is_empty() => invalid("error_title_empty", &[]),
        "title" | "description" if value.chars().count() > 500 => {
            invalid("error_too_long", &["500"])
        }
        "lang" if i18n::language(value).code != value => {
            bad(format!("there is no interface in the language {value:?}"))
        }
        "icon_url" | "header_image_url" if !is_image_address(value) => {
            invalid("error_image_address", &[])
        }
        "time_zone" if value.parse::<Tz>().is_err() => invalid("error_time_zone", &[value]),
        "comment_policy" if comment_policy(value).is_none() => {
            bad(format!("unknown comment policy {value:?}"))
        }
        "quote_policy" if QuotePolicy::parse(value).is_none() => {
            bad(format!("unknown quote policy {value:?}"))
        }
        "mail_smtp_host"
            if !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')) =>
        {
            invalid("error_host_name", &[value])
        }
        "mail_smtp_port" if !value.is_empty() && value.parse::<u16>().is_err() => {
            invalid("error_port", &[value])
        }
        "mail_tls" if MailTls::from_name(value).is_none() => {
            bad(format!("unknown mail encryption {value:?}"))
        }
        _ if key.starts_with(ALIASES)
            && value.lines().any(|line| {
                !url::Url::parse(line.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            }) =>
        {
            bad("another account must be given by its address (an http(s) URL)".into())
        }
        "mail_from" | "mail_to" if !value.is_empty() && !mail_address(value) => {
            invalid("error_mail_address", &[value])
        }
        _ => Ok(()),
    }
}

/// `user@host` or `Name <user@host>`, as a mail header takes it.
pub fn mail_address(text: &str) -> bool {
    text.parse::<lettre::message::Mailbox>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_values() {
        assert!(validate("time_zone", "Europe/Berlin").is_ok());
        assert!(validate("time_zone", "UTC").is_ok());
        assert!(validate("time_zone", "+01:00").is_err());
        let mut zoned = SiteSettings::defaults(&BlogConfig::default(), &MailConfig::default());
        zoned.apply("time_zone", "+01:00");
        assert_eq!(zoned.tz(), chrono_tz::UTC);
        zoned.apply("time_zone", "America/New_York");
        assert_eq!(zoned.tz(), chrono_tz::America::New_York);
        assert!(validate("lang", "de").is_ok());
        assert!(validate("lang", "xx").is_err());
        assert!(validate("title", " ").is_err());
        assert!(validate("icon_url", "javascript:alert(1)").is_err());
        let mut settings = SiteSettings::defaults(&BlogConfig::default(), &MailConfig::default());
        settings.apply("comment_policy", "approval");
        settings.apply("header_image_url", "");
        assert_eq!(settings.blog.comment_policy, CommentPolicy::Approval);
        assert_eq!(settings.header_image_url, None);
        assert!(!settings.mail_enabled());
        settings.apply("mail_smtp_host", "127.0.0.1");
        settings.apply("mail_to", "owner@blog.example");
        settings.apply("mail_tls", "none");
        assert!(settings.mail_enabled() && settings.mail.tls == MailTls::None);
        assert!(validate("mail_to", "Owner <owner@blog.example>").is_ok());
        assert!(validate("mail_to", "owner").is_err());
        assert!(validate("mail_from", "a@b.example\r\nBcc: x@y.example").is_err());
        assert!(validate("mail_smtp_port", "99999").is_err());
    }
}
