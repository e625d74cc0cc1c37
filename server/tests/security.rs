//! Attacks on the backend itself (no upstream): the dev token, data at rest, slow clients,
//! quotas, error bodies, configuration. Each test is written as the attack.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

async fn dev_token(server: &TestServer, host: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut request = server
        .client
        .post(format!("{}/api/dev/token", server.base))
        .json(&body);
    if let Some(host) = host {
        request = request.header("host", host);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_dev_token_is_for_loopback_pages_the_demo_user_and_this_run_only() {
    let dev = spawn(&["--dev"]).await;
    // A DNS-rebinding page: the browser sends its own host name.
    for host in [
        "attacker.example",
        "attacker.example:8787",
        "localhost.attacker.example",
    ] {
        let (status, out) = dev_token(&dev, Some(host), json!({})).await;
        assert_eq!(
            (status, out["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("dev_host_refused")),
            "{host}"
        );
        assert!(out.get("token").is_none());
    }
    // A named user.
    let (status, out) = dev_token(&dev, None, json!({"userId": "alice"})).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("dev_user_fixed"))
    );
    // The demo user, from a loopback host: works on this server.
    let (status, out) = dev_token(&dev, Some("localhost:8787"), json!({})).await;
    assert_eq!(
        (status, out["userId"].as_str()),
        (StatusCode::OK, Some("demo-user"))
    );
    let token = out["token"].as_str().unwrap().to_owned();
    let (status, _) = dev
        .call(Method::GET, "/api/projects", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // The same secret without --dev (production) refuses it, and does not mount the route.
    let plain = spawn(&[]).await;
    let (status, out) = plain
        .call(Method::GET, "/api/projects", Some(&token), None)
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_invalid"))
    );
    let (status, out) = dev_token(&plain, None, json!({})).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // So does the next --dev run.
    let next = spawn(&["--dev"]).await;
    let (status, _) = next
        .call(Method::GET, "/api/projects", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn dev_mode_refuses_a_bind_others_can_reach() {
    use clap::Parser;
    for bind in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8787"] {
        let config = sajtmaskin_server::config::Config::try_parse_from([
            "sajtmaskin-server",
            "--dev",
            "--bind",
            bind,
        ])
        .unwrap();
        let err = match sajtmaskin_server::state::AppState::from_config(&config).await {
            Err(err) => err,
            Ok(_) => panic!("--dev on {bind} must not start"),
        };
        assert!(err.contains("loopback"), "{err}");
    }
    // The binary says so and exits cleanly (no panic: exit code 1, not 101).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sajtmaskin-server"))
        .args(["--dev", "--bind", "0.0.0.0:0", "--data-dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[tokio::test]
async fn demo_routes_are_not_mounted_without_dev_or_demo() {
    let plain = spawn(&[]).await;
    for path in [
        "/api/demo/streams",
        "/api/demo/replay/s01-v2-chat-pottery-text-only.sse",
    ] {
        let (status, out) = plain.call(Method::GET, path, None, None).await;
        assert_eq!(
            (status, out["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{path}"
        );
    }
    let (status, out) = plain
        .call(
            Method::POST,
            "/api/demo/v0/chats",
            Some(&plain.token("u")),
            Some(json!({"message": "x"})),
        )
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn a_slow_replay_is_cut_to_the_configured_duration() {
    let server = spawn(&[
        "--demo",
        "--replay-max-secs",
        "1",
        "--fixtures-dir",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/v0-streams"),
    ])
    .await;
    let started = Instant::now();
    // 58 KB in 16-byte chunks at 200 ms would take 12 minutes.
    let body = server
        .client
        .get(format!(
            "{}/api/demo/replay/s01-v2-chat-pottery-text-only.sse?ms=200&bytes=16",
            server.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(body.len() > 50_000);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let (status, out) = server
        .call(
            Method::GET,
            "/api/demo/replay/s01-v2-chat-pottery-text-only.sse?ms=abc",
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
}

#[tokio::test]
async fn a_sensitive_flag_flipped_at_rest_yields_no_plaintext_and_the_list_survives() {
    let server = spawn(&[]).await;
    let token = server.token(&user("quinn"));
    let project = server.project(&token, json!({})).await;
    let secret = format!("sk_live_{}", sajtmaskin_server::ids::new_id("flip"));
    server
        .set(&project, &token, "STRIPE_SECRET_KEY", &secret, true)
        .await;
    server
        .set(&project, &token, "SITE_NAME", "Krukan", false)
        .await;
    // An attacker with write access to the database (not to the key) clears the flag.
    let pool = server.pool().await;
    sqlx::query("UPDATE env_vars SET sensitive = 0 WHERE key = 'STRIPE_SECRET_KEY'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, listed) = server.env(Method::GET, &project, &token, None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert!(!listed.to_string().contains(&secret), "{listed}");
    let vars = listed["envVars"].as_array().unwrap();
    let flipped = vars
        .iter()
        .find(|v| v["key"] == "STRIPE_SECRET_KEY")
        .unwrap();
    assert_eq!(
        (flipped["value"].clone(), flipped["unreadable"].clone()),
        (Value::Null, json!(true))
    );
    let fine = vars.iter().find(|v| v["key"] == "SITE_NAME").unwrap();
    assert_eq!(
        (fine["value"].as_str(), fine.get("unreadable")),
        (Some("Krukan"), None)
    );
    // A ciphertext moved onto another row does not open either.
    sqlx::query("UPDATE env_vars SET nonce = (SELECT nonce FROM env_vars WHERE key = 'STRIPE_SECRET_KEY'), ciphertext = (SELECT ciphertext FROM env_vars WHERE key = 'STRIPE_SECRET_KEY') WHERE key = 'SITE_NAME'")
        .execute(&pool)
        .await
        .unwrap();
    let (status, listed) = server.env(Method::GET, &project, &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!listed.to_string().contains(&secret));
    assert!(listed["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["unreadable"] == true));
    assert!(!logs().contains(&secret));
}

#[tokio::test]
async fn rows_sealed_before_the_sensitivity_binding_are_resealed_at_start() {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Key, Nonce};
    use base64::Engine;
    let temp = tempfile::tempdir().unwrap();
    let key = [9u8; 32];
    let key_text = base64::engine::general_purpose::STANDARD.encode(key);
    let args = ["--env-var-encryption-key", key_text.as_str()];
    let first = spawn_in(temp.path(), None, &args).await;
    let owner = user("rut");
    let token = first.token(&owner);
    let project = first.project(&token, json!({})).await;
    // A row as the previous version wrote it: associated data = project \0 key, version 1.
    let nonce = [3u8; 12];
    let aad = format!("{project}\0LEGACY_NAME");
    let ciphertext = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key))
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: b"old value",
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    let pool = first.pool().await;
    sqlx::query("INSERT INTO env_vars (id, project_id, key, nonce, ciphertext, sensitive, seal_version, created_at, updated_at) VALUES ('env_legacy', $1, 'LEGACY_NAME', $2, $3, 0, 1, 0, 0)")
        .bind(&project)
        .bind(nonce.to_vec())
        .bind(ciphertext)
        .execute(&pool)
        .await
        .unwrap();
    let second = spawn_in(temp.path(), None, &args).await;
    let (status, listed) = second.env(Method::GET, &project, &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["envVars"][0]["value"], "old value", "{listed}");
    let version: i64 =
        sqlx::query_scalar("SELECT seal_version FROM env_vars WHERE id = 'env_legacy'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(version, 2);
}

#[tokio::test]
async fn the_data_dir_and_database_are_private_with_keys_from_the_environment() {
    use base64::Engine;
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let key = base64::engine::general_purpose::STANDARD.encode([5u8; 32]);
    let server = spawn_in(&dir, None, &["--env-var-encryption-key", &key]).await;
    let token = server.token(&user("sam"));
    let project = server.project(&token, json!({})).await;
    server.set(&project, &token, "A", "b", false).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("sajtmaskin.db")
        {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    assert!(
        !dir.join("env-encryption.key").exists(),
        "no key file when the key comes from the environment"
    );
}

/// Sends `bytes` on a raw connection, then reads until the server closes it; returns how long
/// that took and what came back.
fn raw(base: &str, bytes: &[u8], limit: Duration) -> (Duration, String) {
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    let started = Instant::now();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_disconnected_within_the_configured_timeouts() {
    let server = spawn(&[
        "--header-read-timeout-secs",
        "1",
        "--body-read-timeout-secs",
        "1",
    ])
    .await;
    let base = server.base.clone();
    // Headers that never finish.
    let (took, _) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            raw(
                &base,
                b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                Duration::from_secs(20),
            )
        }
    })
    .await
    .unwrap();
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    // A body that trickles: headers promise 100 bytes, 5 arrive.
    let token = server.token(&user("tess"));
    let request = format!("POST /api/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"nam");
    let (took, answer) = tokio::task::spawn_blocking(move || {
        raw(&base, request.as_bytes(), Duration::from_secs(20))
    })
    .await
    .unwrap();
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_cannot_starve_the_server() {
    let server = spawn(&["--max-connections", "2", "--header-read-timeout-secs", "1"]).await;
    let address = server.base.trim_start_matches("http://").to_owned();
    // Take every slot with connections that send nothing.
    let idle: Vec<_> = (0..6)
        .map(|_| std::net::TcpStream::connect(&address).unwrap())
        .collect();
    let started = Instant::now();
    let (status, _) = server.call(Method::GET, "/api/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[tokio::test]
async fn the_project_quota_answers_429() {
    let server = spawn(&["--max-projects-per-user", "3"]).await;
    let token = server.token(&user("uma"));
    for _ in 0..3 {
        server.project(&token, json!({})).await;
    }
    let response = server
        .client
        .post(format!("{}/api/projects", server.base))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "quota_exceeded"
    );
    // Concurrent creates cannot pass the quota either.
    let other = server.token(&user("vera"));
    let statuses = futures_util::future::join_all(
        (0..10).map(|_| server.call(Method::POST, "/api/projects", Some(&other), Some(json!({})))),
    )
    .await;
    assert_eq!(
        statuses
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .count(),
        3
    );
}

#[tokio::test]
async fn every_error_is_a_json_body_that_names_the_field_not_the_value() {
    let server = spawn(&[]).await;
    let token = server.token(&user("wes"));
    let project = server.project(&token, json!({})).await;
    let leak = "sk_live_DO_NOT_ECHO";
    let cases: Vec<(Method, String, Option<Value>, StatusCode, &str)> = vec![
        (
            Method::POST,
            format!("/api/v0/projects/{project}/env-vars"),
            Some(json!({"vars": [{"key": "A", "value": {"nested": leak}}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            Method::POST,
            format!("/api/v0/projects/{project}/env-vars"),
            Some(json!({"vars": [{"key": leak, "value": "x", "sensitive": leak}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            Method::POST,
            format!("/api/v0/projects/{project}/env-vars"),
            Some(json!({"vars": [{"key": format!("{leak}-x"), "value": "x"}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_key",
        ),
        (
            Method::PATCH,
            format!("/api/v0/projects/{project}/env-vars"),
            Some(json!({"vars": [{"id": format!("{leak}/x"), "value": "x"}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_id",
        ),
        (
            Method::GET,
            "/api/v0/projects/%FF/env-vars".into(),
            None,
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            Method::GET,
            format!("/api/integrations/marketplace/records?projectId={project}&projectId={leak}"),
            None,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            Method::GET,
            "/api/nothing-here".into(),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::PUT,
            "/api/projects".into(),
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, path, body, want, code) in cases {
        let mut request = server
            .client
            .request(method.clone(), format!("{}{path}", server.base))
            .bearer_auth(&token);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        assert_eq!(status, want, "{method} {path}: {text}");
        assert_eq!(
            content_type.as_deref(),
            Some("application/json"),
            "{method} {path}"
        );
        let out: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(out["error"]["code"], code, "{method} {path}: {text}");
        assert!(
            !text.contains(leak),
            "{method} {path} echoes the value: {text}"
        );
        if !path.contains(leak) {
            assert!(
                !logs().contains(leak),
                "{method} {path}: the log holds the value"
            );
        }
    }
    let (_, out) = server
        .call(
            Method::POST,
            &format!("/api/v0/projects/{project}/env-vars"),
            Some(&token),
            Some(json!({"vars": [{"key": "A", "value": 5}]})),
        )
        .await;
    assert_eq!(
        out["error"]["message"],
        "vars[0].value: missing, unknown, or of the wrong type or value"
    );
}

#[tokio::test]
async fn logs_carry_paths_without_query_strings() {
    let server = spawn(&[]).await;
    let token = server.token(&user("xena"));
    let marker = "querysecret123";
    server
        .call(
            Method::GET,
            &format!("/api/integrations/marketplace/records?code={marker}"),
            Some(&token),
            None,
        )
        .await;
    let logs = logs();
    assert!(
        logs.contains("/api/integrations/marketplace/records"),
        "the path is logged"
    );
    assert!(!logs.contains(marker), "the query string is not");
}

#[test]
fn bad_configuration_is_a_clear_error_not_a_panic() {
    let binary = env!("CARGO_BIN_EXE_sajtmaskin-server");
    let data = tempfile::tempdir().unwrap();
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 4] = [
        (&[], &[("CORS_ORIGINS", "*")], "CORS_ORIGINS"),
        (&[], &[("CORS_ORIGINS", "not an origin")], "CORS_ORIGINS"),
        (
            &["token", "u", "--ttl-hours", "18446744073709551615"],
            &[],
            "ttl-hours",
        ),
        (
            &["--upstream-timeout-secs", "0"],
            &[],
            "upstream-timeout-secs",
        ),
    ];
    for (args, envs, mentions) in cases {
        let out = std::process::Command::new(binary)
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .args(["--auth-jwt-secret", SECRET, "--bind", "127.0.0.1:0"])
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?} {envs:?}: {:?} {stderr}",
            out.status
        );
        assert!(stderr.contains(mentions), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn a_path_that_is_not_a_project_id_never_reaches_a_query() {
    let server = spawn(&[]).await;
    let token = server.token(&user("yan"));
    for path in [
        "/api/v0/projects/..%2F..%2Fetc/env-vars",
        "/api/v0/projects/x'%20OR%20'1'='1/env-vars",
    ] {
        let (status, out) = server.call(Method::GET, path, Some(&token), None).await;
        assert_eq!(
            (status, out["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{path}"
        );
    }
}
