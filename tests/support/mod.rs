//! The test harness, one module for every test binary (`mod support;`).
//!
//! Start a blog with the `Blog` builder, the only way to start one:
//! `Blog::new("name").start().await` serves it in this process (an `Instance`: its state,
//! clock and queues at hand); `.configure(|c| c.blog.lang = "de".into())` changes the test
//! configuration first; `.process().await` runs the real `feder serve` instead (a `Feder`, with
//! its CLI), for kill -9 and the interop peers. A restart or a second node names the directory,
//! database and port of the first: `.dir(&dir).database(&url).port(port)`.
//!
//! - `blog`: `Blog`, `Instance`, `Feder`, `Child`, the CLI against a blog, publishing, seeding.
//! - `remote`: `Peer`, a Mastodon-like remote account that signs and records what it receives;
//!   replies, likes and follows sent as it.
//! - `peers`: the independent interop peers (Fedify, bovine) as processes.
//! - `admin`: `Browser`, the owner's session at /admin, forms and uploads.
//! - `pages`: HTTP getters, HTML, XML, JSON-LD and JSON read from a blog; web comments.
//! - `chromium`: headless Chromium over WebDriver, for the browser tests.
//! - `wait`: `eventually`, and `settled` (nothing pending in a blog's queues).

// Each test binary uses its own part of the harness; a failed expect is a failed test.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

pub mod admin;
pub mod blog;
pub mod chromium;
pub mod pages;
pub mod peers;
pub mod remote;
pub mod wait;

pub use admin::*;
pub use blog::*;
pub use chromium::*;
pub use pages::*;
pub use peers::*;
pub use remote::*;
pub use wait::*;

/// Installs the crypto provider and a test log (once per test binary; later calls do nothing).
pub fn init() {
    feder::install_crypto();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,feder=info".into()),
        )
        .with_test_writer()
        .try_init();
}

/// The last `lines` lines of `text` (of a log shown when a test failed).
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
