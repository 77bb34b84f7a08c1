//! "Reply from your instance" and "Follow this blog": the reader's server is asked by
//! WebFinger (a fake one on localhost here) and the reader is sent there with a 303.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use axum::{Json, Router, extract::Query, http::StatusCode, response::IntoResponse, routing::get};
use serde_json::json;
use std::collections::HashMap;
use support::{Blog, Instance, publish, texts};
use tokio::net::TcpListener;

/// A fediverse server on localhost whose accounts publish different interaction links:
/// `fep` FEP-3b86 intents, `mastodon` the OStatus template, `plain` none at all.
async fn remote_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let host = format!("localhost:{}", listener.local_addr().expect("addr").port());
    let base = format!("http://{host}");
    let app = Router::new().route(
        "/.well-known/webfinger",
        get({
            let base = base.clone();
            let host = host.clone();
            move |Query(query): Query<HashMap<String, String>>| async move {
                let resource = query.get("resource").cloned().unwrap_or_default();
                let user = resource
                    .strip_prefix("acct:")
                    .and_then(|r| r.strip_suffix(&format!("@{host}")))
                    .unwrap_or_default()
                    .to_string();
                let mut links = vec![json!({
                    "rel": "self", "type": "application/activity+json",
                    "href": format!("{base}/users/{user}"),
                })];
                match user.as_str() {
                    "fep" => {
                        links.push(json!({"rel": "http://ostatus.org/schema/1.0/subscribe",
                            "template": format!("{base}/authorize_interaction?uri={{uri}}")}));
                        links.push(json!({"rel": "https://w3id.org/fep/3b86/Object",
                            "template": format!("{base}/intents/object?id={{object}}&then={{on-success}}")}));
                        links.push(json!({"rel": "https://w3id.org/fep/3b86/Follow",
                            "template": format!("{base}/intents/follow?id={{object}}")}));
                    }
                    "mastodon" => links.push(json!({"rel": "http://ostatus.org/schema/1.0/subscribe",
                        "template": format!("{base}/authorize_interaction?uri={{uri}}")})),
                    "plain" => {}
                    _ => return StatusCode::NOT_FOUND.into_response(),
                }
                Json(json!({"subject": resource, "links": links})).into_response()
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    host
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// POSTs the form as a browser does; returns the status, Location and the page.
async fn submit(blog: &Instance, uri: &str, handle: &str) -> (u16, String, scraper::Html) {
    let response = no_redirects()
        .post(format!("{}interact", blog.base()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(&[("uri", uri), ("handle", handle)]))
        .send()
        .await
        .expect("POST /interact");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.text().await.expect("body");
    (status, location, scraper::Html::parse_document(&body))
}

/// A form as browsers encode it.
fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn encoded(url: &str) -> String {
    url::form_urlencoded::byte_serialize(url.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_and_follow_from_your_instance() {
    let blog = Blog::new("interact").start().await;
    publish(&blog, "---\ntitle: Hello\nslug: hello\n---\nHi.\n").await;
    let remote = remote_server().await;
    let post_url = format!("{}posts/hello", blog.base());

    // FEP-3b86: the Object intent for a post, the Follow intent for the blog.
    let (status, location, _) = submit(&blog, &post_url, &format!("@fep@{remote}")).await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        format!(
            "http://{remote}/intents/object?id={}&then=",
            encoded(&post_url)
        )
    );
    let (status, location, _) = submit(&blog, &blog.actor(), &format!("fep@{remote}")).await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        format!(
            "http://{remote}/intents/follow?id={}",
            encoded(&blog.actor())
        )
    );

    // Mastodon's OStatus template, also as a GET with a query.
    let response = no_redirects()
        .get(format!(
            "{}interact?{}",
            blog.base(),
            form(&[
                ("uri", &post_url),
                ("handle", &format!("@mastodon@{remote}"))
            ])
        ))
        .send()
        .await
        .expect("GET /interact");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!(
            "http://{remote}/authorize_interaction?uri={}",
            encoded(&post_url)
        )
    );

    // No template at all: Mastodon's authorize_interaction on their host.
    let (status, location, _) = submit(&blog, &post_url, &format!("@plain@{remote}")).await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        format!(
            "http://{remote}/authorize_interaction?uri={}",
            encoded(&post_url)
        )
    );

    // Bad input gets a page that says what to do, never a 500.
    let (status, _, html) = submit(&blog, &post_url, "not a handle").await;
    assert_eq!(status, 400);
    assert_eq!(texts(&html, "h1"), vec!["That did not work"]);
    assert!(
        texts(&html, "section.error p")[0].contains("“not a handle” is not a fediverse handle")
    );
    let (status, _, html) = submit(&blog, &post_url, &format!("@nobody@{remote}")).await;
    assert_eq!(status, 400);
    assert!(texts(&html, "section.error p")[0].contains(&format!("@nobody@{remote}")));
    // A server that is not there.
    let (status, _, _) = submit(&blog, &post_url, "@x@localhost:1").await;
    assert_eq!(status, 400);
    // Only this blog's addresses are passed on.
    let (status, _, _) = submit(&blog, "https://evil.example/", &format!("@fep@{remote}")).await;
    assert_eq!(status, 400);
    let (status, _, _) = submit(&blog, "", &format!("@fep@{remote}")).await;
    assert_eq!(status, 400);
}

/// Outside local development, loopback and private hosts, ports and http are refused before
/// any request is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_blogs_ask_only_public_https_servers() {
    let blog = Blog::new("public")
        .configure(|config| {
            config.server.domain = "blog.example".into();
        })
        .start()
        .await;
    let remote = remote_server().await;
    // The blog answers on its port, whatever its public name.
    let local = format!("http://127.0.0.1:{}/", blog.port);
    for handle in [
        format!("@fep@{remote}"),
        "@x@localhost".into(),
        "@x@127.0.0.1".into(),
        "@x@[::1]".into(),
        "@x@10.0.0.1".into(),
    ] {
        let response = no_redirects()
            .post(format!("{local}interact"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("uri", "https://blog.example/posts/x"),
                ("handle", &handle),
            ]))
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status().as_u16(), 400, "{handle}");
    }
}
