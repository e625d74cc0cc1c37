//! `sajtmaskin-server`: the minimal backend of @sajtmaskin/integrations. It holds every secret
//! the browser must never hold: per-project env vars (sensitive values write-only, encrypted at
//! rest in the local store), user authentication and project ownership, Marketplace install
//! records, MCP presets. It also serves the demo builder.

pub mod app;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod env_vars;
pub mod error;
pub mod integrations;
pub mod json;
pub mod projects;
pub mod secrets;
pub mod state;
pub mod upstream;

/// Binds `config.bind` and serves until ctrl-c.
pub async fn serve(config: config::Config) -> Result<(), String> {
    let state = app::state(&config).await?;
    let router = app::router(state, &config)?;
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| format!("{}: {e}", config.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(dev = config.dev, store = ?config.env_store, "listening on http://{address}");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
