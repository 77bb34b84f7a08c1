//! The `feder` binary's commands, run as a blog owner runs them: their output and exit codes,
//! and that the commands that only read or change rows open the database alone (no signing key
//! is made until a command federates).

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::db::entities::site_key;
use sea_orm::{Database, EntityTrait, PaginatorTrait};
use std::{io::Write, path::Path, process::Stdio, sync::Arc};

/// What one run of `feder` printed, and whether it succeeded.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// A blog the tests only run commands on (`support::Blog`, never started).
struct Blog {
    dir: Arc<tempfile::TempDir>,
    blog: support::Blog,
    database: String,
    port: u16,
}

impl Blog {
    async fn new(name: &str) -> Blog {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let blog = support::Blog::new(name).dir(&dir).prepare().await;
        let config = blog.config();
        Blog {
            dir,
            port: config.listen_addr().expect("address").port(),
            database: config.database.url,
            blog,
        }
    }

    /// Runs `feder ARGS` with `stdin` as its standard input.
    fn feder_with_input(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .blog
            .command()
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn feder");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let output = child.wait_with_output().expect("run feder");
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn feder(&self, args: &[&str]) -> Run {
        self.feder_with_input(args, "")
    }

    /// Runs a command that must succeed, and returns what it printed.
    fn ok(&self, args: &[&str]) -> String {
        let run = self.feder(args);
        assert!(run.ok, "feder {args:?} failed: {}", run.stderr);
        run.stdout
    }

    /// Runs a command that must fail, and returns its error output.
    fn fails(&self, args: &[&str]) -> String {
        let run = self.feder(args);
        assert!(!run.ok, "feder {args:?} succeeded: {}", run.stdout);
        run.stderr
    }

    async fn keys(&self) -> u64 {
        let db = Database::connect(&self.database).await.expect("connect");
        site_key::Entity::find()
            .count(&db)
            .await
            .expect("count keys")
    }

    fn url(&self, path: &str) -> String {
        format!("http://localhost:{}/{path}", self.port)
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path.display().to_string()
}

/// `feder followers` lists the followers of the blog and of each author, with whom they
/// follow; `--of` narrows it to one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_of_the_blog_and_of_each_author() {
    use feder::{db::entities::follower, services::local_actor::LocalActor};
    use sea_orm::ActiveValue::Set;
    support::init();
    let blog = Blog::new("cli_followers").await;
    blog.ok(&["migrate"]);
    let db = Database::connect(&blog.database).await.expect("connect");
    let alice = LocalActor::Author("alice".into());
    let (a, b) = ("https://one.example/users/a", "https://two.example/users/b");
    for (actor, local) in [(a, &LocalActor::Blog), (a, &alice), (b, &alice)] {
        follower::Entity::insert(follower::ActiveModel {
            local_actor: Set(local.name()),
            actor_ap_id: Set(actor.into()),
            inbox: Set(format!("{actor}/inbox")),
            shared_inbox: Set(None),
            follow_activity_id: Set(format!("{actor}#follow")),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        })
        .exec(&db)
        .await
        .expect("follower");
    }
    assert_eq!(
        blog.ok(&["followers"]),
        format!("{a}  blog\n{a}  author:alice\n{b}  author:alice\n")
    );
    assert_eq!(
        blog.ok(&["followers", "--of", "alice"]),
        format!("{a}  author:alice\n{b}  author:alice\n")
    );
    assert_eq!(
        blog.ok(&["followers", "--of", "blog"]),
        format!("{a}  blog\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_commands_open_only_the_database() {
    support::init();
    let blog = Blog::new("cli_db").await;
    assert_eq!(blog.ok(&["migrate"]), "database is up to date\n");
    for args in [
        &["post", "list"][..],
        &["followers"],
        &["reading"],
        &["deliveries"],
        &["comments", "list"],
        &["comments", "list", "--status", "spam"],
        &["token", "list"],
        &["block", "list"],
        &["mentions"],
        &["admin", "users"],
    ] {
        assert_eq!(blog.ok(args), "", "feder {args:?} on an empty blog");
    }
    assert!(
        blog.fails(&["comments", "approve", "7"])
            .contains("no comment 7")
    );
    assert!(
        blog.fails(&["comments", "delete", "7"])
            .contains("no comment 7")
    );
    assert!(
        blog.fails(&["token", "revoke", "3"])
            .contains("no live token 3")
    );

    let created = blog.feder_with_input(&["admin", "create-user", "ann"], "a long password\n");
    assert!(created.ok, "{}", created.stderr);
    assert_eq!(
        created.stdout,
        format!("created ann; log in at {}\n", blog.url("admin"))
    );
    assert_eq!(blog.ok(&["admin", "users"]), "ann  ann\n");
    let token = blog.ok(&["token", "create", "--scope", "create", "--user", "ann"]);
    assert!(token.starts_with("token 1 (create): "), "{token}");
    assert!(token.ends_with(&format!("Micropub endpoint: {}\n", blog.url("micropub"))));
    assert!(blog.ok(&["token", "list"]).contains("never used"));
    assert_eq!(blog.ok(&["token", "revoke", "1"]), "revoked token 1\n");
    assert!(
        blog.fails(&["token", "create", "--user", "bob"])
            .contains("there is no user")
    );

    assert_eq!(
        blog.keys().await,
        0,
        "no command so far needed the blog's key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federating_commands_make_the_key_and_print_what_they_did() {
    support::init();
    let blog = Blog::new("cli_fed").await;
    blog.ok(&["migrate"]);
    let file = write(
        blog.dir.path(),
        "hello.md",
        "---\ntitle: Hello\nslug: hello\npublished: 2026-11-27\n---\nFirst.\n",
    );
    assert_eq!(
        blog.ok(&["post", "publish", &file]),
        format!("Created {}\n", blog.url("posts/hello"))
    );
    assert_eq!(
        blog.keys().await,
        2,
        "the blog's key and the application actor's"
    );
    assert_eq!(
        blog.ok(&["post", "publish", &file]),
        format!("Updated {}\n", blog.url("posts/hello"))
    );
    assert_eq!(
        blog.ok(&["post", "list"]),
        "2026-11-27  published  hello  Hello\n"
    );
    let draft = write(
        blog.dir.path(),
        "draft.md",
        "---\ntitle: Later\nslug: later\npublished: 2026-11-20\ndraft: true\n---\nSoon.\n",
    );
    assert_eq!(
        blog.ok(&["post", "publish", &draft]),
        format!("Draft {}\n", blog.url("posts/later"))
    );
    assert_eq!(
        blog.ok(&["post", "list", "--status", "draft"]),
        "2026-11-20  draft  later  Later\n"
    );
    assert_eq!(
        blog.ok(&["post", "trash", "later"]),
        "moved later to the trash (was draft)\n"
    );
    assert_eq!(
        blog.ok(&["post", "list"]),
        "2026-11-27  published  hello  Hello\n2026-11-20  trash  later  Later\n"
    );
    assert_eq!(
        blog.ok(&["post", "restore", "later"]),
        "restored later: draft\n"
    );
    assert!(
        blog.fails(&["post", "list", "--status", "private"])
            .contains("no status \"private\"")
    );
    assert_eq!(
        blog.ok(&["post", "delete", "hello"]),
        format!("deleted {}\n", blog.url("posts/hello"))
    );
    assert!(
        blog.fails(&["post", "publish", "missing.md"])
            .contains("cannot read missing.md")
    );

    assert_eq!(
        blog.ok(&["block", "add", "*.Spam.example"]),
        "blocked spam.example\n"
    );
    assert_eq!(blog.ok(&["block", "list"]), "domain  spam.example\n");
    let csv = write(
        blog.dir.path(),
        "blocks.csv",
        "#domain,#severity\nbad.example,suspend\nok.example,noop\n",
    );
    assert_eq!(blog.ok(&["block", "import", &csv]), "1 domains blocked\n");
    assert_eq!(
        blog.ok(&["block", "remove", "spam.example"]),
        "unblocked spam.example\n"
    );
    assert!(
        blog.fails(&["block", "remove", "spam.example"])
            .contains("was not blocked")
    );
    assert_eq!(
        blog.keys().await,
        2,
        "the blog's and the application's keys, made once"
    );
}

/// Run in a folder without a blog (the default `sqlite://data/feder.db`, nothing there), a
/// command that is not meant to set one up fails, names the file it looked for and how to
/// create a blog, and creates nothing; `feder migrate` creates the blog, and then they work.
#[test]
fn commands_refuse_a_folder_without_a_blog() {
    let dir = tempfile::tempdir().expect("dir");
    let feder = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_feder"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("FEDER_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("run feder")
    };
    let post = write(dir.path(), "hello.md", "---\ntitle: Hello\n---\nFirst.\n");
    for args in [
        &["post", "publish", post.as_str()][..],
        &["post", "list"],
        &["follow", "someone@example.org"],
        &["followers"],
        &["comments", "list"],
        &["outbox", "list"],
        &["alias", "list"],
        &["move", "blog@example.org"],
        &["admin", "users"],
        &["export", "out"],
    ] {
        let run = feder(args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "feder {args:?} succeeded: {stderr}");
        let looked_for = dir.path().join("data").join("feder.db");
        assert!(
            stderr.contains(&looked_for.display().to_string()) && stderr.contains("feder migrate"),
            "feder {args:?}: {stderr}"
        );
        assert!(
            String::from_utf8_lossy(&run.stdout).is_empty(),
            "feder {args:?} printed {}",
            String::from_utf8_lossy(&run.stdout)
        );
        assert!(
            !dir.path().join("data").exists(),
            "feder {args:?} made ./data"
        );
        assert!(
            !dir.path().join("out").exists(),
            "feder {args:?} made ./out"
        );
    }
    let run = feder(&["migrate"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(dir.path().join("data").join("feder.db").exists());
    let run = feder(&["post", "list"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
