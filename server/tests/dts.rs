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
