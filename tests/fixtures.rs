//! Every sample stream in tests/fixtures/v0-streams/, fed whole, one byte at a time and
//! at random splits, reconstructs the state its `.expected.json` names.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use proptest::prelude::*;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
use serde_json::Value;

#[path = "support/samples.rs"]
mod samples;
use samples::{expected_pinned, pinned};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v0-streams")
}

/// (name, stream bytes, expected state) for every fixture pair.
fn fixtures() -> Vec<(String, Vec<u8>, Value)> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(fixtures_dir()).expect("tests/fixtures/v0-streams");
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("sse") {
            continue;
        }
        let expected = path.with_extension("expected.json");
        let expected: Value =
            serde_json::from_slice(&std::fs::read(&expected).expect("expected.json"))
                .expect("json");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, std::fs::read(&path).expect("sse"), expected));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 10,
        "expected the in-tree samples, found {}",
        out.len()
    );
    out
}

fn run(bytes: &[u8], splits: &[usize]) -> (Value, Vec<StreamUpdate>) {
    let (snapshot, updates, _) = run_with_cards(bytes, splits);
    (snapshot, updates)
}

fn run_with_cards(bytes: &[u8], splits: &[usize]) -> (Value, Vec<StreamUpdate>, Value) {
    let mut session = StreamSession::new(SessionOptions::default());
    let mut updates = Vec::new();
    let mut start = 0;
    for &end in splits.iter().chain(std::iter::once(&bytes.len())) {
        updates.extend(session.feed(&bytes[start..end]));
        start = end;
    }
    updates.extend(session.finish());
    let cards = serde_json::to_value(session.cards()).unwrap();
    (
        serde_json::to_value(session.snapshot()).unwrap(),
        updates,
        cards,
    )
}

/// The cards reduced to what `.expected.json` pins: provider, kind, status, and the
/// stream-named env vars, which must come first (catalog keys may follow).
fn check_integrations(name: &str, cards: &Value, expected: &Value) {
    let cards = cards.as_array().unwrap();
    let want = expected["integrations"].as_array().unwrap();
    let got: Vec<(String, String, String)> = cards
        .iter()
        .map(|c| {
            (
                c["provider"].as_str().unwrap().into(),
                c["kind"].as_str().unwrap().into(),
                c["status"]["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    let wanted: Vec<(String, String, String)> = want
        .iter()
        .map(|w| {
            (
                w["provider"].as_str().unwrap().into(),
                w["kind"].as_str().unwrap().into(),
                w["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(got, wanted, "{name}: cards");
    for (card, want) in cards.iter().zip(want) {
        let keys: Vec<&str> = card["envVars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect();
        let named: Vec<&str> = want["envVars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(
            &keys[..named.len().min(keys.len())],
            &named[..],
            "{name}: env vars of {}",
            card["id"]
        );
        let unique: std::collections::HashSet<&&str> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "{name}: duplicate env vars");
    }
}

/// The text the `content` updates spell out, applied as a UI would.
fn replay_text(updates: &[StreamUpdate], kind: &str) -> String {
    let mut shown = String::new();
    for update in updates {
        let (delta, reset) = match (update, kind) {
            (StreamUpdate::Content { delta, reset }, "content") => (delta, *reset),
            (StreamUpdate::Thinking { delta, reset }, "thinking") => (delta, *reset),
            _ => continue,
        };
        if reset {
            shown.clear();
        }
        shown.push_str(delta);
    }
    shown
}

#[test]
fn every_fixture_fed_whole_matches_its_expected_state() {
    for (name, bytes, expected) in fixtures() {
        let (snapshot, updates) = run(&bytes, &[]);
        assert_eq!(pinned(&snapshot), expected_pinned(&expected), "{name}");
        assert_eq!(
            replay_text(&updates, "content"),
            expected["text"].as_str().unwrap(),
            "{name}: content updates"
        );
        let thinking = expected["thinking"].as_str().unwrap_or_default();
        assert_eq!(
            replay_text(&updates, "thinking"),
            thinking,
            "{name}: thinking updates"
        );
        let fatal = updates
            .iter()
            .filter(|u| matches!(u, StreamUpdate::Error { fatal: true, .. }))
            .count();
        let non_fatal = updates
            .iter()
            .filter(|u| matches!(u, StreamUpdate::Error { fatal: false, .. }))
            .count();
        assert_eq!(
            fatal,
            usize::from(!expected["error"].is_null()),
            "{name}: fatal errors"
        );
        assert_eq!(non_fatal, 0, "{name}: a sample is valid input: {updates:?}");
        let dones = updates
            .iter()
            .filter(|u| matches!(u, StreamUpdate::Done { .. }))
            .count();
        assert_eq!(
            dones,
            usize::from(expected["done"] == true),
            "{name}: done updates"
        );
    }
}

#[test]
fn every_fixture_yields_exactly_its_integrations_whole_and_bytewise() {
    for (name, bytes, expected) in fixtures() {
        let (_, updates, cards) = run_with_cards(&bytes, &[]);
        check_integrations(&name, &cards, &expected);
        let splits: Vec<usize> = (1..bytes.len()).collect();
        let (_, bytewise_updates, bytewise) = run_with_cards(&bytes, &splits);
        assert_eq!(bytewise, cards, "{name}: bytewise");
        // Every card reported in a `cards` update is one of the final cards (same id), and the
        // last report of each equals the final card.
        for updates in [&updates, &bytewise_updates] {
            let mut last = std::collections::BTreeMap::new();
            for update in updates.iter() {
                if let StreamUpdate::Cards { cards } = update {
                    for card in cards {
                        last.insert(card.id.clone(), serde_json::to_value(card).unwrap());
                    }
                }
            }
            let finals: std::collections::BTreeMap<String, Value> = cards
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["id"].as_str().unwrap().to_owned(), c.clone()))
                .collect();
            assert_eq!(last, finals, "{name}: cards updates");
        }
    }
}

#[test]
fn card_ids_are_stable_across_runs() {
    for (name, bytes, _) in fixtures() {
        let ids = |cards: Value| -> Vec<String> {
            cards
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let first = ids(run_with_cards(&bytes, &[]).2);
        let splits: Vec<usize> = [7, 100, 101, 1500, 5000]
            .into_iter()
            .filter(|&s| s <= bytes.len())
            .collect();
        let second = ids(run_with_cards(&bytes, &splits).2);
        assert_eq!(first, second, "{name}");
    }
}

#[test]
fn every_fixture_fed_one_byte_at_a_time_matches() {
    for (name, bytes, expected) in fixtures() {
        let splits: Vec<usize> = (1..bytes.len()).collect();
        let (snapshot, updates) = run(&bytes, &splits);
        assert_eq!(pinned(&snapshot), expected_pinned(&expected), "{name}");
        assert_eq!(
            replay_text(&updates, "content"),
            expected["text"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn done_update_carries_the_proxy_payload() {
    let (name, bytes, _) = fixtures()
        .into_iter()
        .find(|f| f.0.starts_with("s08"))
        .unwrap();
    let (_, updates) = run(&bytes, &[]);
    let done = updates.iter().find_map(|u| match u {
        StreamUpdate::Done { info } => Some(info.clone()),
        _ => None,
    });
    assert_eq!(done.unwrap()["messageId"], "2eG0U5dTNVkjqzjEOPpt", "{name}");
}

#[test]
fn ping_done_marker_and_keepalive_never_leak_as_content() {
    for (name, bytes, _) in fixtures() {
        let (snapshot, _) = run(&bytes, &[]);
        let text = snapshot["text"].as_str().unwrap();
        assert!(
            !text.contains("[DONE]") && !text.contains("keep-alive") && !text.contains("\"ts\""),
            "{name}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_fixture_at_random_splits_matches(seed_splits in proptest::collection::vec(any::<usize>(), 0..40)) {
        for (name, bytes, expected) in fixtures() {
            let mut splits: Vec<usize> = seed_splits.iter().map(|s| s % (bytes.len() + 1)).collect();
            splits.sort_unstable();
            let (snapshot, _, cards) = run_with_cards(&bytes, &splits);
            prop_assert_eq!(pinned(&snapshot), expected_pinned(&expected), "{}", name);
            check_integrations(&name, &cards, &expected);
        }
    }
}

/// A reader that keeps its own copy of the parts from `parts` updates alone (cut at `from`,
/// then the parts from there read with `parts_from`) ends with the session's parts, whatever
/// the chunking; and no update carries the parts themselves.
#[test]
fn parts_updates_say_from_where_the_parts_changed() {
    for (name, bytes, _) in samples::SAMPLES {
        for size in [1, 7, 4096, bytes.len()] {
            let mut session = StreamSession::new(SessionOptions::default());
            let mut mirror: Vec<Value> = Vec::new();
            let mut updates = Vec::new();
            for chunk in bytes.chunks(size) {
                updates.extend(session.feed(chunk));
                for update in updates.drain(..) {
                    if let StreamUpdate::Parts { from, length } = update {
                        assert!(
                            from <= length && from <= mirror.len(),
                            "{name} {size}: {from} {length}"
                        );
                        mirror.truncate(from);
                        mirror.extend(session.parts_from(from).iter().cloned());
                        assert_eq!(mirror.len(), length, "{name} {size}");
                    }
                }
            }
            session.finish();
            let parts = session
                .snapshot()
                .parts
                .as_deref()
                .and_then(Value::as_array);
            assert_eq!(
                parts.map(Vec::as_slice).unwrap_or_default(),
                mirror.as_slice(),
                "{name} {size}"
            );
        }
    }
}
