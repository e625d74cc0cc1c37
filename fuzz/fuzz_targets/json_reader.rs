//! The crate's JSON reader and writer (`sajtmaskin_integrations::json`) against serde_json, on
//! arbitrary text: the same value or the same refusal (`parse`), the same verdict when a value is
//! only skipped (`is_json` against `IgnoredAny`), and the same text written back (`ToJson`
//! against `serde_json::to_string`). No input may panic. serde_json's two marker keys
//! (`$serde_json::private::…`), which it reads as a number or a raw value, are the one difference
//! on purpose (src/json.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::json::{self, ToJson};
use serde_json::Value;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if text.contains("$serde_json::private") {
        return;
    }
    let ours = json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "{text:?}");
            assert_eq!(a.to_json(), serde_json::to_string(b).unwrap(), "{text:?}");
        }
        (Err(_), Err(_)) => {}
        _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
    assert_eq!(
        json::is_json(text),
        serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(),
        "{text:?}"
    );
});
