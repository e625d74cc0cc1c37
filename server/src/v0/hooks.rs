//! v0 webhooks (API v2 `/hooks`, the official client's `webhooks.create`): where they replace
//! polling. When the server records a chat it started for a project, it subscribes that chat's
//! events (`message.finished`: a generation ended, possibly waiting on integrations;
//! `chat.updated`) to `PUBLIC_URL/api/webhooks/v0/{chatId}`, and `GET /api/projects/{id}/chats`
//! tells the builder what happened without a stream held open.
//!
//! v0 documents no signature for its deliveries (neither its OpenAPI document nor its SDK names
//! one), and a secret in the URL would be a secret in a URL. So a delivery is only a hint: the
//! server reads the chat's latest message from v0 itself (`messages.list`, platform key) and
//! records what v0 says, never what the delivery says. A forged delivery can only cause that
//! read, once per event id and at most once per chat every few seconds.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::error::AppError;
use crate::json::PathParams;
use crate::projects::OwnedProject;
use crate::state::AppState;

/// The events a chat is subscribed to.
pub const EVENTS: [&str; 2] = ["message.finished", "chat.updated"];

#[derive(Deserialize)]
struct CreatedHook {
    id: String,
}

/// The shortest time between two reads of one chat caused by deliveries.
const MIN_READ_INTERVAL_MS: i64 = 3_000;

/// Subscribes `chat`'s events (v2 with `PUBLIC_URL` only); a failure is logged, the chat goes
/// on without (the stream still tells the builder).
pub async fn subscribe(state: &AppState, project: &str, chat: &str) {
    let (Some(v0), Some(public)) = (state.v0.as_ref(), state.public_url.as_deref()) else {
        return;
    };
    if state.v0_version != crate::config::V0ApiVersion::V2 {
        return;
    }
    let result = async {
        let mut url = reqwest::Url::parse(public)
            .map_err(|_| AppError::Internal("PUBLIC_URL is not a URL".into()))?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "webhooks", "v0", chat]);
        }
        let body = serde_json::json!({
            "name": format!("sajtmaskin {project}"),
            "events": EVENTS,
            "url": url.as_str(),
            "chatId": chat,
        });
        let created: CreatedHook = v0
            .json(v0.request(Method::POST, &["hooks"]).json(&body))
            .await?;
        sqlx::query("INSERT INTO v0_hooks (chat_id, project_id, hook_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (chat_id) DO NOTHING")
            .bind(chat)
            .bind(project)
            .bind(&created.id)
            .bind(now_ms())
            .execute(&state.db.pool)
            .await?;
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(
            chat,
            code = error.code(),
            "could not subscribe the chat's v0 events"
        );
    }
}

#[derive(Deserialize)]
pub(crate) struct HookPath {
    chat_id: String,
}

#[derive(Deserialize)]
struct Messages {
    #[serde(default)]
    messages: Vec<Message>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    #[serde(default)]
    role: String,
    #[serde(default)]
    finish_reason: Option<String>,
}

/// `POST /api/webhooks/v0/{chatId}`: one of v0's deliveries, for a chat subscribed here (404
/// otherwise). Each event id is handled once; then the chat's latest message is read from v0
/// and what v0 says is recorded (`message.finished` with v0's finish reason, or
/// `message.streaming`).
pub(crate) async fn deliver(
    State(state): State<AppState>,
    PathParams(path): PathParams<HookPath>,
    body: Bytes,
) -> Result<Response, AppError> {
    if !sajtmaskin_integrations::wire::is_safe_id(
        &path.chat_id,
        sajtmaskin_integrations::wire::MAX_UPSTREAM_ID_BYTES,
    ) {
        return Err(AppError::NotFound("hook"));
    }
    let row = sqlx::query("SELECT h.chat_id FROM v0_hooks h JOIN project_chats c ON c.chat_id = h.chat_id WHERE h.chat_id = $1")
        .bind(&path.chat_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound("hook"))?;
    let chat: String = row.try_get("chat_id")?;
    let event: Value = serde_json::from_slice(&body)
        .map_err(|_| AppError::bad_request("invalid_json", "the delivery is not JSON"))?;
    let kind = event
        .get("type")
        .or_else(|| event.get("event"))
        .and_then(Value::as_str)
        .filter(|k| EVENTS.contains(k))
        .ok_or_else(|| {
            AppError::bad_request("invalid_json", "the delivery names no subscribed event")
        })?;
    let id = event
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= 256)
        .ok_or_else(|| AppError::bad_request("invalid_json", "the delivery has no usable id"))?;
    // Deliveries are unsigned: at most one per chat every few seconds does anything (claimed
    // atomically, so a burst cannot pass together), which also bounds what they store.
    let now = now_ms();
    let claimed = sqlx::query("UPDATE project_chats SET last_event_at = $1 WHERE chat_id = $2 AND (last_event_at IS NULL OR last_event_at <= $3)")
        .bind(now)
        .bind(&chat)
        .bind(now - MIN_READ_INTERVAL_MS)
        .execute(&state.db.pool)
        .await?
        .rows_affected()
        == 1;
    let first =
        claimed && crate::db::first_delivery(&state.db.pool, &format!("v0:{id}"), kind).await?;
    crate::metrics::METRICS
        .webhook_events
        .with_label_values(&["v0", if first { "new" } else { "duplicate" }])
        .inc();
    if first {
        let v0 = state.v0.as_ref().ok_or(AppError::NotFound("hook"))?;
        let latest: Messages = v0
            .json(
                v0.request(Method::GET, &["chats", chat.as_str(), "messages"])
                    .query(&[("limit", "1")]),
            )
            .await?;
        let seen = match latest.messages.first() {
            Some(m) if m.role == "assistant" && m.finish_reason.is_some() => "message.finished",
            Some(_) => "message.streaming",
            None => "chat.created",
        };
        sqlx::query("UPDATE project_chats SET last_event = $1 WHERE chat_id = $2")
            .bind(seen)
            .bind(&chat)
            .execute(&state.db.pool)
            .await?;
    }
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({"ok": true, "duplicate": !first})),
    )
        .into_response())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChatView {
    id: String,
    created_at: String,
    /// What v0 said when a delivery last made the server read the chat (`message.finished`,
    /// `message.streaming`), if any.
    last_event: Option<String>,
    last_event_at: Option<String>,
    /// Whether v0 delivers the chat's events here.
    subscribed: bool,
}

#[derive(Serialize)]
pub(crate) struct Chats {
    chats: Vec<ChatView>,
}

/// `GET /api/projects/{id}/chats`: the project's chats, newest first, with the latest event v0
/// delivered for each.
pub(crate) async fn list(
    State(state): State<AppState>,
    OwnedProject(project, User(_)): OwnedProject,
) -> Result<Json<Chats>, AppError> {
    let rows = sqlx::query("SELECT c.chat_id, c.created_at, c.last_event, c.last_event_at, h.hook_id FROM project_chats c LEFT JOIN v0_hooks h ON h.chat_id = c.chat_id WHERE c.project_id = $1 ORDER BY c.created_at DESC, c.chat_id")
        .bind(&project.id)
        .fetch_all(&state.db.pool)
        .await?;
    let chats = rows
        .iter()
        .map(|row| {
            Ok(ChatView {
                id: row.try_get("chat_id")?,
                created_at: rfc3339(row.try_get("created_at")?),
                last_event: row.try_get("last_event")?,
                last_event_at: row.try_get::<Option<i64>, _>("last_event_at")?.map(rfc3339),
                subscribed: row.try_get::<Option<String>, _>("hook_id")?.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Chats { chats }))
}
