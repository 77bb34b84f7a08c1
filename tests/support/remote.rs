//! A remote account on `localhost:<random port>`, shaped like Mastodon's `alice`: it serves its
//! actor (and notes), signs its requests as Mastodon, Fedify or newer servers do, and records
//! what it receives; with the activities tests send as it (a reply, a like, a follow).

use super::{Instance, client, eventually};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use feder::services::followers;
use rsa::{
    Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey,
    pkcs8::{EncodePublicKey, LineEnding},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::net::TcpListener;

/// One request a fake remote server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body as it came, for checking its signature.
    pub raw: Bytes,
}

impl Received {
    /// The `keyId` of the request's HTTP signature, when it verifies with `public_pem` (as
    /// a receiving server checks it; `host` is the peer's).
    pub fn verified_key(&self, host: &str, public_pem: &str) -> Option<String> {
        use feder::federation::signatures::{RequestParts, Signature};
        let request = RequestParts {
            method: &axum::http::Method::POST,
            path_and_query: &self.path,
            headers: &self.headers,
            body: &self.raw,
            scheme: "http",
            default_host: host,
        };
        let signature = Signature::parse(&request, chrono::Utc::now()).ok()?;
        signature.verify(public_pem).ok()?;
        Some(signature.key_id)
    }
}

#[derive(Clone)]
struct PeerState {
    base: String,
    /// The key its actors publish (all share one); `rotate_key` changes it.
    public_pem: Arc<Mutex<String>>,
    /// How often an actor document was fetched.
    actor_fetches: Arc<std::sync::atomic::AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer inbox POSTs with, in order; 202 once they are used up.
    answers: Arc<Mutex<Vec<u16>>>,
    /// Milliseconds to wait before answering an inbox POST (a slow server).
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Milliseconds to wait before serving a note (a slow server).
    note_delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// Documents served at `/notes/<id>`.
    notes: Arc<Mutex<std::collections::HashMap<String, Value>>>,
    /// Extra fields of actors, by name (e.g. `alsoKnownAs`).
    actor_extra: Arc<Mutex<std::collections::HashMap<String, Value>>>,
}

/// A remote account shaped like Mastodon's `alice`, on its own port.
pub struct Peer {
    pub base: String,
    pub actor: String,
    pub key_id: String,
    private: RsaPrivateKey,
    pub public_pem: String,
    state: PeerState,
}

impl Peer {
    pub async fn start() -> Peer {
        Peer::start_at(0, Vec::new()).await
    }

    /// A peer on `port` (0: any), e.g. a server that was down and comes up on its address,
    /// serving `notes` (by id, as `serve_note`) from its first request on.
    pub async fn start_at(port: u16, notes: Vec<(String, Value)>) -> Peer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind peer");
        let port = listener.local_addr().expect("addr").port();
        let base = format!("http://localhost:{port}");
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        let public_pem = RsaPublicKey::from(&private)
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        let state = PeerState {
            base: base.clone(),
            public_pem: Arc::new(Mutex::new(public_pem.clone())),
            actor_fetches: Arc::default(),
            received: Arc::default(),
            answers: Arc::default(),
            delay_ms: Arc::default(),
            note_delay_ms: Arc::default(),
            notes: Arc::new(Mutex::new(notes.into_iter().collect())),
            actor_extra: Arc::default(),
        };
        let app = Router::new()
            .route("/users/{name}", get(peer_actor))
            .route("/notes/{id}", get(peer_note))
            .route("/users/{name}/inbox", post(peer_inbox))
            .route("/inbox", post(peer_inbox))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Peer {
            actor: format!("{base}/users/alice"),
            key_id: format!("{base}/users/alice#main-key"),
            base,
            private,
            public_pem,
            state,
        }
    }

    /// A new key pair for this server's actors, published from now on and signing what this
    /// `Peer` sends (copies made before, e.g. by `as_user`, keep signing with the old key).
    pub fn rotate_key(&mut self) {
        self.private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("key");
        self.public_pem = RsaPublicKey::from(&self.private)
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        *self.state.public_pem.lock().expect("lock") = self.public_pem.clone();
    }

    /// How often this server's actor documents were fetched.
    pub fn actor_fetches(&self) -> usize {
        self.state
            .actor_fetches
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    /// Serves `doc` at `<base>/notes/<id>` (its `id` should be that URL).
    pub fn serve_note(&self, id: &str, doc: Value) {
        self.state
            .notes
            .lock()
            .expect("lock")
            .insert(id.to_string(), doc);
    }

    /// Adds fields to the actor document of `name`.
    pub fn set_actor_extra(&self, name: &str, extra: Value) {
        self.state
            .actor_extra
            .lock()
            .expect("lock")
            .insert(name.to_string(), extra);
    }

    /// Signs for another actor of this server (all share one key), e.g. `bob`.
    pub fn as_user(&self, name: &str) -> Peer {
        Peer {
            base: self.base.clone(),
            actor: format!("{}/users/{name}", self.base),
            key_id: format!("{}/users/{name}#main-key", self.base),
            private: self.private.clone(),
            public_pem: self.public_pem.clone(),
            state: self.state.clone(),
        }
    }

    /// Answer inbox POSTs only after `ms` milliseconds.
    pub fn slow_down(&self, ms: u64) {
        self.state
            .delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Serve notes only after `ms` milliseconds.
    pub fn slow_notes(&self, ms: u64) {
        self.state
            .note_delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Answer the next inbox POSTs with these statuses.
    pub fn answer_with(&self, statuses: &[u16]) {
        *self.state.answers.lock().expect("lock") = statuses.to_vec();
    }

    /// A Mastodon payload from `tests/fixtures/mastodon/`, rewritten to this peer and `blog`.
    pub fn fixture(&self, name: &str, blog: &Instance, post_slug: &str) -> Value {
        self.fixture_of("mastodon", name, blog, post_slug)
    }

    /// A payload shaped as `software` sends it, from `tests/fixtures/<software>/`, rewritten to
    /// this peer (`https://mastodon.example`) and `blog` (`https://blog.example`).
    pub fn fixture_of(
        &self,
        software: &str,
        name: &str,
        blog: &Instance,
        post_slug: &str,
    ) -> Value {
        let path = format!(
            "{}/tests/fixtures/{software}/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        let text = text
            .replace("https://mastodon.example", &self.base)
            .replace("https://blog.example/actor", &blog.actor())
            .replace(
                "https://blog.example/posts/hello-world",
                &format!("{}posts/{post_slug}", blog.base()),
            )
            .replace("https://blog.example/", &blog.base());
        serde_json::from_str(&text).expect("fixture JSON")
    }

    /// Signs like Mastodon 4.7: draft-cavage, rsa-sha256, `host date digest content-type
    /// (request-target)`.
    pub fn sign(&self, url: &str, body: &[u8], date: httpdate::HttpDate) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).expect("url");
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_string(),
        };
        let date = date.to_string();
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let content_type = "application/activity+json".to_string();
        let target = format!("post {}", parsed.path());
        let signing = format!(
            "host: {host}\ndate: {date}\ndigest: {digest}\ncontent-type: {content_type}\n(request-target): {target}"
        );
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing.as_bytes()),
                )
                .expect("sign"),
        );
        vec![
            ("Host".into(), host),
            ("Date".into(), date),
            ("Digest".into(), digest),
            ("Content-Type".into(), content_type),
            (
                "Signature".into(),
                format!(
                    r#"keyId="{}",algorithm="rsa-sha256",headers="host date digest content-type (request-target)",signature="{signature}""#,
                    self.key_id
                ),
            ),
        ]
    }

    /// A cavage signature over only the headers named in `covered` (e.g. `"date digest"`),
    /// to try signatures weaker than a real server sends.
    pub fn sign_covering(&self, url: &str, body: &[u8], covered: &str) -> Vec<(String, String)> {
        let mut headers = self.sign(url, body, std::time::SystemTime::now().into());
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let path = url::Url::parse(url).expect("url").path().to_string();
        let signing = covered
            .split(' ')
            .map(|name| match name {
                "(request-target)" => format!("(request-target): post {path}"),
                other => format!("{other}: {}", value(other)),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing.as_bytes()),
                )
                .expect("sign"),
        );
        headers.retain(|(n, _)| n != "Signature");
        headers.push((
            "Signature".into(),
            format!(
                r#"keyId="{}",algorithm="rsa-sha256",headers="{covered}",signature="{signature}""#,
                self.key_id
            ),
        ));
        headers
    }

    /// A cavage signature as newer servers make it (hs2019): over `(request-target) host
    /// (created) (expires) digest`, made at `created` and valid for `valid_for`.
    pub fn sign_created_expires(
        &self,
        url: &str,
        body: &[u8],
        created: std::time::SystemTime,
        valid_for: Duration,
    ) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).expect("url");
        let host = format!(
            "{}:{}",
            parsed.host_str().unwrap_or_default(),
            parsed.port().unwrap_or(80)
        );
        let created = created
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs();
        let expires = created + valid_for.as_secs();
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let signing = format!(
            "(request-target): post {}\nhost: {host}\n(created): {created}\n(expires): {expires}\ndigest: {digest}",
            parsed.path()
        );
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(signing.as_bytes()),
                )
                .expect("sign"),
        );
        vec![
            ("Host".into(), host),
            ("Digest".into(), digest),
            ("Content-Type".into(), "application/activity+json".into()),
            (
                "Signature".into(),
                format!(
                    r#"keyId="{}",algorithm="hs2019",created={created},expires={expires},headers="(request-target) host (created) (expires) digest",signature="{signature}""#,
                    self.key_id
                ),
            ),
        ]
    }

    /// Signs like Fedify's first knock and Mastodon 4.5+: RFC 9421, `rsa-v1_5-sha256` over
    /// `@method @target-uri @authority content-digest`, label `sig1`, with `key_id` (this
    /// peer's own, or another's to forge one).
    pub fn sign_rfc9421(
        &self,
        url: &str,
        body: &[u8],
        created: std::time::SystemTime,
        key_id: &str,
    ) -> Vec<(String, String)> {
        let parsed = url::Url::parse(url).expect("url");
        let authority = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
            None => parsed.host_str().unwrap_or_default().to_string(),
        };
        let created = created
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs();
        let digest = format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)));
        let params = format!(
            r#"("@method" "@target-uri" "@authority" "content-digest");created={created};keyid="{key_id}";alg="rsa-v1_5-sha256""#
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {parsed}\n\"@authority\": {authority}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let signature = BASE64.encode(
            self.private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(base.as_bytes()),
                )
                .expect("sign"),
        );
        vec![
            ("Host".into(), authority),
            ("Content-Type".into(), "application/activity+json".into()),
            ("Content-Digest".into(), digest),
            ("Signature-Input".into(), format!("sig1={params}")),
            ("Signature".into(), format!("sig1=:{signature}:")),
        ]
    }

    /// POSTs `body` to `url` with the given headers; returns the status.
    pub async fn post_raw(&self, url: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> u16 {
        self.try_post_raw(url, headers, body).await.expect("POST")
    }

    /// `post_raw`, with a transport error (no answer at all) returned rather than a panic.
    pub async fn try_post_raw(
        &self,
        url: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<u16, reqwest::Error> {
        let mut request = client().post(url).body(body);
        for (name, value) in headers {
            if !name.eq_ignore_ascii_case("host") {
                request = request.header(name, value);
            }
        }
        Ok(request.send().await?.status().as_u16())
    }

    /// POSTs `activity`, signed, as a server delivers it: sent again (at most twice) when no
    /// answer came at all. Returns the status.
    pub async fn deliver(&self, url: &str, activity: &Value) -> u16 {
        let body = serde_json::to_vec(activity).expect("json");
        for _ in 0..2 {
            let headers = self.sign(url, &body, std::time::SystemTime::now().into());
            match self.try_post_raw(url, headers, body.clone()).await {
                Ok(status) => return status,
                Err(e) => println!("no answer from {url}, sent again: {e:?}"),
            }
        }
        self.post_signed(url, activity).await
    }

    /// POSTs `activity`, signed now; returns the status.
    pub async fn post_signed(&self, url: &str, activity: &Value) -> u16 {
        let body = serde_json::to_vec(activity).expect("json");
        let headers = self.sign(url, &body, std::time::SystemTime::now().into());
        self.post_raw(url, headers, body).await
    }
}

async fn peer_actor(
    State(state): State<PeerState>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> impl IntoResponse {
    state
        .actor_fetches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let id = format!("{}/users/{name}", state.base);
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": "Alice Example",
        "url": format!("{}/@{name}", state.base),
        "inbox": format!("{id}/inbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", state.base)},
        "icon": {"type": "Image", "mediaType": "image/png", "url": format!("{}/avatar.png", state.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": state.public_pem.lock().expect("lock").clone()},
    });
    if let Some(Value::Object(extra)) = state.actor_extra.lock().expect("lock").get(&name) {
        for (k, v) in extra {
            doc[k] = v.clone();
        }
    }
    (
        [("content-type", "application/activity+json; charset=utf-8")],
        doc.to_string(),
    )
}

async fn peer_note(
    State(state): State<PeerState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let delay = state
        .note_delay_ms
        .load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    match state.notes.lock().expect("lock").get(&id) {
        Some(doc) => (
            [("content-type", "application/activity+json")],
            doc.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn peer_inbox(
    State(state): State<PeerState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let status = {
        let mut answers = state.answers.lock().expect("lock");
        if answers.is_empty() {
            202
        } else {
            answers.remove(0)
        }
    };
    if status < 300 {
        state.received.lock().expect("lock").push(Received {
            path: uri.path().to_string(),
            headers,
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            raw: body,
        });
    }
    StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED)
}

/// A public reply by `peer`'s alice, `id` (its Create is `{id}/activity`), to `parent`.
pub fn reply_activity(peer: &Peer, id: &str, parent: &str, text: &str) -> Value {
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"), "type": "Create", "actor": peer.actor,
        "to": [feder::federation::PUBLIC],
        "object": {
            "id": id, "type": "Note", "attributedTo": peer.actor, "inReplyTo": parent,
            "content": format!("<p>{text}</p>"), "to": [feder::federation::PUBLIC],
        },
    })
}

/// A reply from the peer's `alice` to `in_reply_to` (a post or comment URL), delivered to the
/// blog's inbox as Mastodon sends it. Returns the reply's id.
pub async fn reply(peer: &Peer, blog: &Instance, in_reply_to: &str, n: u32, text: &str) -> String {
    let mut activity = peer.fixture("create-note-reply.json", blog, "unused");
    let id = format!("{}/users/alice/statuses/{n}", peer.base);
    activity["id"] = json!(format!("{id}/activity"));
    let note = &mut activity["object"];
    note["id"] = json!(id);
    note["url"] = json!(format!("{}/@alice/{n}", peer.base));
    note["inReplyTo"] = json!(in_reply_to);
    note["published"] = json!(format!("2026-08-21T14:{:02}:00Z", n % 60));
    let html = format!("<p>{text}</p>");
    note["content"] = json!(html);
    note["contentMap"] = json!({"en": html});
    let status = peer
        .post_signed(&format!("{}inbox", blog.base()), &activity)
        .await;
    assert!(status < 300, "reply {n} answered {status}");
    id
}

/// A like of `post_url` from the peer's `alice`.
pub async fn like(peer: &Peer, blog: &Instance, post_url: &str) {
    let mut activity = peer.fixture("like.json", blog, "unused");
    activity["object"] = json!(post_url);
    let status = peer
        .post_signed(&format!("{}inbox", blog.base()), &activity)
        .await;
    assert!(status < 300, "like answered {status}");
}

/// The peer follows `blog` with a signed Follow (Mastodon's shape) and is stored as follower.
pub async fn follow(peer: &Peer, blog: &Instance) {
    let follow = peer.fixture("follow.json", blog, "");
    let status = peer
        .post_signed(&format!("{}actor/inbox", blog.base()), &follow)
        .await;
    assert!(status < 300, "Follow answered {status}");
    eventually("the peer is a follower", 20, || async {
        let list = followers::list(&blog.data().db, None).await.ok()?;
        list.iter()
            .any(|f| f.actor_ap_id == peer.actor)
            .then_some(())
    })
    .await;
    // The Accept arrives first; the tests look at what comes after it.
    eventually("the peer receives the Accept", 20, || async {
        peer.received()
            .iter()
            .any(|r| r.body["type"] == "Accept")
            .then_some(())
    })
    .await;
}

/// The activities of `kind` the peer received.
pub fn received_of(peer: &Peer, kind: &str) -> Vec<serde_json::Value> {
    peer.received()
        .into_iter()
        .filter(|r| r.body["type"] == kind)
        .map(|r| r.body)
        .collect()
}
