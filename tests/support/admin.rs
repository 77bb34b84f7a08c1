//! The blog's owner at /admin (and Micropub, imports): a browser that keeps cookies and does not
//! follow redirects, logging in, reading CSRF fields, multipart bodies, and a JPEG to upload.

use super::Instance;
use feder::services::users;
use reqwest::header::{HeaderMap, SET_COOKIE};
use std::{collections::HashMap, time::Duration};

/// A browser session: cookies kept by name, redirects shown rather than followed.
pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    pub cookies: HashMap<String, String>,
    /// Sent as X-Forwarded-For, to act as another address behind a local proxy.
    pub forwarded_for: Option<String>,
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
    }
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.text)
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

impl Browser {
    pub fn new(instance: &Instance) -> Browser {
        Browser::at(&instance.base())
    }

    /// A browser for the blog at `base` (a `feder` process, say).
    pub fn at(base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            forwarded_for: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let mut request = request.header("Cookie", self.cookie_header());
        if let Some(ip) = &self.forwarded_for {
            request = request.header("X-Forwarded-For", ip);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), v.to_string());
            }
        }
        let text = response.text().await.unwrap_or_default();
        Answer {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.client.get(format!("{}{path}", self.base));
        self.finish(request).await
    }

    /// A GET with headers of its own (`Accept: text/html`, as a browser sends it).
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        self.finish(request).await
    }

    pub async fn post_with(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request).await
    }

    /// Uploads a JPEG with its alt text to /admin/media as the editor's script does; asserts
    /// 201 and returns the library's JSON answer (id, markdown, display, card).
    pub async fn upload_image(&mut self, name: &str, alt: &str, jpeg: &[u8]) -> serde_json::Value {
        let csrf = csrf_of(&self.get("/admin/media").await.text);
        let (content_type, body) = multipart(
            &[("csrf", &csrf), ("alt", alt)],
            &[("file", name, "image/jpeg", jpeg)],
        );
        let upload = self
            .post_with(
                "/admin/media",
                &[("Accept", "application/json")],
                &content_type,
                body,
            )
            .await;
        assert_eq!(upload.status, 201, "{}", upload.text);
        serde_json::from_str(&upload.text).expect("the upload's JSON")
    }

    /// Answers a direct message with `text` through its form (`action`, on the /admin `page`),
    /// back to the notifications; asserts the form was taken.
    pub async fn answer_privately(&mut self, action: &str, page: &str, text: &str) {
        let answered = self
            .post_form(
                action,
                &[
                    ("csrf", &csrf_of(page)),
                    ("text", text),
                    ("back", "/admin/notifications"),
                ],
            )
            .await;
        assert_eq!(answered.status, 303, "{}", answered.text);
    }

    /// Logs in through the form; returns the final answer of the POST.
    pub async fn log_in(&mut self, user: &str, password: &str) -> Answer {
        let form = self.get("/admin/login").await;
        let csrf = csrf_of(&form.text);
        self.post_form(
            "/admin/login",
            &[
                ("username", user),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/admin"),
            ],
        )
        .await
    }
}

/// The CSRF token of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("a csrf field")
        .to_string()
}

pub const PASSWORD: &str = "correct horse battery";

/// An author who can log in, and a browser logged in as them.
pub async fn logged_in(instance: &Instance, name: &str) -> Browser {
    users::create(&instance.data().db, name, PASSWORD)
        .await
        .expect("create user");
    let mut browser = Browser::new(instance);
    let answer = browser.log_in(name, PASSWORD).await;
    assert_eq!(answer.status, 303, "login: {}", answer.text);
    browser
}

/// A multipart/form-data body: text fields, then files (field, file name, type, bytes).
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = format!("feder{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small JPEG photo made here (a gradient), `width` × `height`.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}
