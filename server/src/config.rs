//! Configuration from flags and environment (`--help` lists both).

use std::path::PathBuf;

/// Server configuration.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "sajtmaskin-server", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8787")]
    pub bind: String,
    /// The demo builder page.
    #[arg(long, env = "WWW_DIR", default_value = "www")]
    pub www_dir: PathBuf,
    /// The wasm package built by wasm-pack.
    #[arg(long, env = "PKG_DIR", default_value = "pkg")]
    pub pkg_dir: PathBuf,
    /// Recorded v0 streams offered by the demo.
    #[arg(
        long,
        env = "FIXTURES_DIR",
        default_value = "../shared/fixtures/v0-streams"
    )]
    pub fixtures_dir: PathBuf,
}
