//! The JSON reader of the stream: v0's events, read from their text.
//!
//! Written by hand, not with serde_json's deserializer (issue 26): the events are read in one
//! pass, keys and plain strings borrowed from the text and values skipped without being built
//! until the event says it needs them, and the state they build is serde_json's `Value` as
//! before. serde's deserializer machinery (its visitors, one instantiation per type read, and
//! the error messages that print any JSON number, with Rust's float formatting) was the largest
//! part of the wasm module that reading needs. The writer at the end ([`ToJson`]) does the same
//! for what crosses to JS.
//!
//! It reads what serde_json reads: RFC 8259 JSON; a value built nested at most [`MAX_DEPTH`]
//! levels deep (as serde_json's recursion limit allows), a value skipped ([`Reader::raw`]) to
//! any depth (as serde_json skips one); numbers kept as their text (the `arbitrary_precision`
//! representation, parsed by serde_json's own `Number`); a repeated key keeping its last value.
//! One difference, on purpose: serde_json, with `arbitrary_precision` and `raw_value`, reads an
//! object whose only key is `$serde_json::private::Number` or `$serde_json::private::RawValue`
//! as a number or a raw value (its internal markers); here it is the object it is.
//! `tests/json.rs` holds it to serde_json on generated and hand-made inputs, valid and not.
//!
//! ```
//! use sajtmaskin_integrations::json::{parse, Reader};
//!
//! let value = parse(r#"{"a": [1, 2.50, "x\u00e9"], "b": null}"#).unwrap();
//! assert_eq!(value["a"][1].to_string(), "2.50");
//! assert_eq!(value["a"][2], "xé");
//!
//! // One pass over an object: keys borrowed, a value kept as its raw text.
//! let mut reader = Reader::new(r#"{"object":"chat","id":"c1"}"#);
//! let mut fields = Vec::new();
//! reader.object(|reader, key| {
//!     fields.push((key.into_owned(), reader.raw()?));
//!     Ok(())
//! }).unwrap();
//! reader.end().unwrap();
//! assert_eq!(fields, [("object".into(), r#""chat""#), ("id".into(), r#""c1""#)]);
//! ```

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

/// How many levels deep arrays and objects may nest: 127, as serde_json's default recursion
/// limit (128) allows.
pub const MAX_DEPTH: usize = 127;

/// Why a text could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON: `expected` what, at byte `at`.
    #[error("expected {expected} at byte {at}")]
    Syntax {
        /// What the reader expected.
        expected: &'static str,
        /// Byte offset in the text.
        at: usize,
    },
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("nested more than 127 levels deep at byte {at}")]
    TooDeep {
        /// Byte offset in the text.
        at: usize,
    },
    /// JSON, but not what the caller reads (a caller's own "not this shape").
    #[error("not the shape read here")]
    Shape,
}

/// A cursor over JSON text.
pub struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

type Result<T> = std::result::Result<T, JsonError>;

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            at: 0,
            depth: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn fail<T>(&self, expected: &'static str) -> Result<T> {
        Err(JsonError::Syntax {
            expected,
            at: self.at,
        })
    }

    /// The next byte that is not whitespace, without taking it.
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes().get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Takes `byte` (after whitespace), or fails expecting `what`.
    fn eat(&mut self, byte: u8, what: &'static str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(what)
        }
    }

    /// Takes `word` exactly.
    fn word(&mut self, word: &'static str) -> Result<()> {
        if self
            .bytes()
            .get(self.at..)
            .is_some_and(|b| b.starts_with(word.as_bytes()))
        {
            self.at += word.len();
            Ok(())
        } else {
            self.fail(word)
        }
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.fail("the end of the text"),
        }
    }

    fn nest(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonError::TooDeep { at: self.at });
        }
        Ok(())
    }

    /// Reads an object, calling `field` with the reader placed at each value and its key; the
    /// value must be read (or skipped with [`Reader::raw`]) by `field`.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, Cow<'a, str>) -> Result<()>,
    ) -> Result<()> {
        let brackets = (b'{', b'}', "an object", "a comma or the end of the object");
        self.items(brackets, |reader, _| {
            let key = reader.string()?;
            reader.eat(b':', "a colon")?;
            field(reader, key)
        })
    }

    /// Reads an array, calling `item` with the reader placed at each item and its index; the
    /// item must be read (or skipped) by `item`.
    pub fn array(&mut self, item: impl FnMut(&mut Self, usize) -> Result<()>) -> Result<()> {
        self.items(
            (b'[', b']', "an array", "a comma or the end of the array"),
            item,
        )
    }

    /// The comma-separated items between an opening and a closing bracket (with what to call
    /// each in an error), each read by `item` with its index; one level of nesting.
    // Inlined into `object` and `array`, as their loops were (182 B gzip less than a call).
    #[inline(always)]
    fn items(
        &mut self,
        (open, close, what, after_item): (u8, u8, &'static str, &'static str),
        mut item: impl FnMut(&mut Self, usize) -> Result<()>,
    ) -> Result<()> {
        self.eat(open, what)?;
        self.nest()?;
        if self.peek() != Some(close) {
            let mut index = 0;
            loop {
                item(self, index)?;
                index += 1;
                match self.peek() {
                    Some(b',') => self.at += 1,
                    Some(b) if b == close => break,
                    _ => return self.fail(after_item),
                }
            }
        }
        self.at += 1;
        self.depth -= 1;
        Ok(())
    }

    /// Reads a string, borrowed from the text when it has no escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>> {
        self.eat(b'"', "a string")?;
        let start = self.at;
        let run = self.plain();
        match self.bytes().get(self.at) {
            Some(b'"') => {
                self.at += 1;
                Ok(Cow::Borrowed(run))
            }
            Some(b'\\') => {
                // The string's end first: decoded, it is never longer than its JSON, so a
                // buffer of that size never grows (a grown one leaves a copy of what it held in
                // freed memory, and a string may be a secret: an MCP server's bearer token).
                let escape = self.at;
                self.at = start - 1;
                self.skip_string()?;
                let mut owned = String::with_capacity(self.at - start);
                self.at = escape;
                owned.push_str(run);
                self.escaped(&mut owned)?;
                Ok(Cow::Owned(owned))
            }
            Some(_) => self.fail("a character allowed in a string"),
            None => self.fail("the end of the string"),
        }
    }

    /// Takes the characters a string holds as themselves from here: up to a quote, a backslash,
    /// a control character or the end.
    fn plain(&mut self) -> &'a str {
        let rest = self.bytes().get(self.at..).unwrap_or_default();
        let end = self.at + crate::v0::grow::special(rest).unwrap_or(rest.len());
        // `end` is at an ASCII byte or the end: a char boundary.
        let run = self.text.get(self.at..end).unwrap_or_default();
        self.at = end;
        run
    }

    /// Skips a string, checking its characters and the form of its escapes but not what a `\u`
    /// escape stands for, as serde_json skips one (a lone surrogate is refused only in a string
    /// that is read).
    fn skip_string(&mut self) -> Result<()> {
        self.eat(b'"', "a string")?;
        loop {
            self.plain();
            match self.bytes().get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.bytes().get(self.at) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.at += 1
                        }
                        Some(b'u') => {
                            self.at += 1;
                            self.hex4()?;
                        }
                        _ => return self.fail("an escape"),
                    }
                }
                Some(_) => return self.fail("a character allowed in a string"),
                None => return self.fail("the end of the string"),
            }
        }
    }

    /// The rest of a string from its first backslash, appended to `out`.
    fn escaped(&mut self, out: &mut String) -> Result<()> {
        loop {
            out.push_str(self.plain());
            match self.bytes().get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escape = self.bytes().get(self.at).copied();
                    self.at += 1;
                    out.push(match escape {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode()?,
                        _ => {
                            self.at -= 1;
                            return self.fail("an escape");
                        }
                    });
                }
                Some(_) => return self.fail("a character allowed in a string"),
                None => return self.fail("the end of the string"),
            }
        }
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u32> {
        let digits = self.text.get(self.at..self.at + 4).unwrap_or_default();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return self.fail("four hex digits");
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).or_else(|_| self.fail("four hex digits"))
    }

    /// The character of a `\u` escape (after the `u`); a surrogate pair is one character, a
    /// lone surrogate is an error (as in serde_json).
    fn unicode(&mut self) -> Result<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                self.word("\\u")?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return self.fail("a trailing surrogate");
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return self.fail("a leading surrogate"),
            code => code,
        };
        char::from_u32(code).map_or_else(|| self.fail("a character"), Ok)
    }

    /// A number's text, checked against JSON's grammar.
    fn number_text(&mut self) -> Result<&'a str> {
        let start = self.at;
        let digits = |reader: &mut Self| {
            let from = reader.at;
            while reader
                .bytes()
                .get(reader.at)
                .is_some_and(u8::is_ascii_digit)
            {
                reader.at += 1;
            }
            reader.at - from
        };
        if self.bytes().get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.bytes().get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.fail("a number"),
        }
        if self.bytes().get(self.at) == Some(&b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return self.fail("a digit");
            }
        }
        if matches!(self.bytes().get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes().get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return self.fail("a digit");
            }
        }
        Ok(self.text.get(start..self.at).unwrap_or_default())
    }

    /// Skips one value, checking it; returns its text. Without a nesting limit and without
    /// recursion, as serde_json skips a value it does not build (`IgnoredAny`, `RawValue`): a
    /// deeply nested field an event does not use does not make the event unreadable.
    pub fn raw(&mut self) -> Result<&'a str> {
        let start = match self.peek() {
            Some(_) => self.at,
            None => return self.fail("a value"),
        };
        // The closing brackets of the arrays and objects the value is inside of.
        let mut open: Vec<u8> = Vec::new();
        loop {
            // One value, or the start of an array or object.
            match self.peek() {
                Some(b'{') => {
                    self.at += 1;
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                    } else {
                        open.push(b'}');
                        self.skip_string()?;
                        self.eat(b':', "a colon")?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    if self.peek() == Some(b']') {
                        self.at += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'"') => self.skip_string()?,
                Some(b't') => self.word("true")?,
                Some(b'f') => self.word("false")?,
                Some(b'n') => self.word("null")?,
                Some(_) => {
                    self.number_text()?;
                }
                None => return self.fail("a value"),
            }
            // After a value: the next item, or the end of the arrays and objects it closes.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(self.text.get(start..self.at).unwrap_or_default());
                };
                match self.peek() {
                    Some(b',') => {
                        self.at += 1;
                        if close == b'}' {
                            self.skip_string()?;
                            self.eat(b':', "a colon")?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.at += 1;
                        open.pop();
                    }
                    _ => return self.fail("a comma or the end of an array or object"),
                }
            }
        }
    }

    /// Reads one value into a `Value`.
    pub fn value(&mut self) -> Result<Value> {
        match self.peek() {
            Some(b'{') => {
                let mut map = Map::new();
                self.object(|reader, key| {
                    let value = reader.value()?;
                    map.insert(key.into_owned(), value);
                    Ok(())
                })?;
                Ok(Value::Object(map))
            }
            Some(b'[') => {
                let mut items = Vec::new();
                self.array(|reader, _| {
                    items.push(reader.value()?);
                    Ok(())
                })?;
                Ok(Value::Array(items))
            }
            Some(b'"') => Ok(Value::String(self.string()?.into_owned())),
            Some(b't') => self.word("true").map(|()| Value::Bool(true)),
            Some(b'f') => self.word("false").map(|()| Value::Bool(false)),
            Some(b'n') => self.word("null").map(|()| Value::Null),
            Some(_) => {
                let text = self.number_text()?;
                // The grammar is checked: serde_json keeps the text (`arbitrary_precision`).
                text.parse::<Number>()
                    .map(Value::Number)
                    .or_else(|_| self.fail("a number"))
            }
            None => self.fail("a value"),
        }
    }
}

/// Parses a whole text as one JSON value.
pub fn parse(text: &str) -> Result<Value> {
    let mut reader = Reader::new(text);
    let value = reader.value()?;
    reader.end()?;
    Ok(value)
}

/// The string the JSON `text` holds (a whole text that is one string), borrowed when it has no
/// escapes; `None` for anything else.
pub fn string(text: &str) -> Option<Cow<'_, str>> {
    let mut reader = Reader::new(text);
    let value = reader.string().ok()?;
    reader.end().ok()?;
    Some(value)
}

/// Whether `text` is one JSON value (nested to any depth).
pub fn is_json(text: &str) -> bool {
    let mut reader = Reader::new(text);
    reader.raw().is_ok() && reader.end().is_ok()
}

/// JSON text written as serde_json writes it (compact, the same string escapes, fields in the
/// order serde's derives give them): what crosses to JS. Written by hand for the wasm module,
/// where serde's serializer and a derived implementation per type were 9 KB gzip; natively the
/// types keep their serde derives, and `tests/json.rs` holds the two to the same text.
pub trait ToJson {
    /// Appends the JSON text of `self` to `out`.
    fn write_json(&self, out: &mut String);

    /// The JSON text of `self`.
    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// A JSON string: `"`, `\` and control characters escaped as serde_json escapes them.
pub fn write_str(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut rest = text;
    while let Some(at) = crate::v0::grow::special(rest.as_bytes()) {
        let (plain, tail) = rest.split_at(at);
        out.push_str(plain);
        let byte = tail.as_bytes().first().copied().unwrap_or_default();
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                out.push_str("\\u00");
                for nibble in [byte >> 4, byte & 15] {
                    out.push(char::from(
                        HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
                    ));
                }
            }
        }
        rest = tail.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    out.push('"');
}

/// The longest JSON text [`write_str`] writes for a string of `len` bytes (every byte escaped
/// as `\u00XX`): a buffer of a body's bound never grows while the body is written.
pub fn max_str_len(len: usize) -> usize {
    2 + 6 * len
}

/// At least the length of `value`'s JSON text ([`ToJson`]).
pub fn max_len(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(n) => n.as_str().len(),
        Value::String(s) => max_str_len(s.len()),
        Value::Array(items) => 2 + items.iter().map(|v| 1 + max_len(v)).sum::<usize>(),
        Value::Object(map) => max_map_len(map),
    }
}

/// At least the length of `map`'s JSON text ([`ToJson`]).
pub fn max_map_len(map: &Map<String, Value>) -> usize {
    2 + map
        .iter()
        .map(|(k, v)| 2 + max_str_len(k.len()) + max_len(v))
        .sum::<usize>()
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for usize {
    fn write_json(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson + ?Sized> ToJson for std::sync::Arc<T> {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(value) => value.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl ToJson for Map<String, Value> {
    fn write_json(&self, out: &mut String) {
        let mut object = Object::new(out);
        for (key, value) in self {
            object.field(key, value);
        }
        object.end();
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => b.write_json(out),
            // The number's text (`arbitrary_precision`).
            Value::Number(n) => out.push_str(n.as_str()),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => items.write_json(out),
            Value::Object(map) => map.write_json(out),
        }
    }
}

/// An object being written, field by field in order.
pub struct Object<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Starts an object.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, empty: true }
    }

    /// Writes `"key":value`.
    pub fn field(&mut self, key: &str, value: &(impl ToJson + ?Sized)) -> &mut Self {
        if !std::mem::take(&mut self.empty) {
            self.out.push(',');
        }
        write_str(self.out, key);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    /// Writes `"key":value` when there is a value (serde's `skip_serializing_if = "Option::is_none"`).
    pub fn some<T: ToJson>(&mut self, key: &str, value: &Option<T>) -> &mut Self {
        if let Some(value) = value {
            self.field(key, value);
        }
        self
    }

    /// Writes every field of `map` (serde's `flatten`).
    pub fn flatten(&mut self, map: &Map<String, Value>) -> &mut Self {
        for (key, value) in map {
            self.field(key, value);
        }
        self
    }

    /// Ends the object.
    pub fn end(self) {
        self.out.push('}');
    }
}
