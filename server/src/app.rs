//! The router: static files for the demo and a health check.

use axum::{routing::get, Json, Router};
use tower_http::services::ServeDir;

use crate::config::Config;

/// Builds the application router.
pub fn router(config: &Config) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .nest_service("/pkg", ServeDir::new(&config.pkg_dir))
        .nest_service("/fixtures", ServeDir::new(&config.fixtures_dir))
        .fallback_service(ServeDir::new(&config.www_dir))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }))
}
