//! A project's v0 chats: started and resumed through the backend against a fake v0 that
//! records what it receives. The platform key only acts on chats the server started for the
//! project.

mod support;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

const STARTED: &str = "data: {\"object\":\"chat\",\"id\":\"chat_abc\"}\n\ndata: {\"object\":\"chat.title\",\"delta\":\"Gästbok\"}\n\ndata: [DONE]\n\n";
const RESUMED: &str = "data: {\"object\":\"message\",\"id\":\"m2\",\"chatId\":\"chat_abc\",\"parts\":[{\"type\":\"text\",\"text\":\"Klart\"}],\"finishReason\":\"stop\"}\n\n";

async fn fake_v0() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let auth = |headers: &HeaderMap| {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let app = Router::new()
        .route(
            "/v1/chats",
            post(
                move |State(seen): State<Seen>, headers: HeaderMap, body: Bytes| async move {
                    seen.lock().unwrap().push((
                        "/v1/chats".into(),
                        auth(&headers),
                        serde_json::from_slice(&body).unwrap_or(Value::Null),
                    ));
                    ([("content-type", "text/event-stream")], STARTED)
                },
            ),
        )
        .route(
            "/v1/chats/{id}/messages/resolve/stream",
            post(
                move |State(seen): State<Seen>,
                      Path(id): Path<String>,
                      headers: HeaderMap,
                      body: Bytes| async move {
                    seen.lock().unwrap().push((
                        format!("/v1/chats/{id}/messages/resolve/stream"),
                        auth(&headers),
                        serde_json::from_slice(&body).unwrap_or(Value::Null),
                    ));
                    ([("content-type", "text/event-stream")], RESUMED)
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

async fn post_stream(
    server: &TestServer,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, String) {
    let response = server
        .client
        .post(format!("{}{path}", server.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_project_chat_is_started_recorded_and_resumed_with_the_installed_integrations() {
    let (fake_base, seen) = fake_v0().await;
    let server = spawn(&[
        "--v0-api-key",
        "platform-v0-key",
        "--v0-api-url",
        &format!("{fake_base}/v1"),
    ])
    .await;
    let owner = user("vera");
    let token = server.token(&owner);
    let project = server.project(&token, json!({})).await;

    let (status, body) = post_stream(
        &server,
        &format!("/api/projects/{project}/chats"),
        &token,
        json!({"message": "Bygg en gästbok"}),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, STARTED),
        "v0's bytes, unchanged"
    );
    assert_eq!(seen.lock().unwrap()[0].1, "Bearer platform-v0-key");
    // The chat id was recorded as the stream passed (asynchronously: wait for it).
    for _ in 0..50 {
        if server.count("project_chats").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(server.count("project_chats").await, 1);

    // What the project has: Neon installed (with its keys), a key set by the user.
    let started = server.start_install(&token, "neon", &project).await;
    let pool = server.pool().await;
    sqlx::query("UPDATE user_integrations SET status = 'installed', env_keys = $1 WHERE id = $2")
        .bind(r#"[{"key":"DATABASE_URL","target":["production"]},{"key":"PGHOST","target":["production"]}]"#)
        .bind(started["record"]["id"].as_str().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    server
        .set(
            &project,
            &token,
            "STRIPE_SECRET_KEY",
            "sk_test_never_sent",
            true,
        )
        .await;
    let upstash = server.start_install(&token, "upstash", &project).await;
    assert_eq!(upstash["record"]["status"], "pending");

    let (status, body) = post_stream(
        &server,
        &format!("/api/projects/{project}/chat/resolve"),
        &token,
        json!({"chatId": "chat_abc"}),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, RESUMED));
    let call = seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(
        (call.0.as_str(), call.1.as_str()),
        (
            "/v1/chats/chat_abc/messages/resolve/stream",
            "Bearer platform-v0-key"
        )
    );
    assert_eq!(
        call.2,
        json!({"task": {"type": "confirmed-steps", "connectedIntegrationNames": ["Neon"], "connectedMcpPresetNames": [],
            "addedEnvVars": ["DATABASE_URL", "PGHOST", "STRIPE_SECRET_KEY"], "appliedScripts": []}}),
        "exactly the installed integration (not the pending one) and the keys, never values"
    );

    // A chat the server did not start for this project: refused before v0 is called.
    let calls_before = seen.lock().unwrap().len();
    for (chat, who) in [("chat_other", &token), ("../../v2/user", &token)] {
        let (status, _) = post_stream(
            &server,
            &format!("/api/projects/{project}/chat/resolve"),
            who,
            json!({"chatId": chat}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{chat}");
    }
    let other = server.token(&user("wilma"));
    let theirs = server.project(&other, json!({})).await;
    let (status, _) = post_stream(
        &server,
        &format!("/api/projects/{theirs}/chat/resolve"),
        &other,
        json!({"chatId": "chat_abc"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another user's project does not reach this chat"
    );
    let (status, _) = post_stream(
        &server,
        &format!("/api/projects/{project}/chat/resolve"),
        &other,
        json!({"chatId": "chat_abc"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor does another user");
    assert_eq!(seen.lock().unwrap().len(), calls_before);
    assert!(!logs().contains("sk_test_never_sent"));
}

#[tokio::test]
async fn chat_routes_need_a_token_and_v0() {
    let server = spawn(&[]).await;
    let token = server.token(&user("xia"));
    let project = server.project(&token, json!({})).await;
    for path in [
        format!("/api/projects/{project}/chats"),
        format!("/api/projects/{project}/chat/resolve"),
    ] {
        let (status, _) = server
            .call(Method::POST, &path, None, Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, out) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/chats"),
            Some(&token),
            Some(json!({"message": "x"})),
        )
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("v0_not_configured"))
    );
}
