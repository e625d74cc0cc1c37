//! Bytes → snapshot through the whole StreamSession pipeline (SSE, decode, jsondiffpatch,
//! derived text), natively, on the largest in-tree sample. Figures in the README.
//!
//! Run: `cargo bench --bench session`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sajtmaskin_integrations::session::{SessionOptions, StreamSession};
use std::hint::black_box;

fn largest_sample() -> (String, Vec<u8>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v0-streams");
    std::fs::read_dir(dir)
        .expect("tests/fixtures/v0-streams")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sse"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .max_by_key(|(_, bytes)| bytes.len())
        .expect("a sample")
}

fn bench(c: &mut Criterion) {
    let (name, bytes) = largest_sample();
    let mut group = c.benchmark_group("session");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function(format!("{name}/whole"), |b| {
        b.iter(|| {
            let mut session = StreamSession::new(SessionOptions::default());
            black_box(session.feed(black_box(&bytes)));
            black_box(session.finish());
            black_box(session.snapshot().text.len())
        })
    });
    group.bench_function(format!("{name}/4k_chunks"), |b| {
        b.iter(|| {
            let mut session = StreamSession::new(SessionOptions::default());
            for chunk in bytes.chunks(4096) {
                black_box(session.feed(chunk));
            }
            black_box(session.finish());
            black_box(session.snapshot().text.len())
        })
    });
    group.finish();
}

/// A v2 stream that adds `n` parts, one per event, each `part(i)`'s JSON.
fn growing_stream(n: usize, part: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out = String::from(
        "data: {\"object\":\"message\",\"id\":\"m\",\"chatId\":\"c\",\"parts\":[]}\n\n",
    );
    for i in 0..n {
        let part = part(i);
        out.push_str(&format!(
            "data: {{\"object\":\"message.parts.chunk\",\"delta\":{{\"{i}\":[{part}],\"_t\":\"a\"}}}}\n\n"
        ));
    }
    out.into_bytes()
}

/// A text part every tenth, the rest tool parts, in 16 KiB chunks: the cost per event must
/// not grow with the parts already there.
pub fn growing_parts_stream(n: usize) -> Vec<u8> {
    growing_stream(n, |i| {
        if i % 10 == 0 {
            format!("{{\"type\":\"text\",\"text\":\"Stycke {i}.\"}}")
        } else {
            format!("{{\"type\":\"tool-call\",\"toolName\":\"read_file\",\"input\":{{\"path\":\"src/{i}.ts\"}}}}")
        }
    })
}

/// Every part an integration request (a custom provider every tenth, the rest Neon): the card
/// book's cost per signal must not grow with the signals already taken.
pub fn growing_signals_stream(n: usize) -> Vec<u8> {
    growing_stream(n, |i| {
        let name = if i % 10 == 0 {
            format!("Tjänst {i}")
        } else {
            "Neon".to_owned()
        };
        format!("{{\"type\":\"agent-action\",\"name\":\"get_or_request_integration\",\"data\":{{\"requestedIntegrations\":[\"{name}\"]}}}}")
    })
}

fn growing(c: &mut Criterion) {
    let mut group = c.benchmark_group("growing_parts");
    for n in [100, 1_000, 10_000] {
        for (name, bytes) in [
            ("parts", growing_parts_stream(n)),
            ("signals", growing_signals_stream(n)),
        ] {
            // Per element = per event: criterion's time per element is the cost per event.
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(format!("{n}_{name}/16k_chunks"), |b| {
                b.iter(|| {
                    let mut session = StreamSession::new(SessionOptions::default());
                    for chunk in bytes.chunks(16 * 1024) {
                        black_box(session.feed(chunk));
                    }
                    black_box(session.finish());
                    black_box(session.snapshot().text.len())
                })
            });
        }
    }
    group.finish();
}

/// A v1 stream: an install task, then `n` text nodes, each added and then grown by nine appends
/// (v0's append shortcut), in 16 KiB and 512 B chunks: the cost per event must not grow with the
/// content already there.
pub fn growing_v1_stream(n: usize) -> Vec<u8> {
    let chunk = |delta: &str| {
        format!("data: {{\"object\":\"message.experimental_content.chunk\",\"delta\":{delta}}}\n\n")
    };
    let mut out = chunk(
        r#"{"0":[[0,[["AssistantMessageContentPart",{"part":{"type":"task-request-install-integration-v1","parts":[{"steps":[{"type":"add-integration","stepName":"Neon"}]}]}}]]]],"_t":"a"}"#,
    );
    for i in 1..=n {
        out.push_str(&chunk(&format!(
            r#"{{"0":{{"1":{{"{i}":[["p",{{}},["text",{{}},"Stycke "]]],"_t":"a"}},"_t":"a"}},"_t":"a"}}"#
        )));
        for word in 0..9 {
            out.push_str(&chunk(&format!(r#"[[0,1,{i},2,2,"ord{word} "],9,9]"#)));
        }
    }
    out.into_bytes()
}

fn growing_v1(c: &mut Criterion) {
    let mut group = c.benchmark_group("growing_v1");
    for n in [100, 1_000] {
        let bytes = growing_v1_stream(n);
        group.throughput(Throughput::Elements(10 * n as u64));
        for (name, size) in [("16k", 16 * 1024), ("512b", 512)] {
            group.bench_function(format!("{}_events/{name}_chunks", 10 * n), |b| {
                b.iter(|| {
                    let mut session = StreamSession::new(SessionOptions::default());
                    for chunk in bytes.chunks(size) {
                        black_box(session.feed(chunk));
                    }
                    black_box(session.finish());
                    black_box(session.snapshot().text.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench, growing, growing_v1
}
criterion_main!(benches);
