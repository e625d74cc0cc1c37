//! The demo's live v0 chat: a pass-through that streams v0's SSE bytes unchanged (only when
//! V0_API_KEY is set; the key never reaches the browser).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use reqwest::Method;
use serde::Deserialize;

use crate::auth::User;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::state::AppState;

/// `POST /api/demo/v0/chats`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/demo/v0/chats", post(create_chat))
}

#[derive(Deserialize)]
struct NewChat {
    message: String,
}

async fn create_chat(
    State(state): State<AppState>,
    User(_): User,
    JsonBody(body): JsonBody<NewChat>,
) -> Result<Response, AppError> {
    let Some(v0) = &state.v0 else {
        return Err(AppError::Unprocessable {
            code: "v0_not_configured",
            message: "set V0_API_KEY to stream real v0 chats".into(),
        });
    };
    if body.message.trim().is_empty() || body.message.len() > 20_000 {
        return Err(AppError::Unprocessable {
            code: "invalid_message",
            message: "message must be 1–20000 bytes".into(),
        });
    }
    let request = v0.request(Method::POST, "/chats").json(
        &serde_json::json!({ "message": body.message, "responseMode": "experimental_stream" }),
    );
    let upstream = v0.send(request).await?;
    let stream = upstream.bytes_stream();
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .map_err(|e| AppError::Internal(e.to_string()))
}
