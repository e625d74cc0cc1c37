//! Extractors whose rejections are our JSON error bodies (axum's own are plain text), with
//! messages that name the field at fault and never repeat a submitted value: a secret pasted
//! into the wrong field must not come back in an error, or land in a log.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use sajtmaskin_integrations::wire::{CreateEnvVars, DeleteEnvVars, UpdateEnvVars, ValidationError};

/// Like `axum::Json`, with `{"error":{…}}` rejections: 415 without a JSON content type, 413
/// over the body limit, 400 `invalid_json` for malformed JSON, 422 `invalid_body` for JSON of
/// the wrong shape. The body's deadline and size are kept for every route by
/// [`crate::transport::read_body`], before this runs.
pub struct JsonBody<T>(pub T);

/// Where in the document a deserialization failed, e.g. `vars[0].value`, or "the body".
fn at(path: &serde_path_to_error::Path) -> String {
    match path.to_string().as_str() {
        "." | "" => "the body".to_owned(),
        path => path.to_owned(),
    }
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json")
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                _ => AppError::bad_request("invalid_body", "the request body could not be read"),
            }
        })?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let inner = e.inner();
            match inner.classify() {
                serde_json::error::Category::Data => AppError::Unprocessable {
                    code: "invalid_body",
                    message: format!(
                        "{}: missing, unknown, or of the wrong type or value",
                        at(e.path())
                    ),
                },
                _ => AppError::bad_request(
                    "invalid_json",
                    format!(
                        "the body is not valid JSON (line {}, column {})",
                        inner.line(),
                        inner.column()
                    ),
                ),
            }
        })?;
        Ok(JsonBody(value))
    }
}

/// Like `axum::extract::Path`, with a JSON 400 `invalid_path` naming no value.
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParams(value))
            .map_err(|_| {
                AppError::bad_request(
                    "invalid_path",
                    "a path parameter is not valid (percent-encoded UTF-8 expected)",
                )
            })
    }
}

/// Like `axum::extract::Query`, with a JSON 400 `invalid_query` naming the parameter.
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(QueryParams)
            .map_err(|e| {
                AppError::bad_request(
                    "invalid_query",
                    format!("query parameter {} is not valid", at(e.path())),
                )
            })
    }
}

/// A request body with rules of its own (beyond its JSON shape).
pub trait Validate {
    /// The first rule the body breaks.
    fn validate(&self) -> Result<(), ValidationError>;
}

impl Validate for CreateEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        CreateEnvVars::validate(self)
    }
}

impl Validate for UpdateEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        UpdateEnvVars::validate(self)
    }
}

impl Validate for DeleteEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        DeleteEnvVars::validate(self)
    }
}

/// A [`JsonBody`] that also keeps its own rules: 422 with the broken rule's code before the
/// handler runs.
pub struct Valid<T>(pub T);

impl<S, T> FromRequest<S> for Valid<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBody(value) = JsonBody::<T>::from_request(req, state).await?;
        value.validate()?;
        Ok(Valid(value))
    }
}
