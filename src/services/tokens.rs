//! API tokens for Micropub clients: random bearer tokens with scopes, stored as SHA-256
//! hashes, revocable.

use crate::{
    db::entities::api_token,
    error::{AppError, AppResult},
    services::users::{random_token, token_hash},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

/// The Micropub scopes a token may have.
pub const SCOPES: &[&str] = &["create", "update", "delete", "media"];

/// Prefix of every token, so a leaked one is recognisable.
const PREFIX: &str = "feder_";

/// Parses `create,update` (commas or spaces) into the stored, space-separated form.
pub fn parse_scope(text: &str) -> AppResult<String> {
    let mut scopes: Vec<&str> = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if scopes.is_empty() {
        return Err(AppError::BadRequest(format!(
            "a token needs at least one scope of: {}",
            SCOPES.join(", ")
        )));
    }
    if let Some(unknown) = scopes.iter().find(|s| !SCOPES.contains(s)) {
        return Err(AppError::BadRequest(format!(
            "unknown scope {unknown:?}; known: {}",
            SCOPES.join(", ")
        )));
    }
    scopes.sort_by_key(|s| SCOPES.iter().position(|k| k == s));
    scopes.dedup();
    Ok(scopes.join(" "))
}

/// A new token: the secret (shown once) and its row.
pub async fn create(
    db: &DatabaseConnection,
    user_id: Option<i32>,
    scope: &str,
) -> AppResult<(String, api_token::Model)> {
    let scope = parse_scope(scope)?;
    let token = format!("{PREFIX}{}", random_token());
    let row = api_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        scope: Set(scope),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, row))
}

/// The live token for a bearer secret, marked as used now.
pub async fn verify(db: &DatabaseConnection, token: &str) -> AppResult<Option<api_token::Model>> {
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token.trim())))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut used: api_token::ActiveModel = row.into();
    used.last_used_at = Set(Some(Utc::now()));
    Ok(Some(used.update(db).await?))
}

pub fn has_scope(token: &api_token::Model, scope: &str) -> bool {
    token.scope.split(' ').any(|s| s == scope)
}

/// Revokes a token by id; returns whether a live one was revoked.
pub async fn revoke(db: &DatabaseConnection, id: i32) -> AppResult<bool> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Utc::now().into())
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn list(db: &DatabaseConnection) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            parse_scope("media,create, create").ok().as_deref(),
            Some("create media")
        );
        assert!(parse_scope("create,admin").is_err());
        assert!(parse_scope(" ").is_err());
    }
}
