//! `GET/POST/PATCH/DELETE /api/v0/projects/{projectId}/env-vars` over one store trait.
//! Handlers only extract, check ownership and validate, then call the store. Sensitive values
//! are write-only through every store: responses carry `value: null` for them.

mod local;
mod v0;
mod vercel;

use async_trait::async_trait;
use axum::extract::{Path, State};
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
use crate::projects::{owned, Project};
use crate::state::AppState;

/// Where env vars live. Every method either succeeds whole or changes nothing locally.
#[async_trait]
pub trait EnvVarStore: Send + Sync {
    /// All vars of the project.
    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, AppError>;
    /// Creates (or with `upsert`, overwrites) vars; returns them.
    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, AppError>;
    /// Changes values by id; returns the changed vars.
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

/// Upstream times come as epoch milliseconds (Vercel, v0) or RFC 3339 text; ours are text.
fn time_text(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::Number(n)) => {
            n.as_i64().map(crate::secrets::rfc3339).unwrap_or_default()
        }
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn answer(env_vars: Vec<EnvVar>) -> Json<EnvVarList> {
    Json(EnvVarList { env_vars })
}

async fn list(
    State(state): State<AppState>,
    User(user): User,
    Path(project_id): Path<String>,
) -> Result<Json<EnvVarList>, AppError> {
    let project = owned(&state, &user, &project_id).await?;
    Ok(answer(state.store.list(&project).await?))
}

async fn create(
    State(state): State<AppState>,
    User(user): User,
    Path(project_id): Path<String>,
    JsonBody(body): JsonBody<CreateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    let project = owned(&state, &user, &project_id).await?;
    body.validate()?;
    Ok(answer(state.store.create(&project, body).await?))
}

async fn update(
    State(state): State<AppState>,
    User(user): User,
    Path(project_id): Path<String>,
    JsonBody(body): JsonBody<UpdateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    let project = owned(&state, &user, &project_id).await?;
    body.validate()?;
    Ok(answer(state.store.update(&project, body).await?))
}

async fn delete(
    State(state): State<AppState>,
    User(user): User,
    Path(project_id): Path<String>,
    JsonBody(body): JsonBody<DeleteEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    let project = owned(&state, &user, &project_id).await?;
    body.validate()?;
    Ok(answer(state.store.delete(&project, body).await?))
}
