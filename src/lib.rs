//! # @sajtmaskin/integrations — core
//!
//! Reads the Server-Sent Events that Vercel's v0 Platform API streams while it generates an
//! app, reconstructs the message state, and turns the integration requests inside it into
//! card models with actions, in Swedish and English.
//!
//! The crate is plain Rust with no web types, tested natively; the browser boundary lives in
//! `wasm` and is compiled only for `wasm32`. Data flows one way, and the modules are listed in
//! that order: bytes → [`sse`] events → [`v0`] message state → [`signals`] (names resolved by
//! the [`catalog`]) → [`cards`] (texts from [`i18n`], URLs checked by [`links`]);
//! [`session`] runs the pipeline for one stream. [`wire`] holds the types and validation the
//! backend and its browser client share.
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

// In pipeline order (blank lines keep rustfmt from sorting them).
// 1. bytes → SSE events
pub mod sse;

/// The secret-leak guard: credentials written literally in generated text.
pub mod leaks;

// 2. events → v0 message state (read by the crate's own JSON reader)
pub mod json;

pub mod v0;

// 3. state → integration signals, names resolved by the catalog
pub mod catalog;

pub mod signals;

// 4. signals → cards (URL allow-list, sv/en texts)
pub mod links;

pub mod i18n;

pub mod cards;
/// Card statuses and action kinds, shared by signals, texts and cards.
pub mod vocabulary;

// 5. the pipeline for one stream
pub mod session;

// Shared with the backend: env-var wire types and validation.
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// Where `needle` first occurs in `hay`, as `str::find` says for strings. By hand: the needles
/// here are a few bytes long, in short keys, headers and runs of text, and a searcher from `std`
/// (core's two-way searcher, 3 KB of wasm) or `memchr` would add kilobytes to the module.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `needle` occurs in `hay` ([`find`]).
pub(crate) fn contains(hay: &str, needle: &str) -> bool {
    find(hay.as_bytes(), needle.as_bytes()).is_some()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn find_is_str_find(hay in "[ab +å]{0,12}", needle in "[ab +å]{0,3}") {
            prop_assert_eq!(super::find(hay.as_bytes(), needle.as_bytes()), hay.find(needle.as_str()));
        }
    }
}
