//! `GET/POST/PATCH/DELETE /api/v0/projects/{projectId}/env-vars`: the extractors find the
//! owned project, count upstream spending and validate the body; the handlers call the store.

use std::sync::Arc;

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
use crate::stores::EnvVarStore;

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

/// The path's project, owned by the caller, its store, and the request counted against the
/// caller's upstream budget when the store spends upstream quota (429 when it is spent).
pub struct Budgeted(pub Project, pub Arc<dyn EnvVarStore>);

impl FromRequestParts<AppState> for Budgeted {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let OwnedProject(project, User(user)) =
            OwnedProject::from_request_parts(parts, state).await?;
        if state.store.is_upstream() {
            state.limits.spend_upstream(&user).await?;
        }
        let store = crate::vercel::project_store(state, &user).await?;
        Ok(Budgeted(project, store))
    }
}

async fn list(Budgeted(project, store): Budgeted) -> Result<Json<EnvVarList>, AppError> {
    Ok(answer(store.list(&project).await?))
}

/// After a change of the project's keys its credential checks no longer hold.
async fn changed(
    state: &AppState,
    project: &Project,
    vars: Vec<EnvVar>,
) -> Result<Json<EnvVarList>, AppError> {
    crate::verify::forget(&state.db.pool, &project.id).await?;
    Ok(answer(vars))
}

async fn create(
    State(state): State<AppState>,
    Budgeted(project, store): Budgeted,
    Valid(body): Valid<CreateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    let vars = store.create(&project, body).await?;
    changed(&state, &project, vars).await
}

async fn update(
    State(state): State<AppState>,
    Budgeted(project, store): Budgeted,
    Valid(body): Valid<UpdateEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    let vars = store.update(&project, body).await?;
    changed(&state, &project, vars).await
}

async fn delete(
    State(state): State<AppState>,
    Budgeted(project, store): Budgeted,
    Valid(body): Valid<DeleteEnvVars>,
) -> Result<Json<EnvVarList>, AppError> {
    let vars = store.delete(&project, body).await?;
    changed(&state, &project, vars).await
}
