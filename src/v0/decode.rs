//! One SSE event → one typed [`V0Event`], for the three input formats.
//!
//! Unknown `object` values and unknown proxy event names decode to [`V0Event::Ignored`]:
//! v0 adds event kinds over time and a reader must not fail on them. Unknown fields are
//! kept wherever the state holds whole JSON (parts, content, usage, done payloads).
//!
//! ```
//! use sajtmaskin_integrations::v0::decode::{decode_v0, V0Event};
//!
//! let event = decode_v0(r#"{"object":"chat.title","id":"c1","delta":"Pottery"}"#).unwrap();
//! assert_eq!(event, V0Event::Title("Pottery".into()));
//! ```

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::json::{self, Reader};

use super::Format;

/// A decoded v0 or proxy event.
#[derive(Debug, Clone, PartialEq)]
pub enum V0Event {
    /// A `chat` object (v1 or v2): its id, title and project id when present.
    Chat {
        /// `id`.
        id: Option<String>,
        /// `title`, when the chat has one.
        title: Option<String>,
        /// v2's `vercelProjectId`, else v1's `projectId`.
        project_id: Option<String>,
    },
    /// `chat.title`: the whole title so far.
    Title(String),
    /// A v2 `message` snapshot.
    Message {
        /// `chatId`.
        chat_id: Option<String>,
        /// `parts`, replacing the running array.
        parts: Option<Value>,
        /// `finishReason` was set: the closing snapshot.
        finished: bool,
    },
    /// v2 `message.parts.chunk`: a delta against `parts`.
    PartsDelta(Value),
    /// v1 `message.experimental_content.chunk`: a delta against `experimental_content`.
    ContentDelta(Value),
    /// `message.usage`.
    Usage(Value),
    /// A v0 `error` object or a proxy `error` event.
    Error {
        /// `message`.
        message: String,
        /// `code` (`"error"` when absent).
        code: String,
    },
    /// v1's `data: [DONE]`.
    StreamDone,
    /// Proxy `chatId`.
    ChatId(String),
    /// Proxy `projectId`.
    ProjectId {
        /// `id`.
        id: String,
        /// `v0ProjectId`.
        v0_project_id: Option<String>,
    },
    /// Proxy `thinking`: a text delta.
    ThinkingText(String),
    /// Proxy `content`: a text delta.
    ContentText(String),
    /// Proxy `parts`: the full current parts array.
    Parts(Value),
    /// Proxy `integration`: its `items`.
    Integration(Vec<Value>),
    /// Proxy `done`, with its payload.
    Done(Map<String, Value>),
    /// Proxy `meta`.
    Meta(Value),
    /// Something to tolerate: a ping, an unknown `object`, an unknown event name.
    Ignored,
}

impl V0Event {
    /// The format this event proves the stream to be, if it is decisive.
    pub fn format_hint(&self) -> Option<Format> {
        match self {
            V0Event::Message { .. } | V0Event::PartsDelta(_) | V0Event::Usage(_) => {
                Some(Format::V2)
            }
            V0Event::ContentDelta(_) | V0Event::StreamDone => Some(Format::V1),
            _ => None,
        }
    }
}

/// Why an event could not be decoded. The session reports it and goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The data is not JSON.
    #[error("event data is not valid JSON: {0}")]
    InvalidJson(String),
    /// JSON, but not the shape this event must have.
    #[error("unexpected event shape: {0}")]
    Unexpected(String),
}

impl DecodeError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::InvalidJson(_) => "invalid_json",
            DecodeError::Unexpected(_) => "unexpected_event",
        }
    }
}

fn parse(data: &str) -> Result<Value, DecodeError> {
    json::parse(data).map_err(|e| DecodeError::InvalidJson(e.to_string()))
}

fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn take_object(value: Value, what: &str) -> Result<Map<String, Value>, DecodeError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(DecodeError::Unexpected(format!(
            "{what} must be a JSON object, got {}",
            short(&other)
        ))),
    }
}

fn short(value: &Value) -> String {
    let text = crate::json::ToJson::to_json(value);
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

fn error_event(map: &Map<String, Value>) -> V0Event {
    V0Event::Error {
        message: string(map, "message").unwrap_or_else(|| "unknown error".to_owned()),
        code: string(map, "code").unwrap_or_else(|| "error".to_owned()),
    }
}

/// The fields of a v0 event that this reader uses, read in one pass and borrowing from the
/// event's data: they stay raw JSON text until the event's `object` says which it needs (the
/// delta excepted, decoded on the way), and fields no event uses are skipped without being
/// built. A repeated field keeps its last value, as a plain JSON decode does.
#[derive(Default)]
struct V0Fields<'a> {
    object: Option<&'a str>,
    id: Option<&'a str>,
    title: Option<&'a str>,
    vercel_project_id: Option<&'a str>,
    project_id: Option<&'a str>,
    chat_id: Option<&'a str>,
    finish_reason: Option<&'a str>,
    message: Option<&'a str>,
    code: Option<&'a str>,
    parts: Option<&'a str>,
    usage: Option<&'a str>,
    delta: Option<Value>,
}

impl<'a> V0Fields<'a> {
    /// Reads the event's object: `InvalidJson` for text that is not JSON, `Unexpected` for JSON
    /// that is not an object.
    fn read(data: &'a str) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(data);
        if reader.peek() != Some(b'{') {
            return Err(match json::parse(data) {
                Ok(other) => DecodeError::Unexpected(format!(
                    "a v0 event must be a JSON object, got {}",
                    short(&other)
                )),
                Err(e) => DecodeError::InvalidJson(e.to_string()),
            });
        }
        let mut fields = V0Fields::default();
        reader
            .object(|reader, key| {
                let slot = match FieldName::of(&key) {
                    FieldName::Delta => {
                        // Decoded on the way: every chunk event has one, and it is applied whole.
                        fields.delta = Some(reader.value()?);
                        return Ok(());
                    }
                    FieldName::Other => {
                        reader.raw()?;
                        return Ok(());
                    }
                    FieldName::Object => &mut fields.object,
                    FieldName::Id => &mut fields.id,
                    FieldName::Title => &mut fields.title,
                    FieldName::VercelProjectId => &mut fields.vercel_project_id,
                    FieldName::ProjectId => &mut fields.project_id,
                    FieldName::ChatId => &mut fields.chat_id,
                    FieldName::FinishReason => &mut fields.finish_reason,
                    FieldName::Message => &mut fields.message,
                    FieldName::Code => &mut fields.code,
                    FieldName::Parts => &mut fields.parts,
                    FieldName::Usage => &mut fields.usage,
                };
                *slot = Some(reader.raw()?);
                Ok(())
            })
            .and_then(|()| reader.end())
            .map_err(|e| DecodeError::InvalidJson(e.to_string()))?;
        Ok(fields)
    }
}

/// A key of a v0 event object.
pub(super) enum FieldName {
    Object,
    Id,
    Title,
    VercelProjectId,
    ProjectId,
    ChatId,
    FinishReason,
    Message,
    Code,
    Parts,
    Usage,
    Delta,
    Other,
}

impl FieldName {
    /// The field `name` is.
    pub(super) fn of(name: &str) -> FieldName {
        match name {
            "object" => FieldName::Object,
            "id" => FieldName::Id,
            "title" => FieldName::Title,
            "vercelProjectId" => FieldName::VercelProjectId,
            "projectId" => FieldName::ProjectId,
            "chatId" => FieldName::ChatId,
            "finishReason" => FieldName::FinishReason,
            "message" => FieldName::Message,
            "code" => FieldName::Code,
            "parts" => FieldName::Parts,
            "usage" => FieldName::Usage,
            "delta" => FieldName::Delta,
            _ => FieldName::Other,
        }
    }
}

/// The string a raw field holds, borrowed when it has no escapes; `None` for any other JSON
/// value (v0 adds and changes fields, and a field of an unexpected type is treated as absent,
/// not as an error).
fn raw_str(raw: Option<&str>) -> Option<Cow<'_, str>> {
    json_str(raw?)
}

/// The string the JSON `text` holds, borrowed when it has no escapes; `None` for any other JSON
/// (and for text that is not JSON).
pub fn json_str(text: &str) -> Option<Cow<'_, str>> {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        // Between the quotes and free of quotes, backslashes and control characters: the
        // string itself, and valid JSON.
        Some(inner) if super::grow::special(inner.as_bytes()).is_none() => {
            Some(Cow::Borrowed(inner))
        }
        _ => json::string(text),
    }
}

/// As [`raw_str`], owned.
fn raw_text(raw: Option<&str>) -> Option<String> {
    raw_str(raw).map(Cow::into_owned)
}

/// The JSON value a raw field holds (`null` when absent).
fn raw_value(raw: Option<&str>) -> Value {
    raw.and_then(|raw| json::parse(raw).ok())
        .unwrap_or(Value::Null)
}

/// Decodes the data of a v0 (v1 or v2) event.
pub fn decode_v0(data: &str) -> Result<V0Event, DecodeError> {
    if data.trim() == "[DONE]" {
        return Ok(V0Event::StreamDone);
    }
    let fields = V0Fields::read(data)?;
    let Some(object) = raw_str(fields.object) else {
        return Err(DecodeError::Unexpected(
            "a v0 event needs a string `object` field".into(),
        ));
    };
    let delta = |delta: Option<Value>| {
        delta
            .filter(|d| !d.is_null())
            .ok_or_else(|| DecodeError::Unexpected(format!("`{object}` without a delta")))
    };
    Ok(match object.as_ref() {
        "chat" => V0Event::Chat {
            id: raw_text(fields.id),
            title: raw_text(fields.title),
            project_id: raw_text(fields.vercel_project_id).or_else(|| raw_text(fields.project_id)),
        },
        "chat.title" => match fields.delta {
            Some(Value::String(title)) => V0Event::Title(title),
            _ => {
                return Err(DecodeError::Unexpected(
                    "chat.title needs a string delta".into(),
                ))
            }
        },
        "message" => V0Event::Message {
            chat_id: raw_text(fields.chat_id),
            finished: fields.finish_reason.is_some_and(|raw| raw != "null"),
            parts: Some(raw_value(fields.parts)).filter(|parts| !parts.is_null()),
        },
        "message.parts.chunk" => V0Event::PartsDelta(delta(fields.delta)?),
        "message.experimental_content.chunk" => V0Event::ContentDelta(delta(fields.delta)?),
        "message.usage" => V0Event::Usage(raw_value(fields.usage)),
        "error" => V0Event::Error {
            message: raw_text(fields.message).unwrap_or_else(|| "unknown error".to_owned()),
            code: raw_text(fields.code).unwrap_or_else(|| "error".to_owned()),
        },
        _ => V0Event::Ignored,
    })
}

/// Decodes one named event of the builder's proxy format.
pub fn decode_proxy(name: &str, data: &str) -> Result<V0Event, DecodeError> {
    let value = parse(data)?;
    let text = |value: Value| match value {
        Value::String(s) => Ok(s),
        other => Err(DecodeError::Unexpected(format!(
            "`{name}` data must be a JSON string, got {}",
            short(&other)
        ))),
    };
    let id_of = |value: Value| -> Result<(String, Map<String, Value>), DecodeError> {
        let map = take_object(value, name)?;
        match string(&map, "id") {
            Some(id) => Ok((id, map)),
            None => Err(DecodeError::Unexpected(format!(
                "`{name}` needs a string id"
            ))),
        }
    };
    Ok(match name {
        "meta" => V0Event::Meta(value),
        "chatId" => V0Event::ChatId(id_of(value)?.0),
        "projectId" => {
            let (id, map) = id_of(value)?;
            V0Event::ProjectId {
                id,
                v0_project_id: string(&map, "v0ProjectId"),
            }
        }
        "thinking" => V0Event::ThinkingText(text(value)?),
        "content" => V0Event::ContentText(text(value)?),
        "parts" => match value {
            Value::Array(_) => V0Event::Parts(value),
            other => {
                return Err(DecodeError::Unexpected(format!(
                    "`parts` data must be an array, got {}",
                    short(&other)
                )))
            }
        },
        "integration" => match take_object(value, name)?.remove("items") {
            Some(Value::Array(items)) => V0Event::Integration(items),
            _ => {
                return Err(DecodeError::Unexpected(
                    "`integration` needs an items array".into(),
                ))
            }
        },
        "done" => V0Event::Done(match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }),
        "error" => error_event(&take_object(value, name)?),
        _ => V0Event::Ignored,
    })
}
