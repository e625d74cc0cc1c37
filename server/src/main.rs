//! `sajtmaskin-server [serve]` or `sajtmaskin-server token <user-id>`.

use clap::Parser;
use sajtmaskin_server::config::{Cli, Command};
use sajtmaskin_server::{serve, state};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=info".into());
    let _ = tracing::subscriber::set_global_default(sajtmaskin_server::logging::subscriber(
        filter,
        cli.config.log_format == sajtmaskin_server::config::LogFormat::Json,
        std::io::stderr,
    ));
    let result = match cli.command {
        None | Some(Command::Serve) => serve(cli.config).await,
        Some(Command::Migrate) => {
            sajtmaskin_server::db::connect(cli.config.database_url.as_deref(), &cli.config.data_dir)
                .await
                .map(|_| tracing::info!("migrations are current"))
        }
        Some(Command::Reseal {
            batch_size,
            pause_ms,
        }) => sajtmaskin_server::reseal(
            &cli.config,
            batch_size,
            std::time::Duration::from_millis(pause_ms),
        )
        .await
        .map(|done| {
            println!(
                "done: {} re-sealed, {} unreadable",
                done.moved, done.unreadable
            )
        }),
        Some(Command::Token { user_id, ttl_hours }) => state::jwt(&cli.config)
            .and_then(|jwt| {
                jwt.mint(&user_id, ttl_hours * 3600)
                    .map_err(|e| e.to_string())
            })
            .map(|token| println!("{token}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            std::process::ExitCode::FAILURE
        }
    }
}
