//! The common v2 events, applied in one pass: a `message.parts.chunk` whose delta sets fields
//! of parts that exist, `{"3": {"text": ["old", "new"]}, "_t": "a"}`, or adds parts at the end,
//! `{"4": [{"type": "text", …}], "_t": "a"}`. That is how v0 grows a part's text (it resends the
//! whole text, old and new, in every chunk) and starts the next part, so nearly every event of a
//! chat is one.
//!
//! The general path ([`super::decode`] then [`super::patch`]) builds the delta as a
//! `serde_json::Value` tree — a map per level, a `String` per key, the old text too — and walks
//! it twice, checking then patching: about a dozen allocations an event. Here the delta is read
//! straight from the event's text (keys borrowed, old values skipped without being built) and a
//! new string is written into the part's own string, reusing its buffer.
//!
//! Anything else — another `object`, another delta shape (removals, moves, a part inserted
//! before the end), a repeated index, a part that is not there or not an object — is left to the general path, which decodes the event as before and
//! reports what does not fit: [`apply`] changes nothing unless it applies the whole event, with
//! the result the general path would have (a property test in `tests/chunk.rs` holds it to that).
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
    let mut de = serde_json::Deserializer::from_str(data);
    let sets = de.deserialize_map(EventVisitor).ok()?;
    de.end().ok()?;
    Some(sets).filter(|sets| !sets.is_empty())
}

/// Why a reader gave up: not an error of the event, only "not this shape".
fn other<E: de::Error>() -> E {
    E::custom("not the common chunk")
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Vec<Set<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message.parts.chunk event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut chunk, mut sets) = (false, None);
        while let Some(key) = map.next_key::<FieldName>()? {
            match key {
                FieldName::Object => {
                    // Exactly this text (a name spelt with escapes goes the general way).
                    let object = map.next_value::<&'de RawValue>()?;
                    if chunk || object.get() != "\"message.parts.chunk\"" {
                        return Err(other());
                    }
                    chunk = true;
                }
                FieldName::Delta if sets.is_none() => {
                    sets = Some(map.next_value_seed(ArrayDelta)?);
                }
                FieldName::Delta => return Err(other()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        sets.filter(|_| chunk).ok_or_else(other)
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
            // A repeated key goes the general way (whose decode keeps the last one).
            if self
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
