//! MCP connections: a user's MCP servers (with secrets that never leave the backend), their
//! tools called through a guarded proxy, OAuth for servers that want it, an audit log, and one
//! MCP endpoint per project (`/mcp/{projectId}`) that gives v0 the union of the user's allowed
//! tools behind a single project token.

pub mod client;
pub mod endpoint;
pub mod oauth;
pub mod presets;
pub mod servers;

use std::time::Instant;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::error::AppError;
use crate::json::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;
use client::{elapsed_ms, Connection, ToolResult};
use servers::{AuthKind, NewServer, Server, ServerPatch, ServerView};

/// The MCP routes (the endpoint for v0 is [`endpoint::service`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/mcp/presets", get(list_presets))
        .route("/api/mcp/servers", get(list_servers).post(create_server))
        .route(
            "/api/mcp/servers/{id}",
            get(get_server).patch(update_server).delete(delete_server),
        )
        .route("/api/mcp/servers/{id}/test", post(test_server))
        .route("/api/mcp/servers/{id}/tools", get(list_tools))
        .route("/api/mcp/servers/{id}/tools/{tool}/call", post(call_tool))
        .route("/api/mcp/servers/{id}/oauth/start", post(oauth::start))
        .route(oauth::CALLBACK_PATH, get(oauth::callback))
        .route("/api/mcp/audit", get(audit_log))
        .route(
            "/api/projects/{project_id}/mcp-token",
            post(endpoint::mint).delete(endpoint::revoke),
        )
}

#[derive(Serialize)]
struct Presets {
    presets: &'static [presets::Preset],
}

/// `GET /api/mcp/presets`.
async fn list_presets(User(_): User) -> Json<Presets> {
    Json(Presets {
        presets: &presets::PRESETS,
    })
}

#[derive(Serialize)]
struct ServerList {
    servers: Vec<ServerView>,
}

async fn view(state: &AppState, server: &Server) -> Result<ServerView, AppError> {
    let secrets = servers::secrets(&state.db.pool, &state.cipher, server).await?;
    Ok(server.view(secrets.as_ref()))
}

/// `GET /api/mcp/servers`.
async fn list_servers(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ServerList>, AppError> {
    let mut views = Vec::new();
    for server in servers::list(&state.db.pool, &user).await? {
        views.push(view(&state, &server).await?);
    }
    Ok(Json(ServerList { servers: views }))
}

#[derive(Deserialize)]
struct ServerPath {
    id: String,
}

/// `GET /api/mcp/servers/{id}`.
async fn get_server(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ServerPath>,
) -> Result<Json<ServerView>, AppError> {
    let server = servers::owned(&state.db.pool, &user, &path.id).await?;
    Ok(Json(view(&state, &server).await?))
}

/// `POST /api/mcp/servers`: a preset fills the URL and auth kind the request leaves out.
async fn create_server(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(body): JsonBody<NewServer>,
) -> Result<Json<ServerView>, AppError> {
    servers::check_new(&body)?;
    let preset = match body.preset.as_deref() {
        Some(id) => Some(presets::find(id).ok_or(AppError::Unprocessable {
            code: "unknown_preset",
            message: "preset: not one of GET /api/mcp/presets".into(),
        })?),
        None => None,
    };
    let url =
        body.url
            .as_deref()
            .or(preset.and_then(|p| p.url))
            .ok_or(AppError::Unprocessable {
                code: "invalid_mcp_server",
                message: "url: required (this preset has no shared URL)".into(),
            })?;
    let url = state.egress.check_url(url)?;
    let kind = body
        .auth_kind
        .or(preset.map(|p| p.auth_kind))
        .unwrap_or(AuthKind::None);
    let mut secrets =
        servers::new_secrets(kind, body.bearer_token.as_deref(), body.headers.as_ref())?;
    let stored_url = if servers::carries_credential(body.preset.as_deref(), &url) {
        secrets.get_or_insert_with(Default::default).url = Some(url.to_string());
        servers::sealed_reference(&url)?
    } else {
        url.into()
    };
    let server = servers::from_new(&user, &body, stored_url, kind);
    servers::insert(&state.db.pool, &server).await?;
    if let Some(secrets) = &secrets {
        servers::store_secrets(&state.db.pool, &state.cipher, &server, secrets).await?;
    }
    Ok(Json(server.view(secrets.as_ref())))
}

/// `PATCH /api/mcp/servers/{id}`: a new URL or auth kind drops the stored secrets (new ones
/// may come in the same request).
async fn update_server(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ServerPath>,
    JsonBody(body): JsonBody<ServerPatch>,
) -> Result<Json<ServerView>, AppError> {
    servers::check_patch(&body)?;
    let mut server = servers::owned(&state.db.pool, &user, &path.id).await?;
    let old = servers::secrets(&state.db.pool, &state.cipher, &server).await?;
    let before = (server.url.clone(), server.auth_kind);
    // A URL that carries a credential: the row gets a reference, the secrets the URL.
    let mut new_url = None;
    if let Some(name) = body.name {
        server.name = name;
    }
    if let Some(url) = body.url.as_deref() {
        let url = state.egress.check_url(url)?;
        if servers::carries_credential(server.preset.as_deref(), &url) {
            server.url = servers::sealed_reference(&url)?;
            new_url = Some(url.to_string());
        } else {
            server.url = url.into();
        }
    }
    if let Some(kind) = body.auth_kind {
        server.auth_kind = kind;
    }
    if let Some(enabled) = body.enabled {
        server.enabled = enabled;
    }
    if let Some(tools) = body.allowed_tools {
        server.allowed_tools = tools;
    }
    let new = servers::new_secrets(
        server.auth_kind,
        body.bearer_token.as_deref(),
        body.headers.as_ref(),
    )?;
    let changed = (server.url.clone(), server.auth_kind) != before;
    let url_changed = server.url != before.0;
    // A new URL or auth kind drops the stored credentials; a sealed URL stays unless replaced.
    let mut secrets = match (changed, old) {
        (false, old) => old.unwrap_or_default(),
        (true, Some(old)) if !url_changed => servers::Secrets {
            url: old.url,
            ..Default::default()
        },
        (true, _) => servers::Secrets {
            url: new_url,
            ..Default::default()
        },
    };
    if let Some(new) = &new {
        if new.bearer.is_some() {
            secrets.bearer.clone_from(&new.bearer);
        }
        if body.headers.is_some() {
            secrets.headers.clone_from(&new.headers);
        }
    }
    servers::update(&state.db.pool, &server).await?;
    if changed {
        servers::drop_secrets(&state.db.pool, &server).await?;
    }
    if (changed || new.is_some()) && !secrets.is_empty() {
        servers::store_secrets(&state.db.pool, &state.cipher, &server, &secrets).await?;
    }
    let server = servers::owned(&state.db.pool, &user, &server.id).await?;
    Ok(Json(view(&state, &server).await?))
}

/// `DELETE /api/mcp/servers/{id}`.
async fn delete_server(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ServerPath>,
) -> Result<Json<Value>, AppError> {
    let server = servers::owned(&state.db.pool, &user, &path.id).await?;
    servers::delete(&state.db.pool, &server).await?;
    Ok(Json(serde_json::json!({ "deleted": server.id })))
}

/// Opens a connection to the user's server (its token refreshed when due), counted against
/// the user's upstream rate limit.
pub async fn connect(state: &AppState, server: &Server) -> Result<Connection, AppError> {
    state.limits.spend_upstream(&server.user_id).await?;
    let secrets = oauth::fresh_secrets(state, server).await?;
    Connection::open(&state.egress, server, secrets.as_ref()).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestResult {
    ok: bool,
    server: client::ServerInfo,
    tool_count: usize,
}

/// `POST /api/mcp/servers/{id}/test`: connect and list tools.
async fn test_server(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ServerPath>,
) -> Result<Json<TestResult>, AppError> {
    let server = servers::owned(&state.db.pool, &user, &path.id).await?;
    let connection = connect(&state, &server).await?;
    let tools = connection.tools().await;
    let info = connection.info();
    connection.close().await;
    Ok(Json(TestResult {
        ok: true,
        server: info,
        tool_count: tools?.len(),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolView {
    name: String,
    title: Option<String>,
    description: Option<String>,
    input_schema: Value,
    annotations: Option<Value>,
    allowed: bool,
}

#[derive(Serialize)]
struct ToolList {
    tools: Vec<ToolView>,
}

/// `GET /api/mcp/servers/{id}/tools`: what the server lists, each marked allowed or not.
async fn list_tools(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ServerPath>,
) -> Result<Json<ToolList>, AppError> {
    let server = servers::owned(&state.db.pool, &user, &path.id).await?;
    let connection = connect(&state, &server).await?;
    let tools = connection.tools().await;
    connection.close().await;
    let tools = tools?
        .into_iter()
        .map(|tool| ToolView {
            allowed: server.allows(&tool.name),
            name: tool.name.into_owned(),
            title: tool.title,
            description: tool.description.map(|d| d.into_owned()),
            input_schema: Value::Object((*tool.input_schema).clone()),
            annotations: tool.annotations.and_then(|a| serde_json::to_value(a).ok()),
        })
        .collect();
    Ok(Json(ToolList { tools }))
}

#[derive(Deserialize)]
struct ToolPath {
    id: String,
    tool: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    #[serde(default)]
    arguments: serde_json::Map<String, Value>,
}

/// Where a call came from, for the audit log.
#[derive(Clone, Copy)]
pub enum Via {
    /// `POST /api/mcp/servers/{id}/tools/{name}/call`.
    Api,
    /// `/mcp/{projectId}`.
    Endpoint,
}

/// Calls `tool` on the user's `server` if it is enabled and allows the tool, and writes the
/// audit entry for every call, refused ones included (never the arguments or the result).
pub async fn call(
    state: &AppState,
    server: &Server,
    tool: &str,
    arguments: serde_json::Map<String, Value>,
    via: Via,
) -> Result<ToolResult, AppError> {
    let start = Instant::now();
    let outcome = async {
        if !server.enabled {
            return Err(AppError::Conflict {
                code: "mcp_server_disabled",
                message: "this MCP server is disabled".into(),
            });
        }
        if !servers::is_tool_name(tool) || !server.allows(tool) {
            return Err(AppError::Forbidden {
                code: "mcp_tool_not_allowed",
                message: "this tool is not on the server's allow-list".into(),
            });
        }
        let connection = connect(state, server).await?;
        let result = connection.call(tool, arguments).await;
        connection.close().await;
        result
    }
    .await;
    let error_code = match &outcome {
        Ok(result) if result.is_error => Some("tool_error"),
        Ok(_) => None,
        Err(e) => Some(e.code()),
    };
    let entry = Audited {
        user: &server.user_id,
        server_id: &server.id,
        server_name: &server.name,
        tool,
        via,
    };
    audit(state, &entry, start, error_code).await?;
    outcome
}

/// What an audit entry names.
pub struct Audited<'a> {
    /// The caller.
    pub user: &'a str,
    /// The server (empty when the call named none of the user's).
    pub server_id: &'a str,
    /// Its name, as the call gave it.
    pub server_name: &'a str,
    /// The tool, as the call gave it.
    pub tool: &'a str,
    /// Where the call came from.
    pub via: Via,
}

/// Writes one audit entry. Names the caller sent that are not valid names are recorded as
/// `?` (they are the caller's input, bounded by nothing else).
pub async fn audit(
    state: &AppState,
    entry: &Audited<'_>,
    start: Instant,
    error_code: Option<&str>,
) -> Result<(), AppError> {
    crate::metrics::METRICS
        .mcp_calls
        .with_label_values(&[
            match entry.via {
                Via::Api => "api",
                Via::Endpoint => "endpoint",
            },
            error_code.unwrap_or("ok"),
        ])
        .inc();
    let tool = if servers::is_tool_name(entry.tool) {
        entry.tool
    } else {
        "?"
    };
    let server_name = if servers::check_name(entry.server_name).is_ok() {
        entry.server_name
    } else {
        "?"
    };
    sqlx::query("INSERT INTO mcp_audit (id, user_id, server_id, server_name, tool, via, at, duration_ms, ok, error_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(crate::ids::new_id("aud"))
        .bind(entry.user)
        .bind(entry.server_id)
        .bind(server_name)
        .bind(tool)
        .bind(match entry.via {
            Via::Api => "api",
            Via::Endpoint => "endpoint",
        })
        .bind(now_ms())
        .bind(elapsed_ms(start))
        .bind(i64::from(error_code.is_none()))
        .bind(error_code)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// `POST /api/mcp/servers/{id}/tools/{tool}/call {arguments}` → `{content, structuredContent,
/// isError}`.
async fn call_tool(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ToolPath>,
    JsonBody(body): JsonBody<CallBody>,
) -> Result<Json<ToolResult>, AppError> {
    let server = servers::owned(&state.db.pool, &user, &path.id).await?;
    Ok(Json(
        call(&state, &server, &path.tool, body.arguments, Via::Api).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditQuery {
    server_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditEntry {
    id: String,
    server_id: String,
    server_name: String,
    tool: String,
    via: String,
    at: String,
    duration_ms: i64,
    ok: bool,
    error_code: Option<String>,
}

#[derive(Serialize)]
struct Audit {
    entries: Vec<AuditEntry>,
}

/// `GET /api/mcp/audit[?serverId=]`: the caller's latest 100 calls, newest first.
async fn audit_log(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Audit>, AppError> {
    let rows = sqlx::query("SELECT * FROM mcp_audit WHERE user_id = $1 AND ($2 IS NULL OR server_id = $2) ORDER BY at DESC, id DESC LIMIT 100")
        .bind(&user)
        .bind(query.server_id)
        .fetch_all(&state.db.pool)
        .await?;
    let entries = rows
        .iter()
        .map(|row| {
            Ok(AuditEntry {
                id: row.try_get("id")?,
                server_id: row.try_get("server_id")?,
                server_name: row.try_get("server_name")?,
                tool: row.try_get("tool")?,
                via: row.try_get("via")?,
                at: rfc3339(row.try_get("at")?),
                duration_ms: row.try_get("duration_ms")?,
                ok: row.try_get::<i64, _>("ok")? != 0,
                error_code: row.try_get("error_code")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Json(Audit { entries }))
}
