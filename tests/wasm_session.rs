//! The JS `StreamSession` class in headless Chromium: every in-tree sample through `feed`
//! (whole, byte by byte, random splits) and through `consume(ReadableStream)`, and aborting.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Promise, Reflect, Uint8Array};
use sajtmaskin_integrations::wasm::StreamSession;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/samples.rs"]
mod samples;
use samples::{expected_pinned, pinned, SAMPLES as FIXTURES};

#[wasm_bindgen(inline_js = r#"
export function chunked_stream(bytes, sizes) {
  let at = 0, i = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) { controller.close(); return; }
      const n = Math.max(1, sizes[i++ % sizes.length]);
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}
export function endless_stream() {
  const stream = new ReadableStream({ pull() { return new Promise(() => {}); } });
  return stream;
}
export function collector() { const seen = []; const f = (u) => { seen.push(u); }; f.seen = seen; return f; }
export function thrower() { return () => { throw new Error("boom"); }; }
export function locked(stream) { return stream.locked; }
export function later(ms) { return new Promise((r) => setTimeout(r, ms)); }
"#)]
extern "C" {
    fn chunked_stream(bytes: &Uint8Array, sizes: &Array) -> web_sys::ReadableStream;
    fn endless_stream() -> web_sys::ReadableStream;
    fn collector() -> js_sys::Function;
    fn thrower() -> js_sys::Function;
    fn locked(stream: &web_sys::ReadableStream) -> bool;
    fn later(ms: u32) -> Promise;
}

fn to_json(value: &JsValue) -> Value {
    let text: String = js_sys::JSON::stringify(value).expect("stringify").into();
    serde_json::from_str(&text).expect("json")
}

fn expected(json: &str) -> Value {
    expected_pinned(&serde_json::from_str(json).expect("expected.json"))
}

fn feed_in(bytes: &[u8], sizes: &[usize]) -> (Value, Vec<Value>) {
    let session = StreamSession::new(JsValue::UNDEFINED).expect("session");
    let mut updates = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < bytes.len() {
        let n = sizes[i % sizes.len()].max(1).min(bytes.len() - at);
        let out = session.feed(&bytes[at..at + n]).expect("feed");
        updates.extend(Array::from(&out).iter().map(|u| to_json(&u)));
        at += n;
        i += 1;
    }
    updates.extend(
        Array::from(&session.finish().expect("finish"))
            .iter()
            .map(|u| to_json(&u)),
    );
    (to_json(&session.snapshot().expect("snapshot")), updates)
}

#[wasm_bindgen_test]
fn every_fixture_whole_bytewise_and_split_matches_its_expected_state() {
    let mut seed = 0x2026_1124u32;
    for (name, bytes, json) in FIXTURES {
        let want = expected(json);
        let whole = feed_in(bytes, &[bytes.len()]);
        assert_eq!(pinned(&whole.0), want, "{name} whole");
        // Absent values are null, never undefined (JSON.stringify would drop undefined).
        assert!(whole.0.as_object().unwrap().contains_key("title"), "{name}");
        assert_eq!(pinned(&feed_in(bytes, &[1]).0), want, "{name} bytewise");
        let sizes: Vec<usize> = (0..32)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed % 300) as usize + 1
            })
            .collect();
        assert_eq!(
            pinned(&feed_in(bytes, &sizes).0),
            want,
            "{name} random splits"
        );
        let updates = whole.1;
        assert!(updates.iter().all(|u| u["type"].is_string()), "{name}");
        let shown: String = updates
            .iter()
            .filter(|u| u["type"] == "content")
            .map(|u| u["delta"].as_str().unwrap())
            .collect();
        assert_eq!(
            shown,
            want["text"].as_str().unwrap(),
            "{name} content updates"
        );
    }
}

#[wasm_bindgen_test]
async fn consume_reads_a_readable_stream_and_resolves_the_snapshot() {
    for (name, bytes, json) in FIXTURES {
        let session = StreamSession::new(JsValue::UNDEFINED).expect("session");
        let sizes = Array::of3(&7.into(), &1.into(), &513.into());
        let body = chunked_stream(&Uint8Array::from(*bytes), &sizes);
        let on_update = collector();
        let snapshot = JsFuture::from(session.consume(body.clone(), on_update.clone(), None))
            .await
            .expect("consume");
        assert_eq!(pinned(&to_json(&snapshot)), expected(json), "{name}");
        assert_eq!(
            pinned(&to_json(&session.snapshot().unwrap())),
            expected(json),
            "{name}"
        );
        let seen = Array::from(&Reflect::get(&on_update, &"seen".into()).unwrap());
        assert!(seen.length() > 0, "{name}");
        assert!(!locked(&body), "{name}: the reader's lock is released");
    }
}

#[wasm_bindgen_test]
async fn aborting_consume_cancels_and_releases_the_reader() {
    let session = StreamSession::new(JsValue::UNDEFINED).expect("session");
    let body = endless_stream();
    let controller = web_sys::AbortController::new().expect("controller");
    let promise = session.consume(body.clone(), collector(), Some(controller.signal()));
    JsFuture::from(later(20)).await.unwrap();
    controller.abort();
    let err = JsFuture::from(promise).await.expect_err("must reject");
    assert_eq!(
        Reflect::get(&err, &"code".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("aborted")
    );
    assert!(!locked(&body));
    // The session is still usable.
    session
        .feed(b"event: content\ndata: \"ok\"\n\n")
        .expect("feed after abort");
    assert_eq!(to_json(&session.snapshot().unwrap())["text"], "ok");
}

#[wasm_bindgen_test]
async fn a_throwing_callback_rejects_and_releases() {
    let session = StreamSession::new(JsValue::UNDEFINED).expect("session");
    let body = chunked_stream(&Uint8Array::from(FIXTURES[8].1), &Array::of1(&64.into()));
    let err = JsFuture::from(session.consume(body.clone(), thrower(), None))
        .await
        .expect_err("must reject");
    assert_eq!(
        Reflect::get(&err, &"message".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("boom")
    );
    assert!(!locked(&body));
}

#[wasm_bindgen_test]
fn bad_options_and_bad_input() {
    for bad in [
        r#"{"format":"v3"}"#,
        r#"{"locale":"de"}"#,
        r#"{"maxEventBytes":0}"#,
    ] {
        let err = StreamSession::new(js_sys::JSON::parse(bad).unwrap())
            .err()
            .unwrap_or_else(|| panic!("{bad}"));
        assert_eq!(
            Reflect::get(&err, &"code".into())
                .unwrap()
                .as_string()
                .as_deref(),
            Some("invalid_options")
        );
    }
    let session = StreamSession::new(JsValue::UNDEFINED).unwrap();
    let out = Array::from(
        &session
            .feed(b"data: {oops\n\ndata: {\"object\":\"chat\",\"id\":\"c1\"}\n\n")
            .unwrap(),
    );
    let first = to_json(&out.get(0));
    assert_eq!(
        (
            first["type"].as_str(),
            first["code"].as_str(),
            first["fatal"].as_bool()
        ),
        (Some("error"), Some("invalid_json"), Some(false))
    );
    assert_eq!(
        to_json(&out.get(1)),
        serde_json::json!({"type": "chatId", "id": "c1"})
    );
}

#[wasm_bindgen_test]
fn parts_cross_only_when_asked_for() {
    for (name, bytes, _) in FIXTURES {
        let session = StreamSession::new(JsValue::UNDEFINED).expect("session");
        let mut mirror: Vec<Value> = Vec::new();
        for chunk in bytes.chunks(1024) {
            for update in Array::from(&session.feed(chunk).expect("feed")).iter() {
                let update = to_json(&update);
                if update["type"] != "parts" {
                    continue;
                }
                assert!(update.get("parts").is_none(), "{name}: the parts crossed");
                let from = update["from"].as_u64().unwrap() as usize;
                mirror.truncate(from);
                let fresh = to_json(&session.parts(Some(from as u32)).expect("parts"));
                mirror.extend(fresh.as_array().unwrap().iter().cloned());
                assert_eq!(
                    mirror.len() as u64,
                    update["length"].as_u64().unwrap(),
                    "{name}"
                );
            }
        }
        session.finish().expect("finish");
        let all = to_json(&session.parts(None).expect("parts"));
        assert_eq!(all, Value::Array(mirror), "{name}");
        assert_eq!(
            all,
            to_json(&session.snapshot().expect("snapshot"))["parts"]
                .clone()
                .as_array()
                .map_or(Value::Array(vec![]), |p| Value::Array(p.clone())),
            "{name}"
        );
    }
}

/// Updates cross as one string and a list of numbers that JS turns back into objects: what
/// arrives must be exactly the native session's updates as JSON (text with characters outside
/// the BMP, resets, parts, cards, errors, done), whatever the chunking.
#[wasm_bindgen_test]
fn updates_arrive_as_the_native_session_reports_them() {
    use sajtmaskin_integrations::session::{SessionOptions, StreamSession as Native};
    // A v2 stream whose text is rewritten (a reset), with emoji and Swedish on both sides of
    // a JSON-carried update, and a bad event in between.
    let crafted = concat!(
        "data: {\"object\":\"message\",\"id\":\"m\",\"chatId\":\"c\",\"parts\":[]}\n\n",
        "data: {\"object\":\"message.parts.chunk\",\"delta\":{\"0\":[{\"type\":\"thinking\",\"text\":\"Tänker 😀\"}],\"_t\":\"a\"}}\n\n",
        "data: {\"object\":\"message.parts.chunk\",\"delta\":{\"1\":[{\"type\":\"text\",\"text\":\"Hej 😀 då\"}],\"_t\":\"a\"}}\n\n",
        "data: {oops\n\n",
        "data: {\"object\":\"message.parts.chunk\",\"delta\":{\"1\":{\"text\":[\"Hej 😀 då\",\"Ny 🎉 text\"]},\"_t\":\"a\"}}\n\n",
        "data: {\"object\":\"message.usage\",\"usage\":{\"credits\":1.9703154056333005}}\n\n",
        "data: {\"object\":\"message\",\"id\":\"m\",\"finishReason\":\"stop\"}\n\n",
    );
    let mut inputs: Vec<(&str, &[u8])> = vec![("crafted", crafted.as_bytes())];
    inputs.extend(FIXTURES.iter().map(|(name, bytes, _)| (*name, *bytes)));
    let mut resets = 0;
    for (name, bytes) in inputs {
        for size in [7, 300, 1 << 16] {
            let session = StreamSession::new(JsValue::UNDEFINED).expect("session");
            let mut native = Native::new(SessionOptions::default());
            for chunk in bytes.chunks(size) {
                let expected = serde_json::to_value(native.feed(chunk)).expect("json");
                resets += expected.to_string().matches("\"reset\":true").count();
                assert_eq!(
                    to_json(&session.feed(chunk).expect("feed")),
                    expected,
                    "{name}/{size}"
                );
            }
            let expected = serde_json::to_value(native.finish()).expect("json");
            assert_eq!(
                to_json(&session.finish().expect("finish")),
                expected,
                "{name}/{size}"
            );
        }
    }
    assert!(
        resets >= 2,
        "the inputs must rewrite text ({resets} resets)"
    );
}
