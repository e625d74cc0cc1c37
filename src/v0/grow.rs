//! v0's most frequent event, read by comparing bytes: a part's string grown by a suffix.
//!
//! v0 grows a part's text by resending it whole, old and new, in every chunk:
//!
//! ```text
//! {"object":"message.parts.chunk","id":"…","delta":{"3":{"text":["Hej","Hej då"]},"_t":"a"}}
//! ```
//!
//! A JSON reader has to scan both strings for their closing quote and escapes (and serde_json
//! cannot be told to skip a known number of bytes). Here the old string is compared with the
//! part's current string instead, the new one's prefix likewise, and only the suffix is scanned
//! and appended. Comparing is the fast way only because the state already holds the text: no
//! JSON library reads against a state, which is why this is written by hand.
//!
//! The event is taken only in exactly this layout (v0's: no spaces, these fields in this order)
//! and only when the strings are plain (no escapes, no control characters), the old string is
//! the part's string and the new one starts with it. Anything else is left to
//! [`super::chunk::apply`]'s reader, which takes every layout; nothing changes then.
//! `tests/chunk.rs` holds this to the general path's result.
//!
//! ```
//! use serde_json::json;
//! use sajtmaskin_integrations::v0::grow::grow;
//!
//! let mut parts = json!([{"type": "text", "text": "Hej"}]);
//! let event = r#"{"object":"message.parts.chunk","id":"m","delta":{"0":{"text":["Hej","Hej då"]},"_t":"a"}}"#;
//! assert_eq!(grow(&mut parts, event), Some(0));
//! assert_eq!(parts, json!([{"type": "text", "text": "Hej då"}]));
//!
//! // An old string that is not the part's: left to the reader.
//! let other = r#"{"object":"message.parts.chunk","delta":{"0":{"text":["Hi","Hi there"]},"_t":"a"}}"#;
//! assert_eq!(grow(&mut parts, other), None);
//! ```

use serde_json::Value;

/// Applies `data` to the v2 `parts` when it grows a part's string as v0 writes it (above);
/// returns the part's index. `None`, with `parts` as it was, for anything else.
pub fn grow(parts: &mut Value, data: &str) -> Option<usize> {
    let mut at = Cursor { data, at: 0 };
    at.tag(r#"{"object":"message.parts.chunk","#)?;
    if at.tag(r#""id":""#).is_some() {
        at.plain()?;
        at.tag(r#"","#)?;
    }
    at.tag(r#""delta":{""#)?;
    let digits = at.digits();
    // Parsed as the other paths parse an index (an overflow goes their way, and fails there).
    let index: usize = digits.parse().ok()?;
    at.tag(r#"":{""#)?;
    // `_t` marks a delta's type, never a field (the general path refuses it there).
    let key = at.plain().filter(|key| *key != "_t")?;
    at.tag(r#"":[""#)?;
    let Value::Object(part) = parts.as_array_mut()?.get_mut(index)? else {
        return None;
    };
    let Value::String(text) = part.get_mut(key)? else {
        return None;
    };
    // The old string: exactly the current one, which is plain.
    at.same(text, true)?;
    at.tag(r#"",""#)?;
    // The new one: the current string, then a plain suffix.
    at.same(text, false)?;
    let suffix = at.plain()?;
    at.tag(r#""]},"_t":"a"}}"#)?;
    if at.at != data.len() {
        return None;
    }
    text.push_str(suffix);
    Some(index)
}

/// The position of the first byte a JSON string cannot hold as itself (a quote, a backslash, a
/// control character), 8 bytes at a time.
pub(crate) fn special(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for bytes in &mut words {
        if word_special(word(bytes)) {
            break;
        }
        at += 8;
    }
    bytes
        .get(at..)?
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// 8 bytes as one word (fewer: 0, which is never special).
fn word(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_le_bytes)
}

/// Whether one of a word's bytes is a quote, a backslash or below 0x20 (each test is exact: a
/// byte of `x - ONES * n` has its high bit set, with `x`'s clear, only if some byte of `x` is
/// below `n`).
fn word_special(x: u64) -> bool {
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS != 0;
    below(x ^ (ONES * u64::from(b'"')), 1)
        || below(x ^ (ONES * u64::from(b'\\')), 1)
        || below(x, 0x20)
}

/// A position in an event's text.
struct Cursor<'a> {
    data: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        self.data.as_bytes().get(self.at..).unwrap_or_default()
    }

    /// Steps over `tag` when the text goes on with it.
    fn tag(&mut self, tag: &str) -> Option<()> {
        self.rest()
            .starts_with(tag.as_bytes())
            .then(|| self.at += tag.len())
    }

    /// The ASCII digits here.
    fn digits(&mut self) -> &'a str {
        let n = self
            .rest()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.take(n).unwrap_or_default()
    }

    /// A plain string's content up to its closing quote (not stepped over); `None` at an
    /// escape or a control character.
    fn plain(&mut self) -> Option<&'a str> {
        let n = special(self.rest())?;
        (self.rest().get(n) == Some(&b'"')).then_some(())?;
        self.take(n)
    }

    /// Steps over `text` when the text goes on with it (and, if `plain`, `text` has no byte a
    /// JSON string writes escaped), in 8-byte words.
    fn same(&mut self, text: &str, plain: bool) -> Option<()> {
        let (expected, rest) = (text.as_bytes(), self.rest());
        let found = rest.get(..expected.len())?;
        let mut pairs = expected.chunks_exact(8).zip(found.chunks_exact(8));
        let words = pairs.all(|(e, f)| {
            let (e, f) = (word(e), word(f));
            e == f && !(plain && word_special(e))
        });
        let tail = expected.len() / 8 * 8;
        let (e, f) = (expected.get(tail..)?, found.get(tail..)?);
        let tail_ok = e == f && !(plain && special(e).is_some());
        (words && tail_ok).then(|| self.at += expected.len())
    }

    fn take(&mut self, n: usize) -> Option<&'a str> {
        let text = self.data.get(self.at..self.at + n)?;
        self.at += n;
        Some(text)
    }
}
