//! Applies jsondiffpatch deltas (and v0's append shortcut) to a `serde_json::Value`.
//!
//! No Rust crate applies jsondiffpatch's delta format (json-patch implements RFC 6902, a
//! different format), so this is written by hand, following jsondiffpatch's own patch filters:
//!
//! | delta | meaning |
//! |---|---|
//! | `[new]` | added |
//! | `[old, new]` | replaced |
//! | `[old, 0, 0]` | deleted |
//! | `[patch, 0, 2]` | text diff: diff-match-patch patch text, applied exactly ([`super::textdiff`]) |
//! | `["", dest, 3]` | (under `_N` in an array delta) moved from index N to `dest` |
//! | `{…}` | nested object delta |
//! | `{"_t":"a", …}` | nested array delta: `"N"` keys name indexes in the new array, `"_N"` keys indexes in the old one |
//! | `[[i0,…,iN,"suffix"],9,9]` | v0 append shortcut: follow the indexes, append `suffix` to the string there |
//!
//! Array deltas apply in jsondiffpatch's order: removals (deletes and moves) from the highest
//! old index down, then insertions (added items and move targets) from the lowest new index up,
//! then nested modifications at new indexes.
//!
//! A delta is checked against the whole state before anything changes, so a delta that does
//! not fit leaves the state exactly as it was.
//!
//! ```
//! use serde_json::json;
//! use sajtmaskin_integrations::v0::patch::apply;
//!
//! let mut parts = json!([{"type": "text", "text": "Hej"}]);
//! apply(&mut parts, json!({"0": {"text": ["Hej", "Hej då"]}, "_t": "a"})).unwrap();
//! assert_eq!(parts, json!([{"type": "text", "text": "Hej då"}]));
//!
//! // v0's append shortcut: follow 0 → 1 → 0 → 2 and append.
//! let mut content = json!([[0, [["text", {}, "Hej"]]]]);
//! apply(&mut content, json!([[0, 1, 0, 2, " då"], 9, 9])).unwrap();
//! assert_eq!(content, json!([[0, [["text", {}, "Hej då"]]]]));
//!
//! // A delta that does not fit changes nothing.
//! let before = content.clone();
//! assert!(apply(&mut content, json!({"5": {"x": [1, 2]}, "_t": "a"})).is_err());
//! assert_eq!(content, before);
//! ```

use crate::json::ToJson;
use std::borrow::Borrow;

use serde_json::{Map, Value};

/// Why a delta was not applied. The state is unchanged in every case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The delta is not a jsondiffpatch delta.
    #[error("malformed delta at {path}: {reason}")]
    Malformed {
        /// Location.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The delta is well-formed but does not fit the state (missing path, wrong type, index
    /// out of range).
    #[error("delta does not fit the state at {path}: {reason}")]
    Mismatch {
        /// Location.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

impl PatchError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PatchError::Malformed { .. } => "delta_malformed",
            PatchError::Mismatch { .. } => "delta_mismatch",
        }
    }
}

/// Applies `delta` to `target`, or changes nothing and says why. The delta is consumed: its
/// new values are moved into the state, not copied (v0 resends whole strings in every chunk).
pub fn apply(target: &mut Value, delta: Value) -> Result<(), PatchError> {
    let mut path = Path::default();
    check(target, &delta, &mut path)?;
    patch(target, delta, &mut path)
}

/// The lowest index of an array that `delta` can change (0 when it is not an array delta):
/// the items before it are as they were once the delta applies.
pub fn first_index(delta: &Value) -> usize {
    let route_start = |route: &Value| route.as_array()?.first()?.as_u64();
    let lowest = match delta {
        Value::Object(map) if map.get("_t").and_then(Value::as_str) == Some("a") => map
            .iter()
            .filter(|(key, _)| key.as_str() != "_t")
            .map(|(key, child)| {
                let index = key.trim_start_matches('_').parse::<u64>().ok();
                // A move also changes its destination.
                let dest = child
                    .as_array()
                    .filter(|items| items.len() == 3 && items.get(2) == Some(&Value::from(3)))
                    .and_then(|items| items.get(1))
                    .and_then(Value::as_u64);
                index.map(|i| dest.map_or(i, |d| i.min(d))).unwrap_or(0)
            })
            .min(),
        Value::Array(items) if items.len() == 3 => items.first().and_then(route_start),
        _ => None,
    };
    lowest.and_then(|i| usize::try_from(i).ok()).unwrap_or(0)
}

/// The location inside the state, for error messages: `/key/3/…`, kept in one buffer that
/// grows and shrinks with the walk (a `String` per level was a third of an event's allocations).
#[derive(Default)]
struct Path(String);

impl Path {
    fn render(&self) -> String {
        if self.0.is_empty() {
            return "/".to_owned();
        }
        self.0.clone()
    }
    // The error constructors are cold and never inlined: inlined at each of their forty call
    // sites they were kilobytes of the module, for paths a well-formed stream never takes.
    #[cold]
    #[inline(never)]
    fn malformed(&self, reason: impl Into<String>) -> PatchError {
        PatchError::Malformed {
            path: self.render(),
            reason: reason.into(),
        }
    }
    #[cold]
    #[inline(never)]
    fn mismatch(&self, reason: impl Into<String>) -> PatchError {
        PatchError::Mismatch {
            path: self.render(),
            reason: reason.into(),
        }
    }
    fn scoped<T>(&mut self, key: impl std::fmt::Display, f: impl FnOnce(&mut Self) -> T) -> T {
        use std::fmt::Write;
        let len = self.0.len();
        // Writing to a String cannot fail.
        let _ = write!(self.0, "/{key}");
        let out = f(self);
        self.0.truncate(len);
        out
    }
}

/// What one delta node does to the value it applies to.
enum Op<'d> {
    /// `[new]` or `[old, new]`.
    Set,
    Delete,
    Append {
        steps: &'d [Value],
        suffix: &'d str,
    },
    /// `[patch, 0, 2]`.
    Text(&'d str),
    Object(&'d Map<String, Value>),
    Array(&'d Map<String, Value>),
}

fn classify<'d>(delta: &'d Value, path: &Path) -> Result<Op<'d>, PatchError> {
    match delta {
        Value::Object(map) => match map.get("_t") {
            Some(Value::String(t)) if t == "a" => Ok(Op::Array(map)),
            Some(other) => Err(path.malformed(format!("unknown _t {}", other.to_json()))),
            None => Ok(Op::Object(map)),
        },
        Value::Array(items) => match items.as_slice() {
            [_] | [_, _] => Ok(Op::Set),
            [Value::String(patch), Value::Number(a), Value::Number(b)]
                if a.as_u64() == Some(0) && b.as_u64() == Some(2) =>
            {
                Ok(Op::Text(patch))
            }
            [_, Value::Number(a), Value::Number(b)] if a.as_u64() == Some(0) => match b.as_u64() {
                Some(0) => Ok(Op::Delete),
                Some(2) => Err(path.malformed("a text diff's patch must be a string")),
                Some(3) => Err(path.malformed("an array move is only valid under an _N key")),
                _ => Err(path.malformed(format!("unknown delta type {b}"))),
            },
            [Value::Array(route), Value::Number(a), Value::Number(b)]
                if a.as_u64() == Some(9) && b.as_u64() == Some(9) =>
            {
                match route.split_last() {
                    Some((Value::String(suffix), steps)) => Ok(Op::Append { steps, suffix }),
                    _ => Err(path.malformed("append shortcut must end with a string suffix")),
                }
            }
            [_, _, Value::Number(b)] if b.as_u64() == Some(3) => {
                Err(path.malformed("an array move is only valid under an _N key"))
            }
            _ => Err(path.malformed(format!("unrecognised delta array of {} items", items.len()))),
        },
        other => Err(path.malformed(format!(
            "a delta must be an object or array, got {}",
            other.to_json()
        ))),
    }
}

/// Checks without changing anything that `delta` applies to `target`.
fn check(target: &Value, delta: &Value, path: &mut Path) -> Result<(), PatchError> {
    match classify(delta, path)? {
        // Adding/replacing/deleting the value itself is decided by its parent.
        Op::Set | Op::Delete => Ok(()),
        Op::Append { steps, .. } => {
            let mut at = target;
            for step in steps {
                at = step_into(at, step, path)?;
            }
            match at {
                Value::String(_) => Ok(()),
                other => Err(path.mismatch(format!(
                    "append shortcut target is {}, not a string",
                    kind(other)
                ))),
            }
        }
        Op::Text(patch) => text_patched(target, patch, path).map(drop),
        Op::Object(map) => {
            let Value::Object(object) = target else {
                return Err(path.mismatch(format!("object delta on {}", kind(target))));
            };
            for (key, child) in map {
                path.scoped(key, |path| match classify(child, path)? {
                    Op::Set | Op::Delete => Ok(()),
                    _ => match object.get(key) {
                        Some(value) => check(value, child, path),
                        None => Err(path.mismatch("no such key")),
                    },
                })?;
            }
            Ok(())
        }
        Op::Array(map) => {
            let Value::Array(array) = target else {
                return Err(path.mismatch(format!("array delta on {}", kind(target))));
            };
            let plan = ArrayPlan::new(map, path)?;
            let slots = plan.layout(array.len(), path)?;
            for (index, child) in &plan.modify {
                path.scoped(index, |path| {
                    let slot = slots
                        .get(*index)
                        .ok_or_else(|| path.mismatch("index out of range"))?;
                    match classify(child, path)? {
                        Op::Delete => Err(path
                            .malformed("only replacements and nested deltas modify array items")),
                        Op::Set => Ok(()),
                        _ => {
                            let value = match slot {
                                Slot::Old(i) => array.get(i),
                                Slot::New(v) => Some(v),
                            };
                            let value = value.ok_or_else(|| path.mismatch("index out of range"))?;
                            check(value, child, path)
                        }
                    }
                })?;
            }
            Ok(())
        }
    }
}

/// What a delta node does, without borrowing it (so the node can be consumed).
#[derive(Clone, Copy)]
enum OpKind {
    Set,
    Delete,
    Append,
    Text,
    Object,
    Array,
}

/// The string at `target` with the text diff `patch` applied.
fn text_patched(target: &Value, patch: &str, path: &Path) -> Result<String, PatchError> {
    let Value::String(text) = target else {
        return Err(path.mismatch(format!("text diff on {}", kind(target))));
    };
    super::textdiff::apply(text, patch).map_err(|e| match e {
        super::textdiff::TextPatchError::Malformed(why) => path.malformed(why),
        super::textdiff::TextPatchError::Mismatch(why) => path.mismatch(why),
    })
}

fn op_kind(delta: &Value, path: &Path) -> Result<OpKind, PatchError> {
    Ok(match classify(delta, path)? {
        Op::Set => OpKind::Set,
        Op::Delete => OpKind::Delete,
        Op::Append { .. } => OpKind::Append,
        Op::Text(_) => OpKind::Text,
        Op::Object(_) => OpKind::Object,
        Op::Array(_) => OpKind::Array,
    })
}

/// The new value of an `[new]` or `[old, new]` node: its last item, moved out.
fn new_value(delta: Value) -> Value {
    match delta {
        Value::Array(mut items) => items.pop().unwrap_or(Value::Null),
        other => other,
    }
}

/// Applies a delta already accepted by [`check`]. The error paths are unreachable after a
/// successful check but kept, because a panic would abort the wasm instance.
fn patch(target: &mut Value, delta: Value, path: &mut Path) -> Result<(), PatchError> {
    match op_kind(&delta, path)? {
        OpKind::Set => {
            *target = new_value(delta);
            Ok(())
        }
        OpKind::Delete => Err(path.malformed("cannot delete the root")),
        OpKind::Append => {
            let Op::Append { steps, suffix } = classify(&delta, path)? else {
                return Err(path.malformed("not an append shortcut"));
            };
            let mut at = target;
            for step in steps {
                at = step_into_mut(at, step, path)?;
            }
            match at {
                Value::String(s) => {
                    s.push_str(suffix);
                    Ok(())
                }
                _ => Err(path.mismatch("append shortcut target is not a string")),
            }
        }
        OpKind::Text => {
            let Value::Array(items) = &delta else {
                return Err(path.malformed("not a text diff"));
            };
            let Some(Value::String(patch)) = items.first() else {
                return Err(path.malformed("not a text diff"));
            };
            *target = Value::String(text_patched(target, patch, path)?);
            Ok(())
        }
        OpKind::Object => {
            let (Value::Object(object), Value::Object(map)) = (target, delta) else {
                return Err(path.mismatch("object delta on a non-object"));
            };
            for (key, child) in map {
                match path.scoped(&key, |path| op_kind(&child, path))? {
                    // A replaced value keeps its key; only a new key is moved in.
                    OpKind::Set => match object.get_mut(&key) {
                        Some(value) => *value = new_value(child),
                        None => {
                            object.insert(key, new_value(child));
                        }
                    },
                    OpKind::Delete => {
                        object.remove(&key);
                    }
                    _ => path.scoped(&key, |path| match object.get_mut(&key) {
                        Some(value) => patch(value, child, path),
                        None => Err(path.mismatch("no such key")),
                    })?,
                }
            }
            Ok(())
        }
        OpKind::Array => {
            let (Value::Array(array), Value::Object(map)) = (target, delta) else {
                return Err(path.mismatch("array delta on a non-array"));
            };
            let plan = ArrayPlan::new(map, path)?;
            let mut inserts: Vec<(usize, Value)> = plan
                .insert
                .into_iter()
                .map(|(index, added)| (index, new_value(added)))
                .collect();
            for (old, dest) in &plan.remove {
                if *old >= array.len() {
                    return Err(path.mismatch("index out of range"));
                }
                let removed = array.remove(*old);
                if let Some(dest) = dest {
                    inserts.push((*dest, removed));
                }
            }
            let inserts = by_index(inserts, false);
            for (index, value) in inserts {
                if index > array.len() {
                    return Err(path.mismatch("insert index out of range"));
                }
                array.insert(index, value);
            }
            for (index, child) in plan.modify {
                path.scoped(index, |path| match array.get_mut(index) {
                    Some(item) => patch(item, child, path),
                    None => Err(path.mismatch("index out of range")),
                })?;
            }
            Ok(())
        }
    }
}

/// `items` in the order of their index (highest first when `descending`), equal indexes in
/// their given order. Every list is sorted through one `(usize, usize)` sort: a `sort_by_key`
/// per item type put six copies of the sort code into the wasm module (one sort saves 20 KB
/// raw, 2.9 KB gzip). The sort is the binary heap's (a heapsort, O(n log n)): the slice sorts
/// are 7 KB of wasm, and these lists hold the entries of one delta.
fn by_index<T>(items: Vec<(usize, T)>, descending: bool) -> Vec<(usize, T)> {
    if items.len() < 2 {
        return items;
    }
    let order: Vec<(usize, usize)> = items
        .iter()
        .enumerate()
        .map(|(at, (index, _))| {
            (
                if descending {
                    usize::MAX - index
                } else {
                    *index
                },
                at,
            )
        })
        .collect();
    let order = std::collections::BinaryHeap::from(order).into_sorted_vec();
    let mut slots: Vec<Option<(usize, T)>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(_, at)| slots.get_mut(at).and_then(Option::take))
        .collect()
}

/// One array delta, sorted into jsondiffpatch's three phases. `V` is `&Value` while checking
/// and `Value` while applying (the delta's nodes are then moved, not copied).
struct ArrayPlan<V> {
    /// Old indexes to remove, highest first; `Some(dest)` when the item moves there.
    remove: Vec<(usize, Option<usize>)>,
    /// Added nodes (`[new]`) and their new indexes (move targets are added while removing).
    insert: Vec<(usize, V)>,
    /// Nested deltas at new indexes.
    modify: Vec<(usize, V)>,
}

/// Where an item of the patched array comes from.
#[derive(Clone, Copy)]
enum Slot<'a> {
    Old(usize),
    New(&'a Value),
}

/// Where every item of the patched array comes from.
enum Layout<'a> {
    /// Removals or moves: each item's origin, in order.
    Slots(Vec<Slot<'a>>),
    /// Insertions only (most v0 deltas: parts added at the end): found from the inserts
    /// alone, without a slot per item (which made each event cost as much as the array).
    Inserted {
        /// The old length.
        len: usize,
        /// The inserted items by new index, ascending.
        inserts: Vec<(usize, Slot<'a>)>,
    },
}

impl<'a> Layout<'a> {
    /// The origin of the patched array's item `index`.
    fn get(&self, index: usize) -> Option<Slot<'a>> {
        match self {
            Layout::Slots(slots) => slots.get(index).copied(),
            Layout::Inserted { len, inserts } => {
                match inserts.binary_search_by_key(&index, |(at, _)| *at) {
                    Ok(found) => inserts.get(found).map(|(_, slot)| *slot),
                    // Items inserted before `index` pushed the old item there this far.
                    Err(before) => {
                        Some(Slot::Old(index - before)).filter(|_| index - before < *len)
                    }
                }
            }
        }
    }
}

impl<V: Borrow<Value>> ArrayPlan<V> {
    fn new<K: AsRef<str>>(
        entries: impl IntoIterator<Item = (K, V)>,
        path: &Path,
    ) -> Result<Self, PatchError> {
        let mut plan = ArrayPlan {
            remove: Vec::new(),
            insert: Vec::new(),
            modify: Vec::new(),
        };
        for (key, child) in entries {
            let key = key.as_ref();
            if key == "_t" {
                continue;
            }
            if let Some(old) = key.strip_prefix('_') {
                let old = parse_index(old, path)?;
                match child.borrow().as_array().map(Vec::as_slice) {
                    Some([_, Value::Number(a), Value::Number(b)])
                        if a.as_u64() == Some(0) && b.as_u64() == Some(0) =>
                    {
                        plan.remove.push((old, None));
                    }
                    Some([_, Value::Number(dest), Value::Number(b)]) if b.as_u64() == Some(3) => {
                        let dest = dest
                            .as_u64()
                            .and_then(|d| usize::try_from(d).ok())
                            .ok_or_else(|| path.malformed("move destination is not an index"))?;
                        plan.remove.push((old, Some(dest)));
                    }
                    _ => {
                        return Err(path.malformed(format!(
                            "_{old} must hold a deletion [old,0,0] or a move [\"\",dest,3]"
                        )))
                    }
                }
            } else {
                let index = parse_index(key, path)?;
                if matches!(child.borrow().as_array().map(Vec::len), Some(1)) {
                    plan.insert.push((index, child));
                } else {
                    plan.modify.push((index, child));
                }
            }
        }
        plan.remove = by_index(plan.remove, true);
        plan.insert = by_index(plan.insert, false);
        Ok(plan)
    }

    /// The patched array's items by origin, checking every index against `len` on the way.
    fn layout(&self, len: usize, path: &Path) -> Result<Layout<'_>, PatchError> {
        let mut inserts: Vec<(usize, Slot<'_>)> = self
            .insert
            .iter()
            .filter_map(|(index, added)| Some((*index, Slot::New(added.borrow().get(0)?))))
            .collect();
        if self.remove.is_empty() {
            // Ascending inserts, each within the array as it is by then.
            for (n, (index, _)) in inserts.iter().enumerate() {
                if *index > len + n {
                    return Err(path.mismatch(format!(
                        "cannot insert at index {index} of an array of {}",
                        len + n
                    )));
                }
            }
            return Ok(Layout::Inserted { len, inserts });
        }
        let mut slots: Vec<Slot<'_>> = (0..len).map(Slot::Old).collect();
        let mut previous = None;
        for (old, dest) in &self.remove {
            if previous == Some(*old) {
                return Err(path.malformed(format!("index _{old} appears twice")));
            }
            previous = Some(*old);
            if *old >= slots.len() {
                return Err(
                    path.mismatch(format!("cannot remove index {old} of an array of {len}"))
                );
            }
            let slot = slots.remove(*old);
            if let Some(dest) = dest {
                inserts.push((*dest, slot));
            }
        }
        let inserts = by_index(inserts, false);
        for (index, slot) in inserts {
            if index > slots.len() {
                return Err(path.mismatch(format!(
                    "cannot insert at index {index} of an array of {}",
                    slots.len()
                )));
            }
            slots.insert(index, slot);
        }
        Ok(Layout::Slots(slots))
    }
}

fn parse_index(key: &str, path: &Path) -> Result<usize, PatchError> {
    key.parse::<usize>()
        .map_err(|_| path.malformed(format!("array delta key {} is not an index", key.to_json())))
}

/// One step of an append-shortcut route: an integer index into an array.
fn step_into<'v>(at: &'v Value, step: &Value, path: &Path) -> Result<&'v Value, PatchError> {
    let index = route_index(step, path)?;
    match at {
        Value::Array(items) => items
            .get(index)
            .ok_or_else(|| path.mismatch(format!("append route index {index} out of range"))),
        other => Err(path.mismatch(format!("append route steps into {}", kind(other)))),
    }
}

fn step_into_mut<'v>(
    at: &'v mut Value,
    step: &Value,
    path: &Path,
) -> Result<&'v mut Value, PatchError> {
    let index = route_index(step, path)?;
    match at {
        Value::Array(items) => items
            .get_mut(index)
            .ok_or_else(|| path.mismatch(format!("append route index {index} out of range"))),
        _ => Err(path.mismatch("append route steps into a non-array")),
    }
}

fn route_index(step: &Value, path: &Path) -> Result<usize, PatchError> {
    step.as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .ok_or_else(|| {
            path.malformed(format!(
                "append route step {} is not an index",
                step.to_json()
            ))
        })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
