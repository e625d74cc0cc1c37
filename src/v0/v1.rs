//! The shape of v1 (`experimental_stream`) content: rows `[0, [node, …]]`, where a node is
//! `[tag, attrs, ...children]` and `AssistantMessageContentPart` nodes carry the message's
//! parts (thinking, tasks). Text and signals both walk it through these two functions.

use serde_json::Value;

/// The nodes of v1 content: rows `[0, [node, …]]`; a node is `[tag, attrs, ...children]`.
pub fn v1_nodes(content: &Value) -> impl Iterator<Item = &Value> {
    content
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row.get(1).and_then(Value::as_array))
        .flatten()
}

/// v1: the `part` objects of `AssistantMessageContentPart` nodes at the top of each row.
pub fn v1_parts(content: &Value) -> impl Iterator<Item = &Value> {
    v1_nodes(content).filter_map(|node| {
        let items = node.as_array()?;
        if items.first()?.as_str()? != "AssistantMessageContentPart" {
            return None;
        }
        items.get(1)?.get("part")
    })
}
