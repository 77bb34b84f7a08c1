//! Signing our deliveries: draft-cavage HTTP signatures as Mastodon sends them
//! (`rsa-sha256`, `(request-target) host date digest content-type`), with ring, whose RSA
//! is several times faster than the pure-Rust one: signing is what bounds a fan-out.

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use ring::{
    rand::SystemRandom,
    signature::{RSA_PKCS1_SHA256, RsaKeyPair},
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use url::Url;

#[derive(Clone)]
pub struct Signer {
    key: Arc<RsaKeyPair>,
    key_id: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The headers of one signed POST.
pub struct SignedHeaders {
    pub host: String,
    pub date: String,
    pub digest: String,
    pub signature: String,
}

/// `SHA-256=<base64>` of a body: computed once per activity, not once per inbox.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// `host[:port]` as the `Host` header carries it (no default port).
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

impl Signer {
    /// From a PKCS#8 PEM private key.
    pub fn from_pem(private_key_pem: &str, key_id: String) -> anyhow::Result<Signer> {
        let body: String = private_key_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = BASE64.decode(body.trim())?;
        let key = RsaKeyPair::from_pkcs8(&der).map_err(|e| anyhow::anyhow!("private key: {e}"))?;
        Ok(Signer {
            key: Arc::new(key),
            key_id,
            rng: SystemRandom::new(),
        })
    }

    /// Signs a POST of a body with digest `digest` (from `digest_header`) to `url`. CPU-bound
    /// (about a millisecond): call it from a blocking thread.
    pub fn sign_post(
        &self,
        url: &Url,
        digest: &str,
        content_type: &str,
    ) -> anyhow::Result<SignedHeaders> {
        let host = host_header(url);
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let signing_string = format!(
            "(request-target): post {target}\nhost: {host}\ndate: {date}\ndigest: {digest}\ncontent-type: {content_type}"
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_string.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
        let signature = format!(
            "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest content-type\",signature=\"{}\"",
            self.key_id,
            BASE64.encode(signature)
        );
        Ok(SignedHeaders {
            host,
            date,
            digest: digest.to_string(),
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::signatures::{RequestParts, Signature};
    use http::{HeaderMap, HeaderValue, Method};
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    /// What we sign, our own verifier (and so Mastodon's rules) accepts.
    #[test]
    fn signatures_verify() {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .unwrap_or_else(|e| panic!("{e}"));
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        let public = rsa::RsaPublicKey::from(&private)
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        let signer = Signer::from_pem(&pem, "https://blog.test/actor#main-key".into())
            .unwrap_or_else(|e| panic!("{e}"));
        let body = br#"{"type":"Create"}"#;
        let url = Url::parse("https://peer.test:8443/inbox?x=1").unwrap_or_else(|e| panic!("{e}"));
        let signed = signer
            .sign_post(&url, &digest_header(body), "application/activity+json")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", signed.host.as_str()),
            ("date", &signed.date),
            ("digest", &signed.digest),
            ("content-type", "application/activity+json"),
            ("signature", &signed.signature),
        ] {
            headers.insert(
                name,
                HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}")),
            );
        }
        let req = RequestParts {
            method: &Method::POST,
            path_and_query: "/inbox?x=1",
            headers: &headers,
            body,
            scheme: "https",
            default_host: "peer.test",
        };
        let parsed = Signature::parse(&req, chrono::Utc::now()).unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.verify(&public).is_ok());
        assert_eq!(signed.host, "peer.test:8443");
    }
}
