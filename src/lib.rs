//! # @sajtmaskin/integrations — core
//!
//! Reads the Server-Sent Events that Vercel's v0 Platform API streams while it generates an
//! app, and (in later layers) turns the integration requests inside them into card models.
//!
//! The crate is plain Rust with no web types, tested natively; the browser boundary lives in
//! [`wasm`] and is compiled only for `wasm32`. Data flows one way:
//! bytes → [`sse`] events → [`v0`] message state → signals → cards; [`session`] runs the
//! pipeline for one stream.
//!
//! ```
//! use sajtmaskin_integrations::sse::SseParser;
//!
//! let mut parser = SseParser::new();
//! let events = parser.feed(b"data: {\"object\":\"chat\"}\n\n");
//! assert_eq!(events[0].data, "{\"object\":\"chat\"}");
//! ```

// A panic would abort the wasm instance for the whole page: the core may not unwrap, index or
// panic on input. Clippy enforces it (`npm test` runs clippy with -D warnings).
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable
    )
)]

pub mod cards;
pub mod catalog;
pub mod i18n;
pub mod links;
pub mod session;
pub mod signals;
pub mod sse;
pub mod v0;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
