//! Operations: `server migrate`, `/readyz`, JSON logs with a request id returned as a header,
//! and a graceful shutdown on SIGTERM (a request in flight completes, new connections are
//! refused, exit 0 within the drain deadline). Each runs the real binary.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

const BINARY: &str = env!("CARGO_BIN_EXE_sajtmaskin-server");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary serving on a free port with `args` and `env`; waits until it answers.
fn serve(args: &[&str], env: &[(&str, &str)]) -> (Child, String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(BINARY)
        .args([
            "--bind",
            &bind,
            "--data-dir",
            &data.path().display().to_string(),
            "--auth-jwt-secret",
            SECRET,
        ])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if TcpStream::connect(&bind).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, bind, data)
}

/// A raw HTTP/1.1 GET; the whole answer (head and body) once the server closes.
fn get(bind: &str, path: &str, headers: &str) -> String {
    let mut stream = TcpStream::connect(bind).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn migrate_runs_the_migrations_and_exits() {
    let data = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = Command::new(BINARY)
            .args(["migrate", "--data-dir", &data.path().display().to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let db = applied_migrations(&data.path().join("sajtmaskin.db"));
    assert!(db >= 9, "{db} migrations applied");
}

/// Applied migrations in a SQLite file (through sqlx, as the server reads it).
fn applied_migrations(path: &std::path::Path) -> i64 {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await
            .unwrap()
    })
}

#[test]
fn readyz_json_logs_and_request_ids() {
    let (mut child, bind, _data) = serve(
        &["--log-format", "json"],
        &[("RUST_LOG", "info,tower_http=debug")],
    );
    let ready = get(&bind, "/readyz", "");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains(r#"{"ready":true}"#), "{ready}");
    let health = get(&bind, "/api/health", "");
    let id = health
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("a request id header")
        .trim()
        .to_owned();
    assert!(id.starts_with("req_"), "{id}");
    let echoed = get(&bind, "/api/health", "x-request-id: builder-trace-42\r\n");
    assert!(
        echoed.contains("x-request-id: builder-trace-42"),
        "{echoed}"
    );
    child.kill().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON line: {l}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["span"]["request_id"] == id.as_str()),
        "a log line of the request carries its id: {logs}"
    );
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_zero() {
    let fixtures = format!(
        "{}/../tests/fixtures/v0-streams",
        env!("CARGO_MANIFEST_DIR")
    );
    let sample = "s02-v2-message-neon-guestbook.sse";
    let expected = std::fs::read(format!("{fixtures}/{sample}")).unwrap();
    let (mut child, bind, _data) = serve(
        &[
            "--demo",
            "--fixtures-dir",
            &fixtures,
            "--replay-max-secs",
            "3",
        ],
        &[],
    );
    // A replay that takes about three seconds.
    let mut stream = TcpStream::connect(&bind).unwrap();
    write!(stream, "GET /api/demo/replay/{sample}?ms=50&bytes=512 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // New connections are refused once the listener is closed.
    let mut refused = false;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(50));
        if TcpStream::connect(&bind).is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused, "new connections were still accepted after SIGTERM");
    // The request in flight completes: every byte of the sample arrives.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    let body = String::from_utf8_lossy(&rest);
    let chunked: usize = expected.len();
    assert!(
        rest.len() >= chunked,
        "the stream was cut: {} of {} bytes",
        rest.len(),
        chunked
    );
    assert!(body.contains("data: "), "{body}");
    // And the server exits 0 within its drain deadline.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(12),
            "still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
