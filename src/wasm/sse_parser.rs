//! `SseParser` for JS: the WHATWG event-stream parser over `Uint8Array` chunks.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::error::to_js;
use super::js_length;
use super::options as opt;
use crate::sse;

#[wasm_bindgen(typescript_custom_section)]
const TS_SSE: &str = r#"
/** One dispatched event. `id` is the last event id in force ("" if none). */
export interface SseEvent { event: string; data: string; id: string }
export interface SseParserOptions {
  /** Bound on the bytes one event may hold; larger events are dropped (default 8 MiB). */
  maxEventBytes?: number;
}
/** An event the parser dropped; parsing went on after it. */
export interface SseDropped { code: "sse_event_too_large"; message: string }
"#;

// The events of one `feed` cross as one string and the UTF-16 lengths of its fields; JS cuts
// the objects out of it. Serializing them as JSON (escaping every quote of v0's JSON data, then
// `JSON.parse`) delivered them at a third of eventsource-parser's speed.
#[wasm_bindgen(inline_js = r#"
export function sse_events(text, lengths) {
  const events = new Array(lengths.length / 3);
  let at = 0;
  for (let i = 0, k = 0; i < events.length; i++, k += 3) {
    const event = text.substring(at, (at += lengths[k]));
    const data = text.substring(at, (at += lengths[k + 1]));
    const id = text.substring(at, (at += lengths[k + 2]));
    events[i] = { event, data, id };
  }
  return events;
}
"#)]
extern "C" {
    fn sse_events(text: &str, lengths: &[u32]) -> JsValue;
}

/// The events of one `feed`, gathered for one crossing: their fields one after another, and the
/// UTF-16 length of each.
#[derive(Default)]
struct Batch {
    text: String,
    lengths: Vec<u32>,
}

impl Batch {
    fn push(&mut self, event: sse::SseEventRef<'_>) {
        for field in [event.event, event.data, event.id] {
            self.text.push_str(field);
            self.lengths.push(js_length(field));
        }
    }

    /// The events as JS objects.
    fn into_js(self) -> JsValue {
        sse_events(&self.text, &self.lengths)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    max_event_bytes: Option<f64>,
}

#[derive(Serialize)]
struct Dropped {
    code: &'static str,
    message: String,
}

/// The WHATWG "parse an event stream" algorithm, fed with bytes.
#[wasm_bindgen]
pub struct SseParser {
    inner: sse::SseParser,
    dropped: Vec<Dropped>,
}

#[wasm_bindgen]
impl SseParser {
    /// `new SseParser({ maxEventBytes? })`; throws `invalid_options` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SseParserOptions | undefined")] options: JsValue,
    ) -> Result<SseParser, JsValue> {
        let options: Options = opt::from_js(options)?;
        let bound = opt::max_event_bytes(options.max_event_bytes)?;
        Ok(SseParser {
            inner: sse::SseParser::with_max_event_bytes(bound),
            dropped: Vec::new(),
        })
    }

    /// Feeds a chunk (split anywhere, even inside a code point or a CRLF) and returns the
    /// events it completed. Events dropped for size are kept for `takeDropped()`.
    #[wasm_bindgen(unchecked_return_type = "SseEvent[]")]
    pub fn feed(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] chunk: &[u8],
    ) -> Result<JsValue, JsValue> {
        // Each event is copied straight from the parser's buffers into the batch.
        let mut batch = Batch::default();
        let dropped = &mut self.dropped;
        self.inner.feed_borrowed(chunk, |item| match item {
            Ok(event) => batch.push(event),
            Err(err) => dropped.push(Dropped {
                code: err.code(),
                message: err.to_string(),
            }),
        });
        Ok(batch.into_js())
    }

    /// Ends the stream: an unterminated final event is discarded, so this returns `[]`.
    #[wasm_bindgen(unchecked_return_type = "SseEvent[]")]
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let mut batch = Batch::default();
        for event in self.inner.finish() {
            batch.push(event.borrowed());
        }
        Ok(batch.into_js())
    }

    /// The events dropped since the last call (oversized events), oldest first.
    #[wasm_bindgen(js_name = takeDropped, unchecked_return_type = "SseDropped[]")]
    pub fn take_dropped(&mut self) -> Result<JsValue, JsValue> {
        Ok(to_js(&std::mem::take(&mut self.dropped))?)
    }

    /// The last valid `retry` value in milliseconds, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn retry(&self) -> Option<f64> {
        self.inner.retry().map(|ms| ms as f64)
    }

    /// The last event id string in force.
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.inner.last_event_id().to_owned()
    }
}
