//! Native tests of the SSE parser: one per WHATWG rule (the network-free web-platform-tests
//! `eventsource/format-*` cases among them), chunking invariance, no panics, flat memory.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sajtmaskin_integrations::sse::{SseError, SseEvent, SseParser};

fn ev(event: &str, data: &str, id: &str) -> SseEvent {
    SseEvent {
        event: event.into(),
        data: data.into(),
        id: id.into(),
    }
}

fn msg(data: &str) -> SseEvent {
    ev("message", data, "")
}

/// Everything one parser reports for `chunks`, in order, plus its final retry/id.
#[derive(Debug, PartialEq)]
struct Outcome {
    items: Vec<Result<SseEvent, SseError>>,
    retry: Option<u64>,
    last_event_id: String,
}

fn run_chunks<'a>(parser: &mut SseParser, chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut items = Vec::new();
    for chunk in chunks {
        parser.feed_each(chunk, |item| items.push(item));
    }
    items.extend(parser.finish().into_iter().map(Ok));
    Outcome {
        items,
        retry: parser.retry(),
        last_event_id: parser.last_event_id().to_owned(),
    }
}

fn events(input: &[u8]) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut out = parser.feed(input);
    out.extend(parser.finish());
    out
}

/// The same input fed one byte at a time must give the same events: every rule test checks
/// both ways, so a rule that only works on whole input fails.
fn assert_events(input: &[u8], expected: &[SseEvent]) {
    assert_eq!(events(input), expected, "whole input");
    let mut parser = SseParser::new();
    let bytewise = run_chunks(&mut parser, input.chunks(1));
    let got: Vec<SseEvent> = bytewise.items.into_iter().filter_map(Result::ok).collect();
    assert_eq!(got, expected, "byte by byte");
}

// --- decoding ---------------------------------------------------------------------------

#[test]
fn utf8_is_decoded() {
    // wpt format-utf-8
    assert_events("data: ok\u{2026}\n\n".as_bytes(), &[msg("ok\u{2026}")]);
}

#[test]
fn invalid_utf8_becomes_replacement_character() {
    assert_events(b"data: a\xFFb\n\n", &[msg("a\u{FFFD}b")]);
    // A truncated sequence before a line end is one U+FFFD (maximal subpart).
    assert_events(b"data: a\xE2\x82\n\n", &[msg("a\u{FFFD}")]);
}

#[test]
fn code_point_split_across_chunks_decodes_whole() {
    let input = "data: \u{1F600}\u{e5}\n\n".as_bytes();
    for split in 0..input.len() {
        let mut parser = SseParser::new();
        let outcome = run_chunks(&mut parser, [&input[..split], &input[split..]]);
        assert_eq!(
            outcome.items,
            vec![Ok(msg("\u{1F600}\u{e5}"))],
            "split at {split}"
        );
    }
}

// --- BOM --------------------------------------------------------------------------------

#[test]
fn leading_bom_is_stripped() {
    // wpt format-bom
    assert_events(b"\xEF\xBB\xBFdata: 1\n\n", &[msg("1")]);
}

#[test]
fn only_one_bom_is_stripped() {
    // wpt format-bom-2: the second BOM makes the first line's field "\u{FEFF}data".
    assert_events(
        b"\xEF\xBB\xBF\xEF\xBB\xBFdata: 1\n\ndata: 2\n\n",
        &[msg("2")],
    );
}

#[test]
fn bom_split_across_chunks_is_stripped() {
    let input = b"\xEF\xBB\xBFdata: 1\n\n";
    for split in 0..4 {
        let mut parser = SseParser::new();
        let outcome = run_chunks(&mut parser, [&input[..split], &input[split..]]);
        assert_eq!(outcome.items, vec![Ok(msg("1"))], "split at {split}");
    }
}

#[test]
fn bom_after_start_is_an_ordinary_character() {
    assert_events(b"data: \xEF\xBB\xBFx\n\n", &[msg("\u{FEFF}x")]);
    assert_events(b"data: 1\n\n\xEF\xBB\xBFdata: 2\n\n", &[msg("1")]);
}

#[test]
fn partial_bom_prefix_is_content() {
    // EF BB then a non-BF byte: not a BOM, the bytes are (invalid) content of the first line.
    assert_events(b"\xEF\xBBdata: 1\n\ndata: 2\n\n", &[msg("2")]);
    let mut parser = SseParser::new();
    let out = run_chunks(&mut parser, [&b"\xEF"[..], b"data: 1\n\n"]);
    assert!(
        out.items.is_empty(),
        "field name was \\u{{FFFD}}data: {out:?}"
    );
}

// --- line ends ----------------------------------------------------------------------------

#[test]
fn cr_lf_and_crlf_all_end_lines() {
    // wpt format-newlines
    assert_events(
        b"data:test\r\ndata\ndata:test\r\n\r",
        &[msg("test\n\ntest")],
    );
    assert_events(b"data: a\rdata: b\r\rdata: c\n\n", &[msg("a\nb"), msg("c")]);
}

#[test]
fn cr_at_chunk_end_and_lf_at_next_start_are_one_line_end() {
    let mut parser = SseParser::new();
    let out = run_chunks(
        &mut parser,
        [&b"data: a\r"[..], b"\ndata: b\r", b"\n\r", b"\n"],
    );
    // If CR and LF were two line ends, "data: a" would be dispatched alone.
    assert_eq!(out.items, vec![Ok(msg("a\nb"))]);
}

#[test]
fn empty_chunk_between_cr_and_lf_keeps_them_one_line_end() {
    let mut parser = SseParser::new();
    let out = run_chunks(&mut parser, [&b"data: a\r"[..], b"", b"\ndata: b\n\n"]);
    assert_eq!(out.items, vec![Ok(msg("a\nb"))]);
}

#[test]
fn lone_cr_at_chunk_end_is_a_line_end() {
    let mut parser = SseParser::new();
    let out = run_chunks(&mut parser, [&b"data: a\r"[..], b"\r"]);
    assert_eq!(out.items, vec![Ok(msg("a"))]);
}

// --- comments and fields ------------------------------------------------------------------

#[test]
fn comments_are_ignored() {
    // wpt format-comments
    let long = "x".repeat(2049);
    let input =
        format!("data:1\r:\0\n:\r\ndata:2\n:{long}\rdata:3\n:data:fail\r:{long}\ndata:4\n\n");
    assert_events(input.as_bytes(), &[msg("1\n2\n3\n4")]);
}

#[test]
fn field_parsing() {
    // wpt format-field-parsing
    let input = b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n";
    assert_events(input, &[msg("\0\n 2\n1\n3\n\n4")]);
}

#[test]
fn only_one_leading_space_is_stripped() {
    // wpt format-leading-space
    assert_events(
        b"data:\ttest\rdata: \ndata:test\n\n",
        &[msg("\ttest\n\ntest")],
    );
    assert_events(b"data:  two\n\n", &[msg(" two")]);
}

#[test]
fn value_splits_at_first_colon() {
    assert_events(b"data: a:b: c\n\n", &[msg("a:b: c")]);
}

#[test]
fn line_without_colon_is_field_with_empty_value() {
    assert_events(b"data\ndata\ndata: x\n\n", &[msg("\n\nx")]);
    assert_events(b"data\n\n", &[msg("")]);
}

#[test]
fn field_names_are_case_sensitive() {
    assert_events(b"DATA: a\nEvent: b\nID: c\ndata: d\n\n", &[msg("d")]);
}

#[test]
fn unknown_fields_are_ignored() {
    // wpt format-field-unknown
    assert_events(
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
        &[msg("test\n\ntest")],
    );
}

// --- data ---------------------------------------------------------------------------------

#[test]
fn data_lines_are_joined_with_lf_and_one_trailing_lf_removed() {
    // wpt format-field-data
    // "data:" alone holds one LF, which is removed: an event with empty data is dispatched.
    assert_events(
        b"data:\n\ndata\ndata\n\ndata:test\n\n",
        &[msg(""), msg("\n"), msg("test")],
    );
    assert_events(b"data: a\ndata:\n\n", &[msg("a\n")]);
}

#[test]
fn empty_data_dispatches_nothing() {
    assert_events(b"event: x\n\n\n\nid: 1\n\n", &[]);
    // ...and resets the event type.
    assert_events(b"event: x\n\ndata: y\n\n", &[msg("y")]);
}

#[test]
fn nul_in_data_is_kept() {
    // wpt format-null-character
    assert_events(b"data:\0\n\n", &[msg("\0")]);
}

#[test]
fn data_before_final_empty_line_is_not_dispatched() {
    // wpt format-data-before-final-empty-line
    assert_events(b"data: 1\n\ndata: 2", &[msg("1")]);
    assert_events(b"data: 1\n\ndata: 2\n", &[msg("1")]);
    assert_events(b"data: 1\n\ndata: 2\r", &[msg("1")]);
}

// --- event --------------------------------------------------------------------------------

#[test]
fn event_type_defaults_to_message() {
    // wpt format-field-event, format-field-event-empty
    assert_events(
        b"event:test\ndata:x\n\ndata:y\n\n",
        &[ev("test", "x", ""), msg("y")],
    );
    assert_events(b"event: \ndata:data\n\n", &[msg("data")]);
}

#[test]
fn last_event_field_wins() {
    assert_events(b"event: a\nevent: b\ndata: x\n\n", &[ev("b", "x", "")]);
}

// --- id -----------------------------------------------------------------------------------

#[test]
fn id_is_carried_over_to_later_events() {
    // wpt format-field-id-2
    assert_events(
        b"id: 1\ndata: a\n\ndata: b\n\n",
        &[ev("message", "a", "1"), ev("message", "b", "1")],
    );
}

#[test]
fn empty_id_resets() {
    // wpt format-field-id
    assert_events(
        b"id: 1\ndata: a\n\nid\ndata: b\n\nid:\ndata: c\n\n",
        &[ev("message", "a", "1"), msg("b"), msg("c")],
    );
}

#[test]
fn id_with_nul_is_ignored() {
    // wpt format-field-id-null
    assert_events(
        b"id: 1\ndata: a\n\nid: a\0b\ndata: b\n\n",
        &[ev("message", "a", "1"), ev("message", "b", "1")],
    );
}

#[test]
fn last_event_id_is_set_at_dispatch_even_without_data() {
    let mut parser = SseParser::new();
    parser.feed(b"id: 7\n");
    assert_eq!(parser.last_event_id(), "", "not before the blank line");
    parser.feed(b"\n");
    assert_eq!(parser.last_event_id(), "7");
}

// --- retry --------------------------------------------------------------------------------

#[test]
fn retry_sets_reconnection_time_when_all_digits() {
    // wpt format-field-retry
    let mut parser = SseParser::new();
    parser.feed(b"retry: 3000\n\n");
    assert_eq!(parser.retry(), Some(3000));
}

#[test]
fn retry_that_is_not_all_digits_is_ignored() {
    // wpt format-field-retry-bogus, format-field-retry-empty
    for bad in [
        &b"retry: 1000x\n\n"[..],
        b"retry: -5\n\n",
        b"retry\n\n",
        b"retry: \n\n",
        b"retry: 1 0\n\n",
        b"retry: 1.5\n\n",
        b"retry: 99999999999999999999999\n\n",
    ] {
        let mut parser = SseParser::new();
        parser.feed(b"retry: 10\n\n");
        parser.feed(bad);
        assert_eq!(
            parser.retry(),
            Some(10),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn retry_alone_dispatches_nothing() {
    assert_events(b"retry: 5\n\n", &[]);
}

// --- end of stream, bounds ------------------------------------------------------------------

#[test]
fn finish_discards_unterminated_event_and_allows_a_new_stream() {
    let mut parser = SseParser::new();
    assert!(parser.feed(b"id: 4\ndata: a\n\ndata: partial\n").len() == 1);
    assert!(parser.finish().is_empty());
    // A reconnection: a new BOM is stripped, the id carries over, nothing of the old event.
    let out = parser.feed(b"\xEF\xBB\xBFdata: b\n\n");
    assert_eq!(out, vec![ev("message", "b", "4")]);
}

#[test]
fn oversized_event_is_dropped_reported_and_parsing_resumes() {
    let mut parser = SseParser::with_max_event_bytes(16);
    let out = run_chunks(
        &mut parser,
        [&b"data: small\n\ndata: 0123456789abcdefghij\ndata: more\nid: 9\n\ndata: after\n\n"[..]],
    );
    assert_eq!(
        out.items,
        vec![
            Ok(msg("small")),
            Err(SseError::EventTooLarge { limit: 16 }),
            Ok(msg("after"))
        ]
    );
    // The id inside the dropped event did not take effect.
    assert_eq!(out.last_event_id, "");
}

#[test]
fn oversized_line_across_chunks_is_dropped_without_buffering_it() {
    let mut parser = SseParser::with_max_event_bytes(64);
    let mut items = Vec::new();
    parser.feed_each(b"data: ", |i| items.push(i));
    for _ in 0..1000 {
        parser.feed_each(&[b'x'; 100], |i| items.push(i));
        assert!(
            parser.buffered_capacity() <= 256,
            "{}",
            parser.buffered_capacity()
        );
    }
    parser.feed_each(b"\n\ndata: ok\n\n", |i| items.push(i));
    assert_eq!(
        items,
        vec![Err(SseError::EventTooLarge { limit: 64 }), Ok(msg("ok"))]
    );
}

#[test]
fn many_data_lines_overflow_too() {
    let mut parser = SseParser::with_max_event_bytes(32);
    let input = "data: 12345\n".repeat(10) + "\ndata: ok\n\n";
    let out = run_chunks(&mut parser, [input.as_bytes()]);
    assert_eq!(
        out.items,
        vec![Err(SseError::EventTooLarge { limit: 32 }), Ok(msg("ok"))]
    );
}

#[test]
fn event_at_exactly_the_bound_is_kept() {
    // The event's size is its lines' bytes without terminators: "data: 123456789" is 15.
    let mut parser = SseParser::with_max_event_bytes(15);
    let out = run_chunks(&mut parser, [&b"data: 123456789\n\n"[..]]);
    assert_eq!(out.items, vec![Ok(msg("123456789"))]);
    let mut parser = SseParser::with_max_event_bytes(14);
    let out = run_chunks(&mut parser, [&b"data: 123456789\n\n"[..]]);
    assert_eq!(out.items, vec![Err(SseError::EventTooLarge { limit: 14 })]);
}

#[test]
fn long_comments_cost_no_memory() {
    let mut parser = SseParser::with_max_event_bytes(64);
    let mut items = Vec::new();
    parser.feed_each(b":", |i| items.push(i));
    for _ in 0..100 {
        parser.feed_each(&[b'p'; 1000], |i| items.push(i));
    }
    parser.feed_each(b"\ndata: ok\n\n", |i| items.push(i));
    assert_eq!(items, vec![Ok(msg("ok"))]);
}

#[test]
fn memory_stays_flat_over_100_mb_of_small_events() {
    let event = b"id: 42\nevent: message.parts.chunk\ndata: {\"object\":\"message.parts.chunk\",\"delta\":{\"0\":{\"text\":[\"abc\",\"abcdef\"]},\"_t\":\"a\"}}\n\n";
    let mut stream = Vec::new();
    while stream.len() < 1024 * 1024 {
        stream.extend_from_slice(event);
    }
    let mut parser = SseParser::new();
    let mut total = 0usize;
    let mut dispatched = 0usize;
    let mut peak = 0usize;
    // 100 chunks of ~1 MiB, each re-split at an odd size so lines straddle chunk ends.
    for _ in 0..100 {
        for piece in stream.chunks(4093) {
            parser.feed_each(piece, |_| dispatched += 1);
            peak = peak.max(parser.buffered_capacity());
        }
        total += stream.len();
    }
    assert!(total >= 100 * 1024 * 1024);
    assert!(dispatched > 500_000);
    // Bounded by one event's size, whatever the total.
    assert!(peak <= 4 * event.len(), "peak buffer capacity {peak}");
}

#[test]
fn big_line_buffer_is_released_after_its_event() {
    let mut parser = SseParser::new();
    let big = vec![b'x'; 1_000_000];
    parser.feed(b"data: ");
    parser.feed(&big);
    let out = parser.feed(b"\n\ndata: small\n\n");
    assert_eq!(out.len(), 2);
    assert!(
        parser.buffered_capacity() < 64 * 1024,
        "{}",
        parser.buffered_capacity()
    );
}

// --- properties ---------------------------------------------------------------------------

/// Inputs built from the pieces that matter to the grammar, plus arbitrary bytes.
fn sse_input() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event:".to_vec()),
        Just(b"id: ".to_vec()),
        Just(b"retry: ".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\0".to_vec()),
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just("\u{e5}\u{1F600}".as_bytes().to_vec()),
        Just(vec![0xFF]),
        Just(b"123".to_vec()),
        "[a-z]{0,6}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..4),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn split_at_points(input: &[u8], mut points: Vec<usize>) -> Vec<&[u8]> {
    points.iter_mut().for_each(|p| *p %= input.len() + 1);
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for p in points {
        chunks.push(&input[start..p]);
        start = p;
    }
    chunks.push(&input[start..]);
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_chunking_gives_the_same_outcome(
        input in sse_input(),
        points in proptest::collection::vec(any::<usize>(), 0..12),
        bound in prop_oneof![Just(8usize), Just(40), Just(1 << 20)],
    ) {
        let whole = run_chunks(&mut SseParser::with_max_event_bytes(bound), [&input[..]]);
        let split = run_chunks(&mut SseParser::with_max_event_bytes(bound), split_at_points(&input, points));
        prop_assert_eq!(&whole, &split);
        let bytewise = run_chunks(&mut SseParser::with_max_event_bytes(bound), input.chunks(1));
        prop_assert_eq!(&whole, &bytewise);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        input in proptest::collection::vec(any::<u8>(), 0..2048),
        chunk in 1usize..64,
        bound in 1usize..128,
    ) {
        let mut parser = SseParser::with_max_event_bytes(bound);
        for piece in input.chunks(chunk) {
            parser.feed_each(piece, |_| {});
        }
        parser.finish();
    }
}

// --- the event-size bound, on streams generated from the SSE grammar ----------------------

/// One field line of a generated event: a field name (or `None` for a comment), whether a
/// space follows the colon, and the raw value bytes (never CR or LF).
type Line = (Option<&'static str>, bool, Vec<u8>);

fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        "[a-z ]{1,12}".prop_map(String::into_bytes),
        Just("\u{e5}".as_bytes().to_vec()),
        Just("\u{1F600}".as_bytes().to_vec()),
        // Invalid UTF-8: each byte decodes to a 3-byte U+FFFD.
        Just(vec![0xFF]),
        Just(vec![0xC3]),
        Just(vec![0xF0, 0x9F]),
        Just(b":".to_vec()),
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|p| p.concat())
}

fn grammar_stream() -> impl Strategy<Value = (Vec<Vec<Line>>, &'static str, usize)> {
    let line = (
        prop_oneof![
            4 => Just(Some("data")),
            1 => Just(Some("event")),
            1 => Just(Some("id")),
            1 => Just(Some("other")),
            1 => Just(None),
        ],
        any::<bool>(),
        value_bytes(),
    );
    let event = proptest::collection::vec(line, 0..6);
    (
        proptest::collection::vec(event, 1..6),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        8usize..96,
    )
}

/// What the parser must report for a generated stream: an event whose non-comment lines hold
/// more than `bound` bytes is reported as too large and dropped; any other event with data
/// lines is dispatched with its values joined by LF and decoded lossily. Also returns the
/// stream bytes and whether some event went over the bound.
fn model(
    events: &[Vec<Line>],
    eol: &str,
    bound: usize,
) -> (Vec<u8>, Vec<Result<SseEvent, SseError>>, bool) {
    let mut bytes = Vec::new();
    let mut expected = Vec::new();
    let mut over = false;
    let mut last_id = String::new();
    for lines in events {
        let mut size = 0;
        let (mut data, mut has_data, mut kind, mut id) = (Vec::new(), false, String::new(), None);
        for (name, space, value) in lines {
            let start = bytes.len();
            bytes.push(b':');
            if let Some(name) = name {
                bytes.splice(start..start, name.bytes());
            }
            if *space {
                bytes.push(b' ');
            }
            bytes.extend_from_slice(value);
            if name.is_some() {
                size += bytes.len() - start;
            }
            // The field value loses one leading space, whether we wrote it or it came first.
            let value = match (space, value.split_first()) {
                (false, Some((b' ', rest))) => rest,
                _ => &value[..],
            };
            match name {
                Some("data") => {
                    if has_data {
                        data.push(b'\n');
                    }
                    data.extend_from_slice(value);
                    has_data = true;
                }
                Some("event") => kind = String::from_utf8_lossy(value).into_owned(),
                Some("id") if !value.contains(&0) => {
                    id = Some(String::from_utf8_lossy(value).into_owned())
                }
                _ => {}
            }
            bytes.extend_from_slice(eol.as_bytes());
        }
        bytes.extend_from_slice(eol.as_bytes());
        if size > bound {
            over = true;
            expected.push(Err(SseError::EventTooLarge { limit: bound }));
            continue;
        }
        if let Some(id) = id {
            last_id = id;
        }
        if has_data {
            let event = if kind.is_empty() {
                "message".to_owned()
            } else {
                kind
            };
            let data = String::from_utf8_lossy(&data).into_owned();
            expected.push(Ok(ev(&event, &data, &last_id)));
        }
    }
    (bytes, expected, over)
}

/// The bound promise, checked against a model of the grammar: every event is dispatched or
/// reported exactly as the model says, whole and split at random points; a dispatched event's
/// data holds at most `bound` raw bytes, so at most 3 × `bound` bytes once decoded. The test
/// counts the cases in which an event really went over the bound and fails unless most did,
/// so the bound is exercised, not just present.
#[test]
fn generated_events_respect_the_bound() {
    use proptest::test_runner::{Config, TestRunner};
    let cases = 2000;
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let over_cases = std::cell::Cell::new(0u32);
    let dispatched = std::cell::Cell::new(0u32);
    let strategy = (
        grammar_stream(),
        proptest::collection::vec(any::<usize>(), 0..8),
    );
    runner
        .run(&strategy, |((events, eol, bound), points)| {
            let (bytes, expected, over) = model(&events, eol, bound);
            over_cases.set(over_cases.get() + u32::from(over));
            for chunks in [vec![&bytes[..]], split_at_points(&bytes, points.clone())] {
                let got = run_chunks(&mut SseParser::with_max_event_bytes(bound), chunks);
                prop_assert_eq!(&got.items, &expected);
                for event in got.items.iter().flatten() {
                    dispatched.set(dispatched.get() + 1);
                    let raw = event
                        .data
                        .chars()
                        .filter(|&c| c != '\u{FFFD}')
                        .map(char::len_utf8);
                    let invalid = event.data.chars().filter(|&c| c == '\u{FFFD}').count();
                    prop_assert!(raw.sum::<usize>() + invalid <= bound);
                    prop_assert!(event.data.len() <= 3 * bound);
                }
            }
            Ok(())
        })
        .unwrap();
    let over = over_cases.get();
    println!(
        "sse bound property: {over} of {cases} generated cases had an event over the bound; {} events dispatched within it",
        dispatched.get()
    );
    assert!(
        over * 2 >= cases,
        "only {over} of {cases} cases reached the bound"
    );
    assert!(
        dispatched.get() > cases,
        "too few events were dispatched within the bound"
    );
}

#[test]
fn borrowed_events_are_the_owned_ones_and_reuse_the_buffers() {
    let input: &[u8] =
        b"event: a\ndata: 1\ndata: 2\nid: x\n\ndata: hej\n\nevent: b\ndata: \xf0\x9f\x98\x80\n\n: c\n\ndata:\n\n";
    let owned = SseParser::new().feed(input);
    let mut parser = SseParser::new();
    let mut borrowed = Vec::new();
    parser.feed_borrowed(input, |item| borrowed.push(item.unwrap().to_event()));
    assert_eq!(borrowed, owned);
    assert_eq!(borrowed.len(), 4);
    // A thousand more events: the buffers are reused, not grown.
    let before = parser.buffered_capacity();
    for _ in 0..1000 {
        parser.feed_borrowed(b"event: b\ndata: hej\n\n", |item| assert!(item.is_ok()));
    }
    assert!(
        parser.buffered_capacity() <= before.max(64),
        "{}",
        parser.buffered_capacity()
    );
}
