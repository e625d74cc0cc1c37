//! `GET/POST/PATCH/DELETE /api/v0/projects/{projectId}/env-vars`: extract the owned project,
//! validate, count upstream spending, call the configured store.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use sajtmaskin_integrations::wire::{
    CreateEnvVars, DeleteEnvVars, EnvVar, EnvVarList, UpdateEnvVars,
};

use crate::auth::User;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::projects::OwnedProject;
use crate::state::AppState;

/// The env-var routes.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v0/projects/{project_id}/env-vars",
        get(list).post(create).patch(update).delete(delete),
    )
}

fn answer(env_vars: Vec<EnvVar>) -> Json<EnvVarList> {
    Json(EnvVarList { env_vars })
}

/// Counts the request against the caller's upstream budget when the store spends upstream
/// quota.
fn spend(state: &AppState, user: &str) -> Result<(), AppError> {
    if state.store.is_upstream() {
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
