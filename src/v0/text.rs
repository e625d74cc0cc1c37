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

/// The `text` of every part of one type, joined with a blank line, kept up to date part by
/// part: it remembers how long the join was before each part, so a change from part `from` on
/// cuts the join there and reads only those parts again.
#[derive(Debug, Clone, Default)]
struct Join {
    out: Option<String>,
    /// The join's length before each part (`None`: no part of the type before it).
    marks: Vec<Option<usize>>,
}

impl Join {
    /// Returns how many bytes at the start of the join are as they were before.
    fn update(&mut self, parts: &Value, from: usize, kind: &str) -> usize {
        let from = from.min(self.marks.len());
        let unchanged = match self.marks.get(from).copied() {
            Some(None) => {
                self.out = None;
                0
            }
            Some(Some(len)) => {
                if let Some(out) = self.out.as_mut() {
                    out.truncate(len);
                }
                len
            }
            None => self.out.as_ref().map_or(0, String::len),
        };
        self.marks.truncate(from);
        for part in parts.as_array().into_iter().flatten().skip(from) {
            self.marks.push(self.out.as_ref().map(String::len));
            if part.get("type").and_then(Value::as_str) != Some(kind) {
                continue;
            }
            let text = part.get("text").and_then(Value::as_str).unwrap_or_default();
            match self.out.as_mut() {
                Some(joined) => {
                    joined.push_str("\n\n");
                    joined.push_str(text);
                }
                None => self.out = Some(text.to_owned()),
            }
        }
        unchanged
    }
}

/// v2: the `text` of every part of `kind`, joined with a blank line.
fn v2_join(parts: &Value, kind: &str) -> Option<String> {
    let mut join = Join::default();
    join.update(parts, 0, kind);
    join.out
}

/// v2 text and thinking of a message whose parts change, re-read only from the first changed
/// part on (a stream that adds parts one by one would otherwise read them all every time).
#[derive(Debug, Clone, Default)]
pub struct V2Joined {
    text: Join,
    thinking: Join,
}

impl V2Joined {
    /// Brings both joins up to date with `parts`, which changed from index `from` on; returns
    /// how many bytes at the start of the text and of the thinking are as they were.
    pub fn update(&mut self, parts: &Value, from: usize) -> (usize, usize) {
        (
            self.text.update(parts, from, "text"),
            self.thinking.update(parts, from, "thinking"),
        )
    }

    /// As [`v2_text`].
    pub fn text(&self) -> &str {
        self.text.out.as_deref().unwrap_or_default()
    }

    /// As [`v2_thinking`].
    pub fn thinking(&self) -> Option<&str> {
        self.thinking.out.as_deref()
    }
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

// proptest is a native dev-dependency only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::{v2_text, v2_thinking, V2Joined};

    fn part() -> impl Strategy<Value = Value> {
        let kinds = prop_oneof![Just("text"), Just("thinking"), Just("tool-call")];
        (kinds, "[a-c]{0,3}").prop_map(|(kind, text)| json!({"type": kind, "text": text}))
    }

    proptest! {
        // Kept up to date from the first changed part, the joins equal a full join.
        #[test]
        fn the_incremental_join_equals_the_full_join(
            steps in proptest::collection::vec((0..12usize, proptest::collection::vec(part(), 0..6)), 1..12)
        ) {
            let mut parts: Vec<Value> = Vec::new();
            let mut joined = V2Joined::default();
            for (at, replacement) in steps {
                let at = at.min(parts.len());
                parts.truncate(at);
                parts.extend(replacement);
                let state = Value::Array(parts.clone());
                let before = joined.text().to_owned();
                let (same, _) = joined.update(&state, at);
                prop_assert_eq!(before.get(..same), joined.text().get(..same));
                prop_assert_eq!(joined.text(), v2_text(&state));
                prop_assert_eq!(joined.thinking().map(str::to_owned), v2_thinking(&state));
            }
        }
    }
}
