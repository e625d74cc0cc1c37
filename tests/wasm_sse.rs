//! The JS `SseParser` class in headless Chromium (`npm test` runs these through
//! wasm-bindgen-test-runner and chromedriver).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, Uint8Array};
use sajtmaskin_integrations::wasm::SseParser;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const S09: &[u8] = include_bytes!("fixtures/v0-streams/s09-proxy-crlf-blob-keepalive.sse");

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("property")
}

fn events(value: JsValue) -> Vec<(String, String, String)> {
    Array::from(&value)
        .iter()
        .map(|e| {
            (
                get(&e, "event").as_string().expect("event"),
                get(&e, "data").as_string().expect("data"),
                get(&e, "id").as_string().expect("id"),
            )
        })
        .collect()
}

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("json")
}

#[wasm_bindgen_test]
fn feed_returns_plain_event_objects() {
    let mut parser = SseParser::new(JsValue::UNDEFINED).expect("parser");
    let out = parser
        .feed(b"id: 3\nevent: done\ndata: {\"ok\":true}\n\n")
        .expect("feed");
    assert!(Array::is_array(&out));
    assert_eq!(
        events(out),
        vec![("done".into(), "{\"ok\":true}".into(), "3".into())]
    );
    assert_eq!(parser.last_event_id(), "3");
}

#[wasm_bindgen_test]
fn accepts_a_real_uint8array_split_inside_a_code_point_and_a_crlf() {
    let bytes = "data: h\u{e4}j\r\n\r\n".as_bytes();
    let mut parser = SseParser::new(JsValue::NULL).expect("parser");
    let mut got = Vec::new();
    // Split inside "ä" (2 bytes) and between CR and LF.
    for piece in [&bytes[..8], &bytes[8..11], &bytes[11..]] {
        let array = Uint8Array::from(piece);
        got.extend(events(parser.feed(&array.to_vec()).expect("feed")));
    }
    assert_eq!(
        got,
        vec![("message".into(), "h\u{e4}j".into(), String::new())]
    );
    assert_eq!(events(parser.finish().expect("finish")), vec![]);
}

#[wasm_bindgen_test]
fn retry_is_undefined_until_valid() {
    let mut parser = SseParser::new(JsValue::UNDEFINED).expect("parser");
    assert_eq!(parser.retry(), None);
    parser.feed(b"retry: x\n\n").expect("feed");
    assert_eq!(parser.retry(), None);
    parser.feed(b"retry: 2500\n\n").expect("feed");
    assert_eq!(parser.retry(), Some(2500.0));
}

#[wasm_bindgen_test]
fn oversized_events_are_dropped_and_reported() {
    let mut parser = SseParser::new(options(r#"{"maxEventBytes":16}"#)).expect("parser");
    let out = parser
        .feed(b"data: 0123456789abcdef\n\ndata: ok\n\n")
        .expect("feed");
    assert_eq!(
        events(out),
        vec![("message".into(), "ok".into(), String::new())]
    );
    let dropped = Array::from(&parser.take_dropped().expect("dropped"));
    assert_eq!(dropped.length(), 1);
    assert_eq!(
        get(&dropped.get(0), "code").as_string().as_deref(),
        Some("sse_event_too_large")
    );
    assert_eq!(
        Array::from(&parser.take_dropped().expect("dropped")).length(),
        0
    );
}

#[wasm_bindgen_test]
fn bad_options_throw_an_error_with_a_code() {
    for bad in [
        r#"{"maxEventBytes":-1}"#,
        r#"{"maxEventBytes":1.5}"#,
        r#"{"maxEventBytes":"big"}"#,
    ] {
        let err = SseParser::new(options(bad))
            .err()
            .unwrap_or_else(|| panic!("must throw: {bad}"));
        assert!(err.is_instance_of::<js_sys::Error>(), "{bad}");
        assert_eq!(
            get(&err, "code").as_string().as_deref(),
            Some("invalid_options"),
            "{bad}"
        );
    }
}

#[wasm_bindgen_test]
fn a_crlf_fixture_parses_the_same_in_any_chunking() {
    let whole = {
        let mut parser = SseParser::new(JsValue::UNDEFINED).expect("parser");
        events(parser.feed(S09).expect("feed"))
    };
    assert!(whole
        .iter()
        .any(|(event, data, _)| event == "integration" && data.contains("BLOB_READ_WRITE_TOKEN")));
    assert_eq!(whole.last().map(|e| e.0.as_str()), Some("done"));
    for size in [1usize, 2, 7, 64, 1000] {
        let mut parser = SseParser::new(JsValue::UNDEFINED).expect("parser");
        let mut got = Vec::new();
        for piece in S09.chunks(size) {
            got.extend(events(parser.feed(piece).expect("feed")));
        }
        assert_eq!(got, whole, "chunk size {size}");
    }
}

#[path = "support/samples.rs"]
mod samples;

/// The events cross as one string whose fields JS splits at CR (no field can hold one): what
/// arrives must be the native parser's events, for every sample and for fields that are empty,
/// span lines, carry ids and characters outside the BMP, whatever the chunking.
#[wasm_bindgen_test]
fn events_arrive_as_the_native_parser_reads_them() {
    use sajtmaskin_integrations::sse::SseParser as Native;
    let crafted: &[u8] = "event: a\ndata: 1\ndata:\ndata: 2 😀\nid: x\n\ndata:\n\n: c\nevent:\ndata: å\r\n\r\nid:\ndata: \"q\"\n\nevent: b\ndata: a\rdata: b\r\r".as_bytes();
    let mut inputs: Vec<&[u8]> = vec![crafted];
    inputs.extend(samples::SAMPLES.iter().map(|(_, bytes, _)| *bytes));
    let mut total = 0;
    for bytes in inputs {
        for size in [1, 7, 300, 1 << 16] {
            let mut parser = SseParser::new(JsValue::UNDEFINED).expect("parser");
            let mut native = Native::new();
            for chunk in bytes.chunks(size) {
                let expected: Vec<(String, String, String)> = native
                    .feed(chunk)
                    .into_iter()
                    .map(|e| (e.event, e.data, e.id))
                    .collect();
                total += expected.len();
                assert_eq!(
                    events(parser.feed(chunk).expect("feed")),
                    expected,
                    "size {size}"
                );
            }
        }
    }
    assert!(total > 1000, "{total} events compared");
}
