//! The admin pages in the blog's interface language, over real HTTP against a real server and
//! a Mastodon-like signing peer: a German blog shows every admin page (login, dashboard, posts,
//! editor, pages, page editor, comments, notifications, followers, deliveries, media, profile,
//! settings, statistics, the Reader and a thread opened in it) in German, with no English
//! labels left, and its notification lines agree with the
//! number of people; an English blog stays English; and in a real headless Chromium the
//! editor's script writes its word count and autosave status in German.
// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Blog, Browser, Peer, follow, like, logged_in, publish, reply, texts};

/// Words of the English admin interface that must not be left on a German page.
const ENGLISH: &[&str] = &[
    "Posts",
    "Write",
    "Pages",
    "Notifications",
    "Comments",
    "Followers",
    "Deliveries",
    "Media",
    "Profile",
    "Settings",
    "Log",
    "Save",
    "Delete",
    "Title",
    "Reply",
    "Publish",
    "Upload",
    "Password",
    "Nothing",
    "Retry",
    "Remove",
    "Block",
    "Approve",
    "Reject",
    "Preview",
    "Summary",
    "Language",
    "Address",
    "yet",
    "the",
    "and",
    "liked",
    "commented",
    "followed",
    "Bold",
    "Italic",
    "Heading",
    "Create",
];

/// The page's visible text and its `title`, `placeholder` and `aria-label` attributes, in words.
fn words(html: &scraper::Html) -> Vec<String> {
    // What is typed into text areas (the blog's description, a post's text) is content.
    let mut page = texts(html, "title, body").join(" ");
    for typed in texts(html, "textarea") {
        page = page.replace(&typed, " ");
    }
    let mut all: Vec<String> = page.split_whitespace().map(String::from).collect();
    let labelled = scraper::Selector::parse("[title], [placeholder], [aria-label]").unwrap();
    for element in html.select(&labelled) {
        for name in ["title", "placeholder", "aria-label"] {
            if let Some(value) = element.value().attr(name) {
                all.extend(value.split_whitespace().map(String::from));
            }
        }
    }
    all.iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect()
}

/// GETs `path` and checks that each selector's texts include the expected German label and that
/// no English word of the interface is left.
async fn german(browser: &mut Browser, path: &str, expected: &[(&str, &str)]) {
    let answer = browser.get(path).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    let html = answer.html();
    assert_eq!(
        scraper::Html::root_element(&html).value().attr("lang"),
        Some("de"),
        "{path}"
    );
    for (selector, label) in expected {
        let found = texts(&html, selector);
        assert!(
            found.iter().any(|t| t.contains(label)),
            "{path}: {selector} has no {label:?}: {found:?}"
        );
    }
    let words = words(&html);
    let left: Vec<_> = ENGLISH
        .iter()
        .filter(|e| words.iter().any(|w| w == *e))
        .collect();
    assert!(
        left.is_empty(),
        "{path}: English left: {left:?} in {words:?}"
    );
}

const NAV: (&str, &str) = ("header nav a", "Einstellungen");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_blog_has_german_admin_pages() {
    let peer = Peer::start().await;
    let blog = Blog::new("i18n_admin_de")
        .configure(|c| c.blog.lang = "de".into())
        .start()
        .await;

    // The login form, before any session.
    let mut anonymous = Browser::new(&blog);
    let login = anonymous.get("/admin/login").await;
    let html = login.html();
    assert_eq!(texts(&html, "form.login button"), vec!["Anmelden"]);
    assert!(
        texts(&html, "h1")[0].starts_with("Bei "),
        "{:?}",
        texts(&html, "h1")
    );
    let wrong = anonymous
        .post_form(
            "/admin/login",
            &[
                ("username", "nobody"),
                ("password", "wrong"),
                ("csrf", &support::csrf_of(&login.text)),
                ("next", "/admin"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        texts(&wrong.html(), "p.error"),
        vec!["Falscher Benutzername oder falsches Passwort."]
    );

    let mut browser = logged_in(&blog, "jane").await;
    follow(&peer, &blog).await;
    let post = publish(&blog, "---\ntitle: Saatgut\n---\nWas wächst.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    reply(&peer, &blog, &post_url, 1, "Schöne Samen!").await;
    like(&peer, &blog, &post_url).await;

    german(
        &mut browser,
        "/admin/notifications",
        &[
            NAV,
            ("h1", "Benachrichtigungen"),
            ("details summary", "Antworten"),
        ],
    )
    .await;
    let lines = texts(
        &browser.get("/admin/notifications").await.html(),
        "li.notification .line",
    );
    assert!(
        lines.iter().any(|l| l.contains("hat favorisiert: Saatgut")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("hat kommentiert: Saatgut")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("folgt jetzt dem Blog")),
        "{lines:?}"
    );

    german(
        &mut browser,
        "/admin",
        &[NAV, ("h1", "Dashboard"), ("h2", "Neueste Kommentare")],
    )
    .await;
    german(
        &mut browser,
        "/admin/posts",
        &[
            NAV,
            ("h1", "Beiträge"),
            ("th", "Titel"),
            ("td.status", "veröffentlicht"),
            ("nav.tabs a[aria-current=page]", "Alle (1)"),
            ("nav.tabs a", "Papierkorb (0)"),
            ("select[name=action] option", "In den Papierkorb"),
        ],
    )
    .await;
    german(
        &mut browser,
        "/admin/posts/new",
        &[
            NAV,
            ("h1", "Neuer Beitrag"),
            ("button.primary", "Jetzt veröffentlichen"),
            ("label", "Zusammenfassung"),
        ],
    )
    .await;
    let edit = format!("/admin/posts/{}/edit", post.slug);
    german(
        &mut browser,
        &edit,
        &[
            NAV,
            ("h1", "Beitrag bearbeiten"),
            ("button.primary", "Aktualisieren"),
            ("button.danger", "In den Papierkorb"),
            ("form.unpublish button", "Zurückziehen"),
        ],
    )
    .await;
    // The editor's script gets its messages from the page.
    let editor = browser.get(&edit).await.html();
    assert_eq!(
        support::attr(&editor, "form#editor", "data-l-saving"),
        "Wird gespeichert …"
    );
    assert_eq!(
        support::attr(&editor, "form#editor", "data-l-words-one"),
        "%s Wort"
    );
    german(
        &mut browser,
        "/admin/pages",
        &[NAV, ("h1", "Seiten"), ("a.button", "Neue Seite erstellen")],
    )
    .await;
    german(
        &mut browser,
        "/admin/pages/new",
        &[
            NAV,
            ("h1", "Neue Seite"),
            ("button", "Als Entwurf speichern"),
        ],
    )
    .await;
    german(
        &mut browser,
        "/admin/comments?status=approved",
        &[
            NAV,
            ("h1", "Kommentare"),
            ("button", "Ablehnen"),
            ("button", "Autor sperren"),
            ("h2", "Sperren"),
        ],
    )
    .await;
    german(
        &mut browser,
        "/admin/followers",
        &[NAV, ("h1", "Follower"), ("button", "Entfernen und sperren")],
    )
    .await;
    german(
        &mut browser,
        "/admin/deliveries",
        &[NAV, ("h1", "Zustellungen"), ("h2", "Veröffentlichung")],
    )
    .await;
    german(
        &mut browser,
        "/admin/media",
        &[NAV, ("h1", "Medien"), ("button", "Hochladen")],
    )
    .await;
    german(
        &mut browser,
        "/admin/profile",
        &[NAV, ("h1", "Profil"), ("button", "Speichern")],
    )
    .await;
    german(
        &mut browser,
        "/admin/settings",
        &[
            NAV,
            ("h1", "Einstellungen"),
            ("legend", "Sprache und Zeit"),
            ("button", "Passwort ändern"),
            ("option", "jeder Kommentar wartet auf Freigabe"),
        ],
    )
    .await;
    german(
        &mut browser,
        "/admin/stats",
        &[
            NAV,
            ("header nav a", "Statistik"),
            ("header nav a", "Meldungen"),
            ("h1", "Statistik"),
            ("h2", "Follower im Verlauf"),
            ("svg title", "Beliebteste Beiträge"),
            ("dt", "Erreichte Server"),
            ("summary", "Als Tabelle"),
        ],
    )
    .await;
    let year = chrono::Datelike::year(&chrono::Utc::now());
    german(
        &mut browser,
        &format!("/admin/stats/{year}"),
        &[
            NAV,
            ("h1", &format!("Das Jahr {year}")),
            ("h2", "Am häufigsten favorisiert"),
            ("dt", "Neue Follower"),
        ],
    )
    .await;
    german(
        &mut browser,
        &format!("/admin/stats/posts/{}", post.slug),
        &[NAV, ("h1", "Saatgut"), ("h2", "Erreichte Server")],
    )
    .await;
    // The Reader, with a post of the peer, and that post's thread read from the peer.
    let note = format!("{}/notes/frage", peer.base);
    let doc = serde_json::json!({
        "id": note, "type": "Note", "attributedTo": peer.actor,
        "content": "<p>Was wächst bei euch?</p>", "published": "2026-11-01T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    peer.serve_note("frage", doc);
    let author = url::Url::parse(&peer.actor).unwrap();
    let stored = feder::services::remote_notes::RemoteNote {
        id: url::Url::parse(&note).unwrap(),
        author,
        kind: "Note".into(),
        in_reply_to: None,
        title: None,
        content_html: "<p>Was wächst bei euch?</p>".into(),
        article_html: None,
        links: 0,
        url: None,
        published: None,
        updated: None,
        audience: feder::services::remote_notes::Audience::Public,
        mentions: None,
        quotes: None,
        summary: None,
        attachments: vec![],
        context: None,
    };
    feder::services::reading::store(&blog.data().db, &stored)
        .await
        .unwrap();
    let reader = [
        NAV,
        ("h1", "Reader"),
        ("button", "Einen Beitrag darüber schreiben"),
        ("a.thread", "Unterhaltung öffnen"),
    ];
    german(&mut browser, "/admin/reader", &reader).await;
    let id: String = url::form_urlencoded::byte_serialize(note.as_bytes()).collect();
    german(
        &mut browser,
        &format!("/admin/reader/thread?id={id}"),
        &[
            NAV,
            ("h1", "Unterhaltung"),
            ("a", "Zurück zum Reader"),
            ("li.entry .content", "Was wächst bei euch?"),
        ],
    )
    .await;
    german(&mut browser, "/admin/reports", &[NAV, ("h1", "Meldungen")]).await;
    german(&mut browser, "/admin/moving", &[NAV, ("h1", "Umzug")]).await;
    let list = feder::services::blocklists::subscribe(
        &blog.data().site,
        "http://localhost:1/blocklist.csv",
    )
    .await
    .expect("subscribed");
    german(
        &mut browser,
        &format!("/admin/blocklists/{}", list.id),
        &[NAV, ("h1", "Sperrliste")],
    )
    .await;
    let nav = texts(&browser.get("/admin").await.html(), "header button");
    assert_eq!(nav, vec!["Abmelden"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_blog_keeps_english_admin_pages() {
    let blog = Blog::new("i18n_admin_en")
        .configure(|c| c.blog.lang = "en".into())
        .start()
        .await;
    let mut browser = logged_in(&blog, "jane").await;
    for (path, heading) in [
        ("/admin", "Dashboard"),
        ("/admin/posts", "Posts"),
        ("/admin/posts/new", "New post"),
        ("/admin/comments", "Comments"),
        ("/admin/notifications", "Notifications"),
        ("/admin/followers", "Followers (0)"),
        ("/admin/settings", "Settings"),
        ("/admin/stats", "Statistics"),
    ] {
        let answer = browser.get(path).await;
        let html = answer.html();
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(
            scraper::Html::root_element(&html).value().attr("lang"),
            Some("en")
        );
        assert_eq!(texts(&html, "h1")[0], heading, "{path}");
        assert!(texts(&html, "header nav a").contains(&"Settings".to_string()));
        assert_eq!(texts(&html, "header button"), vec!["Log out"]);
    }
}

/// The editor's script in a real headless Chromium writes its messages (word count, autosave)
/// in the blog's language, from the page's data attributes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_script_speaks_german() {
    let Some((chromium, driver)) = support::chromium() else {
        return;
    };
    use fantoccini::Locator;
    let blog = Blog::new("i18n_admin_js")
        .configure(|c| c.blog.lang = "de".into())
        .start()
        .await;
    feder::services::users::create(&blog.data().db, "jane", support::PASSWORD)
        .await
        .unwrap();
    let (_driver, driver_url) = support::start_driver(&driver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = support::connect(&driver_url, &chromium, profile.path()).await;
    let base = blog.base().trim_end_matches('/').to_string();
    support::log_in(&client, &base, "jane").await;
    client
        .goto(&format!("{base}/admin/posts/new"))
        .await
        .unwrap();
    let text_of = |css: &'static str| {
        let client = client.clone();
        async move { client.find(Locator::Css(css)).await.ok()?.text().await.ok() }
    };
    client
        .find(Locator::Css("input[name=title]"))
        .await
        .unwrap()
        .send_keys("Tomaten")
        .await
        .unwrap();
    client
        .find(Locator::Css("#body"))
        .await
        .unwrap()
        .send_keys("Rot")
        .await
        .unwrap();
    support::eventually("the word count in German", 10, || async {
        text_of("#word-count")
            .await
            .filter(|t| t.starts_with("1 Wort · 1 Min. Lesezeit"))
    })
    .await;
    support::eventually("the autosave in German", 20, || async {
        text_of("#autosave-status")
            .await
            .filter(|t| t.starts_with("Entwurf gespeichert um "))
    })
    .await;
    client.close().await.unwrap();
}

/// English words of messages, error pages and delivery reasons that must not be left on a
/// German page (besides the interface's words in `ENGLISH`).
const ENGLISH_MESSAGES: &[&str] = &[
    "needs",
    "must",
    "cannot",
    "only",
    "Only",
    "images",
    "uploaded",
    "Failed",
    "deserialize",
    "request",
    "error",
    "large",
    "answered",
    "did",
    "not",
    "is",
    "HTTP",
    "Likes",
    "Boosts",
];

/// An upload over the limit, as `browser` sends it: the server answers 413 as soon as it sees
/// the length and closes the connection, which the client may see as an error while it is
/// still sending; then it sends again, as a person would.
async fn refused_upload(browser: &Browser, content_type: &str, body: Vec<u8>) -> support::Answer {
    let cookies = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    for _ in 0..10 {
        let sent = support::client()
            .post(format!("{}/admin/media", browser.base))
            .header("Cookie", &cookies)
            .header("Accept", "text/html")
            .header("Content-Type", content_type)
            .body(body.clone())
            .send()
            .await;
        if let Ok(response) = sent {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            if let Ok(text) = response.text().await {
                return support::Answer {
                    status,
                    headers,
                    text,
                };
            }
        }
    }
    panic!("the upload was never answered");
}

/// `answer` is a German page with the `status` and `message`, and no English word in it.
fn german_answer(what: &str, answer: &support::Answer, status: u16, message: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.text);
    let html = answer.html();
    assert_eq!(
        scraper::Html::root_element(&html).value().attr("lang"),
        Some("de"),
        "{what} is a page of the blog: {}",
        answer.text
    );
    let body = texts(&html, "body").join(" ");
    assert!(body.contains(message), "{what}: no {message:?} in {body}");
    let words = words(&html);
    let left: Vec<_> = ENGLISH
        .iter()
        .chain(ENGLISH_MESSAGES)
        .filter(|e| words.iter().any(|w| w == *e))
        .collect();
    assert!(left.is_empty(), "{what}: English left: {left:?} in {body}");
}

/// A German blog in Berlin: what the owner types wrong, the public 400 and 413 pages, the
/// delivery and dead-letter reasons, the times and the words for likes are German, and every
/// time says its zone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_blog_says_every_message_in_german() {
    let peer = Peer::start().await;
    let blog = Blog::new("i18n_messages_de")
        .configure(|c| {
            c.blog.lang = "de".into();
            c.blog.timezone = "Europe/Berlin".into();
            // The description is the owner's words, not the interface's.
            c.blog.description = "Ein Garten im Fediverse.".into();
            c.inbox.max_attempts = 1;
        })
        .start()
        .await;
    let mut browser = logged_in(&blog, "jane").await;
    let html = [("Accept", "text/html")];
    follow(&peer, &blog).await;
    let post = publish(&blog, "---\ntitle: Saatgut\n---\nWas wächst.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);
    like(&peer, &blog, &post_url).await;
    // A reply in a thread whose server does not answer: a dead letter with its reason.
    let gone = format!("http://localhost:{}/notes/weit-weg", support::free_port());
    reply(&peer, &blog, &gone, 2, "Verloren").await;
    // The peer refuses the next post: a failed delivery with its reason.
    peer.answer_with(&[410; 20]);
    publish(&blog, "---\ntitle: Ernte\n---\nWas reif ist.\n").await;
    blog.settle(30).await;
    let csrf = support::csrf_of(&browser.get("/admin").await.text);

    // The editor: neither title nor text, a date that is none.
    let empty_title = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", " "),
                ("body", " "),
                ("action", "draft"),
            ],
        )
        .await;
    german_answer(
        "no title",
        &empty_title,
        400,
        "Ein Beitrag braucht einen Titel oder etwas Text.",
    );
    let bad_date = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "Termin"),
                ("body", "Text"),
                ("published", "nächsten Dienstag"),
                ("action", "draft"),
            ],
        )
        .await;
    german_answer(
        "a bad date",
        &bad_date,
        400,
        "Das Datum „nächsten Dienstag“",
    );
    // An upload that is no image, and one over the limit.
    let (content_type, body) = support::multipart(
        &[("csrf", &csrf), ("alt", "Kein Bild")],
        &[("file", "notiz.txt", "image/png", b"nur Text")],
    );
    let not_an_image = browser
        .post_with("/admin/media", &html, &content_type, body)
        .await;
    german_answer(
        "no image",
        &not_an_image,
        400,
        "Nur PNG-, JPEG-, GIF- und WebP-Bilder können hochgeladen werden.",
    );
    let (content_type, body) = support::multipart(
        &[("csrf", &csrf), ("alt", "Riesig")],
        &[(
            "file",
            "riesig.jpg",
            "image/jpeg",
            &vec![0u8; 11 * 1024 * 1024],
        )],
    );
    let too_large = refused_upload(&browser, &content_type, body).await;
    german_answer("11 MB", &too_large, 413, "");
    // The profile's avatar: not an address; an uploaded file is one, as in the settings.
    let bad_avatar = browser
        .post_form(
            "/admin/profile",
            &[
                ("csrf", &csrf),
                ("display_name", "Jane"),
                ("avatar_url", "ftp://bild"),
            ],
        )
        .await;
    german_answer(
        "an avatar",
        &bad_avatar,
        400,
        "Ein Bild muss eine http(s)-Adresse oder eine hochgeladene /media/-Datei sein.",
    );
    // A cover image or blog avatar address that is a script: the same rule and message.
    let script_cover = browser
        .post_form(
            "/admin/posts",
            &[
                ("csrf", &csrf),
                ("title", "Titelbild"),
                ("body", "Text"),
                ("cover_url", "javascript:alert(1)"),
                ("action", "draft"),
            ],
        )
        .await;
    german_answer(
        "a script as cover",
        &script_cover,
        400,
        "Ein Bild muss eine http(s)-Adresse oder eine hochgeladene /media/-Datei sein.",
    );
    assert!(!script_cover.text.contains("src=\"javascript:"));
    assert!(
        feder::services::posts::find_any(&blog.data().db, "titelbild")
            .await
            .unwrap()
            .is_none()
    );
    let script_icon = browser
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("title", "Garten"),
                ("lang", "de"),
                ("time_zone", "Europe/Berlin"),
                ("comment_policy", "open"),
                ("quote_policy", "anyone"),
                ("icon_url", "javascript:alert(1)"),
            ],
        )
        .await;
    german_answer(
        "a script as avatar",
        &script_icon,
        400,
        "Ein Bild muss eine http(s)-Adresse oder eine hochgeladene /media/-Datei sein.",
    );
    // A time zone that is none.
    let bad_zone = browser
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("title", "Garten"),
                ("lang", "de"),
                ("time_zone", "Mars/Olympus"),
                ("comment_policy", "open"),
                ("quote_policy", "anyone"),
            ],
        )
        .await;
    german_answer(
        "a time zone",
        &bad_zone,
        400,
        "„Mars/Olympus“ ist kein Zeitzonenname",
    );

    // The public pages' refusals are the blog's German pages, not axum's text or JSON.
    let mut reader = Browser::new(&blog);
    let bad_page = reader.get_with("/?page=abc", &html).await;
    german_answer("/?page=abc", &bad_page, 400, "");
    assert!(!bad_page.text.contains("Failed to deserialize"));

    // Why deliveries and received activities failed, in German; times with their zone.
    let deliveries = browser.get("/admin/deliveries").await;
    german_answer(
        "/admin/deliveries",
        &deliveries,
        200,
        "Der Server antwortete mit 410.",
    );
    assert!(
        deliveries.text.contains("Der Server antwortete nicht."),
        "{}",
        deliveries.text
    );
    for path in ["/admin", "/admin/posts", "/admin/deliveries"] {
        let page = browser.get(path).await;
        german_answer(path, &page, 200, "");
        let text = texts(&page.html(), "main").join(" ");
        assert!(
            text.contains(" CET") || text.contains(" CEST"),
            "{path} names the zone: {text}"
        );
        assert!(!text.contains("UTC"), "{path}: {text}");
    }

    // The same words for likes on the page and in the admin.
    let (_, page) = support::page(&post_url).await;
    assert_eq!(texts(&page, ".reactions .likes"), vec!["1 Favorit"]);
    let notifications = browser.get("/admin/notifications").await;
    assert!(notifications.text.contains("hat favorisiert"));
}
