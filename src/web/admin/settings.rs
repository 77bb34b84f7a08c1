//! /admin/settings: the blog's title, description, images, language, time zone, comment and
//! quote policy, the author's own fediverse handle, the mail server and which mails to send,
//! and the password. Saved settings apply at once (`services::settings` keeps the copy pages
//! read). The blog's other accounts (`alsoKnownAs`) are only shown here: /admin/moving
//! changes them.

use super::{
    auth::{Author, CsrfForm, DEVICE_COOKIE, cookie},
    page,
};
use crate::{
    config::MailTls,
    error::{AppError, AppResult},
    federation::state::AppState,
    render::i18n,
    services::{
        authorizations,
        local_actor::LocalActor,
        moves, profile,
        settings::{self, COMMENT_POLICIES, MAIL_KINDS, QUOTE_POLICIES},
        users,
    },
    web::extract::{Query, client_ip},
};
use activitypub_federation::config::Data;
use axum::{
    Extension,
    extract::ConnectInfo,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::{collections::HashMap, net::SocketAddr};

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn settings_page(
    data: &AppState,
    author: &Author,
    status: StatusCode,
    error: Option<String>,
    saved: Option<String>,
) -> Response {
    let current = data.settings.current();
    page(
        status,
        "settings.html",
        minijinja::context! {
            title => author.t("admin_settings"), values => current.form_values(),
            // Shown here, changed in /admin/moving only: one path resolves and adds them.
            aliases => moves::aliases(data, &LocalActor::Blog),
            handle => author.user.fediverse_handle,
            languages => [("en", i18n::language("en").name.clone()), ("de", i18n::language("de").name.clone())],
            comment_policies => COMMENT_POLICIES, quote_policies => QUOTE_POLICIES,
            time_zones => chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect::<Vec<_>>(),
            mail_tls => MailTls::NAMES, mail_password_set => !current.mail.password.is_empty(),
            mail_on => current.mail_enabled(), mail_kinds => MAIL_KINDS,
            error => error, saved => saved, ..author.nav()
        },
    )
}

pub async fn form(
    data: Data<AppState>,
    author: Author,
    Query(query): Query<SavedQuery>,
) -> Response {
    settings_page(&data, &author, StatusCode::OK, None, query.saved)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    icon_url: String,
    #[serde(default)]
    header_image_url: String,
    lang: String,
    time_zone: String,
    comment_policy: String,
    quote_policy: String,
    #[serde(default)]
    fediverse_handle: String,
}

/// An uploaded image's `/media/…` address made absolute: the actor JSON needs full URLs.
fn absolute(data: &AppState, url: &str) -> String {
    let url = url.trim();
    if url.starts_with("/media/") {
        data.urls
            .base()
            .join(url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| url.to_string())
    } else {
        url.to_string()
    }
}

pub async fn save(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let changes = vec![
        ("title", form.title),
        ("description", form.description),
        ("icon_url", absolute(&data, &form.icon_url)),
        ("header_image_url", absolute(&data, &form.header_image_url)),
        ("lang", form.lang),
        ("time_zone", form.time_zone),
        ("comment_policy", form.comment_policy),
        ("quote_policy", form.quote_policy),
    ];
    let bad = |e: AppError| {
        settings_page(
            &data,
            &author,
            StatusCode::BAD_REQUEST,
            Some(author.say(&e)),
            None,
        )
    };
    match profile::save(&data, changes).await {
        // Quotes the new policy no longer allows are revoked (a Delete each).
        Ok(_) => {
            authorizations::revoke_excluded(&data, None).await?;
        }
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => return Ok(bad(e)),
        Err(e) => return Err(e),
    }
    let profile = users::Profile {
        display_name: author.user.display_name.clone(),
        bio: author.user.bio.clone(),
        avatar_url: author.user.avatar_url.clone(),
        fediverse_handle: Some(form.fediverse_handle),
    };
    match users::update_profile(&data.db, author.user.clone(), profile).await {
        Ok(_) => Ok(Redirect::to("/admin/settings?saved=settings").into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => Ok(bad(e)),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct MailForm {
    #[serde(default)]
    mail_smtp_host: String,
    #[serde(default)]
    mail_smtp_port: String,
    #[serde(default)]
    mail_tls: String,
    #[serde(default)]
    mail_user: String,
    /// Empty: the stored password stays (the form never shows it).
    #[serde(default)]
    mail_password: String,
    #[serde(default)]
    mail_forget_password: Option<String>,
    #[serde(default)]
    mail_from: String,
    #[serde(default)]
    mail_to: String,
    /// The other fields: among them the checkboxes of [`MAIL_KINDS`], each present when
    /// ticked.
    #[serde(flatten)]
    kinds: HashMap<String, String>,
}

/// POST /admin/settings/mail: the SMTP server and the owner's address, used from the mail
/// worker's next round on.
pub async fn save_mail(
    data: Data<AppState>,
    author: Author,
    CsrfForm(form): CsrfForm<MailForm>,
) -> AppResult<Response> {
    let mut changes = vec![
        ("mail_smtp_host", form.mail_smtp_host),
        ("mail_smtp_port", form.mail_smtp_port),
        ("mail_tls", form.mail_tls),
        ("mail_user", form.mail_user),
        ("mail_from", form.mail_from),
        ("mail_to", form.mail_to),
    ];
    for kind in MAIL_KINDS {
        changes.push((*kind, form.kinds.contains_key(*kind).to_string()));
    }
    if form.mail_forget_password.is_some() {
        changes.push(("mail_password", String::new()));
    } else if !form.mail_password.is_empty() {
        changes.push(("mail_password", form.mail_password));
    }
    match settings::save(&data.db, &data.settings, changes).await {
        Ok(_) => Ok(Redirect::to("/admin/settings?saved=mail").into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => Ok(settings_page(
            &data,
            &author,
            StatusCode::BAD_REQUEST,
            Some(author.say(&e)),
            None,
        )),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

/// A new password ends every session, this one too: the author logs in again with it.
pub async fn password(
    data: Data<AppState>,
    author: Author,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let refuse = |m: &str| {
        Ok(settings_page(
            &data,
            &author,
            StatusCode::BAD_REQUEST,
            Some(m.to_string()),
            None,
        ))
    };
    if form.new != form.repeat {
        return refuse(author.t("admin_error_passwords_differ"));
    }
    // Checked as a login is, so a stolen session cannot guess the password unthrottled.
    let ip = client_ip(
        connect.as_ref().map(|c| &c.0),
        &headers,
        &data.config.server.trusted_proxies,
    );
    let device = cookie(&headers, DEVICE_COOKIE);
    let username = &author.user.username;
    if users::authenticate(&data.db, username, &form.current, &ip, device.as_deref())
        .await?
        .is_err()
    {
        return refuse(author.t("admin_error_password_wrong"));
    }
    match users::set_password(&data.db, &author.user.username, &form.new).await {
        Ok(_) => Ok(Redirect::to("/admin/login?next=/admin/settings").into_response()),
        Err(e @ (AppError::BadRequest(_) | AppError::Invalid(_))) => refuse(&author.say(&e)),
        Err(e) => Err(e),
    }
}
