//! Wire types and validation shared by the backend and its browser client: env vars, the
//! error body, and the limits both sides enforce.
//!
//! ```
//! use sajtmaskin_integrations::wire::{CreateEnvVars, NewEnvVar};
//!
//! let ok = CreateEnvVars { vars: vec![NewEnvVar { key: "DATABASE_URL".into(), value: "postgres://…".into(), sensitive: true }], upsert: true };
//! assert!(ok.validate().is_ok());
//! let bad = CreateEnvVars { vars: vec![NewEnvVar { key: "1BAD".into(), value: String::new(), sensitive: false }], upsert: false };
//! assert_eq!(bad.validate().unwrap_err().code(), "invalid_key");
//! ```

use crate::json::{Object, ToJson};
use serde::{Deserialize, Serialize};

/// Longest env-var key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Largest env-var value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Most vars in one request.
pub const MAX_VARS_PER_REQUEST: usize = 100;
/// Largest request body, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `^[A-Za-z_][A-Za-z0-9_]*$`, at most [`MAX_KEY_BYTES`].
pub fn is_env_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && key.len() <= MAX_KEY_BYTES
}

/// Longest env-var id, in bytes.
pub const MAX_ID_BYTES: usize = 64;

/// Longest id of an upstream object (v0 chats and projects, Vercel projects, configurations,
/// teams), in bytes.
pub const MAX_UPSTREAM_ID_BYTES: usize = 128;

/// `^[A-Za-z0-9_-]{1,max}$`: the one shape every id must have before it reaches a URL path, a
/// query or a stored link. The ids of our tables, v0 and Vercel all fit, and nothing that could
/// steer a URL (`/`, `.`, `?`, `#`, `%`) does.
pub fn is_safe_id(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// An env-var id: [`is_safe_id`] with at most [`MAX_ID_BYTES`].
pub fn is_env_var_id(id: &str) -> bool {
    is_safe_id(id, MAX_ID_BYTES)
}

/// One var to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnvVar {
    /// `^[A-Za-z_][A-Za-z0-9_]*$`, at most [`MAX_KEY_BYTES`].
    pub key: String,
    /// At most [`MAX_VALUE_BYTES`]; wiped from wasm memory once sent.
    pub value: String,
    /// Write-only: never returned once stored.
    #[serde(default)]
    pub sensitive: bool,
}

/// `POST …/env-vars`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateEnvVars {
    /// 1 to [`MAX_VARS_PER_REQUEST`], no key twice.
    pub vars: Vec<NewEnvVar>,
    /// Overwrite existing keys instead of failing with 409.
    #[serde(default)]
    pub upsert: bool,
}

/// One value change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVarUpdate {
    /// The var's id.
    pub id: String,
    /// Its new value.
    pub value: String,
}

/// `PATCH …/env-vars`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateEnvVars {
    /// 1 to [`MAX_VARS_PER_REQUEST`], no id twice.
    pub vars: Vec<EnvVarUpdate>,
}

/// `DELETE …/env-vars`: by ids, by keys, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteEnvVars {
    /// Ids as [`EnvVar::id`] gives them ([`is_env_var_id`]); unknown ones are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Keys ([`is_env_key`]); a key not set is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<String>>,
}

/// A stored var as the API returns it. `value` is `None` (`null`) for sensitive vars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    /// Chosen by the store (`env_…` locally, v0's or Vercel's otherwise); [`is_env_var_id`].
    pub id: String,
    /// The variable's name, as set.
    pub key: String,
    /// Value, never for sensitive vars.
    pub value: Option<String>,
    /// Write-only: the value is stored but never returned.
    pub sensitive: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// The stored value could not be decrypted (a wrong key, or a row changed at rest):
    /// `value` is `null` and the var should be set again. Omitted when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unreadable: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Every env-var route answers with a list: all vars (GET), the created/updated ones
/// (POST/PATCH), the deleted ones (DELETE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarList {
    /// Ordered by key for the local store; in the upstream's order otherwise.
    pub env_vars: Vec<EnvVar>,
}

/// The error body: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Always present in an error answer.
    pub error: ErrorDetail,
}

/// Code and message of an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable message: names the field or rule, never a submitted value.
    pub message: String,
    /// Only when a change of several upstream items failed part-way: the vars (without
    /// values) changed before the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<EnvVar>>,
}

/// A request that breaks a rule of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A key that is not `^[A-Za-z_][A-Za-z0-9_]*$` or is too long. Messages never repeat the
    /// submitted text (it may be a value pasted into the wrong field).
    #[error("an env var key is invalid: keys match ^[A-Za-z_][A-Za-z0-9_]*$ and have at most 256 characters")]
    InvalidKey(String),
    /// An id that is not `^[A-Za-z0-9_-]{1,64}$`.
    #[error("an env var id is invalid: ids match ^[A-Za-z0-9_-]{{1,64}}$")]
    InvalidId(String),
    /// A value over [`MAX_VALUE_BYTES`].
    #[error("a value is larger than 64 KiB")]
    ValueTooLarge(String),
    /// More than [`MAX_VARS_PER_REQUEST`] vars.
    #[error("at most 100 vars per request, got {0}")]
    TooManyVars(usize),
    /// No vars at all.
    #[error("the request names no vars")]
    NoVars,
    /// The same key (or id) twice in one request.
    #[error("a key or id appears twice in the request")]
    Duplicate(String),
}

impl ValidationError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::InvalidKey(_) => "invalid_key",
            ValidationError::InvalidId(_) => "invalid_id",
            ValidationError::ValueTooLarge(_) => "value_too_large",
            ValidationError::TooManyVars(_) => "too_many_vars",
            ValidationError::NoVars => "empty_selection",
            ValidationError::Duplicate(_) => "duplicate_key",
        }
    }
}

fn check_count(n: usize) -> Result<(), ValidationError> {
    match n {
        0 => Err(ValidationError::NoVars),
        n if n > MAX_VARS_PER_REQUEST => Err(ValidationError::TooManyVars(n)),
        _ => Ok(()),
    }
}

/// Called after `check_count`: at most `MAX_VARS_PER_REQUEST` items, so comparing each with
/// those before it is bounded (and keeps std's `HashSet`, hashbrown and SipHash, out of the wasm
/// module).
fn check_unique<'a>(items: impl Iterator<Item = &'a str>) -> Result<(), ValidationError> {
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        if seen.contains(&item) {
            return Err(ValidationError::Duplicate(item.to_owned()));
        }
        seen.push(item);
    }
    Ok(())
}

impl CreateEnvVars {
    /// Checks keys, value sizes, count and duplicates.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_count(self.vars.len())?;
        for var in &self.vars {
            if !is_env_key(&var.key) {
                return Err(ValidationError::InvalidKey(var.key.clone()));
            }
            if var.value.len() > MAX_VALUE_BYTES {
                return Err(ValidationError::ValueTooLarge(var.key.clone()));
            }
        }
        check_unique(self.vars.iter().map(|v| v.key.as_str()))
    }
}

impl UpdateEnvVars {
    /// Checks ids, value sizes, count and duplicate ids.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_count(self.vars.len())?;
        for var in &self.vars {
            if !is_env_var_id(&var.id) {
                return Err(ValidationError::InvalidId(var.id.clone()));
            }
            if var.value.len() > MAX_VALUE_BYTES {
                return Err(ValidationError::ValueTooLarge(var.id.clone()));
            }
        }
        check_unique(self.vars.iter().map(|v| v.id.as_str()))
    }
}

impl DeleteEnvVars {
    /// Whether the var with `id` and `key` is selected for deletion.
    pub fn selects(&self, id: &str, key: &str) -> bool {
        self.ids.iter().flatten().any(|i| i == id) || self.keys.iter().flatten().any(|k| k == key)
    }

    /// At least one id or key, at most 100, ids and keys valid.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let ids = self.ids.as_deref().unwrap_or_default();
        let keys = self.keys.as_deref().unwrap_or_default();
        check_count(ids.len() + keys.len())?;
        if let Some(bad) = ids.iter().find(|id| !is_env_var_id(id)) {
            return Err(ValidationError::InvalidId(bad.clone()));
        }
        if let Some(bad) = keys.iter().find(|k| !is_env_key(k)) {
            return Err(ValidationError::InvalidKey(bad.clone()));
        }
        Ok(())
    }
}

/// An MCP tool name: 1–128 letters, digits, `_`, `-`, `.` (what MCP allows, and safe in a URL
/// path segment).
pub fn is_mcp_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// For `Option<Option<T>>` fields of a patch: a field that is present (even as null) becomes
/// `Some`, so "absent" (unchanged) and "null" (cleared) differ.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(deserializer).map(Some)
}

// The request bodies' JSON for the wasm client, as their serde derives write them
// (`crate::json::ToJson`).
impl ToJson for NewEnvVar {
    fn write_json(&self, out: &mut String) {
        let mut var = Object::new(out);
        var.field("key", &self.key)
            .field("value", &self.value)
            .field("sensitive", &self.sensitive);
        var.end();
    }
}

impl ToJson for CreateEnvVars {
    fn write_json(&self, out: &mut String) {
        let mut body = Object::new(out);
        body.field("vars", &self.vars).field("upsert", &self.upsert);
        body.end();
    }
}

impl ToJson for EnvVarUpdate {
    fn write_json(&self, out: &mut String) {
        let mut var = Object::new(out);
        var.field("id", &self.id).field("value", &self.value);
        var.end();
    }
}

impl ToJson for UpdateEnvVars {
    fn write_json(&self, out: &mut String) {
        let mut body = Object::new(out);
        body.field("vars", &self.vars);
        body.end();
    }
}

impl ToJson for DeleteEnvVars {
    fn write_json(&self, out: &mut String) {
        let mut body = Object::new(out);
        body.some("ids", &self.ids).some("keys", &self.keys);
        body.end();
    }
}

#[cfg(test)]
mod tests {
    use super::{check_unique, ValidationError};

    #[test]
    fn the_first_repeated_item_is_named() {
        assert_eq!(check_unique(["A", "B", "C"].into_iter()), Ok(()));
        assert_eq!(
            check_unique(["A", "B", "C", "B", "A"].into_iter()),
            Err(ValidationError::Duplicate("B".to_owned()))
        );
    }
}
