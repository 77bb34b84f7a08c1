//! Reading what a blog serves: an HTTP client, pages parsed as a browser gets them (texts,
//! attributes, JSON-LD), ActivityPub JSON, raw answers with their headers, XML feeds parsed into a
//! small tree; and a comment written through a post page's form.

use axum::http::StatusCode;
use quick_xml::{Reader, events::Event};
use serde_json::Value;
use std::time::Duration;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // Generous: on a loaded 2-core machine a burst of a hundred signed requests to a debug
        // build is answered within about 10 s (each answer within the inbox's own limits).
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Fetches a page as a browser would and parses it.
pub async fn page(url: &str) -> (StatusCode, scraper::Html) {
    let response = client()
        .get(url)
        .header("Accept", "text/html")
        .send()
        .await
        .expect("GET page");
    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
    let text = response.text().await.expect("page body");
    (status, scraper::Html::parse_document(&text))
}

/// The text of every element matching `selector`.
pub fn texts(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).expect("selector");
    html.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub async fn get_json(url: &str) -> (u16, Value) {
    let response = client()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("GET json");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Writes a comment through the post page's form as a browser sends it: every field of the
/// form with its value, the given ones filled in, after the time a person needs. Returns
/// where the blog sends the writer next.
pub async fn web_comment(page_url: &str, fields: &[(&str, &str)], consent: bool) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (action, mut values) = {
        let dom = scraper::Html::parse_document(&html);
        let form = dom
            .select(&scraper::Selector::parse("form#comment-form").unwrap())
            .next()
            .expect("the comment form");
        let mut values: Vec<(String, String)> = form
            .select(&scraper::Selector::parse("input:not([type=checkbox]), textarea").unwrap())
            .map(|e| {
                let name = e.value().attr("name").unwrap().to_string();
                (
                    name,
                    e.value().attr("value").unwrap_or_default().to_string(),
                )
            })
            .collect();
        if consent {
            values.push(("consent".into(), "yes".into()));
        }
        (form.value().attr("action").unwrap().to_string(), values)
    };
    for (name, value) in fields {
        let field = values
            .iter_mut()
            .find(|(n, _)| n == name)
            .expect("field in the form");
        field.1 = value.to_string();
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&values)
        .finish();
    let response = client
        .post(&action)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "comment taken");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// GET with headers; returns status, headers and body bytes (nothing decoded).
pub async fn get_raw(
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = client().get(url);
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
