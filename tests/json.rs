//! The crate's JSON reader (`src/json.rs`) reads what serde_json reads: the same value for
//! every text serde_json accepts, an error for every text it refuses.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sajtmaskin_integrations::json::{self, Reader};
use serde_json::Value;

/// Both readers agree on `text`: the same value, or both refuse it.
fn agree(text: &str) -> std::result::Result<(), String> {
    let ours = json::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        (Err(_), Err(_)) => Ok(()),
        _ => Err(format!("{text:?}: ours {ours:?}, serde_json {theirs:?}")),
    }
}

#[test]
fn hand_made_texts() {
    let texts = [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "12345678901234567890123",
        "1.5",
        "-0.0",
        "1e5",
        "1E+5",
        "1e-5",
        "2.50",
        "1.0e400",
        r#""""#,
        r#""a""#,
        r#""é\u00e9""#,
        r#""\ud83d\ude00""#,
        r#""\n\t\r\b\f\/\\\"""#,
        "[]",
        "{}",
        "[1,2,3]",
        r#"{"a":1,"a":2}"#,
        r#" { "a" : [ 1 , { "b" : null } ] } "#,
        "\t\r\n[\n]\n",
        // Refused by both.
        "",
        " ",
        "nul",
        "tru",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":}",
        "\"abc",
        "\"a\nb\"",
        "\"\\x\"",
        r#""\ud83d""#,
        r#""\ude00""#,
        r#""\ud83d\u0041""#,
        r#""\u12""#,
        r#""\u12G4""#,
        "[1]]",
        "{}{}",
        "NaN",
        "Infinity",
        "'a'",
        "[",
        "{",
        "{\"a\"",
        "\u{feff}1",
    ];
    for text in texts {
        agree(text).unwrap();
    }
}

#[test]
fn nesting_is_limited_where_serde_json_limits_it() {
    for depth in [1, 127, 128, 129, 200, 10_000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        agree(&arrays).unwrap();
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        agree(&objects).unwrap();
    }
    assert!(json::parse(&format!("{}{}", "[".repeat(127), "]".repeat(127))).is_ok());
    assert!(matches!(
        json::parse(&format!("{}{}", "[".repeat(128), "]".repeat(128))),
        Err(json::JsonError::TooDeep { .. })
    ));
}

#[test]
fn skipped_values_nest_to_any_depth_as_serde_json_skips_them() {
    for depth in [1, 127, 128, 10_000] {
        let deep = format!("{}1{}", r#"[{"a":"#.repeat(depth), "}]".repeat(depth));
        let mut reader = Reader::new(&deep);
        assert_eq!(reader.raw(), Ok(deep.as_str()));
        assert!(serde_json::from_str::<&serde_json::value::RawValue>(&deep).is_ok());
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(&deep).is_ok());
        assert!(json::is_json(&deep));
        // An event whose unused field nests that deep is still read.
        let mut parts = serde_json::json!([{"type": "text", "text": "a"}]);
        let event = format!(
            r#"{{"object":"message.parts.chunk","x":{deep},"delta":{{"0":{{"text":["a","ab"]}},"_t":"a"}}}}"#
        );
        assert_eq!(
            sajtmaskin_integrations::v0::chunk::apply(&mut parts, &event),
            Some(0),
            "{depth}"
        );
        assert_eq!(parts[0]["text"], "ab");
        let decoded = sajtmaskin_integrations::v0::decode::decode_v0(&event);
        assert!(decoded.is_ok(), "{depth}: {decoded:?}");
    }
    // Unbalanced and malformed nesting is refused without recursion.
    for bad in [
        "[".repeat(100_000),
        format!("{}]", "[{\"a\":".repeat(1000)),
        "[1,]".into(),
        "{\"a\":1,}".into(),
        "[1}".into(),
        "{\"a\"]".into(),
    ] {
        assert!(!json::is_json(&bad), "{bad:.40}");
        assert!(serde_json::from_str::<serde::de::IgnoredAny>(&bad).is_err());
    }
}

#[test]
fn a_skipped_string_is_checked_as_serde_json_checks_it() {
    // A lone surrogate escape: refused where the string is read, let through where it is
    // skipped (found by the json_reader fuzz target).
    let event = r#"{"object":"chat.title","x":"a\ude00b","delta":"Krukan"}"#;
    assert!(json::is_json(event));
    assert!(json::parse(event).is_err());
    assert!(serde_json::from_str::<serde::de::IgnoredAny>(event).is_ok());
    assert!(serde_json::from_str::<Value>(event).is_err());
    assert_eq!(
        sajtmaskin_integrations::v0::decode::decode_v0(event),
        Ok(sajtmaskin_integrations::v0::decode::V0Event::Title(
            "Krukan".into()
        ))
    );
    // The form of an escape and control characters are checked all the same.
    for bad in [r#"["\x"]"#, r#"["\u12"]"#, "[\"a\u{1}b\"]", r#"{"\q":1}"#] {
        assert!(!json::is_json(bad), "{bad}");
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn an_escaped_string_is_decoded_into_a_buffer_that_never_grows() {
    // The buffer is sized once, from the string's JSON (a grown one would leave copies of a
    // secret in freed memory): its capacity is that length, not a growth step.
    for raw in [
        r#"a\"b"#.to_owned(),
        format!("{}\\n{}", "x".repeat(100), "y".repeat(57)),
        format!("\\u00e9{}\\ud83d\\ude00", "z".repeat(300)),
    ] {
        let text = format!("\"{raw}\"");
        let mut reader = Reader::new(&text);
        let decoded = reader.string().unwrap();
        let std::borrow::Cow::Owned(owned) = &decoded else {
            panic!("an escaped string is owned")
        };
        assert_eq!(owned.capacity(), raw.len() + 1, "{raw}");
        assert_eq!(decoded, serde_json::from_str::<String>(&text).unwrap());
    }
}

#[test]
fn serde_json_markers_are_plain_keys_here() {
    // serde_json (arbitrary_precision, raw_value) reads these as a number and a raw value.
    let number = r#"{"$serde_json::private::Number":"1"}"#;
    assert_eq!(
        json::parse(number).unwrap(),
        serde_json::json!({"$serde_json::private::Number": "1"})
    );
    assert_eq!(
        serde_json::from_str::<Value>(number).unwrap(),
        serde_json::json!(1)
    );
}

#[test]
fn raw_values_and_strings() {
    let mut reader = Reader::new(r#" {"a": [1, {"b": "c"}], "d": "e\"f", "g": -1.5e3 } "#);
    let mut seen = Vec::new();
    reader
        .object(|reader, key| {
            seen.push((key.into_owned(), reader.raw()?.to_owned()));
            Ok(())
        })
        .unwrap();
    reader.end().unwrap();
    assert_eq!(
        seen,
        [
            ("a".to_owned(), r#"[1, {"b": "c"}]"#.to_owned()),
            ("d".to_owned(), r#""e\"f""#.to_owned()),
            ("g".to_owned(), "-1.5e3".to_owned()),
        ]
    );
    assert_eq!(json::string(r#""plain""#).as_deref(), Some("plain"));
    assert!(matches!(
        json::string(r#""plain""#),
        Some(std::borrow::Cow::Borrowed(_))
    ));
    assert_eq!(json::string(r#""a\u0062""#).as_deref(), Some("ab"));
    assert_eq!(json::string("1"), None);
    assert_eq!(json::string(r#""a" 1"#), None);
    assert!(json::is_json(" [1, {}] "));
    assert!(!json::is_json("[1, {}] x"));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,6}", inner), 0..6)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_generated_value_reads_back(value in json_value()) {
        let compact = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(json::parse(&compact).ok(), Some(value.clone()));
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(json::parse(&pretty).ok(), Some(value));
    }

    #[test]
    fn a_changed_text_is_read_as_serde_json_reads_it(
        value in json_value(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..12), 1..4),
    ) {
        let mut text = serde_json::to_string(&value).unwrap().into_bytes();
        for (at, edit) in edits {
            if text.is_empty() {
                break;
            }
            let at = at.index(text.len());
            let byte = b"\"\\{}[],:0-eu"[usize::from(edit)];
            if edit % 3 == 0 {
                text.remove(at);
            } else {
                text.insert(at, byte);
            }
        }
        if let Ok(text) = String::from_utf8(text) {
            prop_assert!(agree(&text).is_ok(), "{}", agree(&text).unwrap_err());
            // Skipping checks what serde_json's skipping checks.
            prop_assert_eq!(
                json::is_json(&text),
                serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
                "{}", text
            );
        }
    }
}

// The writer (`json::ToJson`) writes what serde_json writes for the same values: the wasm
// module uses it, natively the types keep their serde derives.

#[path = "support/samples.rs"]
mod samples;

mod writer {
    use super::*;
    use sajtmaskin_integrations::cards::{
        CheckRecord, InstallKey, InstallRecord, McpServerRecord, Verification,
    };
    use sajtmaskin_integrations::json::ToJson;
    use sajtmaskin_integrations::session::{SessionOptions, StreamSession};
    use sajtmaskin_integrations::wire::{
        CreateEnvVars, DeleteEnvVars, EnvVarUpdate, NewEnvVar, UpdateEnvVars,
    };

    fn same<T: ToJson + serde::Serialize + ?Sized>(value: &T) {
        assert_eq!(value.to_json(), serde_json::to_string(value).unwrap());
    }

    #[test]
    fn every_update_snapshot_and_card_of_the_samples() {
        let mut written = 0;
        for (name, bytes, _) in samples::SAMPLES {
            for chunk in [bytes.len(), 7] {
                let mut session = StreamSession::new(SessionOptions::default());
                for piece in bytes.chunks(chunk.max(1)) {
                    for update in session.feed(piece) {
                        same(&update);
                        written += 1;
                    }
                }
                session.finish().iter().for_each(same);
                same(session.snapshot());
                same(&*session.shown_snapshot());
                same(&*session.shown_parts_from(0));
                // Cards with every status, key state, check and action the book can show.
                session.set_project_env_keys(["DATABASE_URL", "CLERK_SECRET_KEY"]);
                same(&session.cards());
                let records = [InstallRecord {
                    integration_type: "upstash".into(),
                    status: "installed".into(),
                    env_vars: vec![InstallKey {
                        key: "KV_REST_API_URL".into(),
                    }],
                }];
                same(&session.set_install_records(&records));
                same(&session.set_mcp_servers(&[McpServerRecord {
                    preset: Some("sentry".into()),
                    enabled: true,
                }]));
                let checks = [
                    CheckRecord {
                        provider: "neon".into(),
                        status: Verification::Invalid,
                    },
                    CheckRecord {
                        provider: "upstash".into(),
                        status: Verification::Verified,
                    },
                ];
                same(&session.set_checks(&checks));
                assert!(!name.is_empty());
            }
        }
        assert!(written > 1000, "{written} updates");
    }

    #[test]
    fn request_bodies() {
        same(&CreateEnvVars {
            vars: vec![
                NewEnvVar {
                    key: "A".into(),
                    value: "x\"y\\z\n\u{1}é".into(),
                    sensitive: true,
                },
                NewEnvVar {
                    key: "B".into(),
                    value: String::new(),
                    sensitive: false,
                },
            ],
            upsert: true,
        });
        same(&UpdateEnvVars {
            vars: vec![EnvVarUpdate {
                id: "env_1".into(),
                value: "\u{7f}\u{1f}".into(),
            }],
        });
        for (ids, keys) in [
            (None, None),
            (Some(vec!["env_1".to_owned()]), None),
            (None, Some(vec![])),
            (Some(vec![]), Some(vec!["K".to_owned()])),
        ] {
            same(&DeleteEnvVars { ids, keys });
        }
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_json_escapes_it() {
        let text: String = (0u8..=0x7f)
            .map(char::from)
            .chain("é😀\u{2028}".chars())
            .collect();
        same(&text);
        same(&serde_json::json!({"a\u{0}b": [text, 1.5e300, -0, null, true, {}]}));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn every_generated_value(value in json_value()) {
            prop_assert_eq!(value.to_json(), serde_json::to_string(&value).unwrap());
            // The bound a body's buffer is sized by holds the text.
            prop_assert!(value.to_json().len() <= json::max_len(&value));
        }
    }
}
