//! Micropub with the request shapes of the W3C spec: form-encoded and JSON creates, q=config
//! and q=source, updates (replace/add/delete), delete and undelete, the media endpoint, and
//! the spec's JSON errors (401 unauthorized, 403 insufficient_scope, 400 invalid_request).

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::services::{tokens, users};
use serde_json::{Value, json};
use support::{Blog, Browser, jpeg, multipart, page, texts};

fn json_of(answer: &support::Answer) -> Value {
    serde_json::from_str(&answer.text).unwrap_or(Value::Null)
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn micropub_requests_and_errors() {
    support::init();
    let blog = Blog::new("micropub").start().await;
    let db = &blog.data().db;
    let author = users::create(db, "ada", "correct horse battery")
        .await
        .unwrap();
    let (token, _) = tokens::create(db, Some(author.id), "create,update,delete,media")
        .await
        .unwrap();
    let (media_only, _) = tokens::create(db, None, "media").await.unwrap();
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];
    let mut client = Browser::new(&blog);

    // Without a token, or with a wrong one: 401 unauthorized.
    let answer = client
        .post_with("/micropub", &[], FORM, b"h=entry&content=x".to_vec())
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(json_of(&answer)["error"], "unauthorized");
    let answer = client
        .post_with(
            "/micropub",
            &[("Authorization", "Bearer feder_not-a-token")],
            FORM,
            b"h=entry&content=x".to_vec(),
        )
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(json_of(&answer)["error"], "unauthorized");

    // A token without the scope: 403 insufficient_scope.
    let media_bearer = format!("Bearer {media_only}");
    let answer = client
        .post_with(
            "/micropub",
            &[("Authorization", media_bearer.as_str())],
            FORM,
            b"h=entry&content=x".to_vec(),
        )
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(json_of(&answer)["error"], "insufficient_scope");

    // Malformed: 400 invalid_request.
    for (content_type, body) in [
        (FORM, "h=card&name=x"),
        (FORM, "content=no+h"),
        (
            "application/json",
            "{\"type\": [\"h-entry\"], \"properties\": {\"name\": \"not an array\"}}",
        ),
        ("application/json", "{not json"),
        ("text/plain", "hello"),
    ] {
        let answer = client
            .post_with("/micropub", &auth, content_type, body.as_bytes().to_vec())
            .await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(json_of(&answer)["error"], "invalid_request", "{body}");
    }
    // The token in the header and in the body at once is malformed too.
    let answer = client
        .post_with(
            "/micropub",
            &auth,
            FORM,
            format!("h=entry&content=x&access_token={token}").into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 400);

    // Discovery: every page names the endpoint.
    let (_, home) = page(&blog.base()).await;
    let link = scraper::Selector::parse("link[rel=micropub]").unwrap();
    let href = home
        .select(&link)
        .next()
        .and_then(|l| l.value().attr("href"));
    assert_eq!(href, Some(format!("{}micropub", blog.base()).as_str()));

    // q=config names the media endpoint.
    let answer = client.get("/micropub?q=config").await;
    assert_eq!(answer.status, 401);
    let config = client.post_with("/micropub", &[], FORM, vec![]).await;
    assert_eq!(config.status, 401);
    let response = support::client()
        .get(format!("{}micropub?q=config", blog.base()))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let config: Value = response.json().await.unwrap();
    assert_eq!(
        config["media-endpoint"],
        format!("{}micropub/media", blog.base())
    );

    // Form-encoded create, with the token in the body as the spec allows.
    let body = format!(
        "h=entry&name=Gr%C3%BC%C3%9Fe&content=Hallo+*Welt*&category[]=k%C3%B6ln&category[]=rhein&mp-slug=gruesse&access_token={token}"
    );
    let answer = client
        .post_with("/micropub", &[], FORM, body.into_bytes())
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let url = answer.location().unwrap();
    assert_eq!(url, format!("{}posts/gruesse", blog.base()));
    let (status, html) = page(&url).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&html, "h1.p-name"), vec!["Grüße"]);
    assert_eq!(texts(&html, ".e-content"), vec!["Hallo Welt"]);
    assert_eq!(texts(&html, "ul.tags a"), vec!["#köln", "#rhein"]);

    // JSON create with a photo and its alt text.
    let answer = client
        .post_with(
            "/micropub",
            &auth,
            "application/json",
            serde_json::to_vec(&json!({
                "type": ["h-entry"],
                "properties": {
                    "name": ["Am Rhein"],
                    "content": [{"html": "<p>Ein <strong>Bild</strong>:</p>"}],
                    "photo": [{"value": "https://photos.example/rhein.jpg", "alt": "Der Rhein bei Nacht"}],
                    "published": ["2026-11-01T10:00:00Z"]
                }
            }))
            .unwrap(),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let photo_url = answer.location().unwrap();
    let (_, html) = page(&photo_url).await;
    let img = scraper::Selector::parse(".e-content img").unwrap();
    let img = html.select(&img).next().expect("photo");
    assert_eq!(img.value().attr("alt"), Some("Der Rhein bei Nacht"));
    assert_eq!(texts(&html, "time.dt-published"), vec!["1 November 2026"]);

    // q=source gives the properties back.
    let source = |properties: &'static str| {
        let url = url.clone();
        let bearer = bearer.clone();
        let base = blog.base();
        async move {
            let response = support::client()
                .get(format!(
                    "{base}micropub?q=source&url={}{properties}",
                    url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
                ))
                .header("Authorization", bearer)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let got = source("").await;
    assert_eq!(got["type"], json!(["h-entry"]));
    assert_eq!(got["properties"]["content"], json!(["Hallo *Welt*"]));
    assert_eq!(got["properties"]["category"], json!(["köln", "rhein"]));
    let only = source("&properties[]=name").await;
    assert_eq!(only, json!({"properties": {"name": ["Grüße"]}}));

    // Update: replace, add, delete (by value and by name).
    let update = |body: Value| {
        let auth_value = bearer.clone();
        let mut client = Browser::new(&blog);
        async move {
            client
                .post_with(
                    "/micropub",
                    &[("Authorization", auth_value.as_str())],
                    "application/json",
                    serde_json::to_vec(&body).unwrap(),
                )
                .await
        }
    };
    let answer = update(json!({
        "action": "update", "url": url,
        "replace": {"content": ["Neuer *Text*"]},
        "add": {"category": ["brücke"]},
        "delete": {"category": ["rhein"]}
    }))
    .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let got = source("").await;
    assert_eq!(got["properties"]["content"], json!(["Neuer *Text*"]));
    assert_eq!(got["properties"]["category"], json!(["köln", "brücke"]));
    let answer = update(json!({"action": "update", "url": url, "delete": ["category"]})).await;
    assert_eq!(answer.status, 204);
    assert_eq!(source("").await["properties"]["category"], json!([]));
    let answer =
        update(json!({"action": "update", "url": url, "replace": {"name": "no array"}})).await;
    assert_eq!(answer.status, 400);
    assert_eq!(json_of(&answer)["error"], "invalid_request");
    let answer = update(
        json!({"action": "update", "url": format!("{}posts/nope", blog.base()), "replace": {}}),
    )
    .await;
    assert_eq!(answer.status, 400);

    // Delete (410), then undelete (back).
    let answer = client
        .post_with(
            "/micropub",
            &auth,
            FORM,
            format!(
                "action=delete&url={}",
                url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
            )
            .into_bytes(),
        )
        .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(page(&url).await.0, 410);
    let answer = update(json!({"action": "undelete", "url": url})).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(page(&url).await.0, 200);

    // A second author's token, with every scope, cannot change or delete Ada's post.
    let bo = users::create(db, "bo", "another long password")
        .await
        .unwrap();
    let (bo_token, _) = tokens::create(db, Some(bo.id), "create,update,delete")
        .await
        .unwrap();
    let bo_auth = format!("Bearer {bo_token}");
    for body in [
        json!({"action": "update", "url": url, "replace": {"content": ["Bo was here"]}}),
        json!({"action": "delete", "url": url}),
    ] {
        let answer = client
            .post_with(
                "/micropub",
                &[("Authorization", bo_auth.as_str())],
                "application/json",
                serde_json::to_vec(&body).unwrap(),
            )
            .await;
        assert_eq!(answer.status, 403, "{}", answer.text);
        assert_eq!(json_of(&answer)["error"], "forbidden");
    }
    assert_eq!(page(&url).await.0, 200);
    assert_eq!(
        source("").await["properties"]["content"],
        json!(["Neuer *Text*"])
    );

    // The media endpoint: 201 with the file's URL; only images, by content.
    let (content_type, body) =
        multipart(&[], &[("file", "bild.jpg", "image/jpeg", &jpeg(400, 300))]);
    let media_auth = [("Authorization", media_bearer.as_str())];
    let answer = client
        .post_with("/micropub/media", &media_auth, &content_type, body)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let file = answer.location().unwrap();
    let served = support::client().get(&file).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let (content_type, body) = multipart(
        &[],
        &[(
            "file",
            "evil.png",
            "image/png",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        )],
    );
    let answer = client
        .post_with("/micropub/media", &media_auth, &content_type, body)
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(json_of(&answer)["error"], "invalid_request");
    let (content_type, body) = multipart(&[], &[("file", "bild.jpg", "image/jpeg", &jpeg(10, 10))]);
    let answer = client
        .post_with(
            "/micropub/media",
            &[("Authorization", "Bearer nope")],
            &content_type,
            body,
        )
        .await;
    assert_eq!(answer.status, 401);

    // A revoked token no longer works.
    let rows = tokens::list(db).await.unwrap();
    assert!(tokens::revoke(db, rows[0].id).await.unwrap());
    let answer = client
        .post_with("/micropub", &auth, FORM, b"h=entry&content=x".to_vec())
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(json_of(&answer)["error"], "unauthorized");
}
