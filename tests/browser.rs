//! The pages in a real browser: headless Chromium loads the home page and a post with
//! comments, the test reads the DOM Chromium built and its console, and screenshots go to
//! `target/screenshots/` for a person to look at.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it). Without it the
//! test says so and passes, except under `CI=true`, where a missing browser fails.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use support::{Blog, Peer, like, publish, reply, texts};

fn chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|b| dir.join(b)))
        .find(|candidate| candidate.is_file())
}

/// What Chromium printed: the DOM (with `--dump-dom`) and its log.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `url` with a fresh profile and the extra `args`.
async fn run(browser: &Path, url: &str, args: &[String]) -> Run {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut command = tokio::process::Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("Chromium finished within 90 s")
        .expect("Chromium ran");
    assert!(
        output.status.success(),
        "Chromium failed: {:?}",
        output.status
    );
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Console messages (errors, failed loads, CSP reports) about `origin`. The pages run no
/// script, so any message at all is a fault.
fn console_messages(log: &str, origin: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .filter(|l| l.contains(origin))
        .map(str::to_string)
        .collect()
}

/// Chromium's screenshot of `url` (with `args`, a window size say) at `path`, for a person to
/// look at; a missing or nearly empty picture fails the test.
async fn screenshot(browser: &Path, path: &Path, url: &str, mut args: Vec<String>) {
    let _ = std::fs::remove_file(path);
    args.push(format!("--screenshot={}", path.display()));
    args.push("--hide-scrollbars".into());
    let shot = run(browser, url, &args).await;
    let size = std::fs::metadata(path)
        .unwrap_or_else(|_| panic!("no screenshot {}: {}", path.display(), shot.stderr))
        .len();
    assert!(size > 10_000, "{} is only {size} bytes", path.display());
    eprintln!("screenshot: {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_and_post_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no Chromium: install Debian's chromium package"
        );
        eprintln!("skipped: no chromium in PATH (apt-get install -y chromium)");
        return;
    };
    let blog = Blog::new("browser")
        .configure(|config| {
            config.blog.title = "Notes from the Rhine".into();
            config.blog.description = "Essays on software, rivers and the fediverse.".into();
        })
        .start()
        .await;
    let peer = Peer::start().await;
    publish(
        &blog,
        "---\ntitle: Bridges\nslug: bridges\npublished: 2026-10-01\ntags: [rivers]\n---\nOn crossing rivers.\n",
    )
    .await;
    publish(
        &blog,
        "---\ntitle: Why this blog federates\nslug: federates\npublished: 2026-11-20\ntags: [fediverse, blogging]\n---\nA blog that you can follow from Mastodon, and whose comments are fediverse replies.\n\n## How it works\n\nEvery post is an *Article*; replies to it come back as comments below.\n\n> Write once, read anywhere.\n\n```\nfeder post publish hello.md\n```\n",
    )
    .await;
    let post_url = format!("{}posts/federates", blog.base());
    let first = reply(&peer, &blog, &post_url, 1, "Lovely idea, following now!").await;
    reply(
        &peer,
        &blog,
        &first,
        2,
        "Replying to myself: the threads work.",
    )
    .await;
    reply(
        &peer,
        &blog,
        &post_url,
        3,
        "Does it handle <em>emphasis</em>?",
    )
    .await;
    like(&peer, &blog, &post_url).await;

    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&screenshots).expect("screenshot dir");
    let origin = blog.base().trim_end_matches('/').to_string();

    // The home page as Chromium builds it.
    let home = run(&browser, &blog.base(), &["--dump-dom".into()]).await;
    let dom = scraper::Html::parse_document(&home.stdout);
    assert_eq!(
        texts(&dom, ".entry h2"),
        vec!["Why this blog federates", "Bridges"]
    );
    assert_eq!(texts(&dom, "section.follow h2"), vec!["Follow this blog"]);
    assert!(
        console_messages(&home.stderr, &origin).is_empty(),
        "console: {:?}",
        console_messages(&home.stderr, &origin)
    );

    // The post with its comments and the reply form.
    let post = run(&browser, &post_url, &["--dump-dom".into()]).await;
    let dom = scraper::Html::parse_document(&post.stdout);
    assert_eq!(
        texts(&dom, "article.post h1"),
        vec!["Why this blog federates"]
    );
    assert_eq!(
        texts(&dom, "section.comments li.comment .e-content"),
        vec![
            "Lovely idea, following now!",
            "Replying to myself: the threads work.",
            "Does it handle emphasis?"
        ]
    );
    assert_eq!(texts(&dom, ".reactions .likes"), vec!["1 like"]);
    assert_eq!(
        texts(&dom, "#reply form button"),
        vec!["Reply"],
        "the reply form"
    );
    assert_eq!(
        texts(&dom, "#reply label[for=reply-handle]"),
        vec!["Reply from your instance"]
    );
    assert!(
        console_messages(&post.stderr, &origin).is_empty(),
        "console: {:?}",
        console_messages(&post.stderr, &origin)
    );
    // Chromium logs no failed loads without DevTools: fetch every resource of ours the page
    // links (stylesheet, icon, avatars) and expect each to be there.
    let resources = scraper::Selector::parse("link[rel=stylesheet], link[rel=icon], img").unwrap();
    let mut checked = 0;
    for element in dom.select(&resources) {
        let Some(href) = element.value().attr("href").or(element.value().attr("src")) else {
            continue;
        };
        let url = url::Url::parse(&blog.base()).unwrap().join(href).unwrap();
        if !url.as_str().starts_with(&blog.base()) {
            continue;
        }
        let (status, _, _) = support::get_raw(url.as_str(), &[]).await;
        assert_eq!(status, 200, "{url}");
        checked += 1;
    }
    assert!(checked >= 2, "stylesheet and icon checked");

    // Screenshots: desktop, phone width, and the dark scheme.
    for (name, url, args) in [
        (
            "home.png",
            blog.base(),
            vec!["--window-size=1200,1600".to_string()],
        ),
        (
            "post.png",
            post_url.clone(),
            vec!["--window-size=1200,1600".to_string()],
        ),
        (
            "post-phone.png",
            post_url.clone(),
            vec!["--window-size=390,1400".to_string()],
        ),
        (
            "post-dark.png",
            post_url.clone(),
            vec![
                "--window-size=1200,1600".to_string(),
                "--force-dark-mode".to_string(),
                "--blink-settings=preferredColorScheme=0".to_string(),
            ],
        ),
    ] {
        screenshot(&browser, &screenshots.join(name), &url, args).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_and_fediverse_comments_in_one_thread_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no Chromium: install Debian's chromium package"
        );
        eprintln!("skipped: no chromium in PATH (apt-get install -y chromium)");
        return;
    };
    let blog = Blog::new("browsermixed")
        .configure(|config| {
            config.blog.title = "Notes from the Rhine".into();
            config.limits.web_comment_min_seconds = 2;
        })
        .start()
        .await;
    let peer = Peer::start().await;
    publish(
        &blog,
        "---\ntitle: Comments from everywhere\nslug: mixed\n---\nReaders answer from Mastodon or right here on the page.\n",
    )
    .await;
    let post_url = format!("{}posts/mixed", blog.base());
    let alice = reply(&peer, &blog, &post_url, 1, "Answering from Mastodon.").await;
    let db = &blog.data().db;
    let alice_id = feder::services::comments::find(db, &url::Url::parse(&alice).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    support::web_comment(
        &format!("{post_url}?reply_to={alice_id}"),
        &[
            ("author", "Ada"),
            ("website", "ada.example"),
            ("text", "And I from the **web**, no account needed."),
        ],
        true,
    )
    .await;
    let ada = feder::services::moderation::queue(db, "approved", 10)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.author_name.as_deref() == Some("Ada"))
        .expect("Ada's comment is shown");
    reply(
        &peer,
        &blog,
        &ada.ap_id,
        2,
        "Welcome, Ada — I see you from Mastodon.",
    )
    .await;
    let notice = support::web_comment(
        &post_url,
        &[("author", "Bob"), ("text", "A second web comment.")],
        false,
    )
    .await;

    let origin = blog.base().trim_end_matches('/').to_string();
    let post = run(&browser, &post_url, &["--dump-dom".into()]).await;
    let dom = scraper::Html::parse_document(&post.stdout);
    assert_eq!(
        texts(&dom, "section.comments li.comment .e-content"),
        vec![
            "Answering from Mastodon.",
            "And I from the web, no account needed.",
            "Welcome, Ada — I see you from Mastodon.",
            "A second web comment."
        ]
    );
    assert_eq!(texts(&dom, "li.comment .from-web").len(), 2);
    assert_eq!(
        texts(&dom, "form#comment-form button"),
        vec!["Post comment"]
    );
    assert!(
        console_messages(&post.stderr, &origin).is_empty(),
        "console: {:?}",
        console_messages(&post.stderr, &origin)
    );

    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&screenshots).expect("screenshot dir");
    for (name, url, args) in [
        (
            "comments-mixed.png",
            post_url.clone(),
            vec!["--window-size=1200,2200".to_string()],
        ),
        (
            "comments-mixed-phone.png",
            post_url.clone(),
            vec!["--window-size=390,2600".to_string()],
        ),
        (
            "comments-mixed-dark.png",
            post_url.clone(),
            vec![
                "--window-size=1200,2200".to_string(),
                "--force-dark-mode".to_string(),
                "--blink-settings=preferredColorScheme=0".to_string(),
            ],
        ),
        (
            "comment-notice.png",
            notice.clone(),
            vec!["--window-size=1200,2200".to_string()],
        ),
    ] {
        screenshot(&browser, &screenshots.join(name), &url, args).await;
    }
}
