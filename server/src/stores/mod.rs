//! Where env vars live: one trait, three stores (local encrypted rows, the v0 Platform API,
//! the Vercel REST API). Stores know projects only as [`Project`] records and fail with
//! [`StoreError`]; the HTTP layer decides what a failure means for the answer. Sensitive values
//! are write-only through every store: vars carry `value: None` for them.

mod local;
mod v0;
pub(crate) mod vercel;

use async_trait::async_trait;
use sajtmaskin_integrations::wire::{
    is_safe_id, CreateEnvVars, DeleteEnvVars, EnvVar, UpdateEnvVars, MAX_UPSTREAM_ID_BYTES,
};
use zeroize::Zeroizing;

pub use local::LocalStore;
pub use v0::V0Store;
pub use vercel::VercelStore;

use crate::project::Project;
use crate::upstream::UpstreamError;

/// Most items one update or delete may change in an upstream store that needs a call per item
/// (Vercel): one request never fans out to more upstream calls than this.
pub const MAX_UPSTREAM_FANOUT: usize = 10;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The project has no upstream project in this store.
    #[error("the project has no upstream project")]
    NotLinked,
    /// An id the request names is not one of the project's vars.
    #[error("env var not found")]
    NotFound,
    /// Creating a key that exists, without upsert (the key, when known).
    #[error("the variable already exists")]
    Exists(Option<String>),
    /// More items than [`MAX_UPSTREAM_FANOUT`] for a per-item upstream change.
    #[error("too many vars for one change (at most {0})")]
    FanOut(usize),
    /// The upstream refused a variable without saying why in a way we use.
    #[error("the upstream rejected a variable")]
    Rejected,
    /// The upstream failed.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The metadata database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Sealing a value failed.
    #[error("{0}")]
    Crypto(String),
    /// A per-item upstream change stopped part-way: `changed` lists (without values) the vars
    /// changed before `error`.
    #[error("{error}")]
    Partial {
        /// What stopped the change.
        error: Box<StoreError>,
        /// The vars changed before it.
        changed: Vec<EnvVar>,
    },
}

/// The upstream project a new local project's vars will live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamProject {
    /// The store keeps vars itself.
    None,
    /// A v0 project the server created.
    V0(String),
    /// A Vercel project the server created.
    Vercel(String),
}

/// Where env vars live. Every method either succeeds whole or changes nothing locally; a
/// change of several upstream items that fails part-way says which ones it changed
/// ([`StoreError::Partial`]).
#[async_trait]
pub trait EnvVarStore: Send + Sync {
    /// Whether calls spend upstream quota (then the routes rate-limit them per user).
    fn is_upstream(&self) -> bool;
    /// Creates the upstream project for a new local project, with the platform's credentials
    /// and a name the server chooses: a client never names the upstream project those
    /// credentials act on.
    async fn provision(&self, local_id: &str) -> Result<UpstreamProject, StoreError>;
    /// All vars of the project.
    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, StoreError>;
    /// Creates (or with `upsert`, overwrites) vars; returns them.
    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError>;
    /// Changes values by id (only ids in the project's own list); returns the changed vars.
    async fn update(
        &self,
        project: &Project,
        request: UpdateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError>;
    /// Deletes by ids and/or keys; returns the deleted vars.
    async fn delete(
        &self,
        project: &Project,
        request: DeleteEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError>;
    /// The values of `keys` for a check the server runs itself (credential verification),
    /// never for an answer: sensitive ones too where the store can read them (the local store
    /// decrypts them; Vercel and v0 never return them). Keys it cannot read are left out.
    async fn read_for_check(
        &self,
        project: &Project,
        keys: &[&str],
    ) -> Result<Vec<(String, Zeroizing<String>)>, StoreError> {
        Ok(self
            .list(project)
            .await?
            .into_iter()
            .filter(|v| keys.contains(&v.key.as_str()))
            .filter_map(|v| Some((v.key, Zeroizing::new(v.value?))))
            .collect())
    }
}

/// [`StoreError::NotFound`] unless every wanted id is among `existing`: checked before any
/// upstream write.
fn require_known<'a>(
    mut wanted: impl Iterator<Item = &'a str>,
    existing: &[&str],
) -> Result<(), StoreError> {
    match wanted.any(|id| !existing.contains(&id)) {
        true => Err(StoreError::NotFound),
        false => Ok(()),
    }
}

/// An upstream's `value` as ours: only when the upstream says it is plaintext (`decrypted:
/// true`, or a var type that is never encrypted); anything else may be the upstream's encrypted
/// form, which is never passed on as a value.
pub(crate) fn plaintext(
    value: Option<String>,
    decrypted: Option<bool>,
    plain_type: bool,
) -> Option<String> {
    value.filter(|_| decrypted == Some(true) || plain_type)
}

/// `vars` with the value the caller sent for each non-sensitive one (`sent(var)`): a create or
/// update answer then shows what the user set even when the upstream answered with its
/// encrypted form.
fn with_sent_values(
    mut vars: Vec<EnvVar>,
    sent: impl Fn(&EnvVar) -> Option<String>,
) -> Vec<EnvVar> {
    for var in vars.iter_mut().filter(|v| !v.sensitive) {
        if let Some(value) = sent(var) {
            var.value = Some(value);
        }
    }
    vars
}

/// One upstream var as ours: a sensitive var never carries its value.
fn upstream_var(
    id: String,
    key: String,
    value: Option<String>,
    sensitive: bool,
    created_at: Option<&serde_json::Value>,
    updated_at: Option<&serde_json::Value>,
) -> EnvVar {
    EnvVar {
        id,
        key,
        value: if sensitive { None } else { value },
        sensitive,
        created_at: crate::clock::time_text(created_at),
        updated_at: crate::clock::time_text(updated_at),
        unreadable: false,
    }
}

/// An upstream project id we are about to store (and later put in URL paths): the shape v0
/// and Vercel use, or a bad answer.
fn upstream_project_id(name: &str, id: Option<String>) -> Result<String, StoreError> {
    id.filter(|id| is_safe_id(id, MAX_UPSTREAM_ID_BYTES))
        .ok_or_else(|| {
            UpstreamError::bad_answer(format!(
                "{name} answered project creation without a usable id"
            ))
            .into()
        })
}
