//! `sajtmaskin-server`: the minimal backend of @sajtmaskin/integrations. It holds every secret
//! the browser must never hold: per-project env vars (sensitive values write-only, encrypted at
//! rest in the local store), user authentication and project ownership, Marketplace install
//! records, MCP presets. It also serves the demo builder.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod egress;
pub mod env_vars;
pub mod error;
pub mod ids;
pub mod integrations;
pub mod json;
pub mod keys;
pub mod logging;
pub mod mcp;
pub mod metrics;
pub mod oidc;
pub mod project;
pub mod projects;
pub mod secrets;
pub mod state;
pub mod stores;
pub mod transport;
pub mod upstream;
pub mod v0;
pub mod vercel;
pub mod verify;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Bounds on connections, whatever the routes do.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A client must send a request's headers within this time, the first request's and, on a
    /// kept-alive connection, the next one's: a slow or idle client is disconnected.
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// A write of an answer that makes no progress for this long ends the connection (a
    /// client that stops reading).
    pub write_stall_timeout: Duration,
}

impl ConnectionLimits {
    /// The limits `config` sets.
    pub fn from_config(config: &config::Config) -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
            write_stall_timeout: Duration::from_secs(config.write_stall_timeout_secs),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests finish
/// (for up to 10 s). axum's own `serve` has no header-read timeout or connection limit, so
/// connections are driven with hyper's HTTP/1 builder here.
pub async fn serve_on(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(
                TokioIo::new(transport::stall_bounded(stream, limits.write_stall_timeout)),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    // No new connections from here on: the listener closes, in-flight requests finish.
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
}

/// Completes on SIGTERM (what a deploy sends) or SIGINT (ctrl-c).
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminate => {},
    }
    tracing::info!(
        "shutting down: in-flight requests finish (up to 10 s), new connections are refused"
    );
}

/// The state for `config`, after the key check (the keyring must hold the database's key) and
/// with the database brought up to date: URLs that carry a credential, stored plain by earlier
/// versions, are sealed. Values that do not open are counted and logged once.
pub async fn start_state(config: &config::Config) -> Result<state::AppState, String> {
    let state = state::AppState::from_config(config).await?;
    keys::check(&state.db.pool, &state.cipher).await?;
    let census = keys::census(&state.db.pool, &state.cipher).await?;
    if census.unreadable > 0 {
        tracing::error!(
            unreadable = census.unreadable,
            total = census.total,
            "stored values do not open with ENV_VAR_ENCRYPTION_KEY or ENV_VAR_ENCRYPTION_OLD_KEYS; they answer as unreadable"
        );
    }
    state
        .unreadable
        .store(census.unreadable, std::sync::atomic::Ordering::Relaxed);
    let moved = mcp::servers::seal_plain_urls(&state.db.pool, &state.cipher)
        .await
        .map_err(|e| format!("sealing MCP URLs that carry a credential: {e}"))?;
    if moved > 0 {
        tracing::info!(servers = moved, "MCP URLs that carry a credential sealed");
    }
    Ok(state)
}

/// `sajtmaskin-server reseal`: every stored value under the current key, then the key check
/// moved to it. Prints one line per table (and per batch with a pause).
pub async fn reseal(
    config: &config::Config,
    batch: i64,
    pause: Duration,
) -> Result<keys::Resealed, String> {
    let state = start_state(config).await?;
    keys::reseal(
        &state.db.pool,
        &state.cipher,
        batch,
        pause,
        |table, done| {
            println!(
                "{table}: {} re-sealed so far, {} unreadable, {} changed meanwhile",
                done.moved, done.unreadable, done.raced
            );
        },
    )
    .await
}

/// Binds `config.bind` and serves until SIGTERM or SIGINT.
pub async fn serve(config: config::Config) -> Result<(), String> {
    let state = start_state(&config).await?;
    let router = app::router(state, &config)?;
    let listener = TcpListener::bind(&config.bind)
        .await
        .map_err(|e| format!("{}: {e}", config.bind))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(dev = config.dev, store = ?config.env_store, "listening on http://{address}");
    serve_on(
        listener,
        router,
        ConnectionLimits::from_config(&config),
        shutdown_signal(),
    )
    .await;
    Ok(())
}
