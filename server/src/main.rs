//! `sajtmaskin-server`: the minimal backend. For now it serves the demo builder (`www/`), the
//! built wasm package (`pkg/`) and the recorded v0 streams; secrets and stores come next.

mod app;
mod config;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = config::Config::parse();
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: config::Config) -> Result<(), std::io::Error> {
    let listener = tokio::net::TcpListener::bind(&config.bind).await?;
    tracing::info!("demo builder on http://{}", listener.local_addr()?);
    axum::serve(listener, app::router(&config))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
