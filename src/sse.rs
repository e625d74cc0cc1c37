//! A sans-IO Server-Sent Events parser.
//!
//! It implements the WHATWG HTML rules "parse an event stream" and "interpret an event
//! stream" (§9.2.6 of the HTML standard), rule by rule; each rule is named in a comment
//! beside the code that implements it. Bytes go in, events come out; the caller owns the I/O.
//!
//! ```
//! use sajtmaskin_integrations::sse::SseParser;
//!
//! let mut parser = SseParser::new();
//! let mut events = parser.feed(b"event: greeting\ndata: hej\r");
//! events.extend(parser.feed(b"\n\n"));
//! assert_eq!(events.len(), 1);
//! assert_eq!(events[0].event, "greeting");
//! assert_eq!(events[0].data, "hej");
//! ```
//!
//! Properties the tests pin:
//! - the output does not depend on how the input is split into chunks;
//! - each input byte is scanned once (linear time whatever the chunking);
//! - an event whose lines (comments aside) add up to more than
//!   [`SseParser::max_event_bytes`] is dropped, reported as [`SseError::EventTooLarge`], and
//!   parsing resumes after the next blank line; so the parser never holds more than that
//!   (decoded: at most 3× as many bytes, if every byte is invalid UTF-8 and becomes U+FFFD).

use std::borrow::Cow;

use serde::Serialize;

/// Default bound on the bytes one event may hold: 8 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

/// A line, data or event-type buffer that grew past this is released once its line or event is
/// done, so one huge event does not pin its memory for the rest of the stream.
const SHRINK_ABOVE: usize = 64 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SseEvent {
    /// The `event` field, or `"message"` when none (or an empty one) was given.
    pub event: String,
    /// The `data` lines joined with LF.
    pub data: String,
    /// The last event id in force when the event was dispatched (empty if none).
    pub id: String,
}

impl SseEvent {
    /// The event as borrowed strings.
    pub fn borrowed(&self) -> SseEventRef<'_> {
        SseEventRef {
            event: &self.event,
            data: &self.data,
            id: &self.id,
        }
    }
}

/// One dispatched event, borrowed from the parser's buffers for the length of a
/// [`SseParser::feed_borrowed`] callback: nothing is allocated per event, and the buffers are
/// reused for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEventRef<'a> {
    /// As [`SseEvent::event`].
    pub event: &'a str,
    /// As [`SseEvent::data`].
    pub data: &'a str,
    /// As [`SseEvent::id`].
    pub id: &'a str,
}

impl SseEventRef<'_> {
    /// The event with owned strings.
    pub fn to_event(&self) -> SseEvent {
        SseEvent {
            event: self.event.to_owned(),
            data: self.data.to_owned(),
            id: self.id.to_owned(),
        }
    }
}

/// Something the parser dropped; parsing goes on after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// An event held more than `max_event_bytes`; it was discarded up to the next blank line.
    #[error("an event exceeded the limit of {limit} bytes and was dropped")]
    EventTooLarge {
        /// The bound in force.
        limit: usize,
    },
}

impl SseError {
    /// A stable machine-readable code (the JS `Error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            SseError::EventTooLarge { .. } => "sse_event_too_large",
        }
    }
}

/// Where the start-of-stream BOM check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    /// At the start of a stream; this many bytes of `EF BB BF` matched so far.
    Checking(u8),
    /// Past the start of the stream.
    Done,
}

/// The sans-IO parser. See the module docs.
#[derive(Debug, Clone)]
pub struct SseParser {
    max_event_bytes: usize,
    bom: Bom,
    /// The previous chunk ended in CR: an LF at the start of the next one belongs to it.
    after_cr: bool,
    /// Bytes of the current line not yet terminated (only when a line spans chunks).
    line: Vec<u8>,
    /// While true, an event overflowed: everything is skipped up to the next blank line.
    skipping: bool,
    /// In skipping mode: whether the current line has any bytes (a blank line ends skipping).
    skip_line_nonempty: bool,
    /// The line being read is a comment spanning chunks: its bytes are not kept.
    in_comment: bool,
    /// Bytes of the non-comment lines of the current event so far: the measure bounded by
    /// `max_event_bytes`. Counting raw lines (not the decoded fields) makes the bound
    /// independent of chunking.
    event_bytes: usize,
    data: String,
    event_type: String,
    id_buffer: String,
    last_event_id: String,
    retry: Option<u64>,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default 8 MiB event bound.
    pub fn new() -> Self {
        Self::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A parser whose events may hold at most `max_event_bytes` bytes (at least 1).
    pub fn with_max_event_bytes(max_event_bytes: usize) -> Self {
        SseParser {
            max_event_bytes: max_event_bytes.max(1),
            bom: Bom::Checking(0),
            after_cr: false,
            line: Vec::new(),
            skipping: false,
            skip_line_nonempty: false,
            in_comment: false,
            event_bytes: 0,
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            retry: None,
        }
    }

    /// The bound on one event's bytes.
    pub fn max_event_bytes(&self) -> usize {
        self.max_event_bytes
    }

    /// The last valid `retry` value seen, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The event source's last event ID string, as set at the last dispatch.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Bytes of heap the parser holds right now (capacity of its buffers). Used to show
    /// that memory stays flat however long the stream is.
    pub fn buffered_capacity(&self) -> usize {
        self.line.capacity()
            + self.data.capacity()
            + self.event_type.capacity()
            + self.id_buffer.capacity()
            + self.last_event_id.capacity()
    }

    /// Feeds one chunk and returns the events it completed; dropped events are skipped
    /// silently (use [`SseParser::feed_each`] to see them).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        self.feed_each(chunk, |item| {
            if let Ok(event) = item {
                events.push(event);
            }
        });
        events
    }

    /// Feeds one chunk, calling `sink` for every event completed and every event dropped,
    /// in stream order.
    pub fn feed_each(&mut self, chunk: &[u8], mut sink: impl FnMut(Result<SseEvent, SseError>)) {
        self.feed_borrowed(chunk, |item| sink(item.map(|event| event.to_event())));
    }

    /// As [`SseParser::feed_each`], with each event borrowed from the parser's buffers for the
    /// length of the call (the session reads events this way: no allocation per event).
    pub fn feed_borrowed(
        &mut self,
        chunk: &[u8],
        mut sink: impl FnMut(Result<SseEventRef<'_>, SseError>),
    ) {
        let mut rest = chunk;
        // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
        // Checked on bytes so a BOM split across chunks is still recognised; only one is
        // stripped, a later one is an ordinary character.
        while let Bom::Checking(matched) = self.bom {
            let Some((&byte, tail)) = rest.split_first() else {
                return;
            };
            let at = usize::from(matched);
            if BOM.get(at) == Some(&byte) {
                rest = tail;
                self.bom = if at + 1 == BOM.len() {
                    Bom::Done
                } else {
                    Bom::Checking(matched + 1)
                };
            } else {
                self.bom = Bom::Done;
                // The bytes that looked like a BOM start were content after all.
                let prefix = BOM.get(..at).unwrap_or_default();
                self.scan(prefix, &mut sink);
            }
        }
        self.scan(rest, &mut sink);
    }

    /// Ends the stream. "If the file ends in the middle of an event, before the final empty
    /// line, the final event is not dispatched": pending data is discarded, so this returns
    /// no events. The parser is then ready for a new stream (a reconnection): `retry` and the
    /// last event id carry over, a leading BOM is stripped again.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        self.bom = Bom::Checking(0);
        self.after_cr = false;
        self.line = Vec::new();
        self.skipping = false;
        self.skip_line_nonempty = false;
        self.in_comment = false;
        self.event_bytes = 0;
        self.data = String::new();
        self.event_type = String::new();
        self.id_buffer = self.last_event_id.clone();
        Vec::new()
    }

    /// Splits bytes into lines. "Lines must be separated by either a U+000D CARRIAGE RETURN
    /// U+000A LINE FEED (CRLF) character pair, a single U+000A LINE FEED (LF) character, or a
    /// single U+000D CARRIAGE RETURN (CR) character." CR and LF never occur inside a UTF-8
    /// multi-byte sequence, so splitting bytes before decoding is exact, and a code point split
    /// across chunks is decoded whole once its line is complete.
    fn scan(&mut self, mut bytes: &[u8], sink: &mut impl FnMut(Result<SseEventRef<'_>, SseError>)) {
        if self.after_cr {
            match bytes.split_first() {
                // An empty chunk: the CR's partner may still come.
                None => return,
                // The LF of a CRLF whose CR ended the previous chunk.
                Some((b'\n', tail)) => bytes = tail,
                Some(_) => {}
            }
            self.after_cr = false;
        }
        while let Some(end) = memchr::memchr2(b'\r', b'\n', bytes) {
            let (head, tail) = bytes.split_at(end);
            let is_cr = tail.first() == Some(&b'\r');
            let mut next = tail.get(1..).unwrap_or_default();
            if is_cr {
                match next.first() {
                    Some(b'\n') => next = next.get(1..).unwrap_or_default(),
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            self.line_end(head, sink);
            bytes = next;
        }
        self.partial(bytes, sink);
    }

    /// Bytes of a line that is not terminated yet.
    fn partial(&mut self, bytes: &[u8], sink: &mut impl FnMut(Result<SseEventRef<'_>, SseError>)) {
        if bytes.is_empty() || self.in_comment {
            return;
        }
        if self.skipping {
            self.skip_line_nonempty = true;
            return;
        }
        if self.line.is_empty() && bytes.first() == Some(&b':') {
            // A comment is ignored whole, so its bytes need not be kept (keep-alive padding
            // of any length costs no memory).
            self.in_comment = true;
            return;
        }
        if self.event_bytes + self.line.len() + bytes.len() > self.max_event_bytes {
            self.overflow(sink);
            self.skip_line_nonempty = true;
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    /// A line terminator was reached; `tail` is the part of the line in this chunk.
    fn line_end(&mut self, tail: &[u8], sink: &mut impl FnMut(Result<SseEventRef<'_>, SseError>)) {
        if self.skipping {
            let blank = !self.skip_line_nonempty && tail.is_empty();
            self.skip_line_nonempty = false;
            if blank {
                // The blank line that ends the oversized event: drop it and resume.
                self.skipping = false;
                self.event_bytes = 0;
                self.data.clear();
                self.event_type.clear();
                self.id_buffer.clone_from(&self.last_event_id);
            }
            return;
        }
        if self.in_comment {
            self.in_comment = false;
            return;
        }
        let length = self.line.len() + tail.len();
        if tail.first() != Some(&b':') || !self.line.is_empty() {
            if self.event_bytes + length > self.max_event_bytes {
                self.overflow(sink);
                return;
            }
            self.event_bytes += length;
        }
        if self.line.is_empty() {
            self.process_line(tail, sink);
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        line.extend_from_slice(tail);
        self.process_line(&line, sink);
        if line.capacity() <= SHRINK_ABOVE {
            line.clear();
            self.line = line;
        }
    }

    /// The current event grew past the bound: report it and skip to the next blank line.
    fn overflow(&mut self, sink: &mut impl FnMut(Result<SseEventRef<'_>, SseError>)) {
        self.event_bytes = 0;
        self.line = Vec::new();
        self.data = String::new();
        self.event_type.clear();
        self.skipping = true;
        self.skip_line_nonempty = false;
        sink(Err(SseError::EventTooLarge {
            limit: self.max_event_bytes,
        }));
    }

    /// "Interpret an event stream", one line.
    fn process_line(
        &mut self,
        line: &[u8],
        sink: &mut impl FnMut(Result<SseEventRef<'_>, SseError>),
    ) {
        match line.first() {
            // "If the line is empty (a blank line): Dispatch the event."
            None => self.dispatch(sink),
            // "If the line starts with a U+003A COLON character (:): Ignore the line."
            Some(b':') => {}
            Some(_) => {
                // "If the line contains a U+003A COLON character: Collect the characters on
                // the line before the first U+003A COLON character, and let field be that
                // string. Collect the characters on the line after the first U+003A COLON
                // character, and let value be that string. If value starts with a U+0020
                // SPACE character, remove it from value." Otherwise: "using the whole line
                // as the field name, and the empty string as the field value."
                let (field, value) = match memchr::memchr(b':', line) {
                    Some(colon) => {
                        let (field, rest) = line.split_at(colon);
                        let value = rest.get(1..).unwrap_or_default();
                        (field, value.strip_prefix(b" ").unwrap_or(value))
                    }
                    None => (line, &[][..]),
                };
                self.process_field(field, value);
            }
        }
    }

    /// "Process the field", with field names compared case-sensitively.
    fn process_field(&mut self, field: &[u8], value: &[u8]) {
        match field {
            b"event" => {
                // "Set the event type buffer to field value."
                self.event_type.clear();
                self.event_type.push_str(&decode(value));
            }
            b"data" => {
                // "Append the field value to the data buffer, then append a single U+000A
                // LINE FEED (LF) character to the data buffer."
                let value = decode(value);
                // One allocation of the right size, instead of a second one for the LF.
                self.data.reserve(value.len() + 1);
                self.data.push_str(&value);
                self.data.push('\n');
            }
            // "If the field value does not contain U+0000 NULL, then set the last event ID
            // buffer to the field value. Otherwise, ignore the field." An empty value resets it.
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&decode(value));
            }
            // "If the field value consists of only ASCII digits, then interpret the field value
            // as an integer in base ten, and set the event stream's reconnection time to that
            // integer. Otherwise, ignore the field." A value too large for u64 is ignored too.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                if let Some(ms) = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    self.retry = Some(ms);
                }
            }
            // "Otherwise: The field is ignored."
            _ => {}
        }
    }

    /// "Dispatch the event".
    fn dispatch(&mut self, sink: &mut impl FnMut(Result<SseEventRef<'_>, SseError>)) {
        // 1. "Set the last event ID string of the event source to the value of the last
        //    event ID buffer. The buffer does not get reset, so the last event ID string of
        //    the event source remains set to this value until the next time it is set by
        //    the server."
        if self.last_event_id != self.id_buffer {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        // 2. "If the data buffer is an empty string, set the data buffer and the event type
        //    buffer to the empty string and return."
        self.event_bytes = 0;
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // 3. "If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        //    remove the last character from the data buffer."
        let data = self.data.strip_suffix('\n').unwrap_or(&self.data);
        // 4–5. The event's type is the event type buffer, or "message" when it is empty.
        let event = if self.event_type.is_empty() {
            "message"
        } else {
            &self.event_type
        };
        sink(Ok(SseEventRef {
            event,
            data,
            id: &self.last_event_id,
        }));
        // The buffers are emptied for the next event, and kept unless one event made them huge.
        for buffer in [&mut self.data, &mut self.event_type] {
            if buffer.capacity() > SHRINK_ABOVE {
                *buffer = String::new();
            } else {
                buffer.clear();
            }
        }
    }
}

/// UTF-8 decode with U+FFFD for invalid sequences (the WHATWG "UTF-8 decode" error mode);
/// borrows when the bytes are valid. Valid text is checked with simdutf8 first (16-byte SIMD
/// blocks; `str::from_utf8` reads 4-byte words on wasm32, and the lossy decoder's chunk iterator
/// took 6% of a stream's time in the package), and the lossy decoder runs only on invalid bytes.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}
