//! The package's TypeScript declarations for the backend's answers (`BackendClient`'s
//! resolved values) match what the routes send, field by field.

#[path = "../../tests/support/dts.rs"]
mod dts;
mod support;

use reqwest::Method;
use serde_json::{json, Value};
use support::*;

#[tokio::test]
async fn backend_answers_match_the_declarations() {
    let decls = dts::Declarations::of_package(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let server = spawn(&[]).await;
    let token = server.token(&user("dts"));
    let project = server.project(&token, json!({"name": "Typer"})).await;
    server.set(&project, &token, "SECRET", "s", true).await;
    server.set(&project, &token, "PUBLIC", "p", false).await;
    let get = |path: String| {
        let (server, token) = (&server, &token);
        async move { server.call(Method::GET, &path, Some(token), None).await.1 }
    };
    let (_, started) = server
        .call(
            Method::POST,
            "/api/integrations/marketplace/start",
            Some(&token),
            Some(json!({"integrationType": "neon", "projectId": project})),
        )
        .await;
    let cases: Vec<(Value, &str)> = vec![
        (
            get("/api/projects".into()).await["projects"].clone(),
            "Project[]",
        ),
        (
            get(format!("/api/v0/projects/{project}/env-vars")).await["envVars"].clone(),
            "EnvVar[]",
        ),
        (started, "MarketplaceStart"),
        (
            get(format!(
                "/api/integrations/marketplace/records?projectId={project}"
            ))
            .await["records"]
                .clone(),
            "MarketplaceRecord[]",
        ),
        (
            get("/api/integrations/marketplace/strategy".into()).await,
            "MarketplaceStrategy",
        ),
        (
            get("/api/mcp/presets".into()).await["presets"].clone(),
            "McpPreset[]",
        ),
        (
            get("/api/integrations/status".into()).await,
            "IntegrationStatus",
        ),
    ];
    for (value, ty) in cases {
        assert!(
            value.as_array().is_none_or(|a| !a.is_empty()),
            "{ty}: nothing to check"
        );
        let problems = decls.check(&value, ty);
        assert!(problems.is_empty(), "{ty}:\n{}", problems.join("\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_answers_match_the_declarations() {
    let decls = dts::Declarations::of_package(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mcp = support::mcp_server::TestMcp::start(support::mcp_server::McpOptions {
        json: true,
        ..Default::default()
    })
    .await;
    let server = spawn(&["--mcp-allow-loopback"]).await;
    let token = server.token(&user("dts-mcp"));
    let call = |method: Method, path: String, body: Option<Value>| {
        let (server, token) = (&server, &token);
        async move { server.call(method, &path, Some(token), body).await.1 }
    };
    let created = call(
        Method::POST,
        "/api/mcp/servers".into(),
        Some(json!({"name": "typed", "url": mcp.url, "authKind": "headers", "headers": {"X-Key": "k"}})),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let project = server.project(&token, json!({"name": "p"})).await;
    let cases: Vec<(Value, &str)> = vec![
        (created, "McpServer"),
        (
            call(Method::GET, "/api/mcp/presets".into(), None).await["presets"].clone(),
            "McpPreset[]",
        ),
        (
            call(Method::GET, "/api/mcp/servers".into(), None).await["servers"].clone(),
            "McpServer[]",
        ),
        (
            call(
                Method::POST,
                format!("/api/mcp/servers/{id}/test"),
                Some(json!({})),
            )
            .await,
            "McpServerTest",
        ),
        (
            call(Method::GET, format!("/api/mcp/servers/{id}/tools"), None).await["tools"].clone(),
            "McpTool[]",
        ),
        (
            call(
                Method::POST,
                format!("/api/mcp/servers/{id}/tools/echo/call"),
                Some(json!({"arguments": {"text": "t"}})),
            )
            .await,
            "McpToolResult",
        ),
        (
            call(Method::GET, "/api/mcp/audit".into(), None).await["entries"].clone(),
            "McpAuditEntry[]",
        ),
        (
            call(
                Method::POST,
                format!("/api/projects/{project}/mcp-token"),
                Some(json!({})),
            )
            .await,
            "McpProjectToken",
        ),
    ];
    for (value, ty) in cases {
        assert!(
            value.as_array().is_none_or(|a| !a.is_empty()),
            "{ty}: nothing to check"
        );
        let problems = decls.check(&value, ty);
        assert!(
            problems.is_empty(),
            "{ty}: {value}\n{}",
            problems.join("\n")
        );
    }
}
