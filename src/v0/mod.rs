//! The v0 stream model: SSE events → typed v0 events → message state.
//!
//! - [`patch`] applies jsondiffpatch deltas (and v0's append shortcut) to JSON state;
//! - [`decode`] turns one SSE event into a typed [`decode::V0Event`] for any of the three
//!   input formats;
//! - [`chunk`] applies v0's common events (v2: a part's fields set, parts added at the end; v1:
//!   the append shortcut) in one pass over the event's text, and leaves every other event to
//!   `decode` and `patch`; [`grow`] takes the most frequent of them, a part's text grown by a
//!   suffix, by comparing bytes with the state;
//! - [`v1`] walks the tree of v1 content (rows, nodes, the parts inside);
//! - [`text`] derives the visible text and thinking from the reconstructed state.
//!
//! The session that ties them together is [`crate::session::StreamSession`].

pub mod chunk;
pub mod decode;
pub mod grow;
pub mod patch;
pub mod text;
pub mod textdiff;
pub mod v1;

use serde::{Deserialize, Serialize};

/// The three input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// Legacy `experimental_stream`: `experimental_content` deltas, ends with `[DONE]`.
    #[serde(rename = "v0-v1")]
    V1,
    /// v0 Platform API v2: `message.parts.chunk` deltas against `parts`.
    #[serde(rename = "v0-v2")]
    V2,
    /// The builder's proxy: named events with JSON data.
    #[serde(rename = "proxy")]
    Proxy,
}

impl Format {
    /// The name used in options and snapshots.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::V1 => "v0-v1",
            Format::V2 => "v0-v2",
            Format::Proxy => "proxy",
        }
    }
}
