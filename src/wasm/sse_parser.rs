//! `SseParser` for JS: the WHATWG event-stream parser over `Uint8Array` chunks.

use wasm_bindgen::prelude::*;

use super::error::to_js;
use super::options as opt;
use super::read::Fields;
use crate::json::{Object, ToJson};
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

// The events of one `feed` cross as one string and JS cuts it at CRs. No field can hold a CR:
// the event stream format ends a line at every CR, and the data lines are joined with LF. Each
// event is `\u{1}data\r`, or `\u{2}event\rid\rdata\r` when its type or id differs from the
// event before it in the string: v0's events are all `message` with one id, so JS mostly finds
// one CR and slices one field per event. (Serializing the events as JSON, every quote of v0's
// JSON data escaped and then `JSON.parse`d, delivered them at a third of eventsource-parser's
// speed; cutting them at UTF-16 lengths took a length count per field in wasm; every field of
// every event in the string, each cut with `indexOf`, was 5-18% slower at 16 KiB in Node and
// Chromium, and the same at 512 B.)
#[wasm_bindgen(inline_js = r#"
export function sse_events(text) {
  const events = [];
  let event = "", id = "";
  for (let at = 0; at < text.length;) {
    if (text.charCodeAt(at++) === 2) {
      const a = text.indexOf("\r", at), b = text.indexOf("\r", a + 1);
      event = text.slice(at, a);
      id = text.slice(a + 1, b);
      at = b + 1;
    }
    const end = text.indexOf("\r", at);
    events.push({ event, data: text.slice(at, end), id });
    at = end + 1;
  }
  return events;
}
"#)]
extern "C" {
    fn sse_events(text: &str) -> JsValue;
}

/// The events of one `feed`, gathered for one crossing (see `sse_events`).
struct Batch<'p> {
    text: String,
    /// The type and id of the event before (kept by the parser, so their buffers are reused).
    /// The first event of a batch always says its own: JS reads each batch afresh.
    header: &'p mut (String, String),
}

impl<'p> Batch<'p> {
    fn new(header: &'p mut (String, String)) -> Self {
        Batch {
            text: String::new(),
            header,
        }
    }

    fn push(&mut self, event: sse::SseEventRef<'_>) {
        let (kind, id) = &mut *self.header;
        // Every event adds at least its tag, so an empty text means the batch's first event.
        if !self.text.is_empty() && kind == event.event && id == event.id {
            self.text.push('\u{1}');
        } else {
            self.text.push('\u{2}');
            for field in [event.event, event.id] {
                self.text.push_str(field);
                self.text.push('\r');
            }
            kind.clear();
            kind.push_str(event.event);
            id.clear();
            id.push_str(event.id);
        }
        self.text.push_str(event.data);
        self.text.push('\r');
    }

    /// The events as JS objects.
    fn into_js(self) -> JsValue {
        sse_events(&self.text)
    }
}

struct Dropped {
    code: &'static str,
    message: String,
}

impl ToJson for Dropped {
    fn write_json(&self, out: &mut String) {
        let mut dropped = Object::new(out);
        dropped
            .field("code", self.code)
            .field("message", &self.message);
        dropped.end();
    }
}

/// The WHATWG "parse an event stream" algorithm, fed with bytes.
#[wasm_bindgen]
pub struct SseParser {
    inner: sse::SseParser,
    dropped: Vec<Dropped>,
    /// The type and id of the last event handed to JS (see `Batch`).
    header: (String, String),
}

#[wasm_bindgen]
impl SseParser {
    /// `new SseParser({ maxEventBytes? })`; throws `invalid_options` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SseParserOptions | undefined")] options: JsValue,
    ) -> Result<SseParser, JsValue> {
        let options = Fields::options(options, "options")?;
        let bound = opt::max_event_bytes(options.number("maxEventBytes")?)?;
        Ok(SseParser {
            inner: sse::SseParser::with_max_event_bytes(bound),
            dropped: Vec::new(),
            header: Default::default(),
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
        let mut batch = Batch::new(&mut self.header);
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
        let mut batch = Batch::new(&mut self.header);
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
