//! Prometheus metrics, one registry for the process: HTTP requests (count and latency per
//! route template), upstream calls (per upstream, operation and status), MCP tool calls,
//! webhook events, and the database pool. `GET /metrics` (in `app.rs`) serves them in the text
//! exposition format only with `METRICS_TOKEN` set, to a caller that sends it as a bearer token.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric the server keeps.
pub struct Metrics {
    registry: Registry,
    /// `sajtmaskin_http_requests_total{route, method, status}`.
    pub http_requests: IntCounterVec,
    /// `sajtmaskin_http_request_duration_seconds{route, method}` (to the answer's head).
    pub http_duration: HistogramVec,
    /// `sajtmaskin_upstream_calls_total{upstream, operation, status}`.
    pub upstream_calls: IntCounterVec,
    /// `sajtmaskin_mcp_calls_total{via, outcome}` (outcome `ok` or the error code).
    pub mcp_calls: IntCounterVec,
    /// `sajtmaskin_webhook_events_total{source, kind}` (kind `new` or `duplicate`).
    pub webhook_events: IntCounterVec,
    /// `sajtmaskin_db_pool_connections{state}` (`open`, `idle`), read at each scrape.
    pub db_pool: IntGaugeVec,
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let metric = IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| {
        unreachable!("a fixed metric definition is valid: {e}");
    });
    let _ = registry.register(Box::new(metric.clone()));
    metric
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    let http_duration = HistogramVec::new(
        HistogramOpts::new(
            "sajtmaskin_http_request_duration_seconds",
            "Time to the answer's head, per route template",
        ),
        &["route", "method"],
    )
    .unwrap_or_else(|e| unreachable!("a fixed metric definition is valid: {e}"));
    let _ = registry.register(Box::new(http_duration.clone()));
    let db_pool = IntGaugeVec::new(
        Opts::new(
            "sajtmaskin_db_pool_connections",
            "Database pool connections",
        ),
        &["state"],
    )
    .unwrap_or_else(|e| unreachable!("a fixed metric definition is valid: {e}"));
    let _ = registry.register(Box::new(db_pool.clone()));
    Metrics {
        http_requests: counter(
            &registry,
            "sajtmaskin_http_requests_total",
            "HTTP requests per route template and status",
            &["route", "method", "status"],
        ),
        http_duration,
        upstream_calls: counter(
            &registry,
            "sajtmaskin_upstream_calls_total",
            "Calls to v0 and Vercel per operation and status",
            &["upstream", "operation", "status"],
        ),
        mcp_calls: counter(
            &registry,
            "sajtmaskin_mcp_calls_total",
            "MCP tool calls (refused ones included)",
            &["via", "outcome"],
        ),
        webhook_events: counter(
            &registry,
            "sajtmaskin_webhook_events_total",
            "Webhook deliveries",
            &["source", "kind"],
        ),
        db_pool,
        registry,
    }
});

/// An upstream path as an operation: `{id}` for every segment that is not a plain word or
/// an API version (`/v10/projects/{id}/env`, `/chats/{id}/messages/resolve/stream`).
pub fn operation(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let word = s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
            let version = s
                .strip_prefix('v')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if word || version {
                s
            } else {
                "{id}"
            }
        })
        .collect();
    format!("{method} /{}", segments.join("/"))
}

/// Middleware on the routed routers: counts and times each request under its route template.
pub async fn track(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let route = matched.map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    METRICS
        .http_requests
        .with_label_values(&[route.as_str(), method.as_str(), response.status().as_str()])
        .inc();
    METRICS
        .http_duration
        .with_label_values(&[route.as_str(), method.as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The exposition text of every metric, with the pool gauges set to `open` and `idle` first.
pub fn render(open: i64, idle: i64) -> Result<Vec<u8>, String> {
    METRICS.db_pool.with_label_values(&["open"]).set(open);
    METRICS.db_pool.with_label_values(&["idle"]).set(idle);
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(&METRICS.registry.gather(), &mut text)
        .map_err(|e| e.to_string())?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn upstream_paths_become_operations() {
        assert_eq!(
            super::operation("GET", "/v10/projects/prj_abc/env"),
            "GET /v10/projects/{id}/env"
        );
        assert_eq!(
            super::operation("POST", "/api/v2/chats/Q4czSoHSfNt/messages/resolve/stream"),
            "POST /api/v2/chats/{id}/messages/resolve/stream"
        );
        assert_eq!(
            super::operation("DELETE", "/v9/projects/p1/env/env_X"),
            "DELETE /v9/projects/{id}/env/{id}"
        );
    }
}
