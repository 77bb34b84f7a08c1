//! `AppError`: what went wrong, as a safe message for the client and a cause for the log.
//! Bad input maps to a 4xx; only our own faults (the database, a bug) become a 500.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// Words for people from the interface text: the key of a string in `templates/i18n/*.toml`
/// and the values of its `%s`, in order. The web layer says them in the blog's interface
/// language (`render::i18n::Language::say`), the command line in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub key: &'static str,
    pub args: Vec<String>,
}

impl Text {
    pub fn new(key: &'static str) -> Text {
        Text { key, args: vec![] }
    }

    /// The text with its `%s` filled by `args`.
    pub fn with<A: Into<String>>(key: &'static str, args: impl IntoIterator<Item = A>) -> Text {
        Text {
            key,
            args: args.into_iter().map(Into::into).collect(),
        }
    }
}

/// What an error response says to people beyond its status, kept on the response (as an
/// extension) so that `web::errors` can show it as a page or JSON in the interface language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// Words of the interface text.
    Text(Text),
    /// A message made for them already (or a peer's protocol detail).
    Plain(String),
    /// Nothing: the status says it all.
    Status,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Input refused (400) with words for the person who sent it.
    #[error("invalid: {0}")]
    Invalid(Text),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("gone")]
    Gone,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    /// We cannot take the request now (the database cannot store it): retry in so many seconds.
    #[error("temporarily unavailable; retry in {0} s")]
    Unavailable(u64),
    /// A remote server did not answer (a timeout, a refused connection): worth another try.
    #[error("remote server did not answer: {0}")]
    Upstream(String),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone => StatusCode::GONE,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Upstream(_) => StatusCode::BAD_GATEWAY,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the same work may succeed later: our database or a remote server was in the
    /// way. Bad input, a refusal or something missing stays so, however often it is tried.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AppError::Database(_)
                | AppError::Internal(_)
                | AppError::Upstream(_)
                | AppError::Unavailable(_)
                | AppError::TooManyRequests(_)
        )
    }

    /// The text a client may see: internals stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Database(_) | AppError::Internal(_) => "internal error".into(),
            other => other.to_string(),
        }
    }

    /// What the error says to people: its words, its message, or only its status.
    pub fn said(&self) -> Said {
        match self {
            AppError::Invalid(text) => Said::Text(text.clone()),
            AppError::BadRequest(m) | AppError::Forbidden(m) | AppError::Unauthorized(m) => {
                Said::Plain(m.clone())
            }
            _ => Said::Status,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request rejected");
        }
        let body = serde_json::json!({ "error": self.public_message() });
        let mut response = (status, axum::Json(body)).into_response();
        response.extensions_mut().insert(self.said());
        if let AppError::TooManyRequests(seconds) | AppError::Unavailable(seconds) = self
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}
