//! Starting a blog, the one way: `Blog::new(name)`, configured from the test configuration
//! (`test_config`, then the test's changes), started in this process (`start`, an `Instance`),
//! as the real `feder serve` (`process`, a `Feder` with its CLI), or only opened (`open`, the
//! migrated state without a server). `spawn` and `command` run other `feder` commands with the
//! same configuration. Restarts and second nodes name the directory, database and port of the
//! first.

use super::{Peer, STEP_SECONDS, client, init, settled, tail};
use activitypub_federation::config::{Data, FederationConfig};
use feder::{
    Server, config::Config, db::entities::post, federation::state::AppState, services::posts,
};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::{
    fs::File,
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};
use tokio::net::TcpListener;

/// A blog to start: its name, configuration, directory, database and port. What the test leaves
/// open is made when it starts: a temporary directory, a fresh database (a SQLite file in the
/// directory, or a new PostgreSQL database when `FEDER_TEST_DATABASE_URL` is set), a free port.
#[derive(Clone)]
pub struct Blog {
    name: String,
    config: Config,
    dir: Option<Arc<tempfile::TempDir>>,
    port: Option<u16>,
    listen_port: Option<u16>,
}

impl Blog {
    pub fn new(name: &str) -> Blog {
        Blog {
            name: name.to_string(),
            config: test_config(name),
            dir: None,
            port: None,
            listen_port: None,
        }
    }

    /// Changes the configuration (applied at once, over the test configuration).
    pub fn configure(mut self, change: impl FnOnce(&mut Config)) -> Blog {
        change(&mut self.config);
        self
    }

    /// The directory for the database file, uploads and config files (shared by a restart).
    pub fn dir(mut self, dir: &Arc<tempfile::TempDir>) -> Blog {
        self.dir = Some(dir.clone());
        self
    }

    /// The database to use (a restart, a second node, one prepared by `database_url`).
    pub fn database(mut self, url: &str) -> Blog {
        self.config.database.url = url.to_string();
        self
    }

    /// The port the blog is served at: its address and its domain `localhost:<port>`.
    pub fn port(mut self, port: u16) -> Blog {
        self.port = Some(port);
        self
    }

    /// Listens on `port` while the domain keeps the port of `port` (a second node behind the
    /// same name, as behind a reverse proxy).
    pub fn listen_port(mut self, port: u16) -> Blog {
        self.listen_port = Some(port);
        self
    }

    /// Leases of `seconds` on deliveries and inbox activities, and inbox retries within seconds
    /// (as deliveries' already are): work of a `feder` process killed mid-way is soon taken over.
    pub fn leases(self, seconds: u64) -> Blog {
        self.configure(|c| {
            c.delivery.lease_seconds = seconds;
            c.inbox.lease_seconds = seconds;
            c.inbox.retry_base_seconds = 1;
            c.inbox.max_retry_seconds = 2;
        })
    }

    /// Fixes the directory, database and port now, for a blog started more than once (a
    /// restart, two nodes, a `feder` process serving what the test wrote to its database).
    pub async fn prepare(self) -> Blog {
        let mut blog = self.prepared().await;
        blog.port.get_or_insert_with(free_port);
        blog
    }

    /// Fills in what the test left open: the directory and the database.
    async fn prepared(mut self) -> Blog {
        init();
        let dir = self
            .dir
            .get_or_insert_with(|| Arc::new(tempfile::tempdir().expect("temp dir")))
            .clone();
        if self.config.database.url.is_empty() {
            self.config.database.url = database_url(dir.path(), &self.name).await;
        }
        self
    }

    /// The configuration the blog runs with.
    pub fn config(&self) -> Config {
        let port = self
            .port
            .expect("a blog's port is known once started, or given with .port()");
        let dir = self.dir.as_ref().expect("a blog's directory: .dir()");
        assert!(
            !self.config.database.url.is_empty(),
            "a blog's database: .database()"
        );
        let mut config = self.config.clone();
        config.server.listen = format!("127.0.0.1:{}", self.listen_port.unwrap_or(port));
        if config.server.domain.is_empty() {
            config.server.domain = format!("localhost:{port}");
        }
        if config.media.dir.is_none() {
            // Uploads stay in the test's directory, whatever the database.
            config.media.dir = Some(dir.path().join("media").display().to_string());
        }
        config
    }

    /// Starts the blog in this process, on its port or a free one.
    pub async fn start(self) -> Instance {
        let mut blog = self.prepared().await;
        let listen = blog.listen_port.or(blog.port).unwrap_or(0);
        let listener = TcpListener::bind(("127.0.0.1", listen))
            .await
            .expect("bind");
        let bound = listener.local_addr().expect("addr").port();
        let port = *blog.port.get_or_insert(bound);
        let config = blog.config();
        config.validate().expect("valid configuration");
        let state = AppState::open(config.clone()).await.expect("open state");
        let server = Server::start(state, listener).await.expect("start server");
        Instance {
            server: Some(server),
            config,
            port,
            dir: blog.dir.expect("prepared"),
        }
    }

    /// Opens the blog without serving it: migrated, with its keys, for a test to write what a
    /// `feder` process then finds.
    pub async fn open(self) -> FederationConfig<AppState> {
        let blog = self.prepare().await;
        AppState::open(blog.config()).await.expect("open state")
    }

    /// Runs the blog as `feder serve` (the real binary), answering once this returns; killed
    /// when the `Feder` is dropped.
    pub async fn process(self) -> Feder {
        let blog = self.prepared().await;
        // A port picked free can be taken before feder binds it: then try another.
        let tries = if blog.port.is_some() { 1 } else { 3 };
        for _ in 0..tries {
            let mut blog = blog.clone();
            let port = *blog.port.get_or_insert_with(free_port);
            let listen = blog.listen_port.unwrap_or(port);
            let dir = blog.dir.clone().expect("prepared");
            let log = dir.path().join(format!("{}-{listen}.log", blog.name));
            let out = File::create(&log).expect("feder log");
            let (config, env) = blog.config_file();
            let mut child = blog
                .command()
                .arg("serve")
                // The log is read by people when a test fails: at the default level.
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log handle"))
                .stderr(out)
                .spawn()
                .expect("start feder");
            match wait_ready(&mut child, listen).await {
                Ok(()) => {
                    return Feder {
                        child,
                        port,
                        env,
                        config,
                        log,
                        dir,
                    };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    assert!(
                        tries > 1 && log.contains("cannot listen"),
                        "feder did not start: {why}\n{log}"
                    );
                }
            }
        }
        panic!("feder found no free port");
    }

    /// `feder ARGS` as a process with this blog's configuration, not waited for (its output
    /// dropped); killed with SIGKILL when dropped.
    pub fn spawn(&self, args: &[&str]) -> Child {
        let child = self
            .command()
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn feder");
        Child(child)
    }

    /// The `feder` command with this blog's configuration, to add arguments to and run.
    pub fn command(&self) -> std::process::Command {
        let (config, env) = self.config_file();
        feder_command(&config, &env)
    }

    /// Writes the configuration to a file in the blog's directory (one per blog and port);
    /// the file and the environment a `feder` process gets (which the environment of the test
    /// must not change).
    fn config_file(&self) -> (PathBuf, Vec<(&'static str, String)>) {
        let config = self.config();
        let dir = self.dir.as_ref().expect("a blog's directory: .dir()");
        let path = dir.path().join(format!(
            "{}-{}.toml",
            self.name,
            config.listen_addr().expect("listen").port()
        ));
        std::fs::write(&path, config_toml(&config)).expect("write config");
        let env = vec![
            ("FEDER_LISTEN", config.server.listen.clone()),
            ("FEDER_DOMAIN", config.server.domain.clone()),
            ("FEDER_DATABASE_URL", config.database.url.clone()),
        ];
        (path, env)
    }
}

/// The test configuration, the one place every test blog starts from: deliveries retried
/// within seconds, queues polled often. The address, domain and database come from `Blog`.
fn test_config(name: &str) -> Config {
    let mut config = Config::default();
    config.server.listen = String::new();
    config.server.domain = String::new();
    config.database.url = String::new();
    config.blog.title = format!("Blog {name}");
    config.delivery.retry_base_seconds = 1;
    config.delivery.max_retry_seconds = 2;
    config.delivery.poll_millis = 100;
    config.delivery.timeout_seconds = 5;
    config.inbox.poll_millis = 100;
    config
}

/// `config` as config.toml text: its JSON form, each table under its header.
fn config_toml(config: &Config) -> String {
    fn table(out: &mut String, path: Option<&str>, value: &Value) {
        let Value::Object(fields) = value else {
            panic!("a table: {value}")
        };
        if let Some(path) = path {
            out.push_str(&format!("[{path}]\n"));
        }
        // A JSON string, number, bool or array of them is a TOML value as it is written.
        for (key, value) in fields {
            if !value.is_object() && !value.is_null() {
                out.push_str(&format!("{} = {value}\n", Value::from(key.as_str())));
            }
        }
        for (key, value) in fields.iter().filter(|(_, v)| v.is_object()) {
            let key = Value::from(key.as_str()).to_string();
            let path = path.map_or(key.clone(), |p| format!("{p}.{key}"));
            table(out, Some(&path), value);
        }
    }
    let mut out = String::new();
    table(
        &mut out,
        None,
        &serde_json::to_value(config).expect("config as JSON"),
    );
    out
}

/// `feder --config CONFIG` with `env` (the blog's address, domain and database).
fn feder_command(config: &Path, env: &[(&'static str, String)]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_feder"));
    command
        .arg("--config")
        .arg(config)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "warn")
        // What feder prints is read by tests and people, not by a terminal.
        .env("NO_COLOR", "1");
    command
}

/// A database for one blog: a file in `dir`, or a new PostgreSQL database.
pub async fn database_url(dir: &Path, name: &str) -> String {
    match std::env::var("FEDER_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let db = Database::connect(&url)
                .await
                .expect("connect to PostgreSQL");
            let fresh = format!("feder_{}_{}", name, uuid::Uuid::new_v4().simple());
            db.execute_unprepared(&format!("CREATE DATABASE {fresh}"))
                .await
                .expect("create test database");
            let (server, _) = url.rsplit_once('/').expect("database URL with a name");
            format!("{server}/{fresh}")
        }
        _ => format!("sqlite://{}/{name}.db", dir.display()),
    }
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A blog served in this process (`Blog::start`).
pub struct Instance {
    pub server: Option<Server>,
    pub config: Config,
    pub port: u16,
    pub dir: Arc<tempfile::TempDir>,
}

impl Instance {
    /// Publishes the post most inbox tests answer ("Hello world" at `posts/hello-world`);
    /// returns its URL.
    pub async fn publish_hello_world(&self) -> String {
        publish(
            self,
            "---\ntitle: Hello world\nslug: hello-world\n---\nFirst paragraph.\n",
        )
        .await;
        format!("{}posts/hello-world", self.base())
    }

    pub fn data(&self) -> Data<AppState> {
        self.server.as_ref().expect("running").data()
    }

    pub fn base(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    pub fn actor(&self) -> String {
        format!("http://localhost:{}/actor", self.port)
    }

    pub fn handle(&self) -> String {
        format!("blog@localhost:{}", self.port)
    }

    /// Waits until the inbox, the outbox and the delivery queue have nothing pending
    /// (`settled`), moving the blog's clock a minute forward whenever an inbox activity only
    /// waits for its next try to be due: a retry after a busy database is part of the work.
    pub async fn settle(&self, seconds: u64) {
        use feder::db::entities::inbox_activity;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let data = self.data();
        super::eventually("the queues to settle", seconds, || async {
            let waiting = inbox_activity::Entity::find()
                .filter(inbox_activity::Column::Status.eq(inbox_activity::PENDING))
                .filter(inbox_activity::Column::LockedUntil.is_null())
                .filter(inbox_activity::Column::NextAttemptAt.gt(data.clock.now()))
                .count(&data.db)
                .await
                .expect("count inbox");
            if waiting > 0 {
                data.clock.advance(Duration::from_secs(60));
                data.inbox_wakeup.notify_one();
            }
            (super::pending_work(&data.db).await == (0, 0, 0)).then_some(())
        })
        .await
    }

    /// Stops the server as a crash would: nothing is flushed, queued work stays queued.
    pub async fn crash(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

/// Publishes a Markdown file with front matter, as `feder post publish` does.
pub async fn publish(blog: &Instance, markdown: &str) -> post::Model {
    let input = posts::parse_markdown_file(markdown).expect("markdown");
    posts::publish(&blog.data(), input)
        .await
        .expect("publish")
        .0
}

/// `feder ARGS` run as a process on `blog`'s configuration: whether it succeeded, and what it
/// printed (standard output, then standard error).
pub fn feder_cli(blog: &Instance, args: &[&str]) -> (bool, String) {
    let config = blog.dir.path().join("feder-cli.toml");
    std::fs::write(&config, config_toml(&blog.config)).expect("config");
    let env = [
        ("FEDER_LISTEN", blog.config.server.listen.clone()),
        ("FEDER_DOMAIN", blog.config.server.domain.clone()),
        ("FEDER_DATABASE_URL", blog.config.database.url.clone()),
    ];
    let out = feder_command(&config, &env)
        .args(args)
        .output()
        .expect("run feder");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Inserts `n` followers whose inboxes are `/users/f<i>/inbox` on `peer` (no shared inbox): a
/// fan-out without following for real `n` times.
pub async fn seed_followers(db: &sea_orm::DatabaseConnection, peer: &Peer, n: usize) {
    use feder::db::entities::follower;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let rows: Vec<follower::ActiveModel> = (0..n)
        .map(|i| follower::ActiveModel {
            local_actor: Set(feder::services::local_actor::LocalActor::Blog.name()),
            actor_ap_id: Set(format!("{}/users/f{i}", peer.base)),
            inbox: Set(format!("{}/users/f{i}/inbox", peer.base)),
            shared_inbox: Set(None),
            follow_activity_id: Set(format!("{}/follows/{i}", peer.base)),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        follower::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .expect("seed followers");
    }
}

/// A `feder` command as a process (`Blog::spawn`), killed (SIGKILL) when dropped.
pub struct Child(pub std::process::Child);

impl Child {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `feder` binary serving a blog (`Blog::process`), and the CLI run against the same
/// configuration. The server is killed when this is dropped; its log is shown if the test
/// failed.
pub struct Feder {
    child: std::process::Child,
    port: u16,
    env: Vec<(&'static str, String)>,
    config: PathBuf,
    log: PathBuf,
    pub dir: Arc<tempfile::TempDir>,
}

impl Feder {
    /// Waits until the blog has nothing pending (inbox, outbox, deliveries due; see
    /// `settled`), read from its database.
    pub async fn settled(&self) {
        let db = sea_orm::Database::connect(self.database())
            .await
            .expect("database");
        settled(&db, STEP_SECONDS).await;
        db.close().await.expect("close the database");
    }

    /// The URL of the blog's database.
    pub fn database(&self) -> String {
        self.env
            .iter()
            .find(|(name, _)| *name == "FEDER_DATABASE_URL")
            .map(|(_, url)| url.clone())
            .expect("the blog's database")
    }

    pub fn base(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    pub fn actor(&self) -> String {
        format!("http://localhost:{}/actor", self.port)
    }

    /// Runs `feder ARGS` as the blog owner would, beside the server; returns its stdout.
    pub async fn cli(&self, args: &[&str]) -> String {
        self.cli_with_input(args, "").await
    }

    /// `feder ARGS` with `input` on its standard input.
    pub async fn cli_with_input(&self, args: &[&str], input: &str) -> String {
        let mut child = tokio::process::Command::from(feder_command(&self.config, &self.env))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("run feder");
        let mut stdin = child.stdin.take().expect("stdin");
        tokio::io::AsyncWriteExt::write_all(&mut stdin, input.as_bytes())
            .await
            .expect("write stdin");
        drop(stdin);
        let run = child.wait_with_output();
        let output = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .unwrap_or_else(|_| panic!("feder {args:?} took over 60 s"))
            .expect("run feder");
        assert!(
            output.status.success(),
            "feder {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// The blog's followers, as `feder followers --of blog` lists them (with the actor they
    /// follow after each).
    pub async fn followers(&self) -> Vec<String> {
        self.cli(&["followers", "--of", "blog"])
            .await
            .lines()
            .filter_map(|line| line.strip_suffix("  blog").map(str::to_string))
            .collect()
    }

    /// Publishes a Markdown file with `feder post publish`; returns the post's URL.
    pub async fn publish(&self, markdown: &str) -> String {
        let file = self
            .dir
            .path()
            .join(format!("{}.md", uuid::Uuid::new_v4().simple()));
        std::fs::write(&file, markdown).expect("write post");
        let out = self
            .cli(&["post", "publish", file.to_str().expect("UTF-8 path")])
            .await;
        // "Created http://localhost:PORT/posts/slug"
        let url = out.split_whitespace().last().expect("post URL").to_string();
        assert!(url.starts_with(&format!("{}posts/", self.base())), "{out}");
        url
    }
}

/// Waits until feder serves its actor on `port`; why not, if it ended or took too long.
async fn wait_ready(child: &mut std::process::Child, port: u16) -> Result<(), String> {
    let client = client();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("feder status") {
            return Err(format!("it exited with {status}"));
        }
        let answer = client
            .get(format!("http://localhost:{port}/actor"))
            .header("Accept", "application/activity+json")
            .send()
            .await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err("it did not answer within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for Feder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- feder log (last 80 lines) ---\n{}", tail(&log, 80));
        }
    }
}
