//! `StreamSession` for JS: feed bytes or `consume` a `ReadableStream`, get typed updates.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::error::{to_js, JsCodedError};
use super::options as opt;
use super::read::{self, Fields};
use crate::cards::{CardOptions, CheckRecord, InstallKey, InstallRecord, McpServerRecord};
use crate::json::ToJson;
use crate::session::{self, SessionOptions};

#[wasm_bindgen(typescript_custom_section)]
const TS_SESSION: &str = r#"
export interface StreamSessionOptions {
  /** Language of card texts; "sv" by default. */
  locale?: "sv" | "en";
  /** "auto" (default) detects the format from the first events. */
  format?: "auto" | "v0-v1" | "v0-v2" | "proxy";
  maxEventBytes?: number;
  /** Hosts action URLs may point to: "example.com" (exactly) or "*.example.com" (it and its
   *  subdomains). Default: vercel.com and its subdomains, v0.app, v0.dev. */
  allowedActionHosts?: string[];
}
/** "secret": a credential written literally in the generated code (the text shows it masked);
 *  its set_env_vars action names the env var it should move to. */
export type CardKind = "integration" | "mcp" | "connector" | "env_vars" | "secret";
/** "installing" comes from install records (setIntegrationRecords), never from the stream. */
export type CardStatusCode = "requested" | "setup-required" | "installing" | "connected" | "completed" | "error";
/** "resume": the integration is in place and the chat can continue (BackendClient.resolveChat).
 *  "verify": every key is set and the backend can check them (BackendClient.verifyIntegration). */
export type CardActionKind = "install" | "open_setup" | "set_env_vars" | "connect_mcp" | "open_chat" | "resume" | "verify" | "dismiss";
/** The outcome of a credential check. */
export type VerificationStatus = "verified" | "invalid" | "unreachable" | "unsupported";
export interface CardAction {
  kind: CardActionKind;
  label: string;
  /** An https: URL on an allowed host (link actions only). */
  url?: string;
  /** The keys a set_env_vars action asks for. */
  envKeys?: string[];
  /** The MCP preset a connect_mcp action connects (GET /api/mcp/presets); absent for a custom server. */
  preset?: string;
}
export interface IntegrationCard {
  /** Stable across the stream and across runs: "<kind>:<provider>". */
  id: string;
  /** Canonical catalog id, e.g. "neon", or "custom:<slug>". */
  provider: string;
  kind: CardKind;
  title: string;
  description: string;
  status: { code: CardStatusCode; label: string };
  envVars: { key: string; set: boolean }[];
  actions: CardAction[];
  /** The backend's last check of the keys (setIntegrationChecks), when there is one. */
  verification?: { status: VerificationStatus; label: string };
}
export type StreamUpdate =
  | { type: "chatId"; id: string }
  | { type: "projectId"; id: string; v0ProjectId?: string }
  | { type: "title"; title: string }
  /** Text added since the last update; with `reset`, the whole text replaces what was shown. */
  | { type: "content"; delta: string; reset?: true }
  | { type: "thinking"; delta: string; reset?: true }
  /** Parts from index `from` on changed (added, replaced or removed); there are `length` now. Read them with `session.parts(from)`. */
  | { type: "parts"; from: number; length: number }
  /** Cards that are new or changed; one card per provider and kind, updated in place. */
  | { type: "cards"; cards: IntegrationCard[] }
  | { type: "usage"; usage: unknown }
  | { type: "done"; [k: string]: unknown }
  /** `fatal`: v0 or the proxy reported it (the generation stopped); otherwise an event was skipped. */
  | { type: "error"; code: string; message: string; fatal: boolean };
export interface StreamSnapshot {
  format: "v0-v1" | "v0-v2" | "proxy" | null;
  chatId: string | null;
  projectId: string | null;
  v0ProjectId: string | null;
  title: string | null;
  text: string;
  thinking: string | null;
  parts: unknown[] | null;
  content: unknown[] | null;
  done: boolean;
  error: { message: string; code: string } | null;
  usage: unknown | null;
  meta: unknown | null;
}
"#;

fn session_options(options: JsValue) -> Result<SessionOptions, JsCodedError> {
    let options = Fields::options(options, "options")?;
    Ok(SessionOptions {
        format: opt::format(options.string("format")?.as_deref())?,
        max_event_bytes: opt::max_event_bytes(options.number("maxEventBytes")?)?,
        cards: CardOptions {
            locale: opt::locale(options.string("locale")?.as_deref())?,
            allowed_hosts: opt::allow_list(options.strings("allowedActionHosts")?.as_deref())?,
        },
    })
}

// The updates of one `feed` cross as one string and a list of numbers; JS builds the objects.
// Text and parts updates, nearly all of them, are built from their fields; the rare others
// (cards, usage, done, errors, ids) cross as JSON inside the string. Serializing every update
// as JSON and `JSON.parse`-ing it took a fifth of a stream's time in 512-byte chunks (about a
// microsecond per call, whatever the size).
#[wasm_bindgen(inline_js = r#"
export function stream_updates(text, codes) {
  const out = [];
  let at = 0;
  for (let i = 0; i < codes.length; ) {
    const kind = codes[i++];
    if (kind === 2) {
      out.push({ type: "parts", from: codes[i++], length: codes[i++] });
      continue;
    }
    const slice = text.substring(at, (at += codes[i++]));
    if (kind === 3) {
      out.push(JSON.parse(slice));
      continue;
    }
    const update = { type: kind === 0 ? "content" : "thinking", delta: slice };
    if (codes[i++]) update.reset = true;
    out.push(update);
  }
  return out;
}
"#)]
extern "C" {
    fn stream_updates(text: &str, codes: &[u32]) -> JsValue;
}

/// `updates` as the JS objects of the contract, in one crossing (see `stream_updates`).
fn updates_to_js(updates: &[session::StreamUpdate]) -> Result<JsValue, JsCodedError> {
    use session::StreamUpdate as U;
    let mut text = String::new();
    let mut codes = Vec::with_capacity(updates.len() * 3);
    let number = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    for update in updates {
        match update {
            U::Content { delta, reset } | U::Thinking { delta, reset } => {
                let kind = if matches!(update, U::Content { .. }) {
                    0
                } else {
                    1
                };
                text.push_str(delta);
                codes.extend([kind, super::js_length(delta), u32::from(*reset)]);
            }
            U::Parts { from, length } => codes.extend([2, number(*from), number(*length)]),
            other => {
                let json = other.to_json();
                text.push_str(&json);
                codes.extend([3, super::js_length(&json)]);
            }
        }
    }
    Ok(stream_updates(&text, &codes))
}

/// Reads one v0 stream (v1, v2 or the builder proxy) into updates and a snapshot.
#[wasm_bindgen]
pub struct StreamSession {
    // Shared with a running `consume`, which borrows it only between reads.
    inner: Rc<RefCell<session::StreamSession>>,
}

#[wasm_bindgen]
impl StreamSession {
    /// `new StreamSession(options?)`; throws `invalid_options` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "StreamSessionOptions | undefined")] options: JsValue,
    ) -> Result<StreamSession, JsValue> {
        let options = session_options(options)?;
        Ok(StreamSession {
            inner: Rc::new(RefCell::new(session::StreamSession::new(options))),
        })
    }

    /// Feeds a chunk of the response body; returns the updates it caused.
    #[wasm_bindgen(unchecked_return_type = "StreamUpdate[]")]
    pub fn feed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] chunk: &[u8],
    ) -> Result<JsValue, JsValue> {
        let updates = self.borrow()?.feed(chunk);
        Ok(updates_to_js(&updates)?)
    }

    /// Ends the stream (an unterminated final event is discarded).
    #[wasm_bindgen(unchecked_return_type = "StreamUpdate[]")]
    pub fn finish(&self) -> Result<JsValue, JsValue> {
        let updates = self.borrow()?.finish();
        Ok(updates_to_js(&updates)?)
    }

    /// The state reconstructed so far.
    #[wasm_bindgen(unchecked_return_type = "StreamSnapshot")]
    pub fn snapshot(&self) -> Result<JsValue, JsValue> {
        let inner = self.inner.try_borrow().map_err(|_| busy())?;
        Ok(to_js(&*inner.shown_snapshot())?)
    }

    /// The parts (v2, proxy) from index `from` on (all of them without `from`): after a
    /// `parts` update, the ones that changed. Only these cross to JS.
    #[wasm_bindgen(unchecked_return_type = "unknown[]")]
    pub fn parts(&self, from: Option<u32>) -> Result<JsValue, JsValue> {
        let inner = self.inner.try_borrow().map_err(|_| busy())?;
        let from = usize::try_from(from.unwrap_or(0)).unwrap_or(usize::MAX);
        Ok(to_js(&*inner.shown_parts_from(from))?)
    }

    /// The current cards, in order of first appearance (dismissed ones left out).
    #[wasm_bindgen(unchecked_return_type = "IntegrationCard[]")]
    pub fn cards(&self) -> Result<JsValue, JsValue> {
        let cards = self.borrow()?.cards();
        Ok(to_js(&cards)?)
    }

    /// Tells which env vars the project already has; returns the cards with `set` updated.
    #[wasm_bindgen(js_name = setProjectEnvKeys, unchecked_return_type = "IntegrationCard[]")]
    pub fn set_project_env_keys(&self, keys: Vec<String>) -> Result<JsValue, JsValue> {
        let cards = self.borrow()?.set_project_env_keys(keys);
        Ok(to_js(&cards)?)
    }

    /// The backend's install records (`BackendClient.marketplaceRecords(projectId)`): an
    /// integration whose install is `installed` shows as connected with its keys set. Replaces
    /// earlier records; adds no card. Throws `invalid_argument` for something that is not a
    /// list of records.
    #[wasm_bindgen(js_name = setIntegrationRecords, unchecked_return_type = "IntegrationCard[]")]
    pub fn set_integration_records(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MarketplaceRecord[]")] records: JsValue,
    ) -> Result<JsValue, JsValue> {
        let records = install_records(&records)?;
        Ok(to_js(&self.borrow()?.set_install_records(&records))?)
    }

    /// The user's MCP servers (`BackendClient.listMcpServers`): an MCP card whose preset has an
    /// enabled server shows as connected. Replaces earlier servers; adds no card. Throws
    /// `invalid_argument` for something that is not a list of servers.
    #[wasm_bindgen(js_name = setMcpServers, unchecked_return_type = "IntegrationCard[]")]
    pub fn set_mcp_servers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "McpServer[]")] servers: JsValue,
    ) -> Result<JsValue, JsValue> {
        let servers = mcp_servers(&servers)?;
        Ok(to_js(&self.borrow()?.set_mcp_servers(&servers))?)
    }

    /// The backend's credential checks (`BackendClient.verifyIntegration`,
    /// `integrationChecks`): each provider's card shows the outcome. Replaces earlier checks
    /// (the backend forgets a project's checks when its keys change: read them again after a
    /// change); adds no card. Throws `invalid_argument` for something that is not a list of
    /// checks.
    #[wasm_bindgen(js_name = setIntegrationChecks, unchecked_return_type = "IntegrationCard[]")]
    pub fn set_integration_checks(
        &self,
        #[wasm_bindgen(unchecked_param_type = "IntegrationCheck[]")] checks: JsValue,
    ) -> Result<JsValue, JsValue> {
        let records = checks_of(&checks)?;
        let cards = self.borrow()?.set_checks(&records);
        Ok(to_js(&cards)?)
    }

    /// Hides a card until a later signal changes its status. Throws `unknown_card` for an id
    /// that is not a card of this stream.
    pub fn dismiss(&self, #[wasm_bindgen(js_name = cardId)] card_id: &str) -> Result<(), JsValue> {
        if self.borrow()?.dismiss(card_id) {
            Ok(())
        } else {
            Err(JsCodedError::new("unknown_card", format!("no card {}", card_id.to_json())).into())
        }
    }

    /// Reads `body` to its end, calling `onUpdate` for every update, and resolves with the
    /// final snapshot. Aborting `signal` cancels the reader, releases its lock and rejects with
    /// an `Error` whose code is `aborted`; an error thrown by `onUpdate` cancels and rejects too.
    #[wasm_bindgen(unchecked_return_type = "Promise<StreamSnapshot>")]
    pub fn consume(
        &self,
        body: web_sys::ReadableStream,
        #[wasm_bindgen(js_name = onUpdate, unchecked_param_type = "(update: StreamUpdate) => void")]
        on_update: js_sys::Function,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        wasm_bindgen_futures::future_to_promise(async move {
            consume(inner, body, on_update, signal).await
        })
    }

    fn borrow(&self) -> Result<std::cell::RefMut<'_, session::StreamSession>, JsCodedError> {
        borrow_mut(&self.inner)
    }
}

/// The items of the list argument `what`, each an object read (as `item`) by `read_item`.
fn items_of<T>(
    list: &JsValue,
    (what, item): (&str, &'static str),
    read_item: impl FnMut(Fields<'_>) -> Result<T, JsCodedError>,
) -> Result<Vec<T>, JsCodedError> {
    let values = read::list(list, "invalid_argument", what)?;
    read::items(values, "invalid_argument", item, read_item)
}

/// `MarketplaceRecord[]`, as far as the card book reads it.
fn install_records(list: &JsValue) -> Result<Vec<InstallRecord>, JsCodedError> {
    items_of(list, ("records", "records[]"), |record| {
        let keys = record.defaulted_list("envVars")?;
        Ok(InstallRecord {
            integration_type: record.required_string("integrationType")?,
            status: record.required_string("status")?,
            env_vars: read::items(keys, "invalid_argument", "records[].envVars[]", |key| {
                Ok(InstallKey {
                    key: key.required_string("key")?,
                })
            })?,
        })
    })
}

/// `McpServer[]`, as far as the card book reads it.
fn mcp_servers(list: &JsValue) -> Result<Vec<McpServerRecord>, JsCodedError> {
    items_of(list, ("servers", "servers[]"), |server| {
        Ok(McpServerRecord {
            preset: server.string("preset")?,
            enabled: server.required_boolean("enabled")?,
        })
    })
}

/// `IntegrationCheck[]`: the provider and the status of each.
fn checks_of(list: &JsValue) -> Result<Vec<CheckRecord>, JsCodedError> {
    items_of(list, ("checks", "checks[]"), |check| {
        Ok(CheckRecord {
            provider: check.required_string("provider")?,
            status: crate::cards::Verification::parse(&check.required_string("status")?)
                .ok_or_else(|| {
                    check.error("status", "verified, invalid, unreachable or unsupported")
                })?,
        })
    })
}

fn aborted(signal: &Option<web_sys::AbortSignal>) -> bool {
    signal.as_ref().is_some_and(web_sys::AbortSignal::aborted)
}

fn aborted_error() -> JsValue {
    JsCodedError::new("aborted", "the stream was aborted").into()
}

async fn consume(
    inner: Rc<RefCell<session::StreamSession>>,
    body: web_sys::ReadableStream,
    on_update: js_sys::Function,
    signal: Option<web_sys::AbortSignal>,
) -> Result<JsValue, JsValue> {
    if aborted(&signal) {
        return Err(aborted_error());
    }
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| JsCodedError::new("invalid_stream", "body has no default reader"))?;
    // Abort while a read is pending: cancelling the reader settles that read at once.
    let on_abort = {
        let reader = reader.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = reader.cancel();
        })
    };
    if let Some(signal) = &signal {
        signal.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref())?;
    }
    let result = read_all(&inner, &reader, &on_update, &signal).await;
    if let Some(signal) = &signal {
        let _ =
            signal.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
    }
    if result.is_err() {
        let _ = reader.cancel();
    }
    reader.release_lock();
    result
}

async fn read_all(
    inner: &Rc<RefCell<session::StreamSession>>,
    reader: &web_sys::ReadableStreamDefaultReader,
    on_update: &js_sys::Function,
    signal: &Option<web_sys::AbortSignal>,
) -> Result<JsValue, JsValue> {
    let done_key = JsValue::from_str("done");
    let value_key = JsValue::from_str("value");
    loop {
        let result = JsFuture::from(reader.read()).await?;
        if aborted(signal) {
            return Err(aborted_error());
        }
        let done = js_sys::Reflect::get(&result, &done_key)?.is_truthy();
        let updates = if done {
            borrow_mut(inner)?.finish()
        } else {
            let value = js_sys::Reflect::get(&result, &value_key)?;
            let chunk = value
                .dyn_into::<js_sys::Uint8Array>()
                .map_err(|_| JsCodedError::new("invalid_stream", "chunks must be Uint8Array"))?;
            borrow_mut(inner)?.feed(&chunk.to_vec())
        };
        let updates: js_sys::Array = updates_to_js(&updates)?.unchecked_into();
        for update in updates.iter() {
            on_update.call1(&JsValue::NULL, &update)?;
        }
        if done {
            let inner = inner.try_borrow().map_err(|_| busy())?;
            return Ok(to_js(&*inner.shown_snapshot())?);
        }
    }
}

fn borrow_mut(
    inner: &Rc<RefCell<session::StreamSession>>,
) -> Result<std::cell::RefMut<'_, session::StreamSession>, JsCodedError> {
    inner.try_borrow_mut().map_err(|_| busy())
}

/// A call made while the session is being fed (from inside an `onUpdate` that re-enters it
/// mid-chunk, say).
fn busy() -> JsCodedError {
    JsCodedError::new("busy", "the session is being fed")
}
