//! HTTP to v0 and Vercel (reqwest, rustls) and the one mapping of their failures to ours.
//! URLs are built from path segments, each percent-encoded on its own, so no id can add a
//! path level, a query or a fragment. Failures map as follows:
//! 401/403 → 502 `upstream_auth`, 404 → 404, 409 → 409, 429 → 429 with `Retry-After`,
//! 5xx → 502, timeout → 504. Upstream bodies are never echoed (they could hold values).

use std::time::Duration;

use axum::http::StatusCode;
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// An upstream failure, already mapped to the status and code we answer with. Never holds
/// the upstream's body (it could hold values).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct UpstreamError {
    /// Our status for it.
    pub status: StatusCode,
    /// Stable code, e.g. `upstream_auth`.
    pub code: &'static str,
    /// Names the upstream and what failed.
    pub message: String,
    /// `Retry-After` to pass on (429 only).
    pub retry_after: Option<String>,
}

impl UpstreamError {
    /// 502 `upstream_error`: the upstream answered something we cannot use.
    pub fn bad_answer(message: impl Into<String>) -> Self {
        UpstreamError {
            status: StatusCode::BAD_GATEWAY,
            code: "upstream_error",
            message: message.into(),
            retry_after: None,
        }
    }
}

/// What every upstream request names itself as.
pub const USER_AGENT: &str = concat!("sajtmaskin-integrations/", env!("CARGO_PKG_VERSION"));

/// A configured upstream API.
#[derive(Clone)]
pub struct Upstream {
    client: reqwest::Client,
    base: reqwest::Url,
    token: String,
    /// Vercel's `teamId`, sent with every request when set.
    team_id: Option<String>,
    /// A name for messages: "v0" or "Vercel".
    pub name: &'static str,
}

impl Upstream {
    /// A client for `base` with `token` (and a team for Vercel). Redirects are not followed:
    /// a redirect would carry our token to wherever it points.
    pub fn new(
        name: &'static str,
        base: &str,
        token: &str,
        team_id: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("{name} client: {e}"))?;
        let base = reqwest::Url::parse(base.trim_end_matches('/'))
            .map_err(|e| format!("{name} API URL: {e}"))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(format!("{name} API URL must be an http(s) URL"));
        }
        Ok(Upstream {
            client,
            base,
            token: token.to_owned(),
            team_id: team_id.map(str::to_owned),
            name,
        })
    }

    /// An authenticated request to the base URL plus `segments`, each one path segment
    /// (percent-encoded: `/`, `?`, `#` and `..` inside a segment stay inside it).
    pub fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        self.build(method, segments, "application/json")
    }

    /// [`Upstream::request`] for an answer streamed as server-sent events.
    pub fn stream_request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        self.build(method, segments, "text/event-stream")
    }

    fn build(&self, method: Method, segments: &[&str], accept: &'static str) -> RequestBuilder {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        let request = self
            .client
            .request(method, url)
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, accept);
        match &self.team_id {
            Some(team) => request.query(&[("teamId", team)]),
            None => request,
        }
    }

    /// The same API with other credentials (a user's own token and team), sharing the client.
    pub fn with_credentials(&self, token: &str, team_id: Option<&str>) -> Upstream {
        Upstream {
            token: token.to_owned(),
            team_id: team_id.map(str::to_owned),
            ..self.clone()
        }
    }

    /// An unauthenticated form POST to the base URL plus `segments` (an OAuth token exchange:
    /// the credentials are in the form).
    pub fn form(&self, segments: &[&str], fields: &[(&str, &str)]) -> RequestBuilder {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        self.client.post(url).form(fields)
    }

    /// Sends and checks the status; the response of a success.
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, UpstreamError> {
        let (client, request) = request.build_split();
        let request = request.map_err(|e| self.send_error(&e))?;
        let operation = crate::metrics::operation(request.method().as_str(), request.url().path());
        let result = client.execute(request).await;
        let status = match &result {
            Ok(response) => response.status().as_str().to_owned(),
            Err(e) if e.is_timeout() => "timeout".to_owned(),
            Err(_) => "unreachable".to_owned(),
        };
        crate::metrics::METRICS
            .upstream_calls
            .with_label_values(&[self.name, operation.as_str(), status.as_str()])
            .inc();
        let response = result.map_err(|e| self.send_error(&e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.status_error(&response))
    }

    /// Sends and decodes a JSON success body.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, UpstreamError> {
        let response = self.send(request).await?;
        response.json::<T>().await.map_err(|e| self.send_error(&e))
    }

    fn send_error(&self, e: &reqwest::Error) -> UpstreamError {
        let (status, code, what) = if e.is_timeout() {
            (
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "did not answer in time",
            )
        } else if e.is_decode() {
            (
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                "sent a body we could not read",
            )
        } else {
            (
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
                "could not be reached",
            )
        };
        UpstreamError {
            status,
            code,
            message: format!("{} {what}", self.name),
            retry_after: None,
        }
    }

    fn status_error(&self, response: &Response) -> UpstreamError {
        let name = self.name;
        let (status, code, message) = match response.status().as_u16() {
            401 | 403 => (
                StatusCode::BAD_GATEWAY,
                "upstream_auth",
                format!("{name} refused our credentials"),
            ),
            404 => (
                StatusCode::NOT_FOUND,
                "upstream_not_found",
                format!("{name} does not know this project or variable"),
            ),
            409 => (
                StatusCode::CONFLICT,
                "env_var_exists",
                format!("{name}: the variable already exists (use upsert)"),
            ),
            429 => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("{name} is rate limiting us"),
            ),
            400 | 422 => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "upstream_rejected",
                format!("{name} rejected the request"),
            ),
            _ => (
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                format!("{name} failed ({})", response.status()),
            ),
        };
        let retry_after = (status == StatusCode::TOO_MANY_REQUESTS).then(|| {
            response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
                .unwrap_or("60")
                .to_owned()
        });
        UpstreamError {
            status,
            code,
            message,
            retry_after,
        }
    }
}
