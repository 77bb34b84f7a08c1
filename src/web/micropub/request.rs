//! Reading a POST to /micropub: its body (form-encoded, multipart with files, or JSON), after
//! the header's token and within the bound for a body read before any token, into what it
//! asks for and the token that asks; an h-entry's properties as a post, and an update's
//! `replace`, `add` and `delete` applied to a post's properties.

use super::{
    auth::{UNAUTHENTICATED_BODY_BYTES, authorize, header_token, require},
    error::{MicropubError, MpResult, invalid, multipart_error},
};
use crate::{
    db::entities::api_token,
    federation::state::AppState,
    services::{
        media::{self, Upload},
        posts::{self, PostInput},
    },
};
use axum::{
    extract::{FromRequest, Multipart, Request},
    http::header,
};
use serde_json::{Map, Value, json};

/// What a POST to /micropub asks for.
pub(super) enum MicropubRequest {
    Create(Map<String, Value>),
    Update {
        url: String,
        replace: Map<String, Value>,
        add: Map<String, Value>,
        delete: Value,
    },
    Delete(String),
    Undelete(String),
}

/// Form-encoded or multipart fields as properties: `category[]=a` and repeated keys collect.
/// The request and the body's token apart, so that a missing token is reported (401) before
/// a malformed request (400).
fn fields_to_request(fields: Vec<(String, Value)>) -> (MpResult<MicropubRequest>, Option<String>) {
    let token = fields
        .iter()
        .find(|(k, _)| k == "access_token")
        .and_then(|(_, v)| v.as_str().map(str::to_string));
    (fields_request(fields), token)
}

fn fields_request(fields: Vec<(String, Value)>) -> MpResult<MicropubRequest> {
    let mut props = Map::new();
    let mut action = None;
    let mut url = None;
    let mut h = None;
    for (key, value) in fields {
        match key.as_str() {
            "access_token" => {}
            "action" => action = value.as_str().map(str::to_string),
            "url" => url = value.as_str().map(str::to_string),
            "h" => h = value.as_str().map(str::to_string),
            _ => {
                let name = key.strip_suffix("[]").unwrap_or(&key).to_string();
                if let Value::Array(list) = props.entry(name).or_insert_with(|| json!([])) {
                    list.push(value);
                }
            }
        }
    }
    let request = match action.as_deref() {
        Some("delete") => {
            MicropubRequest::Delete(url.ok_or_else(|| invalid("delete needs a url"))?)
        }
        Some("undelete") => {
            MicropubRequest::Undelete(url.ok_or_else(|| invalid("undelete needs a url"))?)
        }
        Some("update") => return Err(invalid("updates are sent as JSON")),
        Some(other) => return Err(invalid(format!("unknown action {other:?}"))),
        None => {
            match h.as_deref() {
                Some("entry") => {}
                Some(other) => {
                    return Err(invalid(format!(
                        "only h=entry can be created, not {other:?}"
                    )));
                }
                None => return Err(invalid("a create needs h=entry")),
            }
            MicropubRequest::Create(props)
        }
    };
    Ok(request)
}

/// A JSON request body.
fn json_to_request(body: Value) -> (MpResult<MicropubRequest>, Option<String>) {
    let token = body
        .get("access_token")
        .and_then(|t| t.as_str().map(str::to_string));
    (json_request(body), token)
}

fn json_request(body: Value) -> MpResult<MicropubRequest> {
    let Value::Object(mut object) = body else {
        return Err(invalid("the body must be a JSON object"));
    };
    let url = || {
        object
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| invalid("the action needs a url"))
    };
    let request = match object.get("action").and_then(Value::as_str) {
        Some("delete") => MicropubRequest::Delete(url()?),
        Some("undelete") => MicropubRequest::Undelete(url()?),
        Some("update") => {
            let map = |name: &str| -> MpResult<Map<String, Value>> {
                match object.get(name) {
                    None => Ok(Map::new()),
                    Some(Value::Object(m)) => Ok(m.clone()),
                    Some(_) => Err(invalid(format!("{name} must be an object"))),
                }
            };
            MicropubRequest::Update {
                url: url()?,
                replace: map("replace")?,
                add: map("add")?,
                delete: object.get("delete").cloned().unwrap_or(Value::Null),
            }
        }
        Some(other) => return Err(invalid(format!("unknown action {other:?}"))),
        None => {
            let kind = object
                .get("type")
                .and_then(Value::as_array)
                .and_then(|t| t.first())
                .and_then(Value::as_str);
            if kind != Some("h-entry") {
                return Err(invalid("a create needs \"type\": [\"h-entry\"]"));
            }
            match object.remove("properties") {
                Some(Value::Object(props)) => MicropubRequest::Create(props),
                _ => return Err(invalid("a create needs \"properties\"")),
            }
        }
    };
    Ok(request)
}

/// The text of a property value: a string, or `{"value": …}` / `{"html": …}`.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("html")
            .or_else(|| o.get("value"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

fn first_text(props: &Map<String, Value>, name: &str) -> Option<String> {
    props
        .get(name)
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(text_of)
        .filter(|t| !t.trim().is_empty())
}

/// An image property value: its URL and alt text.
fn image_of(value: &Value) -> Option<(String, String)> {
    match value {
        Value::String(url) => Some((url.clone(), String::new())),
        Value::Object(o) => Some((
            o.get("value")?.as_str()?.to_string(),
            o.get("alt")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )),
        _ => None,
    }
}

fn markdown_image(url: &str, alt: &str) -> String {
    format!("![{}](<{}>)", alt.replace(['[', ']', '\n'], " "), url)
}

/// Micropub properties as a post. Photos become images in the text (with their alt text);
/// `featured` is the cover.
pub(super) fn input_of(props: &Map<String, Value>, slug: Option<String>) -> MpResult<PostInput> {
    for (name, value) in props {
        if !value.is_array() {
            return Err(invalid(format!("property {name:?} must be an array")));
        }
    }
    let mut body = first_text(props, "content").unwrap_or_default();
    let photos: Vec<(String, String)> = props
        .get("photo")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(image_of).collect())
        .unwrap_or_default();
    for (url, alt) in &photos {
        url::Url::parse(url).map_err(|_| invalid(format!("photo {url:?} is not a URL")))?;
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(&markdown_image(url, alt));
    }
    // An h-entry without a name is a note, as Micropub clients expect.
    let title = first_text(props, "name")
        .map(|name| name.trim().to_string())
        .unwrap_or_default();
    if title.is_empty() && body.trim().is_empty() {
        return Err(invalid("a post needs a name or some content"));
    }
    let published = first_text(props, "published")
        .map(|p| posts::parse_date(&p))
        .transpose()?;
    let draft = match first_text(props, "post-status").as_deref() {
        None | Some("published") => false,
        Some("draft") => true,
        Some(other) => return Err(invalid(format!("unknown post-status {other:?}"))),
    };
    let cover = props
        .get("featured")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(image_of);
    Ok(PostInput {
        title,
        slug: slug.or_else(|| first_text(props, "mp-slug")),
        lang: None,
        tags: props
            .get("category")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|t| t.trim().trim_start_matches('#').to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        summary: first_text(props, "summary"),
        published,
        author: None,
        body_markdown: body,
        draft,
        author_id: None,
        cover_url: cover.as_ref().map(|(url, _)| url.clone()),
        cover_alt: cover.map(|(_, alt)| alt).filter(|a| !a.is_empty()),
        quote_policy: None,
        updated: None,
    })
}

/// Applies an update's `replace`, `add` and `delete` to a post's properties.
pub(super) fn apply_update(
    props: &mut Map<String, Value>,
    replace: Map<String, Value>,
    add: Map<String, Value>,
    delete: Value,
) -> MpResult<()> {
    for (name, value) in replace {
        if !value.is_array() {
            return Err(invalid(format!("replace.{name} must be an array")));
        }
        props.insert(name, value);
    }
    for (name, value) in add {
        let Value::Array(values) = value else {
            return Err(invalid(format!("add.{name} must be an array")));
        };
        if let Value::Array(list) = props.entry(name).or_insert_with(|| json!([])) {
            list.extend(values);
        }
    }
    match delete {
        Value::Null => {}
        Value::Array(names) => {
            for name in names {
                let name = name
                    .as_str()
                    .ok_or_else(|| invalid("delete lists property names"))?;
                props.remove(name);
            }
        }
        Value::Object(values) => {
            for (name, value) in values {
                let Value::Array(gone) = value else {
                    return Err(invalid(format!("delete.{name} must be an array")));
                };
                if let Some(Value::Array(list)) = props.get_mut(&name) {
                    list.retain(|v| !gone.contains(v));
                }
            }
        }
        _ => return Err(invalid("delete must be an array or an object")),
    }
    Ok(())
}

/// Reads the body by its content type, after the header's token: without one, at most
/// `UNAUTHENTICATED_BODY_BYTES` are read, and more is refused as unauthorized. Multipart files
/// are stored as media only once the token is known.
pub(super) async fn read_request(
    data: &AppState,
    request: Request,
) -> MpResult<(MicropubRequest, api_token::Model)> {
    let headers = request.headers().clone();
    let from_header = header_token(data, &headers).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let request = match from_header {
        Some(_) => request,
        None => small_body(request).await?,
    };
    if content_type.starts_with("multipart/form-data") {
        return read_multipart(data, from_header, request).await;
    }
    let body = axum::body::to_bytes(request.into_body(), data.config.media.max_upload_bytes)
        .await
        .map_err(|_| MicropubError::TooLarge)?;
    let (parsed, token) = if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => json_to_request(value),
            Err(e) => (
                Err(invalid(format!("the JSON body cannot be read: {e}"))),
                None,
            ),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let fields = url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        fields_to_request(fields)
    } else {
        (
            Err(invalid(
                "send application/x-www-form-urlencoded, multipart/form-data or application/json",
            )),
            None,
        )
    };
    let token = authorize(data, from_header, token).await?;
    Ok((parsed?, token))
}

/// The request with its body read, if it is small enough to be read before the token is
/// known; a larger one (by its `Content-Length`, or as it arrives) is refused at once.
async fn small_body(request: Request) -> MpResult<Request> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > UNAUTHENTICATED_BODY_BYTES as u64) {
        return Err(MicropubError::Unauthorized);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, UNAUTHENTICATED_BODY_BYTES)
        .await
        .map_err(|_| MicropubError::Unauthorized)?;
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

async fn read_multipart(
    data: &AppState,
    from_header: Option<api_token::Model>,
    request: Request,
) -> MpResult<(MicropubRequest, api_token::Model)> {
    let (fields, files) = multipart_parts(request).await?;
    let (parsed, token) = fields_to_request(fields);
    let token = authorize(data, from_header, token).await?;
    let mut parsed = parsed?;
    if let MicropubRequest::Create(props) = &mut parsed {
        for (name, file_name, bytes) in files {
            require(&token, "create")?;
            let stored = media::store(
                data,
                Upload {
                    bytes,
                    original_name: file_name,
                    alt: String::new(),
                    user_id: token.user_id,
                },
            )
            .await?;
            let url = data.urls.media(&stored.display_file_name()).to_string();
            let name = name.strip_suffix("[]").unwrap_or(&name).to_string();
            if let Value::Array(list) = props.entry(name).or_insert_with(|| json!([])) {
                list.push(Value::String(url));
            }
        }
    }
    Ok((parsed, token))
}

/// A file of a multipart body: the field's name, the file's name, its bytes.
type FilePart = (String, String, Vec<u8>);

/// The text fields and the files of a multipart body.
type MultipartParts = (Vec<(String, Value)>, Vec<FilePart>);

/// The text fields and the files of a multipart body, in their order.
async fn multipart_parts(request: Request) -> MpResult<MultipartParts> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| invalid(e.body_text()))?;
    let mut fields = vec![];
    let mut files = vec![];
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field.bytes().await.map_err(multipart_error)?;
            files.push((name, file_name, bytes.to_vec()));
        } else {
            let text = field.text().await.map_err(multipart_error)?;
            fields.push((name, Value::String(text)));
        }
    }
    Ok((fields, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_collect_arrays() {
        let fields = vec![
            ("h".to_string(), json!("entry")),
            ("content".to_string(), json!("Hallo")),
            ("category[]".to_string(), json!("a")),
            ("category[]".to_string(), json!("b")),
            ("access_token".to_string(), json!("t")),
        ];
        let (request, token) = fields_to_request(fields);
        assert_eq!(token.as_deref(), Some("t"));
        let Ok(MicropubRequest::Create(props)) = request else {
            panic!("not a create");
        };
        assert_eq!(props["category"], json!(["a", "b"]));
        let input = input_of(&props, None).unwrap_or_else(|e| panic!("{e:?}"));
        // No `name`: a note, its text the content.
        assert!(input.title.is_empty());
        assert!(input.body_markdown.contains("Hallo"));
        assert_eq!(input.tags, vec!["a", "b"]);
    }

    #[test]
    fn updates() {
        let mut props = Map::new();
        props.insert("category".into(), json!(["a", "b"]));
        props.insert("name".into(), json!(["Old"]));
        apply_update(
            &mut props,
            serde_json::from_value(json!({"name": ["New"]})).unwrap_or_default(),
            serde_json::from_value(json!({"category": ["c"]})).unwrap_or_default(),
            json!({"category": ["a"]}),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(props["name"], json!(["New"]));
        assert_eq!(props["category"], json!(["b", "c"]));
        assert!(apply_update(&mut props, Map::new(), Map::new(), json!("name")).is_err());
    }
}

/// Properties of reading Micropub bodies, which arrive from any app (or anyone, within the
/// unauthenticated bound): any fields or JSON are a request or a 400, never a panic; a
/// multipart body gives back the fields and files it was made of.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("entry".to_string()),
            Just("h".to_string()),
            Just("action".to_string()),
            Just("update".to_string()),
            Just("delete".to_string()),
            Just("content".to_string()),
            Just("category[]".to_string()),
            Just("photo".to_string()),
            Just("published".to_string()),
            Just("post-status".to_string()),
            Just("draft".to_string()),
            Just("https://a.example/p.jpg".to_string()),
            Just("2026-13-45".to_string()),
            any::<String>(),
        ]
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((text(), inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    fn check(request: MpResult<MicropubRequest>) {
        match request {
            Ok(MicropubRequest::Create(props)) => {
                let _ = input_of(&props, None);
            }
            Ok(MicropubRequest::Update {
                replace,
                add,
                delete,
                ..
            }) => {
                let mut props = Map::new();
                props.insert("content".into(), json!(["x"]));
                props.insert("category".into(), json!(["a"]));
                if apply_update(&mut props, replace, add, delete).is_ok() {
                    let _ = input_of(&props, Some("slug".into()));
                }
            }
            _ => {}
        }
    }

    /// A multipart body of `parts` (name, file name if a file, content).
    fn multipart_body(boundary: &str, parts: &[(String, Option<String>, String)]) -> Vec<u8> {
        let mut body = String::new();
        for (name, file, content) in parts {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
            ));
            if let Some(file) = file {
                body.push_str(&format!("; filename=\"{file}\""));
            }
            body.push_str(&format!("\r\n\r\n{content}\r\n"));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        body.into_bytes()
    }

    fn read_multipart_body(boundary: &str, body: Vec<u8>) -> MpResult<MultipartParts> {
        let request = Request::builder()
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(axum::body::Body::from(body))
            .unwrap_or_default();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| invalid(e.to_string()))?
            .block_on(multipart_parts(request))
    }

    proptest! {
        #[test]
        fn any_fields_are_a_request_or_refused(
            fields in prop::collection::vec((text(), text()), 0..12),
        ) {
            let fields = fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
            let (request, _) = fields_to_request(fields);
            check(request);
        }

        #[test]
        fn any_json_is_a_request_or_refused(body in json()) {
            let (request, _) = json_to_request(body);
            check(request);
        }

        #[test]
        fn a_multipart_body_gives_back_its_parts(
            parts in prop::collection::vec(
                ("[a-z\\[\\]]{1,10}", prop::option::of("[a-z]{1,8}\\.jpg"), "[ -~\n]{0,40}"),
                0..6,
            ),
        ) {
            let boundary = "feder-boundary-7f3a";
            let read = read_multipart_body(boundary, multipart_body(boundary, &parts));
            prop_assert!(read.is_ok(), "{:?}", read.as_ref().err());
            let (fields, files) = read.unwrap_or_default();
            let want_fields: Vec<(String, Value)> = parts
                .iter()
                .filter(|(_, file, _)| file.is_none())
                .map(|(name, _, content)| (name.clone(), Value::String(content.clone())))
                .collect();
            let want_files: Vec<FilePart> = parts
                .iter()
                .filter_map(|(name, file, content)| {
                    file.clone().map(|f| (name.clone(), f, content.clone().into_bytes()))
                })
                .collect();
            prop_assert_eq!(fields, want_fields);
            prop_assert_eq!(files, want_files);
        }

        #[test]
        fn any_multipart_bytes_are_read_or_refused(
            body in prop::collection::vec(any::<u8>(), 0..512),
            prefix in prop::sample::select(vec![
                "",
                "--b\r\n",
                "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n",
            ]),
        ) {
            let _ = read_multipart_body("b", [prefix.as_bytes(), &body].concat());
        }
    }
}
