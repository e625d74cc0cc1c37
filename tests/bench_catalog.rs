//! The JS reference pipeline of the comparison benchmark (`benches/js/cards.mjs`) resolves
//! names with the same catalog as the package: `benches/js/catalog.json`, written from
//! [`catalog::PROVIDERS`] by this test. It fails when the file is stale;
//! `UPDATE_BENCH_CATALOG=1 cargo test --test bench_catalog` writes it.
#![cfg(not(target_arch = "wasm32"))]

use sajtmaskin_integrations::catalog::{self, PROVIDERS};
use serde_json::{json, Value};

#[test]
fn the_benchmark_catalog_is_the_packages() {
    let providers: Vec<Value> = PROVIDERS
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "kind": p.kind.as_str(),
                // The names a lookup matches, normalized as `catalog::normalize` does.
                "keys": std::iter::once(p.id)
                    .chain(std::iter::once(p.name))
                    .chain(p.aliases.iter().copied())
                    .map(catalog::normalize)
                    .collect::<Vec<_>>(),
                "envVars": p.env_vars,
            })
        })
        .collect();
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&json!({
            "verifiable": catalog::VERIFIABLE,
            "providers": providers,
        }))
        .expect("JSON")
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/js/catalog.json");
    if std::env::var_os("UPDATE_BENCH_CATALOG").is_some() {
        std::fs::write(path, &text).expect("write the benchmark catalog");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "benches/js/catalog.json is stale: UPDATE_BENCH_CATALOG=1 cargo test --test bench_catalog"
    );
}
