//! What this process changed of what pages show, so the page cache (`web::cache`) knows which
//! rendered pages are stale without asking the database. Fed by sea-orm's per-statement
//! callback: a write to a table pages show changes the whole site, unless the service that
//! writes says with [`within`] that it changes one post's comments, reactions or text only.
//! Writes to tables no page shows (the delivery queue, sessions, mails) change nothing.

use sea_orm::metric::Info;
use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc, OnceLock, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

/// A change, as narrow as its writer knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Anything: a post published or deleted, settings, an author, a static page, a name.
    Site,
    /// One post's own words (title, summary, body, cover), not where it is listed.
    Post(i32),
    /// The comments on one post.
    Comments(i32),
    /// The likes and boosts of one post.
    Reactions(i32),
    /// A remote account's name, picture or profile, shown beside its comments.
    Actor,
}

impl Change {
    /// Whether a write to `table` (a shown one) makes only this change: a narrow change
    /// covers one table, and a write to another inside [`within`] changes the whole site.
    fn covers(self, table: &str) -> bool {
        match self {
            Change::Site => true,
            Change::Post(_) => table == "posts",
            Change::Comments(_) => table == "comments",
            Change::Reactions(_) => table == "reactions",
            Change::Actor => table == "actors",
        }
    }
}

/// What a rendered page shows besides the site as a whole (which every page shows): a page
/// is stale once one of these changed after it was rendered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shows {
    /// Posts whose words or links it shows (an entry in a list, a neighbour's title).
    pub posts: Vec<i32>,
    /// Posts whose comments and reactions it shows (with their writers' names).
    pub threads: Vec<i32>,
    /// The latest comments on any post (the comments feed), with their writers' names.
    pub all_comments: bool,
}

impl Shows {
    /// A list of these posts.
    pub fn posts(ids: impl IntoIterator<Item = i32>) -> Shows {
        Shows {
            posts: ids.into_iter().collect(),
            ..Shows::default()
        }
    }

    /// One post with its comments and reactions, and the titles of `others`.
    pub fn thread(id: i32, others: impl IntoIterator<Item = i32>) -> Shows {
        Shows {
            posts: std::iter::once(id).chain(others).collect(),
            threads: vec![id],
            all_comments: false,
        }
    }
}

/// A point in this process's changes: what a page was rendered from.
pub type Version = u64;

/// Tables no page shows that are written all the time: writes to them leave pages alone.
const UNSHOWN: &[&str] = &[
    "deliveries",
    "delivery_hosts",
    "activities",
    "outbox_events",
    "sessions",
    "login_attempts",
    "api_tokens",
    "site_keys",
    "notifications",
    "mails",
    "seen_activities",
    "inbox_activities",
    "spam_tokens",
    "remote_posts",
    "following",
    "comment_filters",
    "reports",
];

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Post(i32),
    /// Its comments (with their writers).
    Thread(i32),
    /// Its likes and boosts.
    Reactions(i32),
}

/// When each kind of change last happened, as a sequence number: one per database
/// connection pool (`db::connect` makes it), which the page cache of that database reads.
#[derive(Default)]
pub struct Log {
    /// The latest change of any kind.
    latest: AtomicU64,
    site: AtomicU64,
    comments: AtomicU64,
    actors: AtomicU64,
    per_post: RwLock<HashMap<Key, Version>>,
}

impl Log {
    /// The version to render from: a page rendered now shows every change up to it.
    pub fn version(&self) -> Version {
        self.latest.load(Ordering::Acquire)
    }

    /// How many changes to the whole site were made so far (a cache of one shown table, such
    /// as the redirects, compares it).
    pub fn site_version(&self) -> Version {
        self.site.load(Ordering::Acquire)
    }

    /// Whether something a page rendered from `version` shows changed since; `None` for a
    /// page that did not say what it shows, which any change makes stale.
    pub fn changed_since(&self, version: Version, shows: Option<&Shows>) -> bool {
        self.changed(version, shows, true)
    }

    /// Whether something a page rendered from `version` shows changed since, other than
    /// likes and boosts: those may come a hundred a second, and a count a moment late is
    /// harmless, where a comment, an edit or the owner's block must show at once.
    pub fn changed_beyond_reactions(&self, version: Version, shows: Option<&Shows>) -> bool {
        self.changed(version, shows, false)
    }

    fn changed(&self, version: Version, shows: Option<&Shows>, reactions: bool) -> bool {
        if self.latest.load(Ordering::Acquire) <= version {
            return false;
        }
        let Some(shows) = shows else {
            return true;
        };
        let after = |at: &AtomicU64| at.load(Ordering::Acquire) > version;
        let names = shows.all_comments || !shows.threads.is_empty();
        if after(&self.site)
            || (shows.all_comments && after(&self.comments))
            || (names && after(&self.actors))
        {
            return true;
        }
        let per_post = self.per_post.read().unwrap_or_else(|e| e.into_inner());
        let after = |key| per_post.get(&key).is_some_and(|&at| at > version);
        shows.posts.iter().any(|&id| after(Key::Post(id)))
            || shows
                .threads
                .iter()
                .any(|&id| after(Key::Thread(id)) || (reactions && after(Key::Reactions(id))))
    }

    /// Records a change made (and committed) just now.
    pub fn record(&self, change: Change) {
        // Under the lock, so whoever sees the new sequence number also sees what it changed.
        let mut per_post = self.per_post.write().unwrap_or_else(|e| e.into_inner());
        let at = self.latest.fetch_add(1, Ordering::AcqRel) + 1;
        match change {
            Change::Site => self.site.store(at, Ordering::Release),
            Change::Post(id) => {
                per_post.insert(Key::Post(id), at);
            }
            Change::Comments(id) => {
                per_post.insert(Key::Thread(id), at);
                self.comments.store(at, Ordering::Release);
            }
            Change::Reactions(id) => {
                per_post.insert(Key::Reactions(id), at);
            }
            Change::Actor => self.actors.store(at, Ordering::Release),
        }
    }

    /// The statement callback of this log's database: a successful INSERT, UPDATE or DELETE of
    /// a shown table is a change of the site, or of the current scope's narrower one.
    pub fn observe(self: &Arc<Self>, info: &Info<'_>) {
        if info.failed {
            return;
        }
        let Some(table) = written_table(&info.statement.sql) else {
            return;
        };
        if UNSHOWN.contains(&table) {
            return;
        }
        let narrowed = SCOPE
            .try_with(|scope| scope.change.covers(table) && scope.wrote_to(self))
            .unwrap_or(false);
        if !narrowed {
            // Recorded before the transaction commits: a page rendered in between (a few
            // microseconds) stays until it ages out of the cache.
            self.record(Change::Site);
        }
    }
}

tokio::task_local! {
    /// The change the current task's writes make (see `within`).
    static SCOPE: Arc<Scope>;
}

struct Scope {
    change: Change,
    /// The database written to, once something was.
    wrote: OnceLock<Arc<Log>>,
}

impl Scope {
    /// Notes a write through `log`; false if the scope wrote to another database already.
    fn wrote_to(&self, log: &Arc<Log>) -> bool {
        Arc::ptr_eq(self.wrote.get_or_init(|| log.clone()), log)
    }
}

/// Records the scope's change when it ends, also when its future is dropped half-way (the
/// transaction may have committed).
struct RecordOnDrop(Arc<Scope>);

impl Drop for RecordOnDrop {
    fn drop(&mut self) {
        if let Some(log) = self.0.wrote.get() {
            log.record(self.0.change);
        }
    }
}

/// Runs `work`, whose writes to the tables `change` covers make only that change, recorded
/// once `work` ends (after its transaction committed; for the site, after whatever `work`
/// does besides, such as refreshing settings kept in memory). Tasks it spawns are not
/// covered.
pub async fn within<F: Future>(change: Change, work: F) -> F::Output {
    let scope = Arc::new(Scope {
        change,
        wrote: OnceLock::new(),
    });
    let _record = RecordOnDrop(scope.clone());
    SCOPE.scope(scope, work).await
}

/// The table `sql` writes to, if it writes.
fn written_table(sql: &str) -> Option<&str> {
    let mut words = sql.split_whitespace();
    let verb = words.next()?;
    let table = if verb.eq_ignore_ascii_case("INSERT") || verb.eq_ignore_ascii_case("DELETE") {
        // INSERT INTO t / DELETE FROM t
        words.nth(1)
    } else if verb.eq_ignore_ascii_case("UPDATE") {
        words.next()
    } else {
        return None;
    };
    // Quoted by sea-query ("comments"), bare in hand-written SQL (deliveries).
    table?
        .split('(')
        .next()
        .map(|t| t.trim_matches(|c| c == '"' || c == '`'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shows(sql: &str) -> bool {
        written_table(sql).is_some_and(|t| !UNSHOWN.contains(&t))
    }

    #[test]
    fn writes_to_shown_tables() {
        assert!(shows(r#"INSERT INTO "comments" ("ap_id") VALUES ($1)"#));
        assert!(shows(r#"update "posts" set "title" = ?"#));
        assert!(shows(r#"DELETE FROM "reactions" WHERE "id" = $1"#));
        assert!(!shows(r#"SELECT "posts"."id" FROM "posts""#));
        assert!(!shows(r#"UPDATE "deliveries" SET "status" = $1"#));
        assert!(!shows(r#"INSERT INTO "sessions" ("id") VALUES ($1)"#));
        assert!(!shows(r#"DELETE FROM "mails" WHERE "created_at" < $1"#));
        assert!(!shows(r#"UPDATE "inbox_activities" SET "state" = $1"#));
        assert!(!shows(
            "UPDATE deliveries SET locked_until = $1 WHERE id IN (1)"
        ));
        assert!(!shows(
            "INSERT INTO delivery_hosts (host) VALUES ($1) ON CONFLICT (host) DO UPDATE SET x = 1"
        ));
        assert!(shows("delete from comments where id = 1"));
    }

    fn write(log: &Arc<Log>, sql: &str) {
        let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql);
        log.observe(&Info {
            elapsed: std::time::Duration::ZERO,
            statement: &statement,
            failed: false,
        });
    }

    #[tokio::test]
    async fn narrow_changes_leave_other_pages_alone() {
        let log = &Arc::new(Log::default());
        let write = |sql| write(log, sql);
        let post = Shows {
            posts: vec![1, 2],
            threads: vec![1],
            all_comments: false,
        };
        let list = Shows {
            posts: vec![1, 2, 3],
            ..Shows::default()
        };
        let feed = Shows {
            all_comments: true,
            ..Shows::default()
        };
        let rendered = log.version();
        assert!(!log.changed_since(rendered, None));

        within(Change::Reactions(1), async {
            write(r#"INSERT INTO "reactions" ("post_id") VALUES (1)"#);
            write(r#"INSERT INTO "notifications" ("kind") VALUES ('like')"#);
            assert!(!log.changed_since(rendered, None), "not before it ends");
        })
        .await;
        assert!(log.changed_since(rendered, Some(&post)));
        assert!(!log.changed_since(rendered, Some(&list)));
        assert!(!log.changed_since(rendered, Some(&feed)));
        assert!(
            log.changed_since(rendered, None),
            "a page that said nothing"
        );

        let rendered = log.version();
        within(Change::Comments(4), async {
            write(r#"INSERT INTO "comments" ("post_id") VALUES (4)"#);
        })
        .await;
        assert!(!log.changed_since(rendered, Some(&post)));
        assert!(log.changed_since(rendered, Some(&feed)));

        let rendered = log.version();
        within(Change::Post(3), async {
            write(r#"UPDATE "posts" SET "title" = 'x' WHERE "id" = 3"#);
        })
        .await;
        assert!(!log.changed_since(rendered, Some(&post)));
        assert!(log.changed_since(rendered, Some(&list)));

        let rendered = log.version();
        within(Change::Reactions(1), async {
            write(r#"UPDATE "actors" SET "name" = 'x'"#);
        })
        .await;
        assert!(
            log.changed_since(rendered, Some(&Shows::default())),
            "another shown table inside a scope changes the site"
        );
        let rendered = log.version();
        within(Change::Actor, async {
            write(r#"INSERT INTO "actors" ("ap_id") VALUES ('https://a.example/u')"#);
        })
        .await;
        assert!(log.changed_since(rendered, Some(&post)), "names in threads");
        assert!(log.changed_since(rendered, Some(&feed)));
        assert!(!log.changed_since(rendered, Some(&list)));

        let rendered = log.version();
        write(r#"UPDATE "settings" SET "value" = 'x'"#);
        assert!(log.changed_since(rendered, Some(&Shows::default())));
        let site = log.site_version();
        write(r#"DELETE FROM "mails" WHERE "created_at" < '2026-01-01'"#);
        assert_eq!(log.site_version(), site, "mails are not shown");
    }
}
