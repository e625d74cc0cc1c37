//! The HTTP transport of `BackendClient`: `fetch` through gloo-net with the bearer token, a
//! timeout and the caller's `AbortSignal` on one controller, and the mapping of every failure
//! to a coded JS `Error` (`aborted`, `timeout`, `network_error`, or the backend's own code with
//! `status`). A request body is wiped (zeroize) as soon as `fetch` holds it, and again on every
//! way out. A successful answer is parsed by `Response.json()` and stays a JS value: it is never
//! copied into wasm memory, and crosses the boundary once.

use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use zeroize::Zeroize;

use super::error::JsCodedError;

/// What a successful answer is read as.
#[derive(Clone, Copy)]
pub(crate) enum Answer {
    /// JSON, or one field of it.
    Json(Option<&'static str>),
    /// Left unread: the `Response` itself.
    Stream,
}

/// Where requests go and how they are authenticated.
pub(crate) struct Transport {
    inner: Rc<Inner>,
}

pub(crate) struct Inner {
    /// The backend's origin (and path prefix), without a trailing slash; "" is the page's own.
    pub(crate) base: String,
    /// A token string, a function returning one (or a promise of one), or undefined.
    pub(crate) token: JsValue,
    /// Milliseconds before a request fails with `timeout`.
    pub(crate) timeout_ms: i32,
}

impl Transport {
    /// A transport for these settings.
    pub(crate) fn new(inner: Inner) -> Self {
        Transport {
            inner: Rc::new(inner),
        }
    }

    /// Sends `body` (already validated and serialized) to `path`; the promise resolves with
    /// the JSON answer (or its field), or for [`Answer::Stream`] with the `Response` as soon as
    /// its headers arrive (the timeout covers only that), for `StreamSession.consume(r.body)`;
    /// an error answer still rejects with its code.
    // Never inlined: every `BackendClient` method calls it; keeping one copy of the request
    // future saved 0.9 KB gzip over the 40 methods, and one function for both kinds of answer
    // (rather than a second for streams) another 1 KB.
    #[inline(never)]
    pub(crate) fn call(
        &self,
        method: Method,
        path: String,
        body: Option<String>,
        answer: Answer,
        signal: Option<web_sys::AbortSignal>,
    ) -> js_sys::Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move { request(&inner, method, &path, body, answer, signal).await })
    }
}

/// A promise that rejects when `signal` aborts: a token promise that never settles is then
/// cut off by the timeout or the caller's signal like the fetch itself.
fn aborting(signal: &web_sys::AbortSignal) -> js_sys::Promise {
    js_sys::Promise::new(&mut |_, reject| {
        if signal.aborted() {
            let _ = reject.call0(&JsValue::NULL);
        } else {
            let _ = signal.add_event_listener_with_callback("abort", &reject);
        }
    })
}

/// The bearer token: the string, or what the callback returns (or resolves to; `signal`
/// aborts the wait). A callback that throws, rejects or gives something else than a string,
/// null or undefined is an `invalid_token` error.
async fn token(inner: &Inner, signal: &web_sys::AbortSignal) -> Result<Option<String>, JsValue> {
    let failed = |err: JsValue| -> JsValue {
        let reason = err
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| err.as_string())
            .unwrap_or_default();
        JsCodedError::new(
            "invalid_token",
            format!("the token callback failed: {reason}"),
        )
        .into()
    };
    let value = if let Some(f) = inner.token.dyn_ref::<js_sys::Function>() {
        let out = f.call0(&JsValue::NULL).map_err(failed)?;
        match out.dyn_into::<js_sys::Promise>() {
            Ok(promise) => {
                let first = js_sys::Promise::race(&js_sys::Array::of2(&promise, &aborting(signal)));
                JsFuture::from(first).await.map_err(failed)?
            }
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
    answer: Answer,
    signal: Option<web_sys::AbortSignal>,
) -> Result<JsValue, JsValue> {
    let result = send(inner, method, path, &mut body, answer, signal).await;
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
    answer: Answer,
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
        Err(e) => return Err(e),
    };
    let status = response.status();
    let field = match answer {
        Answer::Stream if (200..300).contains(&status) => {
            return Ok(web_sys::Response::from(response).into())
        }
        Answer::Stream => None,
        Answer::Json(field) => field,
    };
    let raw = web_sys::Response::from(response);
    if !(200..300).contains(&status) {
        // An error body holds a code and a message, never a value.
        let text = match raw.text() {
            Ok(read) => JsFuture::from(read).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        };
        // `{"error": {"code", "message"}}` (`wire::ErrorBody`), read with the crate's reader.
        let body = crate::json::parse(&text.unwrap_or_default()).unwrap_or_default();
        let field = |name: &str| {
            body.pointer(&format!("/error/{name}"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let (code, message) = match (field("code"), field("message")) {
            (Some(code), Some(message)) => (code, message),
            _ => (
                "http_error".to_owned(),
                format!("the server answered {status}"),
            ),
        };
        return Err(JsCodedError::http(status, code, message).into());
    }
    // The answer is parsed in JS (`Response.json()`) and never copied into wasm memory: it can
    // carry values (env vars, a minted MCP token) that must not stay there after the request.
    let not_json = || {
        JsValue::from(JsCodedError::http(
            status,
            "invalid_response".into(),
            "the server sent something that is not JSON".into(),
        ))
    };
    let value = JsFuture::from(raw.json().map_err(|_| not_json())?)
        .await
        .map_err(|_| not_json())?;
    match field {
        // A missing field (or an answer that is not an object) reads as an empty list.
        Some(field) => {
            let picked = if value.is_object() {
                js_sys::Reflect::get(&value, &JsValue::from_str(field))?
            } else {
                JsValue::UNDEFINED
            };
            Ok(if picked.is_undefined() {
                js_sys::Array::new().into()
            } else {
                picked
            })
        }
        None => Ok(value),
    }
}

async fn fetch(
    inner: &Inner,
    method: Method,
    path: &str,
    body: &mut Option<String>,
    signal: &web_sys::AbortSignal,
) -> Result<gloo_net::http::Response, JsValue> {
    let network =
        |e: gloo_net::Error| JsValue::from(JsCodedError::new("network_error", e.to_string()));
    let mut builder = RequestBuilder::new(&format!("{}{path}", inner.base))
        .method(method)
        .abort_signal(Some(signal));
    if let Some(token) = token(inner, signal).await? {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body.as_deref() {
        Some(text) => builder
            .header("Content-Type", "application/json")
            .body(text),
        None => builder.build(),
    }
    .map_err(network)?;
    // The body now lives in the fetch request; wipe our copy before waiting for the answer.
    if let Some(text) = body.as_mut() {
        text.zeroize();
    }
    request.send().await.map_err(network)
}
