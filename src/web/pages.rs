//! Pages for people: home, post (with its comment thread), tag, author and archive pages,
//! error pages, robots.txt, and the stylesheet and avatar.

use crate::web::extract::{Path, Query};
use crate::{
    db::{changes::Shows, entities::post},
    error::{AppError, AppResult},
    federation::{objects, state::AppState, threads},
    services::{comments, posts},
    web::cache::showing,
    web::comments as web_comments,
    web::respond::{activity_json, wants_activity_json},
    web::views::{self, Author, Authors},
};
use activitypub_federation::config::Data;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// The highest page number a list answers; beyond it is nothing worth a database query.
const MAX_PAGE: u64 = 100_000;

pub use super::layout::{common, error_page, message_page};
use super::layout::{render, ui};

fn with_link_header(mut response: Response, activity_json_url: &str) -> AppResult<Response> {
    response.headers_mut().insert(
        header::LINK,
        HeaderValue::from_str(&format!(
            "<{activity_json_url}>; rel=\"alternate\"; type=\"application/activity+json\""
        ))
        .map_err(AppError::internal)?,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

impl PageQuery {
    /// The page asked for, or `None` beyond what any blog has.
    fn number(&self) -> Option<u64> {
        let page = self.page.unwrap_or(1).max(1);
        (page <= MAX_PAGE).then_some(page)
    }
}

pub async fn home(
    data: Data<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if wants_activity_json(&headers) {
        // The blog's home page stands for its actor (its `url`).
        return Ok(activity_json(
            StatusCode::OK,
            objects::document::with_context(objects::actor::blog_to_person(&data).await?),
        ));
    }
    let Some(page) = query.number() else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let (list, more) = posts::page(&data.db, page, data.config.blog.posts_per_page).await?;
    if list.is_empty() && page > 1 {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    let ui = ui(&data);
    let authors = Authors::load(&data).await?;
    let canonical = match page {
        1 => data.urls.base().to_string(),
        n => format!("{}?page={n}", data.urls.base()),
    };
    let context = context! {
        page => page,
        canonical => canonical,
        posts => list.iter().map(|p| views::summary(&data, &authors, ui, p)).collect::<Vec<_>>(),
        newer_page => (page > 1).then(|| page - 1),
        older_page => more.then(|| page + 1),
        ..common(&data)
    };
    let response = with_link_header(
        render(&data, StatusCode::OK, "home.html", context),
        data.urls.actor().as_str(),
    )?;
    Ok(showing(response, Shows::posts(list.iter().map(|p| p.id))))
}

/// What a post page reads from its query: which comment the form answers, and the notice for
/// the writer of a comment just sent (these answers bypass the page cache).
#[derive(Deserialize)]
pub struct PostQuery {
    reply_to: Option<i32>,
    comment: Option<i32>,
    key: Option<String>,
    /// Which publication of the post an ActivityPub id names (`Urls::post_object`).
    publication: Option<i32>,
}

/// A post as ActivityPub: publication `publication` of it (`Urls::post_object`). Its
/// current one while it is on the blog; an earlier one, or one deleted, answers 410 with its
/// Tombstone, as Mastodon expects of an id it saw deleted; one not published yet, 404.
async fn post_object(data: &AppState, slug: &str, publication: i32) -> AppResult<Response> {
    let post = posts::find_any(&data.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let id = data.urls.post_object(&post.slug, publication);
    let live = post.is_public() && post.deleted_at.is_none();
    let response = if publication == post.publication && live {
        let counts = posts::counts(&data.db, post.id).await?;
        let article = threads::article(data, &post, counts).await?;
        activity_json(StatusCode::OK, objects::document::with_context(article))
    } else if (0..post.publication).contains(&publication)
        || (publication == post.publication && post.deleted_at.is_some() && post.is_public())
    {
        let when = post.deleted_at.unwrap_or(post.updated_at);
        let gone = objects::tombstone::tombstone(&id, post.object_type(), &when);
        activity_json(StatusCode::GONE, objects::document::with_context(gone))
    } else {
        return Err(AppError::NotFound);
    };
    Ok(showing(response, Shows::thread(post.id, [])))
}

pub async fn post(
    data: Data<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PostQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if wants_activity_json(&headers) {
        let publication = query.publication.unwrap_or(0);
        return post_object(&data, &slug, publication).await;
    }
    let Some(post) = posts::find(&data.db, &slug).await? else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let url = data.urls.post(&post.slug);
    if post.deleted_at.is_some() {
        let gone = error_page(&data, &headers, AppError::Gone);
        return Ok(showing(gone, Shows::posts([post.id])));
    }
    let (previous, next) = posts::neighbours(&data.db, &post).await?;
    let html = post_page(&data, &post, &query, (&previous, &next), false).await?;
    let response = with_link_header(html, url.as_str())?;
    let neighbours = [previous, next].into_iter().flatten().map(|p| p.id);
    Ok(showing(response, Shows::thread(post.id, neighbours)))
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    key: String,
}

/// `/posts/<slug>/preview?key=…`: a draft (or scheduled post) as it will look on the blog, for
/// whoever has the private link the editor shows (`posts::preview_key`). Not kept by the page
/// cache, not for search engines, and without the comment form; a wrong key is a 404 like a
/// post that does not exist.
pub async fn preview(
    data: Data<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PreviewQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let post = posts::find_any(&data.db, &slug)
        .await?
        .filter(|p| p.deleted_at.is_none() && p.status != post::TRASH);
    let Some(post) = post else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    if !posts::preview_allows(&data.db, &post, &query.key).await? {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    let reader = PostQuery {
        reply_to: None,
        comment: None,
        key: None,
        publication: None,
    };
    let mut response = post_page(&data, &post, &reader, (&None, &None), true).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(response)
}

/// The HTML page of `post` with its neighbours; `preview`: the private preview of a draft.
async fn post_page(
    data: &Data<AppState>,
    post: &post::Model,
    query: &PostQuery,
    (previous, next): (&Option<post::Model>, &Option<post::Model>),
    preview: bool,
) -> AppResult<Response> {
    let url = data.urls.post(&post.slug);
    let counts = posts::counts(&data.db, post.id).await?;
    let (list, writers) = comments::thread(data, post.id).await?;
    let ui = ui(data);
    let site = views::site(data);
    let authors = Authors::load(data).await?;
    let author = authors.of(post);
    // Mastodon credits the author under link previews when their account lists this domain
    // in its attributionDomains; without a handle of their own, their account on this blog
    // (with author actors), else the blog's account is named (both list this domain).
    let fediverse_creator = author.creator().unwrap_or_else(|| site.handle.clone());
    // The post's cover, else its author's picture, else the blog's.
    let (og_image, og_image_alt) = match (&post.cover_url, &author.avatar) {
        (Some(cover), _) => (
            cover.clone(),
            post.cover_alt
                .clone()
                .unwrap_or_else(|| views::headline(post)),
        ),
        (None, Some(avatar)) => (avatar.clone(), author.name.clone()),
        (None, None) => (site.icon.clone(), site.title.clone()),
    };
    let context = context! {
        lang => post.lang,
        post => context! {
            title => views::headline(post),
            note => post.is_note(),
            summary => post.summary,
            html => post.body_html,
            cover => post.cover_url,
            cover_alt => post.cover_alt,
            url => url.to_string(),
            lang => post.lang,
            author => author,
            published => views::iso(&post.published_at),
            published_display => ui.date(&post.published_at.with_timezone(&data.settings.current().tz())),
            updated => views::iso(&post.updated_at),
            reading_minutes => views::reading_minutes(&post.body_markdown),
            tags => views::tags(data, post),
        },
        json_ld => views::json_ld(data, post, &author),
        fediverse_creator => fediverse_creator,
        og_image => og_image,
        og_image_alt => og_image_alt,
        comments => views::comment_tree(data, ui, url.as_str(), &list, &writers),
        comment_count => counts.comments,
        likes => counts.likes,
        boosts => counts.shares,
        previous => previous.as_ref().map(|p| views::summary(data, &authors, ui, p)),
        next => next.as_ref().map(|p| views::summary(data, &authors, ui, p)),
        form => if preview { None } else { web_comments::form_for_page(data, post, query.reply_to).await? },
        comment_notice => web_comments::notice_for_page(data, post, query.comment, query.key.as_deref()).await?,
        preview => preview,
        ..common(data)
    };
    Ok(web_comments::page_with_form(
        data,
        post.id,
        data.templates.render("post.html", context),
    ))
}

/// One feed link of a list page.
#[derive(Serialize)]
struct FeedLink {
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    url: String,
}

/// A list of posts (a tag's, an author's, a month's) with a heading.
struct Listing<'a> {
    heading: String,
    canonical: String,
    posts: &'a [post::Model],
    page: u64,
    more: bool,
    author: Option<Author>,
    feeds: Vec<FeedLink>,
}

fn listing(data: &AppState, authors: &Authors, listing: Listing) -> Response {
    let ui = ui(data);
    let context = context! {
        heading => listing.heading,
        canonical => listing.canonical,
        posts => listing.posts.iter().map(|p| views::summary(data, authors, ui, p)).collect::<Vec<_>>(),
        newer_page => (listing.page > 1).then(|| listing.page - 1),
        older_page => listing.more.then(|| listing.page + 1),
        author => listing.author,
        feeds => listing.feeds,
        ..common(data)
    };
    let shows = Shows::posts(listing.posts.iter().map(|p| p.id));
    showing(render(data, StatusCode::OK, "list.html", context), shows)
}

pub async fn tag(
    data: Data<AppState>,
    Path(tag): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(page) = query.number() else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let (list, more) = posts::tagged(&data.db, &tag, page, data.config.blog.posts_per_page).await?;
    if list.is_empty() {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    let ui = ui(&data);
    let feed = |kind: &'static str, key: &str, ext: &str| FeedLink {
        kind,
        title: format!("#{tag} ({})", ui.get(key)),
        url: data.urls.tag_feed(&tag, ext).to_string(),
    };
    let feeds = vec![
        feed("application/atom+xml", "atom_feed", "atom"),
        feed("application/rss+xml", "rss_feed", "rss"),
        feed("application/feed+json", "json_feed", "json"),
    ];
    Ok(listing(
        &data,
        &Authors::load(&data).await?,
        Listing {
            heading: ui.get("tagged").replacen("%s", &tag, 1),
            canonical: data.urls.tag(&tag).to_string(),
            posts: &list,
            page,
            more,
            author: None,
            feeds,
        },
    ))
}

pub async fn author(
    data: Data<AppState>,
    Path(key): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(page) = query.number() else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let written = posts::authors(&data.db).await?;
    let authors = Authors::load(&data).await?;
    let Some((author, theirs)) = authors.by_key(&key, &written) else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let (list, more) = posts::by_author(
        &data.db,
        &theirs.ids,
        &theirs.names,
        theirs.unattributed,
        page,
        data.config.blog.posts_per_page,
    )
    .await?;
    if list.is_empty() && page > 1 {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    Ok(listing(
        &data,
        &authors,
        Listing {
            heading: ui(&data).get("posts_by").replacen("%s", &author.name, 1),
            canonical: author.url.clone(),
            posts: &list,
            page,
            more,
            author: Some(author),
            feeds: vec![],
        },
    ))
}

/// A year or month in the archive, with how many posts it has.
#[derive(Serialize)]
struct Period {
    name: String,
    url: String,
    count: usize,
}

/// `/archive`: the years that have posts.
pub async fn archive(data: Data<AppState>) -> AppResult<Response> {
    let dates = local_dates(&data).await?;
    let mut periods: Vec<Period> = vec![];
    for date in dates {
        match periods.last_mut() {
            Some(last) if last.name == date.year().to_string() => last.count += 1,
            _ => periods.push(Period {
                name: date.year().to_string(),
                url: data.urls.archive_year(date.year()).to_string(),
                count: 1,
            }),
        }
    }
    let ui = ui(&data);
    let context = context! {
        heading => ui.get("archive_title"),
        canonical => data.urls.archive().to_string(),
        periods => periods,
        ..common(&data)
    };
    // Counts of posts per period only: a post published or deleted changes the whole site.
    let page = render(&data, StatusCode::OK, "archive.html", context);
    Ok(showing(page, Shows::default()))
}

/// When each published post was published, newest first, in the blog's time zone: a post
/// from 00:30 on 1 January in Berlin belongs to January, not to December's UTC evening.
async fn local_dates(data: &AppState) -> AppResult<Vec<DateTime<Tz>>> {
    let tz = data.settings.current().tz();
    Ok(posts::publication_dates(&data.db)
        .await?
        .into_iter()
        .map(|d| d.with_timezone(&tz))
        .collect())
}

/// A year (1–9999) or a month (1–12) from the path; anything else is no page.
fn number_in<T: std::str::FromStr + PartialOrd>(text: &str, low: T, high: T) -> Option<T> {
    text.parse().ok().filter(|n| *n >= low && *n <= high)
}

/// `/archive/<year>`: the months of a year that have posts.
pub async fn archive_year(
    data: Data<AppState>,
    Path(year): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(year) = number_in(&year, 1, 9999) else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let dates = local_dates(&data).await?;
    let ui = ui(&data);
    let mut periods: Vec<Period> = vec![];
    for date in dates.iter().filter(|d| d.year() == year) {
        let name = ui.month_year(year, date.month());
        match periods.last_mut() {
            Some(last) if last.name == name => last.count += 1,
            _ => periods.push(Period {
                name,
                url: data.urls.archive_month(year, date.month()).to_string(),
                count: 1,
            }),
        }
    }
    if periods.is_empty() {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    let context = context! {
        heading => ui.get("archive_year").replacen("%s", &year.to_string(), 1),
        canonical => data.urls.archive_year(year).to_string(),
        periods => periods,
        ..common(&data)
    };
    // Counts of posts per period only: a post published or deleted changes the whole site.
    let page = render(&data, StatusCode::OK, "archive.html", context);
    Ok(showing(page, Shows::default()))
}

/// `/archive/<year>/<month>`: that month's posts.
pub async fn archive_month(
    data: Data<AppState>,
    Path((year, month)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (Some(year), Some(month)) = (number_in(&year, 1, 9999), number_in(&month, 1u32, 12)) else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let tz = data.settings.current().tz();
    let start = |year: i32, month: u32| {
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| tz.from_local_datetime(&d).earliest())
            .map(|d| d.with_timezone(&Utc))
    };
    let (from, until) = match month {
        12 => (start(year, 12), start(year + 1, 1)),
        m => (start(year, m), start(year, m + 1)),
    };
    let (Some(from), Some(until)) = (from, until) else {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    };
    let list = posts::published_between(&data.db, from, until).await?;
    if list.is_empty() {
        return Ok(error_page(&data, &headers, AppError::NotFound));
    }
    Ok(listing(
        &data,
        &Authors::load(&data).await?,
        Listing {
            heading: ui(&data).month_year(year, month),
            canonical: data.urls.archive_month(year, month).to_string(),
            posts: &list,
            page: 1,
            more: false,
            author: None,
            feeds: vec![],
        },
    ))
}

pub async fn not_found(data: Data<AppState>, headers: HeaderMap) -> Response {
    error_page(&data, &headers, AppError::NotFound)
}

/// `/static/<file>`: the stylesheet under its hashed name (kept by browsers for a year), the
/// same under its plain name for themes that link it (revalidated hourly), and the avatar.
pub async fn static_file(
    data: Data<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let stylesheet = data.templates.stylesheet();
    let cache = if Some(file.as_str()) == stylesheet.path.strip_prefix("/static/") {
        "public, max-age=31536000, immutable"
    } else if file == "style.css" {
        "public, max-age=3600"
    } else if file == "avatar.png" {
        return (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            &include_bytes!("../../templates/avatar.png")[..],
        )
            .into_response();
    } else {
        return error_page(&data, &headers, AppError::NotFound);
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        stylesheet.css.clone(),
    )
        .into_response()
}

/// `/favicon.ico`, which browsers ask for on every page (the admin's too): the blog's avatar
/// if one is set, else the default one. A temporary redirect, as the avatar can change.
pub async fn favicon(data: Data<AppState>) -> Response {
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, views::site(&data).icon),
            (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
        ],
    )
        .into_response()
}

pub async fn robots(data: Data<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        format!(
            "User-agent: *\nDisallow: /interact\nAllow: /\n\nSitemap: {}\n",
            data.urls.sitemap()
        ),
    )
        .into_response()
}
