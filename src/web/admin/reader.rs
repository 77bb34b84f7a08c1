//! /admin/reader: the owner reads the accounts the blog follows — a timeline of their posts
//! and boosts (content warnings folded, images with their alt text, long posts folded, what
//! is new since the last visit marked) — and answers, likes, boosts or quotes them, or makes
//! a draft blog post that quotes and links to one (opened in the editor); each post's whole
//! thread opens at /admin/reader/thread with the same actions. Beside it: whom the blog follows (unfollow) and who follows the blog
//! (follow back), and a form to follow by handle or URL.

use super::{
    auth::{Author, CsrfForm},
    page, safe_back,
};
use crate::{
    db::entities::{actor, blog_reaction, remote_post},
    error::{AppError, AppResult, Text},
    federation::{actions, remote_thread, state::AppState},
    render::{i18n::Language, markdown},
    services::{followers, follows, local_actor::LocalActor, reader, reading, remote_actors},
    web::extract::Query,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use url::Url;

/// How many posts the timeline shows.
const TIMELINE: u64 = 100;
/// A post longer than this (in characters of text) is folded after its first words.
const LONG: usize = 700;
/// The first words of a folded post.
const EXCERPT: usize = 280;

#[derive(Serialize)]
struct PersonView {
    name: String,
    handle: String,
    url: String,
    ap_id: String,
    avatar: Option<String>,
}

fn person(ap_id: &str, profile: Option<&actor::Model>) -> PersonView {
    let server = Url::parse(ap_id)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_default();
    let username = profile.and_then(|p| p.preferred_username.clone());
    PersonView {
        name: profile
            .and_then(|p| p.name.clone().filter(|n| !n.trim().is_empty()))
            .or_else(|| username.clone())
            .unwrap_or_else(|| ap_id.to_string()),
        handle: username
            .map(|u| format!("@{u}@{server}"))
            .unwrap_or_default(),
        url: profile
            .and_then(|p| p.url.clone())
            .unwrap_or_else(|| ap_id.to_string()),
        ap_id: ap_id.to_string(),
        avatar: profile.and_then(|p| p.icon_url.clone()),
    }
}

#[derive(Serialize)]
struct MediaView {
    url: String,
    alt: Option<String>,
    image: bool,
}

#[derive(Serialize)]
struct EntryView {
    id: i32,
    ap_id: String,
    kind: String,
    url: String,
    author: PersonView,
    boosted_by: Option<PersonView>,
    title: Option<String>,
    /// A Note's summary: its content warning, the post folded under it.
    warning: Option<String>,
    /// An Article's summary, shown above it.
    lead: Option<String>,
    html: String,
    /// The first words of a long post (the whole one is folded under them).
    excerpt: Option<String>,
    media: Vec<MediaView>,
    published: String,
    new: bool,
    in_reply_to: Option<String>,
    liked: bool,
    boosted: bool,
    /// The quote's state: `sent` (pending), `accepted`, `rejected`.
    quote: Option<String>,
    /// The draft "Write a post about it" stores: its title, and its text (the post's first
    /// words quoted, its author and a link to it).
    draft_title: String,
    draft: String,
    /// Its place on the page (`id` of its element), and where its forms come back to.
    anchor: String,
    back: String,
    /// How deep it sits in a thread (0 in the timeline).
    depth: usize,
    /// Its thread in the Reader.
    thread: String,
}

/// The Markdown a blog post about `post` starts with: its first words quoted, then who
/// wrote it (name and handle) and a link to it (under its title, for an Article).
fn draft_of(post: &remote_post::Model, author: &PersonView, text: &str) -> String {
    let link = post.url.clone().unwrap_or_else(|| post.ap_id.clone());
    let words: String = text.chars().take(EXCERPT).collect();
    let quoted = match words.trim() {
        "" => String::new(),
        w if text.chars().count() > EXCERPT => format!("> {w}…\n\n"),
        w => format!("> {w}\n\n"),
    };
    let who = if author.handle.is_empty() {
        author.name.clone()
    } else {
        format!("{} ({})", author.name, author.handle)
    };
    let attribution = match &post.name {
        Some(title) => format!("— {who}: [{title}]({link})"),
        None => format!("— [{who}]({link})"),
    };
    format!("{quoted}{attribution}\n\n")
}

/// The title of a blog post about `post`: about its title (an Article's), else about a post
/// by its author.
fn draft_title(post: &remote_post::Model, author: &PersonView, lang: &Language) -> String {
    match post.name.as_deref().map(str::trim) {
        Some(title) if !title.is_empty() => {
            lang.get("admin_reader_draft_title").replace("%s", title)
        }
        _ => lang
            .get("admin_reader_draft_title_by")
            .replace("%s", &author.name),
    }
}

/// Where an entry's forms send the owner back to: the timeline or the thread, at the entry.
struct Place<'a> {
    /// `/admin/reader` or `/admin/reader/thread?id=…`.
    page: &'a str,
    anchor: String,
    depth: usize,
}

/// The thread page of the post `ap_id`.
fn thread_url(ap_id: &str) -> String {
    let id: String = url::form_urlencoded::byte_serialize(ap_id.as_bytes()).collect();
    format!("/admin/reader/thread?id={id}")
}

fn entry(
    post: remote_post::Model,
    place: Place<'_>,
    lang: &Language,
    profiles: &HashMap<String, actor::Model>,
    mine: &[blog_reaction::Model],
    local_time: impl Fn(chrono::DateTime<chrono::Utc>) -> String,
) -> EntryView {
    let author = person(&post.actor_ap_id, profiles.get(&post.actor_ap_id));
    let boosted_by = post
        .boosted_by
        .as_deref()
        .map(|b| person(b, profiles.get(b)));
    let text = markdown::plain_text(&post.content_html);
    let excerpt = (text.chars().count() > LONG).then(|| {
        let words: String = text.chars().take(EXCERPT).collect();
        format!("{}…", words.trim_end())
    });
    let has = |kind: &str| {
        mine.iter()
            .find(|r| r.kind == kind && r.object_ap_id == post.ap_id)
    };
    let is_article = post.kind != "Note";
    let media = reading::attachments(&post)
        .into_iter()
        .map(|a| MediaView {
            image: a.is_image(),
            url: a.url,
            alt: a.alt,
        })
        .collect();
    EntryView {
        id: post.id,
        kind: post.kind.clone(),
        url: post.url.clone().unwrap_or_else(|| post.ap_id.clone()),
        boosted_by,
        title: post.name.clone(),
        warning: post.summary.clone().filter(|_| !is_article),
        lead: post.summary.clone().filter(|_| is_article),
        excerpt,
        media,
        published: local_time(post.published_at),
        new: post.seen_at.is_none(),
        in_reply_to: post.in_reply_to.clone(),
        liked: has(blog_reaction::LIKE).is_some(),
        boosted: has(blog_reaction::ANNOUNCE).is_some(),
        quote: has(blog_reaction::QUOTE).map(|q| q.state.clone()),
        draft_title: draft_title(&post, &author, lang),
        draft: draft_of(&post, &author, &text),
        back: format!("{}#{}", place.page, place.anchor),
        anchor: place.anchor,
        depth: place.depth,
        thread: thread_url(&post.ap_id),
        author,
        ap_id: post.ap_id,
        html: post.content_html,
    }
}

#[derive(Serialize)]
struct FollowingView {
    person: PersonView,
    accepted: bool,
}

#[derive(Serialize)]
struct FollowerView {
    person: PersonView,
    /// The blog follows them already (no "follow back").
    followed: bool,
}

/// GET /admin/reader. What it shows as new is seen from then on.
pub async fn timeline(data: Data<AppState>, author: Author) -> AppResult<Response> {
    render(&data, &author, StatusCode::OK, None).await
}

async fn render(
    data: &Data<AppState>,
    author: &Author,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let settings = data.settings.current();
    let posts = reading::latest(&data.db, TIMELINE).await?;
    let following = follows::list(&data.db).await?;
    let blog_followers = followers::list(&data.db, None).await?;
    let mut ids: HashSet<String> = HashSet::new();
    for p in &posts {
        ids.insert(p.actor_ap_id.clone());
        ids.extend(p.boosted_by.clone());
    }
    ids.extend(following.iter().map(|f| f.actor_ap_id.clone()));
    ids.extend(blog_followers.iter().map(|f| f.actor_ap_id.clone()));
    let profiles = remote_actors::profiles(&data.db, ids.into_iter().collect()).await?;
    let objects: Vec<String> = posts.iter().map(|p| p.ap_id.clone()).collect();
    let mine = reader::of_posts(&data.db, &objects).await?;
    let shown_new: Vec<i32> = posts
        .iter()
        .filter(|p| p.seen_at.is_none())
        .map(|p| p.id)
        .collect();
    let newest = shown_new.len();
    let entries: Vec<EntryView> = posts
        .into_iter()
        .map(|p| {
            let place = Place {
                page: "/admin/reader",
                anchor: format!("entry-{}", p.id),
                depth: 0,
            };
            entry(p, place, author.lang, &profiles, &mine, |t| {
                settings.local_time(t)
            })
        })
        .collect();
    let followed: HashSet<&str> = following.iter().map(|f| f.actor_ap_id.as_str()).collect();
    let mut seen = HashSet::new();
    let followers_view: Vec<FollowerView> = blog_followers
        .iter()
        .rev()
        .filter(|f| seen.insert(f.actor_ap_id.clone()))
        .map(|f| FollowerView {
            person: person(&f.actor_ap_id, profiles.get(&f.actor_ap_id)),
            followed: followed.contains(f.actor_ap_id.as_str()),
        })
        .collect();
    let following_view: Vec<FollowingView> = following
        .iter()
        .map(|f| FollowingView {
            person: person(&f.actor_ap_id, profiles.get(&f.actor_ap_id)),
            accepted: f.accepted,
        })
        .collect();
    let response = page(
        status,
        "reader.html",
        minijinja::context! {
            title => author.t("admin_reader"), entries => entries,
            following => following_view, followers => followers_view,
            new_count => (newest > 0).then(|| author.lang.counted("admin_reader_new_count", newest)),
            error => error, ..author.nav()
        },
    );
    reading::mark_seen(&data.db, shown_new, data.clock.now()).await?;
    Ok(response)
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    id: String,
}

/// GET /admin/reader/thread?id=URL: the whole conversation of a post, read from the
/// fediverse now (the posts it answers, the replies its server and the others list), each
/// post with the timeline's actions.
pub async fn thread(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<ThreadQuery>,
) -> AppResult<Response> {
    let id = parse(&query.id)?;
    let posts = match remote_thread::read(&data, &id).await {
        Ok(posts) => posts,
        Err(AppError::BadRequest(_)) => vec![],
        Err(e) => return Err(e),
    };
    let now = data.clock.now();
    let ids: Vec<String> = posts.iter().map(|p| p.note.author.to_string()).collect();
    let profiles = remote_actors::profiles(&data.db, ids).await?;
    let objects: Vec<String> = posts.iter().map(|p| p.note.id.to_string()).collect();
    let mine = reader::of_posts(&data.db, &objects).await?;
    let settings = data.settings.current();
    let page_url = thread_url(id.as_str());
    let entries: Vec<EntryView> = posts
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            let place = Place {
                page: &page_url,
                anchor: format!("post-{n}"),
                depth: p.depth,
            };
            let post = reading::unstored(&p.note, now);
            entry(post, place, author.lang, &profiles, &mine, |t| {
                settings.local_time(t)
            })
        })
        .collect();
    let status = if entries.is_empty() {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::OK
    };
    Ok(page(
        status,
        "reader_thread.html",
        minijinja::context! {
            title => author.t("admin_reader_thread"), entries => entries,
            opened => id.as_str(), ..author.nav()
        },
    ))
}

#[derive(Deserialize)]
pub struct FollowForm {
    /// `@user@host`, `user@host` or an actor's URL.
    who: String,
}

/// POST /admin/reader/follow: the blog follows the account (its Follow is sent; its Accept
/// marks it followed). What could not be found is said on the page.
pub async fn follow(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> AppResult<Response> {
    match actions::follow(&data, form.who.trim()).await {
        Ok(_) => Ok(Redirect::to("/admin/reader#following").into_response()),
        Err(e @ (AppError::Database(_) | AppError::Internal(_))) => Err(e),
        Err(e) => {
            let error = format!("{}: {}", form.who.trim(), author.say(&e));
            render(&data, &author, StatusCode::BAD_REQUEST, Some(error)).await
        }
    }
}

#[derive(Deserialize)]
pub struct ActorForm {
    actor: String,
}

/// POST /admin/reader/unfollow: the blog stops following the account (an Undo of its Follow).
pub async fn unfollow(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<ActorForm>,
) -> AppResult<Response> {
    let actor = parse(&form.actor)?;
    follows::unfollow(&data, &actor).await?;
    Ok(Redirect::to("/admin/reader#following").into_response())
}

fn parse(url: &str) -> AppResult<Url> {
    Url::parse(url).map_err(|_| AppError::BadRequest(format!("{url:?} is not a URL")))
}

#[derive(Deserialize)]
pub struct ReactForm {
    object: String,
    /// `like` or `announce`.
    kind: String,
    /// Present: take it back.
    #[serde(default)]
    undo: Option<String>,
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/reader/react: like or boost a post (a `Like` to its author, an `Announce` to
/// them and the blog's followers), or take that back (`Undo`).
pub async fn react(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<ReactForm>,
) -> AppResult<Response> {
    let object = parse(&form.object)?;
    let kind = match form.kind.as_str() {
        blog_reaction::LIKE => blog_reaction::LIKE,
        blog_reaction::ANNOUNCE => blog_reaction::ANNOUNCE,
        blog_reaction::QUOTE if form.undo.is_some() => blog_reaction::QUOTE,
        other => return Err(AppError::BadRequest(format!("no reaction {other:?}"))),
    };
    if form.undo.is_some() {
        reader::undo(&data, kind, &object).await?;
    } else {
        actions::react(&data, kind, &object).await?;
    }
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/reader")).into_response())
}

#[derive(Deserialize)]
pub struct TextForm {
    object: String,
    text: String,
    #[serde(default)]
    back: Option<String>,
}

/// POST /admin/reader/reply: the blog answers a post (a Note in its thread, to its author and
/// the blog's followers), as `feder reply create` does.
pub async fn reply(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    if form.text.trim().is_empty() {
        return Err(AppError::Invalid(Text::new("admin_error_answer_empty")));
    }
    let object = parse(&form.object)?;
    // The reader is the blog's: it follows, likes and answers as the blog.
    actions::reply(&data, &object, &LocalActor::Blog, &form.text).await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/reader")).into_response())
}

#[derive(Deserialize)]
pub struct DraftForm {
    title: String,
    content: String,
}

/// POST /admin/reader/draft ("Write a post about it"): a draft quoting the post and linking
/// to it is stored (it is in /admin/posts with the drafts), and the editor opens on it.
pub async fn draft(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<DraftForm>,
) -> AppResult<Response> {
    let draft = reader::draft_about(&data, author.user.id, &form.title, &form.content).await?;
    Ok(Redirect::to(&format!("/admin/posts/{}/edit", draft.slug)).into_response())
}

/// POST /admin/reader/quote: the blog asks the post's author to let it quote the post
/// (FEP-044f `QuoteRequest`); the Reader shows it pending until their server accepts.
pub async fn quote(
    data: Data<AppState>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let object = parse(&form.object)?;
    actions::quote(&data, &object, &form.text).await?;
    Ok(Redirect::to(&safe_back(form.back.as_deref(), "/admin/reader")).into_response())
}
