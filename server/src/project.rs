//! The `projects` table: the record every project-scoped route and store works with, and all
//! SQL on the table, in one place.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use crate::clock::rfc3339;

/// A project row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Our id, `prj_` and 24 hex digits.
    pub id: String,
    /// Shown to the user; at most 200 characters.
    pub name: String,
    /// The v0 project the server created for it (env store `v0`).
    pub v0_project_id: Option<String>,
    /// The Vercel project the server created for it (env store `vercel`).
    pub vercel_project_id: Option<String>,
    /// The user's own Vercel project, linked with the user's Vercel connection: Marketplace
    /// installs are synced from it.
    pub linked_vercel_project_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A project to insert: the id and upstream ids are chosen by the server.
pub struct NewRow<'a> {
    /// Our id.
    pub id: &'a str,
    /// The owner's user id.
    pub owner: &'a str,
    /// Display name.
    pub name: &'a str,
    /// The v0 project the server created.
    pub v0_project_id: Option<&'a str>,
    /// The Vercel project the server created.
    pub vercel_project_id: Option<&'a str>,
    /// Epoch milliseconds.
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, name, v0_project_id, vercel_project_id, linked_vercel_project_id, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Project, sqlx::Error> {
    Ok(Project {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        v0_project_id: row.try_get("v0_project_id")?,
        vercel_project_id: row.try_get("vercel_project_id")?,
        linked_vercel_project_id: row.try_get("linked_vercel_project_id")?,
        created_at: rfc3339(row.try_get("created_at")?),
    })
}

/// Our project ids (`prj_…`, letters, digits, `_`, `-`, at most 64 bytes): checked before an
/// id from a request reaches a query.
pub fn is_project_id(id: &str) -> bool {
    sajtmaskin_integrations::wire::is_safe_id(id, 64)
}

/// The project `id` if `owner` owns it.
pub async fn find_owned(
    pool: &AnyPool,
    owner: &str,
    id: &str,
) -> Result<Option<Project>, sqlx::Error> {
    if !is_project_id(id) {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM projects WHERE id = $1 AND owner_id = $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every project of `owner`, oldest first.
pub async fn list_owned(pool: &AnyPool, owner: &str) -> Result<Vec<Project>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM projects WHERE owner_id = $1 ORDER BY created_at, id"
    ))
    .bind(owner)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many projects `owner` has.
pub async fn count_owned(pool: &AnyPool, owner: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE owner_id = $1")
        .bind(owner)
        .fetch_one(pool)
        .await
}

/// Inserts `row` unless its owner already has `max` projects (checked in the same statement,
/// so concurrent inserts cannot pass it); false when the quota stopped it.
pub async fn insert_within_quota(
    pool: &AnyPool,
    row: NewRow<'_>,
    max: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query("INSERT INTO projects (id, owner_id, name, v0_project_id, vercel_project_id, created_at) SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT COUNT(*) FROM projects WHERE owner_id = $2) < $7")
        .bind(row.id)
        .bind(row.owner)
        .bind(row.name)
        .bind(row.v0_project_id)
        .bind(row.vercel_project_id)
        .bind(row.created_at)
        .bind(max)
        .execute(pool)
        .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Links project `id` to the user's own Vercel project (checked with the user's token by the
/// caller).
pub async fn set_vercel_project(
    pool: &AnyPool,
    id: &str,
    vercel_project: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projects SET linked_vercel_project_id = $1 WHERE id = $2")
        .bind(vercel_project)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())
}
