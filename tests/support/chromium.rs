//! Headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`, through
//! the `fantoccini` crate) for the browser tests: finding and starting them, logging in
//! through the form, reading the page, screenshots, and what sticks out of a phone's window.

use super::{PASSWORD, eventually, free_port};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::{path::PathBuf, process::Stdio};

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |b| dir.join(b)))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free loopback port, ended with the test.
pub async fn start_driver(driver: &PathBuf) -> (tokio::process::Child, String) {
    let port = free_port();
    let child = tokio::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let status = format!("{url}/status");
    eventually("chromedriver answers", 30, || async {
        reqwest::get(&status)
            .await
            .ok()
            .filter(|r| r.status().is_success())
    })
    .await;
    (child, url)
}

pub async fn connect(driver: &str, browser: &PathBuf, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": browser,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-extensions",
                     "--window-size=1280,900", format!("--user-data-dir={}", profile.display())],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("WebDriver session")
}

/// Saves the current page at desktop and phone width.
pub async fn screenshots(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    for (width, height, label) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        client.set_window_size(width, height).await.expect("resize");
        let png = client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(dir.join(format!("admin-{name}-{label}.png")), png).expect("write");
    }
    client.set_window_size(1280, 900).await.expect("resize");
}

/// Text of the first element matching `css`.
pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// The CSP violations the page reported (a listener installed by the test, not the page).
pub async fn watch_csp(client: &Client) {
    client
        .execute(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
            vec![],
        )
        .await
        .expect("listener");
}

/// Chromium and chromedriver from `PATH`; none (the test is skipped) without them, except
/// under `CI=true`.
pub fn chromium() -> Option<(PathBuf, PathBuf)> {
    let (Some(browser), Some(driver)) = (
        find(&["chromium", "chromium-browser", "google-chrome"]),
        find(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no chromium + chromedriver: install Debian's chromium and chromium-driver"
        );
        eprintln!(
            "skipped: no chromium and chromedriver in PATH (apt-get install -y chromium chromium-driver)"
        );
        return None;
    };
    Some((browser, driver))
}

/// Logs `user` in through the form at `base`.
pub async fn log_in(client: &Client, base: &str, user: &str) {
    client.goto(&format!("{base}/admin/login")).await.unwrap();
    let form = client.form(Locator::Css("form")).await.unwrap();
    form.set_by_name("username", user).await.unwrap();
    form.set_by_name("password", PASSWORD).await.unwrap();
    form.submit().await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("header.admin"))
        .await
        .expect("logged in");
}

/// Whether the page is no wider than the window (nothing to scroll sideways).
pub async fn fits(client: &Client) -> bool {
    let widths = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    widths[0].as_u64() <= widths[1].as_u64()
}

/// What sticks out of the window: the page's scroll width if it is wider than the window, and
/// every shown element whose box leaves the window sideways (cut off or scrolled to), unless a
/// box of its own scrolls it (a code block, the preview).
pub async fn outside_the_window(client: &Client) -> (u64, Vec<String>) {
    let found = client
        .execute(
            r#"
            const width = window.innerWidth;
            const out = [];
            if (document.documentElement.scrollWidth > width) {
                out.push('scrollWidth ' + document.documentElement.scrollWidth);
            }
            const scrolls = e => {
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    const o = getComputedStyle(p).overflowX;
                    if (o === 'auto' || o === 'scroll') return true;
                }
                return false;
            };
            for (const e of document.querySelectorAll('body *')) {
                const r = e.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) continue;
                if (getComputedStyle(e).visibility === 'hidden') continue;
                if ((r.right > width + 1 || r.left < -1) && !scrolls(e)) {
                    out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                        + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
                }
            }
            return [width, out.slice(0, 8)];
            "#,
            vec![],
        )
        .await
        .expect("widths");
    let width = found[0].as_u64().expect("width");
    let out = found[1]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    (width, out)
}
