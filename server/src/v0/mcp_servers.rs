//! The project's MCP endpoint registered with v0 (API v2 `/mcp-servers`, the official client's
//! `mcpServers.create` / `update` / `delete`), so v0 can call `/mcp/{projectId}` with the
//! project's token. Only the endpoint's URL and that token are sent.

use axum::http::{Method, StatusCode};
use sajtmaskin_integrations::wire::is_safe_id;

use crate::config::V0ApiVersion;
use crate::error::AppError;
use crate::state::AppState;

/// v0's id for `project`'s endpoint, when it is registered.
pub async fn registered(
    state: &AppState,
    project: &str,
    user: &str,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT v0_mcp_server_id FROM mcp_project_tokens WHERE project_id = $1 AND user_id = $2",
    )
    .bind(project)
    .bind(user)
    .fetch_optional(&state.db.pool)
    .await?
    .flatten())
}

/// v0's answer to `mcpServers.create`/`update` (API v2): only its id is kept.
#[derive(serde::Deserialize)]
struct V0McpServer {
    id: String,
}

/// The endpoint's registration with v0, when v0 (API v2) is configured and the server knows
/// its public URL: created with the new token, or updated to it when already registered.
/// Only the endpoint's URL and the project token are sent (v0 needs both to call it).
pub async fn register(
    state: &AppState,
    project: &str,
    url: &str,
    token: &str,
    registered: Option<&str>,
) -> Result<Option<String>, AppError> {
    let (Some(v0), Some(_)) = (state.v0.as_ref(), state.public_url.as_deref()) else {
        return Ok(None);
    };
    if state.v0_version != V0ApiVersion::V2 {
        return Ok(None);
    }
    let body = serde_json::json!({
        "name": format!("sajtmaskin {project}"),
        "url": url,
        "enabled": true,
        "auth": {"type": "bearer", "token": token},
        "scope": "user",
    });
    let request = match registered.filter(|id| is_safe_id(id, 64)) {
        Some(id) => v0.request(Method::PATCH, &["mcp-servers", id]),
        None => v0.request(Method::POST, &["mcp-servers"]),
    };
    let server: V0McpServer = v0.json(request.json(&body)).await?;
    Ok(Some(server.id).filter(|id| is_safe_id(id, 64)))
}

/// Removes the registration `registered` (if any) at v0; whether it is gone there (a 404 means
/// it already was).
pub async fn unregister(state: &AppState, registered: Option<&str>) -> Result<bool, AppError> {
    let (Some(id), Some(v0)) = (
        registered.filter(|id| is_safe_id(id, 64)),
        state.v0.as_ref(),
    ) else {
        return Ok(false);
    };
    match v0
        .send(v0.request(Method::DELETE, &["mcp-servers", id]))
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok(true),
        Err(e) => Err(e.into()),
    }
}
