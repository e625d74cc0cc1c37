//! The user's own Vercel connection and what it makes possible: connecting (an OAuth install of
//! the builder's Vercel integration), linking a project to one of the user's Vercel projects,
//! syncing a Marketplace install (its env vars, detected by key) into an install record, and
//! Vercel's webhooks.
//!
//! Everything done on a user's Vercel projects uses that user's token, never the platform
//! `VERCEL_TOKEN`; Vercel itself then bounds what a user can reach. Flows that leave and come
//! back are single-use and kept in the database (any instance can finish them); tokens are
//! stored AES-GCM encrypted and never returned or logged.

//!
//! One file per job: [`connect`] (the OAuth install of the builder's integration and the
//! stored connection), [`link`] (a project linked to one of the user's Vercel projects),
//! [`sync`] (a Marketplace install's env vars into an install record) and [`webhooks`]
//! (Vercel's signed events). HTTP to Vercel is [`crate::upstream`].

mod connect;
mod link;
mod sync;
mod webhooks;

use axum::routing::{get, post};
use axum::Router;
use sajtmaskin_integrations::wire::{is_safe_id, MAX_UPSTREAM_ID_BYTES};

use crate::error::AppError;
use crate::state::{AppState, VercelApp};

pub use connect::connection_aad;

/// How long a started connection may take to come back.
pub(super) const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
/// The cookie that binds a connection flow to the browser that started it.
pub(super) const FLOW_COOKIE: &str = "sm_vercel_flow";
pub(super) const CALLBACK_PATH: &str = "/api/integrations/vercel/callback";

/// The routes of the Vercel connection.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/integrations/vercel",
            get(connect::connection).delete(connect::disconnect),
        )
        .route("/api/integrations/vercel/connect", post(connect::connect))
        .route(CALLBACK_PATH, get(connect::callback))
        .route("/api/webhooks/vercel", post(webhooks::webhook))
        .route(
            "/api/projects/{project_id}/vercel-project",
            post(link::link_project),
        )
        .route(
            "/api/projects/{project_id}/integrations/{provider}/sync",
            post(sync::sync),
        )
}

pub(super) fn app(state: &AppState) -> Result<&VercelApp, AppError> {
    state.vercel.as_ref().ok_or(AppError::Unprocessable {
        code: "vercel_not_configured",
        message: "set VERCEL_CLIENT_ID, VERCEL_CLIENT_SECRET, VERCEL_INTEGRATION_SLUG and PUBLIC_URL to connect Vercel accounts".into(),
    })
}

pub(super) fn random_token() -> Result<String, AppError> {
    crate::secrets::random_token().map_err(AppError::Internal)
}

/// Ids Vercel hands us (configuration, team, installation): letters, digits, `_`, `-`.
pub(super) fn vercel_id(value: Option<&str>) -> Option<&str> {
    value.filter(|v| is_safe_id(v, MAX_UPSTREAM_ID_BYTES))
}

/// The store that holds `owner`'s projects' env vars: the configured one, or with
/// `ENV_STORE=vercel-linked` one on their linked Vercel projects through their own Vercel
/// connection (409 `vercel_not_connected` without one).
pub(crate) async fn project_store(
    state: &AppState,
    owner: &str,
) -> Result<std::sync::Arc<dyn crate::stores::EnvVarStore>, AppError> {
    match state.store_kind {
        crate::config::StoreKind::VercelLinked => {
            let api = connect::user_api(state, owner).await?;
            Ok(std::sync::Arc::new(crate::stores::VercelStore::linked(api)))
        }
        _ => Ok(state.store.clone()),
    }
}
