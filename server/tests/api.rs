//! The backend over real HTTP on loopback: authorization matrix, secrets at rest and in logs,
//! concurrency, bad input, Marketplace records — on SQLite always, and on Postgres when
//! scripts/postgres.sh started one (TEST_DATABASE_URL).

mod support;

use std::collections::HashSet;

use futures_util::future::join_all;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

async fn counts(server: &TestServer) -> Value {
    let mut out = serde_json::Map::new();
    for table in ["projects", "env_vars", "env_var_flags", "user_integrations"] {
        out.insert(table.into(), server.count(table).await.into());
    }
    Value::Object(out)
}

#[tokio::test]
async fn authorization_matrix() {
    let server = spawn(&[]).await;
    let alice = user("alice");
    let bob = user("bob");
    let (alice_token, bob_token) = (server.token(&alice), server.token(&bob));
    let project = server
        .project(&alice_token, json!({"name": "alice's"}))
        .await;
    server
        .set(&project, &alice_token, "SECRET_KEY", "s3cr3t-value", true)
        .await;
    let env = format!("/api/v0/projects/{project}/env-vars");
    let routes: Vec<(Method, String, Option<Value>, bool)> = vec![
        // (method, path, body, project-scoped)
        (Method::GET, env.clone(), None, true),
        (
            Method::POST,
            env.clone(),
            Some(json!({"vars": [{"key": "NEW", "value": "x"}]})),
            true,
        ),
        (
            Method::PATCH,
            env.clone(),
            Some(json!({"vars": [{"id": "env_x", "value": "x"}]})),
            true,
        ),
        (
            Method::DELETE,
            env.clone(),
            Some(json!({"keys": ["SECRET_KEY"]})),
            true,
        ),
        (
            Method::POST,
            "/api/integrations/marketplace/start".into(),
            Some(json!({"integrationType": "neon", "projectId": project})),
            true,
        ),
        (
            Method::GET,
            format!("/api/integrations/marketplace/records?projectId={project}"),
            None,
            true,
        ),
        (Method::GET, "/api/projects".into(), None, false),
        (
            Method::POST,
            "/api/projects".into(),
            Some(json!({"name": "x"})),
            false,
        ),
        (Method::GET, "/api/integrations/status".into(), None, false),
        (
            Method::GET,
            "/api/integrations/marketplace/strategy".into(),
            None,
            false,
        ),
        (Method::GET, "/api/mcp/presets".into(), None, false),
        // The project's chats (v0): list, a chat's Vercel project, its connect status.
        (
            Method::GET,
            format!("/api/projects/{project}/chats"),
            None,
            true,
        ),
        (
            Method::POST,
            format!("/api/projects/{project}/chats/chat_abc/vercel-project"),
            None,
            true,
        ),
        (
            Method::GET,
            format!("/api/projects/{project}/chats/chat_abc/connect/status?requestId=r1"),
            None,
            true,
        ),
        (
            Method::POST,
            format!("/api/projects/{project}/mcp-token"),
            None,
            true,
        ),
        // Credential checks: run one, list the last ones.
        (
            Method::POST,
            format!("/api/projects/{project}/integrations/stripe/verify"),
            None,
            true,
        ),
        (
            Method::GET,
            format!("/api/projects/{project}/integrations/checks"),
            None,
            true,
        ),
    ];
    let before = counts(&server).await;
    for (method, path, body, scoped) in &routes {
        let cases = [
            ("no token", None, "unauthorized"),
            (
                "bad signature",
                Some(foreign_token(&alice)),
                "token_invalid",
            ),
            ("expired", Some(expired_token(&alice)), "token_expired"),
            ("not a JWT", Some("abc.def.ghi".to_owned()), "token_invalid"),
        ];
        for (name, token, code) in cases {
            let (status, body) = server
                .call(method.clone(), path, token.as_deref(), body.clone())
                .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {name}: {body}"
            );
            assert_eq!(body["error"]["code"], code, "{method} {path} with {name}");
        }
        if *scoped {
            let (status, body) = server
                .call(method.clone(), path, Some(&bob_token), body.clone())
                .await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{method} {path} as another user: {body}"
            );
            assert_eq!(body["error"]["code"], "not_found");
        }
    }
    assert_eq!(counts(&server).await, before, "no row changed");
    // A Basic scheme or an empty bearer is no token either.
    let response = server
        .client
        .get(format!("{}/api/projects", server.base))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The health check needs no token and says nothing about secrets.
    let (status, health) = server.call(Method::GET, "/api/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !health.to_string().to_lowercase().contains("key"),
        "{health}"
    );
}

async fn sensitive_values_stay_secret(server: TestServer) {
    let token = server.token(&user("carol"));
    let project = server.project(&token, json!({})).await;
    let secret = format!(
        "postgres://u:pw-{}@db.example/app",
        sajtmaskin_server::ids::new_id("s")
    );
    let created = server
        .set(&project, &token, "DATABASE_URL", &secret, true)
        .await;
    assert_eq!(created["envVars"][0]["value"], Value::Null);
    let (_, listed) = server.env(Method::GET, &project, &token, None).await;
    assert_eq!(
        listed["envVars"][0],
        json!({"id": created["envVars"][0]["id"], "key": "DATABASE_URL", "value": null, "sensitive": true,
                                             "createdAt": created["envVars"][0]["createdAt"], "updatedAt": listed["envVars"][0]["updatedAt"]})
    );
    // A new value through PATCH is not returned either.
    let id = created["envVars"][0]["id"].as_str().unwrap();
    let second = format!("{secret}-rotated");
    let (status, patched) = server
        .env(
            Method::PATCH,
            &project,
            &token,
            Some(json!({"vars": [{"id": id, "value": second}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["envVars"][0]["value"], Value::Null);
    // The capture works: the requests above were logged (by URI, never by body).
    assert!(logs().contains(&project), "logs are captured");
    for text in [&secret, &second] {
        assert!(!listed.to_string().contains(text.as_str()));
        assert!(!logs().contains(text.as_str()), "the logs hold a secret");
        match &server.database_url {
            None => assert!(
                !contains(&server.data_bytes(), text),
                "the SQLite files hold the plaintext"
            ),
            Some(_) => {
                let pool = server.pool().await;
                let rows: Vec<(String, Vec<u8>, Vec<u8>)> =
                    sqlx::query_as("SELECT key, nonce, ciphertext FROM env_vars")
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                assert!(!rows.is_empty());
                for (key, nonce, ciphertext) in rows {
                    assert!(
                        !contains(&ciphertext, text)
                            && !contains(&nonce, text)
                            && !key.contains(text.as_str())
                    );
                }
                let dump: Vec<String> =
                    sqlx::query_scalar("SELECT CAST(ciphertext AS TEXT) FROM env_vars")
                        .fetch_all(&pool)
                        .await
                        .unwrap();
                assert!(dump.iter().all(|d| !d.contains(text.as_str())));
                pool.close().await;
            }
        }
    }
    // Non-sensitive values are returned.
    server
        .set(
            &project,
            &token,
            "NEXT_PUBLIC_SITE",
            "https://site.example",
            false,
        )
        .await;
    let (_, listed) = server.env(Method::GET, &project, &token, None).await;
    let public = listed["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == "NEXT_PUBLIC_SITE")
        .unwrap();
    assert_eq!(public["value"], "https://site.example");
}

#[tokio::test]
async fn sensitive_values_are_never_returned_stored_in_plaintext_or_logged_sqlite() {
    sensitive_values_stay_secret(spawn(&[]).await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: npm test starts one and runs these with --ignored"]
async fn sensitive_values_are_never_returned_stored_in_plaintext_or_logged_postgres() {
    let url = postgres_url();
    sensitive_values_stay_secret(spawn_with(Some(url), &[]).await).await;
}

async fn concurrent_upserts(server: TestServer) {
    let token = server.token(&user("dave"));
    let project = server.project(&token, json!({})).await;
    let distinct = (0..200).map(|i| {
        let (server, token, project) = (&server, &token, &project);
        async move { server.env(Method::POST, project, token, Some(json!({"vars": [{"key": format!("KEY_{i}"), "value": format!("v{i}")}], "upsert": true}))).await.0 }
    });
    let statuses = join_all(distinct).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (_, listed) = server.env(Method::GET, &project, &token, None).await;
    assert_eq!(listed["envVars"].as_array().unwrap().len(), 200);

    let other = server.project(&token, json!({})).await;
    let same = (0..200).map(|i| {
        let (server, token, other) = (&server, &token, &other);
        async move { server.env(Method::POST, other, token, Some(json!({"vars": [{"key": "SHARED", "value": format!("value-{i}")}], "upsert": true}))).await.0 }
    });
    let statuses = join_all(same).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (_, listed) = server.env(Method::GET, &other, &token, None).await;
    let vars = listed["envVars"].as_array().unwrap();
    assert_eq!(vars.len(), 1, "exactly one row for one key");
    let written: HashSet<String> = (0..200).map(|i| format!("value-{i}")).collect();
    assert!(written.contains(vars[0]["value"].as_str().unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_upserts_sqlite() {
    concurrent_upserts(spawn(&[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: npm test starts one and runs these with --ignored"]
async fn concurrent_upserts_postgres() {
    let url = postgres_url();
    concurrent_upserts(spawn_with(Some(url), &[]).await).await;
}

#[tokio::test]
async fn every_documented_bad_input_has_its_status_and_code() {
    let server = spawn(&[]).await;
    let token = server.token(&user("erin"));
    let project = server.project(&token, json!({})).await;
    server.set(&project, &token, "EXISTING", "x", false).await;
    let big = "x".repeat(64 * 1024 + 1);
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"key": format!("K{i}"), "value": "v"}))
        .collect();
    let cases: Vec<(&str, Method, Value, StatusCode, &str)> = vec![
        (
            "bad key",
            Method::POST,
            json!({"vars": [{"key": "1BAD", "value": "v"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_key",
        ),
        (
            "key with dash",
            Method::POST,
            json!({"vars": [{"key": "BAD-KEY", "value": "v"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_key",
        ),
        (
            "key too long",
            Method::POST,
            json!({"vars": [{"key": "K".repeat(257), "value": "v"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_key",
        ),
        (
            "oversized value",
            Method::POST,
            json!({"vars": [{"key": "BIG", "value": big}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "value_too_large",
        ),
        (
            "too many vars",
            Method::POST,
            json!({"vars": many}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_vars",
        ),
        (
            "no vars",
            Method::POST,
            json!({"vars": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_selection",
        ),
        (
            "duplicate key",
            Method::POST,
            json!({"vars": [{"key": "A", "value": "1"}, {"key": "A", "value": "2"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "duplicate_key",
        ),
        (
            "existing key without upsert",
            Method::POST,
            json!({"vars": [{"key": "EXISTING", "value": "y"}]}),
            StatusCode::CONFLICT,
            "env_var_exists",
        ),
        (
            "wrong shape",
            Method::POST,
            json!({"vars": "nope"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            "empty ids and keys",
            Method::DELETE,
            json!({"ids": [], "keys": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_selection",
        ),
        (
            "nothing to delete",
            Method::DELETE,
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_selection",
        ),
        (
            "unknown id",
            Method::PATCH,
            json!({"vars": [{"id": "env_nope", "value": "v"}]}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "oversized patch value",
            Method::PATCH,
            json!({"vars": [{"id": "env_nope", "value": "x".repeat(70_000)}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "value_too_large",
        ),
    ];
    let before = counts(&server).await;
    for (name, method, body, status, code) in cases {
        let (got, out) = server.env(method, &project, &token, Some(body)).await;
        assert_eq!(
            (got, out["error"]["code"].as_str()),
            (status, Some(code)),
            "{name}: {out}"
        );
        assert!(
            out["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }
    assert_eq!(counts(&server).await, before, "bad requests change nothing");

    let (status, out) = server.env(Method::GET, "prj_unknown", &token, None).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let url = format!("{}/api/v0/projects/{project}/env-vars", server.base);
    let raw = |body: Vec<u8>, content_type: &'static str| {
        server
            .client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let response = raw(b"{\"vars\": [".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_json"
    );
    let response = raw(
        br#"{"vars":[{"key":"A","value":"b"}]}"#.to_vec(),
        "text/plain",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "unsupported_media_type"
    );
    let mut huge = br#"{"vars":[{"key":"A","value":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 10));
    huge.extend_from_slice(br#""}]}"#);
    let response = raw(huge, "application/json").await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );
    assert_eq!(counts(&server).await, before);
}

#[tokio::test]
async fn env_var_lifecycle_update_and_delete_by_id_and_key() {
    let server = spawn(&[]).await;
    let token = server.token(&user("frank"));
    let project = server.project(&token, json!({})).await;
    let (_, created) = server.env(Method::POST, &project, &token, Some(json!({"vars": [{"key": "A", "value": "1"}, {"key": "B", "value": "2"}, {"key": "C", "value": "3", "sensitive": true}]}))).await;
    let id_a = created["envVars"][0]["id"].as_str().unwrap().to_owned();
    let (status, patched) = server
        .env(
            Method::PATCH,
            &project,
            &token,
            Some(json!({"vars": [{"id": id_a, "value": "11"}]})),
        )
        .await;
    assert_eq!(
        (status, patched["envVars"][0]["value"].as_str()),
        (StatusCode::OK, Some("11"))
    );
    let (status, deleted) = server
        .env(
            Method::DELETE,
            &project,
            &token,
            Some(json!({"ids": [id_a], "keys": ["C"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = deleted["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["A", "C"]);
    assert!(deleted["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["value"].is_null()));
    let (_, listed) = server.env(Method::GET, &project, &token, None).await;
    assert_eq!(listed["envVars"].as_array().unwrap().len(), 1);
    assert_eq!(listed["envVars"][0]["key"], "B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn marketplace_start_is_one_row_per_user_project_and_type() {
    let server = spawn(&[]).await;
    let who = user("gina");
    let token = server.token(&who);
    let project = server.project(&token, json!({})).await;
    let start = |body: Value| {
        let (server, token) = (&server, &token);
        async move {
            server
                .call(
                    Method::POST,
                    "/api/integrations/marketplace/start",
                    Some(token),
                    Some(body),
                )
                .await
                .0
        }
    };
    let without_project =
        join_all((0..40).map(|_| start(json!({"integrationType": "neon"})))).await;
    assert!(without_project.iter().all(|s| *s == StatusCode::OK));
    join_all((0..10).map(|_| start(json!({"integrationType": "neon", "projectId": project}))))
        .await;
    let (_, started) = server
        .call(
            Method::POST,
            "/api/integrations/marketplace/start",
            Some(&token),
            Some(json!({"integrationType": "upstash", "projectId": project})),
        )
        .await;
    assert_eq!(
        started["installUrl"],
        "https://vercel.com/marketplace/upstash"
    );
    let (_, all) = server
        .call(
            Method::GET,
            "/api/integrations/marketplace/records",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(all["records"].as_array().unwrap().len(), 3, "{all}");
    let (_, scoped) = server
        .call(
            Method::GET,
            &format!("/api/integrations/marketplace/records?projectId={project}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(scoped["records"].as_array().unwrap().len(), 2);
    let (_, status) = server
        .call(Method::GET, "/api/integrations/status", Some(&token), None)
        .await;
    assert_eq!(
        (
            status["projects"].as_i64(),
            status["integrations"].as_array().map(Vec::len)
        ),
        (Some(1), Some(3))
    );
    let (code, out) = server
        .call(
            Method::POST,
            "/api/integrations/marketplace/start",
            Some(&token),
            Some(json!({"integrationType": "nope"})),
        )
        .await;
    assert_eq!(
        (code, out["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unknown_integration")
        )
    );
    // Another user sees none of it.
    let (_, theirs) = server
        .call(
            Method::GET,
            "/api/integrations/status",
            Some(&server.token(&user("hank"))),
            None,
        )
        .await;
    assert_eq!(theirs["integrations"], json!([]));
    let (_, presets) = server
        .call(Method::GET, "/api/mcp/presets", Some(&token), None)
        .await;
    assert!(presets["presets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "sentry"));
    let (_, strategy) = server
        .call(
            Method::GET,
            "/api/integrations/marketplace/strategy",
            Some(&token),
            None,
        )
        .await;
    assert!(strategy["providers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "neon"));
}

#[test]
fn token_subcommand_prints_a_verifiable_token_and_help_hides_secrets() {
    let binary = env!("CARGO_BIN_EXE_sajtmaskin-server");
    let out = std::process::Command::new(binary)
        .args(["token", "user-42", "--auth-jwt-secret", SECRET])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    let jwt = sajtmaskin_server::auth::Jwt::new(SECRET.as_bytes());
    assert_eq!(jwt.verify(token.trim()).unwrap(), "user-42");
    let help = std::process::Command::new(binary)
        .arg("--help")
        .env("AUTH_JWT_SECRET", "hidden-secret-value-hidden-secret-value")
        .env("V0_API_KEY", "v0-key-visible?")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--bind",
        "--data-dir",
        "--database-url",
        "--env-var-encryption-key",
        "--auth-jwt-secret",
        "--env-store",
        "--v0-api-key",
        "--v0-api-url",
        "--vercel-token",
        "--vercel-api-url",
        "--vercel-team-id",
        "--cors-origins",
        "--dev",
    ] {
        assert!(help.contains(flag), "--help lists {flag}");
    }
    assert!(
        !help.contains("hidden-secret-value") && !help.contains("v0-key-visible"),
        "--help must not print secret values"
    );
}

#[tokio::test]
async fn generated_keys_are_private_and_survive_a_restart() {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    // No --auth-jwt-secret here would change tokens; the encryption key is the one generated.
    let first = spawn_in(temp.path(), None, &[]).await;
    let token = first.token(&user("kim"));
    let project = first.project(&token, json!({})).await;
    first
        .set(&project, &token, "SITE_NAME", "Krukan", false)
        .await;
    let key_file = temp.path().join("env-encryption.key");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "the generated key is readable by its owner only"
    );
    let key = std::fs::read(&key_file).unwrap();
    assert!(
        !logs().contains(std::str::from_utf8(&key).unwrap().trim()),
        "the log names the file, never the key"
    );
    let second = spawn_in(temp.path(), None, &[]).await;
    assert_eq!(std::fs::read(&key_file).unwrap(), key, "generated once");
    let (status, listed) = second.env(Method::GET, &project, &token, None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(
        listed["envVars"][0]["value"], "Krukan",
        "values written before the restart still decrypt"
    );
    let dir_mode = std::fs::metadata(temp.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode & 0o077, 0, "the data dir is private: {dir_mode:o}");
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let server = spawn(&[
        "--cors-origins",
        "https://app.example,https://admin.example",
    ])
    .await;
    let preflight = |origin: &'static str| {
        server
            .client
            .request(Method::OPTIONS, format!("{}/api/projects", server.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://admin.example").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://admin.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let default = spawn(&[]).await;
    let response = default
        .client
        .get(format!("{}/api/health", default.base))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS unless configured"
    );
}
