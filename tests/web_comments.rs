//! Comments from readers without a fediverse account, through the real form on the post page:
//! the page is fetched and parsed, the fields it has are filled in and posted as a browser
//! does. Policies hold or show them, spam signals catch bots, threads nest, the local filter
//! learns from a click in /admin, and with the writer's consent (only then) a comment goes
//! into the fediverse thread, where an answer from Mastodon comes back under it.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use feder::{
    config::{CommentPolicy, Config},
    db::entities::comment,
    services::moderation,
};
use scraper::{Html, Selector};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::{collections::BTreeMap, time::Duration};
use support::{
    Answer, Blog, Browser, Instance, Peer, eventually, follow, logged_in, received_of, texts,
};

const SLUG: &str = "hello-world";

async fn blog(name: &str, configure: impl FnOnce(&mut Config)) -> Instance {
    let blog = Blog::new(name)
        .configure(|config| {
            config.limits.web_comment_min_seconds = 2;
            // The tests speak for several readers through X-Forwarded-For, as a proxy would.
            config.server.trusted_proxies = vec![std::net::IpAddr::from([127, 0, 0, 1])];
            configure(config);
        })
        .start()
        .await;
    support::publish(
        &blog,
        &format!("---\ntitle: Hello world\nslug: {SLUG}\n---\nFirst paragraph.\n"),
    )
    .await;
    blog
}

/// The comment form of a page as a browser sees it: where it goes, and every field it has
/// with its value (checkboxes only when checked, as browsers send them).
struct FilledForm {
    action: String,
    fields: BTreeMap<String, String>,
}

fn form_of(html: &Html) -> FilledForm {
    let form_selector = Selector::parse("form#comment-form").unwrap();
    let form = html.select(&form_selector).next().expect("a comment form");
    let mut fields = BTreeMap::new();
    for input in form.select(&Selector::parse("input").unwrap()) {
        let element = input.value();
        let name = element.attr("name").expect("named field").to_string();
        if element.attr("type") == Some("checkbox") && element.attr("checked").is_none() {
            continue;
        }
        fields.insert(name, element.attr("value").unwrap_or_default().to_string());
    }
    for textarea in form.select(&Selector::parse("textarea").unwrap()) {
        let name = textarea.value().attr("name").unwrap().to_string();
        fields.insert(name, textarea.text().collect());
    }
    FilledForm {
        action: form.value().attr("action").expect("action").to_string(),
        fields,
    }
}

impl FilledForm {
    /// Fills in a field the form has (a test of a field it does not have fails).
    fn set(&mut self, name: &str, value: &str) -> &mut Self {
        assert!(
            self.fields.contains_key(name),
            "the form has no field {name}"
        );
        self.fields.insert(name.to_string(), value.to_string());
        self
    }

    /// Ticks a checkbox the form has.
    fn tick(&mut self, html: &Html, name: &str) -> &mut Self {
        let selector = Selector::parse(&format!(
            "form#comment-form input[type=checkbox][name={name}]"
        ))
        .unwrap();
        let value = html
            .select(&selector)
            .next()
            .expect("the checkbox")
            .value()
            .attr("value")
            .unwrap_or("on")
            .to_string();
        self.fields.insert(name.to_string(), value);
        self
    }

    async fn send(&self, browser: &mut Browser) -> Answer {
        let path = self
            .action
            .strip_prefix(&browser.base)
            .expect("same origin");
        let pairs: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        browser.post_form(path, &pairs).await
    }
}

fn post_path() -> String {
    format!("/posts/{SLUG}")
}

/// Loads the post page (or a variant of it), as a reader does before writing.
async fn open(browser: &mut Browser, query: &str) -> Html {
    let answer = browser.get(&format!("{}{query}", post_path())).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.html()
}

/// The time a person needs at least (the blogs here ask for two seconds; a form sent at once
/// is at most one second old by the clock, whatever the millisecond it was loaded at).
async fn read_and_write() {
    tokio::time::sleep(Duration::from_millis(2100)).await;
}

/// Writes a comment through the form of the page at `query`; returns the answer to the POST.
async fn write(
    browser: &mut Browser,
    query: &str,
    fields: &[(&str, &str)],
    consent: bool,
) -> Answer {
    let html = open(browser, query).await;
    let mut form = form_of(&html);
    for (name, value) in fields {
        form.set(name, value);
    }
    if consent {
        form.tick(&html, "consent");
    }
    read_and_write().await;
    form.send(browser).await
}

/// Follows the redirect after a comment was taken: the post page with the writer's notice.
async fn notice(browser: &mut Browser, answer: &Answer) -> Html {
    assert_eq!(answer.status, 303, "{}", answer.text);
    let location = answer.location().expect("redirect");
    assert!(location.contains("#comment-notice"), "{location}");
    let path = location
        .strip_prefix(&browser.base)
        .expect("same origin")
        .to_string();
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    page.html()
}

fn comment_id(answer: &Answer) -> i32 {
    let location = answer.location().expect("redirect");
    let url = url::Url::parse(&location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "comment")
        .expect("comment id")
        .1
        .parse()
        .unwrap()
}

async fn shown(browser: &mut Browser) -> Vec<String> {
    texts(&open(browser, "").await, "li.comment .e-content")
}

async fn count_comments(blog: &Instance) -> u64 {
    comment::Entity::find()
        .count(&blog.data().db)
        .await
        .unwrap()
}

/// An action of the moderation queue in /admin, clicked as the owner does.
async fn moderate(admin: &mut Browser, id: i32, action: &str) {
    let queue = admin.get("/admin/comments").await;
    let csrf = support::csrf_of(&queue.text);
    let answer = admin
        .post_form(
            &format!("/admin/comments/{id}/{action}"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(answer.status, 303, "{action}: {}", answer.text);
}

/// The number in the admin navigation's notifications link, if it shows one.
fn unread_in_nav(html: &str) -> Option<String> {
    texts(&Html::parse_document(html), "header nav .count")
        .into_iter()
        .next()
}

/// The lines of /admin/notifications (opening it marks them seen).
async fn notification_lines(owner: &mut Browser) -> Vec<String> {
    let page = owner.get("/admin/notifications").await;
    assert_eq!(page.status, 200);
    texts(&page.html(), "li.notification .line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_comments_wait_then_threads_nest() {
    let blog = blog("webfirst", |c| {
        c.blog.comment_policy = CommentPolicy::FirstTime
    })
    .await;
    let mut reader = Browser::new(&blog);
    let html = open(&mut reader, "").await;
    let form = form_of(&html);
    for field in ["author", "email", "website", "text", "token", "url"] {
        assert!(form.fields.contains_key(field), "field {field}");
    }
    assert!(
        !form.fields.contains_key("consent"),
        "consent is off by default"
    );

    let ada = [
        ("author", "Ada"),
        ("email", "ada@example.com"),
        ("website", "ada.example"),
        (
            "text",
            "First! This is *nice*.\nSecond line <b>not bold</b>",
        ),
    ];
    let answer = write(&mut reader, "", &ada, false).await;
    let first = comment_id(&answer);
    let html = notice(&mut reader, &answer).await;
    let notice_text = texts(&html, "#comment-notice").join(" ");
    assert!(notice_text.contains("waits for approval"), "{notice_text}");
    assert!(
        notice_text.contains("/delete?key="),
        "the delete link is shown: {notice_text}"
    );
    assert!(
        shown(&mut reader).await.is_empty(),
        "held, so not on the page"
    );

    let mut owner = logged_in(&blog, "owner").await;
    // The held comment is news for the owner: counted, and named as its writer signed it.
    assert_eq!(
        unread_in_nav(&owner.get("/admin").await.text).as_deref(),
        Some("1")
    );
    let lines = notification_lines(&mut owner).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("Ada") && lines[0].contains("commented on"),
        "{lines:?}"
    );
    assert!(lines[0].contains("Hello world"), "the post: {lines:?}");
    assert!(!lines[0].contains("urn:feder:web"), "{lines:?}");
    assert_eq!(unread_in_nav(&owner.get("/admin").await.text), None);
    moderate(&mut owner, first, "approve").await;
    let html = open(&mut reader, "").await;
    assert_eq!(texts(&html, "li.comment .p-author"), vec!["Ada"]);
    assert_eq!(texts(&html, "li.comment .from-web"), vec!["from the web"]);
    let website = Selector::parse("li.comment a.p-author").unwrap();
    let link = html.select(&website).next().expect("the website link");
    assert_eq!(link.value().attr("href"), Some("https://ada.example/"));
    assert_eq!(link.value().attr("rel"), Some("nofollow ugc"));
    let body = Selector::parse("li.comment .e-content").unwrap();
    let content = html.select(&body).next().unwrap().inner_html();
    assert!(
        content.contains("<em>nice</em>") && content.contains("&lt;b&gt;not bold"),
        "{content}"
    );
    assert!(
        !html.html().contains("ada@example.com"),
        "the e-mail is never shown"
    );

    // The reply link opens the form set to answer Ada; Ada answers herself (known now, so
    // shown at once), and a stranger's first answer waits.
    let reply = Selector::parse("li.comment .reply-link a").unwrap();
    let href = html
        .select(&reply)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert!(
        href.ends_with(&format!("?reply_to={first}#comment-form")),
        "{href}"
    );
    let query = format!("?reply_to={first}");
    let reply_page = open(&mut reader, &query).await;
    assert_eq!(
        form_of(&reply_page).fields.get("parent"),
        Some(&first.to_string())
    );
    assert!(
        texts(&reply_page, ".replying")
            .join("")
            .contains("Replying to Ada")
    );
    let answer = write(
        &mut reader,
        &query,
        &[
            ("author", "Ada"),
            ("email", "ADA@example.com"),
            ("text", "Answering myself"),
        ],
        false,
    )
    .await;
    let html = notice(&mut reader, &answer).await;
    assert!(
        texts(&html, "#comment-notice")
            .join("")
            .contains("is published")
    );
    let answer = write(
        &mut reader,
        &query,
        &[("author", "Bob"), ("text", "A stranger answers")],
        false,
    )
    .await;
    notice(&mut reader, &answer).await;
    // Shown (Ada's) or held (Bob's), each one is a notification.
    assert_eq!(
        unread_in_nav(&owner.get("/admin").await.text).as_deref(),
        Some("2")
    );
    let lines = notification_lines(&mut owner).await;
    assert!(
        lines[0].contains("Bob") && lines[0].contains("Hello world"),
        "{lines:?}"
    );
    assert!(lines[1].contains("Ada"), "{lines:?}");
    let html = open(&mut reader, "").await;
    let nested = texts(
        &html,
        &format!("li#comment-{first} > ol.thread > li.comment .e-content"),
    );
    assert_eq!(nested, vec!["Answering myself"]);
    assert_eq!(texts(&html, "li.comment .e-content").len(), 2, "Bob waits");
    let waiting = moderation::queue(&blog.data().db, comment::PENDING, 10)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].author_name.as_deref(), Some("Bob"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_are_caught_and_the_filter_learns() {
    let blog = blog("webspam", |c| c.limits.web_comments_per_hour = 30).await;
    let mut bot = Browser::new(&blog);
    let before = count_comments(&blog).await;

    // The honeypot, hidden from people, filled in.
    let html = open(&mut bot, "").await;
    let mut form = form_of(&html);
    form.set("author", "Bot")
        .set("text", "hello")
        .set("url", "https://spam.example");
    read_and_write().await;
    let answer = form.send(&mut bot).await;
    assert_eq!(answer.status, 400);
    assert!(answer.text.contains("could not be accepted"));

    // Sent at once after loading the page: the form comes back, filled in as it was.
    let html = open(&mut bot, "").await;
    let mut form = form_of(&html);
    form.set("author", "Speedy")
        .set("text", "Too quick to be a person");
    let answer = form.send(&mut bot).await;
    assert_eq!(answer.status, 400);
    assert!(answer.text.contains("That was quick"), "{}", answer.text);
    assert_eq!(
        form_of(&answer.html()).fields["text"],
        "Too quick to be a person"
    );

    // A token not made by the blog.
    form.set("token", "1.1700000000.forged");
    let answer = form.send(&mut bot).await;
    assert_eq!(answer.status, 400);
    assert!(answer.text.contains("form has expired"));
    assert_eq!(count_comments(&blog).await, before, "none of them stored");

    // Too many links: held, and the writer is told so.
    let mut reader = Browser::new(&blog);
    let links = "See https://a.example and https://b.example and https://c.example";
    let answer = write(
        &mut reader,
        "",
        &[("author", "Linker"), ("text", links)],
        false,
    )
    .await;
    let linker = comment_id(&answer);
    let html = notice(&mut reader, &answer).await;
    assert!(
        texts(&html, "#comment-notice")
            .join("")
            .contains("waits for approval")
    );

    // The owner approves the linker and marks an obvious spam as spam: the filter learns.
    let spam =
        "Cheap pills casino bonus https://pills.example https://casino.example https://x.example";
    let answer = write(
        &mut reader,
        "",
        &[("author", "Pharma"), ("text", spam)],
        false,
    )
    .await;
    let pharma = comment_id(&answer);
    let mut owner = logged_in(&blog, "owner").await;
    moderate(&mut owner, linker, "approve").await;
    moderate(&mut owner, pharma, "spam").await;

    let answer = write(
        &mut reader,
        "",
        &[
            ("author", "Pharma"),
            ("text", "cheap casino bonus pills, today only"),
        ],
        false,
    )
    .await;
    let again = comment_id(&answer);
    let html = notice(&mut reader, &answer).await;
    assert!(
        texts(&html, "#comment-notice")
            .join("")
            .contains("waits for approval"),
        "spam is not told it is spam"
    );
    let stored = comment::Entity::find_by_id(again)
        .one(&blog.data().db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, comment::SPAM, "the filter caught it");
    let answer = write(
        &mut reader,
        "",
        &[
            ("author", "Reader"),
            ("text", "Thanks for writing this down, it helped me."),
        ],
        false,
    )
    .await;
    notice(&mut reader, &answer).await;
    let on_page = shown(&mut reader).await;
    assert_eq!(on_page.len(), 2, "{on_page:?}");
    assert!(on_page.iter().any(|t| t.starts_with("Thanks for writing")));

    // Per address: past the hourly number, 429 with Retry-After.
    let mut flood = Browser::new(&blog);
    flood.forwarded_for = Some("203.0.113.7".into());
    let mut statuses = vec![];
    for _ in 0..31 {
        statuses.push(form.send(&mut flood).await.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_consent_a_comment_joins_the_fediverse_thread() {
    let blog = blog("webfedi", |_| {}).await;
    let peer = Peer::start().await;
    follow(&peer, &blog).await;
    let post_url = format!("{}posts/{SLUG}", blog.base());
    let mut reader = Browser::new(&blog);

    // Without consent: on the page only.
    let answer = write(
        &mut reader,
        "",
        &[("author", "Quiet"), ("text", "Only here, please")],
        false,
    )
    .await;
    notice(&mut reader, &answer).await;
    // With consent: a Note of the blog actor in the post's thread.
    let answer = write(
        &mut reader,
        "",
        &[
            ("author", "Grace"),
            ("email", "grace@example.com"),
            ("text", "Hello *fediverse*"),
        ],
        true,
    )
    .await;
    let grace = comment_id(&answer);
    let location = answer.location().unwrap();
    let key = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "key")
        .unwrap()
        .1
        .to_string();
    let create = eventually("the peer receives the web comment", 20, || async {
        received_of(&peer, "Create").into_iter().next()
    })
    .await;
    let note = &create["object"];
    assert_eq!(note["type"], "Note");
    assert_eq!(note["attributedTo"], blog.actor());
    assert_eq!(note["inReplyTo"], post_url);
    let content = note["content"].as_str().unwrap();
    assert!(
        content.contains("<strong>Grace</strong> wrote:") && content.contains("<em>fediverse</em>"),
        "{content}"
    );
    assert!(!content.contains("grace@example.com"));
    let note_id = note["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        received_of(&peer, "Create").len(),
        1,
        "the comment without consent stays home"
    );

    // The Note is served, and listed in the post's replies; the other one is not.
    let (status, served) = support::get_json(&note_id).await;
    assert_eq!(status, 200);
    assert_eq!(served["content"], note["content"]);
    let (_, replies) = support::get_json(&format!("{post_url}/replies?page=1")).await;
    assert_eq!(replies["orderedItems"], serde_json::json!([note_id]));

    // A Mastodon user answers the Note: the answer appears under Grace's comment.
    support::reply(&peer, &blog, &note_id, 1, "Welcome, Grace!").await;
    let selector = format!("li#comment-{grace} > ol.thread > li.comment .e-content");
    let nested = eventually("the answer is under the web comment", 20, || async {
        let (_, html) = support::page(&post_url).await;
        let found = texts(&html, &selector);
        (!found.is_empty()).then_some(found)
    })
    .await;
    assert_eq!(nested, vec!["Welcome, Grace!"]);

    // Grace deletes her comment with the secret link: gone here and in the fediverse.
    let delete_path = format!("/comments/{grace}/delete?key={key}");
    let wrong = reader
        .get(&format!("/comments/{grace}/delete?key=wrong"))
        .await;
    assert_eq!(wrong.status, 404);
    let confirm = reader.get(&delete_path).await;
    assert_eq!(confirm.status, 200);
    let html = confirm.html();
    let form = html
        .select(&Selector::parse("section.comment-delete form").unwrap())
        .next()
        .unwrap();
    let action = form
        .value()
        .attr("action")
        .unwrap()
        .strip_prefix(&reader.base)
        .unwrap()
        .to_string();
    let key_field = form
        .select(&Selector::parse("input[name=key]").unwrap())
        .next()
        .unwrap();
    let answer = reader
        .post_form(
            &action,
            &[("key", key_field.value().attr("value").unwrap())],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert!(answer.text.contains("was deleted"));
    let delete = eventually("the peer receives the Delete", 20, || async {
        received_of(&peer, "Delete").into_iter().next()
    })
    .await;
    assert_eq!(delete["object"]["id"], note_id);
    let on_page = shown(&mut reader).await;
    assert!(!on_page.iter().any(|t| t.contains("Hello")), "{on_page:?}");
    assert!(
        on_page.iter().any(|t| t == "Welcome, Grace!"),
        "the answer keeps its place"
    );
}
