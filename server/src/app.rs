//! Builds the application: configuration → state → router (per-feature route modules,
//! static files for the demo, body limit, CORS, tracing).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method};
use axum::routing::{get, post};
use axum::{Json, Router};
use sajtmaskin_integrations::wire::MAX_BODY_BYTES;
use serde::{Deserialize, Serialize};
use tower_http::cors::CorsLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::auth::Jwt;
use crate::config::{Config, StoreKind};
use crate::crypto::Cipher;
use crate::env_vars::{EnvVarStore, LocalStore, V0Store, VercelStore};
use crate::error::AppError;
use crate::json::JsonBody;
use crate::secrets::{decode_key, load_or_create};
use crate::state::AppState;
use crate::upstream::Upstream;
use crate::{db, env_vars, integrations, projects};

/// The token secret: AUTH_JWT_SECRET, or one generated into the data dir.
pub fn jwt(config: &Config) -> Result<Jwt, String> {
    match &config.auth_jwt_secret {
        Some(secret) if secret.len() >= 32 => Ok(Jwt::new(secret.as_bytes())),
        Some(_) => Err("AUTH_JWT_SECRET must be at least 32 characters".into()),
        None => Ok(Jwt::new(&load_or_create(
            &config.data_dir,
            "jwt-secret",
            "AUTH_JWT_SECRET",
        )?)),
    }
}

/// State from configuration: database, keys, the env-var store.
pub async fn state(config: &Config) -> Result<AppState, String> {
    let db = db::connect(config.database_url.as_deref(), &config.data_dir).await?;
    let timeout = Duration::from_secs(config.upstream_timeout_secs.max(1));
    let store: Arc<dyn EnvVarStore> = match config.env_store {
        StoreKind::Local => {
            let key = match &config.env_var_encryption_key {
                Some(text) => decode_key(text, "ENV_VAR_ENCRYPTION_KEY")?,
                None => load_or_create(
                    &config.data_dir,
                    "env-encryption.key",
                    "ENV_VAR_ENCRYPTION_KEY",
                )?,
            };
            Arc::new(LocalStore::new(db.clone(), Cipher::new(&key)))
        }
        StoreKind::V0 => {
            let key = config
                .v0_api_key
                .as_deref()
                .ok_or("ENV_STORE=v0 needs V0_API_KEY")?;
            Arc::new(V0Store::new(
                Upstream::new("v0", &config.v0_api_url, key, timeout)?,
                db.clone(),
            ))
        }
        StoreKind::Vercel => {
            let token = config
                .vercel_token
                .as_deref()
                .ok_or("ENV_STORE=vercel needs VERCEL_TOKEN")?;
            Arc::new(VercelStore::new(
                Upstream::new("Vercel", &config.vercel_api_url, token, timeout)?,
                config.vercel_team_id.clone(),
            ))
        }
    };
    let v0 = match &config.v0_api_key {
        Some(key) => Some(Upstream::new(
            "v0",
            &config.v0_api_url,
            key,
            Duration::from_secs(300),
        )?),
        None => None,
    };
    Ok(AppState {
        db,
        jwt: jwt(config)?,
        store,
        dev: config.dev,
        fixtures_dir: config.fixtures_dir.clone(),
        v0,
    })
}

/// The router.
pub fn router(state: AppState, config: &Config) -> Result<Router, String> {
    let mut api = Router::new()
        .route("/api/health", get(health))
        .merge(projects::routes())
        .merge(env_vars::routes())
        .merge(integrations::routes())
        .merge(crate::demo::routes());
    if config.dev {
        api = api.route("/api/dev/token", post(dev_token));
    }
    let mut app = api
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .nest_service("/pkg", ServeDir::new(&config.pkg_dir))
        .nest_service("/fixtures", ServeDir::new(&config.fixtures_dir))
        .fallback_service(ServeDir::new(&config.www_dir))
        .layer(TraceLayer::new_for_http());
    if !config.cors_origins.is_empty() {
        let origins = config
            .cors_origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim())
                    .map_err(|_| format!("CORS_ORIGINS: bad origin {o:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        app = app.layer(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
                .allow_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::CONTENT_TYPE,
                ]),
        );
    }
    Ok(app)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DevTokenRequest {
    user_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DevToken {
    token: String,
    user_id: String,
}

/// `--dev` only: a token for the demo page (default user `demo-user`).
async fn dev_token(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<DevTokenRequest>,
) -> Result<Json<DevToken>, AppError> {
    let user_id = body
        .user_id
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "demo-user".to_owned());
    let token = state.jwt.mint(&user_id, 12 * 3600)?;
    Ok(Json(DevToken { token, user_id }))
}
