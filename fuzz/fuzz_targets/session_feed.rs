//! A whole StreamSession (SSE, the three formats, deltas, signals, cards) on arbitrary bytes:
//! no panic, and the outcome does not depend on the chunking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession};

fn run<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> (String, String) {
    let mut session = StreamSession::new(SessionOptions::default());
    for chunk in chunks {
        session.feed(chunk);
    }
    session.finish();
    session.set_project_env_keys(&["DATABASE_URL"]);
    let cards = serde_json::to_string(&session.cards()).unwrap_or_default();
    let snapshot = serde_json::to_string(session.snapshot()).unwrap_or_default();
    (snapshot, cards)
}

fuzz_target!(|input: (u8, &[u8])| {
    let (chunk, bytes) = input;
    let whole = run(std::iter::once(bytes));
    let split = run(bytes.chunks(usize::from(chunk) + 1));
    assert_eq!(whole, split);
});
