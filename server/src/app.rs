//! The router: the demo builder's static files, its recorded streams, and a health check.

use std::path::PathBuf;

use axum::{extract::State, routing::get, Json, Router};
use tower_http::services::ServeDir;

use crate::config::Config;

/// Builds the application router.
pub fn router(config: &Config) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/demo/streams", get(demo_streams))
        .with_state(config.fixtures_dir.clone())
        .nest_service("/pkg", ServeDir::new(&config.pkg_dir))
        .nest_service("/fixtures", ServeDir::new(&config.fixtures_dir))
        .fallback_service(ServeDir::new(&config.www_dir))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }))
}

/// The recorded `.sse` streams the demo can replay, sorted by name.
async fn demo_streams(State(dir): State<PathBuf>) -> Json<serde_json::Value> {
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sse"))
        .collect();
    names.sort();
    Json(serde_json::json!({ "streams": names }))
}
