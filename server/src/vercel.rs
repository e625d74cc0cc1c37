//! The user's own Vercel connection and what it makes possible: connecting (an OAuth install of
//! the builder's Vercel integration), linking a project to one of the user's Vercel projects,
//! syncing a Marketplace install (its env vars, detected by key) into an install record, and
//! Vercel's webhooks.
//!
//! Everything done on a user's Vercel projects uses that user's token, never the platform
//! `VERCEL_TOKEN`; Vercel itself then bounds what a user can reach. Flows that leave and come
//! back are single-use and kept in the database (any instance can finish them); tokens are
//! stored AES-GCM encrypted and never returned or logged.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use reqwest::Method;
use sajtmaskin_integrations::catalog::{Kind, PROVIDERS};
use sajtmaskin_integrations::wire::{is_safe_id, CreateEnvVars, NewEnvVar, MAX_UPSTREAM_ID_BYTES};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use subtle::ConstantTimeEq;

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::error::AppError;
use crate::integrations::RecordKey;
use crate::json::{JsonBody, PathParams, QueryParams};
use crate::projects::OwnedProject;
use crate::secrets::{cookie, flow_cookie, hash};
use crate::state::{AppState, VercelApp};
use crate::upstream::Upstream;

/// How long a started connection may take to come back.
const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
/// The cookie that binds a connection flow to the browser that started it.
const FLOW_COOKIE: &str = "sm_vercel_flow";
const CALLBACK_PATH: &str = "/api/integrations/vercel/callback";

/// The routes of the Vercel connection.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/integrations/vercel",
            get(connection).delete(disconnect),
        )
        .route("/api/integrations/vercel/connect", post(connect))
        .route(CALLBACK_PATH, get(callback))
        .route("/api/webhooks/vercel", post(webhook))
        .route(
            "/api/projects/{project_id}/vercel-project",
            post(link_project),
        )
        .route(
            "/api/projects/{project_id}/integrations/{provider}/sync",
            post(sync),
        )
}

fn app(state: &AppState) -> Result<&VercelApp, AppError> {
    state.vercel.as_ref().ok_or(AppError::Unprocessable {
        code: "vercel_not_configured",
        message: "set VERCEL_CLIENT_ID, VERCEL_CLIENT_SECRET, VERCEL_INTEGRATION_SLUG and PUBLIC_URL to connect Vercel accounts".into(),
    })
}

fn random_token() -> Result<String, AppError> {
    crate::secrets::random_token().map_err(AppError::Internal)
}

// --- connect -------------------------------------------------------------------------------

#[derive(Serialize)]
struct ConnectStart {
    url: String,
}

/// Unfinished flows one user may have; starting another drops the oldest.
const MAX_OPEN_FLOWS: i64 = 5;

/// `POST /api/integrations/vercel/connect` → `{url}`: a single-use flow for the caller (its
/// nonce stored hashed), bound to this browser by an HttpOnly cookie. Counted against the
/// caller's upstream rate limit; used and expired flows (anyone's) are deleted, and the caller
/// keeps at most [`MAX_OPEN_FLOWS`] open ones.
async fn connect(State(state): State<AppState>, User(user): User) -> Result<Response, AppError> {
    let app = app(&state)?;
    state.limits.spend_upstream(&user)?;
    let nonce = random_token()?;
    let now = now_ms();
    crate::secrets::prune_flows(
        &state.db.pool,
        "vercel_flows",
        "nonce_hash",
        &user,
        MAX_OPEN_FLOWS,
        now,
    )
    .await?;
    sqlx::query("INSERT INTO vercel_flows (nonce_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash(&nonce))
        .bind(&user)
        .bind(now)
        .bind(now + FLOW_TTL_MS)
        .execute(&state.db.pool)
        .await?;
    let mut url = reqwest::Url::parse(&app.site_url)
        .map_err(|_| AppError::Internal("VERCEL_OAUTH_URL is not a URL".into()))?;
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty()
            .extend(["integrations", app.slug.as_str(), "new"]);
    }
    url.query_pairs_mut().append_pair("state", &nonce);
    let cookie = flow_cookie(
        FLOW_COOKIE,
        &nonce,
        CALLBACK_PATH,
        app.public_url.starts_with("https://"),
    );
    let mut response = Json(ConnectStart { url: url.into() }).into_response();
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.to_string()))?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Callback {
    code: Option<String>,
    next: Option<String>,
    state: Option<String>,
    // Vercel also sends `configurationId`, `teamId` and `source`: not read, since anyone can
    // write a query; what is stored comes from the token answer.
}

/// Ids Vercel hands us (configuration, team, installation): letters, digits, `_`, `-`.
fn vercel_id(value: Option<&str>) -> Option<&str> {
    value.filter(|v| is_safe_id(v, MAX_UPSTREAM_ID_BYTES))
}

/// `next` only when it stays on vercel.com (https, no user info or port); anything else is
/// ignored, so the callback cannot be used as an open redirect.
fn safe_next(next: Option<&str>) -> Option<String> {
    let url = reqwest::Url::parse(next?).ok()?;
    let host = url.host_str()?;
    let on_vercel = host == "vercel.com" || host.ends_with(".vercel.com");
    (url.scheme() == "https" && on_vercel && url.username().is_empty() && url.port().is_none())
        .then(|| url.into())
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    installation_id: Option<String>,
    user_id: Option<String>,
    team_id: Option<String>,
}

/// `GET /api/integrations/vercel/callback`: Vercel sends the browser back with a single-use
/// `code`. The flow is found by the cookie (and `state`, when Vercel echoes it), used once,
/// the code exchanged, the connection stored with its token encrypted; then the browser goes
/// back to the builder (or to a vercel.com `next`).
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<Callback>,
) -> Result<Response, AppError> {
    let app = app(&state)?;
    let bad = |message: &str| AppError::bad_request("invalid_flow", message.to_owned());
    let Some(nonce) = cookie(&headers, FLOW_COOKIE) else {
        return Err(bad("this browser did not start a Vercel connection"));
    };
    // `state` is required: without it, a link carrying someone else's code would attach their
    // Vercel account to whoever follows it (login CSRF).
    let Some(echoed) = query.state.as_deref() else {
        return Err(bad("state is required"));
    };
    if !bool::from(echoed.as_bytes().ct_eq(nonce.as_bytes())) {
        // Another flow's state with this browser's cookie: someone else's connection.
        let other: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM vercel_flows WHERE nonce_hash = $1")
                .bind(hash(echoed))
                .fetch_optional(&state.db.pool)
                .await?;
        return Err(match other {
            Some(_) => AppError::NotFound("flow"),
            None => bad("the state does not match this browser's flow"),
        });
    }
    let Some(code) = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 512)
    else {
        return Err(bad("code is required"));
    };
    let now = now_ms();
    // Used once, atomically: of two callbacks with the same nonce (on any instance) one wins.
    let row = sqlx::query("UPDATE vercel_flows SET used_at = $1 WHERE nonce_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id")
        .bind(now)
        .bind(hash(&nonce))
        .fetch_optional(&state.db.pool)
        .await?;
    let Some(row) = row else {
        return Err(bad(
            "the connection flow is unknown, expired or already used",
        ));
    };
    let user: String = row.try_get("user_id")?;
    let answer: TokenAnswer = app
        .api
        .json(app.api.form(
            &["v2", "oauth", "access_token"],
            &[
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.as_str()),
                ("code", code),
                ("redirect_uri", &app.redirect_uri(CALLBACK_PATH)),
            ],
        ))
        .await?;
    // The configuration is the one Vercel names in the token answer (its installation), never
    // the query's, which anyone can write.
    let configuration = vercel_id(answer.installation_id.as_deref()).ok_or_else(|| {
        crate::upstream::UpstreamError::bad_answer(
            "Vercel's token answer names no usable installation",
        )
    })?;
    let team = vercel_id(answer.team_id.as_deref());
    let (token_nonce, token_ciphertext) = state
        .cipher
        .seal_bound(&connection_aad(&user, configuration), &answer.access_token)
        .map_err(AppError::Internal)?;
    sqlx::query("INSERT INTO vercel_connections (user_id, configuration_id, team_id, vercel_user_id, installation_id, token_nonce, token_ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (user_id) DO UPDATE SET configuration_id = excluded.configuration_id, team_id = excluded.team_id, vercel_user_id = excluded.vercel_user_id, installation_id = excluded.installation_id, token_nonce = excluded.token_nonce, token_ciphertext = excluded.token_ciphertext, updated_at = excluded.updated_at")
        .bind(&user)
        .bind(configuration)
        .bind(team)
        .bind(vercel_id(answer.user_id.as_deref()))
        .bind(configuration)
        .bind(token_nonce)
        .bind(token_ciphertext)
        .bind(now)
        .execute(&state.db.pool)
        .await?;
    let target = safe_next(query.next.as_deref())
        .unwrap_or_else(|| format!("{}/?vercel=connected", app.public_url.trim_end_matches('/')));
    let mut response = Redirect::to(&target).into_response();
    // The flow is over: the cookie goes too.
    let clear = format!("{FLOW_COOKIE}=; HttpOnly; SameSite=Lax; Path={CALLBACK_PATH}; Max-Age=0");
    if let Ok(clear) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, clear);
    }
    Ok(response)
}

/// What a user's sealed Vercel token is bound to.
pub fn connection_aad(user: &str, configuration: &str) -> Vec<u8> {
    format!("vercel-connection\0{user}\0{configuration}").into_bytes()
}

/// The caller's connection: the user's Vercel API client, scoped to their team.
struct Connection {
    configuration_id: String,
    team_id: Option<String>,
    vercel_user_id: Option<String>,
    created_at: i64,
    token: String,
}

async fn load_connection(state: &AppState, user: &str) -> Result<Option<Connection>, AppError> {
    let row = sqlx::query("SELECT configuration_id, team_id, vercel_user_id, token_nonce, token_ciphertext, created_at FROM vercel_connections WHERE user_id = $1")
        .bind(user)
        .fetch_optional(&state.db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let configuration_id: String = row.try_get("configuration_id")?;
    let nonce: Vec<u8> = row.try_get("token_nonce")?;
    let ciphertext: Vec<u8> = row.try_get("token_ciphertext")?;
    let token = state
        .cipher
        .open_bound(
            &connection_aad(user, &configuration_id),
            &nonce,
            &ciphertext,
        )
        .map_err(AppError::Internal)?;
    Ok(Some(Connection {
        configuration_id,
        team_id: row.try_get("team_id")?,
        vercel_user_id: row.try_get("vercel_user_id")?,
        created_at: row.try_get("created_at")?,
        token,
    }))
}

async fn require_connection(
    state: &AppState,
    user: &str,
) -> Result<(Connection, Upstream), AppError> {
    let app = app(state)?;
    let connection = load_connection(state, user)
        .await?
        .ok_or(AppError::Conflict {
            code: "vercel_not_connected",
            message: "connect a Vercel account first (POST /api/integrations/vercel/connect)"
                .into(),
        })?;
    let api = app
        .api
        .with_credentials(&connection.token, connection.team_id.as_deref());
    Ok((connection, api))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionView {
    connected: bool,
    configuration_id: Option<String>,
    team_id: Option<String>,
    vercel_user_id: Option<String>,
    connected_at: Option<String>,
}

/// `GET /api/integrations/vercel`: whether the caller is connected, and to what (never the token).
async fn connection(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ConnectionView>, AppError> {
    let connection = load_connection(&state, &user).await?;
    Ok(Json(match connection {
        Some(c) => ConnectionView {
            connected: true,
            configuration_id: Some(c.configuration_id),
            team_id: c.team_id,
            vercel_user_id: c.vercel_user_id,
            connected_at: Some(rfc3339(c.created_at)),
        },
        None => ConnectionView {
            connected: false,
            configuration_id: None,
            team_id: None,
            vercel_user_id: None,
            connected_at: None,
        },
    }))
}

/// `DELETE /api/integrations/vercel`: forgets the caller's connection.
async fn disconnect(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ConnectionView>, AppError> {
    sqlx::query("DELETE FROM vercel_connections WHERE user_id = $1")
        .bind(&user)
        .execute(&state.db.pool)
        .await?;
    connection(State(state), User(user)).await
}

// --- linking a project ----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LinkRequest {
    vercel_project_id: String,
}

#[derive(Deserialize)]
struct VercelProject {
    id: String,
}

/// `POST /api/projects/{id}/vercel-project {vercelProjectId}`: links the project to one of the
/// caller's Vercel projects, checked with the caller's own token (Vercel answers 404 for a
/// project they cannot reach).
async fn link_project(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    JsonBody(body): JsonBody<LinkRequest>,
) -> Result<Json<crate::project::Project>, AppError> {
    let Some(wanted) = vercel_id(Some(&body.vercel_project_id)) else {
        return Err(AppError::Unprocessable {
            code: "invalid_project",
            message: "vercelProjectId must be letters, digits, '_' or '-'".into(),
        });
    };
    let (_, api) = require_connection(&state, &user).await?;
    let found: VercelProject = api
        .json(api.request(Method::GET, &["v9", "projects", wanted]))
        .await?;
    let id = vercel_id(Some(&found.id))
        .ok_or_else(|| {
            crate::upstream::UpstreamError::bad_answer("Vercel sent a project without a usable id")
        })?
        .to_owned();
    crate::project::set_vercel_project(&state.db.pool, &project.id, &id)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => AppError::Conflict {
                code: "vercel_project_linked",
                message: "that Vercel project is linked to another project".into(),
            },
            _ => AppError::Database(e),
        })?;
    Ok(Json(crate::project::Project {
        linked_vercel_project_id: Some(id),
        ..project
    }))
}

// --- sync ------------------------------------------------------------------------------------

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct VercelEnv {
    #[serde(default)]
    id: String,
    key: String,
    #[serde(default)]
    value: Option<String>,
    /// Whether `value` is plaintext; otherwise it is Vercel's encrypted form, never copied.
    #[serde(default)]
    decrypted: Option<bool>,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    target: Value,
    #[serde(default)]
    configuration_id: Option<String>,
    #[serde(default)]
    content_hint: Option<Value>,
}

#[derive(Deserialize)]
struct Envs {
    #[serde(default)]
    envs: Vec<VercelEnv>,
}

/// Keys a provider's Marketplace install writes, by name; users may add a prefix
/// (`cache_KV_REST_API_URL`), so a key matches by suffix. Keys that tell providers apart come
/// first in each list; see [`detect`].
fn provider_keys(provider: &str) -> Vec<&'static str> {
    let listed: &[&str] = match provider {
        "neon" => &[
            "DATABASE_URL",
            "DATABASE_URL_UNPOOLED",
            "PGHOST",
            "PGHOST_UNPOOLED",
            "PGUSER",
            "PGDATABASE",
            "PGPASSWORD",
            "NEON_PROJECT_ID",
        ],
        "supabase" => &[
            "SUPABASE_URL",
            "NEXT_PUBLIC_SUPABASE_URL",
            "SUPABASE_ANON_KEY",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "SUPABASE_PUBLISHABLE_KEY",
            "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "SUPABASE_SECRET_KEY",
            "SUPABASE_JWT_SECRET",
        ],
        "upstash" => &[
            "KV_REST_API_URL",
            "KV_REST_API_TOKEN",
            "KV_REST_API_READ_ONLY_TOKEN",
            "KV_URL",
            "REDIS_URL",
            "UPSTASH_REDIS_REST_URL",
            "UPSTASH_REDIS_REST_TOKEN",
        ],
        _ => &[],
    };
    let mut keys = listed.to_vec();
    if let Some(entry) = PROVIDERS.iter().find(|p| p.id == provider) {
        for key in entry.env_vars {
            if !keys.contains(key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn key_matches(key: &str, wanted: &str) -> bool {
    key == wanted
        || key
            .strip_suffix(wanted)
            .is_some_and(|prefix| prefix.ends_with('_'))
}

/// The envs a provider's install wrote: those whose key is one of the provider's, and every
/// env of the same Marketplace configuration (which brings in shared names such as
/// `POSTGRES_URL` without mistaking another provider's for this one's).
fn detect<'a>(provider: &str, envs: &'a [VercelEnv]) -> Vec<&'a VercelEnv> {
    let keys = provider_keys(provider);
    let named: Vec<&VercelEnv> = envs
        .iter()
        .filter(|e| keys.iter().any(|k| key_matches(&e.key, k)))
        .collect();
    let configurations: Vec<&str> = named
        .iter()
        .filter_map(|e| e.configuration_id.as_deref())
        .collect();
    envs.iter()
        .filter(|e| {
            named.iter().any(|n| std::ptr::eq(*n, *e))
                || e.configuration_id
                    .as_deref()
                    .is_some_and(|c| configurations.contains(&c))
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncAnswer {
    record: crate::integrations::Record,
    /// Keys whose values were copied into the project's env store (as sensitive).
    copied: Vec<String>,
    /// Keys Vercel will not reveal (type `sensitive`): set on Vercel, not copied.
    not_copied: Vec<String>,
}

/// `POST /api/projects/{id}/integrations/{provider}/sync`: reads the linked Vercel project's
/// env with the caller's token and moves the provider's install record `pending → installed`
/// when its keys are there.
async fn sync(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    PathParams(path): PathParams<SyncPath>,
) -> Result<Json<SyncAnswer>, AppError> {
    let provider = PROVIDERS
        .iter()
        .find(|p| p.kind == Kind::Integration && p.id == path.provider)
        .ok_or(AppError::NotFound("integration"))?;
    state.limits.spend_upstream(&user)?;
    Ok(Json(
        sync_provider(&state, &user, &project, provider.id).await?,
    ))
}

#[derive(Deserialize)]
struct SyncPath {
    provider: String,
}

async fn sync_provider(
    state: &AppState,
    user: &str,
    project: &crate::project::Project,
    provider: &'static str,
) -> Result<SyncAnswer, AppError> {
    let Some(vercel_project) = project.linked_vercel_project_id.as_deref() else {
        return Err(AppError::Unprocessable {
            code: "project_not_linked",
            message: "link the project to a Vercel project first".into(),
        });
    };
    let (_, api) = require_connection(state, user).await?;
    let mut envs: Envs = api
        .json(api.request(Method::GET, &["v10", "projects", vercel_project, "env"]))
        .await?;
    // The provider's readable values, read back decrypted one by one (`getProjectEnv`; the
    // listing's `decrypt` parameter is deprecated).
    let wanted: Vec<String> = detect(provider, &envs.envs)
        .iter()
        .filter(|e| e.kind != "sensitive")
        .filter(|e| {
            crate::stores::plaintext(e.value.clone(), e.decrypted, e.kind == "plain").is_none()
        })
        .map(|e| e.id.clone())
        .collect();
    let values = futures_util::future::try_join_all(
        wanted
            .iter()
            .map(|id| crate::stores::vercel::decrypted_value(&api, vercel_project, id)),
    )
    .await?;
    for (id, value) in wanted.iter().zip(values) {
        if let Some(env) = envs.envs.iter_mut().find(|e| &e.id == id) {
            env.decrypted = Some(value.is_some());
            env.value = value;
        }
    }
    let found = detect(provider, &envs.envs);
    let keys: Vec<RecordKey> = found
        .iter()
        .map(|e| RecordKey {
            key: e.key.clone(),
            target: e
                .target
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            hint: e
                .content_hint
                .as_ref()
                .and_then(|h| h.get("type"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect();
    let configuration = found
        .iter()
        .find_map(|e| e.configuration_id.as_deref())
        .and_then(|c| vercel_id(Some(c)));
    let (mut copied, mut not_copied) = (Vec::new(), Vec::new());
    if !found.is_empty() && state.store_kind != crate::config::StoreKind::Vercel {
        let mut vars = Vec::new();
        for env in &found {
            let readable =
                crate::stores::plaintext(env.value.clone(), env.decrypted, env.kind == "plain")
                    .filter(|_| env.kind != "sensitive");
            match readable {
                Some(value) => vars.push(NewEnvVar {
                    key: env.key.clone(),
                    value,
                    sensitive: true,
                }),
                None => not_copied.push(env.key.clone()),
            }
        }
        let keyed: Vec<NewEnvVar> = vars
            .into_iter()
            .filter(|v| sajtmaskin_integrations::wire::is_env_key(&v.key))
            .collect();
        if !keyed.is_empty() {
            copied = keyed.iter().map(|v| v.key.clone()).collect();
            let request = CreateEnvVars {
                vars: keyed,
                upsert: true,
            };
            request.validate()?;
            state.store.create(project, request).await?;
        }
    } else {
        not_copied = found.iter().map(|e| e.key.clone()).collect();
    }
    let record = crate::integrations::record_install(
        &state.db.pool,
        user,
        &project.id,
        provider,
        (!found.is_empty()).then_some(crate::integrations::Installed {
            keys: &keys,
            marketplace_id: configuration,
        }),
    )
    .await?;
    Ok(SyncAnswer {
        record,
        copied,
        not_copied,
    })
}

// --- webhooks --------------------------------------------------------------------------------

#[derive(Deserialize)]
struct WebhookEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

/// `POST /api/webhooks/vercel`: Vercel's signed events (`x-vercel-signature`, hex HMAC-SHA1
/// of the raw body keyed with the client secret, compared in constant time). Each event id is
/// handled once; `integration-resource.project-connected` syncs the pending installs of the
/// projects linked to that Vercel project, `integration-configuration.removed` marks the
/// configuration's records `removed` and forgets its connections.
async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let app = app(&state)?;
    let signature = headers
        .get("x-vercel-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|hex| decode_hex(hex.trim()))
        .ok_or(AppError::Unauthorized(
            "missing or malformed x-vercel-signature",
        ))?;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(app.client_secret.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    mac.update(&body);
    mac.verify_slice(&signature)
        .map_err(|_| AppError::Unauthorized("the webhook signature does not match"))?;
    let event: WebhookEvent = serde_json::from_slice(&body)
        .map_err(|_| AppError::bad_request("invalid_json", "the webhook body is not an event"))?;
    if event.id.is_empty() || event.id.len() > 256 {
        return Err(AppError::bad_request(
            "invalid_json",
            "the event has no usable id",
        ));
    }
    let first = sqlx::query("INSERT INTO webhook_events (id, kind, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
        .bind(&event.id)
        .bind(&event.kind)
        .bind(now_ms())
        .execute(&state.db.pool)
        .await?
        .rows_affected()
        == 1;
    if !first {
        return Ok((
            StatusCode::OK,
            Json(serde_json::json!({"ok": true, "duplicate": true})),
        )
            .into_response());
    }
    match event.kind.as_str() {
        "integration-resource.project-connected" => {
            let project = event
                .payload
                .pointer("/projectId")
                .or_else(|| event.payload.pointer("/project/id"))
                .and_then(Value::as_str);
            if let Some(vercel_project) = vercel_id(project) {
                sync_linked(&state, vercel_project).await?;
            }
        }
        "integration-configuration.removed" => {
            if let Some(configuration) = vercel_id(
                event
                    .payload
                    .pointer("/configuration/id")
                    .and_then(Value::as_str),
            ) {
                crate::integrations::mark_removed(&state.db.pool, configuration).await?;
                sqlx::query("DELETE FROM vercel_connections WHERE configuration_id = $1")
                    .bind(configuration)
                    .execute(&state.db.pool)
                    .await?;
            }
        }
        _ => {}
    }
    Ok((StatusCode::OK, Json(serde_json::json!({"ok": true}))).into_response())
}

/// Syncs every pending install of the local projects linked to `vercel_project`, each with
/// its owner's connection. A failing one becomes `error` with the failure's code as its reason
/// (a later sync can still install it); the others go on.
async fn sync_linked(state: &AppState, vercel_project: &str) -> Result<(), AppError> {
    let rows = sqlx::query("SELECT p.id AS project_id, u.user_id AS user_id, u.integration_type AS provider FROM projects p JOIN user_integrations u ON u.project_id = p.id AND u.user_id = p.owner_id WHERE p.linked_vercel_project_id = $1 AND u.status = 'pending'")
        .bind(vercel_project)
        .fetch_all(&state.db.pool)
        .await?;
    for row in rows {
        let (project_id, user, provider): (String, String, String) = (
            row.try_get("project_id")?,
            row.try_get("user_id")?,
            row.try_get("provider")?,
        );
        let Some(project) = crate::project::find_owned(&state.db.pool, &user, &project_id).await?
        else {
            continue;
        };
        let Some(entry) = PROVIDERS.iter().find(|p| p.id == provider) else {
            continue;
        };
        if let Err(error) = sync_provider(state, &user, &project, entry.id).await {
            // Nobody waits on a webhook's answer: the record says why instead.
            tracing::warn!(project = %project_id, provider = %provider, %error, "webhook sync failed");
            crate::integrations::mark_failed(
                &state.db.pool,
                &user,
                &project_id,
                entry.id,
                error.code(),
            )
            .await?;
        }
    }
    Ok(())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
