//! Authors: accounts with Argon2id passwords and a public profile, login with throttling
//! (failed attempts per user name and address or device, in the database), device cookies
//! that keep an author's own browsers past the throttle, and login sessions stored
//! in the database so that several servers share them.

use crate::{
    db::entities::{session, user},
    error::{AppError, AppResult, Text},
    services::{passwords, settings, throttle},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};

pub use throttle::{MAX_FAILED_LOGINS, MAX_FAILED_LOGINS_PER_NAME};
const SESSION_LIFETIME: Duration = Duration::days(30);
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A random token for cookies, CSRF fields and API tokens: 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a random token: its SHA-256, hex. (Random tokens need no slow hash.)
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Argon2id on the bounded hashing pool (`services::passwords`).
async fn hash_password(password: &str) -> AppResult<String> {
    passwords::hash_password(password)
        .await?
        .map_err(|_| AppError::TooManyRequests(1))
}

fn check_username(name: &str) -> AppResult<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!(
            "user name {name:?} may only have letters, digits, '.', '-' and '_'"
        )))
    }
}

fn check_password(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::Invalid(Text::with(
            "error_password_short",
            [MIN_PASSWORD_CHARS.to_string()],
        )));
    }
    Ok(())
}

pub async fn find(db: &DatabaseConnection, id: i32) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

pub async fn list(db: &DatabaseConnection) -> AppResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

/// A new author who can log in.
pub async fn create(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> AppResult<user::Model> {
    check_username(username)?;
    check_password(password)?;
    if find_by_username(db, username).await?.is_some() {
        return Err(AppError::BadRequest(format!(
            "there is a user {username:?} already"
        )));
    }
    let hash = hash_password(password).await?;
    Ok(user::ActiveModel {
        username: Set(username.to_string()),
        password_hash: Set(Some(hash)),
        display_name: Set(username.to_string()),
        bio: Set(String::new()),
        avatar_url: Set(None),
        fediverse_handle: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// An author without a password (imported): shown on posts, cannot log in until
/// `set_password`. An existing user of that name is returned as it is.
pub async fn ensure_author(
    db: &DatabaseConnection,
    username: &str,
    display_name: &str,
) -> AppResult<user::Model> {
    if let Some(existing) = find_by_username(db, username).await? {
        return Ok(existing);
    }
    check_username(username)?;
    Ok(user::ActiveModel {
        username: Set(username.to_string()),
        password_hash: Set(None),
        display_name: Set(display_name.to_string()),
        bio: Set(String::new()),
        avatar_url: Set(None),
        fediverse_handle: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Sets a new password and ends every session of the user.
pub async fn set_password(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> AppResult<user::Model> {
    check_password(password)?;
    let existing = find_by_username(db, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let hash = hash_password(password).await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(existing.id))
        .exec(db)
        .await?;
    let mut row: user::ActiveModel = existing.into();
    row.password_hash = Set(Some(hash));
    Ok(row.update(db).await?)
}

/// The public profile an author edits in /admin.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub display_name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub fediverse_handle: Option<String>,
}

pub async fn update_profile(
    db: &impl sea_orm::ConnectionTrait,
    user: user::Model,
    profile: Profile,
) -> AppResult<user::Model> {
    let display_name = profile.display_name.trim().to_string();
    if display_name.is_empty() {
        return Err(AppError::Invalid(Text::new("error_name_empty")));
    }
    let handle = profile
        .fediverse_handle
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty());
    if let Some(handle) = &handle {
        let parts: Vec<&str> = handle.trim_start_matches('@').split('@').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty() || p.contains(' ')) {
            return Err(AppError::Invalid(Text::with("error_handle", [handle])));
        }
    }
    let avatar = profile
        .avatar_url
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    if let Some(avatar) = &avatar
        && !settings::is_image_address(avatar)
    {
        return Err(AppError::Invalid(Text::new("error_image_address")));
    }
    let mut row: user::ActiveModel = user.into();
    row.display_name = Set(display_name);
    row.bio = Set(profile.bio.trim().to_string());
    row.avatar_url = Set(avatar);
    row.fediverse_handle = Set(handle.map(|h| format!("@{}", h.trim_start_matches('@'))));
    Ok(row.update(db).await?)
}

/// Why a login did not succeed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginFailure {
    /// Wrong name or password (which one is not said).
    Invalid,
    /// Too many failures for this name from this address, this device, or (without a device
    /// cookie) from everywhere: try later.
    Throttled,
    /// Every password hashing thread is taken: try again in a moment.
    Busy,
}

/// A successful login: the author, and the device cookie that lets this browser past the
/// lock strangers can put on the name (`services::throttle`).
pub struct LoggedIn {
    pub user: user::Model,
    pub device: String,
}

/// Checks a password, counting failures per user name and address, or per device when
/// `device` is the cookie of a past login as this name (`services::throttle`).
pub async fn authenticate(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    ip: &str,
    device: Option<&str>,
) -> AppResult<Result<LoggedIn, LoginFailure>> {
    let Ok(ticket) = passwords::ticket() else {
        return Ok(Err(LoginFailure::Busy));
    };
    let user = find_by_username(db, username).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let trusted = device
        .zip(hash.as_deref())
        .and_then(|(cookie, hash)| device_id(cookie, username, hash));
    let client = match trusted {
        Some(id) => throttle::Client::Device(id),
        None => throttle::Client::Address(ip),
    };
    let Some(attempt) = throttle::charge(db, username, client).await? else {
        return Ok(Err(LoginFailure::Throttled));
    };
    match passwords::verify_password(ticket, password, hash.clone()).await? {
        Ok(true) => {
            throttle::succeeded(db, attempt).await?;
            let user = user.ok_or(AppError::NotFound)?;
            let device = device_cookie(&random_token(), username, hash.as_deref().unwrap_or(""));
            Ok(Ok(LoggedIn { user, device }))
        }
        Ok(false) => Ok(Err(LoginFailure::Invalid)),
        Err(passwords::Busy) => {
            throttle::forgive(db, attempt).await?;
            Ok(Err(LoginFailure::Busy))
        }
    }
}

/// How long a browser stays known as a device of its author after a login.
pub const DEVICE_LIFETIME: Duration = Duration::days(365);

/// The key of a name's device cookies: derived from its password hash, so a new password
/// (after a theft, say) makes every earlier device a stranger again, and nothing is stored.
fn device_key(username: &str, hash: &str) -> ring::hmac::Key {
    let secret = Sha256::new()
        .chain_update(b"feder login device\0")
        .chain_update(username.as_bytes())
        .chain_update(b"\0")
        .chain_update(hash.as_bytes())
        .finalize();
    ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret)
}

/// A device cookie for `username`: a random id and its signature (`id.signature`).
fn device_cookie(id: &str, username: &str, hash: &str) -> String {
    let tag = ring::hmac::sign(&device_key(username, hash), id.as_bytes());
    format!("{id}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// The device id of a cookie signed for `username` with its current password, else `None`.
fn device_id<'a>(cookie: &'a str, username: &str, hash: &str) -> Option<&'a str> {
    let (id, tag) = cookie.split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    ring::hmac::verify(&device_key(username, hash), id.as_bytes(), &tag).ok()?;
    Some(id)
}

/// Starts a session; returns the token for the cookie (only its hash is stored).
pub async fn start_session(
    db: &DatabaseConnection,
    user: &user::Model,
) -> AppResult<(String, session::Model)> {
    let now = Utc::now();
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let token = random_token();
    let row = session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user.id),
        csrf_token: Set(random_token()),
        created_at: Set(now),
        expires_at: Set(now + SESSION_LIFETIME),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, row))
}

/// The live session of a cookie token, with its user.
pub async fn session(
    db: &DatabaseConnection,
    token: &str,
) -> AppResult<Option<(session::Model, user::Model)>> {
    let Some(row) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(find(db, row.user_id).await?.map(|user| (row, user)))
}

pub async fn end_session(db: &DatabaseConnection, id: i32) -> AppResult<()> {
    session::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

pub fn session_lifetime() -> Duration {
    SESSION_LIFETIME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_secrets() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(token_hash("abc").len(), 64);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(check_username("alice_b").is_ok());
        assert!(check_username("alice b").is_err());
        assert!(check_password("short").is_err());
    }

    #[test]
    fn device_cookies_are_for_one_name_and_password() {
        let cookie = device_cookie("abc", "jorg", "$argon2id$one");
        assert_eq!(device_id(&cookie, "jorg", "$argon2id$one"), Some("abc"));
        assert_eq!(device_id(&cookie, "anna", "$argon2id$one"), None);
        assert_eq!(device_id(&cookie, "jorg", "$argon2id$two"), None);
        assert_eq!(device_id("abc.forged", "jorg", "$argon2id$one"), None);
        assert_eq!(device_id("abc", "jorg", "$argon2id$one"), None);
    }
}
