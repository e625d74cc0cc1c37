//! Credential checks. `POST /api/projects/{projectId}/integrations/{provider}/verify` runs a
//! provider-specific, read-only check with the project's stored values and answers
//! `{provider, status, code, detail, checkedAt, facts}`:
//!
//! - `status`: `verified`, `invalid` (the service or database refused the credentials),
//!   `unreachable` (no answer, a refused address, a deadline) or `unsupported`;
//! - `code` and `detail`: fixed per outcome, never an upstream's words and never a value;
//! - `facts`: what the check learnt that helps (pooled or direct, server version, test or live
//!   mode, which key was checked).
//!
//! Values are read inside the server only ([`EnvVarStore::read_for_check`]) into buffers wiped
//! on drop; each connection goes through the egress guard (public addresses only unless
//! `MCP_ALLOW_LOOPBACK`), with its deadline and answer size limit; checks count against the
//! caller's upstream budget. The last outcome per provider is kept (`integration_checks`) and
//! listed by `GET /api/projects/{projectId}/integrations/checks`.

use std::str::FromStr;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Row};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use zeroize::Zeroizing;

use sajtmaskin_integrations::catalog::PROVIDERS;

use crate::auth::User;
use crate::clock::{now_ms, rfc3339};
use crate::error::AppError;
use crate::json::PathParams;
use crate::projects::OwnedProject;
use crate::state::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/projects/{project_id}/integrations/{provider}/verify",
            post(verify),
        )
        .route(
            "/api/projects/{project_id}/integrations/checks",
            get(checks),
        )
}

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Verified,
    Invalid,
    Unreachable,
    Unsupported,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Invalid => "invalid",
            Status::Unreachable => "unreachable",
            Status::Unsupported => "unsupported",
        }
    }
}

/// What a check learnt besides its status (never a value).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// The stored key that was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'static str>,
    /// Postgres: whether the URL goes through a connection pooler.
    #[serde(skip_serializing_if = "Option::is_none")]
    pooled: Option<bool>,
    /// Postgres: the server's version (digits and dots only).
    #[serde(skip_serializing_if = "Option::is_none")]
    server_version: Option<String>,
    /// Stripe: "test" or "live".
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
}

/// A check's outcome.
#[derive(Debug)]
struct Outcome {
    status: Status,
    code: &'static str,
    facts: Facts,
}

fn ended(status: Status, code: &'static str) -> Outcome {
    Outcome {
        status,
        code,
        facts: Facts::default(),
    }
}

/// The fixed sentence for a code.
fn detail(code: &str) -> &'static str {
    match code {
        "postgres_ok" => "Connected and ran SELECT 1.",
        "redis_ok" => "Connected and got PONG.",
        "upstash_ok" | "supabase_ok" | "stripe_ok" | "openai_ok" => {
            "A read-only request with the key succeeded."
        }
        "postgres_auth_failed" => "The database refused the user name or password.",
        "postgres_database_missing" => "The database named in the URL does not exist.",
        "postgres_refused" => "The database refused the connection.",
        "tls_failed" => "The TLS connection the URL asks for could not be made.",
        "redis_auth_failed" => "Redis refused the password.",
        "redis_auth_required" => "Redis needs a password the URL does not carry.",
        "redis_tls_unsupported" => "rediss:// URLs are not checked yet.",
        "invalid_url" => "The stored value is not a URL of the kind this check needs.",
        "keys_unreadable" => {
            "The keys are stored where the server cannot read them back (sensitive upstream)."
        }
        "egress_refused" => "The host is a private, loopback or otherwise non-public address.",
        "timeout" => "No answer within the deadline.",
        "connection_failed" => "No connection could be made to the host.",
        "unauthorized" => "The service refused the key.",
        "forbidden" => "The key is valid but lacks the permission the check needs.",
        "not_found" => "The URL does not lead to the service's API.",
        "service_unavailable" => "The service is unavailable or limiting requests.",
        "unexpected_answer" => "The service answered in a way the check does not recognise.",
        _ => "There is no check for this provider.",
    }
}

/// The checks there are, and the keys each reads (alternatives in order of preference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Postgres,
    Redis,
    UpstashRest,
    Supabase,
    Stripe,
    OpenAi,
}

const DATABASE_URLS: &[&str] = &[
    "DATABASE_URL",
    "POSTGRES_URL",
    "DATABASE_URL_UNPOOLED",
    "POSTGRES_URL_NON_POOLING",
];
const REDIS_URLS: &[&str] = &["REDIS_URL", "KV_URL"];
const UPSTASH_URLS: &[&str] = &["UPSTASH_REDIS_REST_URL", "KV_REST_API_URL"];
const UPSTASH_TOKENS: &[&str] = &["UPSTASH_REDIS_REST_TOKEN", "KV_REST_API_TOKEN"];
const SUPABASE_URLS: &[&str] = &["NEXT_PUBLIC_SUPABASE_URL", "SUPABASE_URL"];
const SUPABASE_KEYS: &[&str] = &["NEXT_PUBLIC_SUPABASE_ANON_KEY", "SUPABASE_ANON_KEY"];
const STRIPE_KEYS: &[&str] = &["STRIPE_SECRET_KEY"];
const OPENAI_KEYS: &[&str] = &["OPENAI_API_KEY"];
const OPENAI_BASES: &[&str] = &["OPENAI_BASE_URL"];

impl Check {
    fn for_provider(provider: &str) -> Option<Check> {
        Some(match provider {
            "neon" | "postgres" => Check::Postgres,
            "redis" => Check::Redis,
            "upstash" => Check::UpstashRest,
            "supabase" => Check::Supabase,
            "stripe" => Check::Stripe,
            "openai" => Check::OpenAi,
            _ => return None,
        })
    }

    /// The key groups the check needs (one of each group).
    fn needs(self) -> &'static [&'static [&'static str]] {
        match self {
            Check::Postgres => &[DATABASE_URLS],
            Check::Redis => &[REDIS_URLS],
            Check::UpstashRest => &[UPSTASH_URLS, UPSTASH_TOKENS],
            Check::Supabase => &[SUPABASE_URLS, SUPABASE_KEYS],
            Check::Stripe => &[STRIPE_KEYS],
            Check::OpenAi => &[OPENAI_KEYS],
        }
    }
}

/// The values read for one check.
struct Values(Vec<(String, Zeroizing<String>)>);

impl Values {
    /// The first of `keys` that has a value, with its name.
    fn first(&self, keys: &[&'static str]) -> Option<(&'static str, &str)> {
        keys.iter().find_map(|k| {
            self.0
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| (*k, v.as_str()))
        })
    }
}

#[derive(Deserialize)]
struct VerifyPath {
    provider: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verification {
    provider: String,
    status: Status,
    code: String,
    detail: &'static str,
    checked_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    facts: Option<Facts>,
}

async fn verify(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    PathParams(path): PathParams<VerifyPath>,
) -> Result<Json<Verification>, AppError> {
    let provider = path.provider;
    let known = provider.len() <= 40
        && provider
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !known {
        return Err(AppError::NotFound("provider"));
    }
    let outcome = match Check::for_provider(&provider) {
        // A provider of the catalog without a check; anything else is not a provider.
        None if PROVIDERS.iter().any(|p| p.id == provider) => {
            return Ok(Json(Verification {
                provider,
                status: Status::Unsupported,
                code: "no_check".to_owned(),
                detail: detail("no_check"),
                checked_at: rfc3339(now_ms()),
                facts: None,
            }));
        }
        None => return Err(AppError::NotFound("provider")),
        Some(check) => {
            state.limits.spend_upstream(&user).await?;
            let store = crate::vercel::project_store(&state, &user).await?;
            let wanted: Vec<&str> = check
                .needs()
                .iter()
                .flat_map(|group| group.iter().copied())
                .chain(OPENAI_BASES.iter().copied())
                .collect();
            let values = Values(store.read_for_check(&project, &wanted).await?);
            let missing: Vec<&str> = check
                .needs()
                .iter()
                .filter(|group| values.first(group).is_none())
                .map(|group| group[0])
                .collect();
            if missing.is_empty() {
                run(&state, check, &values).await
            } else {
                // Set but unreadable (sensitive on Vercel or v0), or not set at all.
                let listed = store.list(&project).await?;
                let set = |key: &str| listed.iter().any(|v| v.key == key);
                let unreadable = check
                    .needs()
                    .iter()
                    .all(|group| group.iter().any(|k| set(k)));
                if !unreadable {
                    return Err(AppError::Unprocessable {
                        code: "keys_missing",
                        message: format!("set {} first", missing.join(", ")),
                    });
                }
                ended(Status::Unsupported, "keys_unreadable")
            }
        }
    };
    let now = now_ms();
    sqlx::query("INSERT INTO integration_checks (project_id, provider, status, code, checked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, provider) DO UPDATE SET status = excluded.status, code = excluded.code, checked_at = excluded.checked_at")
        .bind(&project.id)
        .bind(&provider)
        .bind(outcome.status.as_str())
        .bind(outcome.code)
        .bind(now)
        .execute(&state.db.pool)
        .await?;
    tracing::info!(
        project = %project.id,
        provider = %provider,
        status = outcome.status.as_str(),
        code = outcome.code,
        "credential check"
    );
    Ok(Json(Verification {
        provider,
        status: outcome.status,
        code: outcome.code.to_owned(),
        detail: detail(outcome.code),
        checked_at: rfc3339(now),
        facts: Some(outcome.facts),
    }))
}

/// Forgets the project's checks (its keys changed).
pub async fn forget(pool: &sqlx::AnyPool, project: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM integration_checks WHERE project_id = $1")
        .bind(project)
        .execute(pool)
        .await
        .map(|_| ())
}

#[derive(Serialize)]
struct Checks {
    checks: Vec<Verification>,
}

async fn checks(
    State(state): State<AppState>,
    OwnedProject(project, _): OwnedProject,
) -> Result<Json<Checks>, AppError> {
    let rows = sqlx::query("SELECT provider, status, code, checked_at FROM integration_checks WHERE project_id = $1 ORDER BY provider")
        .bind(&project.id)
        .fetch_all(&state.db.pool)
        .await?;
    let mut checks = Vec::new();
    for row in &rows {
        let status = match row.try_get::<String, _>("status")?.as_str() {
            "verified" => Status::Verified,
            "invalid" => Status::Invalid,
            "unreachable" => Status::Unreachable,
            _ => Status::Unsupported,
        };
        let code: String = row.try_get("code")?;
        checks.push(Verification {
            provider: row.try_get("provider")?,
            status,
            detail: detail(&code),
            code,
            checked_at: rfc3339(row.try_get("checked_at")?),
            facts: None,
        });
    }
    Ok(Json(Checks { checks }))
}

async fn run(state: &AppState, check: Check, values: &Values) -> Outcome {
    let one = |keys| values.first(keys).expect("checked present");
    let (key, mut outcome) = match check {
        Check::Postgres => {
            let (key, url) = one(DATABASE_URLS);
            (key, postgres(state, url).await)
        }
        Check::Redis => {
            let (key, url) = one(REDIS_URLS);
            (key, redis(state, url).await)
        }
        Check::UpstashRest => {
            let (key, token) = one(UPSTASH_TOKENS);
            let (_, url) = one(UPSTASH_URLS);
            let bearer = Zeroizing::new(format!("Bearer {token}"));
            let answer = http(state, url, "ping", &[("authorization", &bearer)]).await;
            (
                key,
                judged(answer, "upstash_ok", |body| body["result"] == "PONG"),
            )
        }
        Check::Supabase => {
            let (key, anon) = one(SUPABASE_KEYS);
            let (_, url) = one(SUPABASE_URLS);
            let bearer = Zeroizing::new(format!("Bearer {anon}"));
            let answer = http(
                state,
                url,
                "rest/v1/",
                &[("apikey", anon), ("authorization", &bearer)],
            )
            .await;
            (key, judged(answer, "supabase_ok", |_| true))
        }
        Check::Stripe => {
            let (key, secret) = one(STRIPE_KEYS);
            let bearer = Zeroizing::new(format!("Bearer {secret}"));
            let answer = http(
                state,
                &state.check_apis.stripe,
                "v1/balance",
                &[("authorization", &bearer)],
            )
            .await;
            let live_key = secret.starts_with("sk_live_") || secret.starts_with("rk_live_");
            let live = match &answer {
                Ok((_, body)) => body["livemode"].as_bool().unwrap_or(live_key),
                Err(_) => live_key,
            };
            let mut outcome = judged(answer, "stripe_ok", |body| body["object"] == "balance");
            if outcome.status == Status::Verified {
                outcome.facts.mode = Some(if live { "live" } else { "test" });
            }
            (key, outcome)
        }
        Check::OpenAi => {
            let (key, secret) = one(OPENAI_KEYS);
            let base = values
                .first(OPENAI_BASES)
                .map(|(_, v)| v)
                .unwrap_or(&state.check_apis.openai);
            let bearer = Zeroizing::new(format!("Bearer {secret}"));
            let answer = http(state, base, "models", &[("authorization", &bearer)]).await;
            (
                key,
                judged(answer, "openai_ok", |body| body["data"].is_array()),
            )
        }
    };
    outcome.facts.key = Some(key);
    outcome
}

/// An HTTP answer as an outcome: 2xx whose body `fits` → verified with `ok`; 401/403 →
/// invalid; 404 → invalid (`not_found`); 429 and 5xx → unreachable.
fn judged(
    answer: Result<(StatusCode, Value), Outcome>,
    ok: &'static str,
    fits: impl Fn(&Value) -> bool,
) -> Outcome {
    match answer {
        Err(outcome) => outcome,
        Ok((status, body)) if status.is_success() && fits(&body) => ended(Status::Verified, ok),
        Ok((status, _)) => match status.as_u16() {
            401 => ended(Status::Invalid, "unauthorized"),
            403 => ended(Status::Invalid, "forbidden"),
            404 => ended(Status::Invalid, "not_found"),
            429 | 500..=599 => ended(Status::Unreachable, "service_unavailable"),
            _ => ended(Status::Unreachable, "unexpected_answer"),
        },
    }
}

/// `GET {base}/{path}` with `headers`, through the egress guard: the status and JSON body.
async fn http(
    state: &AppState,
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(StatusCode, Value), Outcome> {
    let policy = &state.egress;
    let mut url: Url = policy.check_url(base).map_err(refused)?;
    url.set_query(None);
    let joined = format!("{}/{path}", url.path().trim_end_matches('/'));
    url.set_path(&joined);
    let (client, guard) = policy.client().map_err(refused)?;
    let mut request = client.get(url).header("accept", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    match crate::egress::exchange(policy, &guard, request).await {
        Ok((status, _, body)) => Ok((status, body)),
        Err(AppError::Upstream(error)) => Err(refused(error)),
        Err(_) => Err(ended(Status::Unreachable, "connection_failed")),
    }
}

/// An egress refusal or failure as an outcome.
fn refused(error: crate::upstream::UpstreamError) -> Outcome {
    match error.code {
        "invalid_mcp_url" => ended(Status::Invalid, "invalid_url"),
        "egress_refused" => ended(Status::Unreachable, "egress_refused"),
        "mcp_timeout" => ended(Status::Unreachable, "timeout"),
        "mcp_answer_too_large" => ended(Status::Unreachable, "unexpected_answer"),
        _ => ended(Status::Unreachable, "connection_failed"),
    }
}

/// The host of a URL, checked against the egress policy: `Err` with the outcome when it is not
/// allowed. The connection then goes to the name (TLS needs it; see the README's note on the
/// window between this lookup and the driver's).
async fn allowed_host(state: &AppState, url: &Url) -> Result<Vec<std::net::IpAddr>, Outcome> {
    let host = url
        .host_str()
        .ok_or_else(|| ended(Status::Invalid, "invalid_url"))?;
    if crate::egress::is_localhost_name(host) && !state.egress.allow_loopback {
        return Err(ended(Status::Unreachable, "egress_refused"));
    }
    // Every address must be allowed (a name with one public and one private address is
    // refused: a driver that resolves it again would try them all).
    match state.egress.addrs(host).await {
        Ok(addrs) if addrs.is_empty() || !addrs.iter().all(|ip| state.egress.permits(*ip)) => {
            Err(ended(Status::Unreachable, "egress_refused"))
        }
        Ok(addrs) => Ok(addrs),
        Err(_) => Err(ended(Status::Unreachable, "connection_failed")),
    }
}

/// Connects as the URL says (TLS as its `sslmode` asks), runs `SELECT 1` and reads the
/// server's version.
async fn postgres(state: &AppState, text: &str) -> Outcome {
    let Ok(url) = Url::parse(text) else {
        return ended(Status::Invalid, "invalid_url");
    };
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return ended(Status::Invalid, "invalid_url");
    }
    // The user name and password must come from the URL (never from the server's own
    // `PGUSER`/`PGPASSWORD` or `.pgpass`), and the query may not move the connection elsewhere
    // (`host`, `hostaddr`, `port`) or name files on the server (`sslcert`, `sslkey`, …): only
    // these parameters pass, the rest is dropped (sqlx would log an unknown one with its value).
    const PASSED: [&str; 3] = ["sslmode", "options", "application_name"];
    const HARMLESS: [&str; 4] = ["pgbouncer", "connect_timeout", "channel_binding", "schema"];
    if url.username().is_empty() || url.password().is_none() {
        return ended(Status::Invalid, "invalid_url");
    }
    let mut cleaned = url.clone();
    cleaned.set_query(None);
    {
        let mut query = cleaned.query_pairs_mut();
        for (key, value) in url.query_pairs() {
            if PASSED.contains(&key.as_ref()) {
                query.append_pair(&key, &value);
            } else if !HARMLESS.contains(&key.as_ref()) {
                return ended(Status::Invalid, "invalid_url");
            }
        }
    }
    if cleaned.query() == Some("") {
        cleaned.set_query(None);
    }
    if let Err(outcome) = allowed_host(state, &url).await {
        return outcome;
    }
    let Ok(options) = PgConnectOptions::from_str(cleaned.as_str()) else {
        return ended(Status::Invalid, "invalid_url");
    };
    let options = options.disable_statement_logging();
    let host = url.host_str().unwrap_or_default();
    let pooled = host.contains("-pooler.")
        || host.ends_with(".pooler.supabase.com")
        || url.port() == Some(6543)
        || url
            .query_pairs()
            .any(|(k, v)| k == "pgbouncer" && v == "true");
    let work = async {
        let mut connection = PgConnection::connect_with(&options).await?;
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut connection)
            .await?;
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&mut connection)
            .await?;
        let _ = connection.close().await;
        Ok::<_, sqlx::Error>((one, version))
    };
    match tokio::time::timeout(state.egress.timeout, work).await {
        Err(_) => ended(Status::Unreachable, "timeout"),
        Ok(Ok((1, version))) => Outcome {
            status: Status::Verified,
            code: "postgres_ok",
            facts: Facts {
                pooled: Some(pooled),
                server_version: Some(
                    version
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect(),
                ),
                ..Facts::default()
            },
        },
        Ok(Ok(_)) => ended(Status::Unreachable, "unexpected_answer"),
        Ok(Err(sqlx::Error::Database(error))) => match error.code().as_deref() {
            Some("28P01" | "28000") => ended(Status::Invalid, "postgres_auth_failed"),
            Some("3D000") => ended(Status::Invalid, "postgres_database_missing"),
            _ => ended(Status::Invalid, "postgres_refused"),
        },
        Ok(Err(sqlx::Error::Tls(_))) => ended(Status::Unreachable, "tls_failed"),
        Ok(Err(sqlx::Error::Configuration(_))) => ended(Status::Invalid, "invalid_url"),
        Ok(Err(_)) => ended(Status::Unreachable, "connection_failed"),
    }
}

/// `AUTH` (when the URL carries a password) and `PING` over RESP, on a connection to an address
/// the egress guard allowed. Hand-written (a few lines of RESP) rather than the `redis` crate:
/// its client connects to a host name it resolves itself, where this connects to the address
/// that was checked.
async fn redis(state: &AppState, text: &str) -> Outcome {
    let Ok(url) = Url::parse(text) else {
        return ended(Status::Invalid, "invalid_url");
    };
    match url.scheme() {
        "redis" => {}
        "rediss" => return ended(Status::Unsupported, "redis_tls_unsupported"),
        _ => return ended(Status::Invalid, "invalid_url"),
    }
    let addrs = match allowed_host(state, &url).await {
        Ok(addrs) => addrs,
        Err(outcome) => return outcome,
    };
    let port = url.port().unwrap_or(6379);
    let decode = |s: &str| {
        Zeroizing::new(
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned(),
        )
    };
    let password = url.password().map(decode);
    let user = decode(url.username());
    let work = async {
        let stream = tokio::net::TcpStream::connect((addrs[0], port)).await?;
        resp_check(stream, &user, password.as_deref().map(String::as_str)).await
    };
    match tokio::time::timeout(state.egress.timeout, work).await {
        Err(_) => ended(Status::Unreachable, "timeout"),
        Ok(Err(_)) => ended(Status::Unreachable, "connection_failed"),
        Ok(Ok(outcome)) => outcome,
    }
}

/// The RESP exchange of [`redis`].
async fn resp_check<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    user: &str,
    password: Option<&str>,
) -> std::io::Result<Outcome> {
    fn command(parts: &[&str]) -> Zeroizing<Vec<u8>> {
        let mut out = format!("*{}\r\n", parts.len()).into_bytes();
        for part in parts {
            out.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
            out.extend_from_slice(part.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Zeroizing::new(out)
    }
    let mut stream = BufReader::new(stream);
    let mut line = Vec::new();
    async fn reply<R: tokio::io::AsyncBufRead + Unpin>(
        stream: &mut R,
        line: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        line.clear();
        // One status line, at most 512 bytes.
        let mut limited = (&mut *stream).take(512);
        limited.read_until(b'\n', line).await?;
        Ok(())
    }
    use tokio::io::AsyncReadExt;
    if let Some(password) = password {
        let auth = match user {
            "" => command(&["AUTH", password]),
            user => command(&["AUTH", user, password]),
        };
        stream.get_mut().write_all(&auth).await?;
        reply(&mut stream, &mut line).await?;
        if !line.starts_with(b"+OK") {
            return Ok(ended(Status::Invalid, "redis_auth_failed"));
        }
    }
    stream.get_mut().write_all(&command(&["PING"])).await?;
    reply(&mut stream, &mut line).await?;
    Ok(if line.starts_with(b"+PONG") {
        ended(Status::Verified, "redis_ok")
    } else if line.starts_with(b"-NOAUTH") {
        ended(Status::Invalid, "redis_auth_required")
    } else if line.starts_with(b"-WRONGPASS") {
        ended(Status::Invalid, "redis_auth_failed")
    } else {
        ended(Status::Unreachable, "unexpected_answer")
    })
}

#[cfg(test)]
mod tests {
    /// A card offers `verify` for these providers: each has a check here.
    #[test]
    fn every_provider_whose_card_offers_verify_has_a_check() {
        for provider in sajtmaskin_integrations::catalog::VERIFIABLE {
            assert!(super::Check::for_provider(provider).is_some(), "{provider}");
        }
    }
}
