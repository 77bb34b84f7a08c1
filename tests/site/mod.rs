//! Helpers for the reader-facing tests: a blog with its own configuration (language, authors),
//! posts published through the service, fediverse replies and likes from a Mastodon-like peer,
//! and XML parsed into a small tree.
// Each test binary uses its own part of these helpers; a failed expect is a failed test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{self, Instance, Peer};
use feder::{
    Server, config::Config, db::entities::post, federation::state::AppState, services::posts,
};
use quick_xml::{Reader, events::Event};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::net::TcpListener;

/// A blog on `localhost:<random>` whose configuration `configure` may change first.
pub async fn start_blog(name: &str, configure: impl FnOnce(&mut Config)) -> Instance {
    common::init();
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let database = common::database_url(dir.path(), name).await;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut config = common::test_config(name, &database, port);
    configure(&mut config);
    config.validate().expect("valid configuration");
    let federation = AppState::open(config.clone()).await.expect("open state");
    let server = Server::start(federation, listener)
        .await
        .expect("start server");
    Instance {
        server: Some(server),
        config,
        port,
        dir,
    }
}

/// Publishes a Markdown file with front matter, as `feder post publish` does.
pub async fn publish(blog: &Instance, markdown: &str) -> post::Model {
    let input = posts::parse_markdown_file(markdown).expect("markdown");
    posts::publish(&blog.data(), input)
        .await
        .expect("publish")
        .0
}

/// A reply from the peer's `alice` to `in_reply_to` (a post or comment URL), delivered to the
/// blog's inbox as Mastodon sends it. Returns the reply's id.
pub async fn reply(peer: &Peer, blog: &Instance, in_reply_to: &str, n: u32, text: &str) -> String {
    let mut activity = peer.fixture("create-note-reply.json", blog, "unused");
    let id = format!("{}/users/alice/statuses/{n}", peer.base);
    activity["id"] = json!(format!("{id}/activity"));
    let note = &mut activity["object"];
    note["id"] = json!(id);
    note["url"] = json!(format!("{}/@alice/{n}", peer.base));
    note["inReplyTo"] = json!(in_reply_to);
    note["published"] = json!(format!("2026-08-21T14:{:02}:00Z", n % 60));
    let html = format!("<p>{text}</p>");
    note["content"] = json!(html);
    note["contentMap"] = json!({"en": html});
    let status = peer
        .post_signed(&format!("{}inbox", blog.base()), &activity)
        .await;
    assert!(status < 300, "reply {n} answered {status}");
    id
}

/// A like of `post_url` from the peer's `alice`.
pub async fn like(peer: &Peer, blog: &Instance, post_url: &str) {
    let mut activity = peer.fixture("like.json", blog, "unused");
    activity["object"] = json!(post_url);
    let status = peer
        .post_signed(&format!("{}inbox", blog.base()), &activity)
        .await;
    assert!(status < 300, "like answered {status}");
}

/// GET with headers; returns status, headers and body bytes (nothing decoded).
pub async fn get_raw(
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = common::client().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

pub fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// An XML element: name (with prefix), attributes, text and children.
#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Children named `name`.
    pub fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    /// The one child named `name`: fails when missing.
    pub fn child(&self, name: &str) -> &Element {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>", self.name))
    }

    /// The text of child `name`: fails when missing or empty.
    pub fn required(&self, name: &str) -> &str {
        let text = self.child(name).text.as_str();
        assert!(
            !text.trim().is_empty(),
            "<{name}> in <{}> is empty",
            self.name
        );
        text
    }
}

/// Parses a whole XML document (failing on malformed XML) into its root element.
pub fn parse_xml(text: &str) -> Element {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    let open = |e: &quick_xml::events::BytesStart| Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).expect("name"),
        attributes: e
            .attributes()
            .map(|a| {
                let a = a.expect("attribute");
                (
                    String::from_utf8(a.key.as_ref().to_vec()).expect("key"),
                    a.unescape_value().expect("value").into_owned(),
                )
            })
            .collect(),
        ..Default::default()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let element = open(&e);
                stack.last_mut().expect("parent").children.push(element);
            }
            Event::End(_) => {
                let element = stack.pop().expect("open element");
                stack.last_mut().expect("parent").children.push(element);
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("element")
                .text
                .push_str(&t.xml10_content().expect("UTF-8")),
            Event::CData(t) => stack
                .last_mut()
                .expect("element")
                .text
                .push_str(std::str::from_utf8(&t).expect("UTF-8")),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("character reference") {
                    Some(c) => c.to_string(),
                    None => match &*r.xml10_content().expect("UTF-8") {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("unknown entity &{other};"),
                    },
                };
                stack.last_mut().expect("element").text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut document = stack.pop().expect("document");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().expect("root")
}

/// The JSON-LD block of a page.
pub fn json_ld(html: &scraper::Html) -> Value {
    let selector = scraper::Selector::parse(r#"script[type="application/ld+json"]"#).unwrap();
    let script = html.select(&selector).next().expect("JSON-LD script");
    serde_json::from_str(&script.text().collect::<String>()).expect("JSON-LD")
}

/// The value of attribute `attr` of the first element matching `selector`.
pub fn attr(html: &scraper::Html, selector: &str, attr: &str) -> String {
    let parsed = scraper::Selector::parse(selector).expect("selector");
    html.select(&parsed)
        .next()
        .unwrap_or_else(|| panic!("no {selector}"))
        .value()
        .attr(attr)
        .unwrap_or_else(|| panic!("{selector} has no {attr}"))
        .to_string()
}
