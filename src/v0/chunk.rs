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
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::decode::{raw_str, FieldName};

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
    Raw(&'a RawValue),
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
            match raw_str(Some(raw)) {
                Some(text) => New::Text(text),
                None => New::Other(serde_json::from_str(raw.get()).ok()?),
            }
        } else if (len..len + added).contains(&set.index) {
            // Added parts (their indexes are distinct) fill exactly the places after the last
            // one: a part inserted before the end shifts the others, which is the general path's.
            New::Other(serde_json::from_str(raw.get()).ok()?)
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

/// Applies `data`, a v0 event's JSON, to the v1 `content` when it is v0's append shortcut,
/// `{"object": "message.experimental_content.chunk", "delta": [[i0, …, iN, "suffix"], 9, 9]}`
/// (most of a v1 stream): follows the indexes and appends the suffix to the string there. False,
/// with `content` as it was, for anything else or a route that does not lead to a string.
pub fn append(content: &mut Value, data: &str) -> bool {
    let Some(Read::Append(steps, suffix)) = read_event(data, Kind::Append) else {
        return false;
    };
    let mut at = content;
    for step in steps {
        at = match at {
            Value::Array(items) => match items.get_mut(step) {
                Some(item) => item,
                None => return false,
            },
            _ => return false,
        };
    }
    match at {
        Value::String(text) => {
            text.push_str(&suffix);
            true
        }
        _ => false,
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
            New::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
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
    let mut de = serde_json::Deserializer::from_str(data);
    let value = de.deserialize_map(EventVisitor { kind }).ok()?;
    de.end().ok()?;
    Some(value)
}

/// Why a reader gave up: not an error of the event, only "not this shape".
fn other<E: de::Error>() -> E {
    E::custom("not the common chunk")
}

/// An event object: its `object` must name `kind` exactly, its `delta` must be of that kind,
/// other fields are skipped.
struct EventVisitor {
    kind: Kind,
}

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a v0 chunk event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let expected = match self.kind {
            Kind::Parts => "message.parts.chunk",
            Kind::Append => "message.experimental_content.chunk",
        };
        let (mut named, mut delta) = (false, None);
        while let Some(key) = map.next_key::<FieldName>()? {
            match key {
                FieldName::Object => {
                    // Exactly this text (a name spelt with escapes goes the general way).
                    let object = map.next_value::<&'de RawValue>()?;
                    let name = object
                        .get()
                        .strip_prefix('"')
                        .and_then(|o| o.strip_suffix('"'));
                    if named || name != Some(expected) {
                        return Err(other());
                    }
                    named = true;
                }
                FieldName::Delta if delta.is_none() => {
                    delta = Some(match self.kind {
                        Kind::Parts => Read::Sets(map.next_value_seed(ArrayDelta)?),
                        Kind::Append => {
                            let (steps, suffix) = map.next_value_seed(Append)?;
                            Read::Append(steps, suffix)
                        }
                    });
                }
                FieldName::Delta => return Err(other()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        delta.filter(|_| named).ok_or_else(other)
    }
}

/// `{"N": {…} | [new], …, "_t": "a"}`: an array delta whose every entry modifies the part at `N`
/// or adds one there.
struct ArrayDelta;

impl<'de> DeserializeSeed<'de> for ArrayDelta {
    type Value = Vec<Set<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ArrayDelta {
    type Value = Vec<Set<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array delta")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut sets = Vec::new();
        let mut array = false;
        // Keys with escapes fail to borrow: the general path reads those.
        while let Some(key) = map.next_key::<&'de str>()? {
            if key == "_t" {
                if array || map.next_value::<&'de str>()? != "a" {
                    return Err(other());
                }
                array = true;
                continue;
            }
            // Parsed as the general path parses an index; `_N` (removals, moves) is not ours.
            let index: usize = key.parse().map_err(|_| other())?;
            // A repeated index: the general decode keeps only the last entry.
            if sets.iter().any(|s: &Set<'_>| s.index == index) {
                return Err(other());
            }
            let before = sets.len();
            map.next_value_seed(Entry {
                index,
                sets: &mut sets,
            })?;
            // `{}` still requires an object at `N`: the general path checks that case.
            if sets.len() == before {
                return Err(other());
            }
        }
        if array {
            Ok(sets)
        } else {
            Err(other())
        }
    }
}

/// The entry at `index`: `{"key": [old, new] | [new], …}` for the part there, or `[new]`, a
/// part added there.
struct Entry<'s, 'de> {
    index: usize,
    sets: &'s mut Vec<Set<'de>>,
}

impl<'de> DeserializeSeed<'de> for Entry<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object delta or an added part")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<&'de str>()? {
            // `_t` marks a delta's type, even in an object delta: never a field the chunk sets
            // (the general path refuses it). A repeated key goes the general way (whose decode
            // keeps the last one).
            if key == "_t"
                || self
                    .sets
                    .iter()
                    .any(|s| s.index == self.index && s.key == Some(key))
            {
                return Err(other());
            }
            let value = map.next_value_seed(Replacement)?;
            self.sets.push(Set {
                index: self.index,
                key: Some(key),
                value,
            });
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // `[new]` only: `[old, new]` would replace the whole part (the general path's).
        let part = seq.next_element::<&'de RawValue>()?.ok_or_else(other)?;
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(other());
        }
        self.sets.push(Set {
            index: self.index,
            key: None,
            value: New::Raw(part),
        });
        Ok(())
    }
}

/// `[new]` or `[old, new]`: the new value; the old one is skipped without being built.
struct Replacement;

impl<'de> DeserializeSeed<'de> for Replacement {
    type Value = New<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Replacement {
    type Value = New<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[new] or [old, new]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Kept raw until the length says whether it is the new value.
        let first = seq.next_element::<&'de RawValue>()?.ok_or_else(other)?;
        // The new value of a replacement: a string, read once (a number or an object here goes
        // the general way).
        let Some(second) = seq.next_element_seed(Text)? else {
            return Ok(New::Raw(first));
        };
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(New::Text(second)),
            Some(_) => Err(other()),
        }
    }
}

/// A JSON string, borrowed from the event when it has no escapes.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_owned()))
    }
}

/// `[[i0, …, iN, "suffix"], 9, 9]`: the indexes and the suffix.
struct Append;

impl<'de> DeserializeSeed<'de> for Append {
    type Value = (Vec<usize>, Cow<'de, str>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Append {
    type Value = (Vec<usize>, Cow<'de, str>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an append shortcut")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let route = seq.next_element_seed(Route)?.ok_or_else(other)?;
        let nine = |raw: Option<&RawValue>| raw.is_some_and(|r| r.get() == "9");
        if !nine(seq.next_element()?) || !nine(seq.next_element()?) {
            return Err(other());
        }
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(other());
        }
        Ok(route)
    }
}

/// `[i0, …, iN, "suffix"]`: plain decimal indexes (the general path refuses or reads any other
/// number), then the string.
struct Route;

impl<'de> DeserializeSeed<'de> for Route {
    type Value = (Vec<usize>, Cow<'de, str>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Route {
    type Value = (Vec<usize>, Cow<'de, str>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an append route")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut steps = Vec::new();
        // Each item is an index once a later one comes; the last is the suffix.
        let mut last = seq.next_element::<&'de RawValue>()?.ok_or_else(other)?;
        while let Some(next) = seq.next_element::<&'de RawValue>()? {
            let digits = last.get();
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(other());
            }
            steps.push(digits.parse::<usize>().map_err(|_| other())?);
            last = next;
        }
        let suffix = super::decode::json_str(last.get()).ok_or_else(other)?;
        Ok((steps, suffix))
    }
}
