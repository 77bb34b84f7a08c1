//! Errors as people meet them, on a German blog over real HTTP: a query string, a form, a path
//! or a body the blog cannot take answers the blog's error page in German for a browser, and
//! JSON in the same words for a client that asks for JSON, while ActivityPub clients keep their
//! JSON. In /admin, a form without the session's CSRF token is refused (403) as a page too, and
//! an upload over the limit shows the media page with what was wrong.
// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Blog, Browser, csrf_of, jpeg, logged_in, multipart, publish, texts};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// GET as a client that accepts `accept`: status, content type, body.
async fn get(url: &str, accept: &str) -> (u16, String, String) {
    let response = support::client()
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// The error page's language, heading and message.
fn error_page(text: &str) -> (String, String, String) {
    let html = scraper::Html::parse_document(text);
    let lang = scraper::Html::root_element(&html)
        .value()
        .attr("lang")
        .unwrap_or_default()
        .to_string();
    let heading = texts(&html, "section.error h1").join(" ");
    let message = texts(&html, "section.error p").join(" ");
    (lang, heading, message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_errors_are_pages_in_the_interface_language() {
    let blog = Blog::new("errors_public_de")
        .configure(|c| {
            c.blog.lang = "de".into();
            c.blog.title = "Gartenblog".into();
        })
        .start()
        .await;
    let base = blog.base();

    // A query string the home page cannot read: the blog's page, in German.
    let (status, kind, text) = get(&format!("{base}?page=abc"), BROWSER).await;
    assert_eq!(status, 400, "{text}");
    assert!(kind.starts_with("text/html"), "{kind}");
    let (lang, heading, message) = error_page(&text);
    assert_eq!(lang, "de");
    assert_eq!(heading, "Das hat nicht geklappt");
    assert!(message.contains("nach dem Fragezeichen"), "{message}");
    assert!(text.contains("Gartenblog"), "in the blog's design: {text}");
    assert!(!text.contains("deserialize"), "{text}");

    // A client that asks for JSON gets the same words as JSON.
    let (status, kind, text) = get(&format!("{base}?page=abc"), "application/json").await;
    assert_eq!(status, 400);
    assert!(kind.starts_with("application/json"), "{kind}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        json["error"].as_str().unwrap().contains("Fragezeichen"),
        "{json}"
    );

    // A page that is not there, for a browser and for an ActivityPub client.
    let (status, _, text) = get(&format!("{base}posts/nirgends"), BROWSER).await;
    assert_eq!(status, 404);
    assert_eq!(error_page(&text).1, "Nicht gefunden");
    let (status, kind, _) = get(
        &format!("{base}posts/nirgends"),
        "application/activity+json",
    )
    .await;
    assert_eq!(status, 404);
    assert!(!kind.starts_with("text/html"), "{kind}");

    // A comment form far over its limit: 413, the page says so in German.
    let post = publish(&blog, "---\ntitle: Beete\n---\nErde.\n").await;
    let huge = "x".repeat(200 * 1024);
    let response = support::client()
        .post(format!("{base}posts/{}/comments", post.slug))
        .header("Accept", BROWSER)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("name=Ann&text={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let (_, heading, message) = error_page(&response.text().await.unwrap());
    assert_eq!(heading, "Zu groß");
    assert!(message.contains("auf einmal"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_refusals_are_pages_in_the_interface_language() {
    let blog = Blog::new("errors_admin_de")
        .configure(|c| {
            c.blog.lang = "de".into();
            c.media.max_upload_bytes = 64 * 1024;
        })
        .start()
        .await;
    let mut browser = logged_in(&blog, "jane").await;
    let csrf = csrf_of(&browser.get("/admin/media").await.text);
    let form = "application/x-www-form-urlencoded";
    let page_of = [("Accept", BROWSER)];

    // A forged token: 403, the page says why in German.
    let forged = browser
        .post_with(
            "/admin/followers/1/remove",
            &page_of,
            form,
            b"csrf=forged".to_vec(),
        )
        .await;
    assert_eq!(forged.status, 403);
    let (lang, heading, message) = error_page(&forged.text);
    assert_eq!((lang.as_str(), heading.as_str()), ("de", "Nicht erlaubt"));
    assert!(message.contains("Formular"), "{message}");

    // A path whose number is not one: there is nothing at that address.
    let body = format!("csrf={csrf}").into_bytes();
    let wrong = browser
        .post_with("/admin/comments/abc/approve", &page_of, form, body)
        .await;
    assert_eq!(wrong.status, 404, "{}", wrong.text);
    assert_eq!(error_page(&wrong.text).1, "Nicht gefunden");

    // Without a session, a form is refused as a page too.
    let mut stranger = Browser::new(&blog);
    let refused = stranger
        .post_with("/admin/posts/x/delete", &page_of, form, b"csrf=x".to_vec())
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(error_page(&refused.text).1, "Nicht angemeldet");

    // An image over the upload limit: the media page again, saying what was wrong.
    let (content_type, body) = multipart(
        &[("csrf", &csrf), ("alt", "Zu groß")],
        &[("file", "gross.jpg", "image/jpeg", &vec![0u8; 256 * 1024])],
    );
    let upload = browser
        .post_with("/admin/media", &page_of, &content_type, body)
        .await;
    assert_eq!(upload.status, 413, "{}", upload.text);
    let html = upload.html();
    assert_eq!(texts(&html, "h1"), vec!["Medien"]);
    assert!(
        texts(&html, "p.error").join(" ").contains("auf einmal"),
        "{}",
        upload.text
    );

    // An upload whose first field is not the token is refused before the file is read.
    let (content_type, body) = multipart(&[], &[("file", "dom.jpg", "image/jpeg", &jpeg(40, 30))]);
    let late = browser
        .post_with("/admin/media", &page_of, &content_type, body)
        .await;
    assert_eq!(late.status, 403);
}
