//! What the benchmarks that send to an inbox share: remote actors on loopback (one RSA key for
//! all of them: generating a hundred keys is not what is measured; a Person at `/users/<n>`),
//! and activities signed up front as their servers would send them (draft-cavage).

use axum::{
    Router,
    extract::{Path, State},
    routing::get,
};
use feder::federation::{
    signatures::Scheme,
    signing::{BodyDigests, Signer},
};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::json;
use std::sync::Arc;

/// Accounts `/users/0` … `/users/<count - 1>` on a server of their own.
#[derive(Clone)]
pub struct RemoteActors {
    pub base: String,
    signers: Arc<Vec<Signer>>,
}

/// A POST signed by its actor: the body and the headers that go with it.
pub struct SignedPost {
    pub body: Vec<u8>,
    pub date: String,
    pub digest: String,
    pub signature: String,
}

impl RemoteActors {
    /// Starts their server on 127.0.0.1.
    pub async fn start(count: usize) -> anyhow::Result<RemoteActors> {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
        let public_pem = rsa::RsaPublicKey::from(&private).to_public_key_pem(LineEnding::LF)?;
        let private_pem = private.to_pkcs8_pem(LineEnding::LF)?.to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://localhost:{}", listener.local_addr()?.port());
        let app = Router::new()
            .route("/users/{n}", get(person))
            .with_state((base.clone(), public_pem));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let signers = (0..count)
            .map(|n| Signer::from_pem(&private_pem, format!("{base}/users/{n}#main-key")))
            .collect::<anyhow::Result<_>>()?;
        Ok(RemoteActors {
            base,
            signers: Arc::new(signers),
        })
    }

    /// The id of account `n`.
    pub fn id(&self, n: usize) -> String {
        format!("{}/users/{n}", self.base)
    }

    /// `activity` POSTed to `inbox`, signed by account `n`.
    pub fn sign(
        &self,
        n: usize,
        inbox: &url::Url,
        activity: &serde_json::Value,
    ) -> anyhow::Result<SignedPost> {
        let body = serde_json::to_vec(activity)?;
        let signed = self.signers[n].sign_post(
            Scheme::Cavage,
            inbox,
            &BodyDigests::of(&body),
            "application/activity+json",
        )?;
        let header = |name| {
            signed
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Ok(SignedPost {
            date: header("date"),
            digest: header("digest"),
            signature: header("signature"),
            body,
        })
    }
}

impl SignedPost {
    /// Sends it; whether the inbox answered 202.
    pub async fn send(&self, client: &reqwest::Client, inbox: &str) -> bool {
        client
            .post(inbox)
            .header("content-type", "application/activity+json")
            .header("date", &self.date)
            .header("digest", &self.digest)
            .header("signature", &self.signature)
            .body(self.body.clone())
            .send()
            .await
            .is_ok_and(|r| r.status().as_u16() == 202)
    }
}

/// Signs `count` activities, `make(i)` giving the signing account and the activity, on every
/// core: the senders then only send.
pub fn sign_all(
    actors: &RemoteActors,
    inbox: &url::Url,
    count: usize,
    make: impl Fn(usize) -> (usize, serde_json::Value) + Send + Sync + Clone + 'static,
) -> anyhow::Result<Vec<SignedPost>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (actors, inbox, make) = (actors.clone(), inbox.clone(), make.clone());
            std::thread::spawn(move || -> anyhow::Result<Vec<(usize, SignedPost)>> {
                (0..count)
                    .filter(|i| i % threads == t)
                    .map(|i| {
                        let (n, activity) = make(i);
                        Ok((i, actors.sign(n, &inbox, &activity)?))
                    })
                    .collect()
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for handle in handles {
        all.extend(
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("signing thread"))??,
        );
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, post)| post).collect())
}

async fn person(
    State((base, public_pem)): State<(String, String)>,
    Path(n): Path<usize>,
) -> ([(&'static str, &'static str); 1], String) {
    let id = format!("{base}/users/{n}");
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": format!("user{n}"),
        "inbox": format!("{id}/inbox"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public_pem},
    });
    (
        [("content-type", "application/activity+json")],
        doc.to_string(),
    )
}
