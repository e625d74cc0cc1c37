//! The one-pass readers (`v0::chunk::apply` with `v0::grow`, and `v0::chunk::append`) against
//! the general path they stand in for, on an arbitrary state and event (`state JSON \0 event`):
//! an event they take ends exactly as `decode_v0` + `patch::apply` end it (same state, same first
//! index), and an event they leave changes nothing. An append to a later item of an array (text)
//! leaves the v1 signals as they were.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::signals;
use sajtmaskin_integrations::v0::chunk;
use sajtmaskin_integrations::v0::decode::{decode_v0, V0Event};
use sajtmaskin_integrations::v0::patch;
use serde_json::Value;

fuzz_target!(|bytes: &[u8]| {
    let Some(split) = bytes.iter().position(|&b| b == 0) else {
        return;
    };
    let (state, event) = bytes.split_at(split);
    let (Ok(state), Ok(event)) = (
        serde_json::from_slice::<Value>(state),
        std::str::from_utf8(&event[1..]),
    ) else {
        return;
    };

    let mut fast = state.clone();
    match chunk::apply(&mut fast, event) {
        Some(from) => {
            let Ok(V0Event::PartsDelta(delta)) = decode_v0(event) else {
                panic!("taken, but the general decode does not read a parts delta: {event}");
            };
            let first = patch::first_index(&delta);
            let mut general = state.clone();
            assert!(
                patch::apply(&mut general, delta).is_ok(),
                "taken, but the general path fails: {event}"
            );
            assert_eq!((&fast, from), (&general, first), "{event}");
        }
        None => assert_eq!(fast, state, "left, but changed: {event}"),
    }

    let mut fast = state.clone();
    if let Some(appended) = chunk::append(&mut fast, event) {
        let Ok(V0Event::ContentDelta(delta)) = decode_v0(event) else {
            panic!("appended, but the general decode does not read a content delta: {event}");
        };
        let mut general = state.clone();
        assert!(
            patch::apply(&mut general, delta).is_ok(),
            "appended, but the general path fails: {event}"
        );
        assert_eq!(fast, general, "{event}");
        // The session does not read the signals again after a text append.
        if appended == chunk::Appended::Later {
            assert_eq!(
                signals::from_v1_content(&fast),
                signals::from_v1_content(&state),
                "{event}"
            );
        }
    } else {
        assert_eq!(fast, state, "left, but changed: {event}");
    }
});
