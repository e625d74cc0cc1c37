//! Shared application state (cheap to clone: everything inside is shared).

use std::path::PathBuf;
use std::sync::Arc;

use crate::auth::Jwt;
use crate::db::Db;
use crate::env_vars::EnvVarStore;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Metadata database.
    pub db: Db,
    /// Token keys.
    pub jwt: Jwt,
    /// The configured env-var store.
    pub store: Arc<dyn EnvVarStore>,
    /// `--dev`.
    pub dev: bool,
    /// Recorded streams for the demo.
    pub fixtures_dir: PathBuf,
    /// For the demo's live v0 pass-through (absent: recorded streams only).
    pub v0: Option<crate::upstream::Upstream>,
}
