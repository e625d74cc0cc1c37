//! OAuth for MCP servers, as the MCP authorization spec asks: protected-resource metadata
//! (from the server's 401 challenge or the well-known paths), the authorization server's
//! metadata, dynamic client registration (or a pre-registered client), PKCE S256, `resource`
//! on the authorize and token requests, refresh on expiry.
//!
//! Written here rather than with the SDK's `AuthorizationManager`: that keeps a flow in memory
//! between the two requests and makes its own HTTP requests, while this server must finish a
//! flow on any instance (the state lives in the database, hashed, single use, ten minutes)
//! and must send every request through the egress guard. Tokens and the client secret are
//! sealed with the server's other secrets and never leave the backend.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use base64::Engine;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Digest;
use sqlx::Row;

use super::servers::{self, AuthKind, OAuthSecrets, Secrets, Server};
use crate::auth::User;
use crate::clock::now_ms;
use crate::egress::EgressPolicy;
use crate::error::AppError;
use crate::json::{JsonBody, PathParams, QueryParams};
use crate::secrets::{cookie, flow_cookie, hash, random_token};
use crate::state::AppState;
use crate::upstream::UpstreamError;

/// Where authorization servers send the browser back.
pub const CALLBACK_PATH: &str = "/api/mcp/oauth/callback";
const FLOW_COOKIE: &str = "sm_mcp_flow";
/// How long a started authorization may take.
const FLOW_TTL_MS: i64 = 10 * 60 * 1000;
/// Unfinished authorizations one user may have; starting another drops the oldest.
const MAX_OPEN_FLOWS: i64 = 5;
/// An access token this close to expiry is refreshed before use.
const REFRESH_MARGIN_MS: i64 = 60 * 1000;

fn oauth_error(status: StatusCode, code: &'static str, message: &str) -> AppError {
    AppError::Upstream(UpstreamError {
        status,
        code,
        message: message.to_owned(),
        retry_after: None,
    })
}

fn bad_metadata(message: &str) -> AppError {
    oauth_error(StatusCode::BAD_GATEWAY, "mcp_oauth_metadata", message)
}

/// `resource_metadata="…"` of a `WWW-Authenticate: Bearer …` header.
fn resource_metadata(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::WWW_AUTHENTICATE)?.to_str().ok()?;
    let start = value.find("resource_metadata=")? + "resource_metadata=".len();
    let rest = &value[start..];
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let end = rest.find(['"', ',', ' ']).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// `origin/.well-known/<name><path>` (RFC 8414/9728 insert the well-known part before the
/// path), and without the path.
fn well_known(base: &Url, name: &str) -> Vec<String> {
    let origin = base.origin().ascii_serialization();
    let path = base.path().trim_end_matches('/');
    let mut urls = Vec::new();
    if !path.is_empty() {
        urls.push(format!("{origin}/.well-known/{name}{path}"));
    }
    urls.push(format!("{origin}/.well-known/{name}"));
    urls
}

/// What the authorization server says about itself.
#[derive(Debug)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    registration_endpoint: Option<String>,
    scopes: Vec<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207).
    iss_supported: bool,
}

async fn get_json(policy: &EgressPolicy, url: &str) -> Result<Option<Value>, AppError> {
    let url = policy.check_url(url)?;
    let (client, guard) = policy.client()?;
    let (status, _, body) = crate::egress::exchange(policy, &guard, client.get(url)).await?;
    Ok((status.is_success() && body.is_object()).then_some(body))
}

async fn discover(policy: &EgressPolicy, server: &Url) -> Result<Metadata, AppError> {
    // The server's own challenge names its metadata; else the well-known paths.
    let (client, guard) = policy.client()?;
    let probe = client
        .post(server.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":0,"method":"ping"}"#);
    let (_, headers, _) = crate::egress::exchange(policy, &guard, probe).await?;
    let mut candidates: Vec<String> = resource_metadata(&headers).into_iter().collect();
    candidates.extend(well_known(server, "oauth-protected-resource"));
    let mut resource = None;
    for candidate in candidates {
        if let Some(found) = get_json(policy, &candidate).await? {
            resource = Some(found);
            break;
        }
    }
    let (issuer, scopes) = match &resource {
        Some(document) => {
            if let Some(named) = document.get("resource").and_then(Value::as_str) {
                let named = policy.check_url(named)?;
                if named.origin() != server.origin() {
                    return Err(bad_metadata(
                        "the protected-resource metadata names another resource",
                    ));
                }
            }
            let issuer = document
                .get("authorization_servers")
                .and_then(Value::as_array)
                .and_then(|list| list.first())
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    bad_metadata("the protected-resource metadata names no authorization server")
                })?
                .to_owned();
            let scopes = document
                .get("scopes_supported")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            (issuer, scopes)
        }
        // Servers of the 2025-03-26 revision: the MCP server's origin is the authorization
        // server.
        None => (server.origin().ascii_serialization(), Vec::new()),
    };
    let issuer_url = policy.check_url(&issuer)?;
    let mut candidates = well_known(&issuer_url, "oauth-authorization-server");
    candidates.extend(well_known(&issuer_url, "openid-configuration"));
    candidates.push(format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ));
    for candidate in candidates {
        let Some(document) = get_json(policy, &candidate).await? else {
            continue;
        };
        let text = |key: &str| document.get(key).and_then(Value::as_str).map(str::to_owned);
        let named_issuer = text("issuer").unwrap_or_default();
        if named_issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(bad_metadata(
                "the authorization server's metadata names another issuer",
            ));
        }
        let s256 = document
            .get("code_challenge_methods_supported")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|v| v == "S256"));
        if !s256 {
            return Err(bad_metadata(
                "the authorization server does not offer PKCE S256",
            ));
        }
        let (Some(authorization_endpoint), Some(token_endpoint)) =
            (text("authorization_endpoint"), text("token_endpoint"))
        else {
            return Err(bad_metadata(
                "the authorization server's metadata lacks its endpoints",
            ));
        };
        return Ok(Metadata {
            issuer: named_issuer,
            authorization_endpoint,
            token_endpoint,
            registration_endpoint: text("registration_endpoint"),
            scopes,
            iss_supported: document
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    }
    Err(bad_metadata("no authorization server metadata was found"))
}

fn public_callback(state: &AppState) -> Result<String, AppError> {
    let base = state.public_url.as_deref().ok_or(AppError::Unprocessable {
        code: "public_url_not_configured",
        message: "set PUBLIC_URL (where authorization servers send the browser back) to connect MCP servers with OAuth".into(),
    })?;
    Ok(format!("{}{CALLBACK_PATH}", base.trim_end_matches('/')))
}

fn flow_aad(user: &str, server: &str, url: &str, state_hash: &str) -> Vec<u8> {
    format!("mcp-oauth-flow\0{user}\0{server}\0{url}\0{state_hash}").into_bytes()
}

/// `POST /api/mcp/servers/{id}/oauth/start`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartBody {
    /// A client registered with the authorization server beforehand (no dynamic
    /// registration).
    pub client_id: Option<String>,
    /// Its secret, for confidential clients.
    pub client_secret: Option<String>,
}

#[derive(Serialize)]
pub struct Started {
    url: String,
}

#[derive(Deserialize)]
pub struct ServerPath {
    id: String,
}

/// Starts an authorization for the caller's server: `{url}` to open in the browser, and a
/// cookie that binds the flow to this browser.
pub async fn start(
    State(state): State<AppState>,
    User(user): User,
    PathParams(path): PathParams<ServerPath>,
    JsonBody(body): JsonBody<StartBody>,
) -> Result<Response, AppError> {
    let server = servers::owned(&state.db.pool, &user, &path.id).await?;
    // OAuth names the server's URL as the `resource` in the browser's authorize URL and to the
    // authorization server: a URL that is itself a credential must not travel there.
    if server.has_sealed_url() {
        return Err(AppError::Conflict {
            code: "mcp_oauth_unsupported",
            message: "OAuth is not offered for a URL that carries a credential".into(),
        });
    }
    if server.auth_kind != AuthKind::Oauth {
        return Err(AppError::Conflict {
            code: "mcp_not_oauth",
            message: "this server's authKind is not \"oauth\"".into(),
        });
    }
    let redirect_uri = public_callback(&state)?;
    state.limits.spend_upstream(&user).await?;
    let policy = &state.egress;
    let mut secrets = servers::secrets(&state.db.pool, &state.cipher, &server)
        .await?
        .unwrap_or_default();
    let server_url = policy.check_url(servers::target(&server, Some(&secrets))?)?;
    let metadata = discover(policy, &server_url).await?;
    let known = secrets
        .oauth
        .as_ref()
        .filter(|o| o.token_endpoint == metadata.token_endpoint && body.client_id.is_none())
        .map(|o| (o.client_id.clone(), o.client_secret.clone()));
    let (client_id, client_secret) = match (known, body.client_id) {
        (Some(known), _) => known,
        (None, Some(id)) => (id, body.client_secret),
        (None, None) => register(policy, &metadata, &redirect_uri).await?,
    };
    let previous = secrets.oauth.take().unwrap_or_default();
    secrets.oauth = Some(OAuthSecrets {
        client_id: client_id.clone(),
        client_secret,
        token_endpoint: metadata.token_endpoint.clone(),
        issuer: Some(metadata.issuer.clone()),
        iss_required: metadata.iss_supported,
        ..previous
    });
    servers::store_secrets(&state.db.pool, &state.cipher, &server, &secrets).await?;

    let verifier = random_token().map_err(AppError::Internal)?;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let flow = random_token().map_err(AppError::Internal)?;
    let flow_hash = hash(&flow);
    let (nonce, ciphertext) = state
        .cipher
        .seal_bound(
            &flow_aad(&user, &server.id, &server.url, &flow_hash),
            &verifier,
        )
        .map_err(AppError::Internal)?;
    let now = now_ms();
    crate::secrets::prune_flows(
        &state.db.pool,
        "mcp_oauth_flows",
        "state_hash",
        &user,
        MAX_OPEN_FLOWS,
        now,
    )
    .await?;
    sqlx::query("INSERT INTO mcp_oauth_flows (state_hash, user_id, server_id, url, verifier_nonce, verifier_ciphertext, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&flow_hash)
        .bind(&user)
        .bind(&server.id)
        .bind(&server.url)
        .bind(nonce)
        .bind(ciphertext)
        .bind(now)
        .bind(now + FLOW_TTL_MS)
        .execute(&state.db.pool)
        .await?;
    let mut url = policy.check_url(&metadata.authorization_endpoint)?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &flow)
            .append_pair("resource", server_url.as_str());
        if !metadata.scopes.is_empty() {
            query.append_pair("scope", &metadata.scopes.join(" "));
        }
    }
    let cookie = flow_cookie(
        FLOW_COOKIE,
        &flow,
        CALLBACK_PATH,
        redirect_uri.starts_with("https://"),
    );
    let mut response = Json(Started { url: url.into() }).into_response();
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.to_string()))?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// Dynamic client registration (RFC 7591): a public client using PKCE.
async fn register(
    policy: &EgressPolicy,
    metadata: &Metadata,
    redirect_uri: &str,
) -> Result<(String, Option<String>), AppError> {
    let endpoint = metadata.registration_endpoint.as_deref().ok_or(AppError::Unprocessable {
        code: "mcp_oauth_no_registration",
        message: "the authorization server offers no dynamic registration: start again with a pre-registered clientId".into(),
    })?;
    let endpoint = policy.check_url(endpoint)?;
    let (client, guard) = policy.client()?;
    let request = client.post(endpoint).json(&serde_json::json!({
        "client_name": "Sajtmaskin",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }));
    let (status, _, body) = crate::egress::exchange(policy, &guard, request).await?;
    let client_id = body.get("client_id").and_then(Value::as_str);
    match client_id {
        Some(id) if status.is_success() => Ok((
            id.to_owned(),
            body.get("client_secret")
                .and_then(Value::as_str)
                .map(str::to_owned),
        )),
        _ => Err(oauth_error(
            StatusCode::BAD_GATEWAY,
            "mcp_oauth_registration_failed",
            "the authorization server refused to register this client",
        )),
    }
}

/// Posts a token request and stores what comes back in `oauth`.
async fn token_request(
    policy: &EgressPolicy,
    oauth: &mut OAuthSecrets,
    resource: &str,
    grant: &[(&str, &str)],
) -> Result<(), AppError> {
    let endpoint = policy.check_url(&oauth.token_endpoint)?;
    let mut form: Vec<(&str, &str)> = grant.to_vec();
    form.push(("client_id", &oauth.client_id));
    form.push(("resource", resource));
    if let Some(secret) = &oauth.client_secret {
        form.push(("client_secret", secret));
    }
    let (client, guard) = policy.client()?;
    let (status, _, body) =
        crate::egress::exchange(policy, &guard, client.post(endpoint).form(&form)).await?;
    let access = body.get("access_token").and_then(Value::as_str);
    let Some(access) = access.filter(|_| status.is_success()) else {
        return Err(oauth_error(
            StatusCode::BAD_GATEWAY,
            "mcp_auth_failed",
            "the authorization server did not issue a token",
        ));
    };
    oauth.access_token = Some(access.to_owned());
    if let Some(refresh) = body.get("refresh_token").and_then(Value::as_str) {
        oauth.refresh_token = Some(refresh.to_owned());
    }
    oauth.expires_at = body
        .get("expires_in")
        .and_then(Value::as_i64)
        .map(|secs| now_ms().saturating_add(secs.saturating_mul(1000)));
    Ok(())
}

/// The server's secrets with a usable access token: refreshed (and stored) when it is about
/// to expire.
pub async fn fresh_secrets(state: &AppState, server: &Server) -> Result<Option<Secrets>, AppError> {
    let Some(mut secrets) = servers::secrets(&state.db.pool, &state.cipher, server).await? else {
        return Ok(None);
    };
    let due = secrets.oauth.as_ref().is_some_and(|o| {
        o.refresh_token.is_some()
            && o.expires_at
                .is_some_and(|at| at - REFRESH_MARGIN_MS <= now_ms())
    });
    if server.auth_kind == AuthKind::Oauth && due {
        let resource = servers::target(server, Some(&secrets))?.to_owned();
        if let Some(oauth) = secrets.oauth.as_mut() {
            let refresh = oauth.refresh_token.clone().unwrap_or_default();
            token_request(
                &state.egress,
                oauth,
                &resource,
                &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            )
            .await?;
        }
        servers::store_secrets(&state.db.pool, &state.cipher, server, &secrets).await?;
    }
    Ok(Some(secrets))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// `GET /api/mcp/oauth/callback`: the authorization server sends the browser back. The flow
/// must be this browser's (cookie), unused and unexpired; it is used up before the code is
/// exchanged, so a replayed callback does nothing. Then the browser goes back to the builder.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<CallbackQuery>,
) -> Result<Response, AppError> {
    let invalid = |message: &str| AppError::bad_request("invalid_flow", message.to_owned());
    let flow = query
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| invalid("the callback carries no state"))?;
    if cookie(&headers, FLOW_COOKIE).as_deref() != Some(flow) {
        return Err(invalid("this browser did not start that authorization"));
    }
    let flow_hash = hash(flow);
    let now = now_ms();
    let used = sqlx::query("UPDATE mcp_oauth_flows SET used_at = $1 WHERE state_hash = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now)
        .bind(&flow_hash)
        .execute(&state.db.pool)
        .await?;
    if used.rows_affected() != 1 {
        return Err(invalid("the authorization is unknown, used or expired"));
    }
    let row = sqlx::query("SELECT user_id, server_id, url, verifier_nonce, verifier_ciphertext FROM mcp_oauth_flows WHERE state_hash = $1")
        .bind(&flow_hash)
        .fetch_one(&state.db.pool)
        .await?;
    let user: String = row.try_get("user_id")?;
    let server_id: String = row.try_get("server_id")?;
    let url: String = row.try_get("url")?;
    let back = |outcome: &str| {
        Redirect::to(&format!("/?mcp={outcome}&server={server_id}")).into_response()
    };
    if query.error.is_some() {
        return Ok(back("denied"));
    }
    let code = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| invalid("the callback carries no code"))?;
    let server = servers::owned(&state.db.pool, &user, &server_id).await?;
    if server.url != url {
        return Err(invalid("the server's URL changed during the authorization"));
    }
    let verifier = state
        .cipher
        .open_bound(
            &flow_aad(&user, &server.id, &server.url, &flow_hash),
            &row.try_get::<Vec<u8>, _>("verifier_nonce")?,
            &row.try_get::<Vec<u8>, _>("verifier_ciphertext")?,
        )
        .map_err(AppError::Internal)?;
    let mut secrets = servers::secrets(&state.db.pool, &state.cipher, &server)
        .await?
        .ok_or_else(|| invalid("the server's OAuth client is gone"))?;
    let resource = servers::target(&server, Some(&secrets))?.to_owned();
    let Some(oauth) = secrets.oauth.as_mut() else {
        return Err(invalid("the server's OAuth client is gone"));
    };
    // RFC 9207: `iss` must match the issuer, and must be there when the server says it sends it.
    match (query.iss.as_deref(), oauth.issuer.as_deref()) {
        (Some(iss), Some(issuer)) if iss.trim_end_matches('/') != issuer.trim_end_matches('/') => {
            return Err(invalid("the callback comes from another issuer"));
        }
        (None, _) if oauth.iss_required => {
            return Err(invalid(
                "the callback carries no iss, which this authorization server sends (RFC 9207)",
            ));
        }
        _ => {}
    }
    let redirect_uri = public_callback(&state)?;
    token_request(
        &state.egress,
        oauth,
        &resource,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &verifier),
        ],
    )
    .await?;
    servers::store_secrets(&state.db.pool, &state.cipher, &server, &secrets).await?;
    crate::secrets::prune_flows(
        &state.db.pool,
        "mcp_oauth_flows",
        "state_hash",
        &user,
        MAX_OPEN_FLOWS + 1,
        now,
    )
    .await?;
    Ok(back("connected"))
}
