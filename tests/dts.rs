//! The TypeScript declarations the package ships describe exactly what the Rust types send:
//! every update of every sample, snapshots, cards, SSE events and env vars are checked field by
//! field against them (see `support/dts.rs`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/dts.rs"]
mod dts;
#[path = "support/samples.rs"]
mod samples;

use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
use sajtmaskin_integrations::sse::SseParser;
use sajtmaskin_integrations::wire::EnvVar;
use serde_json::Value;

fn declarations() -> dts::Declarations {
    dts::Declarations::of_package(env!("CARGO_MANIFEST_DIR"))
}

fn assert_fits(decls: &dts::Declarations, value: &Value, ty: &str, what: &str) {
    let problems = decls.check(value, ty);
    assert!(
        problems.is_empty(),
        "{what} does not match `{ty}`:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_update_snapshot_and_card_of_every_sample_matches_the_declarations() {
    let decls = declarations();
    let mut kinds = std::collections::BTreeSet::new();
    for (name, bytes, _) in samples::SAMPLES {
        let mut session = StreamSession::new(SessionOptions::default());
        let mut updates = session.feed(bytes);
        updates.extend(session.finish());
        // A non-fatal error too, which well-formed samples rarely carry.
        updates.extend(session.feed(b"data: {not json\n\n"));
        for update in &updates {
            let json = serde_json::to_value(update).unwrap();
            kinds.insert(json["type"].as_str().unwrap().to_owned());
            assert_fits(&decls, &json, "StreamUpdate", &format!("{name}: an update"));
        }
        let snapshot = serde_json::to_value(session.snapshot()).unwrap();
        assert_fits(
            &decls,
            &snapshot,
            "StreamSnapshot",
            &format!("{name}: the snapshot"),
        );
        let cards = serde_json::to_value(session.set_project_env_keys(["DATABASE_URL"])).unwrap();
        assert_fits(
            &decls,
            &cards,
            "IntegrationCard[]",
            &format!("{name}: the cards"),
        );
    }
    // Every kind of update was seen at least once.
    for kind in [
        "chatId",
        "projectId",
        "title",
        "content",
        "thinking",
        "parts",
        "cards",
        "usage",
        "done",
        "error",
    ] {
        assert!(
            kinds.contains(kind),
            "no sample produced a {kind} update: {kinds:?}"
        );
    }
    let reset = StreamUpdate::Content {
        delta: "x".into(),
        reset: true,
    };
    assert_fits(
        &decls,
        &serde_json::to_value(reset).unwrap(),
        "StreamUpdate",
        "a reset",
    );
}

#[test]
fn sse_events_and_env_vars_match_the_declarations() {
    let decls = declarations();
    let events = SseParser::new().feed(b"event: a\nid: 7\ndata: x\n\n");
    assert_fits(
        &decls,
        &serde_json::to_value(&events).unwrap(),
        "SseEvent[]",
        "SSE events",
    );
    let mut var = EnvVar {
        id: "env_1".into(),
        key: "A".into(),
        value: None,
        sensitive: true,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        unreadable: false,
    };
    assert_fits(
        &decls,
        &serde_json::to_value(&var).unwrap(),
        "EnvVar",
        "an env var",
    );
    var.unreadable = true;
    var.value = None;
    assert_fits(
        &decls,
        &serde_json::to_value(&var).unwrap(),
        "EnvVar",
        "an unreadable env var",
    );
}

#[test]
fn the_checker_finds_drift() {
    let decls = declarations();
    let card = serde_json::json!({"id": "integration:neon", "provider": "neon", "kind": "integration", "title": "Neon",
        "description": "", "status": {"code": "requested", "label": "Begärd"}, "envVars": [], "actions": []});
    assert!(decls.check(&card, "IntegrationCard").is_empty());
    let mut extra = card.clone();
    extra["newField"] = Value::Bool(true);
    assert_eq!(
        decls.check(&extra, "IntegrationCard"),
        ["$.newField: sent but not declared"]
    );
    let mut missing = card.clone();
    missing.as_object_mut().unwrap().remove("title");
    assert_eq!(
        decls.check(&missing, "IntegrationCard"),
        ["$.title: declared but not sent"]
    );
    let mut wrong = card;
    wrong["status"]["code"] = "pending".into();
    assert_eq!(decls.check(&wrong, "IntegrationCard").len(), 1);
}
