//! One database, one key: the server refuses to start with a key that cannot read its data,
//! refuses generated keys on a shared Postgres, counts what does not open, and rotates keys
//! while two instances serve (with `server reseal` killed once midway).

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use clap::Parser;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

const BINARY: &str = env!("CARGO_BIN_EXE_sajtmaskin-server");

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

/// Starts the binary with `args` and waits for it to exit within 30 s: (exit code, stderr).
/// A server that does not exit is killed and reported as still running.
fn start_binary(args: &[&str], database: Option<&str>) -> (Option<i32>, String) {
    let mut command = Command::new(BINARY);
    command
        .args(["--bind", "127.0.0.1:0", "--auth-jwt-secret", SECRET])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = database {
        command.args(["--database-url", url]);
    }
    let mut child = command.spawn().unwrap();
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status.code(), stderr);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    (None, "still running".into())
}

fn never_reveals_a_key(text: &str, keys: &[&str]) {
    for key in keys {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            !text.contains(key) && !text.contains(&hex),
            "a key in: {text}"
        );
    }
}

#[tokio::test]
async fn a_wrong_key_against_an_existing_sqlite_data_dir_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let (right, wrong) = (key(1), key(2));
    let server = spawn_in(dir.path(), None, &["--env-var-encryption-key", &right]).await;
    let token = server.token(&user("kim"));
    let project = server.project(&token, json!({})).await;
    server
        .set(&project, &token, "API_URL", "https://api.example", false)
        .await;
    drop(server);

    let (code, stderr) = start_binary(
        &["--data-dir", &data, "--env-var-encryption-key", &wrong],
        None,
    );
    assert_ne!(code, Some(0), "{stderr}");
    assert!(code.is_some(), "the server must exit, not serve: {stderr}");
    assert!(stderr.contains("ENV_VAR_ENCRYPTION_KEY"), "{stderr}");
    assert!(stderr.contains("reseal"), "says how to rotate: {stderr}");
    never_reveals_a_key(&stderr, &[&right, &wrong]);

    // A lost key file: a new key is generated into the data dir, and refused the same way.
    let generated = tempfile::tempdir().unwrap();
    let first = spawn_in(generated.path(), None, &[]).await;
    let token = first.token(&user("lo"));
    let project = first.project(&token, json!({})).await;
    first.set(&project, &token, "A", "b", true).await;
    drop(first);
    std::fs::remove_file(generated.path().join("env-encryption.key")).unwrap();
    let (code, stderr) = start_binary(
        &["--data-dir", &generated.path().display().to_string()],
        None,
    );
    assert!(code.is_some_and(|c| c != 0), "{code:?} {stderr}");
    assert!(stderr.contains("ENV_VAR_ENCRYPTION_KEY"), "{stderr}");

    // The right key still starts; the key check holds no key.
    let server = spawn_in(dir.path(), None, &["--env-var-encryption-key", &right]).await;
    let pool = server.pool().await;
    let recorded: String = sqlx::query_scalar("SELECT key_id FROM key_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    never_reveals_a_key(&recorded, &[&right]);
    assert_eq!(recorded.len(), 16);
    never_reveals_a_key(&logs(), &[&right, &wrong]);
}

#[tokio::test]
async fn a_database_from_before_the_key_check_gets_one_only_from_a_key_that_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let (right, wrong) = (key(3), key(4));
    let server = spawn_in(dir.path(), None, &["--env-var-encryption-key", &right]).await;
    let token = server.token(&user("max"));
    let project = server.project(&token, json!({})).await;
    server.set(&project, &token, "K", "v", false).await;
    let pool = server.pool().await;
    sqlx::query("DELETE FROM key_check")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    drop(server);
    let config = |k: &str| {
        sajtmaskin_server::config::Config::try_parse_from([
            "s",
            "--data-dir",
            &dir.path().display().to_string(),
            "--auth-jwt-secret",
            SECRET,
            "--env-var-encryption-key",
            k,
        ])
        .unwrap()
    };
    let refused = sajtmaskin_server::start_state(&config(&wrong)).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("ENV_VAR_ENCRYPTION_KEY")),
        "{:?}",
        refused.err()
    );
    assert!(sajtmaskin_server::start_state(&config(&right))
        .await
        .is_ok());
    assert!(sajtmaskin_server::start_state(&config(&wrong))
        .await
        .is_err());
}

#[test]
fn a_postgres_database_needs_explicit_keys_each_named() {
    let check = |extra: &[&str]| {
        let mut args = vec!["s", "--database-url", "postgres://u@127.0.0.1:1/db"];
        args.extend(extra);
        sajtmaskin_server::config::Config::try_parse_from(args)
            .unwrap()
            .check()
    };
    let both = check(&[]).unwrap_err();
    assert!(
        both.contains("ENV_VAR_ENCRYPTION_KEY") && both.contains("AUTH_JWT_SECRET"),
        "{both}"
    );
    let one = check(&["--auth-jwt-secret", SECRET]).unwrap_err();
    assert!(
        one.contains("ENV_VAR_ENCRYPTION_KEY") && !one.contains("AUTH_JWT_SECRET"),
        "{one}"
    );
    let k = key(5);
    let other = check(&["--env-var-encryption-key", &k]).unwrap_err();
    assert!(
        other.contains("AUTH_JWT_SECRET") && !other.contains("ENV_VAR_ENCRYPTION_KEY"),
        "{other}"
    );
    assert!(check(&["--env-var-encryption-key", &k, "--auth-jwt-secret", SECRET]).is_ok());
    // The embedded SQLite default keeps its generated keys.
    let sqlite = sajtmaskin_server::config::Config::try_parse_from(["s"]).unwrap();
    assert!(sqlite.check().is_ok());
}

#[tokio::test]
async fn values_that_do_not_open_are_counted_and_logged_once_without_keys_or_values() {
    let dir = tempfile::tempdir().unwrap();
    let k = key(6);
    let server = spawn_in(dir.path(), None, &["--env-var-encryption-key", &k]).await;
    let token = server.token(&user("nea"));
    let project = server.project(&token, json!({})).await;
    server
        .set(&project, &token, "KEEP", "kept-value", false)
        .await;
    server
        .set(&project, &token, "BROKEN", "broken-value-xyz", false)
        .await;
    let (_, health) = server.call(Method::GET, "/api/health", None, None).await;
    assert_eq!(health["unreadableValues"], 0);
    let pool = server.pool().await;
    // Tampered at rest.
    sqlx::query(
        "UPDATE env_vars SET project_id = project_id, ciphertext = nonce WHERE key = 'BROKEN'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    drop(server);
    let server = spawn_in(dir.path(), None, &["--env-var-encryption-key", &k]).await;
    let (_, health) = server.call(Method::GET, "/api/health", None, None).await;
    assert_eq!(health["unreadableValues"], 1, "{health}");
    let logs = logs();
    assert!(
        logs.lines().any(|l| l.contains("ERROR")
            && l.contains("do not open")
            && l.contains("unreadable=1")),
        "logged at error with the count"
    );
    assert!(!logs.contains("broken-value-xyz"));
    never_reveals_a_key(&logs, &[&k]);
}

/// A database of its own on the throwaway Postgres (the rotation moves its key check).
async fn own_database(name: &str) -> String {
    let base = postgres_url();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&base).await.unwrap();
    let db = format!(
        "{name}_{}",
        sajtmaskin_server::ids::new_id("d")
            .to_lowercase()
            .replace('-', "_")
    );
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{db}")
}

#[tokio::test]
#[ignore = "needs PostgreSQL: npm test starts one and runs these with --ignored"]
async fn a_second_instance_with_another_key_refuses_to_start_on_postgres() {
    let url = own_database("twokeys").await;
    // Generated keys are refused outright on Postgres.
    let data = tempfile::tempdir().unwrap();
    let (code, stderr) = start_binary(
        &["--data-dir", &data.path().display().to_string()],
        Some(&url),
    );
    assert!(code.is_some_and(|c| c != 0), "{stderr}");
    assert!(stderr.contains("ENV_VAR_ENCRYPTION_KEY"), "{stderr}");
    let (first, second) = (key(7), key(8));
    let a = spawn_with(Some(url.clone()), &["--env-var-encryption-key", &first]).await;
    let token = a.token(&user("ola"));
    let project = a.project(&token, json!({})).await;
    a.set(&project, &token, "SHARED", "one", false).await;
    let (code, stderr) = start_binary(
        &[
            "--data-dir",
            &data.path().display().to_string(),
            "--env-var-encryption-key",
            &second,
        ],
        Some(&url),
    );
    assert!(
        code.is_some_and(|c| c != 0),
        "the second instance served: {stderr}"
    );
    assert!(stderr.contains("ENV_VAR_ENCRYPTION_KEY"), "{stderr}");
    never_reveals_a_key(&stderr, &[&first, &second]);
}

/// Writes and reads without pause through whichever instances are current, recording every
/// answer that is not a clean read of what was written.
struct Load {
    bases: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    failures: Arc<Mutex<Vec<String>>>,
    requests: Arc<AtomicUsize>,
    expected: Arc<Mutex<BTreeMap<String, String>>>,
}

fn check_list(list: &Value, expected: &BTreeMap<String, String>) -> Result<(), String> {
    let vars = list["envVars"]
        .as_array()
        .ok_or_else(|| format!("not a list: {list}"))?;
    if vars.len() != expected.len() {
        return Err(format!("{} vars, expected {}", vars.len(), expected.len()));
    }
    for var in vars {
        if var["unreadable"] == true {
            return Err(format!("unreadable: {var}"));
        }
        let key = var["key"].as_str().unwrap_or_default();
        if var["sensitive"] == false
            && var["value"].as_str() != expected.get(key).map(String::as_str)
        {
            return Err(format!("{key} changed: {var}"));
        }
    }
    Ok(())
}

impl Load {
    fn start(
        client: reqwest::Client,
        token: String,
        project: String,
        expected: BTreeMap<String, String>,
    ) -> Load {
        let load = Load {
            bases: Arc::default(),
            stop: Arc::default(),
            failures: Arc::default(),
            requests: Arc::default(),
            expected: Arc::new(Mutex::new(expected)),
        };
        let (bases, stop, failures, requests, expected) = (
            load.bases.clone(),
            load.stop.clone(),
            load.failures.clone(),
            load.requests.clone(),
            load.expected.clone(),
        );
        tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let current = bases.lock().unwrap().clone();
                if current.is_empty() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                n += 1;
                let writer = &current[n % current.len()];
                let reader = &current[(n + 1) % current.len()];
                let key = format!("LOAD_{}", n % 20);
                let value = format!("value-{n}");
                let path = format!("/api/v0/projects/{project}/env-vars");
                let body = json!({"vars": [{"key": key, "value": value, "sensitive": false}], "upsert": true});
                let wrote = client
                    .post(format!("{writer}{path}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match wrote {
                    Ok(r) if r.status() == StatusCode::OK => {
                        expected.lock().unwrap().insert(key, value);
                    }
                    Ok(r) => {
                        let status = r.status();
                        let text = r.text().await.unwrap_or_default();
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("write {status}: {text}"));
                    }
                    Err(e) => failures.lock().unwrap().push(format!("write: {e}")),
                }
                let read = client
                    .get(format!("{reader}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                match read {
                    Ok(r) if r.status() == StatusCode::OK => {
                        let list: Value = r.json().await.unwrap_or(Value::Null);
                        let expected = expected.lock().unwrap().clone();
                        if let Err(e) = check_list(&list, &expected) {
                            failures.lock().unwrap().push(format!("read: {e}"));
                        }
                    }
                    Ok(r) => failures
                        .lock()
                        .unwrap()
                        .push(format!("read {}", r.status())),
                    Err(e) => failures.lock().unwrap().push(format!("read: {e}")),
                }
                requests.fetch_add(2, Ordering::SeqCst);
            }
        });
        load
    }

    fn serve_through(&self, servers: &[&TestServer]) {
        *self.bases.lock().unwrap() = servers.iter().map(|s| s.base.clone()).collect();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: npm test starts one and runs these with --ignored"]
async fn keys_rotate_while_two_instances_serve_and_a_killed_reseal_resumes() {
    let url = own_database("rotation").await;
    let (old, new) = (key(9), key(10));
    let on = |args: Vec<String>| {
        let url = url.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            spawn_with(Some(url), &args).await
        }
    };
    let keyring = |current: &str, olds: &[&str]| {
        let mut args = vec!["--env-var-encryption-key".to_owned(), current.to_owned()];
        if !olds.is_empty() {
            args.extend(["--env-var-encryption-old-keys".to_owned(), olds.join(",")]);
        }
        args
    };
    // Two instances under the old key, 150 values and an MCP server's sealed token.
    let a1 = on(keyring(&old, &[])).await;
    let b1 = on(keyring(&old, &[])).await;
    let owner = user("rota");
    let token = a1.token(&owner);
    let project = a1.project(&token, json!({})).await;
    let mut expected = BTreeMap::new();
    let vars: Vec<Value> = (0..150)
        .map(|i| {
            expected.insert(format!("SEED_{i}"), format!("seed-value-{i}"));
            json!({"key": format!("SEED_{i}"), "value": format!("seed-value-{i}"), "sensitive": false})
        })
        .collect();
    let (status, out) = a1
        .env(
            Method::POST,
            &project,
            &token,
            Some(json!({"vars": &vars[..100], "upsert": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, _) = a1
        .env(
            Method::POST,
            &project,
            &token,
            Some(json!({"vars": &vars[100..], "upsert": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, mcp) = a1
        .call(
            Method::POST,
            "/api/mcp/servers",
            Some(&token),
            Some(json!({"name": "rot", "url": "https://mcp.example/mcp", "authKind": "bearer", "bearerToken": "mcp-bearer-secret"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mcp}");
    let load = Load::start(a1.client.clone(), token.clone(), project.clone(), expected);
    load.serve_through(&[&a1, &b1]);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Step 1: every instance learns the new key, to read (a rolling restart).
    let a2 = on(keyring(&old, &[&new])).await;
    load.serve_through(&[&a2, &b1]);
    let b2 = on(keyring(&old, &[&new])).await;
    load.serve_through(&[&a2, &b2]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Step 2: the new key becomes current, the old one stays readable.
    let a3 = on(keyring(&new, &[&old])).await;
    load.serve_through(&[&a3, &b2]);
    let b3 = on(keyring(&new, &[&old])).await;
    load.serve_through(&[&a3, &b3]);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Step 3: reseal, killed once midway, then run again to the end.
    let reseal_dir = tempfile::tempdir().unwrap();
    let reseal = |pause: &str| {
        Command::new(BINARY)
            .args([
                "reseal",
                "--batch-size",
                "10",
                "--pause-ms",
                pause,
                "--database-url",
                &url,
            ])
            .args([
                "--auth-jwt-secret",
                SECRET,
                "--env-var-encryption-key",
                &new,
            ])
            .args(["--env-var-encryption-old-keys", &old])
            .args(["--data-dir", &reseal_dir.path().display().to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = reseal("300");
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let progress = tokio::task::spawn_blocking(move || lines.next().unwrap().unwrap())
        .await
        .unwrap();
    assert!(progress.contains("re-sealed so far"), "{progress}");
    first.kill().unwrap();
    first.wait().unwrap();
    let pool = a3.pool().await;
    let check_id = || async {
        sqlx::query_scalar::<_, String>("SELECT key_id FROM key_check")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let old_id =
        sajtmaskin_server::crypto::key_id_hex(&sajtmaskin_server::crypto::key_id(&[9; 32]));
    let new_id =
        sajtmaskin_server::crypto::key_id_hex(&sajtmaskin_server::crypto::key_id(&[10; 32]));
    assert_eq!(
        check_id().await,
        old_id,
        "a killed reseal does not move the key check"
    );
    let second = reseal("0").wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{out} {}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(out.contains("done:"), "{out}");
    assert!(out.contains("0 unreadable"), "{out}");
    never_reveals_a_key(&out, &[&old, &new]);
    assert_eq!(
        check_id().await,
        new_id,
        "the key check moved to the new key"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Step 4: the old key is removed; an instance that only knows it cannot start.
    let a4 = on(keyring(&new, &[])).await;
    load.serve_through(&[&a4, &b3]);
    let b4 = on(keyring(&new, &[])).await;
    load.serve_through(&[&a4, &b4]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    load.stop.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let data = tempfile::tempdir().unwrap();
    let (code, stderr) = start_binary(
        &[
            "--data-dir",
            &data.path().display().to_string(),
            "--env-var-encryption-key",
            &old,
        ],
        Some(&url),
    );
    assert!(code.is_some_and(|c| c != 0), "{stderr}");

    let failures = load.failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} failures, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert!(load.requests.load(Ordering::SeqCst) > 100, "the load ran");
    // Every value reads, unchanged, under the new key alone; the MCP token still opens.
    let (status, list) = a4.env(Method::GET, &project, &token, None).await;
    assert_eq!(status, StatusCode::OK);
    check_list(&list, &load.expected.lock().unwrap()).unwrap();
    let (_, server) = b4
        .call(
            Method::GET,
            &format!("/api/mcp/servers/{}", mcp["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(server["secrets"]["bearer"], true, "{server}");
    let (_, health) = b4.call(Method::GET, "/api/health", None, None).await;
    assert_eq!(health["unreadableValues"], 0);
    never_reveals_a_key(&logs(), &[&old, &new]);
}
