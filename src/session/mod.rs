//! `StreamSession`: bytes of a v0 stream in, typed updates and a snapshot out.
//!
//! It ties the layers together — SSE parser → [`decode`](crate::v0::decode) →
//! state ([`patch`]) → derived text — and never fails: bad input becomes an
//! [`StreamUpdate::Error`] with `fatal: false` and the session goes on. Only an `error` sent by
//! v0 or the proxy is fatal (it sets [`StreamSnapshot::error`]).
//!
//! ```
//! use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
//!
//! let mut session = StreamSession::new(SessionOptions::default());
//! let updates = session.feed(b"event: chatId\ndata: {\"id\":\"c1\"}\n\nevent: content\ndata: \"Hej\"\n\n");
//! assert_eq!(updates[0], StreamUpdate::ChatId { id: "c1".into() });
//! assert_eq!(session.snapshot().text, "Hej");
//! ```

mod update;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use update::{StreamError, StreamSnapshot, StreamUpdate};

use crate::cards::{CardBook, CardOptions, IntegrationCard};
use crate::leaks::Redactor;
use crate::signals;
use crate::sse::{SseEventRef, SseParser, DEFAULT_MAX_EVENT_BYTES};
use crate::v0::decode::{decode_proxy, decode_v0, json_str, V0Event};
use crate::v0::text::{v1_text, v1_thinking, V2Joined};
use crate::v0::Format;
use crate::v0::{chunk, patch};

/// How a session reads its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOptions {
    /// `None` detects the format from the first events.
    pub format: Option<Format>,
    /// Bound on one SSE event's bytes.
    pub max_event_bytes: usize,
    /// Locale and URL allow-list of the cards.
    pub cards: CardOptions,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            format: None,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            cards: CardOptions::default(),
        }
    }
}

/// What changed in the state and has not been acted on yet. Each flag gates work that is too
/// costly to repeat for every event. (Which cards changed is kept by the [`CardBook`] itself,
/// per card id, and emptied by its `take_changed`.)
#[derive(Debug, Default)]
struct Changes {
    /// Parts, v1 content or proxy text changed: text and thinking are derived again at the next
    /// flush (for v2 and v1 that walks the whole state, so not once per event).
    text: bool,
    /// Parts, content or proxy items changed: signals are extracted again after the current
    /// SSE event (so a card changes with the event that caused it). A v1 text append
    /// (`Appended::Later`) does not set it: it cannot change what v1 signals read.
    signals: bool,
    /// The stream ended (`done`, or `finish`): the text the leak guard held back is reported.
    ended: bool,
    /// The lowest part index changed since signals were last extracted: the parts before it
    /// gave their signals already, so only the rest is read again (a stream that adds parts
    /// one per event would otherwise read every part on every event).
    parts_from: Option<usize>,
    /// The same for what the next flush derives and reports: the text and the `parts` update.
    flush_from: Option<usize>,
}

/// What the session last reported of the derived state, to compute deltas, and the leak
/// guards the reported text passes through (credentials masked, see [`crate::leaks`]).
#[derive(Debug, Default)]
struct Emitted {
    text: String,
    thinking: String,
    text_guard: Redactor,
    thinking_guard: Redactor,
    /// Kinds of credential already turned into signals.
    leaks_signalled: usize,
}

/// See the module docs.
#[derive(Debug)]
pub struct StreamSession {
    sse: SseParser,
    /// The first SSE event told v0 (unnamed events) from the proxy (named events).
    proxy: Option<bool>,
    state: StreamSnapshot,
    /// Proxy thinking deltas so far (`state.thinking` is derived from it).
    proxy_thinking: Option<String>,
    /// Integration items the proxy sent, in order.
    integration_items: Vec<Value>,
    /// A v2 message event was seen: a later `chat` object is the closing snapshot.
    seen_message: bool,
    changes: Changes,
    emitted: Emitted,
    /// v2 text and thinking, kept up to date part by part.
    joined: V2Joined,
    book: CardBook,
}

impl StreamSession {
    /// A new session.
    pub fn new(options: SessionOptions) -> Self {
        let mut session = StreamSession {
            sse: SseParser::with_max_event_bytes(options.max_event_bytes),
            proxy: None,
            state: StreamSnapshot::default(),
            proxy_thinking: None,
            integration_items: Vec::new(),
            seen_message: false,
            changes: Changes::default(),
            emitted: Emitted::default(),
            joined: V2Joined::default(),
            book: CardBook::new(options.cards),
        };
        if let Some(format) = options.format {
            session.proxy = Some(format == Format::Proxy);
            session.set_format(format);
        }
        session
    }

    /// Feeds a chunk of the response body; returns the updates it caused, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<StreamUpdate> {
        let mut out = Vec::new();
        // The parser is moved out while it hands each event, borrowed from its buffers, to
        // the session.
        let mut sse = std::mem::take(&mut self.sse);
        sse.feed_borrowed(chunk, |item| match item {
            Ok(event) => self.on_sse_event(event, &mut out),
            Err(err) => out.push(non_fatal(err.code(), err.to_string())),
        });
        self.sse = sse;
        self.flush(&mut out);
        out
    }

    /// Ends the stream: an unterminated final event is discarded.
    pub fn finish(&mut self) -> Vec<StreamUpdate> {
        self.sse.finish();
        self.changes.ended = true;
        self.changes.text = true;
        let mut out = Vec::new();
        self.flush(&mut out);
        out
    }

    /// The parts (v2, proxy) from index `from` on: after a `parts` update, the ones that
    /// changed. Empty before any part, or past the end.
    pub fn parts_from(&self, from: usize) -> &[Value] {
        let parts = self.state.parts.as_deref().and_then(Value::as_array);
        parts.and_then(|p| p.get(from..)).unwrap_or_default()
    }

    /// The state reconstructed so far. It holds the stream's text as sent (later patches apply
    /// to it by position); what a UI shows comes from [`StreamSession::shown_snapshot`].
    pub fn snapshot(&self) -> &StreamSnapshot {
        &self.state
    }

    /// The state as it may be shown: credentials masked in the text, thinking, parts and v1
    /// content (borrowed when there are none).
    pub fn shown_snapshot(&self) -> std::borrow::Cow<'_, StreamSnapshot> {
        let mut copy: Option<StreamSnapshot> = None;
        let text = crate::leaks::masked_text(&self.state.text);
        if let std::borrow::Cow::Owned(text) = text {
            copy.get_or_insert_with(|| self.state.clone()).text = text;
        }
        if let Some(thinking) = self.state.thinking.as_deref() {
            if let std::borrow::Cow::Owned(shown) = crate::leaks::masked_text(thinking) {
                copy.get_or_insert_with(|| self.state.clone()).thinking = Some(shown);
            }
        }
        for which in [0, 1] {
            let source = match which {
                0 => self.state.parts.as_deref(),
                _ => self.state.content.as_ref(),
            };
            let Some(source) = source.filter(|s| crate::leaks::value_has_leak(s)) else {
                continue;
            };
            let mut value = source.clone();
            if crate::leaks::mask_value(&mut value) {
                let target = copy.get_or_insert_with(|| self.state.clone());
                match which {
                    0 => target.parts = Some(Arc::new(value)),
                    _ => target.content = Some(value),
                }
            }
        }
        copy.map_or(
            std::borrow::Cow::Borrowed(&self.state),
            std::borrow::Cow::Owned,
        )
    }

    /// [`StreamSession::parts_from`] as they may be shown (credentials masked).
    pub fn shown_parts_from(&self, from: usize) -> std::borrow::Cow<'_, [Value]> {
        let parts = self.parts_from(from);
        if !parts.iter().any(crate::leaks::value_has_leak) {
            return std::borrow::Cow::Borrowed(parts);
        }
        let mut parts = parts.to_vec();
        parts.iter_mut().for_each(|p| {
            crate::leaks::mask_value(p);
        });
        std::borrow::Cow::Owned(parts)
    }

    fn set_format(&mut self, format: Format) {
        if self.state.format.is_some() {
            return;
        }
        self.state.format = Some(format);
        match format {
            Format::V2 => self.state.parts = Some(Arc::new(Value::Array(Vec::new()))),
            Format::V1 => self.state.content = Some(Value::Array(Vec::new())),
            Format::Proxy => {}
        }
    }

    fn on_sse_event(&mut self, event: SseEventRef<'_>, out: &mut Vec<StreamUpdate>) {
        let proxy = *self.proxy.get_or_insert(event.event != "message");
        let decoded = if proxy {
            self.set_format(Format::Proxy);
            // Text deltas, most of a proxy stream, are appended straight from the event's JSON
            // string (the general decode would build a `Value` for each).
            let thinking = match event.event {
                "content" => Some(false),
                "thinking" => Some(true),
                _ => None,
            };
            if let Some(text) = thinking.and_then(|_| json_str(event.data)) {
                self.proxy_text(thinking == Some(true), &text);
                return;
            }
            decode_proxy(event.event, event.data)
        } else if event.event == "message" {
            if self.common_chunk(event.data) || self.common_append(event.data) {
                self.after_event();
                return;
            }
            decode_v0(event.data)
        } else {
            // v0 sends unnamed events only; a named one is not ours to read.
            Ok(V0Event::Ignored)
        };
        match decoded {
            Ok(decoded) => self.apply(decoded, out),
            Err(err) => out.push(non_fatal(err.code(), err.to_string())),
        }
        self.after_event();
    }

    /// Applies a v2 chunk of the common shape in one pass ([`chunk`]); false, with nothing
    /// changed, for any other event.
    fn common_chunk(&mut self, data: &str) -> bool {
        if self.state.format != Some(Format::V2) {
            return false;
        }
        let Some(parts) = self.state.parts.as_mut() else {
            return false;
        };
        let Some(from) = chunk::apply(Arc::make_mut(parts), data) else {
            return false;
        };
        self.seen_message = true;
        self.mark_parts_changed(from);
        true
    }

    /// Applies v0's append shortcut to the v1 content in one pass ([`chunk::append`]); false,
    /// with nothing changed, for any other event.
    fn common_append(&mut self, data: &str) -> bool {
        if self.state.format != Some(Format::V1) {
            return false;
        }
        let Some(content) = self.state.content.as_mut() else {
            return false;
        };
        let Some(appended) = chunk::append(content, data) else {
            return false;
        };
        self.changes.text = true;
        // Text appends (nearly all) leave the signals as they were: they are not read again
        // after each one (reading all of the content per event made a v1 stream quadratic).
        self.changes.signals |= appended == chunk::Appended::First;
        true
    }

    /// Signals are extracted again after each SSE event that changed what they are read from,
    /// so a card changes with the event that caused it.
    fn after_event(&mut self) {
        if std::mem::take(&mut self.changes.signals) {
            let from = self.changes.parts_from.take().unwrap_or(usize::MAX);
            self.book.observe(self.signals_after(from));
        }
    }

    /// The signals of the current state that changes since the last extraction can have made,
    /// in document order (proxy: parts, then items): parts from index `from` on, all of the v1
    /// content, all proxy items. The card book merges what it has seen already.
    fn signals_after(&self, from: usize) -> Vec<signals::Signal> {
        let mut found = match (&self.state.parts, &self.state.content) {
            (Some(parts), _) => signals::from_parts_after(parts, from),
            (None, Some(content)) => signals::from_v1_content(content),
            (None, None) => Vec::new(),
        };
        found.extend(signals::from_items(&self.integration_items));
        found
    }

    /// The visible cards, in order of first appearance.
    pub fn cards(&self) -> Vec<IntegrationCard> {
        self.book.cards()
    }

    /// Which env vars the project already has; returns the cards with `set` updated.
    pub fn set_project_env_keys<S: AsRef<str>>(
        &mut self,
        keys: impl IntoIterator<Item = S>,
    ) -> Vec<IntegrationCard> {
        self.book.set_env_keys(keys);
        self.cards_now()
    }

    /// The backend's install records (see [`CardBook::set_install_records`]); returns the
    /// cards as they now are.
    pub fn set_install_records(
        &mut self,
        records: &[crate::cards::InstallRecord],
    ) -> Vec<IntegrationCard> {
        self.book.set_install_records(records);
        self.cards_now()
    }

    /// The user's MCP servers (see [`CardBook::set_mcp_servers`]); returns the cards as they
    /// now are.
    pub fn set_mcp_servers(
        &mut self,
        servers: &[crate::cards::McpServerRecord],
    ) -> Vec<IntegrationCard> {
        self.book.set_mcp_servers(servers);
        self.cards_now()
    }

    /// The backend's credential checks (see [`CardBook::set_checks`]); returns the cards as
    /// they are now.
    pub fn set_checks(&mut self, checks: &[crate::cards::CheckRecord]) -> Vec<IntegrationCard> {
        self.book.set_checks(checks);
        self.cards_now()
    }

    /// The cards after a change the caller made: what the caller gets now need not come again
    /// as a `cards` update.
    fn cards_now(&mut self) -> Vec<IntegrationCard> {
        self.book.take_changed();
        self.book.cards()
    }

    /// Hides a card until a later signal changes its status; false for an unknown id.
    pub fn dismiss(&mut self, card_id: &str) -> bool {
        self.book.dismiss(card_id)
    }

    fn apply(&mut self, event: V0Event, out: &mut Vec<StreamUpdate>) {
        if let Some(format) = event.format_hint() {
            self.set_format(format);
        }
        match event {
            V0Event::Chat {
                id,
                title,
                project_id,
            } => {
                if let Some(id) = id {
                    self.set_chat_id(id, out);
                }
                if let Some(title) = title {
                    self.set_title(title, out);
                }
                if let Some(id) = project_id {
                    self.set_project_id(id, None, out);
                }
                if self.seen_message && self.state.format == Some(Format::V2) {
                    // The closing chat snapshot of a v2 chat stream.
                    self.complete(Map::new(), out);
                }
            }
            V0Event::Title(title) => self.set_title(title, out),
            V0Event::Message {
                chat_id,
                parts,
                finished,
            } => {
                self.seen_message = true;
                if let Some(id) = chat_id {
                    self.set_chat_id(id, out);
                }
                if let Some(parts) = parts {
                    self.state.parts = Some(Arc::new(parts));
                    self.mark_parts_changed(0);
                }
                if finished {
                    self.complete(Map::new(), out);
                }
            }
            V0Event::PartsDelta(delta) => {
                self.seen_message = true;
                let parts = self
                    .state
                    .parts
                    .get_or_insert_with(|| Arc::new(Value::Array(Vec::new())));
                let from = patch::first_index(&delta);
                match patch::apply(Arc::make_mut(parts), delta) {
                    Ok(()) => self.mark_parts_changed(from),
                    Err(err) => out.push(non_fatal(err.code(), err.to_string())),
                }
            }
            V0Event::ContentDelta(delta) => {
                let content = self
                    .state
                    .content
                    .get_or_insert_with(|| Value::Array(Vec::new()));
                match patch::apply(content, delta) {
                    Ok(()) => {
                        self.changes.text = true;
                        self.changes.signals = true;
                    }
                    Err(err) => out.push(non_fatal(err.code(), err.to_string())),
                }
            }
            V0Event::Usage(usage) => {
                self.state.usage = Some(usage.clone());
                out.push(StreamUpdate::Usage { usage });
            }
            V0Event::Error { message, code } => {
                self.flush(out);
                self.state.done = false;
                self.state.error = Some(StreamError {
                    message: message.clone(),
                    code: code.clone(),
                });
                out.push(StreamUpdate::Error {
                    code,
                    message,
                    fatal: true,
                });
            }
            V0Event::StreamDone => self.complete(Map::new(), out),
            V0Event::ChatId(id) => self.set_chat_id(id, out),
            V0Event::ProjectId { id, v0_project_id } => self.set_project_id(id, v0_project_id, out),
            V0Event::ThinkingText(delta) => self.proxy_text(true, &delta),
            V0Event::ContentText(delta) => self.proxy_text(false, &delta),
            V0Event::Parts(parts) => {
                self.state.parts = Some(Arc::new(parts));
                self.mark_parts_changed(0);
            }
            V0Event::Integration(items) => {
                self.integration_items.extend(items);
                self.changes.signals = true;
            }
            V0Event::Done(info) => self.complete(info, out),
            V0Event::Meta(meta) => self.state.meta = Some(meta),
            V0Event::Ignored => {}
        }
    }

    /// A proxy text delta: appended to the thinking or to the text.
    fn proxy_text(&mut self, thinking: bool, delta: &str) {
        let target = if thinking {
            self.proxy_thinking.get_or_insert_with(String::new)
        } else {
            &mut self.state.text
        };
        target.push_str(delta);
        self.changes.text = true;
    }

    /// The parts changed from index `from` on.
    fn mark_parts_changed(&mut self, from: usize) {
        self.changes.text = true;
        self.changes.signals = true;
        self.changes.parts_from = Some(self.changes.parts_from.map_or(from, |f| f.min(from)));
        self.changes.flush_from = Some(self.changes.flush_from.map_or(from, |f| f.min(from)));
    }

    fn set_chat_id(&mut self, id: String, out: &mut Vec<StreamUpdate>) {
        if self.state.chat_id.is_none() && !id.is_empty() {
            self.book.set_chat_id(&id);
            self.state.chat_id = Some(id.clone());
            out.push(StreamUpdate::ChatId { id });
        }
    }

    fn set_title(&mut self, title: String, out: &mut Vec<StreamUpdate>) {
        if self.state.title.as_deref() != Some(title.as_str()) {
            self.state.title = Some(title.clone());
            out.push(StreamUpdate::Title { title });
        }
    }

    fn set_project_id(
        &mut self,
        id: String,
        v0_project_id: Option<String>,
        out: &mut Vec<StreamUpdate>,
    ) {
        let v0_changed = v0_project_id.is_some() && v0_project_id != self.state.v0_project_id;
        if self.state.project_id.as_deref() != Some(id.as_str()) || v0_changed {
            self.state.project_id = Some(id.clone());
            if v0_project_id.is_some() {
                self.state.v0_project_id.clone_from(&v0_project_id);
            }
            out.push(StreamUpdate::ProjectId { id, v0_project_id });
        }
    }

    /// The stream's completion signal; ignored after a fatal error or a first completion.
    fn complete(&mut self, info: Map<String, Value>, out: &mut Vec<StreamUpdate>) {
        if self.state.error.is_some() || self.state.done {
            return;
        }
        self.changes.ended = true;
        self.changes.text = true;
        self.flush(out);
        self.state.done = true;
        out.push(StreamUpdate::Done { info });
    }

    /// Recomputes the derived text, thinking and parts and reports what changed.
    fn flush(&mut self, out: &mut Vec<StreamUpdate>) {
        self.flush_text(out);
        let cards = self.book.take_changed();
        if !cards.is_empty() {
            out.push(StreamUpdate::Cards { cards });
        }
    }

    /// Credentials the leak guards found since the last call become signals: one card per
    /// kind, naming the env var the credential should move to.
    fn signal_leaks(&mut self) {
        let found: Vec<_> = self
            .emitted
            .text_guard
            .kinds()
            .iter()
            .chain(self.emitted.thinking_guard.kinds())
            .copied()
            .collect();
        if found.len() > self.emitted.leaks_signalled {
            self.emitted.leaks_signalled = found.len();
            self.book.observe(signals::from_leaks(&found));
        }
    }

    fn flush_text(&mut self, out: &mut Vec<StreamUpdate>) {
        if !std::mem::take(&mut self.changes.text) {
            return;
        }
        let parts_from = self.changes.flush_from.take();
        // How many bytes at the start of the text and thinking are known to be as reported:
        // only the rest is compared (comparing all of it on every `feed` made small chunks of
        // a long chat quadratic).
        let (same_text, same_thinking) = match self.state.format {
            Some(Format::V2) => {
                let parts = self.state.parts.as_deref().unwrap_or(&Value::Null);
                let same = self.joined.update(parts, parts_from.unwrap_or(usize::MAX));
                // The state's text and thinking are the previous joins: keep what is
                // unchanged, copy the rest (copying all of it made every `feed` cost as much
                // as the thinking so far).
                resync(&mut self.state.text, self.joined.text(), same.0);
                match self.joined.thinking() {
                    Some(now) => resync(
                        self.state.thinking.get_or_insert_with(String::new),
                        now,
                        same.1,
                    ),
                    None => self.state.thinking = None,
                }
                same
            }
            Some(Format::V1) => {
                let content = self.state.content.as_ref().unwrap_or(&Value::Null);
                self.state.text = v1_text(content);
                self.state.thinking = v1_thinking(content);
                (0, 0)
            }
            // The proxy's text and thinking are its deltas, appended on arrival.
            Some(Format::Proxy) | None => {
                self.state.thinking.clone_from(&self.proxy_thinking);
                (self.emitted.text.len(), self.emitted.thinking.len())
            }
        };
        let thinking = self.state.thinking.as_deref().unwrap_or_default();
        let ended = self.changes.ended;
        let raw = text_delta(&mut self.emitted.thinking, thinking, same_thinking);
        if let Some((delta, reset)) = guarded(&mut self.emitted.thinking_guard, raw, ended) {
            out.push(StreamUpdate::Thinking { delta, reset });
        }
        let raw = text_delta(&mut self.emitted.text, &self.state.text, same_text);
        if let Some((delta, reset)) = guarded(&mut self.emitted.text_guard, raw, ended) {
            out.push(StreamUpdate::Content { delta, reset });
        }
        self.signal_leaks();
        if let (Some(from), Some(parts)) = (parts_from, &self.state.parts) {
            let length = parts.as_array().map_or(0, Vec::len);
            out.push(StreamUpdate::Parts {
                from: from.min(length),
                length,
            });
        }
    }
}

/// A raw text change passed through a leak guard: credentials masked, an unfinished last word
/// held back (and let out when the stream has `ended`).
fn guarded(
    guard: &mut Redactor,
    raw: Option<(String, bool)>,
    ended: bool,
) -> Option<(String, bool)> {
    let (delta, reset) = raw.unwrap_or_default();
    guard
        .push(&delta, reset, ended)
        .filter(|(shown, reset)| *reset || !shown.is_empty())
}

/// The change from what was reported to `now`: the appended suffix, or (when the text was
/// rewritten) the whole text with `reset`. Updates `reported`. The first `same` bytes are
/// known to be equal in both (a char boundary in both), so only the rest is compared.
fn text_delta(reported: &mut String, now: &str, same: usize) -> Option<(String, bool)> {
    let same = same.min(reported.len()).min(now.len());
    let old_tail = reported.as_bytes().get(same..).unwrap_or_default();
    let new_tail = now.as_bytes().get(same..).unwrap_or_default();
    if old_tail == new_tail {
        return None;
    }
    let change = if new_tail.starts_with(old_tail) {
        (
            now.get(reported.len()..).unwrap_or_default().to_owned(),
            false,
        )
    } else {
        (now.to_owned(), true)
    };
    resync(reported, now, same);
    Some(change)
}

/// Makes `target`, an earlier copy of `now` whose first `same` bytes are unchanged, equal to
/// `now` by copying only the rest. (A `same` that is not a char boundary of `target` would be
/// a bug elsewhere; it costs a full copy here, not a panic.)
fn resync(target: &mut String, now: &str, same: usize) {
    let same = same.min(target.len());
    match now.get(same..) {
        Some(rest) if target.is_char_boundary(same) => {
            target.truncate(same);
            target.push_str(rest);
        }
        _ => now.clone_into(target),
    }
}

fn non_fatal(code: &str, message: String) -> StreamUpdate {
    StreamUpdate::Error {
        code: code.to_owned(),
        message,
        fatal: false,
    }
}
