//! `BackendClient`: typed calls to the backend's routes, errors as JS `Error`s with `code` and
//! `status`, a timeout, and an optional `AbortSignal` per call. The HTTP work is in
//! [`super::transport`]; this file names the routes and builds the bodies.
//!
//! Env-var values pass through wasm memory only while a request is built: every body that
//! carries values is validated, serialized and wiped in [`checked_body`], and the serialized
//! copy is wiped once `fetch` holds it. Answers stay in JS (see [`super::transport`]).

use gloo_net::http::Method;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use super::error::JsCodedError;
use super::options as opt;
use super::read::{self, Fields};
use super::transport::{Answer, Inner, Transport};
use crate::json::{max_map_len, max_str_len, Object, ToJson};
use crate::wire::{
    CreateEnvVars, DeleteEnvVars, EnvVarUpdate, NewEnvVar, UpdateEnvVars, ValidationError,
};

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
export interface MarketplaceStrategy { strategy: string; providers: { id: string; name: string; installUrl: string | null; envVars: string[] }[] }
export interface MarketplaceStart { installUrl: string; record: MarketplaceRecord }
/** A hosted MCP server users connect often, in priority order; `url` is null when each tenant has its own. */
export interface McpPreset { id: string; name: string; url: string | null; authKind: McpAuthKind;
  /** A header the provider reads an optional API key from. */
  apiKeyHeader?: string;
  /** The URL itself is a credential: it reads back masked. */
  secretUrl: boolean }
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

    /// `/api/projects/{projectId}/integrations/{provider}/{action}` (`sync`, `verify`).
    pub fn integration(project_id: &str, provider: &str, action: &str) -> String {
        format!(
            "{PROJECTS}/{}/integrations/{}/{action}",
            segment(project_id),
            segment(provider)
        )
    }

    /// `/api/projects/{projectId}/integrations/checks`.
    pub fn checks(project_id: &str) -> String {
        format!("{PROJECTS}/{}/integrations/checks", segment(project_id))
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

    /// `path`, with `?{name}={value}` when a value is given.
    fn with_query(path: &str, name: &str, value: Option<&str>) -> String {
        match value {
            Some(value) => format!("{path}?{name}={}", segment(value)),
            None => path.to_owned(),
        }
    }

    /// The records route, for one project when given.
    pub fn marketplace_records(project_id: Option<&str>) -> String {
        with_query(MARKETPLACE_RECORDS, "projectId", project_id)
    }

    /// The audit route, for one server when given.
    pub fn mcp_audit(server_id: Option<&str>) -> String {
        with_query(MCP_AUDIT, "serverId", server_id)
    }
}

/// A request body checked before it is sent.
trait Checked: ToJson {
    fn validate(&self) -> Result<(), ValidationError>;
    /// At least the length of its JSON text: the body is written into a buffer of this size,
    /// which never grows (a growing buffer leaves copies of the values in freed memory).
    fn max_json_len(&self) -> usize;
    /// Wipes the values it carries (none for a selector).
    fn wipe(&mut self);
}

// The values of env-var writes, wiped from wasm memory once a request no longer needs them.
impl Zeroize for NewEnvVar {
    fn zeroize(&mut self) {
        self.value.zeroize();
    }
}

impl Zeroize for EnvVarUpdate {
    fn zeroize(&mut self) {
        self.value.zeroize();
    }
}

impl Checked for CreateEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        CreateEnvVars::validate(self)
    }
    fn max_json_len(&self) -> usize {
        let vars: usize = self
            .vars
            .iter()
            .map(|v| 40 + max_str_len(v.key.len()) + max_str_len(v.value.len()))
            .sum();
        32 + vars
    }
    fn wipe(&mut self) {
        self.vars.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl Checked for UpdateEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        UpdateEnvVars::validate(self)
    }
    fn max_json_len(&self) -> usize {
        let vars: usize = self
            .vars
            .iter()
            .map(|v| 24 + max_str_len(v.id.len()) + max_str_len(v.value.len()))
            .sum();
        16 + vars
    }
    fn wipe(&mut self) {
        self.vars.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl Checked for DeleteEnvVars {
    fn validate(&self) -> Result<(), ValidationError> {
        DeleteEnvVars::validate(self)
    }
    fn max_json_len(&self) -> usize {
        // Ids and keys, no values: the buffer may grow.
        0
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

impl ToJson for McpServerBody {
    fn write_json(&self, out: &mut String) {
        self.0.write_json(out);
    }
}

impl Checked for McpServerBody {
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
    fn max_json_len(&self) -> usize {
        max_map_len(&self.0)
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
    let parsed = crate::json::parse(&text).ok();
    text.zeroize();
    parsed
}

/// A request body: a JSON object of these fields.
fn object_body(fields: &[(&str, &dyn ToJson)]) -> String {
    let mut out = String::new();
    let mut object = Object::new(&mut out);
    for (key, value) in fields {
        object.field(key, *value);
    }
    object.end();
    out
}

/// Validate, serialize, wipe: the one sequence every env-var write takes. The request's values
/// are wiped whether or not it was valid.
fn checked_body(mut request: impl Checked) -> Result<String, JsValue> {
    let checked = request.validate().map(|()| {
        let mut body = String::with_capacity(request.max_json_len());
        request.write_json(&mut body);
        body
    });
    request.wipe();
    checked.map_err(|err| JsCodedError::new(err.code(), err.to_string()).into())
}

/// Calls the backend's routes on behalf of the builder UI.
#[wasm_bindgen]
pub struct BackendClient {
    transport: Transport,
}

/// A list of env-var writes (`NewEnvVar[]`, `EnvVarUpdate[]`), each item read by `read_item`.
/// Values are read into strings that the request wipes once serialized; if an item fails to
/// read, the values read before it are wiped here.
fn env_writes<T: Zeroize>(
    list: &JsValue,
    read_item: impl Fn(&Fields<'_>) -> Result<T, JsCodedError>,
) -> Result<Vec<T>, JsCodedError> {
    let mut out: Vec<T> = Vec::new();
    for item in read::list(list, "invalid_argument", "vars")? {
        match Fields::of(item, "invalid_argument", "vars[]").and_then(|item| read_item(&item)) {
            Ok(var) => out.push(var),
            Err(err) => {
                out.iter_mut().for_each(Zeroize::zeroize);
                return Err(err);
            }
        }
    }
    Ok(out)
}

/// `NewEnvVar[]`.
fn new_env_vars(list: &JsValue) -> Result<Vec<NewEnvVar>, JsCodedError> {
    env_writes(list, |var| {
        Ok(NewEnvVar {
            key: var.required_string("key")?,
            sensitive: var.defaulted_boolean("sensitive", false)?,
            value: var.required_string("value")?,
        })
    })
}

/// `EnvVarUpdate[]`.
fn env_var_updates(list: &JsValue) -> Result<Vec<EnvVarUpdate>, JsCodedError> {
    env_writes(list, |var| {
        Ok(EnvVarUpdate {
            id: var.required_string("id")?,
            value: var.required_string("value")?,
        })
    })
}

/// `EnvVarSelector`: ids and/or keys.
fn env_var_selector(selector: JsValue) -> Result<DeleteEnvVars, JsCodedError> {
    let selector = Fields::of(selector, "invalid_argument", "selector")?;
    Ok(DeleteEnvVars {
        ids: selector.strings("ids")?,
        keys: selector.strings("keys")?,
    })
}

/// An HTTP method: one byte for a row to store, where a `Method` takes 16 and a clone.
#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
    Patch,
    Delete,
}

impl From<Verb> for Method {
    fn from(verb: Verb) -> Method {
        match verb {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Patch => Method::PATCH,
            Verb::Delete => Method::DELETE,
        }
    }
}

/// The request a `BackendClient` method makes: built by the method's row in the table below
/// and sent by [`BackendClient::send`].
struct Call {
    verb: Verb,
    path: String,
    /// The serialized body, or why the caller's input was refused: then the promise rejects
    /// with that error and nothing is sent.
    body: Result<Option<String>, JsValue>,
    /// What the promise resolves with: the JSON answer (or one field of it), or the streamed
    /// `Response`.
    answer: Answer,
}

impl Call {
    fn new(verb: Verb, path: impl Into<String>) -> Call {
        Call {
            verb,
            path: path.into(),
            body: Ok(None),
            answer: Answer::Json(None),
        }
    }
    fn get(path: impl Into<String>) -> Call {
        Call::new(Verb::Get, path)
    }
    fn post(path: impl Into<String>) -> Call {
        Call::new(Verb::Post, path)
    }
    fn patch(path: impl Into<String>) -> Call {
        Call::new(Verb::Patch, path)
    }
    fn delete(path: impl Into<String>) -> Call {
        Call::new(Verb::Delete, path)
    }
    /// With a JSON body built here from the arguments.
    fn body(self, body: impl Into<String>) -> Call {
        self.checked(Ok(body.into()))
    }
    /// With a body checked here first (see [`checked_body`]), or refused.
    fn checked(self, body: Result<String, JsValue>) -> Call {
        Call {
            body: body.map(Some),
            ..self
        }
    }
    /// Resolving with `field` of the JSON answer.
    fn field(self, field: &'static str) -> Call {
        Call {
            answer: Answer::Json(Some(field)),
            ..self
        }
    }
    /// Resolving with the streamed `Response`.
    fn stream(self) -> Call {
        Call {
            answer: Answer::Stream,
            ..self
        }
    }
}

/// An env-var write to the project's store: a body checked here, and the vars it resolves with.
// Never inlined: the three writes share it (33 bytes gzip).
#[inline(never)]
fn env_write(verb: Verb, project_id: &str, body: Result<String, JsValue>) -> Call {
    Call::new(verb, routes::env_vars(project_id))
        .checked(body)
        .field("envVars")
}

/// The body of a tool call: `tool` checked against MCP's rules, `arguments` an object (or
/// absent: `{}`).
fn tool_call_body(tool: &str, arguments: JsValue) -> Result<String, JsValue> {
    let invalid = |message: &'static str| -> JsValue {
        JsCodedError::new("invalid_argument", message).into()
    };
    if !crate::wire::is_mcp_tool_name(tool) {
        return Err(invalid("tool: 1–128 letters, digits, '_', '-', '.'"));
    }
    let arguments = if arguments.is_undefined() || arguments.is_null() {
        Value::Object(serde_json::Map::new())
    } else {
        match json_value(arguments) {
            Some(Value::Object(map)) => Value::Object(map),
            _ => return Err(invalid("arguments: not an object")),
        }
    };
    Ok(object_body(&[("arguments", &arguments)]))
}

#[wasm_bindgen]
impl BackendClient {
    /// `new BackendClient({ baseUrl?, token?, timeoutMs? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BackendClientOptions | undefined")] options: JsValue,
    ) -> Result<BackendClient, JsValue> {
        let options = Fields::options(options, "options")?;
        let token = options.get("token").unwrap_or(JsValue::UNDEFINED);
        if !(token.is_undefined() || token.is_string() || token.is_function()) {
            return Err(options.error("token", "a string or a function").into());
        }
        Ok(BackendClient {
            transport: Transport::new(Inner {
                base: options
                    .string("baseUrl")?
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned(),
                token,
                timeout_ms: opt::timeout_ms(options.number("timeoutMs")?)?,
            }),
        })
    }
}

impl BackendClient {
    /// Sends `call` (or rejects, if its body was refused); `signal` aborts it.
    // Never inlined: one copy serves every method (inlined, the module grew by 0.4 KB gzip).
    #[inline(never)]
    fn send(&self, call: Call, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        let Call {
            verb,
            path,
            body,
            answer,
        } = call;
        match body {
            Ok(body) => self.transport.call(verb.into(), path, body, answer, signal),
            Err(err) => js_sys::Promise::reject(&err),
        }
    }
}

/// Writes the route methods of `BackendClient` from the table below. A row is the method as it
/// would be written by hand, without what every method shares: `pub`, `&self`, a last
/// parameter `signal: Option<web_sys::AbortSignal>` (JS `signal?: AbortSignal | null`) and the
/// return type `js_sys::Promise`. Its block only builds the [`Call`]; the method sends it with
/// the signal. The attributes (`#[wasm_bindgen(js_name = …, unchecked_return_type = …)]`, the
/// doc) and parameters pass through unchanged, so they make the JS names, the TypeScript types
/// and the doc comments in the `.d.ts`.
///
/// The docs are `#[doc = " …"]`, not `///`: `macro_rules!` turns a `///` comment into a raw
/// string, which wasm-bindgen 0.2.130 copies into the `.d.ts` as `r" …`.
macro_rules! route_methods {
    ($(
        $(#[$($attr:tt)*])*
        fn $name:ident($($(#[$($param_attr:tt)*])* $param:ident: $ty:ty),* $(,)?) $call:block
    )*) => {
        #[wasm_bindgen]
        impl BackendClient {
            $(
                $(#[$($attr)*])*
                #[allow(unused_braces)] // a one-line row's block: `{ Call::get(…) }`
                pub fn $name(
                    &self,
                    $($(#[$($param_attr)*])* $param: $ty,)*
                    signal: Option<web_sys::AbortSignal>,
                ) -> js_sys::Promise {
                    self.send($call, signal)
                }
            )*
        }
    };
}

route_methods! {
    #[doc = " The caller's projects."]
    #[wasm_bindgen(js_name = listProjects, unchecked_return_type = "Promise<Project[]>")]
    fn list_projects() { Call::get(routes::PROJECTS).field("projects") }

    #[doc = " Creates a project owned by the caller."]
    #[wasm_bindgen(js_name = createProject, unchecked_return_type = "Promise<Project>")]
    fn create_project(#[wasm_bindgen(unchecked_param_type = "NewProject")] project: JsValue) {
        let body = match json_value(project) {
            Some(project @ Value::Object(_)) => Ok(project.to_json()),
            _ => Err(JsCodedError::new("invalid_argument", "project must be an object").into()),
        };
        Call::post(routes::PROJECTS).checked(body)
    }

    #[doc = " Links the project to one of the caller's Vercel projects (checked with their token)."]
    #[wasm_bindgen(js_name = linkVercelProject, unchecked_return_type = "Promise<Project>")]
    fn link_vercel_project(
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(js_name = vercelProjectId)] vercel_project_id: &str,
    ) {
        let body = object_body(&[("vercelProjectId", &vercel_project_id)]);
        Call::post(routes::vercel_project(project_id)).body(body)
    }

    #[doc = " Syncs a Marketplace install of the project from its linked Vercel project."]
    #[wasm_bindgen(js_name = syncIntegration, unchecked_return_type = "Promise<IntegrationSync>")]
    fn sync_integration(#[wasm_bindgen(js_name = projectId)] project_id: &str, provider: &str) {
        Call::post(routes::integration(project_id, provider, "sync"))
    }

    #[doc = " Checks that the project's keys for `provider` work (a read-only request the backend"]
    #[doc = " makes with the stored values, which never come back); feed the result to"]
    #[doc = " `StreamSession.setIntegrationChecks`."]
    #[wasm_bindgen(js_name = verifyIntegration, unchecked_return_type = "Promise<IntegrationCheck>")]
    fn verify_integration(#[wasm_bindgen(js_name = projectId)] project_id: &str, provider: &str) {
        Call::post(routes::integration(project_id, provider, "verify"))
    }

    #[doc = " The project's last credential check per provider."]
    #[wasm_bindgen(js_name = integrationChecks, unchecked_return_type = "Promise<IntegrationCheck[]>")]
    fn integration_checks(#[wasm_bindgen(js_name = projectId)] project_id: &str) {
        Call::get(routes::checks(project_id)).field("checks")
    }

    #[doc = " Starts a v0 chat for the project; resolves with the streamed `Response` (read it with"]
    #[doc = " `StreamSession.consume(response.body, …)`)."]
    #[wasm_bindgen(js_name = startChat, unchecked_return_type = "Promise<Response>")]
    fn start_chat(#[wasm_bindgen(js_name = projectId)] project_id: &str, message: &str) {
        let body = object_body(&[("message", &message)]);
        Call::post(routes::chats(project_id)).body(body).stream()
    }

    #[doc = " Resumes a chat of the project that waits on integrations (v0 is told which are"]
    #[doc = " installed and which keys are set); resolves with the streamed `Response`."]
    #[wasm_bindgen(js_name = resolveChat, unchecked_return_type = "Promise<Response>")]
    fn resolve_chat(
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(js_name = chatId)] chat_id: &str,
    ) {
        let body = object_body(&[("chatId", &chat_id)]);
        Call::post(routes::resolve(project_id)).body(body).stream()
    }

    #[doc = " The project's env vars (sensitive ones with `value: null`)."]
    #[wasm_bindgen(js_name = listEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    fn list_env_vars(#[wasm_bindgen(js_name = projectId)] project_id: &str) {
        Call::get(routes::env_vars(project_id)).field("envVars")
    }

    #[doc = " Creates or (by default) overwrites env vars; values are validated here first."]
    #[wasm_bindgen(js_name = upsertEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    fn upsert_env_vars(
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "NewEnvVar[]")] vars: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ upsert?: boolean } | undefined")] options: JsValue,
    ) {
        let upsert = !options.is_object()
            || js_sys::Reflect::get(&options, &"upsert".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
        let body = new_env_vars(&vars)
            .map_err(JsValue::from)
            .and_then(|vars| checked_body(CreateEnvVars { vars, upsert }));
        env_write(Verb::Post, project_id, body)
    }

    #[doc = " Changes values by id."]
    #[wasm_bindgen(js_name = updateEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    fn update_env_vars(
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "EnvVarUpdate[]")] vars: JsValue,
    ) {
        let body = env_var_updates(&vars)
            .map_err(JsValue::from)
            .and_then(|vars| checked_body(UpdateEnvVars { vars }));
        env_write(Verb::Patch, project_id, body)
    }

    #[doc = " Deletes by ids and/or keys; resolves with the deleted vars."]
    #[wasm_bindgen(js_name = deleteEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    fn delete_env_vars(
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "EnvVarSelector")] selector: JsValue,
    ) {
        let body = env_var_selector(selector)
            .map_err(JsValue::from)
            .and_then(checked_body);
        env_write(Verb::Delete, project_id, body)
    }

    #[doc = " The caller's Vercel connection."]
    #[wasm_bindgen(js_name = vercelConnection, unchecked_return_type = "Promise<VercelConnection>")]
    fn vercel_connection() { Call::get(routes::VERCEL) }

    #[doc = " Starts connecting the caller's Vercel account: resolves with the URL to send the"]
    #[doc = " browser to (the backend sets the flow's cookie on this origin)."]
    #[wasm_bindgen(js_name = connectVercel, unchecked_return_type = "Promise<VercelConnect>")]
    fn connect_vercel() { Call::post(routes::VERCEL_CONNECT) }

    #[doc = " Forgets the caller's Vercel connection."]
    #[wasm_bindgen(js_name = disconnectVercel, unchecked_return_type = "Promise<VercelConnection>")]
    fn disconnect_vercel() { Call::delete(routes::VERCEL) }

    #[doc = " The caller's recorded integrations."]
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatus>")]
    fn status() { Call::get(routes::STATUS) }

    #[doc = " How integrations are installed, and the catalog's Marketplace providers."]
    #[wasm_bindgen(js_name = marketplaceStrategy, unchecked_return_type = "Promise<MarketplaceStrategy>")]
    fn marketplace_strategy() { Call::get(routes::MARKETPLACE_STRATEGY) }

    #[doc = " Records an install start and resolves with the install URL."]
    #[wasm_bindgen(js_name = startMarketplaceInstall, unchecked_return_type = "Promise<MarketplaceStart>")]
    fn start_marketplace_install(
        #[wasm_bindgen(js_name = integrationType)] integration_type: &str,
        #[wasm_bindgen(js_name = projectId)] project_id: Option<String>,
    ) {
        let body = object_body(&[("integrationType", &integration_type), ("projectId", &project_id)]);
        Call::post(routes::MARKETPLACE_START).body(body)
    }

    #[doc = " Install records, optionally of one project."]
    #[wasm_bindgen(js_name = marketplaceRecords, unchecked_return_type = "Promise<MarketplaceRecord[]>")]
    fn marketplace_records(#[wasm_bindgen(js_name = projectId)] project_id: Option<String>) {
        Call::get(routes::marketplace_records(project_id.as_deref())).field("records")
    }

    #[doc = " MCP presets in priority order."]
    #[wasm_bindgen(js_name = mcpPresets, unchecked_return_type = "Promise<McpPreset[]>")]
    fn mcp_presets() { Call::get(routes::MCP_PRESETS).field("presets") }

    #[doc = " The caller's MCP servers."]
    #[wasm_bindgen(js_name = listMcpServers, unchecked_return_type = "Promise<McpServer[]>")]
    fn list_mcp_servers() { Call::get(routes::MCP_SERVERS).field("servers") }

    #[doc = " Adds an MCP server; its bearer token and header values are wiped here once sent."]
    #[wasm_bindgen(js_name = createMcpServer, unchecked_return_type = "Promise<McpServer>")]
    fn create_mcp_server(#[wasm_bindgen(unchecked_param_type = "NewMcpServer")] server: JsValue) {
        let body = McpServerBody::read(server, "server").and_then(checked_body);
        Call::post(routes::MCP_SERVERS).checked(body)
    }

    #[doc = " Changes an MCP server (see `McpServerPatch`)."]
    #[wasm_bindgen(js_name = updateMcpServer, unchecked_return_type = "Promise<McpServer>")]
    fn update_mcp_server(
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        #[wasm_bindgen(unchecked_param_type = "McpServerPatch")] patch: JsValue,
    ) {
        let body = McpServerBody::read(patch, "patch").and_then(checked_body);
        Call::patch(routes::mcp_server(server_id, &[])).checked(body)
    }

    #[doc = " Deletes an MCP server and its secrets."]
    #[wasm_bindgen(js_name = deleteMcpServer, unchecked_return_type = "Promise<{ deleted: string }>")]
    fn delete_mcp_server(#[wasm_bindgen(js_name = serverId)] server_id: &str) {
        Call::delete(routes::mcp_server(server_id, &[]))
    }

    #[doc = " Connects to the server and lists its tools: who answered and how many tools."]
    #[wasm_bindgen(js_name = testMcpServer, unchecked_return_type = "Promise<McpServerTest>")]
    fn test_mcp_server(#[wasm_bindgen(js_name = serverId)] server_id: &str) {
        Call::post(routes::mcp_server(server_id, &["test"])).body("{}")
    }

    #[doc = " The server's tools, each marked allowed or not."]
    #[wasm_bindgen(js_name = listMcpTools, unchecked_return_type = "Promise<McpTool[]>")]
    fn list_mcp_tools(#[wasm_bindgen(js_name = serverId)] server_id: &str) {
        Call::get(routes::mcp_server(server_id, &["tools"])).field("tools")
    }

    #[doc = " Calls an allowed tool through the backend (with the server's credentials, which never"]
    #[doc = " reach the page). Throws `invalid_argument` for a name MCP does not allow."]
    #[wasm_bindgen(js_name = callMcpTool, unchecked_return_type = "Promise<McpToolResult>")]
    fn call_mcp_tool(
        #[wasm_bindgen(js_name = serverId)] server_id: &str,
        tool: &str,
        #[wasm_bindgen(unchecked_param_type = "Record<string, unknown> | undefined")]
        arguments: JsValue,
    ) {
        let body = tool_call_body(tool, arguments);
        Call::post(routes::mcp_server(server_id, &["tools", tool, "call"])).checked(body)
    }

    #[doc = " Starts OAuth for the server: resolves with the URL to send the browser to (the"]
    #[doc = " backend sets the flow's cookie on this origin and, once authorized, sends the browser"]
    #[doc = " back to `/?mcp=connected&server=<id>`)."]
    #[wasm_bindgen(js_name = startMcpOAuth, unchecked_return_type = "Promise<McpOAuthStart>")]
    fn start_mcp_oauth(#[wasm_bindgen(js_name = serverId)] server_id: &str) {
        Call::post(routes::mcp_server(server_id, &["oauth", "start"])).body("{}")
    }

    #[doc = " The caller's latest 100 tool calls, newest first (one server's, when given)."]
    #[wasm_bindgen(js_name = mcpAudit, unchecked_return_type = "Promise<McpAuditEntry[]>")]
    fn mcp_audit(#[wasm_bindgen(js_name = serverId)] server_id: Option<String>) {
        Call::get(routes::mcp_audit(server_id.as_deref())).field("entries")
    }

    #[doc = " A new token for the project's MCP endpoint (the previous one stops working)."]
    #[wasm_bindgen(js_name = mintMcpToken, unchecked_return_type = "Promise<McpProjectToken>")]
    fn mint_mcp_token(#[wasm_bindgen(js_name = projectId)] project_id: &str) {
        Call::post(routes::mcp_token(project_id)).body("{}")
    }

    #[doc = " Revokes the project's MCP endpoint token."]
    #[wasm_bindgen(js_name = revokeMcpToken, unchecked_return_type = "Promise<{ revoked: boolean; v0Unregistered: boolean }>")]
    fn revoke_mcp_token(#[wasm_bindgen(js_name = projectId)] project_id: &str) {
        Call::delete(routes::mcp_token(project_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The body of a write is written into a buffer that never grows, whatever the values hold
    /// (a grown buffer would have left a copy of them in freed memory).
    #[wasm_bindgen_test]
    fn a_checked_body_never_grows_its_buffer() {
        let worst = format!("{}\"\\é😀", "\u{1}".repeat(300));
        let fits = |request: &dyn Checked| {
            let mut body = String::with_capacity(request.max_json_len());
            let capacity = body.capacity();
            request.write_json(&mut body);
            assert_eq!(body.capacity(), capacity, "{body}");
            assert!(body.len() <= capacity);
        };
        fits(&CreateEnvVars {
            vars: vec![
                NewEnvVar {
                    key: "A".into(),
                    value: worst.clone(),
                    sensitive: true,
                },
                NewEnvVar {
                    key: "B_2".into(),
                    value: String::new(),
                    sensitive: false,
                },
            ],
            upsert: true,
        });
        fits(&UpdateEnvVars {
            vars: vec![EnvVarUpdate {
                id: "env_1".into(),
                value: worst.clone(),
            }],
        });
        let body = crate::json::parse(&format!(
            r#"{{"name":"x","bearerToken":{0},"headers":{{"X-Key":{0},"n":[1.5e3,true,null,{{}}]}}}}"#,
            serde_json::Value::String(worst.clone()).to_json()
        ))
        .unwrap();
        let Value::Object(map) = body else {
            unreachable!()
        };
        fits(&McpServerBody(map));
    }
}
