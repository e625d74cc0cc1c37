//! The `v0` and `vercel` stores against in-process fake upstreams that follow the documented
//! request/response shapes and record what they received.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method as AxMethod, StatusCode as AxStatus, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    query: String,
    body: Value,
    auth: String,
}

#[derive(Default)]
struct Fake {
    vars: Vec<Value>,
    recorded: Vec<Recorded>,
    /// Answer every request with this status (and Retry-After) instead.
    fail: Option<(u16, Option<&'static str>)>,
    /// Answer requests whose path ends with this with 500 instead.
    fail_path: Option<String>,
    delay: Option<Duration>,
    next_id: usize,
}

type Shared = Arc<Mutex<Fake>>;

async fn start_fake(handler: fn(&mut Fake, &Recorded) -> (u16, Value)) -> (String, Shared) {
    let shared: Shared = Arc::default();
    let app = Router::new()
        .fallback(
            move |State(fake): State<Shared>,
                  method: AxMethod,
                  uri: Uri,
                  headers: HeaderMap,
                  body: Bytes| async move {
                let recorded = Recorded {
                    method: method.to_string(),
                    path: uri.path().to_owned(),
                    query: uri.query().unwrap_or_default().to_owned(),
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    auth: headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned(),
                };
                let delay = fake.lock().unwrap().delay;
                if let Some(delay) = delay {
                    tokio::time::sleep(delay).await;
                }
                let mut fake = fake.lock().unwrap();
                fake.recorded.push(recorded.clone());
                let fail_path = fake.fail_path.clone();
                if fail_path.is_some_and(|p| recorded.path.ends_with(&p)) {
                    return (
                        AxStatus::INTERNAL_SERVER_ERROR,
                        axum::Json(json!({"error": {"message": "nope"}})),
                    )
                        .into_response();
                }
                if let Some((status, retry)) = fake.fail {
                    let mut response: Response = (
                        AxStatus::from_u16(status).unwrap(),
                        axum::Json(json!({"error": {"message": "nope", "type": "fake_error"}})),
                    )
                        .into_response();
                    if let Some(retry) = retry {
                        response
                            .headers_mut()
                            .insert("retry-after", retry.parse().unwrap());
                    }
                    return response;
                }
                let (status, body) = handler(&mut fake, &recorded);
                (AxStatus::from_u16(status).unwrap(), axum::Json(body)).into_response()
            },
        )
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, shared)
}

/// The v0 Platform API v1 env-var endpoints, as documented.
fn v0_api(fake: &mut Fake, r: &Recorded) -> (u16, Value) {
    let list = |vars: &[Value], decrypted: bool| {
        json!({"object": "list", "data": vars.iter().map(|v| {
        let mut v = v.clone();
        if !decrypted { v["value"] = json!("encrypted:…"); }
        v["decrypted"] = json!(decrypted);
        v
    }).collect::<Vec<_>>()})
    };
    match (r.method.as_str(), r.path.as_str()) {
        // Project creation: the server names it, the fake answers with its own id.
        ("POST", "/v1/projects") => (
            200,
            json!({"id": "v0proj", "object": "project", "name": r.body["name"], "privacy": "private"}),
        ),
        ("GET", "/v1/projects/v0proj/env-vars") => {
            (200, list(&fake.vars, r.query.contains("decrypted=true")))
        }
        ("POST", "/v1/projects/v0proj/env-vars") => {
            let mut out = Vec::new();
            for var in r.body["environmentVariables"].as_array().unwrap() {
                let key = var["key"].as_str().unwrap();
                let existing = fake.vars.iter().position(|v| v["key"] == key);
                if existing.is_some() && r.body["upsert"] != true {
                    return (
                        409,
                        json!({"error": {"message": "exists", "type": "conflict_error"}}),
                    );
                }
                fake.next_id += 1;
                let entry = json!({"id": format!("env_{}", fake.next_id), "object": "env_var", "key": key, "value": var["value"], "createdAt": 1_764_000_000_000u64, "updatedAt": 1_764_000_000_000u64});
                match existing {
                    Some(i) => fake.vars[i] = entry.clone(),
                    None => fake.vars.push(entry.clone()),
                }
                out.push(entry);
            }
            // v0 answers writes with the values' encrypted form.
            (200, list(&out, false))
        }
        ("PATCH", "/v1/projects/v0proj/env-vars") => {
            let mut out = Vec::new();
            for change in r.body["environmentVariables"].as_array().unwrap() {
                let Some(var) = fake.vars.iter_mut().find(|v| v["id"] == change["id"]) else {
                    return (
                        404,
                        json!({"error": {"message": "not found", "type": "not_found_error"}}),
                    );
                };
                var["value"] = change["value"].clone();
                out.push(var.clone());
            }
            (200, list(&out, false))
        }
        ("POST", "/v1/projects/v0proj/env-vars/delete") => {
            let ids: Vec<Value> = r.body["environmentVariableIds"].as_array().unwrap().clone();
            fake.vars.retain(|v| !ids.contains(&v["id"]));
            (
                200,
                json!({"object": "list", "data": ids.iter().map(|id| json!({"id": id, "object": "env_var", "deleted": true})).collect::<Vec<_>>()}),
            )
        }
        _ => (
            404,
            json!({"error": {"message": "no route", "type": "not_found_error"}}),
        ),
    }
}

/// The Vercel REST project env API, as documented.
fn vercel_api(fake: &mut Fake, r: &Recorded) -> (u16, Value) {
    // A sensitive value is never answered; an encrypted one only in its encrypted form, unless
    // the listing asked `decrypt=true`.
    let answer = |v: &Value, decrypt: bool| {
        let mut v = v.clone();
        if v["type"] == "sensitive" {
            v.as_object_mut().unwrap().remove("value");
        } else if v["type"] == "encrypted" {
            if !decrypt {
                v["value"] = json!("eyJ2IjoiZW5jcnlwdGVkIn0");
            }
            v["decrypted"] = json!(decrypt);
        }
        v
    };
    let public = |v: &Value| answer(v, false);
    let path: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
    match (r.method.as_str(), path.as_slice()) {
        // Project creation: the server names it, the fake answers with its own id.
        ("POST", ["v11", "projects"]) => {
            fake.next_id += 1;
            let id = match fake.next_id {
                1 => "prj_vercel".to_owned(),
                n => format!("prj_vercel_{n}"),
            };
            (
                200,
                json!({"id": id, "name": r.body["name"], "accountId": "team_42", "createdAt": 1_764_000_000_000u64}),
            )
        }
        ("GET", ["v10", "projects", "prj_vercel", "env"]) => {
            let decrypt = r.query.contains("decrypt=true");
            (
                200,
                json!({"envs": fake.vars.iter().map(|v| answer(v, decrypt)).collect::<Vec<_>>()}),
            )
        }
        ("POST", ["v10", "projects", "prj_vercel", "env"]) => {
            let mut created = Vec::new();
            for var in r.body.as_array().unwrap() {
                let existing = fake.vars.iter().position(|v| v["key"] == var["key"]);
                if existing.is_some() && !r.query.contains("upsert=true") {
                    return (
                        200,
                        json!({"created": [], "failed": [{"error": {"code": "ENV_ALREADY_EXISTS", "message": "exists", "key": var["key"]}}]}),
                    );
                }
                fake.next_id += 1;
                let entry = json!({"id": format!("env{}", fake.next_id), "key": var["key"], "value": var["value"], "type": var["type"], "target": var["target"], "createdAt": 1_764_000_000_000u64, "updatedAt": 1_764_000_000_000u64});
                match existing {
                    Some(i) => fake.vars[i] = entry.clone(),
                    None => fake.vars.push(entry.clone()),
                }
                created.push(public(&entry));
            }
            let created = if created.len() == 1 {
                created[0].clone()
            } else {
                Value::Array(created)
            };
            (201, json!({"created": created, "failed": []}))
        }
        ("GET", ["v1", "projects", "prj_vercel", "env", id]) => {
            match fake.vars.iter().find(|v| v["id"] == *id) {
                Some(var) => (200, answer(var, true)),
                None => (
                    404,
                    json!({"error": {"code": "not_found", "message": "no env"}}),
                ),
            }
        }
        ("PATCH", ["v9", "projects", "prj_vercel", "env", id]) => {
            match fake.vars.iter_mut().find(|v| v["id"] == *id) {
                Some(var) => {
                    var["value"] = r.body["value"].clone();
                    (200, public(var))
                }
                None => (
                    404,
                    json!({"error": {"code": "not_found", "message": "no env"}}),
                ),
            }
        }
        ("DELETE", ["v9", "projects", "prj_vercel", "env", id]) => {
            match fake.vars.iter().position(|v| v["id"] == *id) {
                Some(i) => (200, public(&fake.vars.remove(i))),
                None => (
                    404,
                    json!({"error": {"code": "not_found", "message": "no env"}}),
                ),
            }
        }
        _ => (
            404,
            json!({"error": {"code": "not_found", "message": "no route"}}),
        ),
    }
}

/// A project row without an upstream project, as older versions made them.
async fn unlinked_project(server: &TestServer, owner: &str) -> String {
    let id = sajtmaskin_server::ids::new_id("prj");
    let pool = server.pool().await;
    sqlx::query("INSERT INTO projects (id, owner_id, name, created_at) VALUES ($1, $2, 'old', 0)")
        .bind(&id)
        .bind(owner)
        .execute(&pool)
        .await
        .unwrap();
    id
}

fn recorded(fake: &Shared) -> Vec<Recorded> {
    std::mem::take(&mut fake.lock().unwrap().recorded)
}

/// Upstream failures map to our statuses and change nothing locally.
async fn check_failure_mapping(
    server: &TestServer,
    fake: &Shared,
    project: &str,
    token: &str,
    flags_before: Option<i64>,
) {
    let body = json!({"vars": [{"key": "FAILING", "value": "secret-on-failure", "sensitive": true}], "upsert": true});
    let cases: [(u16, Option<&'static str>, StatusCode, &str); 5] = [
        (401, None, StatusCode::BAD_GATEWAY, "upstream_auth"),
        (403, None, StatusCode::BAD_GATEWAY, "upstream_auth"),
        (404, None, StatusCode::NOT_FOUND, "upstream_not_found"),
        (500, None, StatusCode::BAD_GATEWAY, "upstream_error"),
        (503, None, StatusCode::BAD_GATEWAY, "upstream_error"),
    ];
    for (upstream, retry, want, code) in cases {
        fake.lock().unwrap().fail = Some((upstream, retry));
        let (status, out) = server
            .env(Method::POST, project, token, Some(body.clone()))
            .await;
        assert_eq!(
            (status, out["error"]["code"].as_str()),
            (want, Some(code)),
            "upstream {upstream}: {out}"
        );
        assert!(
            !out.to_string().contains("nope"),
            "upstream bodies are not echoed"
        );
    }
    fake.lock().unwrap().fail = Some((429, Some("7")));
    let response = server
        .client
        .post(format!(
            "{}/api/v0/projects/{project}/env-vars",
            server.base
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers().get("retry-after").unwrap(), "7");
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "rate_limited"
    );
    fake.lock().unwrap().fail = None;
    fake.lock().unwrap().delay = Some(Duration::from_secs(4));
    let (status, out) = server.env(Method::GET, project, token, None).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout"))
    );
    fake.lock().unwrap().delay = None;
    if let Some(before) = flags_before {
        assert_eq!(
            server.count("env_var_flags").await,
            before,
            "nothing local changed"
        );
    }
    assert!(!logs().contains("secret-on-failure"));
    recorded(fake);
}

#[tokio::test]
async fn v0_store_speaks_the_v0_platform_api() {
    let (server, fake) = upstream_server("v0", &[]).await;
    let owner = user("ivy");
    let token = server.token(&owner);
    let project = server.project(&token, json!({"name": "Krukan"})).await;
    let calls = recorded(&fake);
    assert_eq!(
        (
            calls[0].method.as_str(),
            calls[0].path.as_str(),
            calls[0].auth.as_str()
        ),
        ("POST", "/v1/projects", "Bearer platform-v0-key"),
        "the server creates the v0 project itself"
    );
    assert!(calls[0].body["name"].as_str().unwrap().contains(&project));

    let (status, created) = server
        .env(
            Method::POST,
            &project,
            &token,
            Some(json!({"vars": [
        {"key": "DATABASE_URL", "value": "postgres://very-secret", "sensitive": true},
        {"key": "NEXT_PUBLIC_NAME", "value": "Krukmakeriet"}], "upsert": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["envVars"][0]["value"], Value::Null);
    assert_eq!(created["envVars"][1]["value"], "Krukmakeriet");
    let calls = recorded(&fake);
    assert_eq!(
        (
            calls[0].method.as_str(),
            calls[0].path.as_str(),
            calls[0].auth.as_str()
        ),
        (
            "POST",
            "/v1/projects/v0proj/env-vars",
            "Bearer platform-v0-key"
        )
    );
    assert_eq!(
        calls[0].body,
        json!({"environmentVariables": [{"key": "DATABASE_URL", "value": "postgres://very-secret"}, {"key": "NEXT_PUBLIC_NAME", "value": "Krukmakeriet"}], "upsert": true})
    );

    let (_, listed) = server.env(Method::GET, &project, &token, None).await;
    let calls = recorded(&fake);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].query.as_str()),
        ("GET", "decrypted=true")
    );
    let by_key = |list: &Value, key: &str| {
        list["envVars"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == key)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_key(&listed, "DATABASE_URL")["value"],
        Value::Null,
        "sensitive stays write-only"
    );
    assert_eq!(by_key(&listed, "DATABASE_URL")["sensitive"], true);
    assert_eq!(by_key(&listed, "NEXT_PUBLIC_NAME")["value"], "Krukmakeriet");

    let id = by_key(&listed, "DATABASE_URL")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, patched) = server
        .env(
            Method::PATCH,
            &project,
            &token,
            Some(json!({"vars": [{"id": id, "value": "postgres://rotated"}]})),
        )
        .await;
    assert_eq!(
        (status, patched["envVars"][0]["value"].clone()),
        (StatusCode::OK, Value::Null)
    );
    let calls = recorded(&fake);
    assert_eq!(
        (calls[0].method.as_str(), calls[1].method.as_str()),
        ("GET", "PATCH"),
        "the id is checked against the project's own list first"
    );
    assert_eq!(
        calls[1].body,
        json!({"environmentVariables": [{"id": id, "value": "postgres://rotated"}]})
    );

    let (status, deleted) = server
        .env(
            Method::DELETE,
            &project,
            &token,
            Some(json!({"keys": ["NEXT_PUBLIC_NAME"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["envVars"][0]["key"], "NEXT_PUBLIC_NAME");
    let calls = recorded(&fake);
    let delete = calls.iter().find(|c| c.path.ends_with("/delete")).unwrap();
    assert_eq!(delete.method, "POST");
    assert_eq!(
        delete.body["environmentVariableIds"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A project from before the server linked upstream projects itself has no v0 project.
    let unlinked = unlinked_project(&server, &owner).await;
    let (status, out) = server.env(Method::GET, &unlinked, &token, None).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("project_not_linked"))
    );

    let before = server.count("env_var_flags").await;
    check_failure_mapping(&server, &fake, &project, &token, Some(before)).await;
    assert!(!logs().contains("postgres://very-secret") && !logs().contains("platform-v0-key"));
}

#[tokio::test]
async fn vercel_store_speaks_the_vercel_rest_api() {
    let (server, fake) = upstream_server("vercel", &["--vercel-team-id", "team_42"]).await;
    let token = server.token(&user("jon"));
    let project = server.project(&token, json!({})).await;
    let calls = recorded(&fake);
    assert_eq!(
        (
            calls[0].method.as_str(),
            calls[0].path.as_str(),
            calls[0].auth.as_str(),
            calls[0].query.as_str()
        ),
        (
            "POST",
            "/v11/projects",
            "Bearer platform-vercel-token",
            "teamId=team_42"
        ),
        "the server creates the Vercel project itself"
    );

    let (status, created) = server
        .env(
            Method::POST,
            &project,
            &token,
            Some(json!({"vars": [
        {"key": "STRIPE_SECRET_KEY", "value": "sk_live_secret", "sensitive": true},
        {"key": "NEXT_PUBLIC_URL", "value": "https://shop.example"}], "upsert": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let calls = recorded(&fake);
    assert_eq!(
        (
            calls[0].method.as_str(),
            calls[0].path.as_str(),
            calls[0].auth.as_str()
        ),
        (
            "POST",
            "/v10/projects/prj_vercel/env",
            "Bearer platform-vercel-token"
        )
    );
    assert!(
        calls[0].query.contains("teamId=team_42") && calls[0].query.contains("upsert=true"),
        "{}",
        calls[0].query
    );
    assert_eq!(calls[0].body[0]["type"], "sensitive");
    assert_eq!(calls[0].body[1]["type"], "encrypted");
    assert_eq!(created["envVars"][0]["value"], Value::Null);

    let (_, listed) = server.env(Method::GET, &project, &token, None).await;
    assert!(recorded(&fake)[0].query.contains("teamId=team_42"));
    let vars = listed["envVars"].as_array().unwrap();
    assert_eq!(vars.len(), 2);
    assert!(vars
        .iter()
        .all(|v| (v["sensitive"] == true) == v["value"].is_null()));

    let id = vars.iter().find(|v| v["key"] == "NEXT_PUBLIC_URL").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, patched) = server
        .env(
            Method::PATCH,
            &project,
            &token,
            Some(json!({"vars": [{"id": id, "value": "https://new.example"}]})),
        )
        .await;
    assert_eq!(
        (status, patched["envVars"][0]["value"].as_str()),
        (StatusCode::OK, Some("https://new.example"))
    );
    let calls = recorded(&fake);
    assert_eq!(
        (
            calls[0].method.as_str(),
            calls[1].method.as_str(),
            calls[1].path.clone()
        ),
        ("GET", "PATCH", format!("/v9/projects/prj_vercel/env/{id}")),
        "the id is checked against the project's own list first"
    );

    let (status, deleted) = server
        .env(Method::DELETE, &project, &token, Some(json!({"ids": [id]})))
        .await;
    assert_eq!(
        (status, deleted["envVars"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    assert!(recorded(&fake)
        .iter()
        .any(|c| c.method == "DELETE" && c.path.ends_with(&id)));

    let (status, out) = server
        .env(
            Method::POST,
            &project,
            &token,
            Some(json!({"vars": [{"key": "STRIPE_SECRET_KEY", "value": "again"}]})),
        )
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("env_var_exists"))
    );
    check_failure_mapping(&server, &fake, &project, &token, None).await;
    assert!(!logs().contains("sk_live_secret") && !logs().contains("platform-vercel-token"));
}

#[tokio::test]
async fn demo_v0_pass_through_streams_v0_bytes_unchanged() {
    const SSE: &str = "data: {\"object\":\"chat\",\"id\":\"live1\"}\n\ndata: {\"object\":\"chat.title\",\"delta\":\"Hej\"}\r\n\r\ndata: [DONE]\n\n";
    let seen: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let app =
        Router::new()
            .route(
                "/api/v2/chats/stream",
                axum::routing::post(
                    |State(seen): State<Arc<Mutex<Vec<Recorded>>>>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        seen.lock().unwrap().push(Recorded {
                            method: "POST".into(),
                            path: "/api/v2/chats/stream".into(),
                            query: String::new(),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                            auth: headers
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned(),
                        });
                        ([("content-type", "text/event-stream")], SSE)
                    },
                ),
            )
            .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let server = spawn(&[
        "--dev",
        "--v0-api-key",
        "live-v0-key",
        "--v0-api-url",
        &format!("{fake_base}/api/v2"),
    ])
    .await;
    let token = server.token(&user("lee"));
    let url = format!("{}/api/demo/v0/chats", server.base);
    let response = server
        .client
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"message": "Bygg en gästbok"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    assert_eq!(
        response.bytes().await.unwrap(),
        SSE.as_bytes(),
        "bytes unchanged, CRLF included"
    );
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls[0].auth, "Bearer live-v0-key");
    assert_eq!(calls[0].body["message"], "Bygg en gästbok");
    let anonymous = server
        .client
        .post(&url)
        .json(&json!({"message": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, streams) = server
        .call(Method::GET, "/api/demo/streams", Some(&token), None)
        .await;
    assert_eq!(
        (status, streams["live"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert!(!streams.to_string().contains("live-v0-key"));
    let (_, anonymous) = server
        .call(Method::GET, "/api/demo/streams", None, None)
        .await;
    assert_eq!(
        anonymous["live"], false,
        "whether a key is configured is not told to anonymous callers"
    );

    let without_key = spawn(&["--demo"]).await;
    let (status, out) = without_key
        .call(
            Method::POST,
            "/api/demo/v0/chats",
            Some(&without_key.token("x")),
            Some(json!({"message": "x"})),
        )
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("v0_not_configured"))
    );
}

#[tokio::test]
async fn demo_replay_streams_a_sample_and_refuses_paths() {
    let server = spawn(&[
        "--demo",
        "--fixtures-dir",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/v0-streams"),
    ])
    .await;
    let name = "s09-proxy-crlf-blob-keepalive.sse";
    let body = server
        .client
        .get(format!("{}/api/demo/replay/{name}?ms=0", server.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/v0-streams/s09-proxy-crlf-blob-keepalive.sse"
    ))
    .unwrap();
    assert_eq!(body.as_ref(), file.as_slice());
    for bad in [
        "..%2FCargo.toml",
        "%2Fetc%2Fpasswd",
        ".hidden.sse",
        "nope.sse",
        "s09-proxy-crlf-blob-keepalive.txt",
    ] {
        let response = server
            .client
            .get(format!("{}/api/demo/replay/{bad}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
}

// --- attacks on the upstream stores (issue: tenant isolation, id injection) -----------------

/// A server whose env store is `store` (`v0` or `vercel`) over its fake, with the platform's
/// credentials `platform-v0-key` / `platform-vercel-token`, plus `extra` flags.
async fn upstream_server(store: &str, extra: &[&str]) -> (TestServer, Shared) {
    let v0 = store == "v0";
    let (fake_base, fake) = start_fake(if v0 { v0_api } else { vercel_api }).await;
    let url = if v0 {
        format!("{fake_base}/v1")
    } else {
        fake_base
    };
    let (key_flag, key, url_flag) = if v0 {
        ("--v0-api-key", "platform-v0-key", "--v0-api-url")
    } else {
        (
            "--vercel-token",
            "platform-vercel-token",
            "--vercel-api-url",
        )
    };
    let mut args = vec!["--env-store", store, key_flag, key, url_flag, url.as_str()];
    if v0 {
        // v0's env vars live on API v1 projects (v2 has none).
        args.extend(["--v0-api-version", "v1"]);
    }
    args.extend_from_slice(extra);
    (spawn(&args).await, fake)
}

#[tokio::test]
async fn a_client_cannot_attach_another_tenants_upstream_project() {
    for store in ["v0", "vercel"] {
        let (server, fake) = upstream_server(store, &[]).await;
        let token = server.token(&user("mallory"));
        let projects_before = server.count("projects").await;
        for body in [
            json!({"vercelProjectId": "victim-shop"}),
            json!({"v0ProjectId": "victim-shop"}),
            json!({"name": "mine", "vercelProjectId": "prj_vercel"}),
        ] {
            let (status, out) = server
                .call(Method::POST, "/api/projects", Some(&token), Some(body))
                .await;
            assert_eq!(
                (status, out["error"]["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("upstream_id_not_allowed")
                ),
                "{store}: {out}"
            );
        }
        assert!(
            recorded(&fake).is_empty(),
            "{store}: no upstream request with the platform credentials"
        );
        assert_eq!(server.count("projects").await, projects_before);

        // The server's own project, and one upstream project belongs to one local project.
        let id = server.project(&token, json!({})).await;
        let column = if store == "v0" {
            "v0_project_id"
        } else {
            "vercel_project_id"
        };
        let pool = server.pool().await;
        let duplicate = sqlx::query(&format!(
            "INSERT INTO projects (id, owner_id, name, {column}, created_at) SELECT 'prj_dup', 'someone-else', 'x', {column}, 0 FROM projects WHERE id = $1"
        ))
        .bind(&id)
        .execute(&pool)
        .await;
        assert!(
            duplicate.is_err(),
            "{store}: the upstream id is unique across local projects"
        );
    }
}

#[tokio::test]
async fn ids_that_would_steer_the_upstream_url_are_refused_before_any_request() {
    let bad_ids = [
        "../../other-project/env/env_OTHER",
        "env_Z?teamId=team_victim",
        "../../../../v2/user#",
        "env/../../x",
        "%2e%2e%2fv2%2fuser",
        "env Z",
        "",
        "x123456789x123456789x123456789x123456789x123456789x123456789x1234",
    ];
    for store in ["v0", "vercel"] {
        let (server, fake) = upstream_server(store, &[]).await;
        let token = server.token(&user("mallory"));
        let project = server.project(&token, json!({})).await;
        recorded(&fake);
        for bad in bad_ids {
            let (status, out) = server
                .env(
                    Method::PATCH,
                    &project,
                    &token,
                    Some(json!({"vars": [{"id": bad, "value": "NODE_OPTIONS=--require /tmp/x"}]})),
                )
                .await;
            assert_eq!(
                (status, out["error"]["code"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_id")),
                "{store} PATCH {bad:?}: {out}"
            );
            assert!(!out.to_string().contains("NODE_OPTIONS"));
            let (status, out) = server
                .env(
                    Method::DELETE,
                    &project,
                    &token,
                    Some(json!({"ids": [bad]})),
                )
                .await;
            assert_eq!(
                (status, out["error"]["code"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_id")),
                "{store} DELETE {bad:?}: {out}"
            );
        }
        assert!(
            recorded(&fake).is_empty(),
            "{store}: no upstream request at all"
        );

        // A well-formed id that is not in this project's own list: 404 after the list, and
        // no write.
        let (status, _) = server
            .env(
                Method::PATCH,
                &project,
                &token,
                Some(json!({"vars": [{"id": "env_OTHER", "value": "x"}]})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{store}");
        let calls = recorded(&fake);
        assert!(
            calls.iter().all(|c| c.method == "GET"),
            "{store}: only the list was read: {calls:?}"
        );
    }
}

#[tokio::test]
async fn a_vercel_change_that_fails_part_way_says_what_it_changed() {
    let (server, fake) = upstream_server("vercel", &[]).await;
    let token = server.token(&user("nina"));
    let project = server.project(&token, json!({})).await;
    let (_, created) = server
        .env(
            Method::POST,
            &project,
            &token,
            Some(json!({"vars": [{"key": "A", "value": "a1"}, {"key": "B", "value": "b1"}], "upsert": true})),
        )
        .await;
    let ids: Vec<String> = created["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    fake.lock().unwrap().fail_path = Some(ids[1].clone());
    recorded(&fake);
    let (status, out) = server
        .env(
            Method::PATCH,
            &project,
            &token,
            Some(json!({"vars": [{"id": ids[0], "value": "a2"}, {"id": ids[1], "value": "b2"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{out}");
    let changed = out["error"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{out}");
    assert_eq!(changed[0]["id"], ids[0].as_str());
    assert_eq!(changed[0]["value"], Value::Null, "no value in an error");

    // Over the fan-out cap: refused before any upstream call.
    fake.lock().unwrap().fail_path = None;
    recorded(&fake);
    let many: Vec<Value> = (0..11)
        .map(|i| json!({"id": format!("env{i}"), "value": "x"}))
        .collect();
    let (status, out) = server
        .env(Method::PATCH, &project, &token, Some(json!({"vars": many})))
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_many_vars"))
    );
    assert!(recorded(&fake).is_empty());
}

#[tokio::test]
async fn upstream_spending_routes_are_rate_limited_per_user() {
    let (server, fake) = upstream_server("vercel", &["--upstream-requests-per-minute", "3"]).await;
    let token = server.token(&user("olga"));
    let project = server.project(&token, json!({})).await; // 1: creates the Vercel project
    for _ in 0..2 {
        let (status, _) = server.env(Method::GET, &project, &token, None).await; // 2, 3
        assert_eq!(status, StatusCode::OK);
    }
    recorded(&fake);
    let response = server
        .client
        .get(format!(
            "{}/api/v0/projects/{project}/env-vars",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "rate_limited"
    );
    assert!(recorded(&fake).is_empty(), "the limited request never left");
    // Another user has a budget of their own.
    let other = server.token(&user("petra"));
    let (status, _) = server
        .call(Method::POST, "/api/projects", Some(&other), Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::OK);
}
