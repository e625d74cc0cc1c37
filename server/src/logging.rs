//! The one log pipeline, for the server and its tests alike: a level filter from `RUST_LOG`,
//! a cap on libraries that log payloads, and a writer that redacts URLs in every line.
//!
//! - **URLs.** A URL can itself be a credential (Zapier's per-user MCP URL, an API key in a
//!   query), and libraries log the URL they failed to reach (the MCP SDK does, at `error`).
//!   Every line is rewritten so that each `http(s)://` URL keeps only its origin:
//!   `https://mcp.zapier.com/…`. This is done on the formatted line, so it holds for log
//!   statements we do not control, whatever their fields are called.
//! - **Payloads.** The MCP SDK logs whole JSON-RPC messages (tool arguments and results) at
//!   `debug` and `trace`; its level is capped at `info` whatever `RUST_LOG` asks.

use std::io::Write;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::EnvFilter;

/// Libraries that log message payloads below `info`, and the most they may log.
const PAYLOAD_TARGETS: [(&str, LevelFilter); 1] = [("rmcp", LevelFilter::INFO)];

/// The subscriber: `filter` (from `RUST_LOG`), the payload cap, lines (text, or one JSON object
/// each) written to `writer` with their URLs redacted.
pub fn subscriber<W>(
    filter: EnvFilter,
    json: bool,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let cap = PAYLOAD_TARGETS.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |t, (target, level)| t.with_target(*target, *level),
    );
    let base = tracing_subscriber::registry().with(cap).with(filter);
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Redacting(writer));
    if json {
        Box::new(base.with(layer.json().with_current_span(true).with_span_list(false)))
    } else {
        Box::new(base.with(layer))
    }
}

/// `line` with every `http`/`https` URL cut to its origin (anything after it becomes `/…`).
pub fn redact_urls(line: &str) -> std::borrow::Cow<'_, str> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut out = String::new();
    let mut last = 0;
    for link in finder.links(line) {
        let Ok(url) = url::Url::parse(link.as_str()) else {
            continue;
        };
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if bare && matches!(url.scheme(), "http" | "https") {
            continue;
        }
        out.push_str(line.get(last..link.start()).unwrap_or_default());
        match url.scheme() {
            "http" | "https" => {
                out.push_str(&url.origin().ascii_serialization());
                out.push_str("/…");
            }
            // Any other scheme with a host (postgres://user:password@host/db, redis://…).
            scheme => {
                out.push_str(scheme);
                out.push_str("://…");
            }
        }
        last = link.end();
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(line);
    }
    out.push_str(line.get(last..).unwrap_or_default());
    std::borrow::Cow::Owned(out)
}

/// Makes writers that redact what they are given (the formatter hands each line over in one
/// write).
struct Redacting<W>(W);

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for Redacting<W> {
    type Writer = RedactingWriter<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

struct RedactingWriter<W>(W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact_urls(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::redact_urls;

    #[test]
    fn urls_keep_their_origin_only() {
        let line = r#"ERROR rmcp: connect failed uri=https://mcp.zapier.com/api/mcp/s/c2VjcmV0LXNlY3JldA/mcp error="x" and http://127.0.0.1:9/mcp?api_key=k1 plus postgres://u:pw@db.example/x"#;
        let out = redact_urls(line);
        assert!(!out.contains("c2VjcmV0"), "{out}");
        assert!(!out.contains("k1"), "{out}");
        assert!(!out.contains("pw"), "{out}");
        assert!(
            out.contains("uri=https://mcp.zapier.com/… error=\"x\""),
            "{out}"
        );
        assert!(out.contains("http://127.0.0.1:9/…"), "{out}");
        // Lines without URLs, and bare origins, are left as they are.
        for plain in [
            "GET /api/projects 200",
            "listening on http://127.0.0.1:8787",
        ] {
            assert_eq!(redact_urls(plain), plain);
        }
    }
}
