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
        }
    }
}
