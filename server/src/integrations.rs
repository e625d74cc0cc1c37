//! Integration status, Marketplace install records and MCP presets. Nothing here reads or
//! reveals which server secrets are configured.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use sajtmaskin_integrations::catalog::{Kind, PROVIDERS};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::error::AppError;
use crate::ids::new_id;
use crate::json::{JsonBody, QueryParams};
use crate::projects::owned;
use crate::state::AppState;

/// The integration routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/integrations/status", get(status))
        .route("/api/integrations/marketplace/strategy", get(strategy))
        .route("/api/integrations/marketplace/start", post(start))
        .route("/api/integrations/marketplace/records", get(records))
}

/// One `user_integrations` row: an install of a Marketplace integration for a user (and
/// project). Its `status` goes `pending → installed → removed` (or `error` with a `reason`),
/// never backwards except through removal.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    id: String,
    project_id: Option<String>,
    integration_type: String,
    status: String,
    install_url: String,
    /// Key names and targets the install wrote (never values); empty until installed.
    env_vars: Vec<RecordKey>,
    /// The Marketplace configuration the keys came from.
    marketplace_id: Option<String>,
    last_synced_at: Option<String>,
    reason: Option<String>,
    created_at: String,
    updated_at: String,
}

fn record(row: &sqlx::any::AnyRow) -> Result<Record, sqlx::Error> {
    let project: String = row.try_get("project_id")?;
    let keys: String = row.try_get("env_keys")?;
    Ok(Record {
        id: row.try_get("id")?,
        project_id: (!project.is_empty()).then_some(project),
        integration_type: row.try_get("integration_type")?,
        status: row.try_get("status")?,
        install_url: row.try_get("install_url")?,
        env_vars: serde_json::from_str(&keys).unwrap_or_default(),
        marketplace_id: row.try_get("marketplace_id")?,
        last_synced_at: row
            .try_get::<Option<i64>, _>("last_synced_at")?
            .map(rfc3339),
        reason: row.try_get("reason")?,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
    })
}

const RECORD_COLUMNS: &str = "id, project_id, integration_type, status, install_url, env_keys, marketplace_id, last_synced_at, reason, created_at, updated_at";

/// One key of an install record: the name and where it applies, never the value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecordKey {
    /// The env var's name on Vercel.
    pub key: String,
    /// Vercel's targets (`production`, `preview`, `development`).
    pub target: Vec<String>,
    /// Vercel's content hint type, e.g. `postgres-url`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// What a sync found for an install.
pub struct Installed<'a> {
    /// The provider's keys on the Vercel project.
    pub keys: &'a [RecordKey],
    /// The Marketplace configuration they came from.
    pub marketplace_id: Option<&'a str>,
}

/// Records a sync of `provider` for (`user`, `project`) in one statement: with `installed`,
/// the row becomes (or stays) `installed` with the keys; without, a missing row is created
/// `pending` and an existing one only gets `last_synced_at`. A `removed` row comes back through
/// a new install only.
pub async fn record_install(
    pool: &sqlx::AnyPool,
    user: &str,
    project: &str,
    provider: &'static str,
    installed: Option<Installed<'_>>,
) -> Result<Record, sqlx::Error> {
    let now = now_ms();
    let install_url = PROVIDERS
        .iter()
        .find(|p| p.id == provider)
        .and_then(|p| p.url)
        .unwrap_or("https://vercel.com/marketplace");
    let (status, keys, marketplace) = match &installed {
        Some(found) => (
            "installed",
            serde_json::to_string(found.keys).unwrap_or_else(|_| "[]".into()),
            found.marketplace_id,
        ),
        None => ("pending", "[]".to_owned(), None),
    };
    let update = if installed.is_some() {
        "status = 'installed', env_keys = excluded.env_keys, marketplace_id = excluded.marketplace_id, reason = NULL, last_synced_at = excluded.last_synced_at, updated_at = excluded.updated_at"
    } else {
        "last_synced_at = excluded.last_synced_at"
    };
    let row = sqlx::query(&format!("INSERT INTO user_integrations (id, user_id, project_id, integration_type, status, install_url, env_keys, marketplace_id, last_synced_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9) ON CONFLICT (user_id, project_id, integration_type) DO UPDATE SET {update} RETURNING {RECORD_COLUMNS}"))
        .bind(new_id("uin"))
        .bind(user)
        .bind(project)
        .bind(provider)
        .bind(status)
        .bind(install_url)
        .bind(keys)
        .bind(marketplace)
        .bind(now)
        .fetch_one(pool)
        .await?;
    record(&row)
}

/// Marks a pending install `error` with `reason` (a stable code such as `upstream_auth`).
pub async fn mark_failed(
    pool: &sqlx::AnyPool,
    user: &str,
    project: &str,
    provider: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_integrations SET status = 'error', reason = $1, updated_at = $2 WHERE user_id = $3 AND project_id = $4 AND integration_type = $5 AND status = 'pending'")
        .bind(reason)
        .bind(now_ms())
        .bind(user)
        .bind(project)
        .bind(provider)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Marks every record of a Marketplace configuration `removed` (the user uninstalled it).
pub async fn mark_removed(pool: &sqlx::AnyPool, configuration: &str) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE user_integrations SET status = 'removed', updated_at = $1 WHERE marketplace_id = $2 AND status <> 'removed'")
        .bind(now_ms())
        .bind(configuration)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}

#[derive(Serialize)]
struct Status {
    projects: i64,
    integrations: Vec<Record>,
}

/// The install records of `user`, oldest first; only those of `project` when given.
async fn user_records(
    pool: &sqlx::AnyPool,
    user: &str,
    project: Option<&str>,
) -> Result<Vec<Record>, sqlx::Error> {
    let filter = if project.is_some() {
        "AND project_id = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM user_integrations WHERE user_id = $1 {filter} ORDER BY created_at, id"
    );
    let mut statement = sqlx::query(&sql).bind(user);
    if let Some(project) = project {
        statement = statement.bind(project);
    }
    let rows = statement.fetch_all(pool).await?;
    rows.iter().map(record).collect()
}

async fn status(State(state): State<AppState>, User(user): User) -> Result<Json<Status>, AppError> {
    Ok(Json(Status {
        projects: crate::project::count_owned(&state.db.pool, &user).await?,
        integrations: user_records(&state.db.pool, &user, None).await?,
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StrategyProvider {
    id: &'static str,
    name: &'static str,
    install_url: Option<&'static str>,
    env_vars: &'static [&'static str],
}

#[derive(Serialize)]
struct Strategy {
    strategy: &'static str,
    providers: Vec<StrategyProvider>,
}

async fn strategy(User(_): User) -> Json<Strategy> {
    let providers = PROVIDERS
        .iter()
        .filter(|p| p.kind == Kind::Integration)
        .map(|p| StrategyProvider {
            id: p.id,
            name: p.name,
            install_url: p.url,
            env_vars: p.env_vars,
        })
        .collect();
    Json(Strategy {
        strategy: "vercel-marketplace",
        providers,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Start {
    integration_type: String,
    project_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Started {
    install_url: String,
    record: Record,
}

async fn start(
    State(state): State<AppState>,
    User(user): User,
    JsonBody(body): JsonBody<Start>,
) -> Result<Json<Started>, AppError> {
    let provider = PROVIDERS
        .iter()
        .find(|p| p.kind == Kind::Integration && p.id == body.integration_type)
        .ok_or_else(|| AppError::Unprocessable {
            code: "unknown_integration",
            message: "integrationType: not a Marketplace integration of the catalog".into(),
        })?;
    let project = match body.project_id.as_deref() {
        Some(id) => owned(&state, &user, id).await?.id,
        None => String::new(),
    };
    let install_url = provider
        .url
        .unwrap_or("https://vercel.com/marketplace")
        .to_owned();
    let now = now_ms();
    // One atomic upsert: concurrent starts of the same (user, project, type) leave one row.
    let row = sqlx::query(&format!("INSERT INTO user_integrations (id, user_id, project_id, integration_type, status, install_url, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6) ON CONFLICT (user_id, project_id, integration_type) DO UPDATE SET updated_at = excluded.updated_at, install_url = excluded.install_url RETURNING {RECORD_COLUMNS}"))
        .bind(new_id("uin"))
        .bind(&user)
        .bind(&project)
        .bind(provider.id)
        .bind(&install_url)
        .bind(now)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(Json(Started {
        install_url,
        record: record(&row)?,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordsQuery {
    project_id: Option<String>,
}

#[derive(Serialize)]
struct Records {
    records: Vec<Record>,
}

async fn records(
    State(state): State<AppState>,
    User(user): User,
    QueryParams(query): QueryParams<RecordsQuery>,
) -> Result<Json<Records>, AppError> {
    let project = match query.project_id.as_deref() {
        Some(id) => Some(owned(&state, &user, id).await?.id),
        None => None,
    };
    Ok(Json(Records {
        records: user_records(&state.db.pool, &user, project.as_deref()).await?,
    }))
}
