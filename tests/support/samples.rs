//! Shared by the sample tests (native and wasm): the fields of a snapshot the samples pin,
//! and, for the browser tests that cannot read the file system, the samples themselves.
#![allow(dead_code)]

use serde_json::{json, Value};

/// The fields of `.expected.json` a snapshot must reproduce.
pub const PINNED: [&str; 10] = [
    "format",
    "chatId",
    "projectId",
    "title",
    "text",
    "thinking",
    "done",
    "error",
    "finalParts",
    "finalContent",
];

/// A snapshot's pinned fields, named as in `.expected.json`.
pub fn pinned(snapshot: &Value) -> Value {
    let v1 = snapshot["format"] == "v0-v1";
    json!({
        "format": snapshot["format"], "chatId": snapshot["chatId"], "projectId": snapshot["projectId"],
        "title": snapshot["title"], "text": snapshot["text"], "thinking": snapshot["thinking"],
        "done": snapshot["done"], "error": snapshot["error"],
        "finalParts": if v1 { Value::Null } else { snapshot["parts"].clone() },
        "finalContent": if v1 { snapshot["content"].clone() } else { Value::Null },
    })
}

/// The pinned fields of an `.expected.json`.
pub fn expected_pinned(expected: &Value) -> Value {
    Value::Object(
        PINNED
            .iter()
            .map(|k| (k.to_string(), expected[*k].clone()))
            .collect(),
    )
}

macro_rules! sample {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../fixtures/v0-streams/", $name, ".sse")).as_slice(),
            include_str!(concat!("../fixtures/v0-streams/", $name, ".expected.json")),
        )
    };
}

/// The in-tree samples, compiled in (name, stream, expected JSON).
pub const SAMPLES: &[(&str, &[u8], &str)] = &[
    sample!("s01-v2-chat-pottery-text-only"),
    sample!("s02-v2-message-neon-guestbook"),
    sample!("s03-v2-message-linear-connect-resume"),
    sample!("s04-v2-chat-sentry-mcp"),
    sample!("s05-v2-chat-recipe-error"),
    sample!("s06-v1-countdown-thinking-code"),
    sample!("s07-v1-clerk-install-task"),
    sample!("s08-proxy-upstash-dedupe"),
    sample!("s09-proxy-crlf-blob-keepalive"),
    sample!("s10-proxy-rsvp-error"),
];
