//! Throughput of the native SSE parser (figures recorded in the README).
//!
//! Run: `cargo bench --bench sse`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sajtmaskin_integrations::sse::SseParser;
use std::hint::black_box;

/// A v0-like stream: `message.parts.chunk` events of about 200 bytes each, ~8 MB in all.
fn v0_like_stream() -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0u64;
    while out.len() < 8 * 1024 * 1024 {
        let line = format!(
            "data: {{\"object\":\"message.parts.chunk\",\"id\":\"Lr0zsewoxF5uz23YJ0OL\",\"delta\":{{\"0\":{{\"text\":[\"A guestbook has to keep entries {i}\",\"A guestbook has to keep entries between visits {i}\"]}},\"_t\":\"a\"}}}}\n\n"
        );
        out.extend_from_slice(line.as_bytes());
        i += 1;
    }
    out
}

/// One event whose single data line is 5 MB.
fn single_event_stream() -> Vec<u8> {
    let mut out = b"data: ".to_vec();
    out.extend(std::iter::repeat_n(b'x', 5_000_000));
    out.extend_from_slice(b"\n\n");
    out
}

fn parse_all(input: &[u8], chunk: usize) -> usize {
    let mut parser = SseParser::new();
    let mut n = 0;
    for piece in input.chunks(chunk) {
        parser.feed_each(piece, |event| {
            if let Ok(event) = event {
                n += event.data.len();
            }
        });
    }
    n
}

fn bench(c: &mut Criterion) {
    let v0 = v0_like_stream();
    let mut group = c.benchmark_group("sse");
    group.throughput(Throughput::Bytes(v0.len() as u64));
    for chunk in [64 * 1024, 16] {
        group.bench_with_input(BenchmarkId::new("v0_like", chunk), &chunk, |b, &chunk| {
            b.iter(|| black_box(parse_all(black_box(&v0), chunk)))
        });
    }
    let single = single_event_stream();
    group.throughput(Throughput::Bytes(single.len() as u64));
    group.bench_function("single_5mb_event/65536", |b| {
        b.iter(|| black_box(parse_all(black_box(&single), 64 * 1024)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
