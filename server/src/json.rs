//! A JSON body extractor whose rejections are our error bodies (axum's own are plain text).

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Like `axum::Json`, with `{"error":{…}}` rejections: 415 without a JSON content type, 413
/// over the body limit, 400 `invalid_json` for malformed JSON, 422 `invalid_body` for JSON of
/// the wrong shape.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
                StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                StatusCode::UNPROCESSABLE_ENTITY => AppError::Unprocessable {
                    code: "invalid_body",
                    message: rejection.body_text(),
                },
                _ => AppError::bad_request("invalid_json", rejection.body_text()),
            }),
        }
    }
}
