//! Cards through the JS classes in headless Chromium: every sample's integrations, options,
//! dismiss / env keys, and the DOM renderer's safety.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use sajtmaskin_integrations::wasm::{CardRenderer, StreamSession};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/samples.rs"]
mod samples;
use samples::SAMPLES as FIXTURES;

fn to_json(value: &JsValue) -> Value {
    let text: String = js_sys::JSON::stringify(value).expect("stringify").into();
    serde_json::from_str(&text).expect("json")
}

fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).expect("parse")
}

fn code_of(err: &JsValue) -> Option<String> {
    Reflect::get(err, &"code".into()).ok()?.as_string()
}

/// (provider, kind, status, stream-named env vars as a prefix of the card's)
fn reduce(cards: &Value) -> Vec<(String, String, String, Vec<String>)> {
    cards
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["provider"].as_str().unwrap().into(),
                c["kind"].as_str().unwrap().into(),
                c["status"]["code"].as_str().unwrap().into(),
                c["envVars"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["key"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[wasm_bindgen_test]
fn every_sample_yields_exactly_its_integrations_whole_and_chunked() {
    for (name, bytes, expected) in FIXTURES {
        let expected: Value = serde_json::from_str(expected).unwrap();
        let want = expected["integrations"].as_array().unwrap();
        for size in [bytes.len(), 1, 97] {
            let session = StreamSession::new(JsValue::UNDEFINED).unwrap();
            for chunk in bytes.chunks(size) {
                session.feed(chunk).unwrap();
            }
            session.finish().unwrap();
            let got = reduce(&to_json(&session.cards().unwrap()));
            assert_eq!(got.len(), want.len(), "{name} chunk {size}: {got:?}");
            for (card, w) in got.iter().zip(want) {
                assert_eq!(
                    (card.0.as_str(), card.1.as_str(), card.2.as_str()),
                    (
                        w["provider"].as_str().unwrap(),
                        w["kind"].as_str().unwrap(),
                        w["status"].as_str().unwrap()
                    ),
                    "{name}"
                );
                let named: Vec<String> = w["envVars"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(card.3[..named.len()], named[..], "{name}");
            }
        }
    }
}

#[wasm_bindgen_test]
fn integration_records_make_a_card_connected() {
    let session = StreamSession::new(js(json!({}))).unwrap();
    session.feed(FIXTURES[1].1).unwrap();
    let records = json!([{"id": "uin_1", "projectId": "prj_1", "integrationType": "neon", "status": "installed",
        "installUrl": "https://vercel.com/marketplace/neon", "envVars": [{"key": "DATABASE_URL", "target": ["production"]}],
        "marketplaceId": "icfg_1", "lastSyncedAt": null, "reason": null, "createdAt": "", "updatedAt": ""}]);
    let cards = to_json(&session.set_integration_records(js(records)).unwrap());
    assert_eq!(cards.as_array().unwrap().len(), 1, "no duplicate card");
    assert_eq!(
        cards[0]["status"],
        json!({"code": "connected", "label": "Ansluten"})
    );
    assert_eq!(cards[0]["envVars"][0]["set"], true);
    let err = session
        .set_integration_records(js(json!({"not": "a list"})))
        .unwrap_err();
    assert_eq!(code_of(&err).as_deref(), Some("invalid_argument"));
}

#[wasm_bindgen_test]
fn locale_hosts_env_keys_and_dismiss() {
    let session = StreamSession::new(js(json!({"locale": "en"}))).unwrap();
    session.feed(FIXTURES[1].1).unwrap();
    let cards = to_json(&session.cards().unwrap());
    assert_eq!(cards[0]["status"]["label"], "Requested");
    assert_eq!(cards[0]["id"], "integration:neon");
    let cards = to_json(
        &session
            .set_project_env_keys(vec!["DATABASE_URL".into()])
            .unwrap(),
    );
    assert_eq!(
        cards[0]["envVars"][0],
        json!({"key": "DATABASE_URL", "set": true})
    );
    assert_eq!(
        cards[0]["status"],
        json!({"code": "completed", "label": "Completed"})
    );
    assert_eq!(
        code_of(&session.dismiss("integration:nope").unwrap_err()).as_deref(),
        Some("unknown_card")
    );
    session.dismiss("integration:neon").unwrap();
    assert_eq!(to_json(&session.cards().unwrap()), json!([]));

    let err = StreamSession::new(js(json!({"allowedActionHosts": ["https://evil.io/"]})))
        .err()
        .unwrap();
    assert_eq!(code_of(&err).as_deref(), Some("invalid_options"));
    let only_example =
        StreamSession::new(js(json!({"allowedActionHosts": ["example.com"]}))).unwrap();
    only_example.feed(FIXTURES[1].1).unwrap();
    let actions = to_json(&only_example.cards().unwrap())[0]["actions"].clone();
    assert!(
        actions
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("url").is_none()),
        "{actions}"
    );
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen(inline_js = r#"
export function recorder() { const calls = []; const f = (id, action) => { calls.push([id, action]); }; f.calls = calls; return f; }
export function click(el) { el.click(); }
"#)]
extern "C" {
    fn recorder() -> js_sys::Function;
    fn click(el: &web_sys::Element);
}

#[wasm_bindgen_test]
fn renderer_writes_text_only_and_safe_links() {
    let container = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let on_action = recorder();
    let options = js_sys::Object::new();
    Reflect::set(&options, &"onAction".into(), &on_action).unwrap();
    let mut renderer = CardRenderer::new(container.clone(), options.into()).unwrap();
    let card = json!({
        "id": "integration:neon", "provider": "neon", "kind": "integration",
        "title": "<img src=x onerror=alert(1)>Neon", "description": "<script>boom()</script>",
        "status": {"code": "requested", "label": "Begärd"},
        "envVars": [{"key": "DATABASE_URL", "set": true}],
        "actions": [
            {"kind": "install", "label": "Installera", "url": "https://vercel.com/marketplace/neon"},
            {"kind": "install", "label": "Evil", "url": "javascript:alert(1)"},
            {"kind": "open_chat", "label": "Http", "url": "http://v0.app/chat/x"},
            {"kind": "set_env_vars", "label": "Ange", "envKeys": ["DATABASE_URL"]},
            {"kind": "dismiss", "label": "Stäng"}
        ]
    });
    renderer.render(js(json!([card]))).unwrap();
    assert_eq!(
        container
            .query_selector_all("img, script")
            .unwrap()
            .length(),
        0,
        "markup in text must stay text"
    );
    let title = container.query_selector(".sm-card-title").unwrap().unwrap();
    assert_eq!(
        title.text_content().unwrap(),
        "<img src=x onerror=alert(1)>Neon"
    );
    let links = container.query_selector_all("a").unwrap();
    assert_eq!(
        links.length(),
        1,
        "only the allow-listed https link is rendered"
    );
    let link: web_sys::Element = links.get(0).unwrap().dyn_into().unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://vercel.com/marketplace/neon")
    );
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    let env = container
        .query_selector("li[data-key=DATABASE_URL]")
        .unwrap()
        .unwrap();
    assert_eq!(env.get_attribute("data-set").as_deref(), Some("true"));
    let button = container
        .query_selector("button[data-action=set_env_vars]")
        .unwrap()
        .unwrap();
    click(&button);
    let calls = Array::from(&Reflect::get(&on_action, &"calls".into()).unwrap());
    assert_eq!(calls.length(), 1);
    let call = to_json(&calls.get(0));
    assert_eq!(call[0], "integration:neon");
    assert_eq!(call[1]["envKeys"], json!(["DATABASE_URL"]));
    // Re-rendering replaces the content, and one click is still one call.
    renderer.render(js(json!([card]))).unwrap();
    assert_eq!(
        container.query_selector_all(".sm-card").unwrap().length(),
        1
    );
    click(
        &container
            .query_selector("button[data-action=dismiss]")
            .unwrap()
            .unwrap(),
    );
    assert_eq!(
        Array::from(&Reflect::get(&on_action, &"calls".into()).unwrap()).length(),
        2
    );
    renderer.detach();
    click(
        &container
            .query_selector("button[data-action=dismiss]")
            .unwrap()
            .unwrap(),
    );
    assert_eq!(
        Array::from(&Reflect::get(&on_action, &"calls".into()).unwrap()).length(),
        2
    );
    container.remove();
}

#[wasm_bindgen_test]
fn renderer_rejects_bad_cards_with_a_code() {
    let container = document().create_element("div").unwrap();
    let mut renderer = CardRenderer::new(container, JsValue::UNDEFINED).unwrap();
    let err = renderer.render(js(json!([{"id": 1}]))).unwrap_err();
    assert_eq!(code_of(&err).as_deref(), Some("invalid_cards"));
}

/// Every value the classes take is read field by field (`src/wasm/read.rs`): a wrong one is an
/// error with the class's code whose message names the field and what it must be.
#[wasm_bindgen_test]
fn bad_arguments_name_the_field() {
    let message = |err: &JsValue| -> String {
        Reflect::get(err, &"message".into())
            .unwrap()
            .as_string()
            .unwrap()
    };
    let session = StreamSession::new(JsValue::UNDEFINED).unwrap();
    session.feed(FIXTURES[1].1).unwrap();
    let cases: Vec<(Result<JsValue, JsValue>, &str, &str)> = vec![
        (
            session.set_integration_records(js(json!([{"integrationType": "neon"}]))),
            "invalid_argument",
            "records[].status must be a string",
        ),
        (
            session.set_integration_records(js(json!([
                {"integrationType": "neon", "status": "installed", "envVars": [{"key": 1}]}
            ]))),
            "invalid_argument",
            "records[].envVars[].key must be a string",
        ),
        (
            session.set_integration_records(js(json!([
                {"integrationType": "neon", "status": "installed", "envVars": null}
            ]))),
            "invalid_argument",
            "records[].envVars must be an array",
        ),
        (
            session.set_mcp_servers(js(json!([{"preset": "sentry", "enabled": "yes"}]))),
            "invalid_argument",
            "servers[].enabled must be true or false",
        ),
        (
            session.set_mcp_servers(js(json!({"preset": "sentry"}))),
            "invalid_argument",
            "servers must be an array",
        ),
        (
            session.set_integration_checks(js(json!([{"provider": "neon", "status": "fine"}]))),
            "invalid_argument",
            "checks[].status must be verified, invalid, unreachable or unsupported",
        ),
    ];
    for (result, code, text) in cases {
        let err = result.unwrap_err();
        assert_eq!(code_of(&err).as_deref(), Some(code), "{text}");
        assert_eq!(message(&err), text);
    }
    // The failed calls changed nothing.
    assert_eq!(
        reduce(&to_json(&session.cards().unwrap()))[0].2,
        "requested"
    );

    for (options, text) in [
        (json!({"locale": 5}), "options.locale must be a string"),
        (json!("sv"), "options must be an object"),
        (json!([]), "options must be an object"),
        (
            json!({"allowedActionHosts": ["v0.app", 7]}),
            "options.allowedActionHosts must be an array of strings",
        ),
        (
            json!({"maxEventBytes": 1.5}),
            "maxEventBytes must be a positive whole number, got 1.5",
        ),
    ] {
        let err = StreamSession::new(js(options)).err().unwrap();
        assert_eq!(code_of(&err).as_deref(), Some("invalid_options"));
        assert_eq!(message(&err), text);
    }

    let container = document().create_element("div").unwrap();
    let options = js_sys::Object::new();
    Reflect::set(&options, &"onAction".into(), &"not a function".into()).unwrap();
    let err = CardRenderer::new(container.clone(), options.into())
        .err()
        .unwrap();
    assert_eq!(code_of(&err).as_deref(), Some("invalid_options"));
    assert_eq!(message(&err), "options.onAction must be a function");

    let mut renderer = CardRenderer::new(container, JsValue::UNDEFINED).unwrap();
    let card = to_json(&session.cards().unwrap())[0].clone();
    renderer.render(js(json!([card.clone()]))).unwrap();
    let mut broken = card;
    broken["actions"][0]["envKeys"] = json!(["DATABASE_URL", null]);
    let err = renderer.render(js(json!([broken]))).unwrap_err();
    assert_eq!(code_of(&err).as_deref(), Some("invalid_cards"));
    assert_eq!(
        message(&err),
        "cards[].actions[].envKeys must be an array of strings"
    );
}
