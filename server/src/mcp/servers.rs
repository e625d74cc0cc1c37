//! A user's MCP server configurations and their secrets: the rules a configuration follows,
//! all SQL on `mcp_servers` and `mcp_credentials`, and the sealed secrets document.
//!
//! Secrets (bearer token, header values, OAuth client secret and tokens) are one JSON
//! document, AES-GCM sealed with associated data naming (user, server id, URL): a row moved to
//! another server or a changed URL does not open. Changing the URL or the auth kind deletes
//! them. They are never returned: a server reads back with `secrets: {set, headerNames, …}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::clock::{now_ms, rfc3339};
use crate::crypto::Cipher;
use crate::error::AppError;

/// Servers one user may configure.
pub const MAX_SERVERS_PER_USER: i64 = 10;
/// Custom headers per server.
const MAX_HEADERS: usize = 16;
/// Tool names on an allow-list.
const MAX_ALLOWED_TOOLS: usize = 256;
/// Longest bearer token or header value.
const MAX_SECRET_BYTES: usize = 8192;
/// Headers the transport sets itself (or that would change where a request goes).
const RESERVED_HEADERS: [&str; 11] = [
    "host",
    "authorization",
    "content-length",
    "content-type",
    "accept",
    "connection",
    "transfer-encoding",
    "cookie",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
];

pub use super::presets::AuthKind;

/// The OAuth part of a server's secrets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OAuthSecrets {
    /// The registered (or pre-registered) client.
    pub client_id: String,
    /// Only for confidential clients.
    pub client_secret: Option<String>,
    /// The authorization server's token endpoint (refreshes go there).
    pub token_endpoint: String,
    /// The authorization server's issuer, checked against `iss` on the callback.
    pub issuer: Option<String>,
    /// The server sends `iss` on every callback (RFC 9207): one without it is refused.
    #[serde(default)]
    pub iss_required: bool,
    /// The current access token.
    pub access_token: Option<String>,
    /// For refreshing it.
    pub refresh_token: Option<String>,
    /// When the access token expires (ms since the epoch).
    pub expires_at: Option<i64>,
}

/// Everything secret about one server, sealed as one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Secrets {
    /// The real URL of a server whose URL carries a credential ([`carries_credential`]); its
    /// row holds only a reference ([`sealed_reference`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For `bearer`.
    pub bearer: Option<String>,
    /// For `headers` (and a preset's optional API-key header), names as given.
    pub headers: BTreeMap<String, String>,
    /// For `oauth`.
    pub oauth: Option<OAuthSecrets>,
}

impl Secrets {
    /// Whether the document holds nothing.
    pub fn is_empty(&self) -> bool {
        self.url.is_none()
            && self.bearer.is_none()
            && self.headers.is_empty()
            && self.oauth.is_none()
    }
}

/// Marks a row's URL as a reference to a sealed one. A checked URL never has a fragment, so
/// no real URL contains it.
const SEALED_MARK: &str = "#sealed-";

/// Whether `url` is itself a credential: its preset says so (Zapier's per-user URL), it
/// carries a query (where MCP URLs put API keys), or a path segment looks like a key. Such a URL is sealed at rest like the other
/// secrets, and shown as its origin only.
pub fn carries_credential(preset: Option<&str>, url: &reqwest::Url) -> bool {
    preset
        .and_then(super::presets::find)
        .is_some_and(|p| p.secret_url)
        || url.query().is_some()
        || url
            .path_segments()
            .is_some_and(|mut segments| segments.any(looks_like_a_key))
}

/// A path segment that looks like a key rather than a word: 20 or more URL-safe characters
/// mixing letters and digits (`/s/Zq4vT…/mcp`, a per-user token in the path). A tenant id or
/// UUID counts too, which errs on the side of sealing.
fn looks_like_a_key(segment: &str) -> bool {
    segment.len() >= 20
        && segment.bytes().any(|b| b.is_ascii_digit())
        && segment.bytes().any(|b| b.is_ascii_alphabetic())
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b))
}

/// What a row stores instead of a URL that carries a credential: its origin, and a random
/// reference that changes with the URL (so secrets bound to the old one no longer open).
pub fn sealed_reference(url: &reqwest::Url) -> Result<String, AppError> {
    let tag = crate::secrets::random_token().map_err(AppError::Internal)?;
    Ok(format!(
        "{}/…{SEALED_MARK}{tag}",
        url.origin().ascii_serialization()
    ))
}

impl Server {
    /// Whether the row holds a reference to a sealed URL (one that carries a credential).
    pub fn has_sealed_url(&self) -> bool {
        self.url.contains(SEALED_MARK)
    }
}

/// The URL requests go to: the row's, or the sealed one its row refers to.
pub fn target<'a>(server: &'a Server, secrets: Option<&'a Secrets>) -> Result<&'a str, AppError> {
    if !server.has_sealed_url() {
        return Ok(&server.url);
    }
    secrets
        .and_then(|s| s.url.as_deref())
        .ok_or(AppError::Conflict {
            code: "mcp_credentials_missing",
            message: "this server's URL does not open (its sealed record is missing)".into(),
        })
}

/// A stored server.
#[derive(Debug, Clone)]
pub struct Server {
    /// `mcp_…`.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// Letters, digits, `-`, `_`: also the prefix of its tools at `/mcp/{projectId}`.
    pub name: String,
    /// Canonical URL (checked by the egress policy).
    pub url: String,
    /// The preset it came from.
    pub preset: Option<String>,
    /// How it authenticates.
    pub auth_kind: AuthKind,
    /// Disabled servers are neither called nor exposed.
    pub enabled: bool,
    /// `None`: every tool it lists.
    pub allowed_tools: Option<Vec<String>>,
    /// Created, ms.
    pub created_at: i64,
    /// Updated, ms.
    pub updated_at: i64,
}

impl Server {
    /// Whether `tool` may be called.
    pub fn allows(&self, tool: &str) -> bool {
        self.allowed_tools
            .as_ref()
            .is_none_or(|list| list.iter().any(|t| t == tool))
    }

    fn from_row(row: &AnyRow) -> Result<Server, sqlx::Error> {
        let allowed: Option<String> = row.try_get("allowed_tools")?;
        Ok(Server {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            name: row.try_get("name")?,
            url: row.try_get("url")?,
            preset: row.try_get("preset")?,
            auth_kind: AuthKind::parse(&row.try_get::<String, _>("auth_kind")?),
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            allowed_tools: allowed.and_then(|text| serde_json::from_str(&text).ok()),
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// What the API answers: never a secret value (nor a secret URL: its origin only).
    pub fn view(&self, secrets: Option<&Secrets>) -> ServerView {
        let url = match self.url.split_once(SEALED_MARK) {
            Some((shown, _)) => shown.to_owned(),
            None => self.url.clone(),
        };
        ServerView {
            id: self.id.clone(),
            name: self.name.clone(),
            url,
            preset: self.preset.clone(),
            auth_kind: self.auth_kind,
            enabled: self.enabled,
            allowed_tools: self.allowed_tools.clone(),
            secrets: SecretsView {
                set: secrets.is_some(),
                bearer: secrets.is_some_and(|s| s.bearer.is_some()),
                header_names: secrets
                    .map(|s| s.headers.keys().cloned().collect())
                    .unwrap_or_default(),
                oauth_connected: secrets
                    .and_then(|s| s.oauth.as_ref())
                    .is_some_and(|o| o.access_token.is_some()),
                oauth_expires_at: secrets
                    .and_then(|s| s.oauth.as_ref())
                    .and_then(|o| o.expires_at)
                    .map(rfc3339),
            },
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// Which secrets exist (never their values).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsView {
    /// Any secret is stored.
    pub set: bool,
    /// A bearer token is stored.
    pub bearer: bool,
    /// Names of the stored headers.
    pub header_names: Vec<String>,
    /// OAuth finished and an access token is stored.
    pub oauth_connected: bool,
    /// When that token expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_expires_at: Option<String>,
}

/// A server as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerView {
    id: String,
    name: String,
    url: String,
    preset: Option<String>,
    auth_kind: AuthKind,
    enabled: bool,
    allowed_tools: Option<Vec<String>>,
    secrets: SecretsView,
    created_at: String,
    updated_at: String,
}

/// `POST /api/mcp/servers`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewServer {
    /// Letters, digits, `-`, `_`, 1–32.
    pub name: String,
    /// Required unless the preset has one.
    pub url: Option<String>,
    /// A preset id.
    pub preset: Option<String>,
    /// Defaults to the preset's, else `none`.
    pub auth_kind: Option<AuthKind>,
    /// Defaults to true.
    pub enabled: Option<bool>,
    /// Omitted or null: every tool.
    pub allowed_tools: Option<Vec<String>>,
    /// For `bearer`.
    pub bearer_token: Option<String>,
    /// For `headers` (or a preset's API-key header).
    pub headers: Option<BTreeMap<String, String>>,
}

/// `PATCH /api/mcp/servers/{id}`: absent fields stay; `allowedTools: null` allows every tool.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerPatch {
    /// New name.
    pub name: Option<String>,
    /// New URL: drops the stored secrets (unless new ones come along).
    pub url: Option<String>,
    /// New auth kind: drops the stored secrets (unless new ones come along).
    pub auth_kind: Option<AuthKind>,
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// Present: replaces the allow-list (null = every tool).
    #[serde(default, deserialize_with = "sajtmaskin_integrations::wire::present")]
    pub allowed_tools: Option<Option<Vec<String>>>,
    /// Replaces the bearer token.
    pub bearer_token: Option<String>,
    /// Replaces the headers.
    pub headers: Option<BTreeMap<String, String>>,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        code: "invalid_mcp_server",
        message: message.into(),
    }
}

/// A server name: it prefixes tool names, so it is limited to what MCP tool names allow.
pub fn check_name(name: &str) -> Result<(), AppError> {
    let ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.contains("__");
    ok.then_some(())
        .ok_or_else(|| invalid("name: 1–32 letters, digits, '-' or '_' (no '__')"))
}

pub use sajtmaskin_integrations::wire::is_mcp_tool_name as is_tool_name;

fn check_tools(tools: Option<&Vec<String>>) -> Result<(), AppError> {
    let Some(tools) = tools else { return Ok(()) };
    if tools.len() > MAX_ALLOWED_TOOLS || !tools.iter().all(|t| is_tool_name(t)) {
        return Err(invalid(format!(
            "allowedTools: at most {MAX_ALLOWED_TOOLS} tool names of letters, digits, '_', '-', '.'"
        )));
    }
    Ok(())
}

fn check_secret(what: &str, value: &str) -> Result<(), AppError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_SECRET_BYTES
        && value.bytes().all(|b| (0x20..0x7f).contains(&b));
    ok.then_some(()).ok_or_else(|| {
        invalid(format!(
            "{what}: 1–{MAX_SECRET_BYTES} printable ASCII characters"
        ))
    })
}

fn check_headers(headers: &BTreeMap<String, String>) -> Result<(), AppError> {
    if headers.len() > MAX_HEADERS {
        return Err(invalid(format!("headers: at most {MAX_HEADERS}")));
    }
    for (name, value) in headers {
        let token = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !token || RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(invalid(
                "headers: names of letters, digits, '-', '_' that the transport does not set itself",
            ));
        }
        check_secret("headers", value)?;
    }
    Ok(())
}

/// The secrets a create or patch brings, checked against the auth kind.
pub fn new_secrets(
    kind: AuthKind,
    bearer: Option<&str>,
    headers: Option<&BTreeMap<String, String>>,
) -> Result<Option<Secrets>, AppError> {
    if let Some(token) = bearer {
        if kind != AuthKind::Bearer {
            return Err(invalid("bearerToken: only with authKind \"bearer\""));
        }
        check_secret("bearerToken", token)?;
    }
    if let Some(headers) = headers {
        check_headers(headers)?;
    }
    if bearer.is_none() && headers.is_none_or(BTreeMap::is_empty) {
        return Ok(None);
    }
    Ok(Some(Secrets {
        url: None,
        bearer: bearer.map(str::to_owned),
        headers: headers.cloned().unwrap_or_default(),
        oauth: None,
    }))
}

/// Moves URLs that carry a credential out of rows written before they were sealed (at start):
/// each row and its secrets in one transaction, so a crash leaves the old or the new form.
pub async fn seal_plain_urls(pool: &AnyPool, cipher: &Cipher) -> Result<usize, AppError> {
    let rows = sqlx::query("SELECT * FROM mcp_servers")
        .fetch_all(pool)
        .await?;
    let mut sealed = 0;
    for row in &rows {
        let server = Server::from_row(row)?;
        let Ok(url) = reqwest::Url::parse(&server.url) else {
            continue;
        };
        if server.url.contains(SEALED_MARK) || !carries_credential(server.preset.as_deref(), &url) {
            continue;
        }
        let mut document = secrets(pool, cipher, &server).await?.unwrap_or_default();
        document.url = Some(server.url.clone());
        let moved = Server {
            url: sealed_reference(&url)?,
            ..server.clone()
        };
        let mut tx = pool.begin().await?;
        let changed = sqlx::query("UPDATE mcp_servers SET url = $1 WHERE id = $2 AND url = $3")
            .bind(&moved.url)
            .bind(&moved.id)
            .bind(&server.url)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            sqlx::query("DELETE FROM mcp_oauth_flows WHERE server_id = $1")
                .bind(&moved.id)
                .execute(&mut *tx)
                .await?;
            write_secrets(&mut *tx, cipher, &moved, &document).await?;
            sealed += 1;
        }
        tx.commit().await?;
    }
    Ok(sealed)
}

/// Checks a new server's plain fields.
pub fn check_new(body: &NewServer) -> Result<(), AppError> {
    check_name(&body.name)?;
    check_tools(body.allowed_tools.as_ref())
}

/// Checks a patch's plain fields.
pub fn check_patch(body: &ServerPatch) -> Result<(), AppError> {
    if let Some(name) = &body.name {
        check_name(name)?;
    }
    check_tools(body.allowed_tools.as_ref().and_then(Option::as_ref))
}

/// What a server's sealed secrets are bound to.
pub fn credentials_aad(user: &str, server: &str, url: &str) -> Vec<u8> {
    format!("mcp-credentials\0{user}\0{server}\0{url}").into_bytes()
}

/// Inserts `server` unless the user has [`MAX_SERVERS_PER_USER`] (429) or the name is taken
/// (409). The count is checked in the statement itself, so concurrent creates cannot pass it.
pub async fn insert(pool: &AnyPool, server: &Server) -> Result<(), AppError> {
    let tools = server
        .allowed_tools
        .as_ref()
        .map(|t| serde_json::to_string(t).unwrap_or_else(|_| "[]".into()));
    let inserted = sqlx::query("INSERT INTO mcp_servers (id, user_id, name, url, preset, auth_kind, enabled, allowed_tools, created_at, updated_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $9 WHERE (SELECT COUNT(*) FROM mcp_servers WHERE user_id = $2) < $10")
        .bind(&server.id)
        .bind(&server.user_id)
        .bind(&server.name)
        .bind(&server.url)
        .bind(&server.preset)
        .bind(server.auth_kind.as_str())
        .bind(i64::from(server.enabled))
        .bind(tools)
        .bind(server.created_at)
        .bind(MAX_SERVERS_PER_USER)
        .execute(pool)
        .await
        .map_err(name_taken)?;
    if inserted.rows_affected() == 1 {
        Ok(())
    } else {
        Err(AppError::TooMany {
            code: "quota_exceeded",
            message: format!("one account holds at most {MAX_SERVERS_PER_USER} MCP servers"),
            retry_after_secs: 3600,
        })
    }
}

fn name_taken(error: sqlx::Error) -> AppError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => AppError::Conflict {
            code: "mcp_server_name_taken",
            message: "another of your MCP servers has that name".into(),
        },
        _ => AppError::Database(error),
    }
}

/// Saves a changed server's plain fields.
pub async fn update(pool: &AnyPool, server: &Server) -> Result<(), AppError> {
    let tools = server
        .allowed_tools
        .as_ref()
        .map(|t| serde_json::to_string(t).unwrap_or_else(|_| "[]".into()));
    sqlx::query("UPDATE mcp_servers SET name = $1, url = $2, auth_kind = $3, enabled = $4, allowed_tools = $5, updated_at = $6 WHERE id = $7 AND user_id = $8")
        .bind(&server.name)
        .bind(&server.url)
        .bind(server.auth_kind.as_str())
        .bind(i64::from(server.enabled))
        .bind(tools)
        .bind(now_ms())
        .bind(&server.id)
        .bind(&server.user_id)
        .execute(pool)
        .await
        .map_err(name_taken)?;
    Ok(())
}

/// The user's server `id`, or 404 (also for another user's).
pub async fn owned(pool: &AnyPool, user: &str, id: &str) -> Result<Server, AppError> {
    if !sajtmaskin_integrations::wire::is_safe_id(id, 64) {
        return Err(AppError::NotFound("MCP server"));
    }
    let row = sqlx::query("SELECT * FROM mcp_servers WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound("MCP server"))?;
    Ok(Server::from_row(&row)?)
}

/// The user's servers, oldest first.
pub async fn list(pool: &AnyPool, user: &str) -> Result<Vec<Server>, AppError> {
    let rows = sqlx::query("SELECT * FROM mcp_servers WHERE user_id = $1 ORDER BY created_at, id")
        .bind(user)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(Server::from_row)
        .collect::<Result<_, _>>()?)
}

/// Deletes a server, its secrets, and its unfinished OAuth flows.
pub async fn delete(pool: &AnyPool, server: &Server) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    for table in ["mcp_credentials", "mcp_oauth_flows"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE server_id = $1 AND user_id = $2"
        ))
        .bind(&server.id)
        .bind(&server.user_id)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM mcp_servers WHERE id = $1 AND user_id = $2")
        .bind(&server.id)
        .bind(&server.user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores `secrets` for `server` (bound to its current URL), replacing what was there.
pub async fn store_secrets(
    pool: &AnyPool,
    cipher: &Cipher,
    server: &Server,
    secrets: &Secrets,
) -> Result<(), AppError> {
    write_secrets(pool, cipher, server, secrets).await
}

/// [`store_secrets`] on any executor (a transaction, say).
async fn write_secrets<'e, E>(
    executor: E,
    cipher: &Cipher,
    server: &Server,
    secrets: &Secrets,
) -> Result<(), AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let document = serde_json::to_string(secrets).map_err(|e| AppError::Internal(e.to_string()))?;
    let (nonce, ciphertext) = cipher
        .seal_bound(
            &credentials_aad(&server.user_id, &server.id, &server.url),
            &document,
        )
        .map_err(AppError::Internal)?;
    sqlx::query("INSERT INTO mcp_credentials (server_id, user_id, url, nonce, ciphertext, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (server_id) DO UPDATE SET url = excluded.url, nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at")
        .bind(&server.id)
        .bind(&server.user_id)
        .bind(&server.url)
        .bind(nonce)
        .bind(ciphertext)
        .bind(now_ms())
        .execute(executor)
        .await?;
    Ok(())
}

/// Deletes the server's secrets (a changed URL or auth kind).
pub async fn drop_secrets(pool: &AnyPool, server: &Server) -> Result<(), AppError> {
    sqlx::query("DELETE FROM mcp_credentials WHERE server_id = $1 AND user_id = $2")
        .bind(&server.id)
        .bind(&server.user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The server's secrets, if stored for its current URL. A document that does not open (moved,
/// tampered with, or sealed for another URL) counts as none.
pub async fn secrets(
    pool: &AnyPool,
    cipher: &Cipher,
    server: &Server,
) -> Result<Option<Secrets>, AppError> {
    let row = sqlx::query("SELECT nonce, ciphertext FROM mcp_credentials WHERE server_id = $1 AND user_id = $2 AND url = $3")
        .bind(&server.id)
        .bind(&server.user_id)
        .bind(&server.url)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let nonce: Vec<u8> = row.try_get("nonce")?;
    let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
    let Ok(document) = cipher.open_bound(
        &credentials_aad(&server.user_id, &server.id, &server.url),
        &nonce,
        &ciphertext,
    ) else {
        tracing::warn!(server = %server.id, "MCP credentials do not open; treated as absent");
        return Ok(None);
    };
    Ok(serde_json::from_str(&document).ok())
}

/// A new server row from a create request (URL already canonical).
pub fn from_new(user: &str, body: &NewServer, url: String, kind: AuthKind) -> Server {
    let now = now_ms();
    Server {
        id: crate::ids::new_id("mcp"),
        user_id: user.to_owned(),
        name: body.name.clone(),
        url,
        preset: body.preset.clone(),
        auth_kind: kind,
        enabled: body.enabled.unwrap_or(true),
        allowed_tools: body.allowed_tools.clone(),
        created_at: now,
        updated_at: now,
    }
}
