//! `GET/POST/PATCH/DELETE /api/v0/projects/{projectId}/env-vars` over one store trait.
//! Handlers only extract, check ownership and validate, then call the store. Sensitive values
//! are write-only through every store: responses carry `value: null` for them.

mod local;
mod v0;
mod vercel;

use async_trait::async_trait;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use sajtmaskin_integrations::wire::{
    CreateEnvVars, DeleteEnvVars, EnvVar, EnvVarList, UpdateEnvVars,
};

pub use local::LocalStore;
pub use v0::V0Store;
pub use vercel::VercelStore;

use crate::auth::User;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::projects::{OwnedProject, Project};
use crate::state::AppState;

/// Most items one PATCH or DELETE may change in an upstream store that needs a call per item
/// (Vercel): one request never fans out to more upstream calls than this.
pub const MAX_UPSTREAM_FANOUT: usize = 10;

/// The upstream project a new local project's vars will live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamProject {
    /// The store keeps vars itself.
    None,
    /// A v0 project the server created.
    V0(String),
    /// A Vercel project the server created.
    Vercel(String),
}

/// Where env vars live. Every method either succeeds whole or changes nothing locally; a
/// change of several upstream items that fails part-way says which ones it changed
/// ([`AppError::Partial`]).
#[async_trait]
pub trait EnvVarStore: Send + Sync {
    /// Creates the upstream project for a new local project, with the platform's credentials
    /// and a name the server chooses: a client never names the upstream project those
    /// credentials act on.
    async fn provision(&self, local_id: &str) -> Result<UpstreamProject, AppError>;
    /// All vars of the project.
    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, AppError>;
    /// Creates (or with `upsert`, overwrites) vars; returns them.
    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, AppError>;
    /// Changes values by id (only ids in the project's own list); returns the changed vars.
    async fn update(
        &self,
        project: &Project,
        request: UpdateEnvVars,
    ) -> Result<Vec<EnvVar>, AppError>;
    /// Deletes by ids and/or keys; returns the deleted vars.
    async fn delete(
        &self,
        project: &Project,
        request: DeleteEnvVars,
    ) -> Result<Vec<EnvVar>, AppError>;
}

/// The env-var routes.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v0/projects/{project_id}/env-vars",
        get(list).post(create).patch(update).delete(delete),
    )
}

/// The ids of `request` that are not in `existing`: 404 before any upstream write.
fn require_known<'a>(
    mut wanted: impl Iterator<Item = &'a str>,
    existing: &[&str],
) -> Result<(), AppError> {
    match wanted.any(|id| !existing.contains(&id)) {
        true => Err(AppError::NotFound("env var")),
        false => Ok(()),
    }
}

/// One upstream var as ours: a sensitive var never carries its value.
fn upstream_var(
    id: String,
    key: String,
    value: Option<String>,
    sensitive: bool,
    created_at: Option<&serde_json::Value>,
    updated_at: Option<&serde_json::Value>,
) -> EnvVar {
    EnvVar {
        id,
        key,
        value: if sensitive { None } else { value },
        sensitive,
        created_at: crate::clock::time_text(created_at),
        updated_at: crate::clock::time_text(updated_at),
        unreadable: false,
    }
}

/// An upstream project id we are about to store (and later put in URL paths): the shape v0
/// and Vercel use, or 502.
fn upstream_project_id(name: &str, id: Option<String>) -> Result<String, AppError> {
    id.filter(|id| {
        (1..=128).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
    .ok_or_else(|| AppError::Upstream {
        status: axum::http::StatusCode::BAD_GATEWAY,
        code: "upstream_error",
        message: format!("{name} answered project creation without a usable id"),
        retry_after: None,
    })
}

fn answer(env_vars: Vec<EnvVar>) -> Json<EnvVarList> {
    Json(EnvVarList { env_vars })
}

/// Counts the request against the caller's upstream budget when the store spends upstream
/// quota.
fn spend(state: &AppState, user: &str) -> Result<(), AppError> {
    if state.store_is_upstream {
        state.limits.spend_upstream(user)?;
    }
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
) -> Result<Json<EnvVarList>, AppError> {
    spend(&state, &user)?;
    Ok(answer(state.store.list(&project).await?))
}

async fn create(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<CreateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    body.validate()?;
    spend(&state, &user)?;
    Ok(answer(state.store.create(&project, body).await?))
}

async fn update(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<UpdateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    body.validate()?;
    spend(&state, &user)?;
    Ok(answer(state.store.update(&project, body).await?))
}

async fn delete(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<DeleteEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    body.validate()?;
    spend(&state, &user)?;
    Ok(answer(state.store.delete(&project, body).await?))
}
