//! A real MCP server for the tests, built with the official SDK's streamable-HTTP server, and
//! a fake OAuth authorization server beside it. Both record what they receive.
//!
//! The MCP server has four tools: `echo {text}` (text and structured content), `fail` (a
//! tool error: `isError: true`), `slow {ms}` and `big {bytes}`. Options choose JSON or SSE
//! answers, a stateless or a session server (legacy protocol versions only, so clients must
//! `initialize`), sessions that expire after a number of requests (404, as the spec says),
//! and bearer auth (a fixed token, or the tokens the fake OAuth server issued).
//!
//! Also used by the demo's end-to-end test, through `examples/mcp_fixture.rs`.
#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Form, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{json, Value};
use sha2::Digest;

/// How the test server behaves.
#[derive(Clone, Debug, Default)]
pub struct McpOptions {
    /// Answer `application/json` (else `text/event-stream`).
    pub json: bool,
    /// Sessions (legacy protocol versions only, so clients `initialize`); else stateless.
    pub sessions: bool,
    /// The first session answers 404 (expired) to its first `tools/…` request; later sessions
    /// live on.
    pub expire_first_session: bool,
    /// Requests need `Authorization: Bearer <this>`.
    pub bearer: Option<String>,
    /// Requests need a token the fake OAuth server issued.
    pub oauth: bool,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_secs: Option<u64>,
}

/// One request the servers received.
#[derive(Clone, Debug)]
pub struct Seen {
    /// HTTP path.
    pub path: String,
    /// The JSON-RPC method, the OAuth grant, or the HTTP method.
    pub what: String,
    /// `Authorization`, as sent.
    pub authorization: Option<String>,
    /// `Mcp-Session-Id`, as sent.
    pub session: Option<String>,
    /// Form fields or query pairs (OAuth requests).
    pub fields: HashMap<String, String>,
    /// The answer's status.
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    options: McpOptions,
    base: String,
    seen: Mutex<Vec<Seen>>,
    /// `tools/…` requests per session id.
    sessions: Mutex<HashMap<String, usize>>,
    /// code → (challenge, redirect_uri, resource, client_id)
    codes: Mutex<HashMap<String, (String, String, String, String)>>,
    access_tokens: Mutex<Vec<String>>,
    refresh_tokens: Mutex<Vec<String>>,
    issued: AtomicUsize,
    clients: AtomicUsize,
}

/// A running test server.
#[derive(Clone)]
pub struct TestMcp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The MCP endpoint: `<base>/mcp`.
    pub url: String,
    shared: Arc<Shared>,
}

impl TestMcp {
    /// Everything received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The JSON-RPC methods received at `/mcp`, in order.
    pub fn methods(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|s| s.path == "/mcp")
            .map(|s| s.what)
            .collect()
    }

    /// Starts one on a loopback port.
    pub async fn start(options: McpOptions) -> TestMcp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, options).await
    }

    /// Serves on `listener`.
    pub async fn serve(listener: tokio::net::TcpListener, options: McpOptions) -> TestMcp {
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            options: options.clone(),
            base: base.clone(),
            ..Shared::default()
        });
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(options.sessions)
            .with_json_response(options.json)
            .with_sse_keep_alive(None);
        let tools = Tools {
            legacy_only: options.sessions,
        };
        let mcp: StreamableHttpService<Tools, LocalSessionManager> = StreamableHttpService::new(
            move || Ok(tools.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let app = Router::new()
            .nest_service("/mcp", mcp)
            .layer(axum::middleware::from_fn_with_state(shared.clone(), gate))
            .route("/redirect", post(redirect).get(redirect))
            .route("/hang", post(hang))
            .route(
                "/.well-known/oauth-protected-resource/mcp",
                get(resource_metadata),
            )
            .route(
                "/.well-known/oauth-authorization-server",
                get(server_metadata),
            )
            .route("/register", post(register))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestMcp {
            url: format!("{base}/mcp"),
            base,
            shared,
        }
    }
}

fn record(shared: &Shared, seen: Seen) {
    shared.seen.lock().unwrap().push(seen);
}

/// In front of `/mcp`: records each request, checks the bearer token, expires sessions.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let what = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("method").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| parts.method.to_string());
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut seen = Seen {
        path: "/mcp".into(),
        what,
        authorization: header("authorization"),
        session: header("mcp-session-id"),
        fields: HashMap::new(),
        status: 0,
    };
    let options = &shared.options;
    let bearer = seen
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::to_owned);
    let authorized = match (&options.bearer, options.oauth) {
        (Some(expected), _) => bearer.as_deref() == Some(expected.as_str()),
        (None, true) => bearer.is_some_and(|b| shared.access_tokens.lock().unwrap().contains(&b)),
        (None, false) => true,
    };
    if !authorized {
        seen.status = 401;
        record(&shared, seen);
        let challenge = format!(
            "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
            shared.base
        );
        let mut response = (StatusCode::UNAUTHORIZED, "unauthorized").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_str(&challenge).unwrap(),
        );
        return response;
    }
    // A server of the 2025 revisions does not know the stateless protocol's discovery.
    if options.sessions && seen.what == "server/discover" {
        seen.status = 400;
        record(&shared, seen);
        let error = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32601, "message": "Method not found"}});
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    if let (true, Some(session)) = (options.expire_first_session, seen.session.clone()) {
        let mut sessions = shared.sessions.lock().unwrap();
        let first = sessions.is_empty() || sessions.contains_key(&session) && sessions.len() == 1;
        let count = sessions.entry(session).or_insert(0);
        if seen.what.starts_with("tools/") {
            *count += 1;
        }
        if first && *count == 1 && seen.what.starts_with("tools/") {
            drop(sessions);
            seen.status = 404;
            record(&shared, seen);
            return (StatusCode::NOT_FOUND, "session expired").into_response();
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    seen.status = response.status().as_u16();
    record(&shared, seen);
    response
}

async fn redirect() -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, "http://169.254.169.254/latest/meta-data/")],
    )
        .into_response()
}

async fn hang() -> Response {
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    StatusCode::OK.into_response()
}

async fn resource_metadata(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "resource": format!("{}/mcp", shared.base),
        "authorization_servers": [shared.base],
        "scopes_supported": ["mcp"],
    }))
}

async fn server_metadata(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let base = &shared.base;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        // It sends `iss` on every callback (RFC 9207).
        "authorization_response_iss_parameter_supported": true,
    }))
}

async fn register(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let document: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = shared.clients.fetch_add(1, Ordering::SeqCst) + 1;
    let mut fields = HashMap::new();
    if let Some(uris) = document.get("redirect_uris").and_then(Value::as_array) {
        fields.insert(
            "redirect_uri".into(),
            uris.first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
        );
    }
    record(
        &shared,
        Seen {
            path: "/register".into(),
            what: "register".into(),
            authorization: None,
            session: None,
            fields,
            status: 201,
        },
    );
    (
        StatusCode::CREATED,
        Json(json!({ "client_id": format!("client-{n}"), "redirect_uris": document["redirect_uris"] })),
    )
        .into_response()
}

/// Approves at once: back to `redirect_uri` with a code (and `iss`).
async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    let ok = get("response_type") == "code"
        && get("code_challenge_method") == "S256"
        && !get("code_challenge").is_empty()
        && get("resource") == format!("{}/mcp", shared.base);
    record(
        &shared,
        Seen {
            path: "/authorize".into(),
            what: "authorize".into(),
            authorization: None,
            session: None,
            fields: query.clone(),
            status: if ok { 302 } else { 400 },
        },
    );
    if !ok {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = format!("code-{}", shared.issued.fetch_add(1, Ordering::SeqCst));
    shared.codes.lock().unwrap().insert(
        code.clone(),
        (
            get("code_challenge"),
            get("redirect_uri"),
            get("resource"),
            get("client_id"),
        ),
    );
    let mut back = reqwest::Url::parse(&get("redirect_uri")).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"))
        .append_pair("iss", &shared.base);
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

/// Checks the PKCE verifier and `resource`; issues an access and a refresh token.
async fn token(
    State(shared): State<Arc<Shared>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let resource_ok = get("resource") == format!("{}/mcp", shared.base);
    let ok = resource_ok
        && match get("grant_type").as_str() {
            "authorization_code" => {
                let found = shared.codes.lock().unwrap().remove(&get("code"));
                found.is_some_and(|(challenge, redirect_uri, _, client_id)| {
                    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(sha2::Sha256::digest(get("code_verifier").as_bytes()));
                    computed == challenge
                        && redirect_uri == get("redirect_uri")
                        && client_id == get("client_id")
                })
            }
            "refresh_token" => shared
                .refresh_tokens
                .lock()
                .unwrap()
                .contains(&get("refresh_token")),
            _ => false,
        };
    record(
        &shared,
        Seen {
            path: "/token".into(),
            what: get("grant_type"),
            authorization: None,
            session: None,
            fields: form.clone(),
            status: if ok { 200 } else { 400 },
        },
    );
    if !ok {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let n = shared.issued.fetch_add(1, Ordering::SeqCst);
    let access = format!("access-token-{n}-{}", uuid_like());
    let refresh = format!("refresh-token-{n}-{}", uuid_like());
    shared.access_tokens.lock().unwrap().push(access.clone());
    shared.refresh_tokens.lock().unwrap().push(refresh.clone());
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": shared.options.token_lifetime_secs.unwrap_or(3600),
        "refresh_token": refresh,
    }))
    .into_response()
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone)]
struct Tools {
    legacy_only: bool,
}

fn schema(value: Value) -> Arc<serde_json::Map<String, Value>> {
    Arc::new(value.as_object().cloned().unwrap_or_default())
}

impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = rmcp::model::Implementation::new("test-mcp", "1.0.0");
        info
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        if self.legacy_only {
            Cow::Owned(vec![
                ProtocolVersion::V_2025_03_26,
                ProtocolVersion::V_2025_06_18,
                ProtocolVersion::V_2025_11_25,
            ])
        } else {
            Cow::Borrowed(ProtocolVersion::KNOWN_VERSIONS)
        }
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let text = json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]});
        let number =
            |name: &str| json!({"type": "object", "properties": {name: {"type": "integer"}}});
        Ok(ListToolsResult::with_all_items(vec![
            Tool::new("echo", "Echoes its text", schema(text)),
            Tool::new("fail", "Always fails", schema(json!({"type": "object"}))),
            Tool::new(
                "slow",
                "Answers after ms milliseconds",
                schema(number("ms")),
            ),
            Tool::new(
                "big",
                "Answers with bytes bytes of text",
                schema(number("bytes")),
            ),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let number = |name: &str| args.get(name).and_then(Value::as_u64).unwrap_or(0);
        let result = match request.name.as_ref() {
            "echo" => {
                let text = args
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let mut result = CallToolResult::success(vec![ContentBlock::text(text.clone())]);
                result.structured_content = Some(json!({ "echo": text }));
                result
            }
            "fail" => CallToolResult::error(vec![ContentBlock::text("the tool failed on purpose")]),
            "slow" => {
                tokio::time::sleep(std::time::Duration::from_millis(number("ms"))).await;
                CallToolResult::success(vec![ContentBlock::text("done")])
            }
            "big" => CallToolResult::success(vec![ContentBlock::text(
                "x".repeat(usize::try_from(number("bytes")).unwrap_or(0)),
            )]),
            _ => return Err(ErrorData::invalid_params("no such tool", None)),
        };
        Ok(result.into())
    }
}
