//! Verifying HTTP signatures on requests to our inbox: draft-cavage (`Signature`, as Mastodon,
//! Pleroma, bovine and most servers send it) and RFC 9421 HTTP Message Signatures
//! (`Signature-Input` + `Signature`, as Fedify sends first and Mastodon 4.5+ accepts).
//!
//! Parsing and checking the request (which headers are covered, the body digest, the time
//! window) happens before any key is fetched; the RSA check itself needs the signer's key.

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method};
use ring::signature::{
    RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY as RING_SHA256,
    RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY as RING_SHA512, RsaPublicKeyComponents,
};
use rsa::{
    Pkcs1v15Sign, RsaPublicKey, pkcs1::DecodeRsaPublicKey, pkcs8::DecodePublicKey,
    traits::PublicKeyParts,
};
use sfv::{BareItem, Dictionary, FieldType, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha512};

/// How old a signature may be, and how far in the future: an hour either way, as Fedify
/// allows (Mastodon takes 12 hours back, which leaves a captured request replayable for long).
/// The replay cache (`federation::replay`) remembers ids for this long.
pub const WINDOW_SECONDS: i64 = 3600;
const MAX_AGE_SECONDS: i64 = WINDOW_SECONDS;
const MAX_SKEW_SECONDS: i64 = WINDOW_SECONDS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Cavage,
    Rfc9421,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Cavage => "draft-cavage",
            Scheme::Rfc9421 => "rfc9421",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("request is not signed")]
    Missing,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("signature does not cover {0}")]
    Incomplete(&'static str),
    #[error("body digest does not match the body")]
    DigestMismatch,
    #[error("signature is expired or not yet valid")]
    Expired,
    #[error("signature algorithm {0:?} is not supported")]
    Algorithm(String),
    #[error("signature does not verify with the key of {0}")]
    Invalid(String),
}

impl SignatureError {
    /// A digest that does not match its body is a malformed request (400); everything else
    /// means we cannot trust who sent it (401).
    pub fn is_bad_request(&self) -> bool {
        matches!(self, SignatureError::DigestMismatch)
    }
}

/// What is needed of the request: its method, path with query, headers and body.
pub struct RequestParts<'a> {
    pub method: &'a Method,
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `http` or `https`, as the client reached us (for `@target-uri`).
    pub scheme: &'a str,
    /// Our host, used when a proxy dropped the `Host` header.
    pub default_host: &'a str,
}

/// A parsed, pre-checked signature: what remains is to verify it with the key of `key_id`.
#[derive(Debug, Clone)]
pub struct Signature {
    pub scheme: Scheme,
    pub key_id: String,
    signature: Vec<u8>,
    signing_string: String,
    algorithm: Algorithm,
}

#[derive(Debug, Clone, Copy)]
enum Algorithm {
    RsaSha256,
    RsaSha512,
}

impl Signature {
    /// Reads the signature of a request (RFC 9421 when present, else cavage) and checks all
    /// that can be checked without the key.
    pub fn parse(req: &RequestParts<'_>, now: DateTime<Utc>) -> Result<Signature, SignatureError> {
        if req.headers.contains_key("signature-input") {
            parse_rfc9421(req, now)
        } else {
            parse_cavage(req, now)
        }
    }

    /// Checks the signature with a PEM public key (SPKI, or PKCS#1 as some servers publish).
    pub fn verify(&self, public_key_pem: &str) -> Result<(), SignatureError> {
        let key = PublicKey::from_pem(public_key_pem)
            .ok_or_else(|| SignatureError::Invalid(self.key_id.clone()))?;
        self.verify_with(&key)
    }

    /// Checks the signature with a key read before (`PublicKey::from_pem`).
    pub fn verify_with(&self, key: &PublicKey) -> Result<(), SignatureError> {
        let message = self.signing_string.as_bytes();
        let result = match (&key.0, self.algorithm) {
            (Verifier::Ring(key), Algorithm::RsaSha256) => key
                .verify(&RING_SHA256, message, &self.signature)
                .map_err(drop),
            (Verifier::Ring(key), Algorithm::RsaSha512) => key
                .verify(&RING_SHA512, message, &self.signature)
                .map_err(drop),
            (Verifier::Short(key), Algorithm::RsaSha256) => key
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(message),
                    &self.signature,
                )
                .map_err(drop),
            (Verifier::Short(key), Algorithm::RsaSha512) => key
                .verify(
                    Pkcs1v15Sign::new::<Sha512>(),
                    &Sha512::digest(message),
                    &self.signature,
                )
                .map_err(drop),
        };
        result.map_err(|()| SignatureError::Invalid(self.key_id.clone()))
    }
}

/// A public key read from its PEM text (base64, then DER), kept by the inbox
/// (`caches::ParsedKeys`) rather than read again on every request.
#[derive(Debug)]
pub struct PublicKey(Verifier);

/// Who checks signatures made with a key. ring, which signs our deliveries, checks an RSA
/// signature of a 2048-bit key in a fraction of the time the pure-Rust `rsa` crate takes
/// (`examples/bench_signing.rs`), which was a quarter of all the inbox's work. ring takes keys
/// of 1024 bits and more (with its "legacy" parameters: Mastodon makes 2048-bit keys, as most
/// servers do) with an odd modulus and exponent; the rest of what was accepted before (shorter
/// keys, which Mastodon's OpenSSL checks too) stays with the `rsa` crate. Keys over 4096 bits
/// are refused when the PEM is read, as before.
#[derive(Debug)]
enum Verifier {
    Ring(RsaPublicKeyComponents<Vec<u8>>),
    Short(RsaPublicKey),
}

/// The shortest modulus ring's parameters take.
const RING_MIN_BITS: usize = 1024;

impl PublicKey {
    /// Reads SPKI (`BEGIN PUBLIC KEY`), or PKCS#1 as some servers publish; `None` for anything
    /// else.
    pub fn from_pem(pem: &str) -> Option<PublicKey> {
        let key = RsaPublicKey::from_public_key_pem(pem.trim())
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
            .ok()?;
        let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
        let odd = |bytes: &[u8]| bytes.last().is_some_and(|b| b & 1 == 1);
        Some(PublicKey(
            if key.n().bits() >= RING_MIN_BITS && odd(&n) && odd(&e) {
                Verifier::Ring(RsaPublicKeyComponents { n, e })
            } else {
                Verifier::Short(key)
            },
        ))
    }
}

fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn check_window(
    created: Option<i64>,
    expires: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let now = now.timestamp();
    if let Some(created) = created
        && (created > now + MAX_SKEW_SECONDS || created < now - MAX_AGE_SECONDS)
    {
        return Err(SignatureError::Expired);
    }
    // A signature that names its end is over at that end: a captured request cannot be sent
    // again after it (Mastodon allows an hour of clock skew past it; Fedify and the cavage
    // draft none).
    if let Some(expires) = expires
        && expires < now
    {
        return Err(SignatureError::Expired);
    }
    Ok(())
}

fn check_date_header(headers: &HeaderMap, now: DateTime<Utc>) -> Result<(), SignatureError> {
    let date = header_value(headers, "date").ok_or(SignatureError::Incomplete("date"))?;
    let date = httpdate::parse_http_date(&date)
        .map_err(|_| SignatureError::Malformed("Date header is not an HTTP date".into()))?;
    let date: DateTime<Utc> = date.into();
    check_window(Some(date.timestamp()), None, now)
}

/// `Digest: SHA-256=<base64>` (any case, maybe among other algorithms).
fn check_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let header = header_value(headers, "digest").ok_or(SignatureError::Incomplete("digest"))?;
    let expected = Sha256::digest(body);
    for part in header.split(',') {
        if let Some((alg, value)) = part.trim().split_once('=')
            && alg.eq_ignore_ascii_case("sha-256")
        {
            let given = BASE64
                .decode(value.trim())
                .map_err(|_| SignatureError::Malformed("Digest is not base64".into()))?;
            return if given.as_slice() == expected.as_slice() {
                Ok(())
            } else {
                Err(SignatureError::DigestMismatch)
            };
        }
    }
    Err(SignatureError::Malformed(
        "Digest has no SHA-256 value".into(),
    ))
}

/// `Content-Digest: sha-256=:<base64>:` (RFC 9530).
fn check_content_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let header = header_value(headers, "content-digest")
        .ok_or(SignatureError::Incomplete("content-digest"))?;
    let dict: Dictionary = Parser::new(&header)
        .parse()
        .map_err(|e| SignatureError::Malformed(format!("Content-Digest: {e}")))?;
    let mut checked = false;
    for (alg, entry) in &dict {
        let ListEntry::Item(item) = entry else {
            continue;
        };
        let Some(given) = item.bare_item.as_byte_sequence() else {
            continue;
        };
        let matches = match alg.as_str() {
            "sha-256" => given == Sha256::digest(body).as_slice(),
            "sha-512" => given == Sha512::digest(body).as_slice(),
            _ => continue,
        };
        if !matches {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::Malformed(
            "Content-Digest has no sha-256 or sha-512".into(),
        ))
    }
}

/// Splits `keyId="a",headers="b c",signature="…",created=123` into pairs, honouring quotes.
fn cavage_params(header: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let mut params = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| SignatureError::Malformed("expected name=value".into()))?;
        let name = name
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| SignatureError::Malformed("unterminated quote".into()))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        params.push((name, value.to_string()));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    Ok(params)
}

fn parse_cavage(req: &RequestParts<'_>, now: DateTime<Utc>) -> Result<Signature, SignatureError> {
    let raw = header_value(req.headers, "signature")
        .or_else(|| {
            header_value(req.headers, "authorization")
                .and_then(|a| a.strip_prefix("Signature ").map(str::to_string))
        })
        .ok_or(SignatureError::Missing)?;
    let params = cavage_params(&raw)?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let key_id = get("keyid").ok_or_else(|| SignatureError::Malformed("no keyId".into()))?;
    let signature = BASE64
        .decode(get("signature").ok_or_else(|| SignatureError::Malformed("no signature".into()))?)
        .map_err(|_| SignatureError::Malformed("signature is not base64".into()))?;
    let algorithm = match get("algorithm").map(str::to_ascii_lowercase).as_deref() {
        None | Some("hs2019") | Some("rsa-sha256") => Algorithm::RsaSha256,
        Some("rsa-sha512") => Algorithm::RsaSha512,
        Some(other) => return Err(SignatureError::Algorithm(other.to_string())),
    };
    let parse_time = |name: &str| -> Result<Option<i64>, SignatureError> {
        get(name)
            .map(|v| {
                // Some servers write fractional seconds: the integer part is what counts.
                v.split('.')
                    .next()
                    .unwrap_or(v)
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed(format!("({name}) is not a number")))
            })
            .transpose()
    };
    let created = parse_time("created")?;
    let expires = parse_time("expires")?;
    let headers: Vec<String> = get("headers")
        .unwrap_or("date")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let covers = |h: &str| headers.iter().any(|x| x == h);

    // What binds the signature to this request: its method and path, and our host (else a
    // request signed for another server could be replayed here).
    for needed in ["(request-target)", "host"] {
        if !covers(needed) {
            return Err(SignatureError::Incomplete(needed));
        }
    }
    if covers("date") {
        check_date_header(req.headers, now)?;
    } else if covers("(created)") {
        check_window(created, None, now)?;
    } else {
        return Err(SignatureError::Incomplete("date"));
    }
    check_window(None, expires, now)?;
    if req.method == Method::POST {
        if !covers("digest") {
            return Err(SignatureError::Incomplete("digest"));
        }
        check_digest(req.headers, req.body)?;
    }

    let mut lines = Vec::with_capacity(headers.len());
    for name in &headers {
        let value = match name.as_str() {
            "(request-target)" => format!(
                "{} {}",
                req.method.as_str().to_ascii_lowercase(),
                req.path_and_query
            ),
            "(created)" => created
                .ok_or(SignatureError::Incomplete("(created)"))?
                .to_string(),
            "(expires)" => expires
                .ok_or(SignatureError::Incomplete("(expires)"))?
                .to_string(),
            "host" => header_value(req.headers, "host").unwrap_or_else(|| req.default_host.into()),
            other => header_value(req.headers, other).ok_or_else(|| {
                SignatureError::Malformed(format!("signed header {other} is missing"))
            })?,
        };
        lines.push(format!("{name}: {value}"));
    }
    Ok(Signature {
        scheme: Scheme::Cavage,
        key_id: key_id.to_string(),
        signature,
        signing_string: lines.join("\n"),
        algorithm,
    })
}

/// The value of one covered component of an RFC 9421 signature base.
fn component(req: &RequestParts<'_>, name: &str) -> Result<String, SignatureError> {
    let host = header_value(req.headers, "host").unwrap_or_else(|| req.default_host.into());
    let (path, query) = match req.path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (req.path_and_query, None),
    };
    Ok(match name {
        "@method" => req.method.as_str().to_string(),
        "@target-uri" => format!("{}://{}{}", req.scheme, host, req.path_and_query),
        "@authority" => host.to_ascii_lowercase(),
        "@scheme" => req.scheme.to_string(),
        "@request-target" => req.path_and_query.to_string(),
        "@path" => path.to_string(),
        "@query" => format!("?{}", query.unwrap_or_default()),
        other if other.starts_with('@') => {
            return Err(SignatureError::Malformed(format!(
                "component {other} is not supported"
            )));
        }
        header => header_value(req.headers, header).ok_or_else(|| {
            SignatureError::Malformed(format!("signed header {header} is missing"))
        })?,
    })
}

fn parse_rfc9421(req: &RequestParts<'_>, now: DateTime<Utc>) -> Result<Signature, SignatureError> {
    let malformed = |what: &str| SignatureError::Malformed(what.to_string());
    let inputs: Dictionary =
        Parser::new(&header_value(req.headers, "signature-input").unwrap_or_default())
            .parse()
            .map_err(|e| SignatureError::Malformed(format!("Signature-Input: {e}")))?;
    let signatures: Dictionary =
        Parser::new(&header_value(req.headers, "signature").ok_or(SignatureError::Missing)?)
            .parse()
            .map_err(|e| SignatureError::Malformed(format!("Signature: {e}")))?;

    // The first label present in both headers is the one we check.
    let (label, input, signature) = inputs
        .iter()
        .find_map(|(label, entry)| {
            let ListEntry::InnerList(input) = entry else {
                return None;
            };
            let Some(ListEntry::Item(sig)) = signatures.get(label) else {
                return None;
            };
            Some((label, input, sig.bare_item.as_byte_sequence()?.to_vec()))
        })
        .ok_or_else(|| malformed("no signature label in both Signature-Input and Signature"))?;

    let param = |name: &str| {
        input
            .params
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    };
    let key_id = param("keyid")
        .and_then(BareItem::as_string)
        .ok_or_else(|| malformed("no keyid"))?
        .as_str()
        .to_string();
    let algorithm = match param("alg")
        .and_then(BareItem::as_string)
        .map(|s| s.as_str())
    {
        None | Some("rsa-v1_5-sha256") => Algorithm::RsaSha256,
        Some(other) => return Err(SignatureError::Algorithm(other.to_string())),
    };
    let int_param = |name: &str| param(name).and_then(BareItem::as_integer).map(i64::from);
    let created = int_param("created").ok_or(SignatureError::Incomplete("created"))?;
    check_window(Some(created), int_param("expires"), now)?;

    let mut lines = Vec::with_capacity(input.items.len() + 1);
    let mut covered = Vec::with_capacity(input.items.len());
    for item in &input.items {
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| malformed("component name is not a string"))?
            .as_str();
        if !item.params.is_empty() {
            return Err(SignatureError::Malformed(format!(
                "component parameters on {name} are not supported"
            )));
        }
        let value = component(req, name)?;
        covered.push(name);
        lines.push(format!("{}: {value}", item.serialize()));
    }
    let covers = |c: &str| covered.contains(&c);
    if !covers("@method") {
        return Err(SignatureError::Incomplete("@method"));
    }
    // The path and our host: `@target-uri` has both.
    if !(covers("@target-uri")
        || covers("@authority") && (covers("@path") || covers("@request-target")))
    {
        return Err(SignatureError::Incomplete("@target-uri"));
    }
    if req.method == Method::POST {
        if !covers("content-digest") {
            return Err(SignatureError::Incomplete("content-digest"));
        }
        check_content_digest(req.headers, req.body)?;
    }
    let params = vec![ListEntry::InnerList(input.clone())]
        .serialize()
        .ok_or_else(|| malformed("cannot serialize signature parameters"))?;
    lines.push(format!("\"@signature-params\": {params}"));
    tracing::trace!(%label, "RFC 9421 signature base built");
    Ok(Signature {
        scheme: Scheme::Rfc9421,
        key_id,
        signature,
        signing_string: lines.join("\n"),
        algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use rsa::{RsaPrivateKey, pkcs8::EncodePublicKey};

    fn key() -> (RsaPrivateKey, String) {
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap_or_else(|e| panic!("{e}"));
        let public = RsaPublicKey::from(&private)
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        (private, public)
    }

    fn sign(private: &RsaPrivateKey, text: &str) -> String {
        BASE64.encode(
            private
                .sign(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(text.as_bytes()),
                )
                .unwrap_or_else(|e| panic!("{e}")),
        )
    }

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                *k,
                HeaderValue::from_str(v).unwrap_or_else(|e| panic!("{e}")),
            );
        }
        map
    }

    #[test]
    fn cavage_lowercase_digest_any_order() {
        let (private, public) = key();
        let body = br#"{"type":"Follow"}"#;
        let now = Utc::now();
        let date = httpdate::fmt_http_date(now.into());
        let digest = format!("sha-256={}", BASE64.encode(Sha256::digest(body)));
        let text = format!(
            "host: blog.test\ndate: {date}\ndigest: {digest}\n(request-target): post /inbox"
        );
        let sig = format!(
            r#"keyId="https://peer.test/u#main-key",algorithm="rsa-sha256",headers="host date digest (request-target)",signature="{}""#,
            sign(&private, &text)
        );
        let map = headers(&[
            ("host", "blog.test".into()),
            ("date", date),
            ("digest", digest),
            ("signature", sig),
        ]);
        let req = RequestParts {
            method: &Method::POST,
            path_and_query: "/inbox",
            headers: &map,
            body,
            scheme: "https",
            default_host: "blog.test",
        };
        let parsed = Signature::parse(&req, now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.scheme, Scheme::Cavage);
        assert!(parsed.verify(&public).is_ok());
        let (_, other_public) = key();
        assert!(parsed.verify(&other_public).is_err());

        let tampered = RequestParts {
            body: br#"{"type":"Undo"}"#,
            ..req
        };
        assert_eq!(
            Signature::parse(&tampered, now).err(),
            Some(SignatureError::DigestMismatch)
        );
        let later = now + chrono::Duration::hours(13);
        assert_eq!(
            Signature::parse(&req, later).err(),
            Some(SignatureError::Expired)
        );
        let later = now + chrono::Duration::minutes(61);
        assert_eq!(
            Signature::parse(&req, later).err(),
            Some(SignatureError::Expired),
            "an hour is the window"
        );
    }

    /// Every key read before is still taken: 2048 and 1024 bits by ring, 768 by the `rsa`
    /// crate, in SPKI and PKCS#1 PEM, with SHA-256 and SHA-512; another key, or another text,
    /// does not verify.
    #[test]
    fn keys_of_each_size_and_form_verify_with_either_hash() {
        use rsa::pkcs1::EncodeRsaPublicKey;
        for bits in [2048, 1024, 768] {
            let private =
                RsaPrivateKey::new(&mut rand::thread_rng(), bits).unwrap_or_else(|e| panic!("{e}"));
            let public = RsaPublicKey::from(&private);
            let pems = [
                public
                    .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
                    .unwrap_or_else(|e| panic!("{e}")),
                public
                    .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
                    .unwrap_or_else(|e| panic!("{e}")),
            ];
            let (_, other) = key();
            let other = PublicKey::from_pem(&other).unwrap_or_else(|| panic!("a key"));
            for pem in &pems {
                let key = PublicKey::from_pem(pem).unwrap_or_else(|| panic!("{bits}: a key"));
                assert_eq!(
                    matches!(key.0, Verifier::Ring(_)),
                    bits >= 1024,
                    "{bits} bits"
                );
                for algorithm in [Algorithm::RsaSha256, Algorithm::RsaSha512] {
                    let text = "(request-target): post /inbox\nhost: blog.test";
                    let signature = match algorithm {
                        Algorithm::RsaSha256 => private.sign(
                            Pkcs1v15Sign::new::<Sha256>(),
                            &Sha256::digest(text.as_bytes()),
                        ),
                        Algorithm::RsaSha512 => private.sign(
                            Pkcs1v15Sign::new::<Sha512>(),
                            &Sha512::digest(text.as_bytes()),
                        ),
                    }
                    .unwrap_or_else(|e| panic!("{e}"));
                    let signed = |text: &str| Signature {
                        scheme: Scheme::Cavage,
                        key_id: "https://peer.test/u#main-key".into(),
                        signature: signature.clone(),
                        signing_string: text.into(),
                        algorithm,
                    };
                    assert!(
                        signed(text).verify_with(&key).is_ok(),
                        "{bits} bits, {algorithm:?}"
                    );
                    assert!(signed(text).verify_with(&other).is_err());
                    assert!(signed("host: elsewhere.test").verify_with(&key).is_err());
                }
            }
        }
        assert!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .is_none()
        );
    }

    #[test]
    fn rfc9421_round_trip() {
        let (private, public) = key();
        let body = br#"{"type":"Create"}"#;
        let now = Utc::now();
        let digest = format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)));
        let params = format!(
            r#"("@method" "@target-uri" "@authority" "content-digest");alg="rsa-v1_5-sha256";keyid="https://peer.test/u#main-key";created={}"#,
            now.timestamp()
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": https://blog.test/inbox\n\"@authority\": blog.test\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let map = headers(&[
            ("host", "blog.test".into()),
            ("content-digest", digest),
            ("signature-input", format!("sig1={params}")),
            ("signature", format!("sig1=:{}:", sign(&private, &base))),
        ]);
        let req = RequestParts {
            method: &Method::POST,
            path_and_query: "/inbox",
            headers: &map,
            body,
            scheme: "https",
            default_host: "blog.test",
        };
        let parsed = Signature::parse(&req, now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.scheme, Scheme::Rfc9421);
        assert_eq!(parsed.key_id, "https://peer.test/u#main-key");
        assert!(parsed.verify(&public).is_ok());
        let tampered = RequestParts { body: b"{}", ..req };
        assert_eq!(
            Signature::parse(&tampered, now).err(),
            Some(SignatureError::DigestMismatch)
        );
    }

    #[test]
    fn an_expires_in_the_past_is_refused() {
        let (private, public) = key();
        let body = br#"{"type":"Like"}"#;
        let now = Utc::now();
        let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(body)));
        let signed = |created: i64, expires: i64| {
            let text = format!(
                "(request-target): post /inbox\nhost: blog.test\n(created): {created}\n(expires): {expires}\ndigest: {digest}"
            );
            let sig = format!(
                r#"keyId="https://peer.test/u#main-key",algorithm="hs2019",created={created},expires={expires},headers="(request-target) host (created) (expires) digest",signature="{}""#,
                sign(&private, &text)
            );
            headers(&[
                ("host", "blog.test".into()),
                ("digest", digest.clone()),
                ("signature", sig),
            ])
        };
        let parse = |map: &HeaderMap| {
            Signature::parse(
                &RequestParts {
                    method: &Method::POST,
                    path_and_query: "/inbox",
                    headers: map,
                    body,
                    scheme: "https",
                    default_host: "blog.test",
                },
                now,
            )
        };
        let t = now.timestamp();
        let valid = parse(&signed(t - 60, t + 240)).unwrap_or_else(|e| panic!("{e}"));
        assert!(valid.verify(&public).is_ok());
        assert_eq!(
            parse(&signed(t - 2400, t - 1800)).err(),
            Some(SignatureError::Expired),
            "expired half an hour ago"
        );
        assert_eq!(
            parse(&signed(t - 300, t - 1)).err(),
            Some(SignatureError::Expired)
        );
    }

    #[test]
    fn unsigned_and_incomplete() {
        let map = HeaderMap::new();
        let req = RequestParts {
            method: &Method::POST,
            path_and_query: "/inbox",
            headers: &map,
            body: b"{}",
            scheme: "https",
            default_host: "blog.test",
        };
        assert_eq!(
            Signature::parse(&req, Utc::now()).err(),
            Some(SignatureError::Missing)
        );
        let map = headers(&[(
            "signature",
            r#"keyId="k",headers="(request-target) host",signature="AAAA""#.into(),
        )]);
        let req = RequestParts {
            headers: &map,
            ..req
        };
        assert!(matches!(
            Signature::parse(&req, Utc::now()),
            Err(SignatureError::Incomplete(_))
        ));
    }
}

/// Properties of the parser every inbox POST reaches before any key is fetched: whatever the
/// headers say, it answers (an error or a signature) without panicking, quickly, and what it
/// accepts from an honest signer verifies.
#[cfg(test)]
mod properties {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;
    use rsa::{RsaPrivateKey, pkcs8::EncodePublicKey};
    use std::{sync::LazyLock, time::Instant};

    static KEY: LazyLock<(RsaPrivateKey, String)> = LazyLock::new(|| {
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap_or_else(|e| panic!("{e}"));
        let public = RsaPublicKey::from(&private)
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap_or_else(|e| panic!("{e}"));
        (private, public)
    });

    /// Header values as peers and attackers write them: fragments of real signatures glued
    /// together, and arbitrary printable text.
    fn header_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("keyId=".to_string()),
            Just("headers=\"(request-target) host date digest\"".to_string()),
            Just("headers=\"(created) (expires)\"".to_string()),
            Just("algorithm=hs2019".to_string()),
            Just("created=".to_string()),
            Just("expires=".to_string()),
            Just("signature=".to_string()),
            Just("sig1=(\"@method\" \"@target-uri\" \"content-digest\")".to_string()),
            Just(";created=".to_string()),
            Just(";keyid=\"k\"".to_string()),
            Just("sig1=:AAAA:".to_string()),
            Just("sha-256=".to_string()),
            Just("sha-256=:".to_string()),
            Just("\"".to_string()),
            Just(",".to_string()),
            Just("=".to_string()),
            (-9_999_999_999_999_i64..9_999_999_999_999).prop_map(|n| n.to_string()),
            "[ -~]{0,12}",
        ];
        prop::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
    }

    fn header_map(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.append(*name, value);
            }
        }
        map
    }

    proptest! {
        #[test]
        fn any_headers_are_answered_without_panic(
            signature in header_text(),
            input in header_text(),
            digest in header_text(),
            date in header_text(),
            with_input in any::<bool>(),
            post in any::<bool>(),
            path in "/[ -~]{0,20}",
            body in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut pairs = vec![
                ("signature", signature.clone()),
                ("digest", digest.clone()),
                ("content-digest", digest),
                ("date", date),
                ("host", "blog.test".to_string()),
                ("authorization", format!("Signature {signature}")),
            ];
            if with_input {
                pairs.push(("signature-input", input));
            }
            let map = header_map(&pairs);
            let method = if post { Method::POST } else { Method::GET };
            let req = RequestParts {
                method: &method,
                path_and_query: &path,
                headers: &map,
                body: &body,
                scheme: "https",
                default_host: "blog.test",
            };
            let started = Instant::now();
            let _ = Signature::parse(&req, Utc::now());
            prop_assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }

        #[test]
        fn an_honest_cavage_signature_round_trips(
            path in "/[a-zA-Z0-9/_.~-]{0,30}(\\?[a-z0-9=&]{0,10})?",
            body in prop::collection::vec(any::<u8>(), 0..256),
            host in "[a-z]{1,10}\\.test",
        ) {
            let (private, public) = &*KEY;
            let now = Utc::now();
            let date = httpdate::fmt_http_date(now.into());
            let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(&body)));
            let text = format!(
                "(request-target): post {path}\nhost: {host}\ndate: {date}\ndigest: {digest}"
            );
            let signed = private
                .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(text.as_bytes()))
                .unwrap_or_else(|e| panic!("{e}"));
            let signature = format!(
                r#"keyId="https://{host}/actor#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="{}""#,
                BASE64.encode(signed)
            );
            let map = header_map(&[
                ("host", host.clone()),
                ("date", date),
                ("digest", digest),
                ("signature", signature),
            ]);
            let req = RequestParts {
                method: &Method::POST,
                path_and_query: &path,
                headers: &map,
                body: &body,
                scheme: "https",
                default_host: "blog.test",
            };
            let parsed = Signature::parse(&req, now);
            prop_assert!(parsed.is_ok(), "{parsed:?}");
            let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(&parsed.signing_string, &text);
            prop_assert!(parsed.verify(public).is_ok());
        }
    }
}
