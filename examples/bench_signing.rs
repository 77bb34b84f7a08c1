//! Benchmark of signing one delivery, in each scheme, on one core: what a fan-out pays per
//! inbox before any I/O; and of verifying one, what the inbox pays per activity once the
//! sender's key is read. Prints one JSON line per scheme and operation (per second,
//! microseconds each); `scripts/bench-signing.sh` puts signing next to `openssl speed rsa2048`.
//!
//! `cargo run --release --example bench_signing -- 3000`
//! Not part of the server.

use feder::federation::{
    signatures::{PublicKey, RequestParts, Scheme, Signature},
    signing::{BodyDigests, Signer},
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use std::time::Instant;
use url::Url;

fn main() -> anyhow::Result<()> {
    let signs: u32 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(3000);
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let pem = key.to_pkcs8_pem(LineEnding::LF)?;
    let signer = Signer::from_pem(&pem, "https://blog.example/actor#main-key".into())?;
    let public =
        PublicKey::from_pem(&rsa::RsaPublicKey::from(&key).to_public_key_pem(LineEnding::LF)?)
            .ok_or_else(|| anyhow::anyhow!("public key"))?;
    // A post's Create is a few kB; its digests are computed once per activity, not per inbox.
    let body = vec![b'x'; 4096];
    let digests = BodyDigests::of(&body);
    let inbox = Url::parse("https://social.example/inbox")?;
    for scheme in [Scheme::Cavage, Scheme::Rfc9421] {
        // Warm up, then measure.
        for _ in 0..50 {
            signer.sign_post(scheme, &inbox, &digests, "application/activity+json")?;
        }
        let start = Instant::now();
        for _ in 0..signs {
            signer.sign_post(scheme, &inbox, &digests, "application/activity+json")?;
        }
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{{\"scheme\":\"{}\",\"signs\":{signs},\"signs_per_second\":{:.0},\"micros_per_sign\":{:.1}}}",
            scheme.name(),
            f64::from(signs) / seconds,
            seconds * 1e6 / f64::from(signs)
        );
        verify(scheme, &signer, &public, &inbox, &body, &digests, signs)?;
    }
    Ok(())
}

/// Verifies one signed request `verifies` times, with its key read before (as the inbox does
/// with `caches::ParsedKeys`): the RSA check, not the parsing of headers.
fn verify(
    scheme: Scheme,
    signer: &Signer,
    public: &PublicKey,
    inbox: &Url,
    body: &[u8],
    digests: &BodyDigests,
    verifies: u32,
) -> anyhow::Result<()> {
    let signed = signer.sign_post(scheme, inbox, digests, "application/activity+json")?;
    let mut headers = HeaderMap::new();
    for (name, value) in signed.headers.iter().map(|(n, v)| (*n, v.as_str())).chain([
        ("host", signed.host.as_str()),
        ("content-type", "application/activity+json"),
    ]) {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_str(value)?);
    }
    let request = RequestParts {
        method: &Method::POST,
        path_and_query: inbox.path(),
        headers: &headers,
        body,
        scheme: inbox.scheme(),
        default_host: &signed.host,
    };
    let signature = Signature::parse(&request, chrono::Utc::now())?;
    for _ in 0..50 {
        signature.verify_with(public)?;
    }
    let start = Instant::now();
    for _ in 0..verifies {
        signature.verify_with(public)?;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"scheme\":\"{}\",\"verifies\":{verifies},\"verifies_per_second\":{:.0},\"micros_per_verify\":{:.1}}}",
        scheme.name(),
        f64::from(verifies) / seconds,
        seconds * 1e6 / f64::from(verifies)
    );
    Ok(())
}
