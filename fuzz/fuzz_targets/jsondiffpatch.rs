//! The jsondiffpatch applier on an arbitrary state and delta (`state JSON \0 delta JSON`):
//! no panic, and a delta that fails leaves the state exactly as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sajtmaskin_integrations::v0::patch::apply;
use serde_json::Value;

fuzz_target!(|bytes: &[u8]| {
    let Some(split) = bytes.iter().position(|&b| b == 0) else {
        return;
    };
    let (state, delta) = bytes.split_at(split);
    let (Ok(mut state), Ok(delta)) = (
        serde_json::from_slice::<Value>(state),
        serde_json::from_slice::<Value>(&delta[1..]),
    ) else {
        return;
    };
    let before = state.clone();
    if apply(&mut state, delta).is_err() {
        assert_eq!(state, before, "a failed delta changed the state");
    }
});
