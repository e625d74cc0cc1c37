//! The builder's own identity provider: asymmetric JWTs (RS256, ES256, EdDSA) from an OIDC
//! issuer, checked against its published keys (JWKS).
//!
//! - `AUTH_ISSUER` is the issuer: a token's `iss` must equal it, and without `AUTH_JWKS_URL`
//!   its keys are found by discovery (`{issuer}/.well-known/openid-configuration` →
//!   `jwks_uri`, which must be on the issuer's own origin). `AUTH_JWT_AUDIENCE` is required with
//!   it: a token's `aud` must name this backend.
//! - Keys are looked up by the token's `kid` in a cached set. An unknown `kid` refetches the
//!   set (a key rotation), at most once every `AUTH_JWKS_REFETCH_SECS`; the set is also refreshed when it
//!   is older than [`MAX_AGE`]. A refetch that fails or hangs (bounded by [`FETCH_TIMEOUT`])
//!   keeps the cached keys working.
//! - The URLs are the operator's own settings, so they are fetched without the MCP egress
//!   guard; what discovery names is held to the issuer's origin instead.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Header, Validation};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::error::AppError;

/// A key set older than this is fetched again before use.
pub const MAX_AGE: Duration = Duration::from_secs(600);
/// Deadline of one fetch (discovery and key set).
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest discovery document or key set accepted.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
}

struct Cache {
    keys: JwkSet,
    fetched: Option<Instant>,
}

/// Checks tokens of one OIDC issuer.
pub struct Oidc {
    issuer: String,
    audience: String,
    jwks_url: Option<String>,
    /// The shortest time between two fetches for unknown `kid`s.
    min_refetch: Duration,
    client: reqwest::Client,
    cache: RwLock<Cache>,
    /// When the key set was last fetched (held while fetching, so one fetch runs at a time).
    fetching: Mutex<Option<Instant>>,
}

/// A 401 with one of the token codes.
fn token_error(code: &'static str, message: &'static str) -> AppError {
    AppError::Token { code, message }
}

impl Oidc {
    /// The issuer's checker (`AUTH_ISSUER`, `AUTH_JWT_AUDIENCE`, optionally `AUTH_JWKS_URL`).
    pub fn new(
        issuer: &str,
        audience: &str,
        jwks_url: Option<&str>,
        min_refetch: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .user_agent(crate::upstream::USER_AGENT)
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("OIDC client: {e}"))?;
        Ok(Oidc {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: audience.to_owned(),
            jwks_url: jwks_url.map(str::to_owned),
            min_refetch,
            client,
            cache: RwLock::new(Cache {
                keys: JwkSet { keys: Vec::new() },
                fetched: None,
            }),
            fetching: Mutex::new(None),
        })
    }

    /// The header of a token that is one of ours to check (signed with RS256, ES256 or
    /// EdDSA), read once for [`Oidc::verify`].
    pub fn asymmetric(token: &str) -> Option<Header> {
        decode_header(token).ok().filter(|h| {
            matches!(
                h.alg,
                Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
            )
        })
    }

    /// The user id (`sub`) of a valid token whose header [`Oidc::asymmetric`] read.
    pub async fn verify(&self, token: &str, header: Header) -> Result<String, AppError> {
        let invalid = || token_error("token_invalid", "the token is not valid");
        let kid = header
            .kid
            .filter(|k| !k.is_empty() && k.len() <= 256)
            .ok_or_else(invalid)?;
        let jwk = self.key(&kid).await.ok_or(token_error(
            "token_invalid",
            "the token's key is not one of the issuer's",
        ))?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| invalid())?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer, &format!("{}/", self.issuer)]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        let data = decode::<Claims>(token, &key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                token_error("token_expired", "the token has expired")
            }
            jsonwebtoken::errors::ErrorKind::InvalidAudience => token_error(
                "token_audience",
                "the token's audience (aud) is not this server",
            ),
            _ => invalid(),
        })?;
        if data.claims.sub.is_empty() || data.claims.sub.len() > 256 {
            return Err(token_error(
                "token_invalid",
                "the token has no usable subject",
            ));
        }
        Ok(data.claims.sub)
    }

    /// The key `kid`: from the cache, or after a fetch when it is unknown (rate-limited) or the
    /// cache is stale.
    async fn key(&self, kid: &str) -> Option<jsonwebtoken::jwk::Jwk> {
        {
            let cache = self.cache.read().await;
            let fresh = cache.fetched.is_some_and(|at| at.elapsed() < MAX_AGE);
            if let (true, Some(jwk)) = (fresh, cache.keys.find(kid)) {
                return Some(jwk.clone());
            }
        }
        // One fetch at a time; a request that finds one running uses the keys it has, so a slow
        // or failing issuer never queues requests behind it.
        let Ok(mut last) = self.fetching.try_lock() else {
            return self.cache.read().await.keys.find(kid).cloned();
        };
        // Every attempt, successful or not, counts against the interval: an issuer that is down
        // is asked again once per interval, and the cached keys keep serving meanwhile.
        if last.is_none_or(|at| at.elapsed() >= self.min_refetch) {
            *last = Some(Instant::now());
            match self.fetch().await {
                Ok(keys) => {
                    *self.cache.write().await = Cache {
                        keys,
                        fetched: Some(Instant::now()),
                    };
                }
                Err(why) => tracing::warn!(
                    why,
                    "the issuer's keys could not be fetched; the cached ones stay"
                ),
            }
        }
        self.cache.read().await.keys.find(kid).cloned()
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, &'static str> {
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|_| "unreachable or too slow")?;
        if !response.status().is_success() {
            return Err("answered with an error status");
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| "the answer broke off")? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                return Err("the answer is too large");
            }
        }
        Ok(body)
    }

    async fn fetch(&self) -> Result<JwkSet, &'static str> {
        let url = match &self.jwks_url {
            Some(url) => url.clone(),
            None => self.discover().await?,
        };
        let body = self.get(&url).await?;
        serde_json::from_slice(&body).map_err(|_| "the key set is not a JWKS")
    }

    /// `jwks_uri` from the issuer's discovery document; it must be on the issuer's origin.
    async fn discover(&self) -> Result<String, &'static str> {
        #[derive(Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let body = self
            .get(&format!("{}/.well-known/openid-configuration", self.issuer))
            .await?;
        let found: Discovery =
            serde_json::from_slice(&body).map_err(|_| "the discovery document is not OIDC")?;
        if found.issuer.trim_end_matches('/') != self.issuer {
            return Err("the discovery document names another issuer");
        }
        let origin = |u: &str| reqwest::Url::parse(u).ok().map(|u| u.origin());
        if origin(&found.jwks_uri).is_none() || origin(&found.jwks_uri) != origin(&self.issuer) {
            return Err("the discovery document's jwks_uri is not on the issuer's origin");
        }
        Ok(found.jwks_uri)
    }
}
