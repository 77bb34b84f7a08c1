//! The editor: the list of posts (a tab per status, with counts, and bulk actions), writing
//! and editing (Markdown with a live preview), drafts with their private preview link,
//! scheduling, publishing (after a warning when the text is empty), unpublishing, the trash and
//! deleting. Everything goes through `services::posts`, so what is done here is what followers
//! receive.

use super::{
    auth::{Author, CsrfForm},
    page,
};
use crate::{
    db::entities::post,
    error::{AppError, AppResult, Text},
    federation::state::AppState,
    render::markdown,
    services::{
        media,
        posts::{self, PostInput, Published},
    },
    web::extract::{Path, Query},
};
use activitypub_federation::config::Data;
use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize, de::IgnoredAny};

/// The `datetime-local` form of a time, in the blog's time zone.
fn form_time(t: &DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value, read in the blog's time zone. A time the clocks skip (the hour
/// of a spring change) is read as one hour later, as a wall clock would show it.
fn parse_form_time(text: &str, tz: Tz) -> AppResult<Option<DateTime<Utc>>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            let local = tz.from_local_datetime(&t).earliest().or_else(|| {
                tz.from_local_datetime(&(t + chrono::Duration::hours(1)))
                    .earliest()
            });
            return match local {
                Some(local) => Ok(Some(local.with_timezone(&Utc))),
                None => Err(AppError::Invalid(Text::with(
                    "error_time_missing",
                    [text.to_string(), tz.to_string()],
                ))),
            };
        }
    }
    posts::parse_date(text).map(Some)
}

#[derive(Serialize)]
struct ListItem {
    slug: String,
    title: String,
    status: String,
    author: Option<String>,
    date: String,
    url: String,
}

/// A tab of /admin/posts: `all` (everything but the trash) or one status.
#[derive(Serialize)]
struct Tab {
    status: &'static str,
    count: u64,
    current: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
}

/// The tab a query asks for: `all` unless it names a status.
fn tab_of(status: &str) -> &'static str {
    post::STATUSES
        .into_iter()
        .find(|s| *s == status)
        .unwrap_or("all")
}

pub async fn list(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let settings = data.settings.current();
    let current = tab_of(&query.status);
    let counts = posts::status_counts(&data.db).await?;
    let all: u64 = counts
        .iter()
        .filter(|(s, _)| *s != post::TRASH)
        .map(|(_, n)| n)
        .sum();
    let tabs: Vec<Tab> = std::iter::once(("all", all))
        .chain(counts)
        .map(|(status, count)| Tab {
            status,
            count,
            current: status == current,
        })
        .collect();
    let items: Vec<ListItem> = posts::all(&data.db)
        .await?
        .into_iter()
        .filter(|p| p.deleted_at.is_none())
        .filter(|p| match current {
            "all" => p.status != post::TRASH,
            status => p.status == status,
        })
        .map(|p| ListItem {
            url: data.urls.post(&p.slug).to_string(),
            date: settings.local_time(p.published_at),
            slug: p.slug,
            title: p.title,
            status: p.status,
            author: p.author,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "posts.html",
        minijinja::context! {
            title => author.t("admin_posts"), posts => items, tabs => tabs, tab => current,
            time_zone => settings.blog.timezone.clone(), ..author.nav()
        },
    ))
}

/// What one of the list's bulk actions does to a post; `None` when it does not apply to it
/// (publishing a published post, restoring one not in the trash): skipped.
async fn act_on(data: &AppState, action: &str, slug: &str) -> AppResult<Option<post::Model>> {
    let Some(post) = posts::find_any(&data.db, slug)
        .await?
        .filter(|p| p.deleted_at.is_none())
    else {
        return Ok(None);
    };
    let applies = match action {
        "publish" => post.status == post::DRAFT || post.status == post::SCHEDULED,
        "unpublish" => post.is_public(),
        "trash" => post.status != post::TRASH,
        "restore" | "delete" => post.status == post::TRASH,
        other => return Err(AppError::BadRequest(format!("unknown action {other:?}"))),
    };
    if !applies {
        return Ok(None);
    }
    Ok(Some(match action {
        "publish" => posts::publish_now(data, slug).await?,
        "unpublish" => posts::unpublish(data, slug).await?,
        "trash" => posts::trash(data, slug).await?,
        "restore" => posts::restore(data, slug).await?,
        _ => posts::delete(data, slug).await?,
    }))
}

/// POST /admin/posts/bulk: `action` (publish, unpublish, trash, restore, delete — the last
/// only for posts in the trash) for every checked `slug`; back to the tab it came from.
pub async fn bulk(
    data: Data<AppState>,
    author: Author,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let action = field("action");
    let mut done = 0;
    for (_, slug) in fields.iter().filter(|(k, _)| k == "slug") {
        done += usize::from(act_on(&data, action, slug).await?.is_some());
    }
    tracing::info!(action, done, user = %author.user.username, "bulk action on posts");
    Ok(Redirect::to(&list_address(field("tab"))).into_response())
}

/// The list, on the tab `tab`.
fn list_address(tab: &str) -> String {
    match tab_of(tab) {
        "all" => "/admin/posts".into(),
        status => format!("/admin/posts?status={status}"),
    }
}

/// POST /admin/posts/{slug}/unpublish: back to draft (followers get a Delete).
pub async fn unpublish(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    posts::unpublish(&data, &slug).await?;
    tracing::info!(%slug, user = %author.user.username, "unpublished");
    Ok(Redirect::to(&format!("/admin/posts/{slug}/edit")).into_response())
}

/// POST /admin/posts/{slug}/trash: into the trash (unpublished first when it was public).
pub async fn trash(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    posts::trash(&data, &slug).await?;
    tracing::info!(%slug, user = %author.user.username, "moved to the trash");
    Ok(Redirect::to("/admin/posts?status=trash").into_response())
}

/// POST /admin/posts/{slug}/restore: out of the trash, back to what it was.
pub async fn restore(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    posts::restore(&data, &slug).await?;
    tracing::info!(%slug, user = %author.user.username, "restored from the trash");
    Ok(Redirect::to(&format!("/admin/posts/{slug}/edit")).into_response())
}

/// POST /admin/trash/empty: every post in the trash deleted for good.
pub async fn empty_trash(
    data: Data<AppState>,
    author: Author,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    let deleted = posts::empty_trash(&data).await?;
    tracing::info!(deleted, user = %author.user.username, "emptied the trash");
    Ok(Redirect::to("/admin/posts?status=trash").into_response())
}

/// What the editor shows: a stored post, or what was just sent back with an error.
#[derive(Serialize, Default)]
struct EditorView {
    slug: String,
    title: String,
    body: String,
    tags: String,
    summary: String,
    lang: String,
    published: String,
    cover_url: String,
    cover_alt: String,
    /// Empty: the blog's setting.
    quote_policy: String,
    status: String,
    url: String,
    /// The private preview link of a post not yet public.
    preview_url: String,
    /// Publishing was asked for an empty text: the editor asks to confirm.
    confirm_empty: bool,
}

async fn view_of(data: &AppState, post: &post::Model) -> AppResult<EditorView> {
    let preview_url = match post.is_public() {
        true => String::new(),
        false => format!(
            "{}/preview?key={}",
            data.urls.post(&post.slug),
            posts::preview_key(&data.db, post).await?
        ),
    };
    Ok(EditorView {
        preview_url,
        ..view_fields(data, post)
    })
}

fn view_fields(data: &AppState, post: &post::Model) -> EditorView {
    EditorView {
        slug: post.slug.clone(),
        title: post.title.clone(),
        body: post.body_markdown.clone(),
        tags: post.tag_list().join(", "),
        summary: post.summary.clone(),
        lang: post.lang.clone(),
        published: form_time(&post.published_at, data.settings.current().tz()),
        cover_url: post.cover_url.clone().unwrap_or_default(),
        cover_alt: post.cover_alt.clone().unwrap_or_default(),
        quote_policy: post.quote_policy.clone().unwrap_or_default(),
        status: post.status.clone(),
        url: data.urls.post(&post.slug).to_string(),
        ..Default::default()
    }
}

async fn editor(
    data: &AppState,
    author: &Author,
    status: StatusCode,
    view: EditorView,
    is_new: bool,
    error: Option<String>,
) -> AppResult<Response> {
    #[derive(Serialize)]
    struct Image {
        url: String,
        card: String,
        alt: String,
    }
    let images: Vec<Image> = media::recent(&data.db, 24)
        .await?
        .into_iter()
        .map(|m| Image {
            url: data.urls.media(&m.display_file_name()).to_string(),
            card: data.urls.media(&m.card_file_name()).to_string(),
            alt: m.alt,
        })
        .collect();
    let reading_minutes = crate::web::views::reading_minutes(&view.body);
    Ok(page(
        status,
        "editor.html",
        minijinja::context! {
            reading_minutes => reading_minutes,
            title => if is_new { author.t("admin_new_post").to_string() } else { author.t("admin_edit_title").replace("%s", &view.title) },
            post => view, is_new => is_new, error => error, images => images,
            default_lang => data.settings.current().blog.lang,
            time_zone => data.settings.current().blog.timezone, ..author.nav()
        },
    ))
}

/// `?content=` fills the text: the FEP-3b86 Create intent our WebFinger publishes ("share on
/// your blog" from another site).
#[derive(Deserialize)]
pub struct NewPostQuery {
    content: Option<String>,
}

/// A shared text longer than this is cut: it is a starting point, not an import.
const MAX_INTENT_CONTENT: usize = 20_000;

pub async fn new(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<NewPostQuery>,
) -> AppResult<Response> {
    let view = EditorView {
        lang: data.settings.current().blog.lang.clone(),
        body: query
            .content
            .map(|c| c.chars().take(MAX_INTENT_CONTENT).collect())
            .unwrap_or_default(),
        ..Default::default()
    };
    editor(&data, &author, StatusCode::OK, view, true, None).await
}

pub async fn edit(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let post = posts::find_any(&data.db, &slug)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let view = view_of(&data, &post).await?;
    editor(&data, &author, StatusCode::OK, view, false, None).await
}

#[derive(Deserialize)]
pub struct EditorForm {
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    cover_url: String,
    #[serde(default)]
    cover_alt: String,
    /// Who may quote the post; empty for the blog's setting.
    #[serde(default)]
    quote_policy: String,
    /// `draft` (save, or schedule when the date is in the future) or `publish`.
    action: String,
    /// For autosave: the draft this editor saved before (empty until it has).
    #[serde(default)]
    draft_of: String,
    /// `yes`: publish even though the text is empty (the editor warned).
    #[serde(default)]
    confirm_empty: String,
}

impl EditorForm {
    fn view(&self, slug: &str) -> EditorView {
        EditorView {
            slug: slug.to_string(),
            title: self.title.clone(),
            body: self.body.clone(),
            tags: self.tags.clone(),
            summary: self.summary.clone(),
            lang: self.lang.clone(),
            published: self.published.clone(),
            cover_url: self.cover_url.clone(),
            cover_alt: self.cover_alt.clone(),
            quote_policy: self.quote_policy.clone(),
            ..Default::default()
        }
    }

    fn input(
        &self,
        slug: String,
        author: &Author,
        was_public: bool,
        tz: Tz,
    ) -> AppResult<PostInput> {
        let draft = match self.action.as_str() {
            "draft" => true,
            "publish" => false,
            other => return Err(AppError::BadRequest(format!("unknown action {other:?}"))),
        };
        let mut published = parse_form_time(&self.published, tz)?;
        // "Publish" on a post not yet out means now, whatever date a schedule had set.
        if !draft && !was_public && published.is_some_and(|p| p > Utc::now()) {
            published = None;
        }
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        Ok(PostInput {
            title: self.title.trim().to_string(),
            slug: Some(slug),
            lang: optional(&self.lang),
            tags: self
                .tags
                .split(',')
                .map(|t| t.trim().trim_start_matches('#').to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            summary: optional(&self.summary),
            published,
            author: None,
            body_markdown: self.body.replace("\r\n", "\n"),
            draft,
            author_id: Some(author.user.id),
            cover_url: optional(&self.cover_url),
            cover_alt: optional(&self.cover_alt),
            quote_policy: Some(self.quote_policy.trim().to_string()),
            updated: None,
        })
    }
}

async fn save(
    data: &Data<AppState>,
    author: &Author,
    form: EditorForm,
    slug: String,
    is_new: bool,
) -> AppResult<Response> {
    let existing = posts::find_any(&data.db, &slug).await?;
    if is_new && existing.is_some() {
        let error = author
            .t("admin_error_post_exists")
            .replace("%s", &format!("{slug:?}"));
        return editor(
            data,
            author,
            StatusCode::CONFLICT,
            form.view(""),
            true,
            Some(error),
        )
        .await;
    }
    if !is_new && existing.as_ref().is_none_or(|p| p.deleted_at.is_some()) {
        return Err(AppError::NotFound);
    }
    let was_public = existing.as_ref().is_some_and(|p| p.is_public());
    if form.action == "publish" && form.body.trim().is_empty() && form.confirm_empty != "yes" {
        // Nothing to read: ask before followers get an empty post (the form, sent again
        // with the confirmation, publishes it).
        let mut view = form.view(if is_new { "" } else { &slug });
        view.status = existing.map(|p| p.status).unwrap_or_default();
        view.confirm_empty = true;
        return editor(data, author, StatusCode::OK, view, is_new, None).await;
    }
    let tz = data.settings.current().tz();
    let result = match form.input(slug.clone(), author, was_public, tz) {
        Ok(input) => posts::publish(data, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((post, how)) => {
            tracing::info!(slug = %post.slug, ?how, user = %author.user.username, "saved from the editor");
            let target = match how {
                Published::Created | Published::Updated => "/admin/posts".to_string(),
                Published::Draft | Published::Scheduled => {
                    format!("/admin/posts/{}/edit", post.slug)
                }
            };
            Ok(Redirect::to(&target).into_response())
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => {
            let view = form.view(if is_new { "" } else { &slug });
            editor(
                data,
                author,
                StatusCode::BAD_REQUEST,
                view,
                is_new,
                Some(author.say(&e)),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn create(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<EditorForm>,
) -> AppResult<Response> {
    let slug = match form.slug.trim() {
        "" => posts::slugify(&form.title),
        given => given.to_string(),
    };
    save(&data, &author, form, slug, true).await
}

pub async fn update(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<EditorForm>,
) -> AppResult<Response> {
    save(&data, &author, form, slug, false).await
}

/// POST /admin/posts/autosave (the editor's script): saves a draft and answers JSON with its
/// address. Only drafts: saving a published post is an Update to followers, done by a click.
pub async fn autosave(
    data: Data<AppState>,
    author: Author,
    CsrfForm(mut form): CsrfForm<EditorForm>,
) -> AppResult<Response> {
    let refuse = |status: StatusCode, message: String| {
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    };
    let slug = match (form.draft_of.trim(), form.slug.trim()) {
        ("", "") => posts::slugify(&form.title),
        ("", given) => given.to_string(),
        (saved, _) => saved.to_string(),
    };
    let existing = posts::find_any(&data.db, &slug).await?;
    if let Some(post) = &existing {
        if form.draft_of != slug {
            return Ok(refuse(
                StatusCode::CONFLICT,
                format!("there is a post with the address {slug:?} already: choose another"),
            ));
        }
        if post.status != post::DRAFT || post.deleted_at.is_some() {
            return Ok(refuse(
                StatusCode::CONFLICT,
                "only drafts are saved automatically".into(),
            ));
        }
    }
    form.action = "draft".into();
    let tz = data.settings.current().tz();
    let result = match form.input(slug, &author, false, tz) {
        Ok(input) => posts::publish(&data, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((post, _)) => Ok(axum::Json(serde_json::json!({
            "slug": post.slug,
            "edit": format!("/admin/posts/{}/edit", post.slug),
            "status": post.status,
        }))
        .into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => {
            Ok(refuse(StatusCode::BAD_REQUEST, author.say(&e)))
        }
        Err(e) => Err(e),
    }
}

pub async fn delete(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    posts::delete(&data, &slug).await?;
    tracing::info!(%slug, user = %author.user.username, "deleted from the editor");
    Ok(Redirect::to("/admin/posts").into_response())
}

#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    body: String,
}

/// The editor's live preview: the Markdown as the post page will show it.
pub async fn preview(CsrfForm(form): CsrfForm<PreviewForm>) -> Response {
    // The reading time the page will show, by the page's own function: the editor's count
    // says the same.
    let minutes = crate::web::views::reading_minutes(&form.body).to_string();
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::HeaderName::from_static("x-reading-minutes"),
                minutes,
            ),
        ],
        markdown::to_html(&form.body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_times_are_in_the_blog_zone() {
        let utc = |text, tz| {
            parse_form_time(text, tz)
                .ok()
                .flatten()
                .map(|t| t.to_rfc3339())
        };
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            utc("2030-01-02T03:04", chrono_tz::UTC).as_deref(),
            Some("2030-01-02T03:04:00+00:00")
        );
        assert_eq!(
            utc("2024-01-01T00:30", berlin).as_deref(),
            Some("2023-12-31T23:30:00+00:00")
        );
        // 02:30 on the last Sunday of March does not exist in Berlin: 03:30 CEST.
        assert_eq!(
            utc("2024-03-31T02:30", berlin).as_deref(),
            Some("2024-03-31T01:30:00+00:00")
        );
        let stored = DateTime::parse_from_rfc3339("2023-12-31T23:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(
            stored.map(|t| form_time(&t, berlin)).as_deref(),
            Some("2024-01-01T00:30")
        );
        assert_eq!(parse_form_time(" ", berlin).ok(), Some(None));
        assert!(parse_form_time("tomorrow", berlin).is_err());
    }
}
