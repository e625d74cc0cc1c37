//! The typed v0 event decode (`decode_v0`, borrowing, fields read only when the event needs
//! them) against the plain decode it replaced (a `serde_json::Value` map per event, kept here
//! as the reference): same events for any mix of known fields, value types, unknown fields,
//! repeated keys, escapes and key order.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sajtmaskin_integrations::v0::decode::{decode_v0, V0Event};
use serde_json::{json, Map, Value};

/// The decode as it was: parse the whole event into a `Value`, then pick fields out of it.
fn reference(data: &str) -> Result<V0Event, &'static str> {
    if data.trim() == "[DONE]" {
        return Ok(V0Event::StreamDone);
    }
    let value: Value = serde_json::from_str(data).map_err(|_| "invalid_json")?;
    let Value::Object(mut map) = value else {
        return Err("unexpected_event");
    };
    let string = |map: &Map<String, Value>, key: &str| {
        map.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let object = string(&map, "object").ok_or("unexpected_event")?;
    let delta = map.remove("delta").filter(|d| !d.is_null());
    Ok(match object.as_str() {
        "chat" => V0Event::Chat {
            id: string(&map, "id"),
            title: string(&map, "title"),
            project_id: string(&map, "vercelProjectId").or_else(|| string(&map, "projectId")),
        },
        "chat.title" => match delta {
            Some(Value::String(title)) => V0Event::Title(title),
            _ => return Err("unexpected_event"),
        },
        "message" => V0Event::Message {
            chat_id: string(&map, "chatId"),
            finished: !map.get("finishReason").is_none_or(Value::is_null),
            parts: map.remove("parts").filter(|p| !p.is_null()),
        },
        "message.parts.chunk" => V0Event::PartsDelta(delta.ok_or("unexpected_event")?),
        "message.experimental_content.chunk" => {
            V0Event::ContentDelta(delta.ok_or("unexpected_event")?)
        }
        "message.usage" => V0Event::Usage(map.remove("usage").unwrap_or(Value::Null)),
        "error" => V0Event::Error {
            message: string(&map, "message").unwrap_or_else(|| "unknown error".to_owned()),
            code: string(&map, "code").unwrap_or_else(|| "error".to_owned()),
        },
        _ => V0Event::Ignored,
    })
}

fn typed(data: &str) -> Result<V0Event, &'static str> {
    decode_v0(data).map_err(|e| e.code())
}

#[test]
fn fields_of_another_type_are_absent_and_the_last_repeat_wins() {
    let cases = [
        r#"{"object":"chat","id":5,"title":{"a":1},"vercelProjectId":null,"projectId":"p"}"#,
        r#"{"object":"chat","id":"a","id":"b"}"#,
        r#"{"obj\u0065ct":"chat.title","delta":"Kera\"mik"}"#,
        r#"{"object":"message","finishReason":null,"parts":null}"#,
        r#"{"object":"message","finishReason":"stop","parts":[{"type":"text","text":"x"}]}"#,
        r#"{"object":"message.usage","usage":{"credits":1.9703154056333005}}"#,
        r#"{"object":"message.parts.chunk","delta":null}"#,
        r#"{"object":7}"#,
        r#"[1,2]"#,
        r#"{"object":"chat""#,
        r#" [DONE] "#,
    ];
    for data in cases {
        assert_eq!(typed(data), reference(data), "{data}");
    }
    assert_eq!(
        typed(r#"{"object":"chat","id":"a","id":"b"}"#),
        Ok(V0Event::Chat {
            id: Some("b".into()),
            title: None,
            project_id: None
        })
    );
    assert_eq!(
        typed(r#"{"object":"message.usage","usage":{"credits":1.9703154056333005}}"#),
        Ok(V0Event::Usage(json!({"credits": 1.9703154056333005})))
    );
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        "[a-z\"\\\\é😀 ]{0,6}".prop_map(Value::from),
        Just(json!("message.parts.chunk")),
        Just(json!("chat")),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_0-9]{1,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field() -> impl Strategy<Value = (String, Value)> {
    let name = prop_oneof![
        Just("id"),
        Just("title"),
        Just("vercelProjectId"),
        Just("projectId"),
        Just("chatId"),
        Just("finishReason"),
        Just("message"),
        Just("code"),
        Just("parts"),
        Just("usage"),
        Just("delta"),
        Just("object"),
        Just("privacy"),
        Just("createdAt"),
    ];
    (name, any_value()).prop_map(|(name, value)| (name.to_owned(), value))
}

fn object_name() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("chat")),
        Just(json!("chat.title")),
        Just(json!("message")),
        Just(json!("message.parts.chunk")),
        Just(json!("message.experimental_content.chunk")),
        Just(json!("message.usage")),
        Just(json!("error")),
        Just(json!("message.metadata")),
        any_value(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_typed_decode_equals_the_plain_one(
        object in proptest::option::weighted(0.9, object_name()),
        fields in proptest::collection::vec(field(), 0..7),
        object_at in 0usize..8,
    ) {
        // Written by hand so that keys may repeat and the object may come anywhere.
        let mut members: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v))
            .collect();
        if let Some(object) = object {
            members.insert(object_at.min(members.len()), format!("\"object\":{object}"));
        }
        let data = format!("{{{}}}", members.join(","));
        prop_assert_eq!(typed(&data), reference(&data), "{}", data);
    }
}

#[test]
fn a_json_string_is_borrowed_only_when_it_is_one_without_escapes() {
    use sajtmaskin_integrations::v0::decode::json_str;
    use std::borrow::Cow;
    assert!(matches!(
        json_str(r#""Hej då 😀""#),
        Some(Cow::Borrowed("Hej då 😀"))
    ));
    assert!(matches!(json_str(r#""rad\nny""#), Some(Cow::Owned(s)) if s == "rad\nny"));
    // Not JSON strings, however they look: nothing.
    for text in [
        r#""a"b""#,
        "\"tab\there\"",
        r#""open"#,
        r#"5"#,
        r#"["a"]"#,
        r#""a\""#,
        r#"""#,
    ] {
        assert_eq!(json_str(text), None, "{text}");
    }
    // Through the session: a proxy text event that is not a JSON string is reported, not shown.
    use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
    let mut session = StreamSession::new(SessionOptions::default());
    let updates = session.feed(
        b"event: content\ndata: \"Hej \"\n\nevent: content\ndata: \"a\"b\"\n\nevent: content\ndata: \"d\\u00e5\"\n\n",
    );
    assert!(updates.iter().any(
        |u| matches!(u, StreamUpdate::Error { code, fatal: false, .. } if code == "invalid_json")
    ));
    assert_eq!(session.snapshot().text, "Hej då");
}
