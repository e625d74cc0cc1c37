//! A project's v0 chats: started and resumed through the backend against a fake v0 that
//! records what it receives. The platform key only acts on chats the server started for the
//! project.

mod support;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Router;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

type Seen = Arc<Mutex<Vec<(String, String, Value, String)>>>;

const STARTED: &str = "data: {\"object\":\"chat\",\"id\":\"chat_abc\"}\n\ndata: {\"object\":\"chat.title\",\"delta\":\"Gästbok\"}\n\ndata: [DONE]\n\n";
const RESUMED: &str = "data: {\"object\":\"message\",\"id\":\"m2\",\"chatId\":\"chat_abc\",\"parts\":[{\"type\":\"text\",\"text\":\"Klart\"}],\"finishReason\":\"stop\"}\n\n";

/// A fake v0 that knows only the official routes (v2 as the official `v0` client calls them,
/// under `/api/v2`; v1's under `/v1`) and answers 404 to anything else, recording (path, auth,
/// body, accept) of each request.
async fn fake_v0() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .fallback(
            move |State(seen): State<Seen>,
                  method: Method,
                  uri: axum::http::Uri,
                  headers: HeaderMap,
                  body: Bytes| async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let path = uri.path().to_owned();
                let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                let answer = match (method.as_str(), parts.as_slice()) {
                    ("POST", ["api", "v2", "chats", "stream"]) | ("POST", ["v1", "chats"]) => {
                        Some(STARTED)
                    }
                    ("POST", ["api", "v2", "chats", _, "messages", "resolve", "stream"])
                    | ("POST", ["v1", "chats", _, "tasks", "resolve"]) => Some(RESUMED),
                    _ => None,
                };
                // mcpServers.create / update / delete (API v2), answered as v0 documents them.
                let mcp = match (method.as_str(), parts.as_slice()) {
                    ("POST", ["api", "v2", "mcp-servers"]) | ("PATCH", ["api", "v2", "mcp-servers", "mcpv0one"]) => {
                        let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        Some(json!({"id": "mcpv0one", "name": sent["name"], "url": sent["url"], "description": null, "createdAt": "2026-12-07T10:00:00.000Z",
                            "updatedAt": "2026-12-07T10:00:00.000Z", "userId": "u1", "enabled": true, "auth": {"type": "bearer"}, "scope": "user", "extra": 1}))
                    }
                    ("DELETE", ["api", "v2", "mcp-servers", "mcpv0one"]) => Some(json!({"success": true})),
                    // messages.list (API v2): the chat's latest message, finished.
                    ("GET", ["api", "v2", "chats", "chat_abc", "messages"]) => Some(json!({"object": "list",
                        "messages": [{"id": "m2", "chatId": "chat_abc", "role": "assistant", "content": "Klart", "parts": [],
                            "finishReason": "stop", "createdAt": "2026-12-07T10:00:00.000Z", "updatedAt": "2026-12-07T10:00:00.000Z", "authorId": null}],
                        "pagination": {"hasMore": false}})),
                    // chats.createVercelProject and the connect status (API v2).
                    ("POST", ["api", "v2", "chats", "chat_abc", "vercel-project"]) => Some(json!({"vercelProjectId": "prj_fromv0"})),
                    ("GET", ["api", "v2", "chats", "chat_abc", "connect", "status"]) => Some(json!({"status": "ready",
                        "connector": {"id": "conn_1", "name": "Slack", "service": "slack", "type": "oauth", "attachedToProject": true, "uid": "u"}})),
                    // webhooks.create (API v2).
                    ("POST", ["api", "v2", "hooks"]) => {
                        let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        Some(json!({"id": "hookone", "createdAt": "2026-12-07T10:00:00.000Z", "name": sent["name"], "events": sent["events"], "url": sent["url"], "chatId": sent["chatId"]}))
                    }
                    _ => None,
                };
                seen.lock().unwrap().push((
                    path,
                    header("authorization"),
                    serde_json::from_slice(&body).unwrap_or(Value::Null),
                    header("accept"),
                ));
                if let Some(mcp) = mcp {
                    return axum::Json(mcp).into_response();
                }
                match answer {
                    Some(events) => {
                        ([("content-type", "text/event-stream")], events).into_response()
                    }
                    None => (
                        axum::http::StatusCode::NOT_FOUND,
                        "{\"error\":{\"message\":\"not found\"}}",
                    )
                        .into_response(),
                }
            },
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

/// A server on v0 API v2 (the fake above; `PUBLIC_URL` when `public`) and a new user's
/// project: (server, what v0 received, the user's token, the project id).
async fn v2_project(name: &str, public: bool) -> (TestServer, Seen, String, String) {
    let (fake_base, seen) = fake_v0().await;
    let base = format!("{fake_base}/api/v2");
    let mut args = vec![
        "--v0-api-key",
        "platform-v0-key",
        "--v0-api-url",
        base.as_str(),
    ];
    if public {
        args.extend(["--public-url", "https://builder.example"]);
    }
    let server = spawn(&args).await;
    let token = server.token(&user(name));
    let project = server.project(&token, json!({})).await;
    (server, seen, token, project)
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
async fn a_project_chat_is_started_recorded_and_resumed_on_v0_api_v2() {
    chat_started_recorded_and_resumed("v2").await;
}

#[tokio::test]
async fn a_project_chat_is_started_recorded_and_resumed_on_legacy_v0_api_v1() {
    chat_started_recorded_and_resumed("v1").await;
}

/// The whole chat loop against a fake that knows only `version`'s official routes.
async fn chat_started_recorded_and_resumed(version: &str) {
    let (fake_base, seen) = fake_v0().await;
    let base = match version {
        "v2" => format!("{fake_base}/api/v2"),
        _ => format!("{fake_base}/v1"),
    };
    let server = spawn(&[
        "--v0-api-key",
        "platform-v0-key",
        "--v0-api-url",
        &base,
        "--v0-api-version",
        version,
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
    let first = seen.lock().unwrap()[0].clone();
    assert_eq!(first.1, "Bearer platform-v0-key");
    assert_eq!(first.3, "text/event-stream");
    match version {
        "v2" => assert_eq!(
            (first.0.as_str(), &first.2),
            (
                "/api/v2/chats/stream",
                &json!({"message": "Bygg en gästbok"})
            )
        ),
        _ => assert_eq!(
            (first.0.as_str(), &first.2),
            (
                "/v1/chats",
                &json!({"message": "Bygg en gästbok", "responseMode": "experimental_stream"})
            )
        ),
    }
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
    let task = json!({"type": "confirmed-steps", "connectedIntegrationNames": ["Neon"], "connectedMcpPresetNames": [],
        "addedEnvVars": ["DATABASE_URL", "PGHOST", "STRIPE_SECRET_KEY"], "appliedScripts": []});
    let (path, body) = match version {
        "v2" => (
            "/api/v2/chats/chat_abc/messages/resolve/stream",
            json!({"task": task}),
        ),
        _ => (
            "/v1/chats/chat_abc/tasks/resolve",
            json!({"task": task, "responseMode": "experimental_stream"}),
        ),
    };
    assert_eq!(
        (call.0.as_str(), call.1.as_str()),
        (path, "Bearer platform-v0-key")
    );
    assert_eq!(
        call.2, body,
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

/// The project's MCP endpoint is registered with v0 (API v2 `/mcp-servers`) when its token is
/// minted: v0 gets the endpoint's URL and the project token, nothing else secret; a new token
/// updates the registration, a chat of the project is offered the endpoint, and revoking the
/// token removes it at v0 too.
#[tokio::test]
async fn minting_the_project_token_registers_the_endpoint_with_v0_and_revoking_removes_it() {
    let (server, seen, token, project) = v2_project("mira", true).await;
    let path = format!("/api/projects/{project}/mcp-token");
    let (status, minted) = server.call(Method::POST, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{minted}");
    assert_eq!(minted["v0McpServerId"], "mcpv0one");
    let project_token = minted["token"].as_str().unwrap().to_owned();
    let call = seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(call.0, "/api/v2/mcp-servers");
    assert_eq!(call.1, "Bearer platform-v0-key");
    assert_eq!(
        call.2,
        json!({"name": format!("sajtmaskin {project}"), "url": format!("https://builder.example/mcp/{project}"),
            "enabled": true, "auth": {"type": "bearer", "token": project_token}, "scope": "user"}),
        "the endpoint and its token, nothing else"
    );
    // A new token: the registration follows it.
    let (_, again) = server.call(Method::POST, &path, Some(&token), None).await;
    let call = seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(call.0, "/api/v2/mcp-servers/mcpv0one");
    assert_eq!(call.2["auth"]["token"], again["token"]);
    // A chat of the project is offered the endpoint.
    let (status, _) = post_stream(
        &server,
        &format!("/api/projects/{project}/chats"),
        &token,
        json!({"message": "Hej"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let call = seen
        .lock()
        .unwrap()
        .iter()
        .rfind(|c| c.0 == "/api/v2/chats/stream")
        .unwrap()
        .clone();
    assert_eq!(call.2["mcpServerIds"], json!(["mcpv0one"]));
    // Revoked: gone here and at v0.
    let (status, revoked) = server.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked, json!({"revoked": true, "v0Unregistered": true}));
    let call = seen
        .lock()
        .unwrap()
        .iter()
        .rfind(|c| c.0.starts_with("/api/v2/mcp-servers"))
        .unwrap()
        .clone();
    assert_eq!(
        (call.0.as_str(), call.1.as_str()),
        ("/api/v2/mcp-servers/mcpv0one", "Bearer platform-v0-key")
    );
    let refused = server
        .client
        .post(format!("{}/mcp/{project}", server.base))
        .bearer_auth(again["token"].as_str().unwrap())
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(!logs().contains(&project_token));
}

/// A chat the server starts is subscribed to v0's webhooks (API v2 `/hooks`); a delivery is
/// only a hint: once per event id the server reads the chat's latest message from v0 and
/// records what v0 says, so the builder learns it without holding a stream open. A delivery
/// for a chat not subscribed here is 404.
#[tokio::test]
async fn a_chat_is_subscribed_to_v0_webhooks_and_a_delivery_makes_the_server_read_v0() {
    let (server, seen, token, project) = v2_project("hugo", true).await;
    let (status, _) = post_stream(
        &server,
        &format!("/api/projects/{project}/chats"),
        &token,
        json!({"message": "Bygg en gästbok"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut hook = None;
    for _ in 0..50 {
        hook = seen
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.0 == "/api/v2/hooks")
            .cloned();
        if hook.is_some() && server.count("v0_hooks").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let hook = hook.expect("a hook was created");
    assert_eq!(hook.1, "Bearer platform-v0-key");
    assert_eq!(
        hook.2,
        json!({"name": format!("sajtmaskin {project}"), "events": ["message.finished", "chat.updated"],
            "url": "https://builder.example/api/webhooks/v0/chat_abc", "chatId": "chat_abc"}),
        "no secret in the URL"
    );

    let deliver = |path: &str, body: Value| {
        let client = server.client.clone();
        let url = format!("{}{path}", server.base);
        async move {
            let response = client.post(url).json(&body).send().await.unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let path = "/api/webhooks/v0/chat_abc";
    let reads = || {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|c| c.0 == "/api/v2/chats/chat_abc/messages")
            .count()
    };
    let event = json!({"id": "evt_finished_1", "type": "message.finished", "chatId": "chat_abc"});
    let (status, answer) = deliver(path, event.clone()).await;
    assert_eq!(
        (status, answer["duplicate"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    assert_eq!(reads(), 1, "the server read the chat from v0");
    let (status, answer) = deliver(path, event).await;
    assert_eq!(
        (status, answer["duplicate"].as_bool()),
        (StatusCode::OK, Some(true)),
        "once per event id"
    );
    assert_eq!(reads(), 1);
    // A new event id right after: within the read interval, no second read.
    let (status, _) = deliver(path, json!({"id": "evt_2", "type": "chat.updated"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reads(), 1, "at most one read per chat every few seconds");
    let (status, _) = deliver(
        "/api/webhooks/v0/chat_other",
        json!({"id": "e", "type": "message.finished"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = deliver(path, json!({"id": "e3", "type": "chat.deleted"})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an event it was not subscribed to"
    );
    let (status, chats) = server
        .call(
            Method::GET,
            &format!("/api/projects/{project}/chats"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{chats}");
    assert_eq!(chats["chats"][0]["id"], "chat_abc");
    assert_eq!(
        chats["chats"][0]["lastEvent"], "message.finished",
        "what v0 said"
    );
    assert_eq!(chats["chats"][0]["subscribed"], true);
    let other = server.token(&user("ines"));
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/projects/{project}/chats"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another user does not see the project's chats"
    );
}

/// A chat's Vercel project is created by v0 (API v2) for a chat the server started for the
/// project, and becomes the project's; a chat's Vercel Connect status is read from v0 and
/// passed on in its documented shapes. Other chats and other users' projects never reach v0.
#[tokio::test]
async fn a_chats_vercel_project_and_connect_status_come_from_v0_api_v2() {
    let (server, seen, token, project) = v2_project("leo", false).await;
    let (status, _) = post_stream(
        &server,
        &format!("/api/projects/{project}/chats"),
        &token,
        json!({"message": "Hej"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..50 {
        if server.count("project_chats").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, created) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/chats/chat_abc/vercel-project"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, &created),
        (StatusCode::OK, &json!({"vercelProjectId": "prj_fromv0"}))
    );
    let call = seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(call.0, "/api/v2/chats/chat_abc/vercel-project");
    assert_eq!(
        call.2,
        json!({"name": format!("sajtmaskin-{}", project.to_ascii_lowercase().replace('_', "-"))})
    );
    let (_, projects) = server
        .call(Method::GET, "/api/projects", Some(&token), None)
        .await;
    assert_eq!(
        projects["projects"][0]["vercelProjectId"], "prj_fromv0",
        "{projects}"
    );

    let status_path =
        format!("/api/projects/{project}/chats/chat_abc/connect/status?requestId=req_1");
    let (status, answer) = server
        .call(Method::GET, &status_path, Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        json!({"status": "ready", "connector": {"id": "conn_1", "name": "Slack", "service": "slack", "type": "oauth", "attachedToProject": true}})
    );
    let call = seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(call.0, "/api/v2/chats/chat_abc/connect/status");

    let before = seen.lock().unwrap().len();
    let other = server.token(&user("lina"));
    for (path, who, expected) in [
        (
            format!("/api/projects/{project}/chats/chat_other/vercel-project"),
            &token,
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/api/projects/{project}/chats/chat_abc/vercel-project"),
            &other,
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/api/projects/{project}/chats/chat_abc/connect/status?requestId=a%2Fb"),
            &token,
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/projects/{project}/chats/chat_abc/connect/status"),
            &token,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let method = if path.ends_with("vercel-project") {
            Method::POST
        } else {
            Method::GET
        };
        let (status, out) = server.call(method, &path, Some(who), None).await;
        assert_eq!(status, expected, "{path}: {out}");
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "none of them reached v0"
    );
}
