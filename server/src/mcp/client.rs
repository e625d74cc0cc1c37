//! Talking to a user's MCP server with the official SDK's streamable-HTTP client, over a
//! client from the egress guard, with that server's own credentials. One connection per
//! operation: nothing of one user's session outlives the request that needed it.
//!
//! The client probes the stateless protocol (`server/discover`) and falls back to
//! `initialize`; a session the server has expired (404) is re-initialized and the request
//! retried once, by the SDK. Every failure becomes a coded error; error texts are logged at
//! debug level with URLs cut out (a Zapier URL is itself a credential).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use rmcp::model::{CallToolRequestParams, JsonObject, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use serde::Serialize;
use serde_json::Value;

use futures_util::StreamExt;
use rmcp::model::ClientJsonRpcMessage;
use rmcp::transport::common::client_side_sse::BoxedSseResponse as BoxedSseStream;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
    StreamableHttpResponseLimits,
};

use super::servers::{AuthKind, Secrets, Server};
use crate::egress::{EgressPolicy, Guard, Refusal};
use crate::error::AppError;
use crate::upstream::UpstreamError;

/// The guarded reqwest client as the SDK's HTTP client: every call goes to reqwest's own
/// implementation (which enforces the size limits); SSE streams are watched so that an event
/// over the limit, which the SDK reports only as a closed transport, is recorded on the guard.
#[derive(Clone)]
struct Watched {
    inner: reqwest::Client,
    guard: Arc<Guard>,
}

fn watch(guard: &Arc<Guard>, stream: BoxedSseStream) -> BoxedSseStream {
    let guard = Arc::clone(guard);
    Box::pin(stream.inspect(move |item| {
        if let Err(error) = item {
            note(&guard, &chain(error), false);
        }
    }))
}

/// Records on the guard what an error text (or reqwest's own timeout flag) says: an answer
/// over the size limit, or a deadline passed. The SDK keeps neither when it closes the
/// transport.
fn note(guard: &Guard, text: &str, timed_out: bool) {
    if text.contains("exceeded the maximum size") {
        guard.refuse(Refusal::TooLarge);
    } else if timed_out || text.contains("timed out") {
        guard.refuse(Refusal::Timeout);
    }
}

impl Watched {
    /// `response` with its SSE stream, if it has one, watched.
    fn watched(&self, response: StreamableHttpPostResponse) -> StreamableHttpPostResponse {
        match response {
            StreamableHttpPostResponse::Sse(stream, id) => {
                StreamableHttpPostResponse::Sse(watch(&self.guard, stream), id)
            }
            other => other,
        }
    }
}

impl StreamableHttpClient for Watched {
    type Error = reqwest::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        let response = self
            .inner
            .post_message(uri, message, session_id, auth_header, custom_headers)
            .await?;
        Ok(self.watched(response))
    }

    async fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        let response = self
            .inner
            .post_message_with_response_limits(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                limits,
            )
            .await
            .inspect_err(|error| {
                let timed_out = matches!(error, StreamableHttpError::Client(e) if e.is_timeout());
                note(&self.guard, &chain(error), timed_out);
            })?;
        Ok(self.watched(response))
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), StreamableHttpError<Self::Error>> {
        self.inner
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<BoxedSseStream, StreamableHttpError<Self::Error>> {
        let stream = self
            .inner
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
            .await?;
        Ok(watch(&self.guard, stream))
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<BoxedSseStream, StreamableHttpError<Self::Error>> {
        let stream = self
            .inner
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await?;
        Ok(watch(&self.guard, stream))
    }
}

/// A live connection and the guard of its HTTP client.
pub struct Connection {
    service: RunningService<RoleClient, ()>,
    guard: Arc<Guard>,
    policy: EgressPolicy,
}

fn coded(status: StatusCode, code: &'static str, message: &str) -> AppError {
    AppError::Upstream(UpstreamError {
        status,
        code,
        message: message.to_owned(),
        retry_after: None,
    })
}

/// `text` with every `http://…`/`https://…` run replaced by `<url>`.
fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("http") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let end = tail
                .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>'))
                .unwrap_or(tail.len());
            out.push_str("<url>");
            rest = &tail[end..];
        } else {
            out.push_str("http");
            rest = &tail[4..];
        }
    }
    out.push_str(rest);
    out
}

/// The chain of `error`'s messages, one string.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

impl Connection {
    /// The coded error for a failed operation: a refusal of the guard first, then what the
    /// error says.
    fn failure(guard: &Guard, error: &(dyn std::error::Error + 'static)) -> AppError {
        if let Some(refusal) = guard.refusal() {
            return AppError::Upstream(refusal);
        }
        let text = chain(error);
        tracing::debug!(error = %redact_urls(&text), "MCP request failed");
        let lower = text.to_ascii_lowercase();
        if lower.contains("exceeded the maximum size") {
            AppError::Upstream(crate::egress::too_large())
        } else if lower.contains("auth required") || lower.contains("401") {
            coded(
                StatusCode::BAD_GATEWAY,
                "mcp_auth_failed",
                "the MCP server refused the credentials (reconnect OAuth or replace the token)",
            )
        } else if lower.contains("timed out") || lower.contains("timeout") {
            Self::timeout()
        } else {
            coded(
                StatusCode::BAD_GATEWAY,
                "mcp_unreachable",
                "the MCP server could not be reached or did not speak MCP",
            )
        }
    }

    fn timeout() -> AppError {
        AppError::Upstream(crate::egress::timed_out())
    }

    /// Connects to `server` with `secrets` (the access token already fresh).
    pub async fn open(
        policy: &EgressPolicy,
        server: &Server,
        secrets: Option<&Secrets>,
    ) -> Result<Connection, AppError> {
        let url = super::servers::target(server, secrets)?;
        policy.check_url(url)?;
        let (client, guard) = policy.client()?;
        let mut config = StreamableHttpClientTransportConfig::with_uri(url)
            .max_sse_event_size(policy.max_answer_bytes)
            .max_json_response_size(policy.max_answer_bytes)
            .max_error_response_size(4096);
        config.reinit_on_expired_session = true;
        let missing = || AppError::Conflict {
            code: "mcp_credentials_missing",
            message: "this server's credentials are not set (or were dropped when its URL changed)"
                .into(),
        };
        match server.auth_kind {
            AuthKind::None => {}
            AuthKind::Bearer => {
                let token = secrets
                    .and_then(|s| s.bearer.as_deref())
                    .ok_or_else(missing)?;
                config = config.auth_header(token);
            }
            AuthKind::Headers => {
                if secrets.is_none_or(|s| s.headers.is_empty()) {
                    return Err(missing());
                }
            }
            AuthKind::Oauth => {
                let token = secrets
                    .and_then(|s| s.oauth.as_ref())
                    .and_then(|o| o.access_token.as_deref())
                    .ok_or(AppError::Conflict {
                        code: "mcp_oauth_required",
                        message: "connect this server with OAuth first (oauth/start)".into(),
                    })?;
                config = config.auth_header(token);
            }
        }
        let mut headers = HashMap::new();
        for (name, value) in secrets.map(|s| &s.headers).into_iter().flatten() {
            let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                continue;
            };
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        config = config.custom_headers(headers);
        let client = Watched {
            inner: client,
            guard: Arc::clone(&guard),
        };
        let transport = StreamableHttpClientTransport::with_client(client, config);
        let lifecycle = ClientLifecycleMode::Auto {
            preferred_versions: vec![ProtocolVersion::LATEST],
            legacy_version: Some(ProtocolVersion::LATEST_WITH_INITIALIZE),
        };
        let started = tokio::time::timeout(
            policy.timeout,
            ().serve_with_lifecycle(transport, lifecycle),
        )
        .await;
        let service = match started {
            Err(_) => {
                return Err(guard
                    .refusal()
                    .map_or_else(Self::timeout, AppError::Upstream))
            }
            Ok(Err(error)) => return Err(Self::failure(&guard, &error)),
            Ok(Ok(service)) => service,
        };
        Ok(Connection {
            service,
            guard,
            policy: policy.clone(),
        })
    }

    /// Who answered.
    pub fn info(&self) -> ServerInfo {
        let info = self.service.peer_info();
        ServerInfo {
            name: info
                .as_ref()
                .and_then(|i| i.server_info.as_ref())
                .map(|s| s.name.clone()),
            version: info
                .as_ref()
                .and_then(|i| i.server_info.as_ref())
                .map(|s| s.version.clone()),
            protocol_version: info.as_ref().map(|i| i.protocol_version.to_string()),
        }
    }

    /// Every tool, all pages.
    pub async fn tools(&self) -> Result<Vec<rmcp::model::Tool>, AppError> {
        match tokio::time::timeout(outer_deadline(&self.policy), self.service.list_all_tools())
            .await
        {
            Err(_) => Err(Self::timeout()),
            Ok(Err(error)) => Err(Self::failure(&self.guard, &error)),
            Ok(Ok(tools)) => Ok(tools),
        }
    }

    /// Calls `tool`; a tool's own failure comes back as `isError: true`, not as an error.
    pub async fn call(&self, tool: &str, arguments: JsonObject) -> Result<ToolResult, AppError> {
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        let result =
            tokio::time::timeout(outer_deadline(&self.policy), self.service.call_tool(params))
                .await;
        match result {
            Err(_) => Err(Self::timeout()),
            Ok(Err(rmcp::ServiceError::McpError(error))) => Ok(ToolResult {
                content: vec![serde_json::json!({"type": "text", "text": error.message})],
                structured_content: None,
                is_error: true,
            }),
            Ok(Err(error)) => Err(Self::failure(&self.guard, &error)),
            Ok(Ok(result)) => Ok(ToolResult {
                content: result
                    .content
                    .iter()
                    .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
                    .collect(),
                structured_content: result.structured_content,
                is_error: result.is_error.unwrap_or(false),
            }),
        }
    }

    /// Ends the session (a DELETE for stateful servers).
    pub async fn close(self) {
        let _ = self.service.cancel().await;
    }
}

/// Who answered a connection.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    name: Option<String>,
    version: Option<String>,
    protocol_version: Option<String>,
}

/// A tool call's answer as the API (and the MCP endpoint) passes it on.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResult {
    /// MCP content blocks, as the server sent them.
    pub content: Vec<Value>,
    /// The structured result, when the server gave one.
    pub structured_content: Option<Value>,
    /// The tool failed (the call itself worked).
    pub is_error: bool,
}

/// The deadline of a whole step (connect, list, call): a second after each request's own, so
/// that a request's timeout is seen (and named) first.
fn outer_deadline(policy: &EgressPolicy) -> std::time::Duration {
    policy.timeout + std::time::Duration::from_secs(1)
}

/// Milliseconds since `start`.
pub fn elapsed_ms(start: Instant) -> i64 {
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_cut_out_of_error_texts() {
        assert_eq!(
            super::redact_urls("error sending request for url (https://hooks.zapier.com/s/abc) then http://x y httpd"),
            "error sending request for url (<url>) then <url> y httpd"
        );
    }
}
