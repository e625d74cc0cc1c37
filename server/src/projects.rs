//! `/api/projects`, and [`OwnedProject`], which every project-scoped route takes: the path's
//! `projectId` looked up for the authenticated caller, or 404 (a project that is not the
//! caller's is indistinguishable from one that does not exist).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::error::AppError;
use crate::ids::new_id;
use crate::json::{JsonBody, PathParams};
use crate::project::{self, Project};
use crate::state::AppState;
use crate::stores::UpstreamProject;
use crate::upstream::UpstreamError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewProject {
    name: Option<String>,
    // Accepted only to be refused with a clear error: the platform's credentials never act on
    // an upstream project a client names.
    v0_project_id: Option<serde_json::Value>,
    vercel_project_id: Option<serde_json::Value>,
}

/// `/api/projects`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/projects", get(list).post(create))
}

async fn create(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(body): JsonBody<NewProject>,
) -> Result<Json<Project>, AppError> {
    if body.v0_project_id.is_some() || body.vercel_project_id.is_some() {
        return Err(AppError::Unprocessable {
            code: "upstream_id_not_allowed",
            message: "v0ProjectId and vercelProjectId are set by the server, which creates the upstream project itself".into(),
        });
    }
    let name = body.name.unwrap_or_else(|| "Untitled".to_owned());
    if name.chars().count() > 200 {
        return Err(AppError::Unprocessable {
            code: "invalid_project",
            message: "name is longer than 200 characters".into(),
        });
    }
    let max = state.limits.max_projects;
    if project::count_owned(&state.db.pool, &user).await? >= max {
        return Err(quota_exceeded(max));
    }
    let id = new_id("prj");
    if state.store.is_upstream() {
        state.limits.spend_upstream(&user).await?;
    }
    let (v0, vercel) = match state.store.provision(&id).await? {
        UpstreamProject::None => (None, None),
        UpstreamProject::V0(upstream) => (Some(upstream), None),
        UpstreamProject::Vercel(upstream) => (None, Some(upstream)),
    };
    let now = now_ms();
    let row = project::NewRow {
        id: &id,
        owner: &user,
        name: &name,
        v0_project_id: v0.as_deref(),
        vercel_project_id: vercel.as_deref(),
        created_at: now,
    };
    let inserted = project::insert_within_quota(&state.db.pool, row, max)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                AppError::Upstream(UpstreamError::bad_answer(
                    "the upstream answered with a project that is already linked",
                ))
            }
            _ => AppError::Database(e),
        })?;
    if !inserted {
        return Err(quota_exceeded(max));
    }
    Ok(Json(Project {
        id,
        name,
        v0_project_id: v0,
        vercel_project_id: vercel,
        linked_vercel_project_id: None,
        created_at: rfc3339(now),
    }))
}

fn quota_exceeded(max: i64) -> AppError {
    AppError::TooMany {
        code: "quota_exceeded",
        message: format!("an account may own at most {max} projects"),
        retry_after_secs: 3600,
    }
}

#[derive(Serialize)]
struct ProjectList {
    projects: Vec<Project>,
}

async fn list(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ProjectList>, AppError> {
    let projects = project::list_owned(&state.db.pool, &user).await?;
    Ok(Json(ProjectList { projects }))
}

/// The caller's project `id`, or 404.
pub async fn owned(state: &AppState, user: &str, id: &str) -> Result<Project, AppError> {
    project::find_owned(&state.db.pool, user, id)
        .await?
        .ok_or(AppError::NotFound("project"))
}

#[derive(Deserialize)]
struct ProjectPath {
    project_id: String,
}

/// The path's `{project_id}`, owned by the authenticated caller (who comes along), or 404.
pub struct OwnedProject(pub Project, pub User);

impl FromRequestParts<AppState> for OwnedProject {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = User::from_request_parts(parts, state).await?;
        let PathParams(path) = PathParams::<ProjectPath>::from_request_parts(parts, state).await?;
        let project = owned(state, &user.0, &path.project_id).await?;
        Ok(OwnedProject(project, user))
    }
}
