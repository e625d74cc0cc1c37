//! v0's common events, applied in one pass.
//!
//! - v2 (`apply`): a `message.parts.chunk` whose delta sets fields of parts that exist,
//!   `{"3": {"text": ["old", "new"]}, "_t": "a"}`, or adds parts at the end,
//!   `{"4": [{"type": "text", …}], "_t": "a"}`. That is how v0 grows a part's text (it resends
//!   the whole text, old and new, in every chunk) and starts the next part, so nearly every
//!   event of a chat is one.
//! - v1 (`append`): the append shortcut `[[i0, …, iN, "suffix"], 9, 9]`.
//!
//! The general path ([`super::decode`] then [`super::patch`]) builds the delta as a
//! `serde_json::Value` tree — a map per level, a `String` per key (and per number), the old text
//! too — and walks it twice, checking then patching: about a dozen allocations an event. Here
//! the delta is read straight from the event's text (keys borrowed, old values skipped without
//! being built) and a new string is written into the part's own string, reusing its buffer.
//!
//! Anything else — another `object`, another delta shape (removals, moves, a part inserted
//! before the end), a repeated index, a non-string new value, a part or route that is not
//! there — is left to the general path, which decodes the event as before and reports what does
//! not fit. Neither function changes anything unless it applies the whole event, with the result
//! the general path would have (property tests in `tests/chunk.rs` hold them to that).
//!
//! ```
//! use serde_json::json;
//! use sajtmaskin_integrations::v0::chunk::apply;
//!
//! let mut parts = json!([{"type": "text", "text": "Hej"}]);
//! let event = r#"{"object":"message.parts.chunk","id":"m","delta":{"0":{"text":["Hej","Hej då"]},"_t":"a"}}"#;
//! assert_eq!(apply(&mut parts, event), Some(0));
//! assert_eq!(parts, json!([{"type": "text", "text": "Hej då"}]));
//!
//! // A part added at the end.
//! let added = r#"{"object":"message.parts.chunk","delta":{"1":[{"type":"text"}],"_t":"a"}}"#;
//! assert_eq!(apply(&mut parts, added), Some(1));
//! assert_eq!(parts, json!([{"type": "text", "text": "Hej då"}, {"type": "text"}]));
//!
//! // Another shape (here a removal) is not taken, and nothing changes.
//! let removal = r#"{"object":"message.parts.chunk","delta":{"_0":[{},0,0],"_t":"a"}}"#;
//! assert_eq!(apply(&mut parts, removal), None);
//! assert_eq!(parts.as_array().map(Vec::len), Some(2));
//! ```

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::decode::{json_str, FieldName};
use crate::json::{self, JsonError, Reader};

/// One field the chunk sets (the part's index, the key, the new value), or with no key, a part
/// it adds.
struct Set<'a> {
    index: usize,
    key: Option<&'a str>,
    value: New<'a>,
}

/// A new value.
enum New<'a> {
    /// A string (borrowed from the event when it has no escapes): written into the part's
    /// string when it has one.
    Text(Cow<'a, str>),
    /// The value of a `[new]`, still raw JSON: read before anything is written.
    Raw(&'a str),
    Other(Value),
}

/// Applies `data`, a v0 event's JSON, to the v2 `parts` when it is a chunk of the common shape;
/// returns the lowest part index it changed. `None`: not such a chunk, or it does not fit
/// `parts`; `parts` is then as it was.
pub fn apply(parts: &mut Value, data: &str) -> Option<usize> {
    if let Some(index) = super::grow::grow(parts, data) {
        return Some(index);
    }
    let mut sets = read(data)?;
    let items = parts.as_array_mut()?;
    let len = items.len();
    let added = sets.iter().filter(|set| set.key.is_none()).count();
    // Everything is checked and every value built before the first write.
    for set in &mut sets {
        let New::Raw(raw) = set.value else {
            if set.index >= len {
                return None;
            }
            items.get(set.index)?.as_object()?;
            continue;
        };
        set.value = if set.key.is_some() {
            items.get(set.index)?.as_object()?;
            match json_str(raw) {
                Some(text) => New::Text(text),
                None => New::Other(json::parse(raw).ok()?),
            }
        } else if (len..len + added).contains(&set.index) {
            // Added parts (their indexes are distinct) fill exactly the places after the last
            // one: a part inserted before the end shifts the others, which is the general path's.
            New::Other(json::parse(raw).ok()?)
        } else {
            return None;
        };
    }
    let from = sets.iter().map(|set| set.index).min()?;
    items.resize(len + added, Value::Null);
    for set in sets {
        match (set.key, items.get_mut(set.index)) {
            (Some(key), Some(Value::Object(object))) => write(object, key, set.value),
            (None, Some(slot)) => *slot = set.value.into_value(),
            _ => {}
        }
    }
    Some(from)
}

/// Where a one-pass [`append`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// To the first item of an array, or to the content itself: a v1 node's tag is one, and
    /// v1 signals read tags.
    First,
    /// To a later item of an array: text. v1 signals read only tags and what is inside objects,
    /// which a route of indexes cannot enter, so these appends cannot change them.
    Later,
}

/// Applies `data`, a v0 event's JSON, to the v1 `content` when it is v0's append shortcut,
/// `{"object": "message.experimental_content.chunk", "delta": [[i0, …, iN, "suffix"], 9, 9]}`
/// (most of a v1 stream): follows the indexes and appends the suffix to the string there, and
/// says where. `None`, with `content` as it was, for anything else or a route that does not lead
/// to a string.
pub fn append(content: &mut Value, data: &str) -> Option<Appended> {
    let Some(Read::Append(steps, suffix)) = read_event(data, Kind::Append) else {
        return None;
    };
    let appended = match steps.last() {
        Some(0) | None => Appended::First,
        Some(_) => Appended::Later,
    };
    let mut at = content;
    for step in steps {
        at = match at {
            Value::Array(items) => items.get_mut(step)?,
            _ => return None,
        };
    }
    match at {
        Value::String(text) => {
            text.push_str(&suffix);
            Some(appended)
        }
        _ => None,
    }
}

/// Sets `key` of a part to `new`; a string goes into the part's string, reusing its buffer.
fn write(object: &mut Map<String, Value>, key: &str, new: New<'_>) {
    match (object.get_mut(key), new) {
        (Some(Value::String(old)), New::Text(text)) => {
            old.clear();
            old.push_str(&text);
        }
        (Some(old), new) => *old = new.into_value(),
        (None, new) => {
            object.insert(key.to_owned(), new.into_value());
        }
    }
}

impl New<'_> {
    fn into_value(self) -> Value {
        match self {
            New::Text(text) => Value::String(text.into_owned()),
            // Read into `Other` before any write (`apply`); kept total all the same.
            New::Raw(raw) => json::parse(raw).unwrap_or(Value::Null),
            New::Other(value) => value,
        }
    }
}

/// The fields a chunk of the common shape sets, in one pass over the event's text; `None` for
/// anything else.
fn read(data: &str) -> Option<Vec<Set<'_>>> {
    match read_event(data, Kind::Parts)? {
        Read::Sets(sets) if !sets.is_empty() => Some(sets),
        _ => None,
    }
}

/// The two event shapes read here.
#[derive(Clone, Copy)]
enum Kind {
    /// v2 `message.parts.chunk` with an [`ArrayDelta`].
    Parts,
    /// v1 `message.experimental_content.chunk` with an [`Append`] shortcut.
    Append,
}

/// What was read: the sets of a v2 chunk, or the route and suffix of a v1 append.
enum Read<'a> {
    Sets(Vec<Set<'a>>),
    Append(Vec<usize>, Cow<'a, str>),
}

/// An event of `kind`, read in one pass; `None` for any other event or shape.
fn read_event(data: &str, kind: Kind) -> Option<Read<'_>> {
    let expected = match kind {
        Kind::Parts => "message.parts.chunk",
        Kind::Append => "message.experimental_content.chunk",
    };
    let mut reader = Reader::new(data);
    let (mut named, mut delta) = (false, None);
    // Its `object` must name `kind` exactly, its `delta` must be of that kind; other fields are
    // skipped.
    reader
        .object(|reader, key| {
            match FieldName::of(&key) {
                FieldName::Object => {
                    // Exactly this text (a name spelt with escapes goes the general way).
                    let object = reader.raw()?;
                    let name = object.strip_prefix('"').and_then(|o| o.strip_suffix('"'));
                    if named || name != Some(expected) {
                        return Err(JsonError::Shape);
                    }
                    named = true;
                }
                FieldName::Delta if delta.is_none() => {
                    delta = Some(match kind {
                        Kind::Parts => Read::Sets(array_delta(reader)?),
                        Kind::Append => {
                            let (steps, suffix) = append_delta(reader)?;
                            Read::Append(steps, suffix)
                        }
                    });
                }
                FieldName::Delta => return Err(JsonError::Shape),
                _ => {
                    reader.raw()?;
                }
            }
            Ok(())
        })
        .ok()?;
    reader.end().ok()?;
    delta.filter(|_| named)
}

/// A key borrowed from the event: one with escapes goes the general way.
fn plain(key: Cow<'_, str>) -> Result<&str, JsonError> {
    match key {
        Cow::Borrowed(key) => Ok(key),
        Cow::Owned(_) => Err(JsonError::Shape),
    }
}

/// `{"N": {…} | [new], …, "_t": "a"}`: an array delta whose every entry modifies the part at `N`
/// or adds one there.
fn array_delta<'a>(reader: &mut Reader<'a>) -> Result<Vec<Set<'a>>, JsonError> {
    let mut sets = Vec::new();
    let mut array = false;
    reader.object(|reader, key| {
        let key = plain(key)?;
        if key == "_t" {
            if array || reader.string()? != "a" {
                return Err(JsonError::Shape);
            }
            array = true;
            return Ok(());
        }
        // Parsed as the general path parses an index; `_N` (removals, moves) is not ours.
        let index: usize = key.parse().map_err(|_| JsonError::Shape)?;
        // A repeated index: the general decode keeps only the last entry.
        if sets.iter().any(|s: &Set<'_>| s.index == index) {
            return Err(JsonError::Shape);
        }
        let before = sets.len();
        entry(reader, index, &mut sets)?;
        // `{}` still requires an object at `N`: the general path checks that case.
        if sets.len() == before {
            return Err(JsonError::Shape);
        }
        Ok(())
    })?;
    if array {
        Ok(sets)
    } else {
        Err(JsonError::Shape)
    }
}

/// The entry at `index`: `{"key": [old, new] | [new], …}` for the part there, or `[new]`, a
/// part added there.
fn entry<'a>(
    reader: &mut Reader<'a>,
    index: usize,
    sets: &mut Vec<Set<'a>>,
) -> Result<(), JsonError> {
    match reader.peek() {
        Some(b'{') => reader.object(|reader, key| {
            let key = plain(key)?;
            // `_t` marks a delta's type, even in an object delta: never a field the chunk sets
            // (the general path refuses it). A repeated key goes the general way (whose decode
            // keeps the last one).
            if key == "_t" || sets.iter().any(|s| s.index == index && s.key == Some(key)) {
                return Err(JsonError::Shape);
            }
            let value = replacement(reader)?;
            sets.push(Set {
                index,
                key: Some(key),
                value,
            });
            Ok(())
        }),
        // `[new]` only: `[old, new]` would replace the whole part (the general path's).
        Some(b'[') => {
            let mut part = None;
            reader.array(|reader, at| {
                if at > 0 {
                    return Err(JsonError::Shape);
                }
                part = Some(reader.raw()?);
                Ok(())
            })?;
            sets.push(Set {
                index,
                key: None,
                value: New::Raw(part.ok_or(JsonError::Shape)?),
            });
            Ok(())
        }
        _ => Err(JsonError::Shape),
    }
}

/// `[new]` or `[old, new]`: the new value; the old one is skipped without being built. The new
/// value of a replacement must be a string, read once (a number or an object here goes the
/// general way).
fn replacement<'a>(reader: &mut Reader<'a>) -> Result<New<'a>, JsonError> {
    let (mut first, mut second) = (None, None);
    reader.array(|reader, at| {
        match at {
            // Kept raw until the length says whether it is the new value.
            0 => first = Some(reader.raw()?),
            1 => second = Some(reader.string()?),
            _ => return Err(JsonError::Shape),
        }
        Ok(())
    })?;
    match (first, second) {
        (Some(first), None) => Ok(New::Raw(first)),
        (Some(_), Some(text)) => Ok(New::Text(text)),
        _ => Err(JsonError::Shape),
    }
}

/// `[[i0, …, iN, "suffix"], 9, 9]`: the indexes and the suffix.
fn append_delta<'a>(reader: &mut Reader<'a>) -> Result<(Vec<usize>, Cow<'a, str>), JsonError> {
    let mut route = None;
    let mut nines = 0;
    reader.array(|reader, at| {
        match at {
            0 => route = Some(route_of(reader)?),
            1 | 2 if reader.raw()? == "9" => nines += 1,
            _ => return Err(JsonError::Shape),
        }
        Ok(())
    })?;
    route.filter(|_| nines == 2).ok_or(JsonError::Shape)
}

/// `[i0, …, iN, "suffix"]`: plain decimal indexes (the general path refuses or reads any other
/// number), then the string.
fn route_of<'a>(reader: &mut Reader<'a>) -> Result<(Vec<usize>, Cow<'a, str>), JsonError> {
    let mut steps = Vec::new();
    // Each item is an index once a later one comes; the last is the suffix.
    let mut last: Option<&'a str> = None;
    reader.array(|reader, _| {
        if let Some(digits) = last {
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(JsonError::Shape);
            }
            steps.push(digits.parse::<usize>().map_err(|_| JsonError::Shape)?);
        }
        last = Some(reader.raw()?);
        Ok(())
    })?;
    let suffix = last.and_then(json_str).ok_or(JsonError::Shape)?;
    Ok((steps, suffix))
}
