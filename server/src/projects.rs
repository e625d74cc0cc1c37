//! Projects and ownership: every project-scoped route goes through [`owned`], which answers
//! 404 for a project that is not the caller's (its existence is not revealed).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::auth::User;
use crate::error::AppError;
use crate::json::JsonBody;
use crate::secrets::{new_id, now_ms, rfc3339};
use crate::state::AppState;

/// A project row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The v0 project it maps to (env store `v0`).
    pub v0_project_id: Option<String>,
    /// The Vercel project it maps to (env store `vercel`).
    pub vercel_project_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewProject {
    name: Option<String>,
    v0_project_id: Option<String>,
    vercel_project_id: Option<String>,
}

/// `/api/projects`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/projects", get(list).post(create))
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Project, sqlx::Error> {
    Ok(Project {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        v0_project_id: row.try_get("v0_project_id")?,
        vercel_project_id: row.try_get("vercel_project_id")?,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

fn optional_id(value: Option<String>, field: &'static str) -> Result<Option<String>, AppError> {
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if v.is_empty() => Ok(None),
        Some(v)
            if v.len() > 128
                || !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            Err(AppError::Unprocessable {
                code: "invalid_project",
                message: format!("{field} must be letters, digits, '_' or '-'"),
            })
        }
        other => Ok(other),
    }
}

async fn create(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(body): JsonBody<NewProject>,
) -> Result<Json<Project>, AppError> {
    let name = body.name.unwrap_or_else(|| "Untitled".to_owned());
    if name.chars().count() > 200 {
        return Err(AppError::Unprocessable {
            code: "invalid_project",
            message: "name is longer than 200 characters".into(),
        });
    }
    let v0 = optional_id(body.v0_project_id, "v0ProjectId")?;
    let vercel = optional_id(body.vercel_project_id, "vercelProjectId")?;
    let id = new_id("prj");
    let now = now_ms();
    sqlx::query("INSERT INTO projects (id, owner_id, name, v0_project_id, vercel_project_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(&user)
        .bind(&name)
        .bind(v0.clone())
        .bind(vercel.clone())
        .bind(now)
        .execute(&state.db.pool)
        .await?;
    Ok(Json(Project {
        id,
        name,
        v0_project_id: v0,
        vercel_project_id: vercel,
        created_at: rfc3339(now),
    }))
}

#[derive(Serialize)]
struct ProjectList {
    projects: Vec<Project>,
}

async fn list(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ProjectList>, AppError> {
    let rows = sqlx::query("SELECT id, name, v0_project_id, vercel_project_id, created_at FROM projects WHERE owner_id = $1 ORDER BY created_at, id")
        .bind(&user)
        .fetch_all(&state.db.pool)
        .await?;
    let projects = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Json(ProjectList { projects }))
}

/// The caller's project `id`, or 404.
pub async fn owned(state: &AppState, user: &str, id: &str) -> Result<Project, AppError> {
    let row = sqlx::query("SELECT id, name, v0_project_id, vercel_project_id, created_at FROM projects WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(user)
        .fetch_optional(&state.db.pool)
        .await?;
    match row {
        Some(row) => Ok(from_row(&row)?),
        None => Err(AppError::NotFound("project")),
    }
}
