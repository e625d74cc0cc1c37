//! The jsondiffpatch applier: one test per delta kind, atomic failure, and the vectors the npm
//! `jsondiffpatch` package generated (tests/js/jsondiffpatch-vectors.mjs).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sajtmaskin_integrations::v0::patch::{apply, PatchError};
use serde_json::{json, Value};

fn patched(mut state: Value, delta: Value) -> Value {
    apply(&mut state, delta).unwrap_or_else(|e| panic!("{e}"));
    state
}

/// The vectors npm jsondiffpatch generated into `tests/data/<name>`.
fn vectors(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn code(mut state: Value, delta: Value) -> &'static str {
    let before = state.clone();
    let err = apply(&mut state, delta).expect_err("must fail");
    assert_eq!(
        state, before,
        "a failed delta must leave the state as it was"
    );
    err.code()
}

#[test]
fn object_add_replace_delete() {
    let state = json!({"a": 1, "b": 2, "c": 3});
    assert_eq!(
        patched(state, json!({"a": [1, 10], "b": [2, 0, 0], "d": [4]})),
        json!({"a": 10, "c": 3, "d": 4})
    );
}

#[test]
fn nested_object_delta() {
    let state = json!({"part": {"data": {"status": "setup-required"}}});
    assert_eq!(
        patched(
            state,
            json!({"part": {"data": {"status": ["setup-required", "completed"]}}})
        ),
        json!({"part": {"data": {"status": "completed"}}})
    );
}

#[test]
fn array_insert() {
    assert_eq!(
        patched(json!([1, 3]), json!({"_t": "a", "1": [2], "3": [4]})),
        json!([1, 2, 3, 4])
    );
    assert_eq!(
        patched(json!([]), json!({"_t": "a", "0": [{"type": "text"}]})),
        json!([{"type": "text"}])
    );
}

#[test]
fn array_replace_at_new_index() {
    assert_eq!(
        patched(json!(["a", "b"]), json!({"_t": "a", "1": ["b", "B"]})),
        json!(["a", "B"])
    );
}

#[test]
fn array_delete_from_high_to_low() {
    // Deleting _0 first would shift _2 onto the wrong item.
    assert_eq!(
        patched(
            json!([0, 1, 2, 3]),
            json!({"_t": "a", "_0": [0, 0, 0], "_2": [2, 0, 0]})
        ),
        json!([1, 3])
    );
}

#[test]
fn array_move() {
    // jsondiffpatch: move the item at old index 0 to new index 2.
    assert_eq!(
        patched(json!(["a", "b", "c"]), json!({"_t": "a", "_0": ["", 2, 3]})),
        json!(["b", "c", "a"])
    );
    // Two moves and a nested modification of a moved item (at its new index).
    assert_eq!(
        patched(
            json!([{"id": 1}, {"id": 2}, {"id": 3}]),
            json!({"_t": "a", "_2": ["", 0, 3], "_0": ["", 2, 3], "2": {"x": [true]}})
        ),
        json!([{"id": 3}, {"id": 2}, {"id": 1, "x": true}])
    );
}

#[test]
fn deletes_then_inserts_then_modifications() {
    let state = json!([{"t": "a"}, {"t": "b"}, {"t": "c"}]);
    let delta =
        json!({"_t": "a", "_1": [{"t": "b"}, 0, 0], "1": [{"t": "new"}], "2": {"t": ["c", "C"]}});
    assert_eq!(
        patched(state, delta),
        json!([{"t": "a"}, {"t": "new"}, {"t": "C"}])
    );
}

#[test]
fn nested_array_in_array() {
    let state = json!([[0, []]]);
    let delta = json!({"0": {"1": {"0": [["p", {}, "x"]], "_t": "a"}, "_t": "a"}, "_t": "a"});
    assert_eq!(patched(state, delta), json!([[0, [["p", {}, "x"]]]]));
}

#[test]
fn append_shortcut() {
    let state = json!([[0, [["p", {}, ["text", {}, "Hej"]]]]]);
    assert_eq!(
        patched(state, json!([[0, 1, 0, 2, 2, " då"], 9, 9])),
        json!([[0, [["p", {}, ["text", {}, "Hej då"]]]]])
    );
    // An empty route appends to the value itself.
    assert_eq!(patched(json!("a"), json!([["b"], 9, 9])), json!("ab"));
}

#[test]
fn text_diffs_apply_exactly_or_not_at_all() {
    let delta = json!({"t": ["@@ -1,3 +1,3 @@\n-abc\n+abd\n", 0, 2]});
    assert_eq!(
        patched(json!({"t": "abc"}), delta.clone()),
        json!({"t": "abd"})
    );
    // Another text, another type, a malformed patch: nothing changes.
    assert_eq!(code(json!({"t": "abx"}), delta.clone()), "delta_mismatch");
    assert_eq!(code(json!({"t": 3}), delta), "delta_mismatch");
    assert_eq!(
        code(json!({"t": "abc"}), json!({"t": ["@@ nonsense", 0, 2]})),
        "delta_malformed"
    );
    assert_eq!(
        code(json!({"t": "abc"}), json!({"t": [7, 0, 2]})),
        "delta_malformed"
    );
}

#[test]
fn text_diff_vectors_generated_by_npm_jsondiffpatch() {
    let vectors = vectors("jsondiffpatch-text-vectors.json");
    assert!(vectors.len() >= 200);
    let mut astral = 0;
    for (i, v) in vectors.iter().enumerate() {
        astral += usize::from(v["delta"].to_string().contains("%F0"));
        let mut state = v["a"].clone();
        apply(&mut state, v["delta"].clone()).unwrap_or_else(|e| panic!("vector {i}: {e}"));
        assert_eq!(state, v["b"], "vector {i}");
    }
    assert!(
        astral > 50,
        "vectors must exercise characters outside the BMP ({astral})"
    );
}

#[test]
fn deltas_that_do_not_fit_change_nothing() {
    let state = json!({"parts": [{"type": "text", "text": "a"}], "n": 1});
    // Nested delta under a missing key.
    assert_eq!(
        code(state.clone(), json!({"missing": {"x": [1]}})),
        "delta_mismatch"
    );
    // Array delta on an object, object delta on a number.
    assert_eq!(
        code(state.clone(), json!({"n": {"_t": "a", "0": [1]}})),
        "delta_mismatch"
    );
    assert_eq!(
        code(state.clone(), json!({"n": {"x": [1]}})),
        "delta_mismatch"
    );
    // Index out of range: remove, insert past the end, modify.
    assert_eq!(
        code(
            state.clone(),
            json!({"parts": {"_t": "a", "_5": [1, 0, 0]}})
        ),
        "delta_mismatch"
    );
    assert_eq!(
        code(state.clone(), json!({"parts": {"_t": "a", "3": [1]}})),
        "delta_mismatch"
    );
    assert_eq!(
        code(
            state.clone(),
            json!({"parts": {"_t": "a", "1": {"text": ["a", "b"]}}})
        ),
        "delta_mismatch"
    );
    // The first change fits, the second does not: neither is applied.
    assert_eq!(
        code(
            state.clone(),
            json!({"n": [1, 2], "parts": {"_t": "a", "0": {"x": {"y": [1]}}}})
        ),
        "delta_mismatch"
    );
    // Append route into a non-string.
    assert_eq!(
        code(json!([[0, [1]]]), json!([[0, 1, 0, "x"], 9, 9])),
        "delta_mismatch"
    );
    assert_eq!(code(json!([]), json!([[3, "x"], 9, 9])), "delta_mismatch");
}

#[test]
fn malformed_deltas_are_typed_errors() {
    for delta in [
        json!(5),
        json!("x"),
        json!([]),
        json!([1, 2, 3, 4]),
        json!({"_t": "b"}),
        json!([1, 0, 7]),
        json!({"_t": "a", "x": [1]}),
        json!({"_t": "a", "_0": [1]}),
        json!([[0, 1], 9, 9]),
        json!([["a", "x"], 9, 9]),
    ] {
        let mut state = json!([[0, ["a"]]]);
        let err = apply(&mut state, delta.clone()).expect_err(&delta.to_string());
        assert!(
            matches!(
                err,
                PatchError::Malformed { .. } | PatchError::Mismatch { .. }
            ),
            "{delta}: {err}"
        );
    }
}

#[test]
fn vectors_generated_by_npm_jsondiffpatch() {
    let vectors = vectors("jsondiffpatch-vectors.json");
    assert!(vectors.len() >= 500);
    let (mut moves, mut arrays) = (0, 0);
    for (i, v) in vectors.iter().enumerate() {
        let text = v["delta"].to_string();
        moves += usize::from(text.contains(",3]"));
        arrays += usize::from(text.contains("\"_t\""));
        let mut state = v["a"].clone();
        apply(&mut state, v["delta"].clone()).unwrap_or_else(|e| panic!("vector {i}: {e}"));
        assert_eq!(state, v["b"], "vector {i}");
    }
    assert!(
        moves > 50 && arrays > 300,
        "vectors must exercise moves ({moves}) and arrays ({arrays})"
    );
}

#[test]
fn first_index_leaves_the_items_before_it_alone() {
    // Over the npm vectors whose state is an array: the items before `first_index` are the
    // same before and after the delta (signals and text are re-read from there only).
    let vectors = vectors("jsondiffpatch-vectors.json");
    let mut above_zero = 0;
    for (i, v) in vectors.iter().enumerate() {
        let (Some(a), Some(b)) = (v["a"].as_array(), v["b"].as_array()) else {
            continue;
        };
        let from = sajtmaskin_integrations::v0::patch::first_index(&v["delta"]);
        above_zero += usize::from(from > 0);
        let keep = from.min(a.len());
        assert_eq!(
            a.get(..keep),
            b.get(..keep),
            "vector {i}: first_index {from}"
        );
    }
    assert!(
        above_zero > 50,
        "the vectors must exercise a non-zero first index ({above_zero})"
    );
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0u8..12).prop_map(Value::from),
        "[a-c_0-9]{0,3}".prop_map(Value::from),
        Just(json!("a")),
        Just(json!(9)),
        Just(json!(3)),
        Just(json!(0))
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("_t".to_string()),
                    Just("_0".to_string()),
                    Just("0".to_string()),
                    Just("1".to_string()),
                    "[a-c_0-9]{1,2}".prop_map(String::from)
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_deltas_never_panic_and_failures_change_nothing(state in any_json(), delta in any_json()) {
        let mut patched = state.clone();
        if apply(&mut patched, delta).is_err() {
            prop_assert_eq!(patched, state);
        }
    }
}

#[test]
fn errors_name_the_path_they_happened_at() {
    let mut state = json!([{"type": "text", "text": "Hej", "meta": {"n": [1]}}]);
    let err = apply(
        &mut state,
        json!({"0": {"meta": {"n": {"_t": "a", "3": {"x": [1, 2]}}}}, "_t": "a"}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "delta does not fit the state at /0/meta/n/3: index out of range"
    );
    let err = apply(&mut state, json!({"0": {"text": [1, 0, 7]}, "_t": "a"})).unwrap_err();
    assert_eq!(
        err,
        PatchError::Malformed {
            path: "/0/text".into(),
            reason: "unknown delta type 7".into()
        }
    );
    let err = apply(&mut state, json!(5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed delta at /: a delta must be an object or array, got 5"
    );
}
