//! The SSE parser on arbitrary bytes at arbitrary chunkings: no panic, the same events whole
//! and split, and no dispatched event over the bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::sse::{SseEvent, SseParser};

fn run<'a>(bound: usize, chunks: impl Iterator<Item = &'a [u8]>) -> Vec<Result<SseEvent, String>> {
    let mut parser = SseParser::with_max_event_bytes(bound);
    let mut out = Vec::new();
    for chunk in chunks {
        parser.feed_each(chunk, |item| out.push(item.map_err(|e| e.code().to_owned())));
    }
    out.extend(parser.finish().into_iter().map(Ok));
    out
}

fuzz_target!(|input: (u8, u8, &[u8])| {
    let (bound, chunk, bytes) = input;
    let bound = usize::from(bound) + 1;
    let whole = run(bound, std::iter::once(bytes));
    let split = run(bound, bytes.chunks(usize::from(chunk) + 1));
    assert_eq!(whole, split);
    for event in whole.iter().flatten() {
        assert!(event.data.len() <= 3 * bound);
    }
});
