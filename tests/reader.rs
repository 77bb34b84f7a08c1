//! The Reader (/admin/reader) against the Fedify and bovine peers, on the real `feder` binary:
//! the owner follows the peer from the form (its Follow arrives, its Accept marks it followed),
//! the peer publishes a Note (with a content warning and an image with alt text) and an Article
//! (a heading, a figure, a list, a quotation: kept; a script: dropped), and both appear, marked
//! new until seen; the owner likes, boosts, replies and quotes from the Reader, and the peer
//! receives a `Like`, an `Announce`, a threaded `Note` and a `QuoteRequest` (pending until the
//! peer accepts it); undoing the like sends its `Undo`. "Write a post about it" stores a
//! draft quoting and linking the post and opens it in the editor. A whole thread (replies
//! sent to no one, found through `replies` and `context`) opens in thread order with the
//! same actions. bovine is followed,
//! read, liked, boosted and answered the same way (it has no Articles, quotes or threads).
//!
//! Needs the peers of `tests/interop/` (`tests/interop/setup.sh`); `FEDER_SKIP_INTEROP=1`
//! skips it, as it does the interop tests.

// A failed expect is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};
use std::time::Duration;
use support::{
    Answer, Blog, Browser, Feder, PeerProcess, STEP_SECONDS, csrf_of, interop, is_2xx,
    peer_installed, texts,
};

const PASSWORD: &str = "a long password";

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

/// The Reader once it shows what `ready` looks for (each look marks the timeline seen).
async fn reader_until(browser: &mut Browser, what: &str, ready: impl Fn(&Html) -> bool) -> Html {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(STEP_SECONDS);
    loop {
        let html = browser.get("/admin/reader").await.html();
        if ready(&html) {
            return html;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The timeline entry of the post `id`, as the page shows it (its outer HTML, parsed again).
fn entry(html: &Html, id: &str) -> Option<Html> {
    select(html, "li.entry")
        .into_iter()
        .find(|e| e.value().attr("data-id") == Some(id))
        .map(|e| Html::parse_fragment(&e.html()))
}

/// Follows `handle` (the peer) from the Reader's form: the peer receives the Follow and
/// accepts it, and the Reader lists the account as followed, no longer waiting. That page.
async fn follow_from_the_form(
    browser: &mut Browser,
    peer: &PeerProcess,
    feder: &Feder,
    handle: &str,
) -> Html {
    let followed = submit(browser, "/admin/reader/follow", &[("who", handle)]).await;
    assert_eq!(followed.status, 303, "{}", followed.text);
    let follow = received(peer, feder, "Follow", |a| {
        a["object"] == peer.actor.as_str()
    })
    .await;
    assert!(follow["id"].is_string(), "{follow}");
    let accept = peer
        .wait_for("the peer's Accept of the blog's Follow", |e| {
            e["event"] == "sent" && e["type"] == "Accept" && e["to"] == feder.actor().as_str()
        })
        .await;
    assert!(is_2xx(&accept["status"]), "{accept}");
    let accepted = reader_until(browser, "the follow marked accepted", |html| {
        select(html, "section.following li.person").len() == 1
            && select(html, "section.following .pending").is_empty()
    })
    .await;
    assert_eq!(
        texts(&accepted, "section.following li.person .handle"),
        vec![handle.to_string()]
    );
    accepted
}

/// The ActivityPub document at `url` (unsigned GET); it must answer 200.
async fn activity_json(url: &str) -> Value {
    let answer = support::client()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{url}");
    answer.json().await.unwrap()
}

/// Posts one of the Reader's forms with the page's CSRF token; the Reader answers 303.
async fn submit(browser: &mut Browser, action: &str, fields: &[(&str, &str)]) -> Answer {
    let page = browser.get("/admin/reader").await;
    let csrf = csrf_of(&page.text);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post_form(action, &all).await
}

/// The first activity of `kind` the peer received from the blog that `matches`.
async fn received(
    peer: &PeerProcess,
    feder: &Feder,
    kind: &str,
    matches: impl Fn(&Value) -> bool,
) -> Value {
    let actor = feder.actor();
    let what = format!("the blog's {kind}");
    let event = peer
        .wait_for(&what, |e| {
            e["event"] == "received"
                && e["type"] == kind
                && e["actor"] == actor.as_str()
                && matches(&e["activity"])
        })
        .await;
    event["activity"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fedify_is_followed_read_and_answered_from_the_reader() {
    if !peer_installed("fedify-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("reader").configure(interop).process().await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], &format!("{PASSWORD}\n"))
        .await;
    let mut peer = PeerProcess::start("fedify-peer").await;
    let mut browser = Browser::at(&feder.base());
    assert_eq!(browser.log_in("owner", PASSWORD).await.status, 303);

    // The peer follows the blog: the Reader lists it, with "follow back".
    peer.follow(&feder.actor()).await;
    let page = browser.get("/admin/reader").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = page.html();
    let handle = format!("@peer@{}", peer.host());
    assert_eq!(
        texts(&html, "section.followers li.person .handle"),
        vec![handle.clone()]
    );
    assert_eq!(
        select(&html, "section.followers form button.follow-back").len(),
        1
    );
    assert!(select(&html, "section.following li.person").is_empty());

    // Something that is no account is said on the page, and nothing is followed.
    let refused = submit(&mut browser, "/admin/reader/follow", &[("who", "no one")]).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(
        select(&refused.html(), "p.error").len(),
        1,
        "{}",
        refused.text
    );

    let accepted = follow_from_the_form(&mut browser, &peer, &feder, &handle).await;
    // Followed both ways now: no "follow back" any more.
    assert!(select(&accepted, "button.follow-back").is_empty());

    // The peer publishes a Note (a content warning over it, an image with its alt text) and an
    // Article (long: folded, its summary above it).
    let image = format!("http://{}/media/cat.png", peer.host());
    let done = peer
        .run(json!({
            "cmd": "post", "content": "<p>The cat sat on the mat.</p>", "summary": "Cats",
            "attachments": [{"url": image, "mediaType": "image/png", "name": "A grey cat on a red mat"}],
        }))
        .await;
    assert_eq!(done["delivered"], 1, "{done}");
    let note = done["note"].as_str().unwrap().to_string();
    // Its body has what a blog post has: a heading, a figure with an image and its alt
    // text, a list, a quotation; and a script that must not survive.
    let long = format!(
        "<h2>Raised beds</h2><figure><img src=\"/media/beds.png\" alt=\"Three raised beds\" onerror=\"alert(1)\">\
         <figcaption>Beds in May</figcaption></figure><ul><li>Soil</li><li>Sun</li></ul>\
         <blockquote><p>Gardens are slow.</p></blockquote><script>alert(1)</script>{}",
        "<p>Words about gardens. </p>".repeat(60)
    );
    let done = peer
        .run(json!({
            "cmd": "post", "type": "Article", "name": "On gardens",
            "summary": "Why gardens matter", "content": long,
        }))
        .await;
    assert_eq!(done["delivered"], 1, "{done}");
    let article = done["note"].as_str().unwrap().to_string();

    let html = reader_until(&mut browser, "both posts in the Reader", |html| {
        entry(html, &note).is_some() && entry(html, &article).is_some()
    })
    .await;
    let shown = entry(&html, &note).unwrap();
    assert_eq!(texts(&shown, "li.entry.new .new"), vec!["new"]);
    assert_eq!(texts(&shown, "details.cw > summary"), vec!["Cats"]);
    assert_eq!(
        texts(&shown, "details.cw .content"),
        vec!["The cat sat on the mat."]
    );
    let img = select(&shown, "details.cw img")
        .first()
        .map(|i| (i.value().attr("src"), i.value().attr("alt")))
        .expect("the image");
    assert_eq!(img, (Some(image.as_str()), Some("A grey cat on a red mat")));
    let shown = entry(&html, &article).unwrap();
    assert_eq!(texts(&shown, "h3.title"), vec!["On gardens"]);
    assert_eq!(texts(&shown, ".lead"), vec!["Why gardens matter"]);
    assert!(select(&shown, "details.cw").is_empty());
    assert_eq!(select(&shown, "details.more .content").len(), 1);
    assert!(texts(&shown, ".excerpt")[0].ends_with('…'));
    // An Article keeps its structure (`sanitize::article_html`), its relative image resolved
    // against the article's own address; nothing that runs is left.
    assert_eq!(texts(&shown, ".content h2"), vec!["Raised beds"]);
    assert_eq!(
        texts(&shown, ".content figure figcaption"),
        vec!["Beds in May"]
    );
    assert_eq!(texts(&shown, ".content ul li"), vec!["Soil", "Sun"]);
    assert_eq!(
        texts(&shown, ".content blockquote"),
        vec!["Gardens are slow."]
    );
    let figure = select(&shown, ".content figure img")
        .first()
        .map(|i| {
            (
                i.value().attr("src"),
                i.value().attr("alt"),
                i.value().attr("onerror"),
            )
        })
        .expect("the article's image");
    let beds = format!("http://{}/media/beds.png", peer.host());
    assert_eq!(
        figure,
        (Some(beds.as_str()), Some("Three raised beds"), None)
    );
    assert!(select(&shown, ".content script").is_empty());
    // Seen once, they are not new any more.
    let again = browser.get("/admin/reader").await.html();
    assert!(select(&again, "li.entry.new").is_empty());
    assert_eq!(select(&again, "li.entry").len(), 2);

    // Like, boost, reply and quote from the Reader.
    let back = "/admin/reader";
    let liked = submit(
        &mut browser,
        "/admin/reader/react",
        &[("object", &note), ("kind", "like"), ("back", back)],
    )
    .await;
    assert_eq!(liked.status, 303, "{}", liked.text);
    let like = received(&peer, &feder, "Like", |a| a["object"] == note.as_str()).await;
    let boosted = submit(
        &mut browser,
        "/admin/reader/react",
        &[("object", &note), ("kind", "announce"), ("back", back)],
    )
    .await;
    assert_eq!(boosted.status, 303, "{}", boosted.text);
    let boost = received(&peer, &feder, "Announce", |a| a["object"] == note.as_str()).await;
    assert!(
        boost["to"].to_string().contains("Public"),
        "a boost is public: {boost}"
    );
    let replied = submit(
        &mut browser,
        "/admin/reader/reply",
        &[
            ("object", &article),
            ("text", "Gardens *do* matter."),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(replied.status, 303, "{}", replied.text);
    let reply = received(&peer, &feder, "Create", |a| {
        a["object"]["inReplyTo"] == article.as_str()
    })
    .await;
    assert_eq!(reply["object"]["type"], "Note", "{reply}");
    assert!(
        reply["object"]["content"]
            .as_str()
            .unwrap()
            .contains("<em>do</em>"),
        "{reply}"
    );
    let quoted = submit(
        &mut browser,
        "/admin/reader/quote",
        &[
            ("object", &note),
            ("text", "Look at this cat."),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(quoted.status, 303, "{}", quoted.text);
    let request = received(&peer, &feder, "QuoteRequest", |a| {
        a["object"] == note.as_str()
    })
    .await;
    assert_eq!(request["instrument"]["quote"], note.as_str(), "{request}");
    assert!(
        request["instrument"]["content"]
            .as_str()
            .unwrap()
            .contains("Look at this cat."),
        "{request}"
    );

    // The quote's note and the request answer at their ids: the author's server may look.
    let quote_note = request["instrument"]["id"].as_str().unwrap().to_string();
    let served = activity_json(&quote_note).await;
    assert_eq!(
        (served["type"].as_str(), served["quote"].as_str()),
        (Some("Note"), Some(note.as_str())),
        "{served}"
    );
    assert!(served.get("quoteAuthorization").is_none(), "{served}");
    let served = activity_json(request["id"].as_str().unwrap()).await;
    assert_eq!(served["type"], "QuoteRequest", "{served}");

    let html = browser.get("/admin/reader").await.html();
    let shown = entry(&html, &note).unwrap();
    assert_eq!(select(&shown, "button.like.done").len(), 1);
    assert_eq!(select(&shown, "button.boost.done").len(), 1);
    assert_eq!(select(&shown, ".quote-state.sent").len(), 1);

    // The peer accepts the quote: no longer pending.
    let done = peer
        .run(json!({"cmd": "accept_quote", "request": request["id"], "actor": feder.actor()}))
        .await;
    assert!(is_2xx(&done["status"]), "{done}");
    reader_until(&mut browser, "the quote accepted", |html| {
        entry(html, &note).is_some_and(|e| select(&e, ".quote-state.accepted").len() == 1)
    })
    .await;
    // Accepted, the quote's note names the authorization its author's server granted.
    let served = activity_json(&quote_note).await;
    assert_eq!(
        served["quoteAuthorization"], done["authorization"],
        "{served}"
    );

    // Undo the like: the peer receives the Undo of that Like.
    let undone = submit(
        &mut browser,
        "/admin/reader/react",
        &[
            ("object", &note),
            ("kind", "like"),
            ("undo", "1"),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(undone.status, 303, "{}", undone.text);
    let undo = received(&peer, &feder, "Undo", |a| a["object"]["type"] == "Like").await;
    assert_eq!(undo["object"]["id"], like["id"], "{undo}");
    assert_eq!(undo["object"]["object"], note.as_str(), "{undo}");

    write_a_post_about_it(&mut browser, &peer, &note).await;
    read_a_whole_thread(&mut browser, &mut peer, &feder).await;
}

/// "Write a post about it" stores a draft — listed with the drafts in /admin/posts — titled
/// after the post, with its words quoted and its author and link below them, and opens it in
/// the editor; the draft's preview shows the quotation and links to the post. A second click
/// makes a second draft, not an edit of the first.
async fn write_a_post_about_it(browser: &mut Browser, peer: &PeerProcess, note: &str) {
    let html = browser.get("/admin/reader").await.html();
    let shown = entry(&html, note).unwrap();
    let field = |name: &str| {
        select(
            &shown,
            &format!("form[action='/admin/reader/draft'] input[name={name}]"),
        )
        .first()
        .and_then(|input| input.value().attr("value"))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no {name} in {}", shown.html()))
    };
    let (title, content) = (field("title"), field("content"));
    let handle = format!("@peer@{}", peer.host());
    assert!(
        content.starts_with("> The cat sat on the mat.\n\n— [")
            && content.contains(&format!("({handle})]({note})")),
        "{content}"
    );
    assert!(title.starts_with("About a post by "), "{title}");
    let fields = [("title", title.as_str()), ("content", content.as_str())];
    let made = submit(browser, "/admin/reader/draft", &fields).await;
    assert_eq!(made.status, 303, "{}", made.text);
    let edit = made.location().expect("the editor's address");
    let slug = edit
        .strip_prefix("/admin/posts/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .unwrap_or_else(|| panic!("not an editor: {edit}"))
        .to_string();
    let editor = browser.get(&edit).await;
    assert_eq!(editor.status, 200, "{}", editor.text);
    let editor_html = editor.html();
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(texts(&editor_html, "textarea#body"), vec![words(&content)]);
    let titles: Vec<&str> = select(&editor_html, "input[name=title]")
        .iter()
        .filter_map(|i| i.value().attr("value"))
        .collect();
    assert_eq!(titles, vec![title.as_str()]);
    let drafts = browser.get("/admin/posts?status=draft").await.html();
    let listed: Vec<String> = select(&drafts, "tr.post.status-draft")
        .iter()
        .filter_map(|r| r.value().attr("data-slug").map(str::to_string))
        .collect();
    assert_eq!(listed, vec![slug.clone()], "the drafts in /admin/posts");
    let again = submit(browser, "/admin/reader/draft", &fields).await;
    assert_eq!(again.status, 303, "{}", again.text);
    assert_ne!(again.location(), Some(edit.clone()), "a second draft");
    let preview = select(&editor_html, "a#preview-link")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    // The preview is keyed, not a session's: any browser may open it.
    let (status, html) = support::page(&preview).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(texts(&html, "blockquote"), vec!["The cat sat on the mat."]);
    let links: Vec<String> = select(&html, "a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(links.iter().any(|l| l == note), "{links:?}");
}

/// The thread page of `id`, its entries as (id, classes).
async fn thread_of(browser: &mut Browser, id: &str) -> (Html, Vec<(String, String)>) {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let page = browser.get(&format!("/admin/reader/thread?id={id}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = page.html();
    let entries = select(&html, "li.entry")
        .iter()
        .map(|e| {
            let v = e.value();
            (
                v.attr("data-id").unwrap().to_string(),
                v.attr("class").unwrap().to_string(),
            )
        })
        .collect();
    (html, entries)
}

/// The peer asks a question whose answers were delivered to no one (one listed in its
/// `replies`, one only in its `context` collection): the Reader's thread shows all three in
/// thread order, from the question or from the last answer, and like and reply there reach
/// the peer.
async fn read_a_whole_thread(browser: &mut Browser, peer: &mut PeerProcess, feder: &Feder) {
    let done = peer.run(json!({"cmd": "conversation"})).await;
    assert_eq!(done["delivered"], 1, "{done}");
    let root = done["root"].as_str().unwrap().to_string();
    let answer = done["replies"][0].as_str().unwrap().to_string();
    let deeper = done["replies"][1].as_str().unwrap().to_string();
    let html = reader_until(browser, "the question in the Reader", |html| {
        entry(html, &root).is_some()
    })
    .await;
    assert!(
        entry(&html, &answer).is_none(),
        "the answers were sent to no one"
    );
    let link = select(&entry(&html, &root).unwrap(), "a.thread")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();

    let page = browser.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let (html, entries) = thread_of(browser, &root).await;
    let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, vec![root.as_str(), answer.as_str(), deeper.as_str()]);
    assert!(entries[0].1.contains("opened") && !entries[0].1.contains("depth-"));
    assert!(entries[1].1.contains("depth-1"), "{entries:?}");
    assert!(entries[2].1.contains("depth-2"), "{entries:?}");
    assert_eq!(
        texts(&html, "li.entry .content"),
        vec!["What do you grow?", "Tomatoes, mostly.", "Which kind?"]
    );
    for id in [&root, &answer, &deeper] {
        let shown = select(&html, "li.entry")
            .into_iter()
            .find(|e| e.value().attr("data-id") == Some(id.as_str()))
            .map(|e| Html::parse_fragment(&e.html()))
            .unwrap();
        for form in [
            "form[action='/admin/reader/react'] button.like",
            "form[action='/admin/reader/react'] button.boost",
            "form[action='/admin/reader/reply']",
            "form[action='/admin/reader/quote']",
        ] {
            assert_eq!(select(&shown, form).len(), 1, "{form} on {id}");
        }
    }

    // Like the answer there: the peer receives the Like, and the owner is back in the thread.
    let csrf = csrf_of(&page.text);
    let back = format!("{link}#post-1");
    let liked = browser
        .post_form(
            "/admin/reader/react",
            &[
                ("csrf", csrf.as_str()),
                ("object", answer.as_str()),
                ("kind", "like"),
                ("back", back.as_str()),
            ],
        )
        .await;
    assert_eq!(liked.status, 303, "{}", liked.text);
    assert_eq!(liked.location().as_deref(), Some(back.as_str()));
    received(peer, feder, "Like", |a| a["object"] == answer.as_str()).await;
    let replied = browser
        .post_form(
            "/admin/reader/reply",
            &[
                ("csrf", csrf.as_str()),
                ("object", deeper.as_str()),
                ("text", "San Marzano."),
                ("back", back.as_str()),
            ],
        )
        .await;
    assert_eq!(replied.status, 303, "{}", replied.text);
    received(peer, feder, "Create", |a| {
        a["object"]["inReplyTo"] == deeper.as_str()
    })
    .await;

    // Opened from the last answer: what it answers comes first, and the like shows.
    let (html, entries) = thread_of(browser, &deeper).await;
    let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, vec![root.as_str(), answer.as_str(), deeper.as_str()]);
    assert!(entries[2].1.contains("opened"), "{entries:?}");
    assert_eq!(select(&html, "#post-1 button.like.done").len(), 1);

    // A post that cannot be read says so.
    let gone = format!("http://{}/notes/no-such-note", peer.host());
    let gone: String = url::form_urlencoded::byte_serialize(gone.as_bytes()).collect();
    let page = browser
        .get(&format!("/admin/reader/thread?id={gone}"))
        .await;
    assert_eq!(page.status, 502, "{}", page.text);
    assert_eq!(select(&page.html(), "p.error").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bovine_is_followed_read_and_answered_from_the_reader() {
    if !peer_installed("bovine-peer") {
        return;
    }
    support::init();
    let feder = Blog::new("reader_bovine")
        .configure(interop)
        .process()
        .await;
    feder
        .cli_with_input(&["admin", "create-user", "owner"], &format!("{PASSWORD}\n"))
        .await;
    let mut peer = PeerProcess::start("bovine-peer").await;
    let mut browser = Browser::at(&feder.base());
    assert_eq!(browser.log_in("owner", PASSWORD).await.status, 303);

    let handle = format!("@peer@{}", peer.host());
    follow_from_the_form(&mut browser, &peer, &feder, &handle).await;

    // bovine publishes a Note to its followers: it appears, marked new until seen.
    let done = peer
        .run(json!({"cmd": "post", "content": "<p>Hello from <em>bovine</em></p>"}))
        .await;
    assert_eq!(done["delivered"], 1, "{done}");
    let note = done["note"].as_str().unwrap().to_string();
    let html = reader_until(&mut browser, "bovine's note in the Reader", |html| {
        entry(html, &note).is_some()
    })
    .await;
    let shown = entry(&html, &note).unwrap();
    assert_eq!(texts(&shown, "li.entry.new .new"), vec!["new"]);
    assert_eq!(texts(&shown, ".content"), vec!["Hello from bovine"]);
    let again = browser.get("/admin/reader").await.html();
    assert!(select(&again, "li.entry.new").is_empty());

    // Like, boost and reply reach bovine (verified there with bovine.crypto).
    let back = "/admin/reader";
    for kind in ["like", "announce"] {
        let answer = submit(
            &mut browser,
            "/admin/reader/react",
            &[("object", &note), ("kind", kind), ("back", back)],
        )
        .await;
        assert_eq!(answer.status, 303, "{}", answer.text);
    }
    received(&peer, &feder, "Like", |a| a["object"] == note.as_str()).await;
    received(&peer, &feder, "Announce", |a| a["object"] == note.as_str()).await;
    let replied = submit(
        &mut browser,
        "/admin/reader/reply",
        &[
            ("object", &note),
            ("text", "Hello, bovine."),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(replied.status, 303, "{}", replied.text);
    let reply = received(&peer, &feder, "Create", |a| {
        a["object"]["inReplyTo"] == note.as_str()
    })
    .await;
    assert_eq!(reply["object"]["type"], "Note", "{reply}");

    // Its thread is the note alone (bovine lists no replies): read from bovine's server.
    let (_, entries) = thread_of(&mut browser, &note).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].0, note);
}
