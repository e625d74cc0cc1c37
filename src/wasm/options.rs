//! Every option the exported classes take, parsed and checked in one place: a bad option is an
//! `invalid_options` error naming it, never a silent default.

use super::error::JsCodedError;
use super::read::number_text;
use crate::i18n::Locale;
use crate::json::ToJson;
use crate::links::AllowList;
use crate::sse;
use crate::v0::Format;

fn invalid(message: String) -> JsCodedError {
    JsCodedError::new("invalid_options", message)
}

/// `maxEventBytes`: a positive whole number of bytes (default 8 MiB).
pub(crate) fn max_event_bytes(value: Option<f64>) -> Result<usize, JsCodedError> {
    match value {
        None => Ok(sse::DEFAULT_MAX_EVENT_BYTES),
        Some(v) if v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v <= 4_294_967_295.0 => {
            Ok(v as usize)
        }
        Some(v) => Err(invalid(format!(
            "maxEventBytes must be a positive whole number, got {}",
            number_text(v)
        ))),
    }
}

/// `format`: `auto` (or absent) detects it from the first events.
pub(crate) fn format(value: Option<&str>) -> Result<Option<Format>, JsCodedError> {
    match value {
        None | Some("auto") => Ok(None),
        Some(name) => [Format::V1, Format::V2, Format::Proxy]
            .into_iter()
            .find(|f| f.as_str() == name)
            .map(Some)
            .ok_or_else(|| {
                invalid(format!(
                    "format must be auto, v0-v1, v0-v2 or proxy, got {}",
                    name.to_json()
                ))
            }),
    }
}

/// `locale`: `sv` (the default) or `en`.
pub(crate) fn locale(value: Option<&str>) -> Result<Locale, JsCodedError> {
    match value {
        None => Ok(Locale::default()),
        Some(code) => Locale::parse(code)
            .ok_or_else(|| invalid(format!("locale must be sv or en, got {}", code.to_json()))),
    }
}

/// `allowedActionHosts`: host names or `*.host` patterns; a pattern that is not one is an
/// error (a typo would otherwise disable every link). Absent: the default list.
pub(crate) fn allow_list(hosts: Option<&[String]>) -> Result<AllowList, JsCodedError> {
    match hosts {
        None => Ok(AllowList::default()),
        Some(hosts) => AllowList::try_new(hosts).map_err(|bad| {
            invalid(format!(
                "allowedActionHosts: {} is not a host name or *.host pattern",
                bad.to_json()
            ))
        }),
    }
}

/// `timeoutMs`: 1 to 600000 milliseconds (default 15000).
#[cfg(feature = "backend")]
pub(crate) fn timeout_ms(value: Option<f64>) -> Result<i32, JsCodedError> {
    match value {
        None => Ok(15_000),
        Some(ms) if (1.0..=600_000.0).contains(&ms) => Ok(ms as i32),
        Some(ms) => Err(invalid(format!(
            "timeoutMs must be 1–600000, got {}",
            number_text(ms)
        ))),
    }
}
