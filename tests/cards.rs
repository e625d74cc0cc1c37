//! Cards: the negative suite (distractors that must yield no card), URL policy, labels in
//! both locales, de-duplication, dismiss and env-key state.
#![cfg(not(target_arch = "wasm32"))]

use sajtmaskin_integrations::cards::{ActionKind, Status};
use sajtmaskin_integrations::cards::{CardOptions, IntegrationCard};
use sajtmaskin_integrations::catalog::{self, Kind};
use sajtmaskin_integrations::i18n::{self, Locale};
use sajtmaskin_integrations::links::AllowList;
use sajtmaskin_integrations::session::{SessionOptions, StreamSession, StreamUpdate};
use serde_json::{json, Value};

/// A v2 message stream whose closing snapshot holds `parts`.
fn v2(parts: Value) -> String {
    let message = json!({"object": "message", "id": "m1", "chatId": "chat_1", "parts": parts, "finishReason": "stop"});
    format!("data: {message}\n\n")
}

/// A proxy stream with `events` as (name, data).
fn proxy(events: &[(&str, Value)]) -> String {
    events
        .iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect()
}

fn cards_of(stream: &str) -> Vec<IntegrationCard> {
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(stream.as_bytes());
    session.finish();
    session.cards()
}

fn text(t: &str) -> Value {
    json!({"type": "text", "text": t})
}

#[test]
fn negative_suite_yields_no_card() {
    let distractors: Vec<(&str, String)> = vec![
        ("prose: install", v2(json!([text("Install the dependencies and run the dev server.")]))),
        ("prose: connect", v2(json!([text("We can connect a newsletter signup later if you want.")]))),
        ("prose: database", v2(json!([text("A serverless Postgres database like Neon fits well here.")]))),
        ("prose: Vercel", v2(json!([text("Deploy it to Vercel when you are happy with it.")]))),
        ("prose: API key", v2(json!([text("Add your Stripe API key (STRIPE_SECRET_KEY) in the settings.")]))),
        ("thinking mentions Supabase", v2(json!([{"type": "thinking", "text": "Supabase or Neon? I'll ask for Supabase later."}]))),
        ("npm install in bash", v2(json!([{"type": "bash", "command": "npm install @neondatabase/serverless stripe resend", "output": "added 3 packages"}]))),
        ("file name ConnectForm.tsx", v2(json!([{"type": "file-edit", "operation": "create", "path": "components/ConnectForm.tsx"}]))),
        ("file read of integrations", v2(json!([{"type": "file-read", "paths": ["lib/stripe.ts", "app/api/neon/route.ts"]}]))),
        ("process.env.NODE_ENV in code", v2(json!([{"type": "file-edit", "path": "lib/db.ts", "content": "if (process.env.NODE_ENV !== 'production') { process.env.DATABASE_URL }"}]))),
        ("ALL-CAPS words", v2(json!([text("OK, the GET route returns prices in USD and the SEO tags are set. API, JSON, HTML.")]))),
        ("providerMetadata keys", v2(json!([{"type": "text", "text": "done", "providerMetadata": {"openai": {"reasoning": true}, "anthropic": {}}}]))),
        ("providerOptions and installCommand", v2(json!([{"type": "tool-call", "toolName": "generate", "input": {"providerOptions": {"stripe": {}}, "installCommand": "npm i @upstash/redis"}}]))),
        ("search query", v2(json!([{"type": "search", "scope": "web", "query": "how to connect Neon Postgres to Next.js"}]))),
        ("empty get_or_request_integration", v2(json!([{"type": "agent-action", "name": "get_or_request_integration", "data": {"requestedIntegrations": [], "requestedMcpPresets": []}}]))),
        ("disconnected connector state", v2(json!([{"type": "agent-action", "name": "configure_vercel_connect", "data": {"status": "disconnected", "service": "linear"}}]))),
        ("Deploying to Vercel status", v2(json!([{"type": "agent-action", "name": "deploy", "summary": "Deploying to Vercel", "data": {"status": "deploying", "provider": "vercel"}}]))),
        ("link to fonts.googleapis.com", v2(json!([text("Fonts load from https://fonts.googleapis.com/css2?family=Inter")]))),
        ("the word striped", v2(json!([text("A striped background with resend-style buttons.")]))),
        ("Resend code button", v2(json!([{"type": "file-edit", "path": "app/verify/page.tsx", "content": "<Button>Resend code</Button>"}]))),
        ("unknown agent action", v2(json!([{"type": "agent-action", "name": "plan", "data": {"steps": ["Install Neon", "Connect Stripe"]}}]))),
        ("proxy item with unknown status", proxy(&[("integration", json!({"items": [{"key": "neon", "provider": "neon", "status": "disconnected", "intent": "install"}]}))])),
        ("proxy item with unknown intent", proxy(&[("integration", json!({"items": [{"provider": "neon", "status": "requested", "intent": "deploy"}]}))])),
        ("proxy content prose", proxy(&[("content", json!("Connect Upstash when asked; set UPSTASH_REDIS_REST_TOKEN."))])),
        ("tool call without keys", v2(json!([{"type": "tool-call", "toolName": "request_env_vars", "input": {"keys": []}}]))),
        ("tool call with invalid keys", v2(json!([{"type": "tool-call", "toolName": "request_env_vars", "input": {"keys": ["not a key", "1ABC", ""]}}]))),
        ("unrelated tool call", v2(json!([{"type": "tool-call", "toolName": "write_file", "input": {"path": ".env", "content": "STRIPE_SECRET_KEY=sk_test"}}]))),
    ];
    assert!(distractors.len() >= 20);
    for (name, stream) in &distractors {
        let cards = cards_of(stream);
        assert!(cards.is_empty(), "{name}: {cards:?}");
    }
}

#[test]
fn unsafe_install_urls_never_become_actions() {
    for url in [
        "javascript:alert(1)",
        "http://vercel.com/marketplace/neon",
        "https://fonts.googleapis.com/x",
        "https://vercel.com.evil.io/",
        "https://user@vercel.com/",
        "https://vercel.com:8443/",
        "data:text/html,hi",
        "//vercel.com/x",
        "https://vercel.com/a b",
        "HTTPS://evil.io",
    ] {
        let stream = proxy(&[(
            "integration",
            json!({"items": [{"provider": "acme-db", "name": "Acme DB", "status": "requested", "intent": "install", "marketplaceUrl": url}]}),
        )]);
        let cards = cards_of(&stream);
        assert_eq!(cards.len(), 1, "{url}: the request itself is still a card");
        assert!(
            cards[0]
                .actions
                .iter()
                .all(|a| a.url.as_deref() != Some(url)),
            "{url}"
        );
        assert!(
            cards[0]
                .actions
                .iter()
                .all(|a| a.kind != ActionKind::Install),
            "{url}: no install without a safe URL"
        );
    }
    // A bad stream URL for a catalog provider falls back to the catalog's own URL.
    let stream = proxy(&[(
        "integration",
        json!({"items": [{"provider": "neon", "status": "requested", "intent": "install", "marketplaceUrl": "javascript:alert(1)"}]}),
    )]);
    let install = cards_of(&stream)[0]
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Install)
        .cloned()
        .unwrap();
    assert_eq!(
        install.url.as_deref(),
        Some("https://vercel.com/marketplace/neon")
    );
}

#[test]
fn allowed_action_hosts_option_is_honoured() {
    let options = SessionOptions {
        cards: CardOptions {
            allowed_hosts: AllowList::new(["example.com"]),
            ..CardOptions::default()
        },
        ..SessionOptions::default()
    };
    let mut session = StreamSession::new(options);
    session.feed(proxy(&[("chatId", json!({"id": "abc"})), ("integration", json!({"items": [
        {"provider": "neon", "status": "requested", "intent": "install"},
        {"provider": "acme", "status": "requested", "intent": "install", "marketplaceUrl": "https://example.com/install"}]}))]).as_bytes());
    let cards = session.cards();
    // vercel.com and v0.app are not allowed now: no install for neon, no open_chat anywhere.
    assert!(cards[0].actions.iter().all(|a| a.url.is_none()));
    assert_eq!(
        cards[1]
            .actions
            .iter()
            .filter_map(|a| a.url.as_deref())
            .collect::<Vec<_>>(),
        ["https://example.com/install"]
    );
}

#[test]
fn every_status_and_action_has_a_label_in_both_locales() {
    for locale in [Locale::Sv, Locale::En] {
        for status in Status::ALL {
            assert!(!i18n::status_label(locale, status).is_empty());
        }
        for action in ActionKind::ALL {
            assert!(!i18n::action_label(locale, action).is_empty());
        }
        for kind in Kind::ALL {
            assert!(!i18n::title(locale, kind, "X").is_empty());
            assert!(!i18n::description(locale, kind, "X").is_empty());
        }
    }
    // The two locales really differ where words are involved.
    for status in Status::ALL {
        assert_ne!(
            i18n::status_label(Locale::Sv, status),
            i18n::status_label(Locale::En, status),
            "{status:?}"
        );
    }
    for action in ActionKind::ALL {
        assert_ne!(
            i18n::action_label(Locale::Sv, action),
            i18n::action_label(Locale::En, action),
            "{action:?}"
        );
    }
}

#[test]
fn catalog_covers_the_required_providers_and_matches_loosely() {
    for id in [
        "neon",
        "supabase",
        "upstash",
        "stripe",
        "resend",
        "openai",
        "clerk",
        "auth0",
        "sanity",
        "contentful",
        "blob",
        "edge-config",
        "aws-s3",
        "groq",
        "fal",
        "deepinfra",
        "xai",
    ] {
        assert!(catalog::by_id(id, Kind::Integration).is_some(), "{id}");
    }
    for id in [
        "context7", "glean", "hex", "linear", "notion", "posthog", "sanity", "sentry", "zapier",
        "granola",
    ] {
        assert_eq!(
            catalog::by_id(id, Kind::Mcp).map(|p| p.kind),
            Some(Kind::Mcp),
            "{id}"
        );
    }
    for name in [
        "Neon Postgres",
        "neon",
        "NEON",
        " Neon-Postgres ",
        "neon_postgres",
    ] {
        assert_eq!(
            catalog::lookup(name, Kind::Integration).map(|p| p.id),
            Some("neon"),
            "{name}"
        );
    }
    assert_eq!(
        catalog::lookup("Upstash for Redis", Kind::Integration).map(|p| p.id),
        Some("upstash")
    );
    assert_eq!(
        catalog::lookup("Vercel Blob", Kind::Integration).map(|p| p.id),
        Some("blob")
    );
    assert_eq!(
        catalog::lookup("AWS S3", Kind::Integration).map(|p| p.id),
        Some("aws-s3")
    );
    assert_eq!(
        catalog::lookup("Sanity", Kind::Mcp).map(|p| p.kind),
        Some(Kind::Mcp)
    );
    assert_eq!(
        catalog::lookup("Sanity", Kind::Integration).map(|p| p.kind),
        Some(Kind::Integration)
    );
    assert_eq!(
        catalog::custom_id("  Acme DB 2.0! "),
        Some("custom:acme-db-2-0".into())
    );
    assert_eq!(catalog::custom_id("!!"), None);
}

#[test]
fn unknown_provider_becomes_custom_instead_of_being_lost() {
    let cards = cards_of(&v2(
        json!([{"type": "agent-action", "name": "get_or_request_integration", "data": {"requestedIntegrations": ["Acme Analytics"], "requestedMcpPresets": ["Figma"]}}]),
    ));
    let ids: Vec<&str> = cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["integration:custom:acme-analytics", "mcp:custom:figma"]
    );
    assert_eq!(cards[0].title, "Acme Analytics");
}

#[test]
fn tool_call_asking_for_env_vars_is_an_env_vars_card() {
    let cards = cards_of(&v2(
        json!([{"type": "tool-call", "toolName": "request_env_vars", "input": {"keys": ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]}}]),
    ));
    assert_eq!(cards.len(), 1);
    assert_eq!(
        (cards[0].provider.as_str(), cards[0].kind),
        ("stripe", Kind::EnvVars)
    );
    let keys: Vec<&str> = cards[0].env_vars.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY"
        ]
    );
    let set = cards[0]
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::SetEnvVars)
        .unwrap();
    assert_eq!(set.env_keys.as_deref().unwrap(), keys);
}

#[test]
fn tool_names_that_ask_count_and_others_do_not() {
    let tool = |name: &str| {
        v2(
            json!([{"type": "tool-call", "toolName": name, "input": {"keys": ["RESEND_API_KEY"], "integrations": ["Resend"]}}]),
        )
    };
    let asking: [(&str, Kind); 8] = [
        ("request_env_vars", Kind::EnvVars),
        ("requestEnvironmentVariables", Kind::EnvVars),
        ("set-env-vars", Kind::EnvVars),
        ("ask_for_env_vars", Kind::EnvVars),
        ("require_environment_variable", Kind::EnvVars),
        ("request_integration", Kind::Integration),
        ("installIntegration", Kind::Integration),
        ("add_integrations", Kind::Integration),
    ];
    for (name, kind) in asking {
        let cards = cards_of(&tool(name));
        let got: Vec<_> = cards
            .iter()
            .map(|c| (c.provider.as_str(), c.kind))
            .collect();
        assert_eq!(got, [("resend", kind)], "{name}");
    }
    for other in [
        "list_env_vars",
        "read_env_vars",
        "delete_env_vars",
        "get_env_vars",
        "check_integration",
        "list_integrations",
        "search",
        "env",
    ] {
        assert!(cards_of(&tool(other)).is_empty(), "{other}");
    }
}

#[test]
fn v1_env_var_task_without_an_integration_is_an_env_vars_card() {
    let task = json!(["AssistantMessageContentPart", {"part": {"type": "task-request-env-vars-v1", "parts": [
        {"type": "request-env-vars", "steps": [{"type": "add-env-var", "stepName": "OPENAI_API_KEY"}]}]}}]);
    let delta = json!({"0": [[0, [task]]], "_t": "a"});
    let stream = format!(
        "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
        json!({"object": "chat", "id": "c1"}),
        json!({"object": "message.experimental_content.chunk", "delta": delta})
    );
    let cards = cards_of(&stream);
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert_eq!(
        (cards[0].provider.as_str(), cards[0].kind),
        ("openai", Kind::EnvVars)
    );
    assert_eq!(cards[0].env_vars[0].key, "OPENAI_API_KEY");
}

#[test]
fn later_signals_update_the_same_card_and_repeats_emit_nothing() {
    let mut session = StreamSession::new(SessionOptions::default());
    let request = |status: &str| {
        proxy(&[(
            "integration",
            json!({"items": [{"provider": "upstash", "status": status, "intent": "install", "envVars": ["UPSTASH_REDIS_REST_URL"]}]}),
        )])
    };
    let cards_updates = |updates: Vec<StreamUpdate>| -> Vec<IntegrationCard> {
        updates
            .into_iter()
            .filter_map(|u| match u {
                StreamUpdate::Cards { cards } => Some(cards),
                _ => None,
            })
            .flatten()
            .collect()
    };
    let first = cards_updates(session.feed(request("requested").as_bytes()));
    assert_eq!(first.len(), 1);
    // The same item again (a new item, same content): the card does not change, nothing is sent.
    assert!(cards_updates(session.feed(request("requested").as_bytes())).is_empty());
    let second = cards_updates(session.feed(request("connected").as_bytes()));
    assert_eq!(second.len(), 1);
    assert_eq!(
        (second[0].id.as_str(), second[0].status.code),
        ("integration:upstash", Status::Connected)
    );
    // Never backwards: a late "requested" does not undo "connected".
    assert!(cards_updates(session.feed(request("requested").as_bytes())).is_empty());
    assert_eq!(session.cards().len(), 1);
    assert_eq!(session.cards()[0].status.code, Status::Connected);
    assert!(
        session.cards()[0]
            .actions
            .iter()
            .all(|a| a.kind != ActionKind::Install),
        "connected: nothing to install"
    );
}

#[test]
fn dismiss_hides_until_the_status_changes() {
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(v2(json!([{"type": "agent-action", "name": "configure_vercel_connect", "data": {"status": "setup-required", "service": "linear", "setupUrl": "https://vercel.com/connect/setup/x"}}])).as_bytes());
    assert!(session.dismiss("connector:linear"));
    assert!(!session.dismiss("connector:nope"));
    assert!(session.cards().is_empty());
    let updates = session.feed(b"event: x\ndata: {}\n\n");
    assert!(!updates
        .iter()
        .any(|u| matches!(u, StreamUpdate::Cards { .. })));
    let mut resumed = StreamSession::new(SessionOptions::default());
    resumed.feed(v2(json!([{"type": "agent-action", "name": "configure_vercel_connect", "data": {"status": "setup-required", "service": "linear", "setupUrl": "https://vercel.com/connect/setup/x"}}])).as_bytes());
    resumed.dismiss("connector:linear");
    let updates = resumed.feed(b"data: {\"object\":\"message.parts.chunk\",\"id\":\"m1\",\"delta\":{\"1\":[{\"type\":\"agent-action\",\"name\":\"configure_vercel_connect\",\"data\":{\"status\":\"completed\",\"connectors\":[{\"service\":\"linear\"}]}}],\"_t\":\"a\"}}\n\n");
    assert!(updates.iter().any(
        |u| matches!(u, StreamUpdate::Cards { cards } if cards[0].status.code == Status::Completed)
    ));
    assert_eq!(resumed.cards().len(), 1);
}

#[test]
fn project_env_keys_mark_vars_as_set() {
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(v2(json!([{"type": "agent-action", "name": "get_or_request_integration", "data": {"requestedIntegrations": ["Neon"]}}])).as_bytes());
    assert!(!session.cards()[0].env_vars[0].set);
    let cards = session.set_project_env_keys(["DATABASE_URL", "OTHER"]);
    assert_eq!(
        (cards[0].env_vars[0].key.as_str(), cards[0].env_vars[0].set),
        ("DATABASE_URL", true)
    );
    let cards = session.set_project_env_keys(Vec::<String>::new());
    assert!(!cards[0].env_vars[0].set);
}

#[test]
fn open_chat_appears_once_the_chat_id_is_known_and_english_works() {
    let options = SessionOptions {
        cards: CardOptions {
            locale: Locale::En,
            ..CardOptions::default()
        },
        ..SessionOptions::default()
    };
    let mut session = StreamSession::new(options);
    session.feed(
        proxy(&[(
            "integration",
            json!({"items": [{"provider": "sentry", "status": "requested", "intent": "connect"}]}),
        )])
        .as_bytes(),
    );
    let card = &session.cards()[0];
    assert_eq!(
        (
            card.id.as_str(),
            card.title.as_str(),
            card.status.label.as_str()
        ),
        ("mcp:sentry", "Sentry MCP", "Requested")
    );
    assert!(card.actions.iter().all(|a| a.kind != ActionKind::OpenChat));
    let updates = session.feed(proxy(&[("chatId", json!({"id": "Q4czSoHSfNt"}))]).as_bytes());
    let changed = updates
        .iter()
        .find_map(|u| match u {
            StreamUpdate::Cards { cards } => Some(cards.clone()),
            _ => None,
        })
        .unwrap();
    let open = changed[0]
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::OpenChat)
        .unwrap();
    assert_eq!(open.url.as_deref(), Some("https://v0.app/chat/Q4czSoHSfNt"));
}

/// A Neon request as v0 sends it.
fn neon_request() -> String {
    v2(
        json!([{"type": "agent-action", "name": "get_or_request_integration",
        "data": {"requestedIntegrations": ["Neon"], "requestedMcpPresets": []}}]),
    )
}

#[test]
fn a_card_whose_every_key_is_set_is_completed_in_both_locales() {
    for (locale, label) in [(Locale::Sv, "Klar"), (Locale::En, "Completed")] {
        let options = SessionOptions {
            cards: CardOptions {
                locale,
                ..CardOptions::default()
            },
            ..SessionOptions::default()
        };
        let mut session = StreamSession::new(options);
        session.feed(neon_request().as_bytes());
        session.finish();
        assert_eq!(session.cards()[0].status.code, Status::Requested);
        let cards = session.set_project_env_keys(["DATABASE_URL"]);
        assert_eq!(
            (cards[0].status.code, cards[0].status.label.as_str()),
            (Status::Completed, label)
        );
        assert!(cards[0].env_vars.iter().all(|v| v.set));
        assert!(
            cards[0]
                .actions
                .iter()
                .all(|a| a.kind != ActionKind::Install),
            "nothing left to install"
        );
        // Back to requested when a key goes away.
        let cards = session.set_project_env_keys(Vec::<String>::new());
        assert_eq!(cards[0].status.code, Status::Requested);
    }
}

#[test]
fn install_records_turn_cards_connected_without_adding_any() {
    use sajtmaskin_integrations::cards::InstallRecord;
    let stream = proxy(&[
        ("chatId", json!({"id": "chat_1"})),
        (
            "integration",
            json!({"items": [
        {"provider": "upstash", "status": "requested", "intent": "install"},
        {"provider": "neon", "status": "requested", "intent": "install"}]}),
        ),
        ("done", json!({})),
    ]);
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(stream.as_bytes());
    session.finish();
    let records: Vec<InstallRecord> = serde_json::from_value(json!([
        {"integrationType": "upstash", "status": "installed", "installUrl": "https://vercel.com/marketplace/upstash",
         "envVars": [{"key": "cache_UPSTASH_REDIS_REST_URL", "target": ["production"]}, {"key": "UPSTASH_REDIS_REST_TOKEN", "target": []}]},
        {"integrationType": "neon", "status": "pending", "envVars": []},
        {"integrationType": "supabase", "status": "installed", "envVars": [{"key": "SUPABASE_URL"}]}
    ]))
    .unwrap();
    let cards = session.set_install_records(&records);
    assert_eq!(cards.len(), 2, "a record makes no card of its own");
    let upstash = cards.iter().find(|c| c.provider == "upstash").unwrap();
    assert_eq!(upstash.status.code, Status::Connected);
    assert!(
        upstash.env_vars.iter().all(|v| v.set),
        "{:?}",
        upstash.env_vars
    );
    let neon = cards.iter().find(|c| c.provider == "neon").unwrap();
    assert_eq!(
        neon.status.code,
        Status::Installing,
        "a pending install is installing, not connected"
    );
    assert_eq!(neon.status.label, "Installeras");
    // A connected integration of a chat can resume it; one still installing cannot.
    assert!(upstash.actions.iter().any(|a| a.kind == ActionKind::Resume));
    assert!(neon.actions.iter().all(|a| a.kind != ActionKind::Resume));
    // Records are replaced as a whole: a removed install is no longer connected.
    let removed: Vec<InstallRecord> = serde_json::from_value(json!([
        {"integrationType": "upstash", "status": "removed", "envVars": []}]))
    .unwrap();
    let cards = session.set_install_records(&removed);
    assert_eq!(cards[0].status.code, Status::Requested);
}

#[test]
fn an_mcp_card_carries_its_preset_and_shows_connected_once_an_enabled_server_exists() {
    use sajtmaskin_integrations::cards::McpServerRecord;
    let stream = v2(
        json!([{"type": "agent-action", "name": "get_or_request_integration", "data": {"requestedIntegrations": [], "requestedMcpPresets": ["Sentry", "Figma"]}}]),
    );
    let mut session = StreamSession::new(SessionOptions::default());
    session.feed(stream.as_bytes());
    session.finish();
    let cards = session.cards();
    let connect = |card: &IntegrationCard| {
        card.actions
            .iter()
            .find(|a| a.kind == ActionKind::ConnectMcp)
            .map(|a| a.preset.clone())
    };
    let sentry = cards.iter().find(|c| c.id == "mcp:sentry").unwrap();
    assert_eq!(connect(sentry), Some(Some("sentry".into())));
    let figma = cards.iter().find(|c| c.id == "mcp:custom:figma").unwrap();
    assert_eq!(
        connect(figma),
        Some(None),
        "a custom MCP server has no preset"
    );

    let servers = |list: Value| -> Vec<McpServerRecord> { serde_json::from_value(list).unwrap() };
    // A disabled server, or one of another preset, connects nothing.
    let cards = session.set_mcp_servers(&servers(json!([
        {"id": "mcp_1", "preset": "sentry", "enabled": false},
        {"id": "mcp_2", "preset": "linear", "enabled": true},
        {"id": "mcp_3", "preset": null, "enabled": true}
    ])));
    let sentry = cards.iter().find(|c| c.id == "mcp:sentry").unwrap();
    assert_eq!(sentry.status.code, Status::Requested);
    let cards = session.set_mcp_servers(&servers(json!([{"preset": "sentry", "enabled": true}])));
    let sentry = cards.iter().find(|c| c.id == "mcp:sentry").unwrap();
    assert_eq!(sentry.status.code, Status::Connected);
    assert_eq!(
        connect(sentry),
        None,
        "a connected card offers no connect action"
    );
    assert_eq!(cards.len(), 2, "servers make no card of their own");
    // Replaced as a whole: with the server gone the card asks again.
    let cards = session.set_mcp_servers(&[]);
    assert_eq!(
        cards
            .iter()
            .find(|c| c.id == "mcp:sentry")
            .unwrap()
            .status
            .code,
        Status::Requested
    );
}

/// `verify` appears once every key of a checkable provider's card is set; the backend's check
/// shows on the card in the session's locale, and a new list of checks replaces the old one.
#[test]
fn verify_action_and_check_outcomes() {
    use sajtmaskin_integrations::cards::{CheckRecord, Verification};
    let stream = proxy(&[(
        "integration",
        json!({"items": [{"provider": "neon", "status": "requested"}, {"provider": "resend", "status": "requested"}]}),
    )]);
    let kinds = |card: &IntegrationCard| card.actions.iter().map(|a| a.kind).collect::<Vec<_>>();
    for (locale, labels) in [
        (
            Locale::Sv,
            [
                "Verifierad",
                "Ogiltig nyckel",
                "Kan inte nås",
                "Kan inte kontrolleras",
            ],
        ),
        (
            Locale::En,
            [
                "Verified",
                "Invalid key",
                "Unreachable",
                "Cannot be checked",
            ],
        ),
    ] {
        let mut session = StreamSession::new(SessionOptions {
            cards: CardOptions {
                locale,
                ..CardOptions::default()
            },
            ..SessionOptions::default()
        });
        session.feed(stream.as_bytes());
        let neon = |cards: &[IntegrationCard]| {
            cards
                .iter()
                .find(|c| c.provider == "neon")
                .cloned()
                .unwrap()
        };
        assert!(
            !kinds(&neon(&session.cards())).contains(&ActionKind::Verify),
            "no keys set yet"
        );
        let cards = session.set_project_env_keys(["DATABASE_URL", "RESEND_API_KEY"]);
        assert!(kinds(&neon(&cards)).contains(&ActionKind::Verify));
        let resend = cards.iter().find(|c| c.provider == "resend").unwrap();
        assert!(
            !kinds(resend).contains(&ActionKind::Verify),
            "resend has no check"
        );
        assert_eq!(neon(&cards).verification, None);
        for (outcome, label) in Verification::ALL.into_iter().zip(labels) {
            let cards = session.set_checks(&[CheckRecord {
                provider: "neon".into(),
                status: outcome,
            }]);
            let shown = neon(&cards).verification.unwrap();
            assert_eq!((shown.status, shown.label.as_str()), (outcome, label));
            assert_eq!(i18n::verification_label(locale, outcome), label);
            assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.as_str());
            assert_eq!(Verification::parse(outcome.as_str()), Some(outcome));
            let json = serde_json::to_value(neon(&cards)).unwrap();
            assert_eq!(
                json["verification"]["status"],
                serde_json::to_value(outcome).unwrap()
            );
        }
        assert_eq!(
            neon(&session.set_checks(&[])).verification,
            None,
            "replaced by an empty list"
        );
    }
}

/// The default allow-list is a static table (no allocation per session); it must be what
/// `DEFAULT_HOSTS` reads as.
#[test]
fn the_default_allow_list_is_the_default_hosts() {
    use sajtmaskin_integrations::links::DEFAULT_HOSTS;
    assert_eq!(AllowList::default(), AllowList::new(DEFAULT_HOSTS));
    assert_eq!(AllowList::try_new(DEFAULT_HOSTS), Ok(AllowList::default()));
    assert_ne!(
        AllowList::default(),
        AllowList::new(["vercel.com", "v0.app", "v0.dev"])
    );
}
