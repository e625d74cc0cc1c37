//! Shared application state, built once from the configuration (cheap to clone: everything
//! inside is shared). Handlers take the parts they need through `FromRef`.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::{Auth, Jwt};
use crate::config::{Config, StoreKind};
use crate::crypto::Cipher;
use crate::db::Db;
use crate::error::AppError;
use crate::secrets::{decode_key, load_or_create, random_key};
use crate::stores::{EnvVarStore, LocalStore, V0Store, VercelStore};
use crate::upstream::Upstream;

/// The builder's Vercel integration (all four settings are needed to connect).
#[derive(Clone)]
pub struct VercelApp {
    /// `VERCEL_CLIENT_ID`.
    pub client_id: String,
    /// `VERCEL_CLIENT_SECRET`: exchanges codes and keys the webhook signatures.
    pub client_secret: String,
    /// `VERCEL_INTEGRATION_SLUG`: the install page is `https://vercel.com/integrations/<slug>/new`.
    pub slug: String,
    /// `PUBLIC_URL`: where Vercel sends the browser back (`…/api/integrations/vercel/callback`).
    pub public_url: String,
    /// `VERCEL_OAUTH_URL`: the site with the install page (`https://vercel.com`; tests use a fake).
    pub site_url: String,
    /// The Vercel REST API, without credentials (each call adds the user's).
    pub api: Upstream,
}

impl VercelApp {
    /// `PUBLIC_URL` + the callback path: the redirect URI registered with Vercel.
    pub fn redirect_uri(&self, callback_path: &str) -> String {
        format!("{}{callback_path}", self.public_url.trim_end_matches('/'))
    }
}

/// Where credential checks (`verify`) reach the services whose API is not in the project's own values.
#[derive(Clone, Debug)]
pub struct CheckApis {
    /// `STRIPE_API_URL`.
    pub stripe: String,
    /// `OPENAI_API_URL` (a project's `OPENAI_BASE_URL` wins).
    pub openai: String,
}

/// Per-user limits on what one account may hold or spend.
pub struct Limits {
    /// Projects one user may own.
    pub max_projects: i64,
    /// Requests per minute and user on routes that spend upstream quota.
    upstream: DefaultKeyedRateLimiter<String>,
    /// The same limit kept in the database, when instances share one (Postgres).
    shared: Option<SharedLimit>,
    /// The longest a demo replay may take.
    pub replay_max: Duration,
}

/// A per-minute limit kept in the database with GCRA, the algorithm `governor` uses in memory
/// (hand-written in one SQL statement: no library keeps a GCRA in a database through sqlx).
/// Each key stores the theoretical arrival time of its next request; a request is allowed when
/// that time is no more than the burst ahead of now, and moves it one interval on. The check
/// and the move are one atomic upsert, so instances sharing the database allow the limit once.
struct SharedLimit {
    pool: sqlx::AnyPool,
    /// Milliseconds between requests at the steady rate.
    interval_ms: i64,
    /// How far ahead of now the arrival time may be (burst − 1 intervals).
    tolerance_ms: i64,
}

impl SharedLimit {
    async fn check(&self, key: &str) -> Result<Result<(), i64>, sqlx::Error> {
        let now = crate::clock::now_ms();
        let allowed: Option<i64> = sqlx::query_scalar(
            "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + $3) ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_limits.tat, $2) + $3 WHERE GREATEST(rate_limits.tat, $2) - $2 <= $4 RETURNING tat",
        )
        .bind(key)
        .bind(now)
        .bind(self.interval_ms)
        .bind(self.tolerance_ms)
        .fetch_optional(&self.pool)
        .await?;
        if allowed.is_some() {
            return Ok(Ok(()));
        }
        let tat: i64 = sqlx::query_scalar("SELECT tat FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(Err((tat - now - self.tolerance_ms).max(0)))
    }
}

fn rate_limited(wait: Duration) -> AppError {
    AppError::TooMany {
        code: "rate_limited",
        message: "too many requests to v0 or Vercel from this account; wait and retry".into(),
        retry_after_secs: wait.as_secs().max(1),
    }
}

impl Limits {
    /// Counts one upstream-spending request of `user`: 429 with `Retry-After` once the
    /// per-minute budget is spent (across every instance on a shared Postgres).
    pub async fn spend_upstream(&self, user: &str) -> Result<(), AppError> {
        if let Some(shared) = &self.shared {
            return match shared.check(&format!("upstream:{user}")).await? {
                Ok(()) => Ok(()),
                Err(wait_ms) => Err(rate_limited(Duration::from_millis(
                    u64::try_from(wait_ms).unwrap_or(0),
                ))),
            };
        }
        self.upstream
            .check_key(&user.to_owned())
            .map_err(|not_until| {
                rate_limited(not_until.wait_time_from(governor::clock::Clock::now(
                    &governor::clock::DefaultClock::default(),
                )))
            })
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Metadata database.
    pub db: Db,
    /// Token checks (and, under `--dev`, the dev token signer).
    pub auth: Auth,
    /// The configured env-var store.
    pub store: Arc<dyn EnvVarStore>,
    /// Which store that is (a Vercel store keeps synced Marketplace keys on Vercel).
    pub store_kind: StoreKind,
    /// Seals secrets at rest: env values (local store) and users' Vercel tokens.
    pub cipher: Cipher,
    /// The builder's Vercel integration, when configured (users connect their accounts).
    pub vercel: Option<VercelApp>,
    /// Per-user quotas and rate limits.
    pub limits: Arc<Limits>,
    /// `METRICS_TOKEN`: who may read GET /metrics.
    pub metrics_token: Option<String>,
    /// Which v0 API `v0` speaks.
    pub v0_version: crate::config::V0ApiVersion,
    /// Stored values that did not open with the keyring at start.
    pub unreadable: Arc<std::sync::atomic::AtomicU64>,
    /// What outgoing MCP, OAuth and credential-check requests may reach.
    pub egress: crate::egress::EgressPolicy,
    /// Where credential checks reach Stripe and OpenAI (`STRIPE_API_URL`, `OPENAI_API_URL`).
    pub check_apis: CheckApis,
    /// `PUBLIC_URL`: where browsers come back to (OAuth callbacks) and v0 reaches `/mcp/…`.
    pub public_url: Option<String>,
    /// Recorded streams for the demo.
    pub fixtures_dir: PathBuf,
    /// For the demo's live v0 pass-through (absent: recorded streams only).
    pub v0: Option<Upstream>,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

/// The token secret: AUTH_JWT_SECRET, or one generated into the data dir.
pub fn jwt(config: &Config) -> Result<Jwt, String> {
    let required = crate::auth::Required {
        issuer: config.auth_jwt_issuer.clone(),
        audience: config.auth_jwt_audience.clone(),
    };
    match &config.auth_jwt_secret {
        Some(secret) if secret.len() >= 32 => Ok(Jwt::with_claims(secret.as_bytes(), required)),
        Some(_) => Err("AUTH_JWT_SECRET must be at least 32 characters".into()),
        None => Ok(Jwt::with_claims(
            &load_or_create(&config.data_dir, "jwt-secret", "AUTH_JWT_SECRET")?,
            required,
        )),
    }
}

impl AppState {
    /// Database, keys, the env-var store and limits, from configuration (checked first).
    pub async fn from_config(config: &Config) -> Result<AppState, String> {
        config.check()?;
        let db = crate::db::connect(config.database_url.as_deref(), &config.data_dir).await?;
        let timeout = Duration::from_secs(config.upstream_timeout_secs);
        let key = match &config.env_var_encryption_key {
            Some(text) => decode_key(text, "ENV_VAR_ENCRYPTION_KEY")?,
            None => load_or_create(
                &config.data_dir,
                "env-encryption.key",
                "ENV_VAR_ENCRYPTION_KEY",
            )?,
        };
        let old_keys = config
            .env_var_encryption_old_keys
            .iter()
            .filter(|k| !k.trim().is_empty())
            .map(|k| decode_key(k, "ENV_VAR_ENCRYPTION_OLD_KEYS"))
            .collect::<Result<Vec<_>, _>>()?;
        let cipher = Cipher::with_old_keys(&key, &old_keys);
        let store: Arc<dyn EnvVarStore> = match config.env_store {
            StoreKind::Local => Arc::new(LocalStore::open(db.clone(), cipher.clone()).await?),
            StoreKind::V0 => {
                let key = config
                    .v0_api_key
                    .as_deref()
                    .ok_or("ENV_STORE=v0 needs V0_API_KEY")?;
                if config.v0_api_version != crate::config::V0ApiVersion::V1 {
                    return Err("ENV_STORE=v0 keeps env vars on v0 API v1 projects, which v2 does not have (a v2 chat's env vars are its Vercel project's): use ENV_STORE=vercel, or set V0_API_VERSION=v1".into());
                }
                Arc::new(V0Store::new(
                    Upstream::new("v0", config.v0_base(), key, None, timeout)?,
                    db.clone(),
                ))
            }
            StoreKind::Vercel => {
                let token = config
                    .vercel_token
                    .as_deref()
                    .ok_or("ENV_STORE=vercel needs VERCEL_TOKEN")?;
                Arc::new(VercelStore::new(Upstream::new(
                    "Vercel",
                    &config.vercel_api_url,
                    token,
                    config.vercel_team_id.as_deref(),
                    timeout,
                )?))
            }
            // No credentials here: each request gets a store with its project owner's own
            // Vercel connection (`env_vars::project_store`); this one only provisions (nothing).
            StoreKind::VercelLinked => Arc::new(VercelStore::linked(Upstream::new(
                "Vercel",
                &config.vercel_api_url,
                "",
                None,
                timeout,
            )?)),
        };
        let v0 = match &config.v0_api_key {
            // A generation streams for minutes: the bound is on the whole answer.
            Some(key) => Some(Upstream::new(
                "v0",
                config.v0_base(),
                key,
                None,
                Duration::from_secs(300),
            )?),
            None => None,
        };
        let dev = if config.dev {
            tracing::warn!(
                "DEVELOPMENT MODE (--dev): any page served from this machine's loopback can get a token for {:?}; never run --dev where others can reach it",
                crate::auth::DEV_USER
            );
            Some(Jwt::new(&random_key()?))
        } else {
            None
        };
        let vercel = match (
            &config.vercel_client_id,
            &config.vercel_client_secret,
            &config.vercel_integration_slug,
            &config.public_url,
        ) {
            (Some(client_id), Some(client_secret), Some(slug), Some(public_url)) => {
                Some(VercelApp {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    slug: slug.clone(),
                    public_url: public_url.clone(),
                    site_url: config.vercel_oauth_url.clone(),
                    api: Upstream::new("Vercel", &config.vercel_api_url, "", None, timeout)?,
                })
            }
            (None, None, None, _) => None,
            _ => return Err("connecting Vercel accounts needs VERCEL_CLIENT_ID, VERCEL_CLIENT_SECRET, VERCEL_INTEGRATION_SLUG and PUBLIC_URL together".into()),
        };
        if config.env_store == StoreKind::VercelLinked && vercel.is_none() {
            return Err("ENV_STORE=vercel-linked keeps each project's env vars on the Vercel project its owner linked, through the owner's Vercel connection: it needs VERCEL_CLIENT_ID, VERCEL_CLIENT_SECRET, VERCEL_INTEGRATION_SLUG and PUBLIC_URL".into());
        }
        let per_minute = NonZeroU32::new(config.upstream_requests_per_minute)
            .ok_or("UPSTREAM_REQUESTS_PER_MINUTE must be at least 1")?;
        let shared = (db.kind == crate::db::DbKind::Postgres).then(|| {
            let interval_ms = 60_000 / i64::from(per_minute.get()).max(1);
            SharedLimit {
                pool: db.pool.clone(),
                interval_ms,
                tolerance_ms: interval_ms * (i64::from(per_minute.get()) - 1),
            }
        });
        Ok(AppState {
            db,
            auth: Auth::new(jwt(config)?, dev).with_oidc(match &config.auth_issuer {
                Some(issuer) => Some(Arc::new(crate::oidc::Oidc::new(
                    issuer,
                    config.auth_jwt_audience.as_deref().unwrap_or_default(),
                    config.auth_jwks_url.as_deref(),
                    Duration::from_secs(config.auth_jwks_refetch_secs),
                )?)),
                None => None,
            }),
            store,
            store_kind: config.env_store,
            cipher,
            vercel,
            limits: Arc::new(Limits {
                max_projects: i64::try_from(config.max_projects_per_user).unwrap_or(i64::MAX),
                upstream: RateLimiter::keyed(Quota::per_minute(per_minute)),
                shared,
                replay_max: Duration::from_secs(config.replay_max_secs),
            }),
            unreadable: Arc::default(),
            v0_version: config.v0_api_version,
            metrics_token: config.metrics_token.clone().filter(|t| !t.is_empty()),
            fixtures_dir: config.fixtures_dir.clone(),
            egress: crate::egress::EgressPolicy::from_config(config),
            check_apis: CheckApis {
                stripe: config.stripe_api_url.trim_end_matches('/').to_owned(),
                openai: config.openai_api_url.trim_end_matches('/').to_owned(),
            },
            public_url: config.public_url.clone(),
            v0,
        })
    }
}
