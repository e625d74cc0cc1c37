//! What a session reports: updates as they happen, and the state so far.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cards::IntegrationCard;
use crate::json::{Object, ToJson};
use crate::v0::Format;

/// One change the UI may render. Serialized with a `type` tag, as in the JS contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum StreamUpdate {
    /// The chat id became known.
    ChatId {
        /// The v0 chat id.
        id: String,
    },
    /// The project id became known.
    ProjectId {
        /// Vercel project id (v2, proxy) or v0 project id (v1).
        id: String,
        /// The v0 project id, when the proxy names it.
        #[serde(rename = "v0ProjectId", skip_serializing_if = "Option::is_none")]
        v0_project_id: Option<String>,
    },
    /// The chat title so far.
    Title {
        /// The whole title so far (v0 sends it whole, not as a suffix).
        title: String,
    },
    /// Text added since the last `content` update.
    Content {
        /// The added text; with `reset`, the whole text.
        delta: String,
        /// The text changed other than by appending: `delta` replaces everything shown.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        reset: bool,
    },
    /// Thinking added since the last `thinking` update.
    Thinking {
        /// The added thinking; with `reset`, the whole thinking.
        delta: String,
        /// As for `content`.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        reset: bool,
    },
    /// The parts (v2, proxy) changed from index `from` on: the parts before it are as they
    /// were, those from it on were added, replaced or removed. The parts themselves do not
    /// cross here (that made every update cost as much as the whole array): read the changed
    /// ones with `StreamSession::parts_from(from)`.
    Parts {
        /// The first index that changed.
        from: usize,
        /// How many parts there are now.
        length: usize,
    },
    /// Integration cards that are new or changed (never a duplicate: one card per
    /// provider and kind, updated in place).
    Cards {
        /// The new or changed cards.
        cards: Vec<IntegrationCard>,
    },
    /// Token and credit usage.
    Usage {
        /// As sent by v0.
        usage: Value,
    },
    /// The stream completed.
    Done {
        /// The proxy's `done` payload (empty for v0 streams).
        #[serde(flatten)]
        info: Map<String, Value>,
    },
    /// Something went wrong.
    Error {
        /// Stable code: v0's own for fatal errors; ours (`invalid_json`, `delta_mismatch`, …)
        /// for input we could not use.
        code: String,
        /// Human-readable message.
        message: String,
        /// True for an error v0 or the proxy reported (the generation stopped); false for an
        /// event this reader could not use (skipped; the session goes on).
        fatal: bool,
    },
}

/// A fatal error reported by the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamError {
    /// `message`.
    pub message: String,
    /// `code`.
    pub code: String,
}

/// The state reconstructed so far.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StreamSnapshot {
    /// Detected or chosen format; `None` until known.
    pub format: Option<Format>,
    /// The v0 chat id, from the first event that names one.
    pub chat_id: Option<String>,
    /// Project id (see [`StreamUpdate::ProjectId`]).
    pub project_id: Option<String>,
    /// The v0 project id named by the proxy.
    pub v0_project_id: Option<String>,
    /// The last title v0 sent; `None` for message streams.
    pub title: Option<String>,
    /// v2: text parts joined with a blank line; v1: text nodes in document order; proxy: the
    /// content deltas concatenated.
    pub text: String,
    /// The thinking, `None` if there is none.
    pub thinking: Option<String>,
    /// v2 and proxy: the parts.
    pub parts: Option<Arc<Value>>,
    /// v1: the `experimental_content`.
    pub content: Option<Value>,
    /// The stream completed without an error.
    pub done: bool,
    /// A fatal error reported by the stream.
    pub error: Option<StreamError>,
    /// The last usage report.
    pub usage: Option<Value>,
    /// The proxy's `meta` event.
    pub meta: Option<Value>,
}

// The updates' and the snapshot's JSON for JS, as their serde derives write them
// (`crate::json::ToJson`).
impl ToJson for StreamUpdate {
    fn write_json(&self, out: &mut String) {
        let mut update = Object::new(out);
        match self {
            StreamUpdate::ChatId { id } => update.field("type", "chatId").field("id", id),
            StreamUpdate::ProjectId { id, v0_project_id } => update
                .field("type", "projectId")
                .field("id", id)
                .some("v0ProjectId", v0_project_id),
            StreamUpdate::Title { title } => update.field("type", "title").field("title", title),
            StreamUpdate::Content { delta, reset } | StreamUpdate::Thinking { delta, reset } => {
                let kind = match self {
                    StreamUpdate::Content { .. } => "content",
                    _ => "thinking",
                };
                update.field("type", kind).field("delta", delta);
                if *reset {
                    update.field("reset", &true);
                }
                &mut update
            }
            StreamUpdate::Parts { from, length } => update
                .field("type", "parts")
                .field("from", from)
                .field("length", length),
            StreamUpdate::Cards { cards } => update.field("type", "cards").field("cards", cards),
            StreamUpdate::Usage { usage } => update.field("type", "usage").field("usage", usage),
            StreamUpdate::Done { info } => update.field("type", "done").flatten(info),
            StreamUpdate::Error {
                code,
                message,
                fatal,
            } => update
                .field("type", "error")
                .field("code", code)
                .field("message", message)
                .field("fatal", fatal),
        };
        update.end();
    }
}

impl ToJson for StreamError {
    fn write_json(&self, out: &mut String) {
        let mut error = Object::new(out);
        error
            .field("message", &self.message)
            .field("code", &self.code);
        error.end();
    }
}

impl ToJson for StreamSnapshot {
    fn write_json(&self, out: &mut String) {
        let mut snapshot = Object::new(out);
        snapshot
            .field("format", &self.format.map(Format::as_str))
            .field("chatId", &self.chat_id)
            .field("projectId", &self.project_id)
            .field("v0ProjectId", &self.v0_project_id)
            .field("title", &self.title)
            .field("text", &self.text)
            .field("thinking", &self.thinking)
            .field("parts", &self.parts)
            .field("content", &self.content)
            .field("done", &self.done)
            .field("error", &self.error)
            .field("usage", &self.usage)
            .field("meta", &self.meta);
        snapshot.end();
    }
}
