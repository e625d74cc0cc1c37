//! A whole StreamSession (SSE, the three formats, deltas, signals, cards) on arbitrary bytes:
//! no panic, and the outcome does not depend on the chunking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::cards::IntegrationCard;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamSnapshot};

fn run<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> (StreamSnapshot, Vec<IntegrationCard>) {
    let mut session = StreamSession::new(SessionOptions::default());
    for chunk in chunks {
        session.feed(chunk);
    }
    session.finish();
    let cards = session.set_project_env_keys(["DATABASE_URL"]);
    (session.snapshot().clone(), cards)
}

fuzz_target!(|input: (u8, &[u8])| {
    let (chunk, bytes) = input;
    let whole = run(std::iter::once(bytes));
    let split = run(bytes.chunks(usize::from(chunk) + 1));
    // Compared as values (no serialization per run: it would cost most of the time).
    assert!(whole == split, "the chunking changed the outcome");
});
