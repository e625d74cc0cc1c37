//! `GET /metrics`: behind its token; after some traffic (API routes, an upstream call, a
//! refused MCP call) the Prometheus exposition, parsed with a parser library, holds the counts
//! this traffic caused. One test in its own binary: the registry is the process's.

mod support;

use axum::routing::post;
use axum::{Json, Router};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::*;

fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Histogram(ref buckets) => {
                buckets.last().map_or(0.0, |b| b.count)
            }
            _ => f64::NAN,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_traffic_behind_their_token() {
    // A Vercel that creates projects (the env store provisions one per project).
    let app = Router::new().route(
        "/v11/projects",
        post(|| async { Json(json!({"id": "prj_metrics", "name": "m"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let vercel = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let server = spawn(&[
        "--metrics-token",
        "scrape-secret",
        "--env-store",
        "vercel",
        "--vercel-token",
        "platform-token",
        "--vercel-api-url",
        &vercel,
    ])
    .await;
    let token = server.token(&user("metrics"));
    for _ in 0..3 {
        let (status, _) = server.call(Method::GET, "/api/health", None, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let project = server.project(&token, json!({})).await;
    for _ in 0..2 {
        server
            .call(Method::GET, "/api/projects", Some(&token), None)
            .await;
    }
    let (status, _) = server
        .call(Method::GET, "/api/no/such/route", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A refused MCP tool call (a server that is disabled).
    let (_, added) = server
        .call(
            Method::POST,
            "/api/mcp/servers",
            Some(&token),
            Some(json!({"name": "off", "url": "https://mcp.example/mcp", "enabled": false})),
        )
        .await;
    let id = added["id"].as_str().unwrap();
    server
        .call(
            Method::POST,
            &format!("/api/mcp/servers/{id}/tools/echo/call"),
            Some(&token),
            Some(json!({})),
        )
        .await;

    let scrape_with = |auth: Option<&str>| {
        let request = server.client.get(format!("{}/metrics", server.base));
        let request = match auth {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        async move { request.send().await.unwrap() }
    };
    assert_eq!(scrape_with(None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape_with(Some("wrong")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let response = scrape_with(Some("scrape-secret")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let requests = "sajtmaskin_http_requests_total";
    assert_eq!(
        sample(
            &scrape,
            requests,
            &[
                ("route", "/api/health"),
                ("method", "GET"),
                ("status", "200")
            ]
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &scrape,
            requests,
            &[
                ("route", "/api/projects"),
                ("method", "GET"),
                ("status", "200")
            ]
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &scrape,
            requests,
            &[
                ("route", "/api/projects"),
                ("method", "POST"),
                ("status", "200")
            ]
        ),
        Some(1.0)
    );
    // (prometheus-parse misreads `{` inside a label value; this one line is checked as text.)
    assert!(
        text.contains(
            r#"sajtmaskin_http_requests_total{method="GET",route="/api/{*rest}",status="404"} 1"#
        ),
        "the unknown route counted under the catch-all"
    );
    assert_eq!(
        sample(
            &scrape,
            "sajtmaskin_http_request_duration_seconds_count",
            &[("route", "/api/projects"), ("method", "GET")]
        )
        .or_else(|| sample(
            &scrape,
            "sajtmaskin_http_request_duration_seconds",
            &[("route", "/api/projects"), ("method", "GET")]
        )),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &scrape,
            "sajtmaskin_upstream_calls_total",
            &[
                ("upstream", "Vercel"),
                ("operation", "POST /v11/projects"),
                ("status", "200")
            ]
        ),
        Some(1.0),
        "{project}"
    );
    assert_eq!(
        sample(
            &scrape,
            "sajtmaskin_mcp_calls_total",
            &[("via", "api"), ("outcome", "mcp_server_disabled")]
        ),
        Some(1.0)
    );
    assert!(sample(
        &scrape,
        "sajtmaskin_db_pool_connections",
        &[("state", "open")]
    )
    .is_some_and(|n| n >= 1.0));
    assert!(!text.contains("platform-token") && !text.contains(&token));
}
