//! Test harness: a real server on a loopback port with a temporary data dir, a client, and
//! the captured logs of the whole test binary.
#![allow(dead_code)]

pub mod mcp_server;

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use clap::Parser;
use reqwest::{Method, StatusCode};
use sajtmaskin_server::auth::Jwt;
use sajtmaskin_server::config::Config;
use serde_json::{json, Value};

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The encryption key of every test server on the shared test Postgres.
pub const SHARED_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged so far by any test in this binary (at TRACE level).
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        // The server's own pipeline (its redaction and caps included), at every level.
        let subscriber = sajtmaskin_server::logging::subscriber(
            tracing_subscriber::EnvFilter::new("trace"),
            false,
            || LogWriter,
        );
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

pub struct TestServer {
    pub base: String,
    pub data_dir: std::path::PathBuf,
    _temp: Option<tempfile::TempDir>,
    pub jwt: Jwt,
    pub client: reqwest::Client,
    pub database_url: Option<String>,
}

/// Postgres for the tests, started by scripts/postgres.sh (`npm test` does it). The Postgres
/// tests are `#[ignore]`d, so a plain `cargo test` lists them as ignored instead of passing them
/// without running; run with `--ignored` they need this variable and fail without it.
pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect(
            "TEST_DATABASE_URL: the Postgres tests need a server (scripts/postgres.sh starts one)",
        )
}

pub async fn spawn(extra: &[&str]) -> TestServer {
    spawn_with(None, extra).await
}

pub async fn spawn_with(database_url: Option<String>, extra: &[&str]) -> TestServer {
    let temp = tempfile::tempdir().unwrap();
    let mut server = spawn_in(temp.path(), database_url, extra).await;
    server._temp = Some(temp);
    server
}

/// A server on an existing data dir (to restart one on the same data).
pub async fn spawn_in(
    data_dir: &std::path::Path,
    database_url: Option<String>,
    extra: &[&str],
) -> TestServer {
    capture_logs();
    let mut args: Vec<String> = vec![
        "sajtmaskin-server".into(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--auth-jwt-secret".into(),
        SECRET.into(),
        "--upstream-timeout-secs".into(),
        "2".into(),
    ];
    if let Some(url) = &database_url {
        args.extend(["--database-url".into(), url.clone()]);
        // Instances on one Postgres share one key (the server refuses generated ones there).
        if !extra.contains(&"--env-var-encryption-key") {
            args.extend(["--env-var-encryption-key".into(), SHARED_KEY.into()]);
        }
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let config = Config::try_parse_from(args).unwrap();
    let state = sajtmaskin_server::start_state(&config).await.unwrap();
    let router = sajtmaskin_server::app::router(state, &config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let limits = sajtmaskin_server::ConnectionLimits::from_config(&config);
    tokio::spawn(sajtmaskin_server::serve_on(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    TestServer {
        base,
        data_dir: data_dir.to_path_buf(),
        _temp: None,
        jwt: Jwt::new(SECRET.as_bytes()),
        client: reqwest::Client::new(),
        database_url,
    }
}

/// A unique user id, so tests sharing one Postgres never see each other's rows.
pub fn user(name: &str) -> String {
    format!("{name}-{}", sajtmaskin_server::ids::new_id("u"))
}

impl TestServer {
    pub fn token(&self, user: &str) -> String {
        self.jwt.mint(user, 3600).unwrap()
    }

    /// (status, JSON body or Null).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn project(&self, token: &str, body: Value) -> String {
        let (status, project) = self
            .call(Method::POST, "/api/projects", Some(token), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{project}");
        project["id"].as_str().unwrap().to_owned()
    }

    pub async fn env(
        &self,
        method: Method,
        project: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(
            method,
            &format!("/api/v0/projects/{project}/env-vars"),
            Some(token),
            body,
        )
        .await
    }

    pub async fn set(
        &self,
        project: &str,
        token: &str,
        key: &str,
        value: &str,
        sensitive: bool,
    ) -> Value {
        let body =
            json!({"vars": [{"key": key, "value": value, "sensitive": sensitive}], "upsert": true});
        let (status, out) = self.env(Method::POST, project, token, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        out
    }

    /// Starts a Marketplace install of `provider` for `project`; the answer (`installUrl`,
    /// `record`).
    pub async fn start_install(&self, token: &str, provider: &str, project: &str) -> Value {
        let body = json!({"integrationType": provider, "projectId": project});
        let (status, out) = self
            .call(
                Method::POST,
                "/api/integrations/marketplace/start",
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        out
    }

    /// The caller's install records of `project`.
    pub async fn records(&self, token: &str, project: &str) -> Vec<Value> {
        let path = format!("/api/integrations/marketplace/records?projectId={project}");
        let (status, out) = self.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        out["records"].as_array().cloned().unwrap_or_default()
    }

    /// A pool on the server's database (its SQLite file, or the Postgres it uses).
    pub async fn pool(&self) -> sqlx::AnyPool {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/sajtmaskin.db", self.data_dir.display()));
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&url).await.unwrap()
    }

    /// Rows in `table`.
    pub async fn count(&self, table: &str) -> i64 {
        let pool = self.pool().await;
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    }

    /// Every byte of every file in the data dir (database, WAL, keys).
    pub fn data_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(&self.data_dir).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        all
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A token that expired long ago, signed with the right secret.
pub fn expired_token(user: &str) -> String {
    token_with(user, 1_000_000_000, SECRET.as_bytes())
}

/// A valid-looking token signed with another secret.
pub fn foreign_token(user: &str) -> String {
    token_with(user, 4_000_000_000, b"another-secret-another-secret-123456")
}

fn token_with(user: &str, exp: u64, secret: &[u8]) -> String {
    use jsonwebtoken::{encode, EncodingKey, Header};
    encode(
        &Header::default(),
        &json!({"sub": user, "exp": exp}),
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}
