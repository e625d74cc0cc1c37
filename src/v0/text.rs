//! The visible text and thinking of a message, derived from its reconstructed state.
//!
//! ```
//! use serde_json::json;
//! use sajtmaskin_integrations::v0::text::{v1_text, v2_text};
//!
//! let parts = json!([{"type": "text", "text": "Hej"}, {"type": "bash"}, {"type": "text", "text": "då"}]);
//! assert_eq!(v2_text(&parts), "Hej\n\ndå");
//! let content = json!([[0, [["p", {}, ["text", {}, "Hej "], ["strong", {}, ["text", {}, "då"]]]]]]);
//! assert_eq!(v1_text(&content), "Hej då");
//! ```

use serde_json::Value;

use super::v1::{v1_nodes, v1_parts};

/// v2: the `text` of every part of `kind`, joined with a blank line.
fn v2_join(parts: &Value, kind: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for part in parts.as_array().into_iter().flatten() {
        if part.get("type").and_then(Value::as_str) != Some(kind) {
            continue;
        }
        let text = part.get("text").and_then(Value::as_str).unwrap_or_default();
        match out.as_mut() {
            Some(joined) => {
                joined.push_str("\n\n");
                joined.push_str(text);
            }
            None => out = Some(text.to_owned()),
        }
    }
    out
}

/// v2 text: the `text` parts joined with `"\n\n"`.
pub fn v2_text(parts: &Value) -> String {
    v2_join(parts, "text").unwrap_or_default()
}

/// v2 thinking: the `thinking` parts joined with `"\n\n"`, `None` if there are none.
pub fn v2_thinking(parts: &Value) -> Option<String> {
    v2_join(parts, "thinking")
}

/// v1 text: every `["text", {…}, "…"]` node, depth first, concatenated. Code blocks and
/// other nodes' own strings are not text.
pub fn v1_text(content: &Value) -> String {
    let mut out = String::new();
    // An explicit stack instead of recursion: deeply nested input must not overflow it.
    let mut stack: Vec<&Value> = v1_nodes(content).collect();
    stack.reverse();
    while let Some(node) = stack.pop() {
        let Some(items) = node.as_array() else {
            continue;
        };
        let children = items.get(2..).unwrap_or_default();
        if items.first().and_then(Value::as_str) == Some("text") {
            for child in children {
                if let Some(s) = child.as_str() {
                    out.push_str(s);
                }
            }
        } else {
            stack.extend(children.iter().rev().filter(|c| c.is_array()));
        }
    }
    out
}

/// v1 thinking: the `thought` of each `thinking-end` inside `task-thinking-v1` parts, joined
/// with `"\n\n"`; `None` if there is none.
pub fn v1_thinking(content: &Value) -> Option<String> {
    let thoughts: Vec<&str> = v1_parts(content)
        .filter(|part| part.get("type").and_then(Value::as_str) == Some("task-thinking-v1"))
        .flat_map(|part| {
            part.get("parts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter(|step| step.get("type").and_then(Value::as_str) == Some("thinking-end"))
        .filter_map(|step| step.get("thought").and_then(Value::as_str))
        .collect();
    (!thoughts.is_empty()).then(|| thoughts.join("\n\n"))
}
