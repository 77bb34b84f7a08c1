//! Headers every answer carries: a strict Content Security Policy (no inline or foreign
//! scripts and styles, no framing), `nosniff`, and a referrer policy. Post bodies are
//! sanitized too; the policy is what holds if something slips through, on an origin that
//! /admin shares.

use axum::{
    http::{HeaderName, HeaderValue, header},
    response::Response,
};

/// Scripts and styles only from the blog itself (the admin editor's script and stylesheet are
/// files; public pages have none, and their only `<script>` is a JSON-LD data block); images
/// and media from anywhere (avatars and attachments of remote commenters, images and video in
/// posts). No frames: the post allowlist (`render::sanitize::post_html`) keeps no `iframe`,
/// WordPress embeds become links. No `form-action`: the follow and reply forms redirect
/// readers to their own servers.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src * data:; media-src *; frame-src 'none'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

pub async fn headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        let name: HeaderName = name;
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
