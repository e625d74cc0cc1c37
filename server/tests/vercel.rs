//! The Vercel connection and Marketplace install completion against an in-process fake of
//! Vercel that follows the documented shapes (OAuth token endpoint that takes each code once
//! and checks every form field, project lookup, project env listing with `configurationId` and
//! `contentHint`) and records what it receives.

#[path = "../../tests/support/dts.rs"]
mod dts;
mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

const CLIENT_SECRET: &str = "test_client_secret";
const PUBLIC_URL: &str = "https://builder.example";
const NEON_SECRET: &str = "postgres://neon-owner:npg_SECRET@ep-x.eu-central-1.aws.neon.tech/db";

#[derive(Default)]
struct FakeVercel {
    /// Codes the token endpoint still accepts.
    codes: HashSet<String>,
    issued: usize,
    /// Answer the env listing with 500.
    fail_env: bool,
    /// (method, path, query, authorization, form or JSON body)
    calls: Vec<(String, String, String, String, Value)>,
}

type Fake = Arc<Mutex<FakeVercel>>;

fn auth(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn start_vercel() -> (String, Fake) {
    let fake: Fake = Arc::default();
    fake.lock().unwrap().codes = ["code-1", "code-2", "code-3", "code-4"]
        .map(String::from)
        .into();
    let app = Router::new()
        .route(
            "/v2/oauth/access_token",
            post(|State(fake): State<Fake>, headers: HeaderMap, Form(form): Form<Vec<(String, String)>>| async move {
                let mut fake = fake.lock().unwrap();
                let fields: serde_json::Map<String, Value> =
                    form.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
                fake.calls.push(("POST".into(), "/v2/oauth/access_token".into(), String::new(), auth(&headers), Value::Object(fields.clone())));
                let field = |name: &str| fields.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
                let ok = field("client_id") == "cid"
                    && field("client_secret") == CLIENT_SECRET
                    && field("redirect_uri") == format!("{PUBLIC_URL}/api/integrations/vercel/callback")
                    && fake.codes.remove(&field("code"));
                if !ok {
                    return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"})));
                }
                fake.issued += 1;
                let n = fake.issued;
                // The configuration a code belongs to, as Vercel names it in the answer.
                let installation = match field("code").as_str() {
                    "code-4" => "icfg_multi",
                    _ => "icfg_builder",
                };
                (StatusCode::OK, Json(json!({"token_type": "Bearer", "access_token": format!("vercel-user-token-{n}"),
                    "installation_id": installation, "user_id": format!("vuser_{n}"), "team_id": null})))
            }),
        )
        .route(
            "/v9/projects/{id}",
            get(|State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>| async move {
                let mut fake = fake.lock().unwrap();
                fake.calls.push(("GET".into(), format!("/v9/projects/{id}"), String::new(), auth(&headers), Value::Null));
                // Only the users' own tokens can see prj_user.
                if id == "prj_user" && auth(&headers).starts_with("Bearer vercel-user-token-") {
                    (StatusCode::OK, Json(json!({"id": "prj_user", "name": "krukan"})))
                } else {
                    (StatusCode::NOT_FOUND, Json(json!({"error": {"code": "not_found"}})))
                }
            }),
        )
        .route(
            "/v10/projects/{id}/env",
            get(|State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>, Query(query): Query<Vec<(String, String)>>| async move {
                let mut fake = fake.lock().unwrap();
                let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
                fake.calls.push(("GET".into(), format!("/v10/projects/{id}/env"), query, auth(&headers), Value::Null));
                if fake.fail_env {
                    return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": {"code": "internal"}})));
                }
                // The listing answers encrypted values in their encrypted form (`decrypted:
                // false`); getProjectEnv below reads one back decrypted.
                let neon = |key: &str, _value: &str, hint: &str| json!({"id": format!("env_{key}"), "key": key, "value": "eyJlbmMiOnRydWV9", "type": "encrypted",
                    "decrypted": false,
                    "target": ["production", "preview", "development"], "configurationId": "icfg_neon", "contentHint": {"type": hint, "storeId": "store_neon"}});
                (StatusCode::OK, Json(json!({"envs": [
                    neon("DATABASE_URL", NEON_SECRET, "postgres-url"),
                    neon("DATABASE_URL_UNPOOLED", NEON_SECRET, "postgres-url-non-pooling"),
                    neon("PGHOST", "enc:v2:PGHOSTCIPHERTEXT", "postgres-host"),
                    neon("POSTGRES_URL", NEON_SECRET, "postgres-url"),
                    {"id": "env_kv_url", "key": "cache_KV_REST_API_URL", "value": "eyJlbmMiOnRydWV9", "type": "encrypted", "decrypted": false,
                     "target": ["production"], "configurationId": "icfg_upstash", "contentHint": {"type": "redis-rest-api-url"}},
                    {"id": "env_kv_token", "key": "cache_KV_REST_API_TOKEN", "type": "sensitive",
                     "target": ["production"], "configurationId": "icfg_upstash", "contentHint": {"type": "redis-rest-api-token"}},
                    {"id": "env_own", "key": "MY_OWN_VAR", "value": "mine", "type": "plain", "target": ["production"]},
                ]})))
            }),
        )
        // createProjectEnv (`?upsert=true`): answers in the encrypted form, as Vercel does.
        .route(
            "/v10/projects/{id}/env",
            post(|State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>, Query(query): Query<Vec<(String, String)>>, Json(body): Json<Value>| async move {
                let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
                fake.lock().unwrap().calls.push(("POST".into(), format!("/v10/projects/{id}/env"), query, auth(&headers), body.clone()));
                let created: Vec<Value> = body.as_array().into_iter().flatten().map(|v| json!({"id": format!("env_{}", v["key"].as_str().unwrap_or_default()),
                    "key": v["key"], "value": "eyJlbmMiOnRydWV9", "decrypted": false, "type": v["type"], "target": v["target"]})).collect();
                Json(json!({"created": created, "failed": []}))
            }),
        )
        // removeProjectEnv.
        .route(
            "/v9/projects/{id}/env/{env}",
            axum::routing::delete(|State(fake): State<Fake>, headers: HeaderMap, Path((id, env)): Path<(String, String)>| async move {
                fake.lock().unwrap().calls.push(("DELETE".into(), format!("/v9/projects/{id}/env/{env}"), String::new(), auth(&headers), Value::Null));
                Json(json!({"id": env}))
            }),
        )
        // getProjectEnv: one env's decrypted value (PGHOST's Vercel does not decrypt).
        .route(
            "/v1/projects/{id}/env/{env}",
            get(|State(fake): State<Fake>, headers: HeaderMap, Path((id, env)): Path<(String, String)>| async move {
                let mut fake = fake.lock().unwrap();
                fake.calls.push(("GET".into(), format!("/v1/projects/{id}/env/{env}"), String::new(), auth(&headers), Value::Null));
                let value = match env.as_str() {
                    "env_DATABASE_URL" | "env_DATABASE_URL_UNPOOLED" | "env_POSTGRES_URL" => NEON_SECRET,
                    "env_kv_url" => "https://kv.upstash.io",
                    _ => return (StatusCode::OK, Json(json!({"id": env, "type": "encrypted", "decrypted": false}))),
                };
                (StatusCode::OK, Json(json!({"id": env, "value": value, "type": "encrypted", "decrypted": true, "target": ["production"]})))
            }),
        )
        // v0 API v2 (as the official client calls it): a new chat streams its id; resolving
        // records the task.
        .route(
            "/api/v2/chats/stream",
            post(|State(fake): State<Fake>, headers: HeaderMap, body: Bytes| async move {
                fake.lock().unwrap().calls.push(("POST".into(), "/api/v2/chats/stream".into(), String::new(), auth(&headers), serde_json::from_slice(&body).unwrap_or(Value::Null)));
                ([("content-type", "text/event-stream")], "data: {\"object\":\"chat\",\"id\":\"chat_loop\"}\n\ndata: [DONE]\n\n")
            }),
        )
        .route(
            "/api/v2/chats/{id}/messages/resolve/stream",
            post(|State(fake): State<Fake>, Path(id): Path<String>, headers: HeaderMap, body: Bytes| async move {
                fake.lock().unwrap().calls.push(("POST".into(), format!("/api/v2/chats/{id}/messages/resolve/stream"), String::new(), auth(&headers), serde_json::from_slice(&body).unwrap_or(Value::Null)));
                ([("content-type", "text/event-stream")], "data: {\"object\":\"message\",\"id\":\"m2\",\"chatId\":\"chat_loop\",\"parts\":[],\"finishReason\":\"stop\"}\n\n")
            }),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, fake)
}

fn vercel_args(fake_base: &str) -> Vec<String> {
    [
        "--vercel-client-id",
        "cid",
        "--vercel-client-secret",
        CLIENT_SECRET,
        "--vercel-integration-slug",
        "sajtmaskin",
        "--public-url",
        PUBLIC_URL,
        "--vercel-api-url",
        fake_base,
        "--v0-api-key",
        "platform-v0-key",
        "--v0-api-url",
        &format!("{fake_base}/api/v2"),
    ]
    .map(String::from)
    .to_vec()
}

async fn vercel_server(fake_base: &str, database: Option<String>) -> TestServer {
    let args = vercel_args(fake_base);
    spawn_with(
        database,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await
}

fn calls(fake: &Fake) -> Vec<(String, String, String, String, Value)> {
    std::mem::take(&mut fake.lock().unwrap().calls)
}

/// Starts a connection for `token`: (nonce from the cookie, install URL).
async fn start(server: &TestServer, token: &str) -> (String, String) {
    let response = server
        .client
        .post(format!("{}/api/integrations/vercel/connect", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let nonce = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let url = response.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    (nonce, url)
}

/// Vercel sending the browser back: (status, Location).
async fn come_back(
    server: &TestServer,
    cookie: Option<&str>,
    query: &str,
) -> (StatusCode, String, Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(format!(
        "{}/api/integrations/vercel/callback?{query}",
        server.base
    ));
    if let Some(nonce) = cookie {
        request = request.header("cookie", format!("other=1; sm_vercel_flow={nonce}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, location, body)
}

fn sign(body: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(CLIENT_SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn webhook(server: &TestServer, body: &str, signature: &str) -> (StatusCode, Value) {
    let response = server
        .client
        .post(format!("{}/api/webhooks/vercel", server.base))
        .header("content-type", "application/json")
        .header("x-vercel-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[test]
fn the_documented_signature_vector_holds() {
    let body = r#"{"id":"evt_1","type":"integration-configuration.removed","createdAt":1700000000000,"payload":{"configuration":{"id":"icfg_123"}}}"#;
    assert_eq!(sign(body), "c71c94af4e1acf9bd0133b6b70678e466b2f4add");
}

#[tokio::test]
async fn connect_link_webhook_sync_and_removal() {
    let (fake_base, fake) = start_vercel().await;
    let server = vercel_server(&fake_base, None).await;
    let alice = user("alice");
    let token = server.token(&alice);

    // Connect: the install page of the builder's integration, bound to this browser.
    let (nonce, url) = start(&server, &token).await;
    assert_eq!(
        url,
        format!("https://vercel.com/integrations/sajtmaskin/new?state={nonce}")
    );
    let (status, location, _) = come_back(
        &server,
        Some(&nonce),
        &format!("code=code-1&configurationId=icfg_builder&next=https%3A%2F%2Fvercel.com%2Fdashboard&source=marketplace&state={nonce}"),
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "https://vercel.com/dashboard")
    );
    let exchange = calls(&fake);
    assert_eq!(exchange.len(), 1);
    assert_eq!(
        exchange[0].3, "",
        "the code exchange carries no bearer token"
    );
    assert_eq!(exchange[0].4["code"], "code-1");
    let (_, connection) = server
        .call(Method::GET, "/api/integrations/vercel", Some(&token), None)
        .await;
    assert_eq!(
        (
            connection["connected"].as_bool(),
            connection["configurationId"].as_str()
        ),
        (Some(true), Some("icfg_builder"))
    );
    assert!(!connection.to_string().contains("vercel-user-token"));

    // The same nonce again: refused, nothing exchanged.
    let (status, _, body) = come_back(
        &server,
        Some(&nonce),
        &format!("code=code-2&configurationId=icfg_builder&state={nonce}"),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_flow"))
    );
    assert!(calls(&fake).is_empty());

    // Link the project to the user's own Vercel project: checked with the user's token.
    let project = server.project(&token, json!({"name": "Krukan"})).await;
    let (status, linked) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/vercel-project"),
            Some(&token),
            Some(json!({"vercelProjectId": "prj_user"})),
        )
        .await;
    assert_eq!(
        (status, linked["linkedVercelProjectId"].as_str()),
        (StatusCode::OK, Some("prj_user")),
        "{linked}"
    );
    let lookup = calls(&fake);
    assert_eq!(
        (lookup[0].1.as_str(), lookup[0].3.as_str()),
        ("/v9/projects/prj_user", "Bearer vercel-user-token-1")
    );
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/vercel-project"),
            Some(&token),
            Some(json!({"vercelProjectId": "prj_other"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a project the user's token cannot reach"
    );
    calls(&fake);

    // The card's install starts a pending record; Vercel's webhook completes it.
    let started = server.start_install(&token, "neon", &project).await;
    assert_eq!(started["record"]["status"], "pending");
    let event = r#"{"id":"evt_pc1","type":"integration-resource.project-connected","createdAt":1764000000000,"payload":{"projectId":"prj_user","configuration":{"id":"icfg_neon"}}}"#;
    let (status, _) = webhook(&server, event, "0000000000000000000000000000000000000000").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a wrong signature");
    assert!(calls(&fake).is_empty());
    let (status, _) = webhook(&server, event, &sign(event)).await;
    assert_eq!(status, StatusCode::OK);
    let env_read = calls(&fake);
    assert_eq!(
        (
            env_read[0].1.as_str(),
            env_read[0].2.as_str(),
            env_read[0].3.as_str()
        ),
        (
            "/v10/projects/prj_user/env",
            "",
            "Bearer vercel-user-token-1"
        ),
        "the listing without the deprecated decrypt parameter"
    );
    let reads: Vec<&str> = env_read[1..].iter().map(|c| c.1.as_str()).collect();
    assert!(
        reads.contains(&"/v1/projects/prj_user/env/env_DATABASE_URL"),
        "{reads:?}"
    );
    assert!(env_read[1..]
        .iter()
        .all(|c| c.3 == "Bearer vercel-user-token-1"));
    let records = server.records(&token, &project).await;
    let neon = &records[0];
    assert_eq!(
        (neon["status"].as_str(), neon["marketplaceId"].as_str()),
        (Some("installed"), Some("icfg_neon")),
        "{records:?}"
    );
    let keys: Vec<&str> = neon["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "DATABASE_URL",
            "DATABASE_URL_UNPOOLED",
            "PGHOST",
            "POSTGRES_URL"
        ]
    );
    assert!(
        !Value::from(records.clone())
            .to_string()
            .contains("npg_SECRET"),
        "key names only"
    );
    // Readable values were copied into the local store, as sensitive.
    let (_, vars) = server.env(Method::GET, &project, &token, None).await;
    let database = vars["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == "DATABASE_URL")
        .unwrap()
        .clone();
    assert_eq!(
        (database["sensitive"].as_bool(), database["value"].clone()),
        (Some(true), Value::Null)
    );
    // A value Vercel did not decrypt is its ciphertext: never copied as a value.
    assert!(
        !vars["envVars"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["key"] == "PGHOST"),
        "{vars}"
    );

    // The generation resumes: v0 is told exactly what is connected and which keys were added.
    let response = server
        .client
        .post(format!("{}/api/projects/{project}/chats", server.base))
        .bearer_auth(&token)
        .json(&json!({"message": "Bygg en gästbok"}))
        .send()
        .await
        .unwrap();
    assert!(response.text().await.unwrap().contains("chat_loop"));
    for _ in 0..50 {
        if server.count("project_chats").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let response = server
        .client
        .post(format!(
            "{}/api/projects/{project}/chat/resolve",
            server.base
        ))
        .bearer_auth(&token)
        .json(&json!({"chatId": "chat_loop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap();
    let resolve = calls(&fake)
        .into_iter()
        .find(|c| c.1.ends_with("/resolve/stream"))
        .unwrap();
    assert_eq!(resolve.3, "Bearer platform-v0-key");
    assert_eq!(
        resolve.4,
        json!({"task": {"type": "confirmed-steps", "connectedIntegrationNames": ["Neon"], "connectedMcpPresetNames": [],
            "addedEnvVars": ["DATABASE_URL", "DATABASE_URL_UNPOOLED", "PGHOST", "POSTGRES_URL"], "appliedScripts": []}})
    );

    // The same event again changes nothing and calls nobody.
    let before = server.count("user_integrations").await;
    let (status, replay) = webhook(&server, event, &sign(event)).await;
    assert_eq!(
        (status, replay["duplicate"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    assert!(calls(&fake).is_empty());
    assert_eq!(server.count("user_integrations").await, before);

    // A webhook whose sync fails leaves the pending install `error`, with the reason.
    server.start_install(&token, "supabase", &project).await;
    fake.lock().unwrap().fail_env = true;
    let failing = r#"{"id":"evt_pc2","type":"integration-resource.project-connected","createdAt":1764000000002,"payload":{"projectId":"prj_user"}}"#;
    assert_eq!(
        webhook(&server, failing, &sign(failing)).await.0,
        StatusCode::OK
    );
    fake.lock().unwrap().fail_env = false;
    calls(&fake);
    let records = server.records(&token, &project).await;
    let supabase = records
        .iter()
        .find(|r| r["integrationType"] == "supabase")
        .unwrap()
        .clone();
    assert_eq!(
        (supabase["status"].as_str(), supabase["reason"].as_str()),
        (Some("error"), Some("upstream_error")),
        "{supabase}"
    );

    // A manual sync: Upstash keys behind a prefix; the sensitive one stays on Vercel.
    let (status, synced) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/integrations/upstash/sync"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced["record"]["status"], "installed");
    assert_eq!(synced["copied"], json!(["cache_KV_REST_API_URL"]));
    assert_eq!(synced["notCopied"], json!(["cache_KV_REST_API_TOKEN"]));
    // What the package declares for these answers is what they are.
    let decls = dts::Declarations::of_package(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let (_, connection) = server
        .call(Method::GET, "/api/integrations/vercel", Some(&token), None)
        .await;
    for (value, ty) in [
        (&synced, "IntegrationSync"),
        (&connection, "VercelConnection"),
        (&linked, "Project"),
    ] {
        let problems = decls.check(value, ty);
        assert!(problems.is_empty(), "{ty}: {problems:?}");
    }
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/integrations/not-a-provider/sync"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Uninstalling the Neon configuration: its records are removed.
    let removed = r#"{"id":"evt_rm1","type":"integration-configuration.removed","createdAt":1764000000001,"payload":{"configuration":{"id":"icfg_neon"}}}"#;
    assert_eq!(
        webhook(&server, removed, &sign(removed)).await.0,
        StatusCode::OK
    );
    let records = server.records(&token, &project).await;
    let status_of =
        |t: &str| records.iter().find(|r| r["integrationType"] == t).unwrap()["status"].clone();
    assert_eq!(
        (status_of("neon"), status_of("upstash")),
        (json!("removed"), json!("installed"))
    );

    // No token, client secret or env value in the database file or the logs.
    let bytes = server.data_bytes();
    for secret in [
        "vercel-user-token",
        CLIENT_SECRET,
        "npg_SECRET",
        "kv.upstash.io",
    ] {
        assert!(!contains(&bytes, secret), "{secret} at rest");
        assert!(!logs().contains(secret), "{secret} in the logs");
    }
    // Forget the connection.
    let (_, after) = server
        .call(
            Method::DELETE,
            "/api/integrations/vercel",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(after["connected"], false);
}

#[tokio::test]
async fn a_callback_must_come_back_to_the_browser_and_user_that_started_it() {
    let (fake_base, fake) = start_vercel().await;
    let server = vercel_server(&fake_base, None).await;
    let (alice, bob) = (server.token(&user("alice")), server.token(&user("bob")));
    let (alice_nonce, _) = start(&server, &alice).await;
    let (bob_nonce, _) = start(&server, &bob).await;

    // No cookie: this browser started nothing.
    let (status, _, _) = come_back(
        &server,
        None,
        &format!("code=code-1&configurationId=icfg_1&state={alice_nonce}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Bob's browser with Alice's state: another user's flow.
    let (status, _, _) = come_back(
        &server,
        Some(&bob_nonce),
        &format!("code=code-1&configurationId=icfg_1&state={alice_nonce}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A made-up nonce.
    let (status, _, _) = come_back(
        &server,
        Some("made-up"),
        "code=code-1&configurationId=icfg_1",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // An expired flow.
    let pool = server.pool().await;
    sqlx::query("UPDATE vercel_flows SET expires_at = 0")
        .execute(&pool)
        .await
        .unwrap();
    let (status, _, _) = come_back(
        &server,
        Some(&bob_nonce),
        &format!("code=code-1&configurationId=icfg_1&state={bob_nonce}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(calls(&fake).is_empty(), "no code was exchanged");
    assert_eq!(
        server.count("vercel_connections").await,
        0,
        "nothing stored"
    );

    // `next` off vercel.com is ignored: back to the builder instead.
    // (each flow is single-use, so each value gets one)
    for (code, next) in [
        ("code-2", "https%3A%2F%2Fevil.example%2F"),
        ("code-3", "https%3A%2F%2Fvercel.com.evil.example%2F"),
    ] {
        let (nonce, _) = start(&server, &alice).await;
        let (status, location, _) = come_back(
            &server,
            Some(&nonce),
            &format!("code={code}&configurationId=icfg_1&next={next}&state={nonce}"),
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (
                StatusCode::SEE_OTHER,
                "https://builder.example/?vercel=connected"
            ),
            "{next}"
        );
    }
}

/// Login CSRF: a victim with a pending flow is sent to the callback with the attacker's code and
/// configuration and no `state`. Refused, nothing exchanged or stored; and with the victim's own
/// state, the configuration stored is the one Vercel's token answer names, not the query's.
#[tokio::test]
async fn a_callback_without_state_is_refused_and_the_query_names_no_configuration() {
    let (fake_base, fake) = start_vercel().await;
    let server = vercel_server(&fake_base, None).await;
    let victim = server.token(&user("vera"));
    let (nonce, _) = start(&server, &victim).await;
    for query in [
        "code=code-1&configurationId=icfg_attacker".to_owned(),
        "code=code-1&configurationId=icfg_attacker&state=".to_owned(),
        // This browser's nonce with its last character changed.
        format!(
            "code=code-1&configurationId=icfg_attacker&state={}{}",
            &nonce[..nonce.len() - 1],
            if nonce.ends_with('A') { 'B' } else { 'A' }
        ),
    ] {
        let (status, _, body) = come_back(&server, Some(&nonce), &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_flow", "{query}");
    }
    assert!(calls(&fake).is_empty(), "no code was exchanged");
    assert_eq!(server.count("vercel_connections").await, 0);
    // The victim's own flow goes on; the query's configuration and team are not what is stored.
    let (status, _, _) = come_back(
        &server,
        Some(&nonce),
        &format!("code=code-1&configurationId=icfg_attacker&teamId=team_attacker&state={nonce}"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, connection) = server
        .call(Method::GET, "/api/integrations/vercel", Some(&victim), None)
        .await;
    assert_eq!(connection["configurationId"], "icfg_builder");
    assert_eq!(connection["teamId"], Value::Null);
}

#[tokio::test]
async fn vercel_routes_need_a_token_and_the_callers_own_project() {
    let (fake_base, _fake) = start_vercel().await;
    let server = vercel_server(&fake_base, None).await;
    let owner = server.token(&user("olle"));
    let project = server.project(&owner, json!({})).await;
    let stranger = server.token(&user("stina"));
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": "olle", "exp": 1_000_000_000u64}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let routes = [
        (
            Method::POST,
            "/api/integrations/vercel/connect".to_owned(),
            None,
        ),
        (Method::GET, "/api/integrations/vercel".to_owned(), None),
        (Method::DELETE, "/api/integrations/vercel".to_owned(), None),
        (
            Method::POST,
            format!("/api/projects/{project}/vercel-project"),
            Some(json!({"vercelProjectId": "prj_user"})),
        ),
        (
            Method::POST,
            format!("/api/projects/{project}/integrations/neon/sync"),
            None,
        ),
    ];
    for (method, path, body) in &routes {
        for token in [None, Some("not-a-jwt"), Some(expired.as_str())] {
            let (status, _) = server.call(method.clone(), path, token, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {token:?}"
            );
        }
    }
    for (method, path, body) in &routes[3..] {
        let (status, _) = server
            .call(method.clone(), path, Some(&stranger), body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{method} {path} for another user's project"
        );
    }
    // Without a connection, the owner is told to connect first.
    let (status, out) = server
        .call(Method::POST, &routes[4].1, Some(&owner), None)
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("project_not_linked"))
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: npm test starts one and runs these with --ignored"]
async fn a_flow_started_on_one_instance_finishes_on_another() {
    let url = postgres_url();
    let (fake_base, _fake) = start_vercel().await;
    // Instances behind one load balancer share their keys (from the environment in production).
    let mut args = vercel_args(&fake_base);
    args.extend([
        "--env-var-encryption-key".into(),
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let a = spawn_with(Some(url.clone()), &args).await;
    let b = spawn_with(Some(url), &args).await;
    let who = user("multi");
    let (nonce, _) = start(&a, &a.token(&who)).await;
    let (status, _, _) = come_back(
        &b,
        Some(&nonce),
        &format!("code=code-4&configurationId=icfg_multi&state={nonce}"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, connection) = a
        .call(
            Method::GET,
            "/api/integrations/vercel",
            Some(&a.token(&who)),
            None,
        )
        .await;
    assert_eq!(connection["configurationId"], "icfg_multi");
    let (status, _, _) = come_back(
        &a,
        Some(&nonce),
        &format!("code=code-4&configurationId=icfg_multi&state={nonce}"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "and it cannot be finished twice"
    );
}

/// GET the project's env vars: refused with `status` and `code`, and nothing sent to Vercel.
async fn env_refused(
    server: &TestServer,
    fake: &Fake,
    project: &str,
    token: &str,
    status: StatusCode,
    code: &str,
) {
    let (got, body) = server
        .call(
            Method::GET,
            &format!("/api/v0/projects/{project}/env-vars"),
            Some(token),
            None,
        )
        .await;
    assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)));
    assert!(calls(fake).is_empty());
}

/// `ENV_STORE=vercel-linked`: a project's env vars live on the Vercel project its owner linked,
/// and every call on them carries the owner's own token (never `VERCEL_TOKEN`, the platform's).
/// Unconnected owners get 409, unlinked projects 422; another user cannot reach them at all.
#[tokio::test]
async fn env_vars_live_on_the_owners_linked_vercel_project_through_their_connection() {
    let (fake_base, fake) = start_vercel().await;
    let mut args = vercel_args(&fake_base);
    // The platform's Vercel token is configured, and must never be used for these vars.
    args.extend(
        [
            "--env-store",
            "vercel-linked",
            "--vercel-token",
            "platform-vercel-token",
        ]
        .map(String::from),
    );
    let server = spawn_with(None, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let alice = server.token(&user("alice"));
    let env_path = |project: &str| format!("/api/v0/projects/{project}/env-vars");

    // Creating a project creates nothing upstream; before a connection its vars are a 409.
    let project = server.project(&alice, json!({"name": "Krukan"})).await;
    assert!(calls(&fake).is_empty(), "nothing created with any token");
    let refused = |status, code| env_refused(&server, &fake, &project, &alice, status, code);
    refused(StatusCode::CONFLICT, "vercel_not_connected").await;

    let (nonce, _) = start(&server, &alice).await;
    come_back(&server, Some(&nonce), &format!("code=code-1&state={nonce}")).await;
    calls(&fake);
    // Connected but not linked: 422, and no call to Vercel.
    refused(StatusCode::UNPROCESSABLE_ENTITY, "project_not_linked").await;

    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/vercel-project"),
            Some(&alice),
            Some(json!({"vercelProjectId": "prj_user"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    calls(&fake);

    // List: the linked project's envs (readable ones read back decrypted), with her token.
    let (status, list) = server
        .call(Method::GET, &env_path(&project), Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let keys: Vec<&str> = list["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["key"].as_str())
        .collect();
    assert!(
        keys.contains(&"DATABASE_URL") && keys.contains(&"MY_OWN_VAR"),
        "{keys:?}"
    );
    let database = list["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == "DATABASE_URL")
        .unwrap();
    assert_eq!(
        database["value"], NEON_SECRET,
        "read back with getProjectEnv"
    );
    // Create (sensitive): upserted on prj_user; the answer has no value.
    let (status, created) = server
        .call(Method::POST, &env_path(&project), Some(&alice), Some(json!({"vars": [{"key": "STRIPE_SECRET_KEY", "value": "sk_test_linked", "sensitive": true}], "upsert": true})))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["envVars"][0]["value"], Value::Null);
    // Delete by key.
    let (status, deleted) = server
        .call(
            Method::DELETE,
            &env_path(&project),
            Some(&alice),
            Some(json!({"keys": ["MY_OWN_VAR"]})),
        )
        .await;
    assert_eq!(
        (status, deleted["envVars"][0]["key"].as_str()),
        (StatusCode::OK, Some("MY_OWN_VAR"))
    );
    let sent = calls(&fake);
    assert!(!sent.is_empty());
    for (method, path, query, authorization, _) in &sent {
        assert!(path.contains("/projects/prj_user/env"), "{method} {path}");
        assert_eq!(
            authorization, "Bearer vercel-user-token-1",
            "{method} {path}"
        );
        if method == "POST" {
            assert_eq!(query, "upsert=true");
        }
    }
    let post = sent.iter().find(|c| c.0 == "POST").unwrap();
    assert_eq!(post.4[0]["type"], "sensitive");
    assert!(sent
        .iter()
        .any(|c| c.0 == "DELETE" && c.1 == "/v9/projects/prj_user/env/env_own"));

    // Another user reaches neither the project nor, through it, her Vercel project.
    let bob = server.token(&user("bob"));
    let (status, _) = server
        .call(Method::GET, &env_path(&project), Some(&bob), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(calls(&fake).is_empty());

    // Disconnected: the vars are out of reach again (409), not read with any other token.
    let (status, _) = server
        .call(
            Method::DELETE,
            "/api/integrations/vercel",
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    refused(StatusCode::CONFLICT, "vercel_not_connected").await;
}

/// `ENV_STORE=vercel-linked` without the Vercel integration settings is a start-up error.
#[tokio::test]
async fn vercel_linked_store_needs_the_vercel_integration() {
    let dir = tempfile::tempdir().unwrap();
    let config = <sajtmaskin_server::config::Config as clap::Parser>::try_parse_from([
        "sajtmaskin-server",
        "--data-dir",
        &dir.path().display().to_string(),
        "--env-store",
        "vercel-linked",
    ])
    .unwrap();
    let error = sajtmaskin_server::state::AppState::from_config(&config)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("VERCEL_CLIENT_ID"), "{error}");
}
