//! The router: per-feature route modules, the demo's static files, and the layers every request
//! passes (body size and read time, CORS, tracing without query strings). Nothing here builds
//! state ([`AppState::from_config`]) or serves connections ([`crate::serve`]).

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, Request};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use sajtmaskin_integrations::wire::MAX_BODY_BYTES;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;
use crate::{auth, demo, env_vars, integrations, mcp, projects, vercel};

/// Headers on every answer. The demo page runs only its own module script and the wasm it
/// compiles (`'wasm-unsafe-eval'`), sets styles only through the CSSOM, talks only to this
/// origin, and no page of this server (the dev page that fetches a token included) may be
/// framed. The OAuth callbacks carry codes in their query, so no page sends a referrer.
const SECURITY_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

/// Request ids: `req_` and 24 random hex digits.
#[derive(Clone, Copy)]
struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&crate::ids::new_id("req"))
            .ok()
            .map(RequestId::new)
    }
}

/// The router for `state` as `config` asks: demo routes only with `--dev` or `--demo`, the dev
/// token only with `--dev`.
pub fn router(state: AppState, config: &Config) -> Result<Router, String> {
    config.check()?;
    let mut api = Router::new()
        .route("/api/health", get(health))
        .route("/readyz", get(ready))
        .merge(projects::routes())
        .merge(env_vars::routes())
        .merge(integrations::routes())
        .merge(vercel::routes())
        .merge(crate::v0::chats::routes())
        .merge(mcp::routes())
        .merge(crate::verify::routes());
    if config.dev || config.demo {
        api = api.merge(demo::routes());
    }
    if config.dev {
        api = api.route("/api/dev/token", post(auth::dev_token));
    }
    // Every answer under /api is JSON, unknown routes and methods included. Each routed
    // request is counted and timed under its route template.
    let api = api
        .route("/api/{*rest}", any(unknown_route))
        .route("/metrics", get(metrics))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(axum::middleware::from_fn(crate::metrics::track));
    // The MCP endpoint for v0: answers only to the project's token.
    let endpoint = Router::new()
        .route_service("/mcp/{project_id}", mcp::endpoint::service(state.clone()))
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(axum::middleware::from_fn(mcp::endpoint::check_message))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mcp::endpoint::authenticate,
        ));
    let mut app = api
        .with_state(state)
        .merge(endpoint)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // The module as `application/wasm` (so browsers compile it while it downloads), from
        // its brotli or gzip copy when the browser accepts one (scripts/build-pkg.sh makes them).
        .nest_service(
            "/pkg",
            ServeDir::new(&config.pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .fallback_service(
            ServeDir::new(&config.www_dir)
                .precompressed_br()
                .precompressed_gzip(),
        );
    if config.dev || config.demo {
        app = app.nest_service("/fixtures", ServeDir::new(&config.fixtures_dir));
    }
    // Every body, on every route and the fallbacks, is read under one deadline and limit.
    let limits = crate::transport::BodyLimits {
        deadline: Duration::from_secs(config.body_read_timeout_secs),
        max_bytes: MAX_BODY_BYTES,
    };
    let app = app.layer(axum::middleware::from_fn(
        move |request: Request<axum::body::Body>, next: axum::middleware::Next| {
            crate::transport::read_body(limits, request, next)
        },
    ));
    // Spans carry the method, the path (never the query string: it may hold a code or a token
    // in an OAuth callback) and the request's id: ours (`req_…`) unless the caller sent an
    // `x-request-id`, returned as `x-request-id` on the answer.
    let mut app = app
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(
            |request: &Request<axum::body::Body>| {
                // A caller's id is logged only in a plain, short form.
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| {
                        v.len() <= 64
                            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
                    })
                    .unwrap_or("invalid");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            },
        ))
        .layer(SetRequestIdLayer::x_request_id(RequestIds));
    for (name, value) in SECURITY_HEADERS {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            axum::http::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    if !config.cors_origins.is_empty() {
        let origins = config
            .cors_origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim())
                    .map_err(|_| format!("CORS_ORIGINS: bad origin {o:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        app = app.layer(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
                .allow_headers([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::CONTENT_TYPE,
                ]),
        );
    }
    Ok(app)
}

/// `GET /api/health`: up, the version, and how many stored values did not open with the
/// keyring at start (a count, never which).
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Json<serde_json::Value> {
    let unreadable = state.unreadable.load(std::sync::atomic::Ordering::Relaxed);
    Json(
        serde_json::json!({ "ok": true, "version": env!("CARGO_PKG_VERSION"), "unreadableValues": unreadable }),
    )
}

/// `GET /readyz`: 200 when the database answers within 2 s, 503 `storage_unavailable`
/// otherwise (a load balancer's readiness check).
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Json<serde_json::Value>, AppError> {
    let check = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.db.pool);
    match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(_)) => Ok(Json(serde_json::json!({ "ready": true }))),
        Ok(Err(e)) => Err(AppError::Database(e)),
        Err(_) => Err(AppError::Database(sqlx::Error::PoolTimedOut)),
    }
}

/// `GET /metrics` with `Authorization: Bearer <METRICS_TOKEN>` (404 without the setting).
async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    use subtle::ConstantTimeEq;
    let Some(expected) = state.metrics_token.as_deref() else {
        return Err(AppError::NotFound("route"));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(AppError::Unauthorized(
            "expected Authorization: Bearer <METRICS_TOKEN>",
        ));
    }
    let idle = i64::try_from(state.db.pool.num_idle()).unwrap_or(i64::MAX);
    let text = crate::metrics::render(i64::from(state.db.pool.size()), idle)
        .map_err(AppError::Internal)?;
    let mut response = text.into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}

async fn unknown_route() -> AppError {
    AppError::NotFound("route")
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
