//! `BackendClient`: typed calls to the backend's routes, errors as JS `Error`s with `code` and
//! `status`, a timeout, and an optional `AbortSignal` per call. The HTTP work is in
//! [`super::transport`]; this file names the routes and builds the bodies.
//!
//! Env-var values pass through wasm memory only while a request is built: every body that
//! carries values is validated, serialized and wiped in [`checked_body`], and the serialized
//! copy is wiped once `fetch` holds it.

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
  /** Milliseconds before a request fails with code "timeout" (default 15000). */
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
export interface McpPreset { id: string; name: string; priority: number }
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
    pub const MCP_PRIORITIES: &str = "/api/integrations/mcp/priorities";
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
    #[wasm_bindgen(js_name = mcpPriorities, unchecked_return_type = "Promise<McpPreset[]>")]
    pub fn mcp_priorities(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.transport.call(
            Method::GET,
            routes::MCP_PRIORITIES.into(),
            None,
            Some("presets"),
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
