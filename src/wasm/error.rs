//! The one place where Rust errors become JS `Error`s with a stable `code` (and, for HTTP
//! failures, the response `status`).

use std::borrow::Cow;

use wasm_bindgen::prelude::*;

use crate::json::ToJson;

/// An error on its way to JS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsCodedError {
    /// Stable machine-readable code, e.g. `invalid_options`.
    pub code: Cow<'static, str>,
    /// Human-readable explanation.
    pub message: String,
    /// HTTP status, for `BackendClient` requests that got an answer.
    pub status: Option<u16>,
}

impl JsCodedError {
    /// An error with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        JsCodedError {
            code: Cow::Borrowed(code),
            message: message.into(),
            status: None,
        }
    }

    /// An error the server answered with.
    pub fn http(status: u16, code: String, message: String) -> Self {
        JsCodedError {
            code: Cow::Owned(code),
            message,
            status: Some(status),
        }
    }
}

impl From<JsCodedError> for JsValue {
    fn from(err: JsCodedError) -> JsValue {
        let js = js_sys::Error::new(&err.message);
        // Setting properties on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&js, &"code".into(), &JsValue::from_str(&err.code));
        if let Some(status) = err.status {
            let _ = js_sys::Reflect::set(&js, &"status".into(), &JsValue::from(status));
        }
        js.into()
    }
}

/// A value for JS: absent values become `null`, maps become plain objects.
///
/// Goes through JSON text (`crate::json::ToJson`) and the engine's `JSON.parse`: building the
/// objects field by field across the boundary (serde-wasm-bindgen) was several times slower on
/// real streams, whose updates are large nested `parts` arrays.
pub(crate) fn to_js<T: ToJson + ?Sized>(value: &T) -> Result<JsValue, JsCodedError> {
    js_sys::JSON::parse(&value.to_json())
        .map_err(|_| JsCodedError::new("serialize_failed", "JSON.parse failed"))
}
