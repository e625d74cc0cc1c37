//! The whole backend router on a temporary SQLite data dir, built once per fuzz process, with
//! a user, a project and its MCP token; requests go through `tower::ServiceExt::oneshot`, so
//! every layer (the body deadline and limit, authentication, the MCP endpoint's checks) runs.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use tower::ServiceExt;

/// The Vercel integration's client secret (webhooks are signed with it).
pub const CLIENT_SECRET: &str = "fuzz_client_secret";

pub struct App {
    pub runtime: tokio::runtime::Runtime,
    pub router: axum::Router,
    /// `/mcp/{project}`.
    pub mcp_path: String,
    /// The project's MCP token.
    pub mcp_token: String,
    _dir: tempfile::TempDir,
}

pub fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary data dir");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let config = sajtmaskin_server::config::Config::try_parse_from([
            "fuzz",
            "--data-dir",
            &dir.path().display().to_string(),
            "--auth-jwt-secret",
            "fuzz-secret-fuzz-secret-fuzz-secret!",
            "--vercel-client-id",
            "cid",
            "--vercel-client-secret",
            CLIENT_SECRET,
            "--vercel-integration-slug",
            "fuzz",
            "--public-url",
            "https://builder.example",
            // Nothing outbound: upstream calls fail fast.
            "--vercel-api-url",
            "http://127.0.0.1:9",
        ])
        .expect("settings");
        let (router, mcp_path, mcp_token) = runtime.block_on(async {
            let state = sajtmaskin_server::start_state(&config).await.expect("state");
            let router = sajtmaskin_server::app::router(state, &config).expect("router");
            let jwt = sajtmaskin_server::state::jwt(&config).expect("jwt");
            let user = jwt.mint("fuzz-user", 3600).expect("token");
            let call = |path: String, body: &str| {
                Request::post(path)
                    .header("authorization", format!("Bearer {user}"))
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_owned()))
                    .expect("request")
            };
            let project = json(&router, call("/api/projects".into(), "{}")).await;
            let id = project["id"].as_str().expect("project id").to_owned();
            let minted = json(&router, call(format!("/api/projects/{id}/mcp-token"), "{}")).await;
            let token = minted["token"].as_str().expect("mcp token").to_owned();
            (router, format!("/mcp/{id}"), token)
        });
        App {
            runtime,
            router,
            mcp_path,
            mcp_token,
            _dir: dir,
        }
    })
}

async fn json(router: &axum::Router, request: Request<Body>) -> serde_json::Value {
    let response = router.clone().oneshot(request).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// Sends `request` through the router: (status, body).
pub fn send(request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let app = app();
    app.runtime.block_on(async {
        let response = app.router.clone().oneshot(request).await.expect("an answer");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        (status, bytes)
    })
}
