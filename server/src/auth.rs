//! Who is calling: `Authorization: Bearer <JWT>` (HS256, `sub` is the user id, `exp`
//! required, `nbf` checked when present, `iss` and `aud` required when configured), and the
//! `--dev` token route for the demo page.

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::Json;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::json::JsonBody;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<serde_json::Value>,
}

/// Claims a token must carry, beyond `sub` and `exp`.
#[derive(Debug, Clone, Default)]
pub struct Required {
    /// `iss` must equal this.
    pub issuer: Option<String>,
    /// `aud` must be or contain this.
    pub audience: Option<String>,
}

/// Mints and checks tokens with one HS256 secret.
#[derive(Clone)]
pub struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    required: Required,
}

impl Jwt {
    /// Keys from the secret `AUTH_JWT_SECRET` (or a per-run dev secret), no `iss` or `aud`.
    pub fn new(secret: &[u8]) -> Self {
        Jwt::with_claims(secret, Required::default())
    }

    /// Keys from `secret`; tokens must also carry the `required` claims (and minted ones do).
    pub fn with_claims(secret: &[u8], required: Required) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_nbf = true;
        let mut claims = vec!["exp", "sub"];
        if let Some(issuer) = &required.issuer {
            validation.set_issuer(&[issuer]);
            claims.push("iss");
        }
        match &required.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                claims.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&claims);
        Jwt {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            required,
        }
    }

    /// A token for `user` valid for `ttl_secs`.
    pub fn mint(&self, user: &str, ttl_secs: u64) -> Result<String, AppError> {
        let claims = Claims {
            sub: user.to_owned(),
            exp: crate::clock::now_secs().saturating_add(ttl_secs),
            iss: self.required.issuer.clone(),
            aud: self.required.audience.clone().map(serde_json::Value::from),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The user id of a valid token.
    pub fn verify(&self, token: &str) -> Result<String, AppError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            let (code, message) = match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ("token_expired", "the token has expired")
                }
                jsonwebtoken::errors::ErrorKind::InvalidAudience => (
                    "token_audience",
                    "the token's audience (aud) is not this server",
                ),
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => {
                    ("token_invalid", "the token is not valid yet (nbf)")
                }
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                    ("token_invalid", "the token's issuer (iss) is not accepted")
                }
                _ => ("token_invalid", "the token is not valid"),
            };
            AppError::Token { code, message }
        })?;
        if data.claims.sub.is_empty() || data.claims.sub.len() > 256 {
            return Err(AppError::Token {
                code: "token_invalid",
                message: "the token has no usable subject",
            });
        }
        Ok(data.claims.sub)
    }
}

/// The user of `--dev` tokens: the demo page always acts as this one user.
pub const DEV_USER: &str = "demo-user";

/// The token checks in force: the configured secret, plus under `--dev` a secret made for
/// this run only, which signs the dev tokens. A server without `--dev` does not know that
/// secret, so a dev token is worthless against it (and against the next run).
#[derive(Clone)]
pub struct Auth {
    jwt: Jwt,
    dev: Option<Jwt>,
    oidc: Option<std::sync::Arc<crate::oidc::Oidc>>,
}

impl Auth {
    /// Checks with `jwt`; `dev` signs and also accepts dev tokens.
    pub fn new(jwt: Jwt, dev: Option<Jwt>) -> Self {
        Auth {
            jwt,
            dev,
            oidc: None,
        }
    }

    /// Also accepts the OIDC issuer's asymmetric tokens.
    pub fn with_oidc(self, oidc: Option<std::sync::Arc<crate::oidc::Oidc>>) -> Self {
        Auth { oidc, ..self }
    }

    /// The user id of a token valid under either secret.
    pub fn verify(&self, token: &str) -> Result<String, AppError> {
        match (self.jwt.verify(token), &self.dev) {
            (Err(error), Some(dev)) => dev.verify(token).map_err(|_| error),
            (result, _) => result,
        }
    }

    /// The user id of a valid token: the OIDC issuer's (RS256, ES256, EdDSA) when one is
    /// configured, else one of our HS256 secrets'.
    pub async fn verify_any(&self, token: &str) -> Result<String, AppError> {
        match (&self.oidc, crate::oidc::Oidc::asymmetric(token)) {
            (Some(oidc), Some(header)) => oidc.verify(token, header).await,
            _ => self.verify(token),
        }
    }
}

/// The authenticated caller, from any state that provides [`Auth`].
#[derive(Debug, Clone)]
pub struct User(pub String);

impl<S> FromRequestParts<S> for User
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let header =
            parts
                .headers
                .get(axum::http::header::AUTHORIZATION)
                .ok_or(AppError::Unauthorized(
                    "missing Authorization: Bearer <token>",
                ))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthorized(
                "expected Authorization: Bearer <token>",
            ))?;
        Auth::from_ref(state).verify_any(token).await.map(User)
    }
}

/// Whether a `Host` header names this machine's loopback (with or without a port). A page
/// from any other name (DNS rebinding: `attacker.example` resolving to 127.0.0.1) is refused.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(name, _)| name),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DevTokenRequest {
    user_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DevToken {
    token: String,
    user_id: &'static str,
}

/// `POST /api/dev/token` (`--dev` only): a 12-hour token for [`DEV_USER`], for requests that
/// name this machine's loopback as their host.
pub(crate) async fn dev_token(
    State(auth): State<Auth>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<DevTokenRequest>,
) -> Result<Json<DevToken>, AppError> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !is_loopback_host(host) {
        return Err(AppError::Forbidden {
            code: "dev_host_refused",
            message: "dev tokens are only given to pages served from localhost or 127.0.0.1".into(),
        });
    }
    if body.user_id.as_deref().is_some_and(|u| u != DEV_USER) {
        return Err(AppError::Forbidden {
            code: "dev_user_fixed",
            message: format!("dev tokens are only for the demo user {DEV_USER:?}"),
        });
    }
    let Some(dev) = &auth.dev else {
        return Err(AppError::NotFound("route"));
    };
    Ok(Json(DevToken {
        token: dev.mint(DEV_USER, 12 * 3600)?,
        user_id: DEV_USER,
    }))
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_host_names() {
        for ok in [
            "localhost",
            "localhost:8787",
            "127.0.0.1:8787",
            "127.0.0.1",
            "[::1]:8787",
            "[::1]",
            "LOCALHOST:1",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "",
            "attacker.example",
            "attacker.example:8787",
            "localhost.attacker.example",
            "10.0.0.1:8787",
            "[::2]:1",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }
}
