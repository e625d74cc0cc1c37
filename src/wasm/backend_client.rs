//! `BackendClient`: typed calls to the backend's routes, errors as JS `Error`s with `code` and
//! `status`, a timeout, and an optional `AbortSignal` per call. The HTTP work is in
//! [`super::transport`]; this file names the routes and builds the bodies.
//!
//! Env-var values pass through wasm memory only while a request is built: every body that
//! carries values is validated, serialized and wiped in [`checked_body`], and the serialized
//! copy is wiped once `fetch` holds it. Answers stay in JS (see [`super::transport`]).

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroize;

use super::error::JsCodedError;
use super::options as opt;
use super::transport::{Inner, Transport};
use crate::wire::{CreateEnvVars, DeleteEnvVars, NewEnvVar, UpdateEnvVars, ValidationError};

#[wasm_bindgen(typescript_custom_section)]
const TS_CLIENT: &str = r#"
export interface BackendClientOptions {
  /** Base URL of the backend; "" (default) is the page's own origin. */
  baseUrl?: string;
  /** A bearer token, or a function that returns one (called before every request). */
  token?: string | (() => string | Promise<string>);
  /** Milliseconds before a request fails with code "timeout" (default 15000), the token callback's wait included. */
  timeoutMs?: number;
}
export interface Project { id: string; name: string; v0ProjectId: string | null; vercelProjectId: string | null;
  /** The user's own Vercel project, linked through their Vercel connection. */
  linkedVercelProjectId: string | null; createdAt: string }
/** The backend links the v0 or Vercel project itself (never from an id the client names). */
export interface NewProject { name?: string }
/** A stored env var; `value` is null for sensitive vars (write-only). */
export interface EnvVar { id: string; key: string; value: string | null; sensitive: boolean; createdAt: string; updatedAt: string;
  /** The stored value could not be decrypted; set it again. Present only when true. */
  unreadable?: true }
export interface NewEnvVar { key: string; value: string; sensitive?: boolean }
export interface EnvVarUpdate { id: string; value: string }
export interface EnvVarSelector { ids?: string[]; keys?: string[] }
/** An install: status "pending" | "installed" | "removed" | "error"; `envVars` are key names, never values. */
export interface MarketplaceRecord { id: string; projectId: string | null; integrationType: string; status: string; installUrl: string;
  envVars: { key: string; target: string[]; hint?: string }[]; marketplaceId: string | null; lastSyncedAt: string | null; reason: string | null;
  createdAt: string; updatedAt: string }
export interface MarketplaceStrategy { strategy: string; providers: { id: string; name: string; installUrl: string | null; envVars: string[] }[] }
export interface MarketplaceStart { installUrl: string; record: MarketplaceRecord }
/** A hosted MCP server users connect often, in priority order; `url` is null when each tenant has its own. */
export interface McpPreset { id: string; name: string; url: string | null; authKind: McpAuthKind;
  /** A header the provider reads an optional API key from. */
  apiKeyHeader?: string;
  /** The URL itself is a credential: it reads back masked. */
  secretUrl: boolean }
export type McpAuthKind = "none" | "bearer" | "headers" | "oauth";
/** A user's MCP server. Secrets are write-only: only which exist comes back. */
export interface McpServer { id: string; name: string; url: string; preset: string | null; authKind: McpAuthKind; enabled: boolean;
  /** null: every tool the server lists. */
  allowedTools: string[] | null;
  secrets: { set: boolean; bearer: boolean; headerNames: string[]; oauthConnected: boolean; oauthExpiresAt?: string };
  createdAt: string; updatedAt: string }
/** `name`: 1–32 letters, digits, "-", "_" (it prefixes the server's tools at /mcp/{projectId}). */
export interface NewMcpServer { name: string; url?: string; preset?: string; authKind?: McpAuthKind; enabled?: boolean;
  allowedTools?: string[] | null; bearerToken?: string; headers?: Record<string, string> }
/** Absent fields stay; a new url or authKind drops the stored secrets; `allowedTools: null` allows every tool. */
export interface McpServerPatch { name?: string; url?: string; authKind?: McpAuthKind; enabled?: boolean;
  allowedTools?: string[] | null; bearerToken?: string; headers?: Record<string, string> }
export interface McpServerTest { ok: true; server: { name: string | null; version: string | null; protocolVersion: string | null }; toolCount: number }
export interface McpTool { name: string; title: string | null; description: string | null; inputSchema: Record<string, unknown>;
  annotations: Record<string, unknown> | null;
  /** On the server's allow-list. */
  allowed: boolean }
export interface McpToolResult { content: Record<string, unknown>[]; structuredContent: unknown | null; isError: boolean }
/** One tool call: never its arguments or result. */
export interface McpAuditEntry { id: string; serverId: string; serverName: string; tool: string; via: "api" | "endpoint"; at: string;
  durationMs: number; ok: boolean; errorCode: string | null }
/** The project's MCP endpoint for v0 and its token (shown this once; minting again revokes it). */
/** `v0McpServerId`: v0's id for the endpoint when the backend registered it with v0 (API v2). */
export interface McpProjectToken { token: string; url: string; v0McpServerId: string | null }
/** Where to send the browser to authorize (same origin: the flow's cookie must be set). */
export interface McpOAuthStart { url: string }
export interface IntegrationStatus { projects: number; integrations: MarketplaceRecord[] }
/** The caller's own Vercel connection (never its token). */
export interface VercelConnection { connected: boolean; configurationId: string | null; teamId: string | null; vercelUserId: string | null; connectedAt: string | null }
/** Where to send the browser to connect Vercel (same origin: the flow's cookie must be set). */
export interface VercelConnect { url: string }
/** A sync of one Marketplace install: its record, and which keys' values were copied into the project's store. */
export interface IntegrationSync { record: MarketplaceRecord; copied: string[]; notCopied: string[] }
"#;

/// The backend's routes.
mod routes {
    pub const PROJECTS: &str = "/api/projects";
    pub const MARKETPLACE_STRATEGY: &str = "/api/integrations/marketplace/strategy";
    pub const MARKETPLACE_START: &str = "/api/integrations/marketplace/start";
    pub const MARKETPLACE_RECORDS: &str = "/api/integrations/marketplace/records";
    pub const MCP_PRESETS: &str = "/api/mcp/presets";
    pub const MCP_SERVERS: &str = "/api/mcp/servers";
    pub const MCP_AUDIT: &str = "/api/mcp/audit";
    pub const STATUS: &str = "/api/integrations/status";
    pub const VERCEL: &str = "/api/integrations/vercel";
    pub const VERCEL_CONNECT: &str = "/api/integrations/vercel/connect";

    fn segment(value: &str) -> String {
        String::from(js_sys::encode_uri_component(value))
    }

    /// `/api/projects/{projectId}/chats`.
    pub fn chats(project_id: &str) -> String {
        format!("{PROJECTS}/{}/chats", segment(project_id))
    }

    /// `/api/projects/{projectId}/chat/resolve`.
    pub fn resolve(project_id: &str) -> String {
        format!("{PROJECTS}/{}/chat/resolve", segment(project_id))
    }

    /// `/api/projects/{projectId}/vercel-project`.
    pub fn vercel_project(project_id: &str) -> String {
        format!("{PROJECTS}/{}/vercel-project", segment(project_id))
    }

    /// `/api/projects/{projectId}/integrations/{provider}/sync`.
    pub fn sync(project_id: &str, provider: &str) -> String {
        format!(
            "{PROJECTS}/{}/integrations/{}/sync",
            segment(project_id),
            segment(provider)
        )
    }

    /// `/api/v0/projects/{projectId}/env-vars`, the id percent-encoded.
    pub fn env_vars(project_id: &str) -> String {
        format!("/api/v0/projects/{}/env-vars", segment(project_id))
    }

    /// `/api/mcp/servers/{id}` and, with `rest`, a route under it.
    pub fn mcp_server(id: &str, rest: &[&str]) -> String {
        let mut path = format!("{MCP_SERVERS}/{}", segment(id));
        for part in rest {
            path.push('/');
            path.push_str(&segment(part));
        }
        path
    }

    /// `/api/projects/{projectId}/mcp-token`.
    pub fn mcp_token(project_id: &str) -> String {
        format!("{PROJECTS}/{}/mcp-token", segment(project_id))
    }

    /// The records route, for one project when given.
    pub fn marketplace_records(project_id: Option<&str>) -> String {
        match project_id {
            Some(id) => format!("{MARKETPLACE_RECORDS}?projectId={}", segment(id)),
            None => MARKETPLACE_RECORDS.to_owned(),
        }
    }
}

/// A request body checked before it is sent.
trait Checked: Serialize {
    fn validate(&self) -> Result<(), ValidationError>;
    /// Wipes the values it carries (none for a selector).
    fn wipe(&mut self);
}

impl Checked for CreateEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        CreateEnvVars::validate(self)
    }
    fn wipe(&mut self) {
        self.vars.iter_mut().for_each(|v| v.value.zeroize());
    }
}

impl Checked for UpdateEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        UpdateEnvVars::validate(self)
    }
    fn wipe(&mut self) {
        self.vars.iter_mut().for_each(|v| v.value.zeroize());
    }
}

impl Checked for DeleteEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        DeleteEnvVars::validate(self)
    }
    fn wipe(&mut self) {}
}

/// An MCP server create or patch, read as JSON: the backend checks the rules; here the fields
/// are checked against the ones the API has (so a misspelt `bearerToken` is an error, not
/// silently dropped) and the secrets wiped once serialized. A `Value` rather than a derived
/// struct: the JSON code for `Value` is in the module anyway, a struct's would add to it.
struct McpServerBody(serde_json::Map<String, Value>);

/// The fields of `NewMcpServer` and `McpServerPatch`.
const MCP_SERVER_FIELDS: [&str; 8] = [
    "name",
    "url",
    "preset",
    "authKind",
    "enabled",
    "allowedTools",
    "bearerToken",
    "headers",
];

impl McpServerBody {
    fn read(value: JsValue, what: &str) -> Result<McpServerBody, JsValue> {
        let invalid = |message: &str| -> JsValue {
            JsCodedError::new("invalid_argument", format!("{what}: {message}")).into()
        };
        let mut body = match json_value(value) {
            Some(Value::Object(map)) => McpServerBody(map),
            Some(mut other) => {
                wipe_value(&mut other);
                return Err(invalid("not an object"));
            }
            None => return Err(invalid("not JSON")),
        };
        if let Some(field) = body
            .0
            .keys()
            .find(|k| !MCP_SERVER_FIELDS.contains(&k.as_str()))
        {
            let message = format!("unknown field `{field}`");
            body.wipe();
            return Err(invalid(&message));
        }
        Ok(body)
    }
}

impl Serialize for McpServerBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl Checked for McpServerBody {
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
    fn wipe(&mut self) {
        for field in ["bearerToken", "headers"] {
            if let Some(value) = self.0.get_mut(field) {
                wipe_value(value);
            }
        }
    }
}

/// Overwrites every string inside `value`.
fn wipe_value(value: &mut Value) {
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_value),
        Value::Object(map) => map.values_mut().for_each(wipe_value),
        _ => {}
    }
}

/// A JS value as JSON, through `JSON.stringify` (the text, which may carry secrets, is wiped
/// once parsed); `None` if it is not JSON.
fn json_value(value: JsValue) -> Option<Value> {
    let mut text: String = js_sys::JSON::stringify(&value).ok()?.as_string()?;
    let parsed = serde_json::from_str(&text).ok();
    text.zeroize();
    parsed
}

/// Validate, serialize, wipe: the one sequence every env-var write takes. The request's values
/// are wiped whether or not it was valid.
fn checked_body(mut request: impl Checked) -> Result<String, JsValue> {
    let checked = request
        .validate()
        .map(|()| serde_json::to_string(&request).unwrap_or_default());
    request.wipe();
    checked.map_err(|err| JsCodedError::new(err.code(), err.to_string()).into())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    base_url: Option<String>,
    timeout_ms: Option<f64>,
}

/// Calls the backend's routes on behalf of the builder UI.
#[wasm_bindgen]
pub struct BackendClient {
    transport: Transport,
}

fn parse<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsCodedError::new("invalid_argument", format!("{what}: {e}")).into())
}

/// A promise that rejects with `err`, for input refused before any request.
fn rejected(err: JsValue) -> js_sys::Promise {
    js_sys::Promise::reject(&err)
}

#[wasm_bindgen]
impl BackendClient {
    /// `new BackendClient({ baseUrl?, token?, timeoutMs? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BackendClientOptions | undefined")] options: JsValue,
    ) -> Result<BackendClient, JsValue> {
        let token = if options.is_object() {
            js_sys::Reflect::get(&options, &"token".into())?
        } else {
            JsValue::UNDEFINED
        };
        if !(token.is_undefined() || token.is_null() || token.is_string() || token.is_function()) {
            return Err(JsCodedError::new(
                "invalid_options",
                "token must be a string or a function",
            )
            .into());
        }
        let parsed: Options = opt::from_js(strip_token(&options)?)?;
        Ok(BackendClient {
            transport: Transport::new(Inner {
                base: parsed
                    .base_url
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned(),
                token,
                timeout_ms: opt::timeout_ms(parsed.timeout_ms)?,
            }),
        })
    }

    /// The caller's projects.
    #[wasm_bindgen(js_name = listProjects, unchecked_return_type = "Promise<Project[]>")]
    pub fn list_projects(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::PROJECTS.into(),
            None,
            Some("projects"),
            signal,
        )
    }

    /// Creates a project owned by the caller.
    #[wasm_bindgen(js_name = createProject, unchecked_return_type = "Promise<Project>")]
    pub fn create_project(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NewProject")] project: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        match parse::<Value>(project, "project") {
            Ok(body) => self.transport.call(
                Method::POST,
                routes::PROJECTS.into(),
                Some(body.to_string()),
                None,
                signal,
            ),
            Err(err) => rejected(err),
        }
    }

    /// The project's env vars (sensitive ones with `value: null`).
    #[wasm_bindgen(js_name = listEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn list_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::env_vars(project_id),
            None,
            Some("envVars"),
            signal,
        )
    }

    /// Creates or (by default) overwrites env vars; values are validated here first.
    #[wasm_bindgen(js_name = upsertEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn upsert_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "NewEnvVar[]")] vars: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ upsert?: boolean } | undefined")] options: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let upsert = !options.is_object()
            || js_sys::Reflect::get(&options, &"upsert".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
        let body = parse::<Vec<NewEnvVar>>(vars, "vars")
            .and_then(|vars| checked_body(CreateEnvVars { vars, upsert }));
        self.env_write(Method::POST, project_id, body, signal)
    }

    /// Changes values by id.
    #[wasm_bindgen(js_name = updateEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn update_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "EnvVarUpdate[]")] vars: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = parse(vars, "vars").and_then(|vars| checked_body(UpdateEnvVars { vars }));
        self.env_write(Method::PATCH, project_id, body, signal)
    }

    /// Deletes by ids and/or keys; resolves with the deleted vars.
    #[wasm_bindgen(js_name = deleteEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn delete_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "EnvVarSelector")] selector: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = parse::<DeleteEnvVars>(selector, "selector").and_then(checked_body);
        self.env_write(Method::DELETE, project_id, body, signal)
    }

    /// How integrations are installed, and the catalog's Marketplace providers.
    #[wasm_bindgen(js_name = marketplaceStrategy, unchecked_return_type = "Promise<MarketplaceStrategy>")]
    pub fn marketplace_strategy(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::MARKETPLACE_STRATEGY.into(),
            None,
            None,
            signal,
        )
    }

    /// Records an install start and resolves with the install URL.
    #[wasm_bindgen(js_name = startMarketplaceInstall, unchecked_return_type = "Promise<MarketplaceStart>")]
    pub fn start_marketplace_install(
        &self,
        #[wasm_bindgen(js_name = integrationType)] integration_type: &str,
        #[wasm_bindgen(js_name = projectId)] project_id: Option<String>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body =
            serde_json::json!({ "integrationType": integration_type, "projectId": project_id })
                .to_string();
        self.transport.call(
            Method::POST,
            routes::MARKETPLACE_START.into(),
            Some(body),
            None,
            signal,
        )
    }

    /// Install records, optionally of one project.
    #[wasm_bindgen(js_name = marketplaceRecords, unchecked_return_type = "Promise<MarketplaceRecord[]>")]
    pub fn marketplace_records(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: Option<String>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::marketplace_records(project_id.as_deref()),
            None,
            Some("records"),
            signal,
        )
    }

    /// MCP presets in priority order.
    #[wasm_bindgen(js_name = mcpPresets, unchecked_return_type = "Promise<McpPreset[]>")]
    pub fn mcp_presets(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::MCP_PRESETS.into(),
            None,
            Some("presets"),
            signal,
        )
    }

    /// The caller's MCP servers.
    #[wasm_bindgen(js_name = listMcpServers, unchecked_return_type = "Promise<McpServer[]>")]
    pub fn list_mcp_servers(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::MCP_SERVERS.into(),
            None,
            Some("servers"),
            signal,
        )
    }

    /// Adds an MCP server; its bearer token and header values are wiped here once sent.
    #[wasm_bindgen(js_name = createMcpServer, unchecked_return_type = "Promise<McpServer>")]
    pub fn create_mcp_server(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NewMcpServer")] server: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        match McpServerBody::read(server, "server").and_then(checked_body) {
            Ok(body) => self.transport.call(
                Method::POST,
                routes::MCP_SERVERS.into(),
                Some(body),
                None,
                signal,
            ),
            Err(err) => rejected(err),
        }
    }

    /// Changes an MCP server (see `McpServerPatch`).
    #[wasm_bindgen(js_name = updateMcpServer, unchecked_return_type = "Promise<McpServer>")]
    pub fn update_mcp_server(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        #[wasm_bindgen(unchecked_param_type = "McpServerPatch")] patch: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        match McpServerBody::read(patch, "patch").and_then(checked_body) {
            Ok(body) => self.transport.call(
                Method::PATCH,
                routes::mcp_server(server_id, &[]),
                Some(body),
                None,
                signal,
            ),
            Err(err) => rejected(err),
        }
    }

    /// Deletes an MCP server and its secrets.
    #[wasm_bindgen(js_name = deleteMcpServer, unchecked_return_type = "Promise<{ deleted: string }>")]
    pub fn delete_mcp_server(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::DELETE,
            routes::mcp_server(server_id, &[]),
            None,
            None,
            signal,
        )
    }

    /// Connects to the server and lists its tools: who answered and how many tools.
    #[wasm_bindgen(js_name = testMcpServer, unchecked_return_type = "Promise<McpServerTest>")]
    pub fn test_mcp_server(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::POST,
            routes::mcp_server(server_id, &["test"]),
            Some("{}".into()),
            None,
            signal,
        )
    }

    /// The server's tools, each marked allowed or not.
    #[wasm_bindgen(js_name = listMcpTools, unchecked_return_type = "Promise<McpTool[]>")]
    pub fn list_mcp_tools(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::mcp_server(server_id, &["tools"]),
            None,
            Some("tools"),
            signal,
        )
    }

    /// Calls an allowed tool through the backend (with the server's credentials, which never
    /// reach the page). Throws `invalid_argument` for a name MCP does not allow.
    #[wasm_bindgen(js_name = callMcpTool, unchecked_return_type = "Promise<McpToolResult>")]
    pub fn call_mcp_tool(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        tool: &str,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | undefined")]
        arguments: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        if !crate::wire::is_mcp_tool_name(tool) {
            return rejected(
                JsCodedError::new(
                    "invalid_argument",
                    "tool: 1–128 letters, digits, '_', '-', '.'",
                )
                .into(),
            );
        }
        let arguments = if arguments.is_undefined() || arguments.is_null() {
            Ok(Value::Object(serde_json::Map::new()))
        } else {
            match json_value(arguments) {
                Some(Value::Object(map)) => Ok(Value::Object(map)),
                _ => Err(JsCodedError::new("invalid_argument", "arguments: not an object").into()),
            }
        };
        match arguments {
            Ok(arguments) => self.transport.call(
                Method::POST,
                routes::mcp_server(server_id, &["tools", tool, "call"]),
                Some(serde_json::json!({ "arguments": arguments }).to_string()),
                None,
                signal,
            ),
            Err(err) => rejected(err),
        }
    }

    /// Starts OAuth for the server: resolves with the URL to send the browser to (the
    /// backend sets the flow's cookie on this origin and, once authorized, sends the browser
    /// back to `/?mcp=connected&server=<id>`).
    #[wasm_bindgen(js_name = startMcpOAuth, unchecked_return_type = "Promise<McpOAuthStart>")]
    pub fn start_mcp_oauth(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::POST,
            routes::mcp_server(server_id, &["oauth", "start"]),
            Some("{}".into()),
            None,
            signal,
        )
    }

    /// The caller's latest 100 tool calls, newest first (one server's, when given).
    #[wasm_bindgen(js_name = mcpAudit, unchecked_return_type = "Promise<McpAuditEntry[]>")]
    pub fn mcp_audit(
        &self,
        #[wasm_bindgen(js_name = serverId)] server_id: Option<String>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let path = match server_id.as_deref() {
            Some(id) => format!(
                "{}?serverId={}",
                routes::MCP_AUDIT,
                js_sys::encode_uri_component(id)
            ),
            None => routes::MCP_AUDIT.to_owned(),
        };
        self.transport
            .call(Method::GET, path, None, Some("entries"), signal)
    }

    /// A new token for the project's MCP endpoint (the previous one stops working).
    #[wasm_bindgen(js_name = mintMcpToken, unchecked_return_type = "Promise<McpProjectToken>")]
    pub fn mint_mcp_token(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::POST,
            routes::mcp_token(project_id),
            Some("{}".into()),
            None,
            signal,
        )
    }

    /// Revokes the project's MCP endpoint token.
    #[wasm_bindgen(js_name = revokeMcpToken, unchecked_return_type = "Promise<{ revoked: boolean; v0Unregistered: boolean }>")]
    pub fn revoke_mcp_token(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::DELETE,
            routes::mcp_token(project_id),
            None,
            None,
            signal,
        )
    }

    /// The caller's recorded integrations.
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatus>")]
    pub fn status(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport
            .call(Method::GET, routes::STATUS.into(), None, None, signal)
    }

    /// Starts connecting the caller's Vercel account: resolves with the URL to send the
    /// browser to (the backend sets the flow's cookie on this origin).
    #[wasm_bindgen(js_name = connectVercel, unchecked_return_type = "Promise<VercelConnect>")]
    pub fn connect_vercel(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport.call(
            Method::POST,
            routes::VERCEL_CONNECT.into(),
            None,
            None,
            signal,
        )
    }

    /// The caller's Vercel connection.
    #[wasm_bindgen(js_name = vercelConnection, unchecked_return_type = "Promise<VercelConnection>")]
    pub fn vercel_connection(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport
            .call(Method::GET, routes::VERCEL.into(), None, None, signal)
    }

    /// Forgets the caller's Vercel connection.
    #[wasm_bindgen(js_name = disconnectVercel, unchecked_return_type = "Promise<VercelConnection>")]
    pub fn disconnect_vercel(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport
            .call(Method::DELETE, routes::VERCEL.into(), None, None, signal)
    }

    /// Links the project to one of the caller's Vercel projects (checked with their token).
    #[wasm_bindgen(js_name = linkVercelProject, unchecked_return_type = "Promise<Project>")]
    pub fn link_vercel_project(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(js_name = vercelProjectId)] vercel_project_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = serde_json::json!({ "vercelProjectId": vercel_project_id }).to_string();
        self.transport.call(
            Method::POST,
            routes::vercel_project(project_id),
            Some(body),
            None,
            signal,
        )
    }

    /// Syncs a Marketplace install of the project from its linked Vercel project.
    #[wasm_bindgen(js_name = syncIntegration, unchecked_return_type = "Promise<IntegrationSync>")]
    pub fn sync_integration(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        provider: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.transport.call(
            Method::POST,
            routes::sync(project_id, provider),
            None,
            None,
            signal,
        )
    }

    /// Starts a v0 chat for the project; resolves with the streamed `Response` (read it with
    /// `StreamSession.consume(response.body, …)`).
    #[wasm_bindgen(js_name = startChat, unchecked_return_type = "Promise<Response>")]
    pub fn start_chat(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        message: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = serde_json::json!({ "message": message }).to_string();
        self.transport
            .call_stream(Method::POST, routes::chats(project_id), Some(body), signal)
    }

    /// Resumes a chat of the project that waits on integrations (v0 is told which are
    /// installed and which keys are set); resolves with the streamed `Response`.
    #[wasm_bindgen(js_name = resolveChat, unchecked_return_type = "Promise<Response>")]
    pub fn resolve_chat(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(js_name = chatId)] chat_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = serde_json::json!({ "chatId": chat_id }).to_string();
        self.transport.call_stream(
            Method::POST,
            routes::resolve(project_id),
            Some(body),
            signal,
        )
    }

    /// An env-var write whose body was checked here: a rejected promise if it was not valid.
    fn env_write(
        &self,
        method: Method,
        project_id: &str,
        body: Result<String, JsValue>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        match body {
            Ok(body) => self.transport.call(
                method,
                routes::env_vars(project_id),
                Some(body),
                Some("envVars"),
                signal,
            ),
            Err(err) => rejected(err),
        }
    }
}

/// Options without `token` (a function cannot be deserialized; it is read separately).
fn strip_token(options: &JsValue) -> Result<JsValue, JsValue> {
    if !options.is_object() {
        return Ok(options.clone());
    }
    let copy = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    js_sys::Reflect::delete_property(&copy, &"token".into())?;
    Ok(copy.into())
}
