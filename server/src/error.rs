//! The one error type of the API: every failure becomes `{"error":{"code","message"}}` with
//! its status. Messages never carry a secret.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sajtmaskin_integrations::wire::{ErrorBody, ErrorDetail, ValidationError};

use crate::stores::StoreError;
use crate::upstream::UpstreamError;

/// An API error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400 with a code.
    #[error("{message}")]
    BadRequest {
        /// Stable, machine-readable (`invalid_json`, `env_var_exists`, …).
        code: &'static str,
        /// For people; names the field or rule, never a submitted value.
        message: String,
    },
    /// 401: no token, or not a bearer token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 401: a token that does not verify: `token_expired`, `token_audience` (its `aud` is not
    /// this server) or `token_invalid` (anything else).
    #[error("{message}")]
    Token {
        /// One of the three codes.
        code: &'static str,
        /// For people.
        message: &'static str,
    },
    /// 403: the caller is known but may not do this.
    #[error("{message}")]
    Forbidden {
        /// Stable code, e.g. `dev_host_refused`.
        code: &'static str,
        /// What was refused (never a submitted value).
        message: String,
    },
    /// 429 with `Retry-After`: a per-user quota is used up or a rate limit was hit.
    #[error("{message}")]
    TooMany {
        /// `quota_exceeded` or `rate_limited`.
        code: &'static str,
        /// Which limit.
        message: String,
        /// Whole seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// A change of several upstream items stopped part-way: `changed` lists (without values)
    /// the items that were changed before `error` stopped it, so the caller knows exactly what
    /// happened.
    #[error("{error}")]
    Partial {
        /// What stopped the change.
        error: Box<AppError>,
        /// The vars changed before it.
        changed: Vec<sajtmaskin_integrations::wire::EnvVar>,
    },
    /// 404 (also for a project that is not the caller's).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409.
    #[error("{message}")]
    Conflict {
        /// Stable, machine-readable (`invalid_json`, `env_var_exists`, …).
        code: &'static str,
        /// For people; names the field or rule, never a submitted value.
        message: String,
    },
    /// 408: the request body did not arrive in time.
    #[error("the request body took too long to arrive")]
    RequestTimeout,
    /// 405: the route exists, the method does not.
    #[error("this route does not take that method")]
    MethodNotAllowed,
    /// 413.
    #[error("the request body is larger than 1 MiB")]
    PayloadTooLarge,
    /// 415.
    #[error("send JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    /// 422: a rule of the API broken.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// 422 with our own code.
    #[error("{message}")]
    Unprocessable {
        /// Stable, machine-readable (`invalid_json`, `env_var_exists`, …).
        code: &'static str,
        /// For people; names the field or rule, never a submitted value.
        message: String,
    },
    /// An upstream (v0, Vercel) failure, mapped to our status.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// 503: storage unavailable.
    #[error("storage is unavailable")]
    Database(#[from] sqlx::Error),
    /// 500.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// 400 with code and message.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The stable code of the answer this error becomes.
    pub fn code(&self) -> &'static str {
        self.parts().1
    }

    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Token { code, .. } => (StatusCode::UNAUTHORIZED, code),
            AppError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            AppError::TooMany { code, .. } => (StatusCode::TOO_MANY_REQUESTS, code),
            AppError::Partial { error, .. } => error.parts(),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            AppError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            AppError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            AppError::Invalid(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.code()),
            AppError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            AppError::Upstream(e) => (e.status, e.code),
            AppError::Database(_) => (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// What a store's failure means for the HTTP answer.
impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotLinked => AppError::Unprocessable {
                code: "project_not_linked",
                message: "the project has no upstream project".into(),
            },
            StoreError::NotFound => AppError::NotFound("env var"),
            StoreError::Exists(key) => AppError::Conflict {
                code: "env_var_exists",
                message: match key {
                    Some(key) => format!("{key} already exists (send upsert: true to overwrite)"),
                    None => "the variable already exists (send upsert: true to overwrite)".into(),
                },
            },
            StoreError::FanOut(max) => AppError::Unprocessable {
                code: "too_many_vars",
                message: format!("with this store one request changes at most {max} vars"),
            },
            StoreError::Rejected => AppError::Unprocessable {
                code: "upstream_rejected",
                message: "the upstream rejected a variable".into(),
            },
            StoreError::Upstream(e) => AppError::Upstream(e),
            StoreError::Database(e) => AppError::Database(e),
            StoreError::Crypto(e) => AppError::Internal(e),
            StoreError::Partial { error, changed } => AppError::Partial {
                error: Box::new(AppError::from(*error)),
                changed,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        match &self {
            // Details of internal failures go to the log (they hold no secrets), not to clients.
            AppError::Database(e) => tracing::error!(error = %e, "database error"),
            AppError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        let changed = match &self {
            AppError::Partial { changed, .. } => Some(changed.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.to_string(),
                changed,
            },
        };
        let retry_after = match &self {
            AppError::Upstream(e) => e.retry_after.clone(),
            AppError::Partial { error, .. } => match error.as_ref() {
                AppError::Upstream(e) => e.retry_after.clone(),
                _ => None,
            },
            AppError::TooMany {
                retry_after_secs, ..
            } => Some(retry_after_secs.to_string()),
            _ => None,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
