//! Projects and ownership. Every project-scoped route takes an [`OwnedProject`]: the path's
//! `projectId` checked and looked up for the authenticated caller, or 404 (a project that is
//! not the caller's is indistinguishable from one that does not exist).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::env_vars::UpstreamProject;
use crate::error::AppError;
use crate::ids::new_id;
use crate::json::{JsonBody, PathParams};
use crate::state::AppState;

/// A project row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Our id, `prj_…`.
    pub id: String,
    /// Shown to the user; at most 200 characters.
    pub name: String,
    /// The v0 project the server created for it (env store `v0`).
    pub v0_project_id: Option<String>,
    /// The Vercel project the server created for it (env store `vercel`).
    pub vercel_project_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

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

/// The columns of [`Project`], for every query that reads one.
const COLUMNS: &str = "id, name, v0_project_id, vercel_project_id, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Project, sqlx::Error> {
    Ok(Project {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        v0_project_id: row.try_get("v0_project_id")?,
        vercel_project_id: row.try_get("vercel_project_id")?,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

/// Our project ids: `prj_` and hex, at most 64 bytes. Checked before any query.
fn is_project_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
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
    let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE owner_id = $1")
        .bind(&user)
        .fetch_one(&state.db.pool)
        .await?;
    if owned >= state.limits.max_projects {
        return Err(quota_exceeded(state.limits.max_projects));
    }
    let id = new_id("prj");
    if state.store_is_upstream {
        state.limits.spend_upstream(&user)?;
    }
    let (v0, vercel) = match state.store.provision(&id).await? {
        UpstreamProject::None => (None, None),
        UpstreamProject::V0(upstream) => (Some(upstream), None),
        UpstreamProject::Vercel(upstream) => (None, Some(upstream)),
    };
    let now = now_ms();
    // The count is checked again inside the insert, so concurrent creates cannot pass it.
    let inserted = sqlx::query("INSERT INTO projects (id, owner_id, name, v0_project_id, vercel_project_id, created_at) SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT COUNT(*) FROM projects WHERE owner_id = $2) < $7")
        .bind(&id)
        .bind(&user)
        .bind(&name)
        .bind(v0.clone())
        .bind(vercel.clone())
        .bind(now)
        .bind(state.limits.max_projects)
        .execute(&state.db.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Upstream {
                status: axum::http::StatusCode::BAD_GATEWAY,
                code: "upstream_project_taken",
                message: "the upstream answered with a project that is already linked".into(),
                retry_after: None,
            },
            _ => AppError::Database(e),
        })?;
    if inserted.rows_affected() == 0 {
        return Err(quota_exceeded(state.limits.max_projects));
    }
    Ok(Json(Project {
        id,
        name,
        v0_project_id: v0,
        vercel_project_id: vercel,
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
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM projects WHERE owner_id = $1 ORDER BY created_at, id"
    ))
    .bind(&user)
    .fetch_all(&state.db.pool)
    .await?;
    let projects = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Json(ProjectList { projects }))
}

/// The caller's project `id`, or 404 (also for an id that is not one of ours in shape).
pub async fn owned(state: &AppState, user: &str, id: &str) -> Result<Project, AppError> {
    if !is_project_id(id) {
        return Err(AppError::NotFound("project"));
    }
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM projects WHERE id = $1 AND owner_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(&state.db.pool)
    .await?;
    match row {
        Some(row) => Ok(from_row(&row)?),
        None => Err(AppError::NotFound("project")),
    }
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
