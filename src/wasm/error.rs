//! The one place where Rust errors become JS `Error`s with a stable `code`.

use wasm_bindgen::prelude::*;

/// An error on its way to JS: a stable `code` and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsCodedError {
    /// Stable machine-readable code, e.g. `invalid_options`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl JsCodedError {
    /// An error with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        JsCodedError {
            code,
            message: message.into(),
        }
    }
}

impl From<JsCodedError> for JsValue {
    fn from(err: JsCodedError) -> JsValue {
        let js = js_sys::Error::new(&err.message);
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(
            &js,
            &JsValue::from_str("code"),
            &JsValue::from_str(err.code),
        );
        js.into()
    }
}

/// Serializes a value for JS: absent values become `null`, maps become plain objects.
///
/// Goes through a JSON string and the engine's `JSON.parse`: building the objects field by
/// field across the boundary (serde-wasm-bindgen) was several times slower on real streams,
/// whose updates are large nested `parts` arrays.
pub(crate) fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> Result<JsValue, JsCodedError> {
    let json = serde_json::to_string(value)
        .map_err(|e| JsCodedError::new("serialize_failed", e.to_string()))?;
    js_sys::JSON::parse(&json)
        .map_err(|_| JsCodedError::new("serialize_failed", "JSON.parse failed"))
}

/// Reads an optional options object (`undefined`/`null` mean defaults).
pub(crate) fn options_from_js<T: serde::de::DeserializeOwned + Default>(
    value: JsValue,
) -> Result<T, JsCodedError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsCodedError::new("invalid_options", e.to_string()))
}
