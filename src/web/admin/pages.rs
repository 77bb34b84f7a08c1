//! Static pages in /admin: the list, and an editor made of the post editor's pieces
//! (Markdown with the same live preview, the same CSRF-checked form). Saving goes through
//! `services::pages`; nothing is federated.

use super::{
    auth::{Author, CsrfForm},
    page,
};
use crate::{
    db::entities::page as page_entity,
    error::{AppError, AppResult, Text},
    federation::state::AppState,
    services::pages::{self, PageInput},
    web::extract::Path,
};
use activitypub_federation::config::Data;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::{Deserialize, Serialize, de::IgnoredAny};

#[derive(Serialize, Default)]
struct PageView {
    slug: String,
    title: String,
    body: String,
    lang: String,
    status: String,
    in_navigation: bool,
    navigation_order: i32,
    url: String,
}

fn view_of(data: &AppState, p: page_entity::Model) -> PageView {
    PageView {
        url: format!("{}pages/{}", data.urls.base(), p.slug),
        slug: p.slug,
        title: p.title,
        body: p.body_markdown,
        lang: p.lang,
        status: p.status,
        in_navigation: p.in_navigation,
        navigation_order: p.navigation_order,
    }
}

pub async fn list(data: Data<AppState>, author: Author) -> AppResult<Response> {
    let list: Vec<PageView> = pages::all(&data.db)
        .await?
        .into_iter()
        .map(|p| view_of(&data, p))
        .collect();
    Ok(page(
        StatusCode::OK,
        "pages.html",
        minijinja::context! {
            title => author.t("admin_pages"), pages => list, ..author.nav()
        },
    ))
}

fn editor(
    author: &Author,
    status: StatusCode,
    view: PageView,
    is_new: bool,
    error: Option<String>,
) -> Response {
    page(
        status,
        "page_editor.html",
        minijinja::context! {
            title => if is_new { author.t("admin_new_page").to_string() } else { author.t("admin_edit_title").replace("%s", &view.title) },
            page => view, is_new => is_new, error => error, ..author.nav()
        },
    )
}

pub async fn new(data: Data<AppState>, author: Author) -> Response {
    let view = PageView {
        lang: data.config.blog.lang.clone(),
        in_navigation: true,
        ..Default::default()
    };
    editor(&author, StatusCode::OK, view, true, None)
}

pub async fn edit(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let found = pages::find_any(&data.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(editor(
        &author,
        StatusCode::OK,
        view_of(&data, found),
        false,
        None,
    ))
}

#[derive(Deserialize)]
pub struct PageForm {
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    lang: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    in_navigation: Option<String>,
    #[serde(default)]
    navigation_order: String,
    /// `draft` or `publish`.
    action: String,
}

impl PageForm {
    fn view(&self, slug: &str) -> PageView {
        PageView {
            slug: slug.to_string(),
            title: self.title.clone(),
            body: self.body.clone(),
            lang: self.lang.clone(),
            in_navigation: self.in_navigation.is_some(),
            navigation_order: self.navigation_order.trim().parse().unwrap_or(0),
            ..Default::default()
        }
    }

    fn input(&self, slug: String, default_lang: &str) -> AppResult<PageInput> {
        let published = match self.action.as_str() {
            "draft" => false,
            "publish" => true,
            other => return Err(AppError::BadRequest(format!("unknown action {other:?}"))),
        };
        let order = self.navigation_order.trim();
        Ok(PageInput {
            title: self.title.clone(),
            slug: Some(slug),
            body_markdown: self.body.replace("\r\n", "\n"),
            lang: Some(self.lang.trim().to_string())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| default_lang.to_string()),
            published,
            in_navigation: self.in_navigation.is_some(),
            navigation_order: if order.is_empty() {
                0
            } else {
                order
                    .parse()
                    .map_err(|_| AppError::Invalid(Text::new("error_navigation_position")))?
            },
        })
    }
}

async fn save(
    data: &AppState,
    author: &Author,
    form: PageForm,
    slug: String,
    is_new: bool,
) -> AppResult<Response> {
    let existing = pages::find_any(&data.db, &slug).await?;
    if is_new && existing.is_some() {
        let error = author
            .t("admin_error_page_exists")
            .replace("%s", &format!("{slug:?}"));
        return Ok(editor(
            author,
            StatusCode::CONFLICT,
            form.view(""),
            true,
            Some(error),
        ));
    }
    if !is_new && existing.is_none() {
        return Err(AppError::NotFound);
    }
    let result = match form.input(slug.clone(), &data.config.blog.lang) {
        Ok(input) => pages::save(&data.db, &data.urls, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => {
            tracing::info!(slug = %saved.slug, user = %author.user.username, "page saved");
            Ok(Redirect::to("/admin/pages").into_response())
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => Ok(editor(
            author,
            StatusCode::BAD_REQUEST,
            form.view(if is_new { "" } else { &slug }),
            is_new,
            Some(author.say(&e)),
        )),
        Err(e) => Err(e),
    }
}

pub async fn create(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<PageForm>,
) -> AppResult<Response> {
    let slug = match form.slug.trim() {
        "" => crate::services::posts::slugify(&form.title),
        given => given.to_string(),
    };
    save(&data, &author, form, slug, true).await
}

pub async fn update(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<PageForm>,
) -> AppResult<Response> {
    save(&data, &author, form, slug, false).await
}

pub async fn delete(
    data: Data<AppState>,
    author: Author,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    pages::delete(&data.db, &slug).await?;
    tracing::info!(%slug, user = %author.user.username, "page deleted");
    Ok(Redirect::to("/admin/pages").into_response())
}

/// Unpublish, move to the trash or restore (the button's `{action}`), back to the list.
pub async fn change_status(
    data: Data<AppState>,
    author: Author,
    Path((slug, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> AppResult<Response> {
    match action.as_str() {
        "unpublish" => pages::unpublish(&data.db, &slug).await?,
        "trash" => pages::trash(&data.db, &slug).await?,
        "restore" => pages::restore(&data.db, &slug).await?,
        _ => return Err(AppError::NotFound),
    };
    tracing::info!(%slug, %action, user = %author.user.username, "page status changed");
    Ok(Redirect::to("/admin/pages").into_response())
}
