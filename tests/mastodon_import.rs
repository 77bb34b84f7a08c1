//! Moving in from Mastodon: an archive built here as Mastodon's `BackupService` writes it
//! (`outbox.json` with the account's activities, attachments as paths into the archive's
//! `media_attachments/`), zipped, imported with `feder import mastodon`'s service. Public
//! toots become notes with their dates, hashtags and images; a reply to one's own toot stays
//! under it; boosts, replies to others and followers-only toots stay out; a follower is sent
//! nothing; and importing again (the unpacked directory this time) adds nothing.

// A failed expect is a failed test.
#![allow(clippy::expect_used)]

mod support;

use feder::services::import;
use serde_json::{Value, json};
use std::io::Write;
use support::{Blog, Peer, page, texts};

const ACCOUNT: &str = "https://mastodon.example/users/alice";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A status as `ActivityPub::ActivitySerializer` writes it inside a `Create`; `public` puts
/// the public collection in `to` (else only the followers).
fn create(id: u64, published: &str, text: &str, reply_to: Option<String>, public: bool) -> Value {
    let status = format!("{ACCOUNT}/statuses/{id}");
    let followers = format!("{ACCOUNT}/followers");
    let (to, cc) = if public {
        (json!([PUBLIC]), json!([followers]))
    } else {
        (json!([followers]), json!([]))
    };
    json!({
        "id": format!("{status}/activity"), "type": "Create", "actor": ACCOUNT,
        "published": published, "to": to, "cc": cc,
        "object": {
            "id": status, "type": "Note", "summary": null, "inReplyTo": reply_to,
            "published": published, "url": format!("https://mastodon.example/@alice/{id}"),
            "attributedTo": ACCOUNT, "to": to, "cc": cc, "sensitive": false,
            "atomUri": status, "inReplyToAtomUri": reply_to,
            "conversation": format!("tag:mastodon.example,2019-03-01:objectId={id}:objectType=Conversation"),
            "content": text, "contentMap": {"en": text},
            "attachment": [], "tag": [],
            "replies": {"id": format!("{status}/replies"), "type": "Collection",
                        "first": {"type": "CollectionPage", "next": format!("{status}/replies?only_other_accounts=true&page=true"),
                                  "partOf": format!("{status}/replies"), "items": []}}
        }
    })
}

/// The archive's files: `outbox.json` (and `actor.json`), and one image.
fn archive_files() -> Vec<(String, Vec<u8>)> {
    let image_path = "media_attachments/files/109/000/001/original/4f9a.jpg";
    let mut first = create(
        111,
        "2019-03-01T10:00:00Z",
        "<p>Hello from the old place, <a href=\"https://mastodon.example/tags/cats\" class=\"mention hashtag\" rel=\"tag\">#<span>cats</span></a></p>",
        None,
        true,
    );
    first["object"]["attachment"] = json!([{
        "type": "Document", "mediaType": "image/jpeg", "url": image_path,
        "name": "A cat on a sofa", "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", "width": 64, "height": 48
    }]);
    first["object"]["tag"] =
        json!([{"type": "Hashtag", "href": "https://mastodon.example/tags/cats", "name": "#cats"}]);
    let items = vec![
        first,
        create(
            112,
            "2019-03-01T10:05:00Z",
            "<p>And a second thought on it.</p>",
            Some(format!("{ACCOUNT}/statuses/111")),
            true,
        ),
        create(
            113,
            "2020-07-14T08:30:00Z",
            "<p>Summer toot.</p>",
            None,
            true,
        ),
        create(
            114,
            "2020-07-15T08:30:00Z",
            "<p>Only for my followers.</p>",
            None,
            false,
        ),
        create(
            115,
            "2020-07-16T08:30:00Z",
            "<p>@bob I agree.</p>",
            Some("https://other.example/users/bob/statuses/9".into()),
            true,
        ),
        json!({
            "id": format!("{ACCOUNT}/statuses/116/activity"), "type": "Announce", "actor": ACCOUNT,
            "published": "2020-07-17T08:30:00Z", "to": [PUBLIC], "cc": [format!("{ACCOUNT}/followers")],
            "object": "https://other.example/users/bob/statuses/10"
        }),
    ];
    let outbox = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri", "inReplyToAtomUri": "ostatus:inReplyToAtomUri", "conversation": "ostatus:conversation", "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#", "blurhash": "toot:blurhash", "Hashtag": "as:Hashtag"}],
        "id": "outbox.json", "type": "OrderedCollection", "totalItems": items.len(),
        "orderedItems": items,
    });
    let actor = json!({"id": ACCOUNT, "type": "Person", "preferredUsername": "alice",
                       "outbox": "outbox.json", "inbox": format!("{ACCOUNT}/inbox")});
    vec![
        ("outbox.json".into(), outbox.to_string().into_bytes()),
        ("actor.json".into(), actor.to_string().into_bytes()),
        (image_path.into(), support::jpeg(64, 48)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mastodon_archive_becomes_notes_with_threads_and_images() {
    support::init();
    let blog = Blog::new("toots").start().await;
    let peer = Peer::start().await;
    support::follow(&peer, &blog).await;

    // Zipped as Mastodon hands it out, and unpacked.
    let dir = tempfile::tempdir().expect("dir");
    let unpacked = dir.path().join("archive");
    let zipped = dir.path().join("archive.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zipped).expect("zip file"));
    for (name, bytes) in archive_files() {
        let path = unpacked.join(&name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(&path, &bytes).expect("write");
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(&bytes).expect("zip write");
    }
    zip.finish().expect("zip");

    let report = import::mastodon(&blog.data(), &zipped, &mut |_| {})
        .await
        .expect("import");
    assert_eq!(
        (report.created, report.comments, report.media),
        (2, 1, 1),
        "{report}"
    );
    assert_eq!(
        report.skipped, 3,
        "followers-only, reply to another, boost: {report}"
    );

    // The first toot: a note with its date, hashtag, image, and the self-reply below it.
    let (status, html) = page(&format!("{}posts/toot-111", blog.base())).await;
    assert_eq!(status, 200);
    assert!(texts(&html, "article.post.note h1").is_empty());
    assert!(texts(&html, "article.post .e-content")[0].contains("Hello from the old place"));
    let time = scraper::Selector::parse("article.post time.dt-published").expect("selector");
    let published = html
        .select(&time)
        .next()
        .and_then(|t| t.value().attr("datetime"))
        .expect("time");
    assert!(published.starts_with("2019-03-01T10:00:00"), "{published}");
    let img = scraper::Selector::parse("article.post .e-content img").expect("selector");
    let image = html.select(&img).next().expect("the image");
    assert_eq!(image.value().attr("alt"), Some("A cat on a sofa"));
    let src = image.value().attr("src").expect("src");
    assert!(src.contains("/media/"), "{src}");
    let (status, _) = page(src).await;
    assert_eq!(status, 200, "the image is served here");
    assert!(texts(&html, "ul.tags a").iter().any(|t| t == "#cats"));
    assert_eq!(
        texts(&html, "section.comments li.comment .e-content"),
        vec!["And a second thought on it."]
    );
    // Only public toots: the followers-only one has no page.
    let (status, _) = page(&format!("{}posts/toot-114", blog.base())).await;
    assert_eq!(status, 404);
    let (status, _) = page(&format!("{}posts/toot-113", blog.base())).await;
    assert_eq!(status, 200);

    // Old toots are not news: the follower was sent none of them.
    blog.settle(20).await;
    assert!(
        support::received_of(&peer, "Create").is_empty(),
        "nothing delivered"
    );

    // Again, from the unpacked directory: nothing new.
    let again = import::mastodon(&blog.data(), &unpacked, &mut |_| {})
        .await
        .expect("again");
    assert_eq!(
        (again.created, again.comments, again.media),
        (0, 0, 0),
        "{again}"
    );
    assert_eq!(again.updated, 2, "{again}");
}
