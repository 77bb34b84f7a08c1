//! E-mail to the owner, received by a real SMTP server on loopback (aiosmtpd from PyPI, put in
//! `tests/mail/.venv` by `tests/mail/setup.sh`) and read back with Python's own `email`
//! package: the owner sets the server in /admin/settings (used at once), a fediverse reply and
//! a web comment that wait for approval each bring a mail whose link opens that comment in
//! /admin; the daily digest; and a blog without a mail server sends nothing and keeps nothing
//! for long. A web writer who gives an address confirms it (double opt-in) before any mail
//! about answers, and every such mail stops them or deletes the comment. On a German blog a
//! held reply, a follow (of the blog, and of an author, named in the mail), a mention, a
//! direct message and a quote each bring a German mail (no English word of the mail texts in
//! it) while their kind is on in /admin/settings, and none while it is off. Without the venv
//! it is skipped with a message, except under `CI=true`.

// A failed expect is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Utc;
use feder::{
    config::CommentPolicy,
    db::entities::{comment, mail, notification, setting},
    services::{local_actor::LocalActor, mail::send},
};
use scraper::{Html, Selector};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use serde_json::{Value, json};
use std::{path::Path, process::Command, time::Duration};
use support::{Blog, Browser, Instance, Peer, csrf_of, eventually, free_port, logged_in};

const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mail/.venv/bin/python");
const OWNER: &str = "owner@blog.example";

/// aiosmtpd on a free loopback port, storing what it receives in a Maildir.
struct Smtp {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Smtp {
    async fn start() -> Option<Smtp> {
        if !Path::new(PYTHON).exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "aiosmtpd is not installed: run tests/mail/setup.sh"
            );
            eprintln!("skipped: no aiosmtpd (run tests/mail/setup.sh)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .spawn()
            .expect("start aiosmtpd");
        let smtp = Smtp { child, port, dir };
        eventually("aiosmtpd listens", 20, || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
        })
        .await;
        Some(smtp)
    }

    /// Every mail received so far, oldest first, decoded by Python's `email` package:
    /// `{"to", "from", "subject", "body"}`.
    fn received(&self) -> Vec<Value> {
        let script = r#"
import json, os, sys
from email import policy
from email.parser import BytesParser
root = sys.argv[1]
paths = [os.path.join(root, d, f) for d in ("new", "cur") if os.path.isdir(os.path.join(root, d))
         for f in os.listdir(os.path.join(root, d))]
out = []
for path in sorted(paths, key=os.path.getmtime):
    with open(path, "rb") as f:
        m = BytesParser(policy=policy.default).parse(f)
    out.append({"to": str(m["to"]), "from": str(m["from"]), "subject": str(m["subject"]),
                "body": m.get_body(("plain",)).get_content()})
print(json.dumps(out))
"#;
        let output = Command::new(PYTHON)
            .args(["-c", script])
            .arg(self.dir.path().join("maildir"))
            .output()
            .expect("read the maildir");
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Waits for a mail whose subject contains `subject`.
    async fn wait_for(&self, subject: &str) -> Value {
        eventually(&format!("a mail about {subject:?}"), 30, || async {
            self.received()
                .into_iter()
                .find(|m| m["subject"].as_str().unwrap_or_default().contains(subject))
        })
        .await
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The owner sets the mail server in /admin/settings, as in the browser: the kinds of mail
/// the form shows ticked stay on (held comments and direct messages by default), and the
/// daily digest is ticked when `digest`.
async fn set_mail(browser: &mut Browser, smtp: &Smtp, digest: bool) {
    let form = browser.get("/admin/settings").await;
    let csrf = csrf_of(&form.text);
    let port = smtp.port.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("mail_smtp_host", "127.0.0.1"),
        ("mail_smtp_port", port.as_str()),
        ("mail_tls", "none"),
        ("mail_from", "Feder <blog@blog.example>"),
        ("mail_to", "nobody"),
    ];
    let refused = browser.post_form("/admin/settings/mail", &fields).await;
    assert_eq!(refused.status, 400, "not an address: {}", refused.text);
    fields.pop();
    fields.push(("mail_to", OWNER));
    let ticked = ticked_kinds(&form.html());
    assert_eq!(ticked, ["mail_held_comments", "mail_direct_messages"]);
    let mut kinds: Vec<&str> = ticked.iter().map(String::as_str).collect();
    if digest {
        kinds.push("mail_digest");
    }
    fields.extend(kinds.iter().map(|kind| (*kind, "true")));
    let saved = browser.post_form("/admin/settings/mail", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let form = browser.get("/admin/settings").await;
    assert!(form.text.contains(&format!("Mails go to {OWNER}")));
}

/// The kinds of mail the settings form shows switched on.
fn ticked_kinds(form: &Html) -> Vec<String> {
    let ticked = Selector::parse("form#mail input[type=checkbox][checked]").unwrap();
    form.select(&ticked)
        .filter_map(|i| i.value().attr("name"))
        .filter(|name| *name != "mail_forget_password")
        .map(String::from)
        .collect()
}

/// The one link into /admin/comments a mail has.
fn comment_link(body: &str) -> String {
    body.split_whitespace()
        .find(|w| w.contains("/admin/comments"))
        .unwrap_or_else(|| panic!("no link to the comment in {body}"))
        .to_string()
}

/// Opens `link` as the logged-in owner; returns the text of the comment it points at.
async fn open_link(browser: &mut Browser, blog: &Instance, link: &str) -> String {
    let path = link.strip_prefix(&blog.base()).expect("a link to the blog");
    let (path, fragment) = path.split_once('#').expect("a link to one comment");
    let page = browser.get(&format!("/{path}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = Html::parse_document(&page.text);
    let selector = Selector::parse(&format!("li#{fragment} .content")).unwrap();
    let found = html.select(&selector).next();
    found
        .unwrap_or_else(|| panic!("{link} shows no #{fragment}"))
        .text()
        .collect()
}

/// A comment written through the post page's form, as a reader does.
async fn write_on_the_web(blog: &Instance, slug: &str, writer: [&str; 3], text: &str) {
    let [name, email, website] = writer;
    let mut reader = Browser::new(blog);
    let page = reader.get(&format!("/posts/{slug}")).await;
    let html = Html::parse_document(&page.text);
    let form = html
        .select(&Selector::parse("form#comment-form").unwrap())
        .next()
        .expect("a comment form");
    let mut fields: Vec<(String, String)> = vec![];
    for input in form.select(&Selector::parse("input").unwrap()) {
        let e = input.value();
        if e.attr("type") == Some("checkbox") {
            continue;
        }
        let name = e.attr("name").unwrap().to_string();
        fields.push((name, e.attr("value").unwrap_or_default().to_string()));
    }
    for (field, value) in [
        ("author", name),
        ("email", email),
        ("website", website),
        ("text", text),
    ] {
        fields.retain(|(k, _)| k != field);
        fields.push((field.to_string(), value.to_string()));
    }
    // The form must be older than limits.web_comment_min_seconds (1 here).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let action = form.value().attr("action").unwrap();
    let path = action.strip_prefix(&reader.base).expect("same origin");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer = reader.post_form(path, &pairs).await;
    assert_eq!(answer.status, 303, "{}", answer.text);
}

/// Waits until the mail queue holds nothing: every mail recorded so far was sent (the worker
/// removes a mail only once the SMTP server took it) or there was none.
async fn queue_empty(blog: &Instance) {
    let db = &blog.data().db;
    eventually("the mail queue to be empty", 30, || async {
        (mail::Entity::find().count(db).await.unwrap() == 0).then_some(())
    })
    .await;
}

async fn comment_id(blog: &Instance, ap_id: &str) -> i32 {
    comment::Entity::find()
        .filter(comment::Column::ApId.eq(ap_id))
        .one(&blog.data().db)
        .await
        .unwrap()
        .expect("stored")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_comment_awaiting_approval_brings_a_mail_with_its_link() {
    let Some(smtp) = Smtp::start().await else {
        return;
    };
    let peer = Peer::start().await;
    let blog = Blog::new("mail_owner")
        .configure(|config| {
            config.blog.comment_policy = CommentPolicy::Approval;
            config.limits.web_comment_min_seconds = 1;
        })
        .start()
        .await;
    let mut owner = logged_in(&blog, "jane").await;
    set_mail(&mut owner, &smtp, false).await;
    let post = support::publish(&blog, "---\ntitle: Seeds\n---\nWhat grows.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);

    let reply = support::reply(&peer, &blog, &post_url, 1, "Lovely seeds, where from?").await;
    let id = comment_id(&blog, &reply).await;
    let mail = smtp.wait_for("waits for your approval").await;
    assert_eq!(mail["to"], OWNER);
    assert_eq!(mail["from"], "Feder <blog@blog.example>");
    assert!(
        mail["subject"].as_str().unwrap().contains("“Seeds”"),
        "{mail}"
    );
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("> Lovely seeds, where from?"), "{body}");
    assert!(body.contains(&post_url), "{body}");
    assert!(
        body.contains("(@alice@localhost) wrote on “Seeds”"),
        "{body}"
    );
    let link = comment_link(body);
    assert_eq!(link, format!("{}admin/comments#comment-{id}", blog.base()));
    let shown = open_link(&mut owner, &blog, &link).await;
    assert!(shown.contains("Lovely seeds"), "{shown}");

    let rosa = ["Rosa", "rosa@example.org", "https://rosa.example/"];
    write_on_the_web(&blog, &post.slug, rosa, "Mine came from the market.").await;
    let web = eventually("the web comment's mail", 30, || async {
        smtp.received().into_iter().find(|m| {
            m["body"]
                .as_str()
                .unwrap_or_default()
                .contains("Rosa (web form)")
        })
    })
    .await;
    let body = web["body"].as_str().unwrap();
    // What she gave in the form, which the blog shows no one else.
    assert!(body.contains("\nE-mail: rosa@example.org\n"), "{body}");
    assert!(
        body.contains("\nWebsite: https://rosa.example/\n"),
        "{body}"
    );
    let shown = open_link(&mut owner, &blog, &comment_link(body)).await;
    assert!(shown.contains("Mine came from the market."), "{shown}");
    // Sent mails leave the queue; Rosa, who gave her address, is asked whether she wants
    // to hear of answers: that mail is hers, not the owner's.
    queue_empty(&blog).await;
    let mails = smtp.received();
    let to_owner = mails.iter().filter(|m| m["to"] == OWNER).count();
    assert_eq!(to_owner, 2, "one mail per comment: {mails:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_mail_server_nothing_waits_for_long_and_the_digest_comes_daily() {
    let Some(smtp) = Smtp::start().await else {
        return;
    };
    let peer = Peer::start().await;
    let blog = Blog::new("mail_digest")
        .configure(|config| {
            config.blog.comment_policy = CommentPolicy::Approval;
        })
        .start()
        .await;
    let data = blog.data();
    let post = support::publish(&blog, "---\ntitle: Tides\n---\nLow and high.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);

    // No mail server: the mail waits, unsent, and is dropped once it is too old to matter.
    support::reply(&peer, &blog, &post_url, 1, "High tide at noon.").await;
    assert_eq!(send::run_once(&data).await.unwrap(), 0);
    assert_eq!(mail::Entity::find().count(&data.db).await.unwrap(), 1);
    mail::Entity::update_many()
        .col_expr(
            mail::Column::CreatedAt,
            Expr::value(Utc::now() - send::MAX_AGE - chrono::Duration::minutes(1)),
        )
        .exec(&data.db)
        .await
        .unwrap();
    send::run_once(&data).await.unwrap();
    assert_eq!(mail::Entity::find().count(&data.db).await.unwrap(), 0);

    // With a server and the digest on, the first round starts counting; a day later the
    // notifications since then come in one mail.
    let mut owner = logged_in(&blog, "jane").await;
    set_mail(&mut owner, &smtp, true).await;
    let state = eventually("the digest starts counting", 30, || async {
        setting::Entity::find_by_id("mail_digest_state")
            .one(&data.db)
            .await
            .unwrap()
    })
    .await;
    support::like(&peer, &blog, &post_url).await;
    support::reply(&peer, &blog, &post_url, 2, "Low tide at six.").await;
    smtp.wait_for("waits for your approval").await;
    let (_, counted_from) = state.value.split_once(' ').unwrap();
    let day_ago = Utc::now() - chrono::Duration::hours(25);
    setting::Entity::update(setting::ActiveModel {
        key: sea_orm::ActiveValue::Unchanged(state.key.clone()),
        value: Set(format!("{} {counted_from}", day_ago.to_rfc3339())),
        updated_at: Set(day_ago),
    })
    .exec(&data.db)
    .await
    .unwrap();
    let digest = smtp.wait_for("new notifications").await;
    assert_eq!(digest["to"], OWNER);
    assert!(
        digest["subject"]
            .as_str()
            .unwrap()
            .contains("2 new notifications"),
        "{digest}"
    );
    let body = digest["body"].as_str().unwrap();
    assert!(body.contains("1 comment, 1 like."), "{body}");
    assert!(body.contains("> Low tide at six."), "{body}");
    assert!(!body.contains("High tide"), "{body}");
    assert!(
        body.contains(&format!("{}admin/notifications", blog.base())),
        "{body}"
    );
    let link = comment_link(body);
    let shown = open_link(&mut owner, &blog, &link).await;
    assert!(shown.contains("Low tide at six."), "{shown}");
    // And not again the same day.
    send::run_once(&data).await.unwrap();
    let digests = smtp
        .received()
        .into_iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("new notifications")
        })
        .count();
    assert_eq!(digests, 1);
}

/// The link in `body` that starts with `prefix` (after the blog's address).
fn link_in(body: &str, blog: &Instance, prefix: &str) -> String {
    let start = format!("{}{prefix}", blog.base());
    body.split_whitespace()
        .find(|w| w.starts_with(&start))
        .unwrap_or_else(|| panic!("no {start}… link in {body}"))
        .to_string()
}

/// Opens a link of a mail to a writer, and presses the one button of the page it shows.
/// Returns the page after the button.
async fn follow_and_press(blog: &Instance, link: &str) -> Html {
    let mut reader = Browser::new(blog);
    let path = link.strip_prefix(&blog.base()).expect("a link to the blog");
    let page = reader.get(&format!("/{path}")).await;
    assert_eq!(page.status, 200, "{link}: {}", page.text);
    let html = Html::parse_document(&page.text);
    let form = html
        .select(&Selector::parse("main form[method=post]").unwrap())
        .next()
        .expect("a form that asks once more");
    let fields: Vec<(String, String)> = form
        .select(&Selector::parse("input[type=hidden]").unwrap())
        .map(|i| {
            let e = i.value();
            (
                e.attr("name").unwrap().into(),
                e.attr("value").unwrap_or_default().into(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let action = form.value().attr("action").unwrap();
    let done = reader
        .post_form(action.strip_prefix(&reader.base).unwrap(), &pairs)
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    Html::parse_document(&done.text)
}

/// The owner answers comment `id` from /admin/comments.
async fn answer(owner: &mut Browser, id: i32, text: &str) {
    let queue = owner.get("/admin/comments?status=approved").await;
    let csrf = csrf_of(&queue.text);
    let sent = owner
        .post_form(
            &format!("/admin/comments/{id}/reply"),
            &[("csrf", &csrf), ("back", "/admin/comments"), ("text", text)],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.text);
}

fn answers_to(smtp: &Smtp, address: &str) -> Vec<Value> {
    smtp.received()
        .into_iter()
        .filter(|m| m["to"] == address)
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("An answer to your comment")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_writer_confirms_first_then_hears_of_answers_and_can_stop_or_delete() {
    let Some(smtp) = Smtp::start().await else {
        return;
    };
    let blog = Blog::new("mail_writer")
        .configure(|config| {
            config.limits.web_comment_min_seconds = 1;
        })
        .start()
        .await;
    let mut owner = logged_in(&blog, "jane").await;
    set_mail(&mut owner, &smtp, false).await;
    let post = support::publish(&blog, "---\ntitle: Bees\n---\nThey hum.\n").await;
    const ROSA: &str = "rosa@reader.example";
    write_on_the_web(&blog, &post.slug, ["Rosa", ROSA, ""], "Do they sleep?").await;
    let id = comment::Entity::find()
        .filter(comment::Column::AuthorName.eq("Rosa"))
        .one(&blog.data().db)
        .await
        .unwrap()
        .expect("stored")
        .id;

    // The double opt-in: one mail with the confirm link, and nothing about answers before.
    let confirm = smtp.wait_for("Please confirm").await;
    assert_eq!(confirm["to"], ROSA);
    let body = confirm["body"].as_str().unwrap();
    assert!(body.contains("commented as Rosa on “Bees”"), "{body}");
    let on = link_in(body, &blog, &format!("comments/{id}/answers?do=on&token="));
    link_in(body, &blog, &format!("comments/{id}/delete?key="));
    answer(&mut owner, id, "Not before the night.").await;
    // A forged token is no confirmation.
    let forged = on.replace("token=", "token=00");
    let mut stranger = Browser::new(&blog);
    let refused = stranger
        .get(
            forged
                .strip_prefix(&blog.base())
                .map(|p| format!("/{p}"))
                .as_deref()
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, 404);
    let done = follow_and_press(&blog, &on).await;
    let text: String = done.root_element().text().collect();
    assert!(text.contains("Confirmed"), "{text}");

    // Confirmed: the next answer comes by mail, with the links to stop and to delete.
    answer(&mut owner, id, "They rest in the hive at night.").await;
    let mail = eventually("the answer's mail", 30, || async {
        answers_to(&smtp, ROSA).into_iter().next()
    })
    .await;
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("> They rest in the hive at night."), "{body}");
    assert!(
        body.contains(&format!("{}posts/bees#comment-", blog.base())),
        "{body}"
    );
    let off = link_in(body, &blog, &format!("comments/{id}/answers?do=off&token="));
    let delete = link_in(body, &blog, &format!("comments/{id}/delete?key="));

    // An answer from the fediverse comes by mail as well (the inbox reads what it answers
    // before it stores it).
    let peer = Peer::start().await;
    let rosa = comment::Entity::find_by_id(id)
        .one(&blog.data().db)
        .await
        .unwrap()
        .expect("stored");
    support::reply(&peer, &blog, &rosa.ap_id, 1, "Bees nap in flowers too.").await;
    eventually("the fediverse answer's mail", 30, || async {
        answers_to(&smtp, ROSA).into_iter().find(|m| {
            m["body"]
                .as_str()
                .is_some_and(|b| b.contains("nap in flowers"))
        })
    })
    .await;

    let done = follow_and_press(&blog, &off).await;
    let text: String = done.root_element().text().collect();
    assert!(text.contains("no more mails"), "{text}");
    answer(&mut owner, id, "And wake at dawn.").await;
    // A mail would have been recorded with the answer: once the queue is empty, the SMTP
    // server has every mail there was.
    queue_empty(&blog).await;
    assert_eq!(
        answers_to(&smtp, ROSA).len(),
        2,
        "the owner's answer and the fediverse one: before confirming and after stopping none"
    );

    // The delete link of the mail deletes the comment.
    follow_and_press(&blog, &delete).await;
    let stored = comment::Entity::find_by_id(id)
        .one(&blog.data().db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.deleted_at.is_some());
}

/// The owner of a German blog switches exactly `kinds` on (the server as `set_mail` sets it).
async fn set_kinds(browser: &mut Browser, smtp: &Smtp, kinds: &[&str]) {
    let form = browser.get("/admin/settings").await;
    let csrf = csrf_of(&form.text);
    let port = smtp.port.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("mail_smtp_host", "127.0.0.1"),
        ("mail_smtp_port", port.as_str()),
        ("mail_tls", "none"),
        ("mail_to", OWNER),
    ];
    fields.extend(kinds.iter().map(|kind| (*kind, "true")));
    let saved = browser.post_form("/admin/settings/mail", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let form = browser.get("/admin/settings").await;
    assert!(form.text.contains(&format!("Mails gehen an {OWNER}")));
    assert_eq!(ticked_kinds(&form.html()), kinds);
}

/// Words, lower-cased, of the mail texts (`mail_…`) of an interface language file.
fn mail_words(file: &str) -> std::collections::BTreeSet<String> {
    let path = format!("{}/templates/i18n/{file}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(path).unwrap();
    let parsed: toml::Table = toml::from_str(&source).unwrap();
    parsed["text"]
        .as_table()
        .unwrap()
        .iter()
        .filter(|(key, _)| key.starts_with("mail_"))
        .flat_map(|(_, value)| words_of(&value.as_str().unwrap().replace("%s", " ")))
        .collect()
}

/// The words of `text`, lower-cased; links and handles are addresses, not words.
fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.contains("://") && !w.starts_with("(@") && !w.starts_with('@'))
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The signed activities of one round, each from its own account of `peer` (`round` makes
/// their ids new): a reply to `post_url` (held: the blog approves every comment), a follow, a
/// public mention, a direct message and a quote of the post.
async fn each_kind(peer: &Peer, blog: &Instance, post_url: &str, round: u32) {
    let inbox = format!("{}inbox", blog.base());
    let text = |what: &str| format!("<p>{what} Runde {round}</p>");
    support::reply(
        peer,
        blog,
        post_url,
        round,
        &format!("Woher Runde {round}?"),
    )
    .await;
    let send = |user: &str, activity: Value| {
        let (inbox, user) = (inbox.clone(), peer.as_user(user));
        async move {
            let status = user.post_signed(&inbox, &activity).await;
            assert!(status < 300, "{activity} answered {status}");
        }
    };
    let follower = peer.as_user(&format!("folger{round}"));
    send(
        &format!("folger{round}"),
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": format!("{}/follows/{round}", follower.actor), "type": "Follow",
               "actor": follower.actor, "object": blog.actor()}),
    )
    .await;
    let mentioner = peer.as_user(&format!("nennt{round}"));
    let id = format!("{}/statuses/{round}", mentioner.actor);
    send(
        &format!("nennt{round}"),
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": format!("{id}/activity"), "type": "Create", "actor": mentioner.actor,
               "to": [feder::federation::PUBLIC], "cc": [blog.actor()],
               "object": {"id": id, "type": "Note", "attributedTo": mentioner.actor,
                          "to": [feder::federation::PUBLIC], "cc": [blog.actor()],
                          "tag": [{"type": "Mention", "href": blog.actor()}],
                          "content": text("Hallo Blog")}}),
    )
    .await;
    let writer = peer.as_user(&format!("schreibt{round}"));
    let id = format!("{}/statuses/dm{round}", writer.actor);
    send(
        &format!("schreibt{round}"),
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": format!("{id}/activity"), "type": "Create", "actor": writer.actor,
               "to": [blog.actor()],
               "object": {"id": id, "type": "Note", "attributedTo": writer.actor,
                          "to": [blog.actor()],
                          "tag": [{"type": "Mention", "href": blog.actor()}],
                          "content": text("Nur unter uns")}}),
    )
    .await;
    let quoter = peer.as_user(&format!("zitiert{round}"));
    let id = format!("{}/statuses/q{round}", quoter.actor);
    send(
        &format!("zitiert{round}"),
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": format!("{}/quote-requests/{round}", quoter.actor),
               "type": "QuoteRequest", "actor": quoter.actor, "object": post_url,
               "instrument": {"id": id, "type": "Note", "attributedTo": quoter.actor,
                              "to": [feder::federation::PUBLIC], "quote": post_url,
                              "content": text("Lesenswert")}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_blog_mails_each_kind_in_german_while_it_is_on() {
    let Some(smtp) = Smtp::start().await else {
        return;
    };
    let peer = Peer::start().await;
    let blog = Blog::new("mail_kinds")
        .configure(|config| {
            config.blog.lang = "de".into();
            config.blog.title = "Gartenblog".into();
            config.blog.timezone = "Europe/Berlin".into();
            config.blog.comment_policy = CommentPolicy::Approval;
            config.blog.author_actors = true;
        })
        .start()
        .await;
    let db = &blog.data().db;
    let mut owner = logged_in(&blog, "jane").await;
    let post = support::publish(&blog, "---\ntitle: Saatgut\n---\nWas wächst.\n").await;
    let post_url = format!("{}posts/{}", blog.base(), post.slug);

    // Every kind off: each of them is recorded (notifications) and brings no mail.
    set_kinds(&mut owner, &smtp, &[]).await;
    each_kind(&peer, &blog, &post_url, 1).await;
    support::settled(db, 30).await;
    let told = notification::Entity::find().count(db).await.unwrap();
    assert_eq!(told, 5, "reply, follow, mention, direct message, quote");
    queue_empty(&blog).await;
    assert_eq!(smtp.received().len(), 0, "{:?}", smtp.received());

    // Every kind on (the digest aside): one German mail each.
    let kinds = [
        "mail_held_comments",
        "mail_each_comment",
        "mail_direct_messages",
        "mail_mentions",
        "mail_quotes",
        "mail_follows",
    ];
    set_kinds(&mut owner, &smtp, &kinds).await;
    each_kind(&peer, &blog, &post_url, 2).await;
    // A follow of an author rather than of the blog: the mail says whom.
    let fan = peer.as_user("folgtjane");
    let jane = LocalActor::Author("jane".into()).id(&blog.data().urls);
    let follow = json!({"@context": "https://www.w3.org/ns/activitystreams",
                        "id": format!("{}/follows/jane", fan.actor), "type": "Follow",
                        "actor": fan.actor, "object": jane});
    let inbox = format!("{}inbox", blog.base());
    assert_eq!(fan.post_signed(&inbox, &follow).await, 202);
    let expected = [
        (
            "Ein Kommentar wartet auf deine Freigabe: „Saatgut“",
            "Woher Runde 2?",
        ),
        (
            "Neuer Follower: Alice Example (@folger2@localhost)",
            "folgt dem Blog seit",
        ),
        (
            "Neuer Follower von jane: Alice Example (@folgtjane@localhost)",
            "folgt jane seit",
        ),
        (
            "Alice Example (@nennt2@localhost) hat das Blog erwähnt",
            "Hallo Blog Runde 2",
        ),
        (
            "Eine private Nachricht von Alice Example (@schreibt2@localhost)",
            "Nur unter uns",
        ),
        (
            "Alice Example (@zitiert2@localhost) hat einen Beitrag zitiert: „Saatgut“",
            "Saatgut",
        ),
    ];
    support::settled(db, 30).await;
    queue_empty(&blog).await;
    let mails = smtp.received();
    assert_eq!(mails.len(), expected.len(), "one mail each: {mails:#?}");
    let english: Vec<String> = mail_words("en.toml")
        .difference(&mail_words("de.toml"))
        .cloned()
        .collect();
    assert!(english.contains(&"waits".to_string()), "{english:?}");
    for (subject, said) in expected {
        let mail = mails
            .iter()
            .find(|m| m["subject"] == format!("[Gartenblog] {subject}"))
            .unwrap_or_else(|| panic!("no mail {subject:?} in {mails:#?}"));
        let body = mail["body"].as_str().unwrap();
        assert!(body.contains(said), "{body}");
        // Times in the blog's zone, named.
        if subject.contains("Follower") {
            assert!(body.contains(" CET") || body.contains(" CEST"), "{body}");
        }
        let all = format!("{subject}\n{body}");
        let left: Vec<&String> = words_of(&all)
            .iter()
            .filter_map(|w| english.iter().find(|e| *e == w))
            .collect();
        assert!(left.is_empty(), "English words {left:?} in {all}");
    }
    let private = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("private Nachricht"))
        .unwrap();
    let body = private["body"].as_str().unwrap();
    assert!(body.contains("Sie ist privat"), "{body}");
    assert!(
        body.contains(&format!("{}admin/notifications", blog.base())),
        "{body}"
    );
}
