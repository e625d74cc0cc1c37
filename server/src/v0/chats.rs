//! v0 chats of a project, streamed through the backend with the platform's `V0_API_KEY` (which
//! never reaches the browser): starting one, and resuming one that waits on integrations.
//!
//! The platform key only ever acts on chats the server itself started for the project: their
//! ids are recorded as v0 streams them (the stream is read on the way through by the same core
//! the browser uses), and a resume names a chat that must be among them.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use reqwest::Method;
use sajtmaskin_integrations::catalog::PROVIDERS;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
use sajtmaskin_integrations::wire::{is_safe_id, MAX_UPSTREAM_ID_BYTES};
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;

use crate::auth::User;
use crate::clock::now_ms;
use crate::config::V0ApiVersion;
use crate::error::AppError;
use crate::json::{JsonBody, PathParams, QueryParams};
use crate::projects::OwnedProject;
use crate::state::AppState;
use crate::upstream::Upstream;

/// The project chat routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/projects/{project_id}/chats",
            post(start).get(super::hooks::list),
        )
        .route("/api/webhooks/v0/{chat_id}", post(super::hooks::deliver))
        .route(
            "/api/projects/{project_id}/chats/{chat_id}/vercel-project",
            post(create_vercel_project),
        )
        .route(
            "/api/projects/{project_id}/chats/{chat_id}/connect/status",
            axum::routing::get(connect_status),
        )
        .route("/api/projects/{project_id}/chat/resolve", post(resolve))
}

fn v0(state: &AppState) -> Result<&Upstream, AppError> {
    state.v0.as_ref().ok_or(AppError::Unprocessable {
        code: "v0_not_configured",
        message: "set V0_API_KEY to stream v0 chats".into(),
    })
}

/// v0 chat ids: letters, digits, `_`, `-`.
fn is_chat_id(id: &str) -> bool {
    is_safe_id(id, MAX_UPSTREAM_ID_BYTES)
}

/// v0's answer streamed through unchanged. With `record`, the chat id v0 announces is stored
/// for that project as the bytes pass.
fn pass_through(
    upstream: reqwest::Response,
    record: Option<(AppState, String)>,
) -> Result<Response, AppError> {
    let mut tap = record.map(|(state, project)| {
        (
            StreamSession::new(SessionOptions::default()),
            state,
            project,
        )
    });
    let stream = upstream.bytes_stream().map(move |chunk: Result<Bytes, reqwest::Error>| {
        let announced = match (&chunk, tap.as_mut()) {
            (Ok(bytes), Some((session, _, _))) => {
                session.feed(bytes).into_iter().find_map(|update| match update {
                    StreamUpdate::ChatId { id } => Some(id),
                    _ => None,
                })
            }
            _ => None,
        };
        if let Some(chat) = announced.filter(|id| is_chat_id(id)) {
            // One id per chat: the tap is done once it is known.
            if let Some((_, state, project)) = tap.take() {
                tokio::spawn(async move {
                    let stored = sqlx::query("INSERT INTO project_chats (chat_id, project_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (chat_id) DO NOTHING")
                        .bind(&chat)
                        .bind(&project)
                        .bind(now_ms())
                        .execute(&state.db.pool)
                        .await;
                    match stored {
                        Ok(_) => super::hooks::subscribe(&state, &project, &chat).await,
                        Err(error) => tracing::error!(%error, "could not record a v0 chat"),
                    }
                });
            }
        }
        chunk
    });
    event_stream(Body::from_stream(stream))
}

/// An SSE answer (uncached) with `body`: every stream the backend serves goes out this way.
pub(crate) fn event_stream(body: Body) -> Result<Response, AppError> {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .map_err(|e| AppError::Internal(e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewChat {
    message: String,
}

/// Starts a v0 chat with `message` (for `project` when given, which records the chat) and
/// streams v0's answer back.
pub(crate) async fn start_chat(
    state: &AppState,
    user: &str,
    message: &str,
    project: Option<String>,
) -> Result<Response, AppError> {
    let v0 = v0(state)?;
    if message.trim().is_empty() || message.len() > 20_000 {
        return Err(AppError::Unprocessable {
            code: "invalid_message",
            message: "message must be 1–20000 bytes".into(),
        });
    }
    state.limits.spend_upstream(user).await?;
    // The project's MCP endpoint, when registered with v0, is offered to the new chat.
    let registered = match &project {
        Some(id) => crate::v0::mcp_servers::registered(state, id, user).await?,
        None => None,
    };
    let request = match state.v0_version {
        // v2: `chats.createStream`.
        V0ApiVersion::V2 => {
            let mut body = json!({ "message": message });
            if let Some(id) = registered {
                body["mcpServerIds"] = json!([id]);
            }
            v0.stream_request(Method::POST, &["chats", "stream"])
                .json(&body)
        }
        // v1: `chats.create` with a streamed answer.
        V0ApiVersion::V1 => v0
            .stream_request(Method::POST, &["chats"])
            .json(&json!({ "message": message, "responseMode": "experimental_stream" })),
    };
    let upstream = v0.send(request).await?;
    pass_through(upstream, project.map(|p| (state.clone(), p)))
}

/// `POST /api/projects/{id}/chats {message}`: a new v0 chat for the project.
async fn start(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<NewChat>,
) -> Result<Response, AppError> {
    start_chat(&state, &user, &body.message, Some(project.id)).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Resume {
    chat_id: String,
}

/// 404 unless `chat` is a chat the server started for `project` (checked before any id reaches
/// a URL or v0).
async fn known_chat(state: &AppState, project: &str, chat: &str) -> Result<(), AppError> {
    if !is_chat_id(chat) {
        return Err(AppError::NotFound("chat"));
    }
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM project_chats WHERE chat_id = $1 AND project_id = $2",
    )
    .bind(chat)
    .bind(project)
    .fetch_optional(&state.db.pool)
    .await?;
    match known.unwrap_or(0) {
        0 => Err(AppError::NotFound("chat")),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct ChatPath {
    chat_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreatedVercelProject {
    vercel_project_id: String,
}

/// `POST /api/projects/{id}/chats/{chatId}/vercel-project` → `{vercelProjectId}`: v0 creates
/// the chat's Vercel project (API v2 `chats.createVercelProject`, named after the builder
/// project). It is recorded on the chat and, when the project has no Vercel project yet,
/// becomes the project's: with `ENV_STORE=vercel` its env vars then live there (a project the
/// platform created, never one a client named).
async fn create_vercel_project(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    PathParams(path): PathParams<ChatPath>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let v0 = v2_chat_call(&state, &project.id, &user, &path.chat_id).await?;
    let request = v0
        .request(Method::POST, &["chats", path.chat_id.as_str(), "vercel-project"])
        .json(&json!({ "name": format!("sajtmaskin-{}", project.id.to_ascii_lowercase().replace('_', "-")) }));
    let created: CreatedVercelProject = v0.json(request).await?;
    let id = Some(created.vercel_project_id)
        .filter(|id| is_safe_id(id, MAX_UPSTREAM_ID_BYTES))
        .ok_or_else(|| {
            crate::upstream::UpstreamError::bad_answer(
                "v0 sent a Vercel project without a usable id",
            )
        })?;
    sqlx::query(
        "UPDATE project_chats SET vercel_project_id = $1 WHERE chat_id = $2 AND project_id = $3",
    )
    .bind(&id)
    .bind(&path.chat_id)
    .bind(&project.id)
    .execute(&state.db.pool)
    .await?;
    sqlx::query(
        "UPDATE projects SET vercel_project_id = $1 WHERE id = $2 AND vercel_project_id IS NULL",
    )
    .bind(&id)
    .bind(&project.id)
    .execute(&state.db.pool)
    .await?;
    Ok(axum::Json(json!({ "vercelProjectId": id })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectQuery {
    request_id: String,
}

/// `GET /api/projects/{id}/chats/{chatId}/connect/status?requestId=` → v0's answer to
/// `GET /chats/{chatId}/connect/status` (API v2): `{status: "pending", progress?}`,
/// `{status: "ready", connector}` or `{status: "error", message}`, passed on only in those
/// shapes. `requestId` is the one in the chat's `configure_vercel_connect` action (1–128
/// letters, digits, `_`, `-`).
async fn connect_status(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    PathParams(path): PathParams<ChatPath>,
    QueryParams(query): QueryParams<ConnectQuery>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    if !is_safe_id(&query.request_id, 128) {
        return Err(AppError::bad_request(
            "invalid_query",
            "query parameter requestId is not valid",
        ));
    }
    let v0 = v2_chat_call(&state, &project.id, &user, &path.chat_id).await?;
    let request = v0
        .request(
            Method::GET,
            &["chats", path.chat_id.as_str(), "connect", "status"],
        )
        .query(&[("requestId", query.request_id.as_str())]);
    let answer: serde_json::Value = v0.json(request).await?;
    let text = |key: &str| answer.get(key).and_then(serde_json::Value::as_str);
    let status = match text("status") {
        Some("pending") => json!({"status": "pending", "progress": text("progress")}),
        Some("ready") => {
            let connector = answer.get("connector").cloned().unwrap_or_default();
            let field = |key: &str| connector.get(key).cloned().unwrap_or_default();
            json!({"status": "ready", "connector": {"id": field("id"), "name": field("name"), "service": field("service"),
                "type": field("type"), "attachedToProject": field("attachedToProject")}})
        }
        Some("error") => {
            json!({"status": "error", "message": "v0 reports the Vercel Connect setup failed"})
        }
        _ => {
            return Err(crate::upstream::UpstreamError::bad_answer(
                "v0 sent a connect status we could not read",
            )
            .into())
        }
    };
    Ok(axum::Json(status))
}

/// What a v2-only call on one of the project's chats needs first: v0 configured on API v2, the
/// chat the server's own for this project, one request of the caller's upstream budget.
async fn v2_chat_call<'s>(
    state: &'s AppState,
    project: &str,
    user: &str,
    chat: &str,
) -> Result<&'s Upstream, AppError> {
    let v0 = v0(state)?;
    require_v2(state)?;
    known_chat(state, project, chat).await?;
    state.limits.spend_upstream(user).await?;
    Ok(v0)
}

/// 422 `v0_api_version` for v2-only routes under `V0_API_VERSION=v1`.
fn require_v2(state: &AppState) -> Result<(), AppError> {
    match state.v0_version {
        V0ApiVersion::V2 => Ok(()),
        V0ApiVersion::V1 => Err(AppError::Unprocessable {
            code: "v0_api_version",
            message: "this needs v0 API v2 (V0_API_VERSION=v2)".into(),
        }),
    }
}

/// `POST /api/projects/{id}/chat/resolve {chatId}`: tells v0 the integrations are in place (a
/// `confirmed-steps` task naming the installed integrations and the keys set on the project)
/// and streams the resumed generation back. Only for a chat the server started for this project.
async fn resolve(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<Resume>,
) -> Result<Response, AppError> {
    let v0 = v0(&state)?;
    known_chat(&state, &project.id, &body.chat_id).await?;
    state.limits.spend_upstream(&user).await?;
    let rows = sqlx::query("SELECT integration_type, env_keys FROM user_integrations WHERE user_id = $1 AND project_id = $2 AND status = 'installed' ORDER BY created_at, id")
        .bind(&user)
        .bind(&project.id)
        .fetch_all(&state.db.pool)
        .await?;
    let mut names = Vec::new();
    let mut keys = std::collections::BTreeSet::new();
    for row in &rows {
        let provider: String = row.try_get("integration_type")?;
        if let Some(entry) = PROVIDERS.iter().find(|p| p.id == provider) {
            names.push(entry.name);
        }
        let installed: Vec<crate::integrations::RecordKey> =
            serde_json::from_str(&row.try_get::<String, _>("env_keys")?).unwrap_or_default();
        keys.extend(installed.into_iter().map(|k| k.key));
    }
    // The keys set on the project (none yet when its env vars live on a Vercel project it has
    // not linked).
    match crate::vercel::project_store(&state, &user)
        .await?
        .list(&project)
        .await
    {
        Ok(vars) => keys.extend(vars.into_iter().map(|v| v.key)),
        Err(crate::stores::StoreError::NotLinked) => {}
        Err(other) => return Err(other.into()),
    }
    let task = json!({
        "type": "confirmed-steps",
        "connectedIntegrationNames": names,
        "connectedMcpPresetNames": [],
        "addedEnvVars": keys,
        "appliedScripts": [],
    });
    let chat = body.chat_id.as_str();
    let request = match state.v0_version {
        // v2: `messages.resolveStream`.
        V0ApiVersion::V2 => v0
            .stream_request(
                Method::POST,
                &["chats", chat, "messages", "resolve", "stream"],
            )
            .json(&json!({ "task": task })),
        // v1: `chats.resolveTask` with a streamed answer.
        V0ApiVersion::V1 => v0
            .stream_request(Method::POST, &["chats", chat, "tasks", "resolve"])
            .json(&json!({ "task": task, "responseMode": "experimental_stream" })),
    };
    let upstream = v0.send(request).await?;
    pass_through(upstream, None)
}
