//! Hardening, round 2: each test is an attack found against the landed backend, written to
//! fail on the code before the fix. Slow bodies and slow readers on raw sockets, bad bodies at
//! the MCP endpoint, flow tables that only grew, errors that echoed input, JWT claims.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

const VERCEL: [&str; 8] = [
    "--vercel-client-id",
    "cid",
    "--vercel-client-secret",
    "test_client_secret",
    "--vercel-integration-slug",
    "sajtmaskin",
    "--public-url",
    "https://builder.example",
];

/// Opens a raw connection and sends `head` (request line and headers, ended by the blank
/// line) and `body`.
fn send_raw(base: &str, head: &str, body: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    stream
}

/// Reads until the server closes the connection or `limit` passes: (time taken, answer).
fn read_answer(stream: &mut TcpStream, started: Instant, limit: Duration) -> (Duration, String) {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

/// A new user's project and its MCP endpoint token: (project id, token).
async fn project_with_mcp_token(server: &TestServer, name: &str) -> (String, String) {
    let owner = server.token(&user(name));
    let project = server.project(&owner, json!({})).await;
    let (status, minted) = server
        .call(
            Method::POST,
            &format!("/api/projects/{project}/mcp-token"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{minted}");
    let token = minted["token"].as_str().unwrap().to_owned();
    (project, token)
}

async fn health_within(base: &str, limit: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    let client = reqwest::Client::builder().timeout(limit).build().unwrap();
    match client.get(format!("{base}/api/health")).send().await {
        Ok(r) if r.status() == StatusCode::OK => Ok(started.elapsed()),
        Ok(r) => Err(format!("status {}", r.status())),
        Err(e) => Err(format!("no answer within {limit:?}: {e}")),
    }
}

/// Four clients trickle bodies to an unauthenticated route (and one to the MCP endpoint, one
/// sends nothing after its headers): while they are held the server still answers, and each
/// gets 408 within the body deadline plus one second.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_bodies_get_408_within_the_deadline_on_every_route() {
    let deadline = Duration::from_secs(2);
    // Six slow clients, the health check, and one spare slot.
    let mut args = vec!["--max-connections", "8", "--body-read-timeout-secs", "2"];
    args.extend(VERCEL);
    let mut server = spawn(&args).await;
    // The set-up keeps no connection open: a pooling client sometimes holds two (a request that
    // goes out before the previous connection is back in the pool opens another), which left
    // the health check without a slot about one run in twenty.
    server.client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let (project, mcp_token) = project_with_mcp_token(&server, "mia").await;

    let mut heads: Vec<String> = (0..4)
        .map(|_| "POST /api/webhooks/vercel HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-vercel-signature: 00\r\nContent-Length: 1000000\r\n\r\n".to_owned())
        .collect();
    heads.push(format!("POST /mcp/{project} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {mcp_token}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000000\r\n\r\n"));
    // The last one sends its headers and then nothing.
    heads.push("POST /api/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n".to_owned());
    let count = heads.len();
    let clients: Vec<_> = heads
        .into_iter()
        .enumerate()
        .map(|(n, head)| {
            let base = server.base.clone();
            std::thread::spawn(move || {
                let mut stream = send_raw(&base, &head, b"{");
                let started = Instant::now();
                if n + 1 < count {
                    // One byte every 500 ms, for longer than any deadline.
                    let trickle = stream.try_clone().unwrap();
                    std::thread::spawn(move || {
                        let mut trickle = trickle;
                        for _ in 0..40 {
                            std::thread::sleep(Duration::from_millis(500));
                            if trickle.write_all(b" ").is_err() {
                                break;
                            }
                        }
                    });
                }
                read_answer(&mut stream, started, Duration::from_secs(30))
            })
        })
        .collect();
    // Held, not starving the server.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let took = health_within(&server.base, Duration::from_secs(1)).await;
    assert!(
        took.is_ok(),
        "/api/health while slow clients are held: {took:?}"
    );
    for (n, client) in clients.into_iter().enumerate() {
        let (took, answer) = client.join().unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "client {n}: {answer:?} after {took:?}"
        );
        assert!(answer.contains("body_timeout"), "client {n}: {answer}");
        assert!(
            took <= deadline + Duration::from_secs(1),
            "client {n} answered after {took:?}"
        );
    }
}

/// A client that asks for a large answer and stops reading loses its connection once a write
/// stalls for the configured time, so it cannot hold the only connection slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_disconnected() {
    let www = tempfile::tempdir().unwrap();
    std::fs::write(www.path().join("big.bin"), vec![b'x'; 64 << 20]).unwrap();
    let www_dir = www.path().display().to_string();
    let server = spawn(&[
        "--max-connections",
        "1",
        "--write-stall-timeout-secs",
        "2",
        "--www-dir",
        &www_dir,
    ])
    .await;
    let mut reader = send_raw(
        &server.base,
        "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n",
        b"",
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The only slot is held by the reader that does not read; the next client waits until the
    // stall ends it.
    let took = health_within(&server.base, Duration::from_secs(8)).await;
    assert!(
        took.as_ref().is_ok_and(|t| *t < Duration::from_secs(5)),
        "the stalled connection was not dropped: {took:?}"
    );
    // And the reader's answer ends short of the 64 MiB.
    let (_, answer) = read_answer(&mut reader, Instant::now(), Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 200"));
    assert!(answer.len() < 64 << 20, "{} bytes", answer.len());
}

async fn mcp_post(
    server: &TestServer,
    project: &str,
    token: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, Option<String>, Value) {
    let mut request = server
        .client
        .post(format!("{}/mcp/{project}", server.base))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, kind, response.json().await.unwrap_or(Value::Null))
}

/// Transport problems get 400/413/415 with a JSON body; messages that are not JSON get
/// JSON-RPC -32700, messages that are not JSON-RPC requests get -32600 (HTTP 400 both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcp_endpoint_answers_bad_bodies_with_transport_and_jsonrpc_errors() {
    let server = spawn(&[]).await;
    let (project, token) = project_with_mcp_token(&server, "nils").await;

    for (body, code) in [
        ("{not json", -32700),
        ("", -32700),
        ("[]", -32600),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, -32600),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":"x"}"#,
            -32600,
        ),
        (r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, -32600),
        (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, -32600),
        (r#"{"jsonrpc":"2.0","id":1,"method":7}"#, -32600),
        (r#""just a string""#, -32600),
    ] {
        let (status, kind, answer) =
            mcp_post(&server, &project, &token, Some("application/json"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(kind.as_deref(), Some("application/json"), "{body}");
        assert_eq!(answer["jsonrpc"], "2.0", "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
    }
    // A readable id comes back with the error.
    let (_, _, answer) = mcp_post(
        &server,
        &project,
        &token,
        Some("application/json"),
        r#"{"jsonrpc":"1.0","id":"q7","method":"ping"}"#,
    )
    .await;
    assert_eq!(answer["id"], "q7");
    // Not JSON at all: 415 with our error body.
    let (status, kind, answer) = mcp_post(&server, &project, &token, None, "{}").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(kind.as_deref(), Some("application/json"));
    assert_eq!(answer["error"]["code"], "unsupported_media_type");
    // A valid request still works.
    let (status, _, answer) = mcp_post(
        &server,
        &project,
        &token,
        Some("application/json"),
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["id"], 1);

    // Transport problems on raw sockets: a malformed chunked body, a truncated one.
    let (p, t) = (project.clone(), token.clone());
    let head = move |extra: &str| {
        let (project, token) = (&p, &t);
        format!("POST /mcp/{project} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{extra}\r\n")
    };
    let base = server.base.clone();
    let (malformed, truncated) = tokio::task::spawn_blocking(move || {
        let mut a = send_raw(
            &base,
            &head("Transfer-Encoding: chunked\r\n"),
            b"zz\r\n{}\r\n0\r\n\r\n",
        );
        let malformed = read_answer(&mut a, Instant::now(), Duration::from_secs(10)).1;
        let mut b = send_raw(&base, &head("Content-Length: 100\r\n"), b"{\"jsonrpc\"");
        b.shutdown(std::net::Shutdown::Write).unwrap();
        let truncated = read_answer(&mut b, Instant::now(), Duration::from_secs(10)).1;
        (malformed, truncated)
    })
    .await
    .unwrap();
    assert!(malformed.starts_with("HTTP/1.1 400"), "{malformed}");
    // A body cut short by the client's end: hyper answers nothing to a closed request, or 400;
    // never 500.
    assert!(
        truncated.is_empty() || truncated.starts_with("HTTP/1.1 400"),
        "{truncated}"
    );
    assert!(!truncated.contains(" 500 "), "{truncated}");
    // HTTP/1.0 without Host (found by the mcp_body fuzz target: the SDK answered plain text).
    let base = server.base.clone();
    let request = format!("POST /mcp/{project} HTTP/1.0\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 46\r\n\r\n{{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}}");
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = send_raw(&base, &request, b"");
        read_answer(&mut stream, Instant::now(), Duration::from_secs(10)).1
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.0 400"), "{answer}");
    assert!(
        answer.contains(r#"{"error":{"code":"invalid_request""#),
        "{answer}"
    );
    // Too large, declared: 413 at once.
    let (status, _, answer) = mcp_post(
        &server,
        &project,
        &token,
        Some("application/json"),
        &" ".repeat(1_100_000),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
}

/// Connecting Vercel is rate limited, and the flow table does not grow without bound: used and
/// expired flows are deleted, one user keeps a handful of open ones.
#[tokio::test]
async fn vercel_connects_are_rate_limited_and_their_flows_pruned() {
    let mut args = vec!["--upstream-requests-per-minute", "20"];
    args.extend(VERCEL);
    let server = spawn(&args).await;
    let who = server.token(&user("otto"));
    let mut answers = std::collections::BTreeMap::new();
    for _ in 0..300 {
        let (status, _) = server
            .call(
                Method::POST,
                "/api/integrations/vercel/connect",
                Some(&who),
                None,
            )
            .await;
        *answers.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(answers.get(&200), Some(&20), "{answers:?}");
    assert_eq!(answers.get(&429), Some(&280), "{answers:?}");
    let open = server.count("vercel_flows").await;
    assert!(open <= 5, "{open} flows kept for one user");
    // Expired and used ones go at the next start (anyone's).
    let pool = server.pool().await;
    sqlx::query("UPDATE vercel_flows SET expires_at = 0")
        .execute(&pool)
        .await
        .unwrap();
    let other = server.token(&user("petra"));
    let (status, _) = server
        .call(
            Method::POST,
            "/api/integrations/vercel/connect",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.count("vercel_flows").await, 1);
}

/// No error message repeats a submitted value (a secret pasted into the wrong field must not
/// come back, or reach a log).
#[tokio::test]
async fn errors_never_echo_a_submitted_value() {
    let server = spawn(&[]).await;
    let who = server.token(&user("rut"));
    let pasted = "sk_live_51PastedIntoTheWrongField0123456789";
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/integrations/marketplace/start",
            Some(&who),
            Some(json!({"integrationType": pasted})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["code"], "unknown_integration");
    assert!(!answer.to_string().contains(pasted), "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("integrationType"));
    assert!(!logs().contains(pasted));
}

fn token_with(claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// `nbf` in the future is refused; a configured `iss` and `aud` are required and checked, and
/// tokens the server mints carry them.
#[tokio::test]
async fn jwt_nbf_issuer_and_audience_are_checked() {
    let now = sajtmaskin_server::clock::now_secs();
    let exp = now + 3600;
    let plain = spawn(&[]).await;
    let status = |server: &TestServer, token: String| {
        let server_base = server.base.clone();
        let client = server.client.clone();
        async move {
            client
                .get(format!("{server_base}/api/projects"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let who = user("sara");
    assert_eq!(
        status(&plain, token_with(json!({"sub": who, "exp": exp}))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(
            &plain,
            token_with(json!({"sub": who, "exp": exp, "nbf": now + 600}))
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "a token not valid before ten minutes from now"
    );

    let strict = spawn(&[
        "--auth-jwt-issuer",
        "https://idp.example",
        "--auth-jwt-audience",
        "sajtmaskin",
    ])
    .await;
    for (claims, expected) in [
        (json!({"sub": who, "exp": exp}), StatusCode::UNAUTHORIZED),
        (
            json!({"sub": who, "exp": exp, "iss": "https://idp.example"}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({"sub": who, "exp": exp, "iss": "https://other.example", "aud": "sajtmaskin"}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({"sub": who, "exp": exp, "iss": "https://idp.example", "aud": "other"}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            json!({"sub": who, "exp": exp, "iss": "https://idp.example", "aud": ["x", "sajtmaskin"]}),
            StatusCode::OK,
        ),
        (
            json!({"sub": who, "exp": exp, "iss": "https://idp.example", "aud": "sajtmaskin"}),
            StatusCode::OK,
        ),
    ] {
        assert_eq!(
            status(&strict, token_with(claims.clone())).await,
            expected,
            "{claims}"
        );
    }
    // `token` mints what the server accepts.
    let config = <sajtmaskin_server::config::Config as clap::Parser>::try_parse_from([
        "s",
        "--auth-jwt-secret",
        SECRET,
        "--auth-jwt-issuer",
        "https://idp.example",
        "--auth-jwt-audience",
        "sajtmaskin",
    ])
    .unwrap();
    let minted = sajtmaskin_server::state::jwt(&config)
        .unwrap()
        .mint(&who, 60)
        .unwrap();
    assert_eq!(status(&strict, minted.clone()).await, StatusCode::OK);
    assert_eq!(status(&plain, minted).await, StatusCode::OK);
}

/// Two instances on one Postgres keep one per-user limit: 2×limit requests from one user,
/// alternating between them, and exactly `limit` succeed.
#[tokio::test]
#[ignore = "needs PostgreSQL: npm test starts one and runs these with --ignored"]
async fn the_upstream_limit_holds_across_instances_on_one_postgres() {
    let url = postgres_url();
    let mut args = vec!["--upstream-requests-per-minute", "5"];
    args.extend(VERCEL);
    let a = spawn_with(Some(url.clone()), &args).await;
    let b = spawn_with(Some(url), &args).await;
    let who = user("limit");
    let mut answers = std::collections::BTreeMap::new();
    for n in 0..10 {
        let server = if n % 2 == 0 { &a } else { &b };
        let (status, _) = server
            .call(
                Method::POST,
                "/api/integrations/vercel/connect",
                Some(&server.token(&who)),
                None,
            )
            .await;
        *answers.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(answers.get(&200), Some(&5), "{answers:?}");
    assert_eq!(answers.get(&429), Some(&5), "{answers:?}");
    // Another user has a budget of their own.
    let other = user("limit-other");
    let (status, _) = a
        .call(
            Method::POST,
            "/api/integrations/vercel/connect",
            Some(&a.token(&other)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
