//! Typed configuration: `config.toml` (every key optional, defaults run as they are on a laptop),
//! then `FEDER_*` environment overrides, then validation with messages a person can act on.

use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};
use url::Url;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub blog: BlogConfig,
    pub delivery: DeliveryConfig,
    pub inbox: InboxConfig,
    /// People who write on the blog, by the name their posts give as `author` in the front
    /// matter (or `blog.author` for posts without one).
    pub authors: BTreeMap<String, AuthorConfig>,
    pub limits: LimitsConfig,
    pub media: MediaConfig,
    pub mail: MailConfig,
}

/// An author's box under their posts: `[authors.jane]` in config.toml.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorConfig {
    /// The name shown; the table's key when empty.
    pub name: Option<String>,
    /// One or two sentences, plain text.
    pub bio: String,
    pub avatar_url: Option<String>,
    /// The author's own fediverse account, `@user@their.instance`: shown on their posts and
    /// named in `fediverse:creator` so Mastodon credits them under link previews.
    pub fediverse: Option<String>,
}

impl AuthorConfig {
    /// `(user, host)` of the fediverse handle, when it is one.
    pub fn fediverse_parts(&self) -> Option<(&str, &str)> {
        fediverse_handle(self.fediverse.as_deref()?)
    }
}

/// `(user, host)` of a fediverse handle such as `@jane@social.example`.
pub fn fediverse_handle(handle: &str) -> Option<(&str, &str)> {
    let handle = handle.trim();
    let (user, host) = handle.strip_prefix('@').unwrap_or(handle).split_once('@')?;
    let valid_user = !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let valid_host = !host.is_empty()
        && host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    (valid_user && valid_host).then_some((user, host))
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Incoming activities per minute from one actor, and from one server, before 429.
    pub per_actor_per_minute: u32,
    pub per_domain_per_minute: u32,
    /// Longer comments are refused.
    pub max_comment_chars: usize,
    /// Comments with more links wait for the owner's approval.
    pub max_links_per_comment: usize,
    /// How many replies up a thread Feder fetches to find where an unknown reply belongs.
    pub max_thread_depth: usize,
    /// Comments from the web form: how many one address may send an hour, how many seconds a
    /// reader must have had the page before sending (quicker ones are bots), and how many
    /// links make a comment wait for approval.
    pub web_comments_per_hour: u32,
    pub web_comment_min_seconds: u64,
    pub max_links_per_web_comment: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            per_actor_per_minute: 120,
            per_domain_per_minute: 1200,
            max_comment_chars: 20_000,
            max_links_per_comment: 10,
            max_thread_depth: 8,
            web_comments_per_hour: 10,
            web_comment_min_seconds: 3,
            max_links_per_web_comment: 2,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP server binds to.
    pub listen: String,
    /// Public host name (and port, for local development) the blog is reached at.
    pub domain: String,
    /// A directory whose templates replace the built-in ones of the same name.
    pub theme_dir: Option<String>,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client; from any other
    /// peer the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A client that has not sent a request's headers within this many seconds (idle
    /// keep-alive connections included) is disconnected.
    pub header_timeout_seconds: u64,
    /// Connections open at once; more wait in the system's listen queue.
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlogConfig {
    /// The fediverse handle is `@username@domain`.
    pub username: String,
    pub title: String,
    pub description: String,
    /// Language of the interface and the default language of posts (BCP 47, e.g. `en`, `de`).
    pub lang: String,
    /// Default author shown on posts without an `author` in their front matter.
    pub author: String,
    /// URL of the blog's avatar (PNG/JPEG); the built-in one when empty.
    pub icon_url: Option<String>,
    pub posts_per_page: u64,
    /// `open` (shown at once), `first-time` (a commenter's first comment waits for approval),
    /// `approval` (every comment waits), `closed` (stored, never shown).
    pub comment_policy: CommentPolicy,
    /// Who may quote the blog's posts (FEP-044f): `anyone`, `followers` or `nobody`; the
    /// default of /admin/settings and of posts without a `quote_policy` of their own.
    pub quote_policy: QuotePolicy,
    /// The blog's time zone (IANA name, `Europe/Berlin`): dates shown on pages, the archive's
    /// years and months, the editor's date field, and WordPress's local times in imports.
    pub timezone: String,
    /// Every /admin account is also a fediverse account of its own, `@username@domain`,
    /// followable beside the blog: its posts come from it, and the blog boosts them. Off, the
    /// blog actor alone publishes, as a blog with one author wants.
    pub author_actors: bool,
}

impl BlogConfig {
    /// The configured time zone (validated at load; UTC if it were not a known name).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CommentPolicy {
    #[default]
    Open,
    FirstTime,
    Approval,
    Closed,
}

/// Who may quote a post: answers to `QuoteRequest` and the published `canQuote`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum QuotePolicy {
    #[default]
    Anyone,
    Followers,
    Nobody,
}

impl QuotePolicy {
    pub const ALL: [QuotePolicy; 3] = [
        QuotePolicy::Anyone,
        QuotePolicy::Followers,
        QuotePolicy::Nobody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuotePolicy::Anyone => "anyone",
            QuotePolicy::Followers => "followers",
            QuotePolicy::Nobody => "nobody",
        }
    }

    pub fn parse(name: &str) -> Option<QuotePolicy> {
        QuotePolicy::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// How many deliveries are in flight at once.
    pub concurrency: usize,
    /// First retry delay; each later one doubles it (with jitter), up to `max_retry_seconds`.
    pub retry_base_seconds: u64,
    pub max_retry_seconds: u64,
    /// After this many failed attempts a delivery is given up.
    pub max_attempts: i32,
    /// Timeout of one delivery request.
    pub timeout_seconds: u64,
    /// How often the queue is checked for work that another process (the CLI) added.
    pub poll_millis: u64,
    /// How long a claimed delivery stays with its node before another may take it (a node
    /// that died mid-delivery). Must exceed the time a delivery can take.
    pub lease_seconds: u64,
    /// Threads that may sign at once (RSA signing is what bounds a fan-out); 0 = one per core.
    pub signing_threads: usize,
}

impl DeliveryConfig {
    pub fn signing_threads(&self) -> usize {
        match self.signing_threads {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            n => n,
        }
    }
}

/// The durable inbox: how received activities are retried when processing them fails for a
/// while (a server that does not answer, a busy database).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboxConfig {
    /// How long one try may take before another node or the next start may take it over.
    /// Must exceed the time processing can take (a few fetches of remote documents).
    pub lease_seconds: u64,
    /// First retry delay; each later one doubles it (with jitter), up to `max_retry_seconds`.
    pub retry_base_seconds: u64,
    pub max_retry_seconds: u64,
    /// After this many tries an activity is a dead letter (`feder inbox list --dead`); one
    /// more when the last of them ended without its outcome on record (the process died, the
    /// database refused the write), since it may have done its work.
    pub max_attempts: i32,
    /// How often the worker looks for activities due again.
    pub poll_millis: u64,
}

impl Default for InboxConfig {
    fn default() -> Self {
        InboxConfig {
            lease_seconds: 120,
            retry_base_seconds: 30,
            max_retry_seconds: 3600,
            max_attempts: 8,
            poll_millis: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Where uploaded images are stored; by default `media/` next to the SQLite file
    /// (`./data/media` for PostgreSQL).
    pub dir: Option<String>,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: usize,
}

/// E-mail to the owner (`[mail]`; /admin/settings overrides each key). Off while `smtp_host`
/// or `to` is empty: then nothing is sent and nothing waits for long.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server that takes the blog's mail.
    pub smtp_host: String,
    /// 0: the usual port of `tls` (587 for STARTTLS, 465 for TLS, 25 without).
    pub smtp_port: u16,
    pub tls: MailTls,
    /// Log in as `user` with `password` (none when `user` is empty).
    pub user: String,
    pub password: String,
    /// The sender, `Blog <blog@example.org>`; `to` when empty.
    pub from: String,
    /// The owner's address: comments awaiting approval and the digest go there.
    pub to: String,
    /// Also a daily digest of the notifications.
    pub digest: bool,
    /// A mail for every new comment, shown or held (a held one brings the `held_comments`
    /// mail instead when that is on).
    pub each_comment: bool,
    /// A mail for every comment that waits for approval.
    pub held_comments: bool,
    /// A mail for every new follower.
    pub follows: bool,
    /// A mail for every post that mentions the blog or an author.
    pub mentions: bool,
    /// A mail for every direct message.
    pub direct_messages: bool,
    /// A mail for every post that quotes one of ours.
    pub quotes: bool,
}

/// What a blogger expects without choosing: told of what waits for them (held comments) and
/// of what is private (direct messages); the rest is in /admin/notifications.
impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_host: String::new(),
            smtp_port: 0,
            tls: MailTls::default(),
            user: String::new(),
            password: String::new(),
            from: String::new(),
            to: String::new(),
            digest: false,
            each_comment: false,
            held_comments: true,
            follows: false,
            mentions: false,
            direct_messages: true,
            quotes: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP upgraded with STARTTLS (refused when the server cannot).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// Unencrypted: only for a server on the same machine.
    None,
}

impl MailTls {
    pub const NAMES: &[&str] = &["starttls", "tls", "none"];

    pub fn name(self) -> &'static str {
        match self {
            MailTls::Starttls => "starttls",
            MailTls::Tls => "tls",
            MailTls::None => "none",
        }
    }

    pub fn from_name(name: &str) -> Option<MailTls> {
        match name {
            "starttls" => Some(MailTls::Starttls),
            "tls" => Some(MailTls::Tls),
            "none" => Some(MailTls::None),
            _ => None,
        }
    }
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            dir: None,
            max_upload_bytes: 10 * 1024 * 1024,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            domain: "localhost:8080".into(),
            theme_dir: None,
            trusted_proxies: Vec::new(),
            header_timeout_seconds: 10,
            max_connections: 1024,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://data/feder.db".into(),
        }
    }
}

impl Default for BlogConfig {
    fn default() -> Self {
        BlogConfig {
            username: "blog".into(),
            title: "A Feder blog".into(),
            description: "A blog you can follow from the fediverse.".into(),
            lang: "en".into(),
            author: "The author".into(),
            icon_url: None,
            posts_per_page: 10,
            comment_policy: CommentPolicy::Open,
            quote_policy: QuotePolicy::Anyone,
            timezone: "UTC".into(),
            author_actors: false,
        }
    }
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            concurrency: 64,
            retry_base_seconds: 60,
            max_retry_seconds: 12 * 3600,
            max_attempts: 16,
            timeout_seconds: 10,
            poll_millis: 1000,
            lease_seconds: 300,
            signing_threads: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads `path` (a missing file means all defaults), then applies the environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.display().to_string(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        config.apply_env(|name| std::env::var(name).ok());
        config.validate()?;
        Ok(config)
    }

    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(v) = var("FEDER_LISTEN") {
            self.server.listen = v;
        }
        if let Some(v) = var("FEDER_DOMAIN") {
            self.server.domain = v;
        }
        if let Some(v) = var("FEDER_DATABASE_URL") {
            self.database.url = v;
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        self.base_url()?;
        let name = &self.blog.username;
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
            && name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(ConfigError::Invalid(format!(
                "blog.username {name:?} must be letters, digits and _ (Mastodon rejects other handles)"
            )));
        }
        if !(self.database.url.starts_with("sqlite:") || self.database.url.starts_with("postgres"))
        {
            return Err(ConfigError::Invalid(format!(
                "database.url {:?} must start with sqlite:// or postgres://",
                self.database.url
            )));
        }
        for (key, author) in &self.authors {
            if author.fediverse.is_some() && author.fediverse_parts().is_none() {
                return Err(ConfigError::Invalid(format!(
                    "authors.{key}.fediverse {:?} must be a handle like @jane@mastodon.social",
                    author.fediverse.as_deref().unwrap_or_default()
                )));
            }
        }
        if self.blog.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "blog.timezone {:?} is not a time zone name like Europe/Berlin or UTC",
                self.blog.timezone
            )));
        }
        if self.media.max_upload_bytes == 0 {
            return Err(ConfigError::Invalid(
                "media.max_upload_bytes must be at least 1".into(),
            ));
        }
        if self.blog.posts_per_page == 0 || self.delivery.concurrency == 0 {
            return Err(ConfigError::Invalid(
                "blog.posts_per_page and delivery.concurrency must be at least 1".into(),
            ));
        }
        if self.inbox.lease_seconds == 0 || self.inbox.max_attempts < 1 {
            return Err(ConfigError::Invalid(
                "inbox.lease_seconds and inbox.max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.listen.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "server.listen {:?} is not an address like 127.0.0.1:8080",
                self.server.listen
            ))
        })
    }

    /// Local development mode: the domain is `localhost` or `localhost:PORT`. Then plain http
    /// and loopback peers are allowed; otherwise only https and public addresses.
    pub fn is_local_dev(&self) -> bool {
        let host = self
            .server
            .domain
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        host == "localhost"
    }

    pub fn base_url(&self) -> Result<Url, ConfigError> {
        let scheme = if self.is_local_dev() { "http" } else { "https" };
        let url = Url::parse(&format!("{scheme}://{}/", self.server.domain)).map_err(|_| {
            ConfigError::Invalid(format!(
                "server.domain {:?} is not a host name like blog.example or localhost:8080",
                self.server.domain
            ))
        })?;
        if url.path() != "/" || url.host_str().is_none_or(str::is_empty) {
            return Err(ConfigError::Invalid(format!(
                "server.domain {:?} must be a bare host name, without scheme or path",
                self.server.domain
            )));
        }
        Ok(url)
    }

    /// The media directory: configured, or `media/` beside the SQLite file.
    pub fn media_dir(&self) -> PathBuf {
        if let Some(dir) = &self.media.dir {
            return PathBuf::from(dir);
        }
        let sqlite_dir = self
            .database
            .url
            .strip_prefix("sqlite://")
            .or_else(|| self.database.url.strip_prefix("sqlite:"))
            .and_then(|rest| rest.split('?').next())
            .filter(|path| !path.is_empty() && *path != ":memory:")
            .and_then(|path| Path::new(path).parent().map(Path::to_path_buf));
        match sqlite_dir {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join("media"),
            Some(_) => PathBuf::from("media"),
            None => PathBuf::from("data/media"),
        }
    }

    pub fn delivery_timeout(&self) -> Duration {
        Duration::from_secs(self.delivery.timeout_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_and_local_mode() {
        let mut config = Config::default();
        config.apply_env(|name| match name {
            "FEDER_DOMAIN" => Some("blog.example".into()),
            "FEDER_LISTEN" => Some("0.0.0.0:9000".into()),
            _ => None,
        });
        assert!(config.validate().is_ok());
        assert!(!config.is_local_dev());
        assert_eq!(
            config.base_url().map(|u| u.to_string()).ok(),
            Some("https://blog.example/".to_string())
        );
        config.server.domain = "localhost:1234".into();
        assert!(config.is_local_dev());
        assert_eq!(
            config.base_url().map(|u| u.to_string()).ok(),
            Some("http://localhost:1234/".to_string())
        );
    }

    #[test]
    fn media_dir_beside_the_database() {
        let mut config = Config::default();
        assert_eq!(config.media_dir(), PathBuf::from("data/media"));
        config.database.url = "sqlite:///var/lib/feder/blog.db?mode=rwc".into();
        assert_eq!(config.media_dir(), PathBuf::from("/var/lib/feder/media"));
        config.database.url = "postgres://feder@db/feder".into();
        assert_eq!(config.media_dir(), PathBuf::from("data/media"));
        config.media.dir = Some("/srv/media".into());
        assert_eq!(config.media_dir(), PathBuf::from("/srv/media"));
    }

    /// The shipped config.toml parses, validates, and documents the defaults.
    #[test]
    fn shipped_config_is_the_defaults() {
        let shipped: Config =
            toml::from_str(include_str!("../config.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!(shipped.validate().is_ok());
        let defaults = Config::default();
        assert_eq!(
            format!("{:?}", shipped.delivery),
            format!("{:?}", defaults.delivery)
        );
        assert_eq!(
            format!("{:?}", shipped.inbox),
            format!("{:?}", defaults.inbox)
        );
        assert_eq!(
            format!("{:?}", shipped.limits),
            format!("{:?}", defaults.limits)
        );
        assert_eq!(shipped.server.listen, defaults.server.listen);
        assert_eq!(shipped.database.url, defaults.database.url);
    }

    #[test]
    fn rejects_bad_values() {
        let mut config = Config::default();
        config.server.domain = "https://blog.example/path".into();
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.blog.username = "no spaces".into();
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.database.url = "mysql://x".into();
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.authors.insert(
            "jane".into(),
            AuthorConfig {
                fediverse: Some("jane at mastodon".into()),
                ..Default::default()
            },
        );
        assert!(config.validate().is_err());
    }

    #[test]
    fn author_handles() {
        let author = |h: &str| AuthorConfig {
            fediverse: Some(h.into()),
            ..Default::default()
        };
        assert_eq!(
            author("@jane@social.example").fediverse_parts(),
            Some(("jane", "social.example"))
        );
        assert_eq!(
            author("jane@social.example").fediverse_parts(),
            Some(("jane", "social.example"))
        );
        assert_eq!(author("@jane").fediverse_parts(), None);
        assert_eq!(author("@ja ne@x.example").fediverse_parts(), None);
    }
}
