//! The leak guard on its labelled corpus (tests/data/leaks.json: 38 traps, 17 leaks), in the
//! three stream formats (v2 parts, v1 content nodes, proxy text) and at several chunkings:
//! every leak becomes one `secret` card naming its env var and shows masked, its core never in
//! any update; no trap makes a card or changes the text. Precision and recall are both 100%.
#![cfg(not(target_arch = "wasm32"))]

use sajtmaskin_integrations::catalog::Kind;
use sajtmaskin_integrations::leaks::{mask, scan, Redactor, SecretKind};
use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
use serde_json::{json, Value};

struct Case {
    text: String,
    secret: String,
    core: String,
    kind: String,
    env_key: String,
}

fn corpus() -> (Vec<String>, Vec<Case>) {
    let doc: Value =
        serde_json::from_str(include_str!("data/leaks.json")).expect("tests/data/leaks.json");
    let joined = |v: &Value| -> String {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect()
    };
    let traps = doc["traps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    let leaks = doc["leaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let secret = joined(&l["secret"]);
            Case {
                text: format!(
                    "{}{}{}",
                    l["before"].as_str().unwrap(),
                    secret,
                    l["after"].as_str().unwrap()
                ),
                core: joined(&l["core"]),
                kind: l["kind"].as_str().unwrap().to_owned(),
                env_key: l["envKey"].as_str().unwrap().to_owned(),
                secret,
            }
        })
        .collect();
    (traps, leaks)
}

/// `text` as a stream of each format: v2 (a text part grown by patches), v1 (a content node
/// grown by patches), proxy (content events), each ending with its done event.
fn streams(text: &str) -> Vec<(&'static str, String)> {
    let pieces: Vec<String> = {
        // Three text pieces, so the key may be split between events too.
        let chars: Vec<char> = text.chars().collect();
        let third = chars.len() / 3;
        vec![
            chars[..third].iter().collect(),
            chars[third..2 * third].iter().collect(),
            chars[2 * third..].iter().collect(),
        ]
    };
    let mut v2 = String::from("data: {\"object\":\"chat\",\"id\":\"c1\"}\n\n");
    let mut so_far = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let delta = if i == 0 {
            json!({"0": [{"type": "text", "text": piece}], "_t": "a"})
        } else {
            let before = so_far.clone();
            json!({"0": {"text": [before, format!("{so_far}{piece}")]}, "_t": "a"})
        };
        so_far.push_str(piece);
        v2.push_str(&format!(
            "data: {}\n\n",
            json!({"object": "message.parts.chunk", "id": "m1", "delta": delta})
        ));
    }
    v2.push_str(&format!("data: {}\n\n", json!({"object": "message", "id": "m1", "chatId": "c1", "parts": [{"type": "text", "text": text}], "finishReason": "stop"})));
    let mut v1 = String::from("data: {\"object\":\"chat\",\"id\":\"c1\"}\n\n");
    let mut so_far = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let delta = if i == 0 {
            json!({"0": [[0, [["p", {}, ["text", {}, piece]]]]], "_t": "a"})
        } else {
            let before = so_far.clone();
            // content[0][1][0][2][2], every level an array.
            let text = json!({"2": [before, format!("{so_far}{piece}")], "_t": "a"});
            json!({"0": {"1": {"0": {"2": text, "_t": "a"}, "_t": "a"}, "_t": "a"}, "_t": "a"})
        };
        so_far.push_str(piece);
        v1.push_str(&format!(
            "data: {}\n\n",
            json!({"object": "message.experimental_content.chunk", "delta": delta})
        ));
    }
    v1.push_str("data: {\"object\":\"message.experimental_content.done\"}\n\n");
    let mut proxy = String::from("event: chatId\ndata: {\"id\":\"c1\"}\n\n");
    for piece in &pieces {
        proxy.push_str(&format!("event: content\ndata: {}\n\n", json!(piece)));
    }
    proxy.push_str("event: done\ndata: {}\n\n");
    vec![("v2", v2), ("v1", v1), ("proxy", proxy)]
}

/// What a UI shows: the content updates applied in order (and every update seen).
struct Seen {
    text: String,
    deltas: Vec<String>,
    secret_cards: Vec<(String, Vec<String>, Kind)>,
}

fn run(stream: &str, chunk: usize) -> Seen {
    let mut session = StreamSession::new(SessionOptions::default());
    let mut updates = Vec::new();
    for piece in stream.as_bytes().chunks(chunk) {
        updates.extend(session.feed(piece));
    }
    updates.extend(session.finish());
    let mut seen = Seen {
        text: String::new(),
        deltas: Vec::new(),
        secret_cards: Vec::new(),
    };
    for update in &updates {
        if let StreamUpdate::Content { delta, reset } = update {
            if *reset {
                seen.text.clear();
            }
            seen.text.push_str(delta);
            seen.deltas.push(delta.clone());
        }
    }
    seen.secret_cards = session
        .cards()
        .into_iter()
        .filter(|c| c.kind == Kind::Secret)
        .map(|c| {
            (
                c.provider,
                c.env_vars.into_iter().map(|e| e.key).collect(),
                c.kind,
            )
        })
        .collect();
    seen
}

const CHUNKS: [usize; 5] = [1, 5, 17, 64, usize::MAX];

#[test]
fn every_trap_passes_unchanged_and_makes_no_card() {
    let (traps, _) = corpus();
    assert!(traps.len() >= 30);
    for trap in &traps {
        assert_eq!(scan(trap), vec![], "trap found as a leak: {trap}");
        for (format, stream) in streams(trap) {
            for chunk in CHUNKS {
                let seen = run(&stream, chunk.min(stream.len()));
                assert_eq!(seen.secret_cards, vec![], "{format} chunk {chunk}: {trap}");
                assert_eq!(
                    seen.text, *trap,
                    "{format} chunk {chunk}: the text is unchanged"
                );
            }
        }
    }
}

#[test]
fn every_leak_is_masked_everywhere_and_makes_one_card_naming_its_env_var() {
    let (_, leaks) = corpus();
    assert!(leaks.len() >= 15);
    let mut kinds = std::collections::BTreeSet::new();
    for case in &leaks {
        let found = scan(&case.text);
        assert_eq!(found.len(), 1, "{}: {found:?}", case.kind);
        assert_eq!(
            &case.text[found[0].range.clone()],
            case.secret,
            "{}",
            case.kind
        );
        assert_eq!(found[0].kind.id(), case.kind);
        assert_eq!(found[0].env_key, case.env_key);
        kinds.insert(found[0].kind);
        let masked = mask(found[0].kind, &case.secret);
        assert!(!masked.contains(&case.core), "{masked}");
        for (format, stream) in streams(&case.text) {
            for chunk in CHUNKS {
                let seen = run(&stream, chunk.min(stream.len()));
                let what = format!("{} in {format}, chunks of {chunk}", case.kind);
                assert_eq!(
                    seen.secret_cards,
                    vec![(case.kind.clone(), vec![case.env_key.clone()], Kind::Secret)],
                    "{what}"
                );
                assert_eq!(
                    seen.text,
                    case.text.replace(&case.secret, &masked),
                    "{what}: the text shows the mask"
                );
                for delta in &seen.deltas {
                    assert!(
                        !delta.contains(&case.core),
                        "{what}: an update carried the key: {delta}"
                    );
                }
            }
        }
    }
    assert_eq!(
        kinds.len(),
        SecretKind::ALL.len(),
        "every kind has a leak in the corpus"
    );
}

#[test]
fn masks_keep_the_prefix_and_the_last_four() {
    let key = ["sk_", "live_", "51Hq8Zt2eRw9LmXp4VbN4f2a"].concat();
    assert_eq!(mask(SecretKind::StripeKey, &key), "sk_live_…4f2a");
    let url = [
        "postgres://owner:",
        "npg_Q8zT2eRw9LmX",
        "@ep-x.neon.tech/db",
    ]
    .concat();
    assert_eq!(
        mask(SecretKind::DatabaseUrl, &url),
        "postgres://owner:…@ep-x.neon.tech/db"
    );
}

#[test]
fn a_key_split_across_chunks_is_never_shown_in_part() {
    // The redactor alone, fed one character at a time: nothing of the body leaves before the
    // word ends.
    let key = ["sk_", "live_", "51Hq8Zt2eRw9LmXp4VbN4f2a"].concat();
    let text = format!("Nyckeln är {key} och inget annat.");
    let mut guard = Redactor::default();
    let mut shown = String::new();
    for c in text.chars() {
        if let Some((delta, _)) = guard.push(&c.to_string(), false, false) {
            assert!(!delta.contains("51Hq"), "{delta}");
            shown.push_str(&delta);
        }
    }
    shown.push_str(&guard.push("", false, true).unwrap().0);
    assert_eq!(shown, "Nyckeln är sk_live_…4f2a och inget annat.");
}

#[test]
fn the_sample_corpus_yields_no_secret_card() {
    for entry in std::fs::read_dir("tests/fixtures/v0-streams").unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for chunk in [7, usize::MAX] {
            let seen = run(&text, chunk.min(text.len().max(1)));
            assert_eq!(seen.secret_cards, vec![], "{}", path.display());
        }
    }
}

#[test]
fn the_shown_snapshot_and_parts_are_masked_the_state_is_not() {
    let (_, leaks) = corpus();
    let case = &leaks[0];
    let (_, v2) = streams(&case.text).remove(0);
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(v2.as_bytes());
    session.finish();
    // The state keeps the text as sent (patches apply to it by position) ...
    assert!(session.snapshot().text.contains(&case.secret));
    // ... what is shown never has it.
    let shown = session.shown_snapshot();
    assert!(!shown.text.contains(&case.core));
    assert!(!serde_json::to_string(&*shown).unwrap().contains(&case.core));
    assert!(!serde_json::to_string(&*session.shown_parts_from(0))
        .unwrap()
        .contains(&case.core));
    // A stream without credentials is shown as it is, without a copy.
    let mut clean = StreamSession::new(SessionOptions::default());
    clean.feed(streams("Hej då").remove(0).1.as_bytes());
    assert!(matches!(
        clean.shown_snapshot(),
        std::borrow::Cow::Borrowed(_)
    ));
}

/// Review findings: a PEM block whose END line arrives in pieces is held until it is whole; an
/// escaped PEM in a string, a percent-escaped or `;`-holding password and an IPv6 host are
/// found; a public key's BEGIN holds nothing back; adversarial runs stay linear.
#[test]
fn pem_end_split_escaped_keys_odd_passwords_and_adversarial_input() {
    let body: String =
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Vx3kQ9pZt2Lm8RwYb4".repeat(2);
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
    let text = format!("const key = `{pem}`;\n");
    for cut in [
        "-----END ",
        "-----END PRIVATE ",
        "PRIVATE KEY-----",
        "KEY-----",
    ] {
        let at = text.find(cut).unwrap() + cut.len();
        let mut guard = Redactor::default();
        let mut shown = String::new();
        for piece in [&text[..at], &text[at..]] {
            if let Some((delta, _)) = guard.push(piece, false, false) {
                assert!(!delta.contains(&body[10..40]), "cut after {cut:?}: {delta}");
                shown.push_str(&delta);
            }
        }
        if let Some((rest, _)) = guard.push("", false, true) {
            shown.push_str(&rest);
        }
        assert!(
            !shown.contains(&body[10..40]) && shown.contains("…"),
            "{shown}"
        );
    }
    let escaped = format!("{{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\"}}");
    assert_eq!(
        scan(&escaped).iter().map(|l| l.kind).collect::<Vec<_>>(),
        [SecretKind::PrivateKey]
    );
    for url in [
        "postgres://u:Xk9%40pQ2vLm7z@db.example.com/app",
        "postgres://u:Ab9;xQ2mZ7kP@db.example.com/x",
        "postgres://u:Ab9xQ2mZ7kPq@[2001:db8::1]:5432/x",
    ] {
        let found = scan(&format!("DATABASE_URL=\"{url}\""));
        assert_eq!(found.len(), 1, "{url}");
        assert_eq!(
            &format!("DATABASE_URL=\"{url}\"")[found[0].range.clone()],
            url
        );
    }
    // A public key's BEGIN does not hold the rest of the file back.
    let mut guard = Redactor::default();
    let code =
        "if (pem.startsWith(\"-----BEGIN PUBLIC KEY-----\\n\")) { return 1; }\nconst x = 2;\n";
    let (shown, _) = guard.push(code, false, false).unwrap();
    assert_eq!(shown, code);
    // Runs that anchors would read again and again: each scan finishes (linear work).
    for adversarial in [
        "eyJ-".repeat(250_000),
        "sk-ant-".repeat(150_000),
        "redis://".repeat(130_000),
        "-----BEGIN PRIVATE KEY-----\n".repeat(40_000),
    ] {
        assert!(scan(&adversarial).is_empty());
        let mut guard = Redactor::default();
        for chunk in adversarial.as_bytes().chunks(4096) {
            guard.push(std::str::from_utf8(chunk).unwrap(), false, false);
        }
        guard.push("", false, true);
    }
}
