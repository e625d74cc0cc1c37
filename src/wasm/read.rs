//! Reading the JS values the exported classes take (options objects, lists of records, cards,
//! env-var bodies) field by field through `Reflect`, with an error that names the field.
//!
//! Written by hand instead of with serde-wasm-bindgen (issue 26): its deserializer, the derived
//! deserializer it instantiated for every type read, and the error formatting those pull in
//! (Rust's float printing among it) were about 7 KB gzip of the module for the options and
//! lists alone, more with the cards and env-var bodies. A reader here is a few calls per field.

use wasm_bindgen::{JsCast, JsValue};

use super::error::JsCodedError;

/// A JS object to read fields of. Errors carry `code` and name a field as `what.field`.
pub(crate) struct Fields<'a> {
    object: JsValue,
    code: &'static str,
    what: &'a str,
}

/// `null` and `undefined`: an absent value.
fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

impl<'a> Fields<'a> {
    /// `value`, which must be an object (an array is not one).
    pub(crate) fn of(
        value: JsValue,
        code: &'static str,
        what: &'a str,
    ) -> Result<Self, JsCodedError> {
        if !value.is_object() || js_sys::Array::is_array(&value) || value.is_function() {
            return Err(JsCodedError::new(code, format!("{what} must be an object")));
        }
        Ok(Fields {
            object: value,
            code,
            what,
        })
    }

    /// An options object: `undefined` and `null` read as `{}`.
    pub(crate) fn options(value: JsValue, what: &'a str) -> Result<Self, JsCodedError> {
        if absent(&value) {
            return Ok(Fields {
                object: js_sys::Object::new().into(),
                code: "invalid_options",
                what,
            });
        }
        Fields::of(value, "invalid_options", what)
    }

    /// The field's value; `None` when it is absent (`undefined` or `null`: an optional field,
    /// as serde read an `Option`). A getter that throws reads as `undefined`.
    pub(crate) fn get(&self, name: &str) -> Option<JsValue> {
        Some(self.field(name)).filter(|v| !absent(v))
    }

    /// The field's value as it is (`undefined` for a getter that throws).
    fn field(&self, name: &str) -> JsValue {
        js_sys::Reflect::get(&self.object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }

    /// A field with a default when it is left out (`undefined`); `null`, like any value `cast`
    /// refuses, is an error (where only `undefined` means "not given").
    fn defaulted<T>(
        &self,
        name: &str,
        must_be: &str,
        cast: impl FnOnce(&JsValue) -> Option<T>,
        default: T,
    ) -> Result<T, JsCodedError> {
        let value = self.field(name);
        if value.is_undefined() {
            return Ok(default);
        }
        cast(&value).ok_or_else(|| self.error(name, must_be))
    }

    /// An error naming the field and what it must be.
    pub(crate) fn error(&self, name: &str, must_be: &str) -> JsCodedError {
        JsCodedError::new(self.code, format!("{}.{name} must be {must_be}", self.what))
    }

    fn typed<T>(
        &self,
        name: &str,
        must_be: &str,
        cast: impl FnOnce(&JsValue) -> Option<T>,
    ) -> Result<Option<T>, JsCodedError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => cast(&value)
                .map(Some)
                .ok_or_else(|| self.error(name, must_be)),
        }
    }

    /// A string field, if present.
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, JsCodedError> {
        self.typed(name, "a string", JsValue::as_string)
    }

    /// A string field that must be present.
    pub(crate) fn required_string(&self, name: &str) -> Result<String, JsCodedError> {
        self.string(name)?
            .ok_or_else(|| self.error(name, "a string"))
    }

    /// A number field, if present.
    pub(crate) fn number(&self, name: &str) -> Result<Option<f64>, JsCodedError> {
        self.typed(name, "a number", JsValue::as_f64)
    }

    /// A boolean field, if present.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, JsCodedError> {
        self.typed(name, "true or false", JsValue::as_bool)
    }

    /// A boolean field with a default when left out (`undefined`); `null` is refused: an
    /// explicit `null` for `sensitive` must not quietly store a value as not sensitive.
    #[cfg(feature = "backend")]
    pub(crate) fn defaulted_boolean(
        &self,
        name: &str,
        default: bool,
    ) -> Result<bool, JsCodedError> {
        self.defaulted(name, "true or false", JsValue::as_bool, default)
    }

    /// A boolean field that must be present.
    pub(crate) fn required_boolean(&self, name: &str) -> Result<bool, JsCodedError> {
        self.boolean(name)?
            .ok_or_else(|| self.error(name, "true or false"))
    }

    /// An array field, if present: its items.
    pub(crate) fn list(&self, name: &str) -> Result<Option<Vec<JsValue>>, JsCodedError> {
        self.typed(name, "an array", array_items)
    }

    /// An array field that must be present: its items.
    pub(crate) fn required_list(&self, name: &str) -> Result<Vec<JsValue>, JsCodedError> {
        self.list(name)?.ok_or_else(|| self.error(name, "an array"))
    }

    /// An array field, empty when left out (`undefined`); `null` is refused.
    pub(crate) fn defaulted_list(&self, name: &str) -> Result<Vec<JsValue>, JsCodedError> {
        self.defaulted(name, "an array", array_items, Vec::new())
    }

    /// An array of strings, if present.
    pub(crate) fn strings(&self, name: &str) -> Result<Option<Vec<String>>, JsCodedError> {
        let Some(items) = self.list(name)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|item| {
                item.as_string()
                    .ok_or_else(|| self.error(name, "an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// An object field, if present, to read in turn (named `what.name`).
    pub(crate) fn object(
        &self,
        name: &str,
        what: &'a str,
    ) -> Result<Option<Fields<'a>>, JsCodedError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => Fields::of(value, self.code, what).map(Some),
        }
    }
}

/// The items of `value` if it is an array.
fn array_items(value: &JsValue) -> Option<Vec<JsValue>> {
    value.dyn_ref::<js_sys::Array>().map(|a| a.iter().collect())
}

/// `value` as an array's items; `code` and `what` name it in the error.
pub(crate) fn list(
    value: &JsValue,
    code: &'static str,
    what: &str,
) -> Result<Vec<JsValue>, JsCodedError> {
    array_items(value).ok_or_else(|| JsCodedError::new(code, format!("{what} must be an array")))
}

/// `values`, each an object (named `what` in errors, with `code`) read by `read_item`.
pub(crate) fn items<T>(
    values: Vec<JsValue>,
    code: &'static str,
    what: &str,
    mut read_item: impl FnMut(Fields<'_>) -> Result<T, JsCodedError>,
) -> Result<Vec<T>, JsCodedError> {
    values
        .into_iter()
        .map(|value| read_item(Fields::of(value, code, what)?))
        .collect()
}

/// A number as JS prints it (`String(n)`), for an error message: Rust's float printing is
/// kilobytes of the module.
pub(crate) fn number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}
