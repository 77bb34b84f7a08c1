//! Benchmark of signing one delivery, in each scheme, on one core: what a fan-out pays per
//! inbox before any I/O. Prints one JSON line per scheme (signs per second, microseconds per
//! sign); `scripts/bench-signing.sh` puts it next to `openssl speed rsa2048`.
//!
//! `cargo run --release --example bench_signing -- 3000`
//! Not part of the server.

use feder::federation::{
    signatures::Scheme,
    signing::{BodyDigests, Signer},
};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
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
    }
    Ok(())
}
