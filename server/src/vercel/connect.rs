//! Connecting a user's Vercel account: the install of the builder's integration (a single-use
//! flow bound to the browser), the callback that exchanges the code, and the stored connection.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use subtle::ConstantTimeEq;

use super::*;
use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::json::QueryParams;
use crate::secrets::{cookie, flow_cookie, hash};
use crate::upstream::Upstream;

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
pub(super) async fn connect(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Response, AppError> {
    let app = app(&state)?;
    state.limits.spend_upstream(&user).await?;
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
pub(super) struct Callback {
    code: Option<String>,
    next: Option<String>,
    state: Option<String>,
    // Vercel also sends `configurationId`, `teamId` and `source`: not read, since anyone can
    // write a query; what is stored comes from the token answer.
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
pub(super) async fn callback(
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
pub(super) struct Connection {
    configuration_id: String,
    team_id: Option<String>,
    vercel_user_id: Option<String>,
    created_at: i64,
    token: String,
}

pub(super) async fn load_connection(
    state: &AppState,
    user: &str,
) -> Result<Option<Connection>, AppError> {
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

pub(super) async fn require_connection(
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

/// The Vercel API with `user`'s own credentials (409 `vercel_not_connected` without a
/// connection).
pub(super) async fn user_api(state: &AppState, user: &str) -> Result<Upstream, AppError> {
    Ok(require_connection(state, user).await?.1)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ConnectionView {
    connected: bool,
    configuration_id: Option<String>,
    team_id: Option<String>,
    vercel_user_id: Option<String>,
    connected_at: Option<String>,
}

/// `GET /api/integrations/vercel`: whether the caller is connected, and to what (never the token).
pub(super) async fn connection(
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
pub(super) async fn disconnect(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<ConnectionView>, AppError> {
    sqlx::query("DELETE FROM vercel_connections WHERE user_id = $1")
        .bind(&user)
        .execute(&state.db.pool)
        .await?;
    connection(State(state), User(user)).await
}
