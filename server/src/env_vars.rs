//! `GET/POST/PATCH/DELETE /api/v0/projects/{projectId}/env-vars`: the extractors find the
//! owned project, count upstream spending and validate the body; the handlers call the store.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use sajtmaskin_integrations::wire::{
    CreateEnvVars, DeleteEnvVars, EnvVar, EnvVarList, UpdateEnvVars,
};

use crate::auth::User;
use crate::error::AppError;
use crate::json::Valid;
use crate::project::Project;
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

/// The path's project, owned by the caller, with the request counted against the caller's
/// upstream budget when the store spends upstream quota (429 when it is spent).
pub struct Budgeted(pub Project);

impl FromRequestParts<AppState> for Budgeted {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let OwnedProject(project, User(user)) =
            OwnedProject::from_request_parts(parts, state).await?;
        if state.store.is_upstream() {
            state.limits.spend_upstream(&user).await?;
        }
        Ok(Budgeted(project))
    }
}

async fn list(
    State(state): State<AppState>,
    Budgeted(project): Budgeted,
) -> Result<Json<EnvVarList>, AppError> {
    Ok(answer(state.store.list(&project).await?))
}

async fn create(
    State(state): State<AppState>,
    Budgeted(project): Budgeted,
    Valid(body): Valid<CreateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    Ok(answer(state.store.create(&project, body).await?))
}

async fn update(
    State(state): State<AppState>,
    Budgeted(project): Budgeted,
    Valid(body): Valid<UpdateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    Ok(answer(state.store.update(&project, body).await?))
}

async fn delete(
    State(state): State<AppState>,
    Budgeted(project): Budgeted,
    Valid(body): Valid<DeleteEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    Ok(answer(state.store.delete(&project, body).await?))
}
