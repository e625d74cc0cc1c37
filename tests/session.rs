//! StreamSession on bad and unusual input: typed non-fatal errors, the session goes on,
//! nothing panics; format detection and override.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
use sajtmaskin_integrations::v0::Format;

fn session() -> StreamSession {
    StreamSession::new(SessionOptions::default())
}

fn error_codes(updates: &[StreamUpdate]) -> Vec<(String, bool)> {
    updates
        .iter()
        .filter_map(|u| match u {
            StreamUpdate::Error { code, fatal, .. } => Some((code.clone(), *fatal)),
            _ => None,
        })
        .collect()
}

const V2_START: &str = "data: {\"object\":\"message\",\"id\":\"m\",\"chatId\":\"c\",\"parts\":[],\"finishReason\":null}\n\n";
const V2_TEXT: &str = "data: {\"object\":\"message.parts.chunk\",\"id\":\"m\",\"delta\":{\"0\":[{\"type\":\"text\",\"text\":\"Hej\"}],\"_t\":\"a\"}}\n\n";

#[test]
fn malformed_json_is_a_non_fatal_error_and_the_session_goes_on() {
    let mut s = session();
    let mut updates = s.feed(V2_START.as_bytes());
    updates.extend(s.feed(b"data: {\"object\":\"message.parts.chunk\",\n\n"));
    updates.extend(s.feed(V2_TEXT.as_bytes()));
    assert_eq!(
        error_codes(&updates),
        vec![("invalid_json".to_string(), false)]
    );
    assert_eq!(s.snapshot().text, "Hej");
    assert!(s.snapshot().error.is_none());
}

#[test]
fn delta_against_a_missing_path_is_a_non_fatal_error() {
    let mut s = session();
    let mut updates = s.feed(V2_START.as_bytes());
    updates.extend(s.feed(V2_TEXT.as_bytes()));
    updates.extend(s.feed(b"data: {\"object\":\"message.parts.chunk\",\"id\":\"m\",\"delta\":{\"4\":{\"text\":[\"a\",\"b\"]},\"_t\":\"a\"}}\n\n"));
    updates.extend(s.feed(b"data: {\"object\":\"message.parts.chunk\",\"id\":\"m\",\"delta\":{\"0\":{\"text\":[\"Hej\",\"Hej!\"]},\"_t\":\"a\"}}\n\n"));
    assert_eq!(
        error_codes(&updates),
        vec![("delta_mismatch".to_string(), false)]
    );
    assert_eq!(s.snapshot().text, "Hej!");
}

#[test]
fn payload_that_is_not_a_v0_object_is_a_typed_error_but_unknown_objects_are_tolerated() {
    let mut s = session();
    let mut updates = s.feed(V2_START.as_bytes());
    updates.extend(s.feed(b"data: [1,2]\n\ndata: {\"no\":\"object\"}\n\n"));
    updates.extend(s.feed(b"data: {\"object\":\"message.metadata\",\"future\":true}\n\n"));
    updates.extend(s.feed(V2_TEXT.as_bytes()));
    assert_eq!(
        error_codes(&updates),
        vec![
            ("unexpected_event".to_string(), false),
            ("unexpected_event".to_string(), false)
        ]
    );
    assert_eq!(s.snapshot().text, "Hej");
}

#[test]
fn v0_error_object_is_fatal_and_blocks_done() {
    let mut s = session();
    let mut updates = s.feed(V2_START.as_bytes());
    updates.extend(
        s.feed(b"data: {\"object\":\"error\",\"message\":\"boom\",\"code\":\"model_timeout\"}\n\n"),
    );
    updates.extend(s.feed(
        b"data: {\"object\":\"message\",\"id\":\"m\",\"parts\":[],\"finishReason\":\"stop\"}\n\n",
    ));
    assert_eq!(
        error_codes(&updates),
        vec![("model_timeout".to_string(), true)]
    );
    assert!(!s.snapshot().done);
    assert_eq!(
        s.snapshot().error.as_ref().map(|e| e.code.as_str()),
        Some("model_timeout")
    );
    assert!(!updates
        .iter()
        .any(|u| matches!(u, StreamUpdate::Done { .. })));
}

#[test]
fn v1_without_done_marker_is_not_done() {
    let mut s = session();
    s.feed(b"data: {\"object\":\"chat\",\"id\":\"c\"}\n\ndata: {\"object\":\"message.experimental_content.chunk\",\"delta\":{\"0\":[[0,[[\"p\",{},[\"text\",{},\"Hej\"]]]]],\"_t\":\"a\"}}\n\n");
    s.finish();
    assert_eq!(s.snapshot().format, Some(Format::V1));
    assert_eq!(s.snapshot().text, "Hej");
    assert!(!s.snapshot().done);
}

#[test]
fn a_rewritten_text_is_sent_whole_with_reset() {
    let mut s = session();
    s.feed(V2_START.as_bytes());
    s.feed(V2_TEXT.as_bytes());
    let mut updates = s.feed(b"data: {\"object\":\"message.parts.chunk\",\"id\":\"m\",\"delta\":{\"0\":{\"text\":[\"Hej\",\"Tja\"]},\"_t\":\"a\"}}\n\n");
    // The rewrite is a reset; its last word ("Tja") comes once it ends (here: the stream),
    // as the leak guard holds an unfinished word back.
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, StreamUpdate::Content { reset: true, .. })),
        "{updates:?}"
    );
    updates.extend(s.finish());
    let mut shown = String::new();
    for update in &updates {
        if let StreamUpdate::Content { delta, reset } = update {
            if *reset {
                shown.clear();
            }
            shown.push_str(delta);
        }
    }
    assert_eq!(shown, "Tja");
}

#[test]
fn format_option_overrides_detection() {
    let proxy_like = b"event: content\ndata: \"x\"\n\n";
    let mut forced = StreamSession::new(SessionOptions {
        format: Some(Format::V2),
        ..SessionOptions::default()
    });
    forced.feed(proxy_like);
    assert_eq!(forced.snapshot().format, Some(Format::V2));
    assert_eq!(forced.snapshot().text, "");
    let mut auto = session();
    auto.feed(proxy_like);
    assert_eq!(auto.snapshot().format, Some(Format::Proxy));
    assert_eq!(auto.snapshot().text, "x");
}

#[test]
fn oversized_sse_event_is_reported_and_skipped() {
    let mut s = StreamSession::new(SessionOptions {
        max_event_bytes: 64,
        ..SessionOptions::default()
    });
    let big = format!(
        "event: content\ndata: \"{}\"\n\nevent: content\ndata: \"ok\"\n\n",
        "x".repeat(100)
    );
    let updates = s.feed(big.as_bytes());
    assert_eq!(
        error_codes(&updates),
        vec![("sse_event_too_large".to_string(), false)]
    );
    assert_eq!(s.snapshot().text, "ok");
}

/// Event payloads near the real ones, broken in every way the strategy can think of.
fn event() -> impl Strategy<Value = String> {
    let object = prop_oneof![
        Just("chat"),
        Just("chat.title"),
        Just("message"),
        Just("message.parts.chunk"),
        Just("message.experimental_content.chunk"),
        Just("message.usage"),
        Just("error"),
        Just("nope"),
    ];
    let delta = prop_oneof![
        Just(r#"{"0":[{"type":"text","text":"a"}],"_t":"a"}"#.to_string()),
        Just(r#"{"0":{"text":["a","ab"]},"_t":"a"}"#.to_string()),
        Just(r#"{"_0":["",1,3],"_t":"a"}"#.to_string()),
        Just(r#"{"_0":[1,0,0],"_t":"a"}"#.to_string()),
        Just(r#"[[0,1,0,2,"x"],9,9]"#.to_string()),
        Just(r#"{"0":[[0,[["text",{},"a"]]]],"_t":"a"}"#.to_string()),
        Just(r#"["@@",0,2]"#.to_string()),
        Just("null".to_string()),
        Just("{\"1\":{\"x\":[1]}}".to_string()),
    ];
    let v0 = (object, delta).prop_map(|(o, d)| format!("data: {{\"object\":\"{o}\",\"id\":\"i\",\"delta\":{d},\"parts\":[],\"finishReason\":null,\"message\":\"m\"}}\n\n"));
    let proxy = (
        prop_oneof![
            Just("content"),
            Just("thinking"),
            Just("parts"),
            Just("integration"),
            Just("done"),
            Just("error"),
            Just("chatId"),
            Just("ping")
        ],
        prop_oneof![
            Just("\"t\""),
            Just("[]"),
            Just("{\"items\":[{}]}"),
            Just("{\"id\":\"x\"}"),
            Just("{"),
            Just("7")
        ],
    )
        .prop_map(|(n, d)| format!("event: {n}\ndata: {d}\n\n"));
    prop_oneof![
        v0,
        proxy,
        Just("data: [DONE]\n\n".to_string()),
        "[ -~\n]{0,40}".prop_map(|s| s)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn arbitrary_event_sequences_never_panic_and_keep_going(events in proptest::collection::vec(event(), 0..25), chunk in 1usize..50) {
        let stream = events.concat();
        let mut s = session();
        for piece in stream.as_bytes().chunks(chunk) {
            s.feed(piece);
        }
        s.finish();
        // A snapshot is always available and serializable.
        prop_assert!(serde_json::to_value(s.snapshot()).is_ok());
    }
}

#[test]
fn numbers_survive_the_stream_exactly() {
    // 17 significant digits: the shortest text that reads back as the same f64.
    let numbers = [
        1.970_315_405_633_300_5_f64,
        0.1,
        123_456.789_012_345_68,
        5e-324,
        1.7976931348623157e308,
    ];
    let mut stream = String::from(
        "data: {\"object\":\"message\",\"id\":\"m\",\"chatId\":\"c\",\"parts\":[]}\n\n",
    );
    for (i, n) in numbers.iter().enumerate() {
        let usage =
            format!("{{\"object\":\"message.usage\",\"usage\":{{\"credits\":{n:?},\"i\":{i}}}}}");
        stream.push_str(&format!("data: {usage}\n\n"));
        let part = format!("{{\"object\":\"message.parts.chunk\",\"delta\":{{\"{i}\":[{{\"type\":\"x\",\"score\":{n:?}}}],\"_t\":\"a\"}}}}");
        stream.push_str(&format!("data: {part}\n\n"));
    }
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(stream.as_bytes());
    let snapshot = session.snapshot();
    let parts = snapshot.parts.as_deref().unwrap().as_array().unwrap();
    for (i, n) in numbers.iter().enumerate() {
        assert_eq!(parts[i]["score"].as_f64(), Some(*n), "part {i}");
        // And as text, the way JS will read it.
        assert_eq!(
            parts[i]["score"].to_string(),
            format!("{n:?}").replace("e308", "e+308"),
            "part {i} text"
        );
    }
    assert_eq!(
        snapshot.usage.as_ref().unwrap()["credits"].as_f64(),
        Some(numbers[4])
    );
}

#[test]
fn number_text_survives_as_sent() {
    // Kept as the digits v0 sent (serde_json's arbitrary_precision): no float parsing, so
    // nothing to round; an integer past u64, trailing zeros and an exponent form come out as
    // they went in (an `E` comes out as `e`, the same number).
    let texts = ["12345678901234567890123", "1.0", "2.50", "1e+2", "-0"];
    let mut stream = String::new();
    for (i, text) in texts.iter().enumerate() {
        stream.push_str(&format!(
            "data: {{\"object\":\"message.usage\",\"usage\":{{\"n{i}\":{text}}}}}\n\n"
        ));
    }
    let mut session = StreamSession::new(SessionOptions::default());
    let mut seen = Vec::new();
    for update in session.feed(stream.as_bytes()) {
        if let sajtmaskin_integrations::session::StreamUpdate::Usage { usage } = update {
            seen.push(
                usage
                    .as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap()
                    .to_string(),
            );
        }
    }
    assert_eq!(seen, texts);
}
