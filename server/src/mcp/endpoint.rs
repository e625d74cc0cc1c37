//! `/mcp/{projectId}`: one MCP server per project, served with the SDK's streamable-HTTP
//! server (stateless, JSON answers). v0 (or any MCP client) is configured with this URL and the
//! project's token; it sees the union of the owner's enabled servers' allowed tools, named
//! `<server>__<tool>`, and each call goes out with that server's own credentials, which the
//! caller never sees.
//!
//! The token is minted by the owner, shown once, stored hashed, and revocable; minting a new
//! one revokes the old.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Serialize;
use sqlx::Row;

use super::servers::{self, Server};
use super::Via;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::projects::OwnedProject;
use crate::secrets::{hash, random_token};
use crate::state::AppState;

/// Separates a server's name from its tool's in the endpoint's tool names.
const SEPARATOR: &str = "__";

/// Who a request to the endpoint acts for (set by [`authenticate`]).
#[derive(Clone, Debug)]
pub struct Principal {
    /// The project's owner.
    pub user: String,
    /// The project.
    pub project: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Minted {
    token: String,
    url: String,
    /// v0's id for the endpoint when it is registered with v0 (API v2 `/mcp-servers`).
    v0_mcp_server_id: Option<String>,
}

/// `POST /api/projects/{projectId}/mcp-token` → `{token, url, v0McpServerId}`: a new token for
/// the project's endpoint (the previous one stops working), shown this once. With v0
/// configured (API v2) and `PUBLIC_URL` set, the endpoint is registered with v0 under the new
/// token (or its registration updated), so v0 can use it.
pub async fn mint(
    State(state): State<AppState>,
    OwnedProject(project, user): OwnedProject,
) -> Result<Json<Minted>, AppError> {
    let token = format!("smcp_{}", random_token().map_err(AppError::Internal)?);
    let base = state
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    let url = format!("{base}/mcp/{}", project.id);
    let registered = crate::v0::mcp_servers::registered(&state, &project.id, &user.0).await?;
    state.limits.spend_upstream(&user.0).await?;
    let v0_id =
        crate::v0::mcp_servers::register(&state, &project.id, &url, &token, registered.as_deref())
            .await?;
    sqlx::query("INSERT INTO mcp_project_tokens (project_id, user_id, token_hash, created_at, v0_mcp_server_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id) DO UPDATE SET user_id = excluded.user_id, token_hash = excluded.token_hash, created_at = excluded.created_at, v0_mcp_server_id = excluded.v0_mcp_server_id")
        .bind(&project.id)
        .bind(&user.0)
        .bind(hash(&token))
        .bind(now_ms())
        .bind(&v0_id)
        .execute(&state.db.pool)
        .await?;
    Ok(Json(Minted {
        token,
        url,
        v0_mcp_server_id: v0_id,
    }))
}

/// `DELETE /api/projects/{projectId}/mcp-token`: the endpoint refuses the token from now on,
/// and its registration with v0 is removed there.
pub async fn revoke(
    State(state): State<AppState>,
    OwnedProject(project, user): OwnedProject,
) -> Result<Json<serde_json::Value>, AppError> {
    let registered = crate::v0::mcp_servers::registered(&state, &project.id, &user.0).await?;
    let revoked =
        sqlx::query("DELETE FROM mcp_project_tokens WHERE project_id = $1 AND user_id = $2")
            .bind(&project.id)
            .bind(&user.0)
            .execute(&state.db.pool)
            .await?
            .rows_affected();
    let unregistered = crate::v0::mcp_servers::unregister(&state, registered.as_deref()).await?;
    Ok(Json(
        serde_json::json!({ "revoked": revoked == 1, "v0Unregistered": unregistered }),
    ))
}

fn unauthorized() -> Response {
    let mut response = AppError::Unauthorized("expected Authorization: Bearer <project MCP token>")
        .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Middleware of the endpoint: the bearer token must be the project's current token (and the
/// project still its owner's); the request then carries a [`Principal`].
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let project = request
        .uri()
        .path()
        .strip_prefix("/mcp/")
        .map(|p| p.trim_end_matches('/').to_owned())
        .filter(|p| sajtmaskin_integrations::wire::is_safe_id(p, 64));
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with("smcp_") && t.len() <= 128);
    let (Some(project), Some(token)) = (project, token) else {
        return unauthorized();
    };
    let owner = sqlx::query("SELECT t.user_id FROM mcp_project_tokens t JOIN projects p ON p.id = t.project_id AND p.owner_id = t.user_id WHERE t.project_id = $1 AND t.token_hash = $2")
        .bind(&project)
        .bind(hash(token))
        .fetch_optional(&state.db.pool)
        .await;
    let user = match owner {
        Ok(Some(row)) => match row.try_get::<String, _>("user_id") {
            Ok(user) => user,
            Err(e) => return AppError::Database(e).into_response(),
        },
        Ok(None) => return unauthorized(),
        Err(e) => return AppError::Database(e).into_response(),
    };
    request.extensions_mut().insert(Principal { user, project });
    next.run(request).await
}

/// A JSON-RPC error answer for a message that never reaches the SDK: HTTP 400 with a JSON-RPC
/// error object, as the MCP transport specification asks of a server that cannot accept the
/// input.
fn jsonrpc_error(id: serde_json::Value, code: i64, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message},
    });
    (axum::http::StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Why a parsed body is not one JSON-RPC 2.0 message of MCP's: requests and notifications
/// (`method` a string, `params` an object or array if present, `id` a string or number if
/// present) and responses (`id` with exactly one of `result` and `error`). Batches (arrays)
/// are not part of MCP since 2025-06-18.
fn invalid_message(message: &serde_json::Value) -> Option<&'static str> {
    use serde_json::Value;
    let Value::Object(fields) = message else {
        return Some("a message must be one JSON-RPC object (batches are not supported)");
    };
    if fields.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some("jsonrpc must be \"2.0\"");
    }
    let id_ok = |id: Option<&Value>| matches!(id, Some(Value::String(_) | Value::Number(_)));
    match fields.get("method") {
        Some(Value::String(_)) => {
            if !matches!(
                fields.get("params"),
                None | Some(Value::Object(_) | Value::Array(_))
            ) {
                return Some("params must be an object or an array");
            }
            if fields.contains_key("id") && !id_ok(fields.get("id")) {
                return Some("id must be a string or a number");
            }
            None
        }
        Some(_) => Some("method must be a string"),
        None if id_ok(fields.get("id"))
            && (fields.contains_key("result") != fields.contains_key("error")) =>
        {
            None
        }
        None => Some("not a request, notification or response"),
    }
}

/// Middleware of the endpoint, after [`authenticate`]: a request must name its `Host` (400
/// with our JSON error otherwise), a POST body must be JSON (415
/// otherwise) holding one JSON-RPC message; one that is not JSON is answered with -32700
/// (parse error), one that is not a valid message with -32600 (invalid request), both with
/// HTTP 400, before the SDK sees it.
pub async fn check_message(request: Request, next: Next) -> Response {
    // The SDK answers a request without `Host` (HTTP/1.0 allows one) with a plain-text 400;
    // found by the `mcp_body` fuzz target.
    if !request.headers().contains_key(header::HOST) {
        return AppError::bad_request("invalid_request", "a Host header is required")
            .into_response();
    }
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return AppError::UnsupportedMediaType.into_response();
    }
    let (parts, body) = request.into_parts();
    // The body is already in memory, read under the router's deadline and size limit.
    let Ok(bytes) = axum::body::to_bytes(body, sajtmaskin_integrations::wire::MAX_BODY_BYTES).await
    else {
        return AppError::PayloadTooLarge.into_response();
    };
    let Ok(message) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return jsonrpc_error(serde_json::Value::Null, -32700, "Parse error");
    };
    if let Some(why) = invalid_message(&message) {
        let id = message
            .get("id")
            .filter(|id| id.is_string() || id.is_number())
            .cloned()
            .unwrap_or_default();
        return jsonrpc_error(id, -32600, &format!("Invalid Request: {why}"));
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The MCP server behind one request.
#[derive(Clone)]
pub struct ProjectTools {
    state: AppState,
}

fn principal(context: &RequestContext<RoleServer>) -> Result<Principal, ErrorData> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Principal>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("unauthenticated request", None))
}

impl ProjectTools {
    async fn enabled_servers(&self, user: &str) -> Result<Vec<Server>, ErrorData> {
        let all = servers::list(&self.state.db.pool, user)
            .await
            .map_err(|_| ErrorData::internal_error("storage is unavailable", None))?;
        Ok(all.into_iter().filter(|s| s.enabled).collect())
    }
}

impl ServerHandler for ProjectTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let who = principal(&context)?;
        let servers = self.enabled_servers(&who.user).await?;
        let listed = futures_util::future::join_all(servers.iter().map(|server| async move {
            let connection = super::connect(&self.state, server).await?;
            let tools = connection.tools().await;
            connection.close().await;
            tools
        }))
        .await;
        let mut tools = Vec::new();
        for (server, listed) in servers.iter().zip(listed) {
            // A server that fails is left out of the list; the others still serve.
            let Ok(listed) = listed else {
                tracing::debug!(server = %server.id, "MCP server left out of the project's tool list");
                continue;
            };
            for mut tool in listed.into_iter().filter(|t| server.allows(&t.name)) {
                tool.name = format!("{}{SEPARATOR}{}", server.name, tool.name).into();
                tools.push(tool);
            }
        }
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let who = principal(&context)?;
        let unknown = || ErrorData::invalid_params("no such tool", None);
        let (server_name, tool) = request
            .name
            .split_once(SEPARATOR)
            .unwrap_or(("", &request.name));
        let all = servers::list(&self.state.db.pool, &who.user)
            .await
            .map_err(|_| ErrorData::internal_error("storage is unavailable", None))?;
        let Some(server) = all.into_iter().find(|s| s.name == server_name) else {
            // Refused calls are audited too; the caller learns only that there is no such tool.
            let entry = super::Audited {
                user: &who.user,
                server_id: "",
                server_name,
                tool,
                via: Via::Endpoint,
            };
            super::audit(
                &self.state,
                &entry,
                std::time::Instant::now(),
                Some("mcp_tool_unknown"),
            )
            .await
            .map_err(|_| ErrorData::internal_error("storage is unavailable", None))?;
            return Err(unknown());
        };
        let arguments = request.arguments.unwrap_or_default();
        let result = match super::call(&self.state, &server, tool, arguments, Via::Endpoint).await {
            Ok(result) => result,
            // Disabled servers and tools off the allow-list do not exist for the caller.
            Err(error)
                if matches!(error.code(), "mcp_server_disabled" | "mcp_tool_not_allowed") =>
            {
                return Err(unknown());
            }
            Err(error) => {
                let text = format!("{}: {error}", error.code());
                return Ok(CallToolResult::error(vec![ContentBlock::text(text)]).into());
            }
        };
        let content: Vec<ContentBlock> = result
            .content
            .into_iter()
            .filter_map(|block| serde_json::from_value(block).ok())
            .collect();
        let mut answer = if result.is_error {
            CallToolResult::error(content)
        } else {
            CallToolResult::success(content)
        };
        answer.structured_content = result.structured_content;
        Ok(answer.into())
    }
}

/// The endpoint's service: stateless (every request stands alone, so any instance answers),
/// JSON answers. The `Host` check the SDK offers against DNS rebinding is off: it protects
/// unauthenticated local servers, and this one answers only to a project token.
pub fn service(state: AppState) -> StreamableHttpService<ProjectTools, NeverSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(sajtmaskin_integrations::wire::MAX_BODY_BYTES)
        .disable_allowed_hosts();
    StreamableHttpService::new(
        move || {
            Ok(ProjectTools {
                state: state.clone(),
            })
        },
        Arc::new(NeverSessionManager::default()),
        config,
    )
}
