//! The project's MCP endpoint on any body, with the project's token: never a 5xx, never a
//! panic; a body that is not one JSON-RPC message is a 400 carrying a JSON-RPC error.
#![no_main]

#[path = "support/app.rs"]
mod support;

use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let app = support::app();
    let request = Request::post(app.mcp_path.as_str())
        .header("authorization", format!("Bearer {}", app.mcp_token))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(Body::from(body.to_vec()))
        .expect("request");
    let (status, answer) = support::send(request);
    assert!(!status.is_server_error(), "{status}: {}", String::from_utf8_lossy(&answer));
    if status.as_u16() == 400 {
        let error: serde_json::Value = serde_json::from_slice(&answer).expect("a JSON answer");
        assert!(error["error"]["code"].is_i64() || error["error"]["code"].is_string(), "{error}");
    }
});
