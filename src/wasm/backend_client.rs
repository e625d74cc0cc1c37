//! `BackendClient`: typed calls to the backend (gloo-net), errors as JS `Error`s with `code`
//! and `status`, a timeout, and an optional `AbortSignal` per call.
//!
//! Env-var values pass through wasm memory only while a request is built: the copies are
//! wiped (zeroize) as soon as the body has been handed to `fetch`.

use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use zeroize::Zeroize;

use super::error::{options_from_js, to_js, JsCodedError};
use crate::wire::{
    CreateEnvVars, DeleteEnvVars, ErrorBody, NewEnvVar, UpdateEnvVars, ValidationError,
};

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
export interface Project { id: string; name: string; v0ProjectId: string | null; vercelProjectId: string | null; createdAt: string }
/** The backend links the v0 or Vercel project itself (never from an id the client names). */
export interface NewProject { name?: string }
/** A stored env var; `value` is null for sensitive vars (write-only). */
export interface EnvVar { id: string; key: string; value: string | null; sensitive: boolean; createdAt: string; updatedAt: string;
  /** The stored value could not be decrypted; set it again. Present only when true. */
  unreadable?: true }
export interface NewEnvVar { key: string; value: string; sensitive?: boolean }
export interface EnvVarUpdate { id: string; value: string }
export interface EnvVarSelector { ids?: string[]; keys?: string[] }
export interface MarketplaceRecord { id: string; projectId: string | null; integrationType: string; status: string; installUrl: string; createdAt: string; updatedAt: string }
export interface MarketplaceStrategy { strategy: string; providers: { id: string; name: string; installUrl: string | null; envVars: string[] }[] }
export interface MarketplaceStart { installUrl: string; record: MarketplaceRecord }
export interface McpPreset { id: string; name: string; priority: number }
export interface IntegrationStatus { projects: number; integrations: MarketplaceRecord[] }
"#;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    base_url: Option<String>,
    timeout_ms: Option<f64>,
}

struct Inner {
    base: String,
    token: JsValue,
    timeout_ms: i32,
}

/// Calls the backend's routes on behalf of the builder UI.
#[wasm_bindgen]
pub struct BackendClient {
    inner: Rc<Inner>,
}

fn invalid(err: ValidationError) -> JsValue {
    JsCodedError::new(err.code(), err.to_string()).into()
}

fn parse<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsCodedError::new("invalid_argument", format!("{what}: {e}")).into())
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
        let parsed: Options = options_from_js(strip_token(&options)?)?;
        let timeout_ms = match parsed.timeout_ms {
            None => 15_000,
            Some(ms) if (1.0..=600_000.0).contains(&ms) => ms as i32,
            Some(ms) => {
                return Err(JsCodedError::new(
                    "invalid_options",
                    format!("timeoutMs must be 1–600000, got {ms}"),
                )
                .into())
            }
        };
        let base = parsed
            .base_url
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        Ok(BackendClient {
            inner: Rc::new(Inner {
                base,
                token,
                timeout_ms,
            }),
        })
    }

    /// The caller's projects.
    #[wasm_bindgen(js_name = listProjects, unchecked_return_type = "Promise<Project[]>")]
    pub fn list_projects(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.call(
            Method::GET,
            "/api/projects".into(),
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
            Ok(body) => self.call(
                Method::POST,
                "/api/projects".into(),
                Some(body.to_string()),
                None,
                signal,
            ),
            Err(err) => js_sys::Promise::reject(&err),
        }
    }

    /// The project's env vars (sensitive ones with `value: null`).
    #[wasm_bindgen(js_name = listEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn list_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        self.call(
            Method::GET,
            env_path(project_id),
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
        let body = parse::<Vec<NewEnvVar>>(vars, "vars").and_then(|vars| {
            let mut request = CreateEnvVars { vars, upsert };
            let checked = request
                .validate()
                .map(|()| serde_json::to_string(&request).unwrap_or_default());
            request.vars.iter_mut().for_each(|v| v.value.zeroize());
            checked.map_err(invalid)
        });
        self.call_checked(Method::POST, env_path(project_id), body, signal)
    }

    /// Changes values by id.
    #[wasm_bindgen(js_name = updateEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn update_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "EnvVarUpdate[]")] vars: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = parse(vars, "vars").and_then(|vars| {
            let mut request = UpdateEnvVars { vars };
            let checked = request
                .validate()
                .map(|()| serde_json::to_string(&request).unwrap_or_default());
            request.vars.iter_mut().for_each(|v| v.value.zeroize());
            checked.map_err(invalid)
        });
        self.call_checked(Method::PATCH, env_path(project_id), body, signal)
    }

    /// Deletes by ids and/or keys; resolves with the deleted vars.
    #[wasm_bindgen(js_name = deleteEnvVars, unchecked_return_type = "Promise<EnvVar[]>")]
    pub fn delete_env_vars(
        &self,
        #[wasm_bindgen(js_name = projectId)] project_id: &str,
        #[wasm_bindgen(unchecked_param_type = "EnvVarSelector")] selector: JsValue,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let body = parse::<DeleteEnvVars>(selector, "selector").and_then(|request| {
            request.validate().map_err(invalid)?;
            Ok(serde_json::to_string(&request).unwrap_or_default())
        });
        self.call_checked(Method::DELETE, env_path(project_id), body, signal)
    }

    /// How integrations are installed, and the catalog's Marketplace providers.
    #[wasm_bindgen(js_name = marketplaceStrategy, unchecked_return_type = "Promise<MarketplaceStrategy>")]
    pub fn marketplace_strategy(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.call(
            Method::GET,
            "/api/integrations/marketplace/strategy".into(),
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
        self.call(
            Method::POST,
            "/api/integrations/marketplace/start".into(),
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
        let path = match project_id {
            Some(id) => format!(
                "/api/integrations/marketplace/records?projectId={}",
                String::from(js_sys::encode_uri_component(&id))
            ),
            None => "/api/integrations/marketplace/records".into(),
        };
        self.call(Method::GET, path, None, Some("records"), signal)
    }

    /// MCP presets in priority order.
    #[wasm_bindgen(js_name = mcpPriorities, unchecked_return_type = "Promise<McpPreset[]>")]
    pub fn mcp_priorities(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.call(
            Method::GET,
            "/api/integrations/mcp/priorities".into(),
            None,
            Some("presets"),
            signal,
        )
    }

    /// The caller's recorded integrations.
    #[wasm_bindgen(unchecked_return_type = "Promise<IntegrationStatus>")]
    pub fn status(&self, signal: Option<web_sys::AbortSignal>) -> js_sys::Promise {
        self.call(
            Method::GET,
            "/api/integrations/status".into(),
            None,
            None,
            signal,
        )
    }

    /// A call whose body was validated here: a rejected promise if it was not valid.
    fn call_checked(
        &self,
        method: Method,
        path: String,
        body: Result<String, JsValue>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        match body {
            Ok(body) => self.call(method, path, Some(body), Some("envVars"), signal),
            Err(err) => js_sys::Promise::reject(&err),
        }
    }

    fn call(
        &self,
        method: Method,
        path: String,
        body: Option<String>,
        field: Option<&'static str>,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move { request(&inner, method, &path, body, field, signal).await })
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

fn env_path(project_id: &str) -> String {
    format!(
        "/api/v0/projects/{}/env-vars",
        String::from(js_sys::encode_uri_component(project_id))
    )
}

async fn token(inner: &Inner) -> Result<Option<String>, JsValue> {
    let value = if let Some(f) = inner.token.dyn_ref::<js_sys::Function>() {
        let out = f.call0(&JsValue::NULL)?;
        match out.dyn_into::<js_sys::Promise>() {
            Ok(promise) => JsFuture::from(promise).await?,
            Err(value) => value,
        }
    } else {
        inner.token.clone()
    };
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| {
        JsCodedError::new("invalid_token", "the token callback must return a string").into()
    })
}

async fn request(
    inner: &Inner,
    method: Method,
    path: &str,
    mut body: Option<String>,
    field: Option<&str>,
    signal: Option<web_sys::AbortSignal>,
) -> Result<JsValue, JsValue> {
    let result = send(inner, method, path, &mut body, field, signal).await;
    if let Some(body) = body.as_mut() {
        body.zeroize();
    }
    result
}

async fn send(
    inner: &Inner,
    method: Method,
    path: &str,
    body: &mut Option<String>,
    field: Option<&str>,
    signal: Option<web_sys::AbortSignal>,
) -> Result<JsValue, JsValue> {
    if signal.as_ref().is_some_and(web_sys::AbortSignal::aborted) {
        return Err(JsCodedError::new("aborted", "the request was aborted").into());
    }
    // One controller aborts the fetch on timeout or when the caller's signal aborts.
    let controller = web_sys::AbortController::new()?;
    let timed_out = Rc::new(std::cell::Cell::new(false));
    let on_timeout = {
        let (controller, timed_out) = (controller.clone(), Rc::clone(&timed_out));
        Closure::<dyn FnMut()>::new(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let on_abort = {
        let controller = controller.clone();
        Closure::<dyn FnMut()>::new(move || controller.abort())
    };
    let global: web_sys::Window = js_sys::global().unchecked_into();
    let timer = global.set_timeout_with_callback_and_timeout_and_arguments_0(
        on_timeout.as_ref().unchecked_ref(),
        inner.timeout_ms,
    )?;
    if let Some(signal) = &signal {
        signal.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref())?;
    }
    let outcome = fetch(inner, method, path, body, &controller.signal()).await;
    global.clear_timeout_with_handle(timer);
    if let Some(signal) = &signal {
        let _ =
            signal.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
    }
    let response = match outcome {
        Ok(response) => response,
        Err(_) if timed_out.get() => {
            return Err(JsCodedError::new(
                "timeout",
                format!("no answer within {} ms", inner.timeout_ms),
            )
            .into())
        }
        Err(_) if controller.signal().aborted() => {
            return Err(JsCodedError::new("aborted", "the request was aborted").into())
        }
        Err(e) => return Err(JsCodedError::new("network_error", e).into()),
    };
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| JsCodedError::new("network_error", e.to_string()))?;
    if !(200..300).contains(&status) {
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => (
                "http_error".to_owned(),
                format!("the server answered {status}"),
            ),
        };
        return Err(JsCodedError::http(status, code, message).into());
    }
    let mut value: Value = serde_json::from_str(&text).map_err(|_| {
        JsCodedError::http(
            status,
            "invalid_response".into(),
            "the server sent something that is not JSON".into(),
        )
    })?;
    if let Some(field) = field {
        value = value
            .get_mut(field)
            .map(Value::take)
            .unwrap_or(Value::Array(Vec::new()));
    }
    Ok(to_js(&value)?)
}

async fn fetch(
    inner: &Inner,
    method: Method,
    path: &str,
    body: &mut Option<String>,
    signal: &web_sys::AbortSignal,
) -> Result<gloo_net::http::Response, String> {
    let mut builder = RequestBuilder::new(&format!("{}{path}", inner.base))
        .method(method)
        .abort_signal(Some(signal));
    if let Some(token) = token(inner).await.map_err(|e| format!("{e:?}"))? {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body.as_deref() {
        Some(text) => builder
            .header("Content-Type", "application/json")
            .body(text),
        None => builder.build(),
    }
    .map_err(|e| e.to_string())?;
    // The body now lives in the fetch request; wipe our copy before waiting for the answer.
    if let Some(text) = body.as_mut() {
        text.zeroize();
    }
    request.send().await.map_err(|e| e.to_string())
}
