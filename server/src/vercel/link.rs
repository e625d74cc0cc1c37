//! Linking a project to one of the user's own Vercel projects, checked with the user's token.

use axum::extract::State;
use axum::Json;
use reqwest::Method;
use serde::Deserialize;

use super::connect::require_connection;
use super::*;
use crate::auth::User;
use crate::json::JsonBody;
use crate::projects::OwnedProject;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct LinkRequest {
    vercel_project_id: String,
}

#[derive(Deserialize)]
struct VercelProject {
    id: String,
}

/// `POST /api/projects/{id}/vercel-project {vercelProjectId}`: links the project to one of the
/// caller's Vercel projects, checked with the caller's own token (Vercel answers 404 for a
/// project they cannot reach).
pub(super) async fn link_project(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<LinkRequest>,
) -> Result<Json<crate::project::Project>, AppError> {
    let Some(wanted) = vercel_id(Some(&body.vercel_project_id)) else {
        return Err(AppError::Unprocessable {
            code: "invalid_project",
            message: "vercelProjectId must be letters, digits, '_' or '-'".into(),
        });
    };
    let (_, api) = require_connection(&state, &user).await?;
    let found: VercelProject = api
        .json(api.request(Method::GET, &["v9", "projects", wanted]))
        .await?;
    let id = vercel_id(Some(&found.id))
        .ok_or_else(|| {
            crate::upstream::UpstreamError::bad_answer("Vercel sent a project without a usable id")
        })?
        .to_owned();
    crate::project::set_vercel_project(&state.db.pool, &project.id, &id)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict {
                code: "vercel_project_linked",
                message: "that Vercel project is linked to another project".into(),
            },
            _ => AppError::Database(e),
        })?;
    Ok(Json(crate::project::Project {
        linked_vercel_project_id: Some(id),
        ..project
    }))
}
