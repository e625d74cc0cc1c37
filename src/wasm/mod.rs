//! The browser boundary: thin `#[wasm_bindgen]` classes that convert, call the core and
//! convert back. One module per exported class; options are parsed in `options`, errors become
//! JS `Error`s in `error`, and `BackendClient`'s HTTP work is in `transport`.

mod backend_client;
mod card_renderer;
mod error;
mod options;
mod sse_parser;
mod stream_session;
mod transport;

pub use backend_client::BackendClient;
pub use card_renderer::CardRenderer;
pub use error::JsCodedError;
pub use sse_parser::SseParser;
pub use stream_session::StreamSession;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SHARED: &str = r#"
/** An `Error` thrown by this package: `code` is stable and machine-readable. */
export interface IntegrationsError extends Error { code: string; status?: number }
"#;

/// JS length (UTF-16 code units) of `s`: how JS slices a string that crossed with others in
/// one piece.
fn js_length(s: &str) -> u32 {
    let units = if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    };
    u32::try_from(units).unwrap_or(u32::MAX)
}
