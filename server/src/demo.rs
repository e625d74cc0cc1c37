//! The demo builder's streams: recorded v0 streams replayed at a readable pace, and a live v0
//! chat pass-through that streams v0's SSE bytes unchanged (only when V0_API_KEY is set; the
//! key never reaches the browser). Mounted only with `--dev` or `--demo`; a replay takes at most
//! `REPLAY_MAX_SECS`, and live chats count against the caller's upstream rate limit.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::User;
use crate::error::AppError;
use crate::json::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;

/// `GET /api/demo/streams`, `GET /api/demo/replay/{name}`, `POST /api/demo/v0/chats`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/demo/streams", get(streams))
        .route("/api/demo/replay/{name}", get(replay))
        .route("/api/demo/v0/chats", post(create_chat))
}

/// The recorded `.sse` streams the demo can replay, sorted by name, and, for a signed-in caller
/// only, whether live v0 chats are available (which says whether a key is configured).
async fn streams(
    State(state): State<AppState>,
    user: Result<User, AppError>,
) -> axum::Json<serde_json::Value> {
    let mut names: Vec<String> = std::fs::read_dir(&state.fixtures_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sse"))
        .collect();
    names.sort();
    let live = user.is_ok() && state.v0.is_some();
    axum::Json(serde_json::json!({ "streams": names, "live": live }))
}

#[derive(Deserialize)]
struct Pace {
    /// Milliseconds between chunks (0–200, default 12).
    ms: Option<u64>,
    /// Bytes per chunk (16–65536, default 384).
    bytes: Option<usize>,
}

/// Streams a recorded sample in small chunks, the way v0 streams a generation.
async fn replay(
    State(state): State<AppState>,
    PathParams(name): PathParams<String>,
    QueryParams(pace): QueryParams<Pace>,
) -> Result<Response, AppError> {
    // Only plain sample names: no separators, so nothing outside the fixtures dir is reachable.
    if !name.ends_with(".sse") || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(AppError::NotFound("stream"));
    }
    let bytes = tokio::fs::read(state.fixtures_dir.join(&name))
        .await
        .map_err(|_| AppError::NotFound("stream"))?;
    let size = pace.bytes.unwrap_or(384).clamp(16, 65_536);
    // The pace asked for, shortened so the whole replay fits in REPLAY_MAX_SECS: a slow
    // replay must not hold a connection for long.
    let chunks = u32::try_from(bytes.len().div_ceil(size))
        .unwrap_or(u32::MAX)
        .max(1);
    let delay =
        Duration::from_millis(pace.ms.unwrap_or(12).min(200)).min(state.limits.replay_max / chunks);
    let bytes = Bytes::from(bytes);
    let stream = futures_util::stream::unfold(0usize, move |at| {
        let bytes = bytes.clone();
        async move {
            if at >= bytes.len() {
                return None;
            }
            if at > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let end = (at + size).min(bytes.len());
            Some((Ok::<_, std::io::Error>(bytes.slice(at..end)), end))
        }
    });
    crate::v0::chats::event_stream(Body::from_stream(stream))
}

#[derive(Deserialize)]
struct NewChat {
    message: String,
}

/// A live v0 chat for the demo page (not tied to a project).
async fn create_chat(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(body): JsonBody<NewChat>,
) -> Result<Response, AppError> {
    crate::v0::chats::start_chat(&state, &user, &body.message, None).await
}
