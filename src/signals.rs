//! Integration signals, extracted from the reconstructed message state — never from prose.
//!
//! Structural sources only, in document order:
//! - v2 / proxy `agent-action` parts: `get_or_request_integration` (`requestedIntegrations`,
//!   `requestedMcpPresets`) and `configure_vercel_connect` (`setup-required` → `completed`);
//! - `tool-call` parts whose tool name asks for integrations or env vars and whose input names
//!   them (`input.keys`, `input.integrations`, …);
//! - v1 `task-request-…-v1` tasks such as `task-request-install-integration-v1` (`add-integration`
//!   and `add-env-var` steps);
//! - the builder proxy's `integration` items.
//!
//! Every signal has a [`SignalKey`] naming where it came from, so the card book can tell a
//! signal it has seen (a closing snapshot repeating a part) from a new one.
//!
//! ```
//! use serde_json::json;
//! use sajtmaskin_integrations::cards::Status;
//! use sajtmaskin_integrations::signals::from_parts;
//!
//! let parts = json!([{"type": "agent-action", "name": "get_or_request_integration",
//!                     "data": {"requestedIntegrations": ["Neon"], "requestedMcpPresets": []}}]);
//! let signals = from_parts(&parts);
//! assert_eq!(signals[0].provider, "neon");
//! assert_eq!(signals[0].status, Status::Requested);
//! ```

use serde_json::Value;

use crate::catalog::{self, Kind};
use crate::vocabulary::Status;
use crate::wire::is_env_key;

/// The structure a signal was read from; with a position it tells a signal seen before (a
/// closing snapshot repeating a part) from a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A v2 or proxy part (`position`: its index in the parts array).
    Part,
    /// A v1 `experimental_content` task (`position`: its index in the content).
    Content,
    /// A proxy `integration` item (`position`: its index among all items received).
    Item,
    /// A credential in the text (`position`: 0; one signal per kind and env var).
    Text,
}

/// Where a signal came from: the source, its position there, and what it is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalKey {
    /// `part`, `content` (v1) or `item` (proxy).
    pub source: Source,
    /// Index of the part / task / item.
    pub position: usize,
    /// Canonical provider id.
    pub provider: String,
    /// Which card of the provider the signal is for.
    pub kind: Kind,
}

/// One structural request for an integration, MCP preset, connector or env vars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// Canonical id from the catalog, or `custom:<slug>`.
    pub provider: String,
    /// The name as the stream spelled it (used for custom providers).
    pub name: String,
    /// Which card of the provider it asks for (integration, MCP, connector, env vars).
    pub kind: Kind,
    /// Status this signal reports.
    pub status: Status,
    /// Env-var keys the stream names for it.
    pub env_vars: Vec<String>,
    /// An install URL the stream gave (checked against the allow-list later).
    pub install_url: Option<String>,
    /// A Vercel Connect setup URL (checked later).
    pub setup_url: Option<String>,
    /// The structure it was read from.
    pub source: Source,
    /// Its index in that structure (see [`Source`]).
    pub position: usize,
}

impl Signal {
    /// The key identifying this signal's origin.
    pub fn key(&self) -> SignalKey {
        SignalKey {
            source: self.source,
            position: self.position,
            provider: self.provider.clone(),
            kind: self.kind,
        }
    }
}

/// Resolves a name to (canonical id, name); `None` for names with no letters or digits.
fn resolve(name: &str, kind: Kind) -> Option<(String, String)> {
    let name = name.trim();
    match catalog::lookup(name, kind) {
        Some(provider) => Some((provider.id.to_owned(), name.to_owned())),
        None => catalog::custom_id(name).map(|id| (id, name.to_owned())),
    }
}

fn str_of<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// A list of names: strings, or objects with a `name`/`slug`/`id`.
fn names(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            v.as_str()
                .or_else(|| str_of(v, "name"))
                .or_else(|| str_of(v, "slug"))
                .or_else(|| str_of(v, "id"))
        })
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// Env-var keys: strings or objects with `key`/`name`, valid identifiers only.
fn env_keys(value: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in value.and_then(Value::as_array).into_iter().flatten() {
        let key = v
            .as_str()
            .or_else(|| str_of(v, "key"))
            .or_else(|| str_of(v, "name"));
        if let Some(key) = key.map(str::trim) {
            if is_env_key(key) && !out.iter().any(|k| k == key) {
                out.push(key.to_owned());
            }
        }
    }
    out
}

fn signal(
    (provider, name): (String, String),
    kind: Kind,
    status: Status,
    source: Source,
    position: usize,
) -> Signal {
    Signal {
        provider,
        name,
        kind,
        status,
        env_vars: Vec::new(),
        install_url: None,
        setup_url: None,
        source,
        position,
    }
}

/// Signals in a v2 (or proxy) `parts` array.
pub fn from_parts(parts: &Value) -> Vec<Signal> {
    from_parts_after(parts, 0)
}

/// The signals of the parts at index `from` and after (positions stay the parts' indexes): what
/// a change that left the parts before `from` as they were can have added.
pub fn from_parts_after(parts: &Value, from: usize) -> Vec<Signal> {
    let mut out = Vec::new();
    for (position, part) in parts
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .skip(from)
    {
        match str_of(part, "type") {
            Some("agent-action") => agent_action(part, position, &mut out),
            Some("tool-call") => tool_call(part, position, &mut out),
            _ => {}
        }
    }
    out
}

fn agent_action(part: &Value, position: usize, out: &mut Vec<Signal>) {
    let data = part.get("data").unwrap_or(&Value::Null);
    match str_of(part, "name") {
        Some("get_or_request_integration") => request(data, position, Source::Part, out),
        Some("configure_vercel_connect") => connect(data, position, out),
        _ => {}
    }
}

/// `get_or_request_integration` data (also the input of a tool-call of that name).
fn request(data: &Value, position: usize, source: Source, out: &mut Vec<Signal>) {
    let lists = [
        ("requestedIntegrations", Kind::Integration),
        ("requestedMcpPresets", Kind::Mcp),
    ];
    for (field, kind) in lists {
        for name in names(data.get(field)) {
            if let Some(resolved) = resolve(name, kind) {
                out.push(signal(resolved, kind, Status::Requested, source, position));
            }
        }
    }
}

/// `configure_vercel_connect` data: one connector per service.
fn connect(data: &Value, position: usize, out: &mut Vec<Signal>) {
    let Some(status) = str_of(data, "status").and_then(Status::parse) else {
        return;
    };
    let mut services: Vec<&str> = str_of(data, "service").into_iter().collect();
    for connector in data
        .get("connectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(service) = str_of(connector, "service") {
            if !services.contains(&service) {
                services.push(service);
            }
        }
    }
    for service in services {
        if let Some(resolved) = resolve(service, Kind::Connector) {
            let mut s = signal(resolved, Kind::Connector, status, Source::Part, position);
            s.setup_url = str_of(data, "setupUrl").map(str::to_owned);
            out.push(s);
        }
    }
}

/// What a tool name asks for. A name counts when it names the object (an integration, env
/// vars) together with a verb that asks for it; reading, listing or deleting tools do not.
/// The input must still name providers or valid keys for a signal to come of it.
fn tool_intent(name: &str) -> Option<Kind> {
    let key = catalog::normalize(name);
    const ASKING: [&str; 9] = [
        "request",
        "require",
        "install",
        "add",
        "set",
        "ask",
        "connect",
        "configure",
        "need",
    ];
    const NOT_ASKING: [&str; 5] = ["list", "read", "delete", "remove", "check"];
    if key == "getorrequestintegration" {
        return Some(Kind::Integration);
    }
    let has = |needle: &str| crate::contains(&key, needle);
    if !ASKING.into_iter().any(has) || NOT_ASKING.into_iter().any(has) {
        return None;
    }
    if has("envvar") || has("environmentvariable") {
        Some(Kind::EnvVars)
    } else if has("integration") {
        Some(Kind::Integration)
    } else {
        None
    }
}

fn tool_call(part: &Value, position: usize, out: &mut Vec<Signal>) {
    let Some(name) = str_of(part, "toolName").or_else(|| str_of(part, "name")) else {
        return;
    };
    let input = part
        .get("input")
        .or_else(|| part.get("args"))
        .unwrap_or(&Value::Null);
    match tool_intent(name) {
        Some(Kind::Integration) => {
            request(input, position, Source::Part, out);
            let mut listed = names(input.get("integrations"));
            listed.extend(str_of(input, "integration"));
            for name in listed {
                if let Some(resolved) = resolve(name, Kind::Integration) {
                    let mut s = signal(
                        resolved,
                        Kind::Integration,
                        Status::Requested,
                        Source::Part,
                        position,
                    );
                    s.env_vars = env_keys(input.get("keys").or_else(|| input.get("envVars")));
                    out.push(s);
                }
            }
        }
        Some(_) => {
            let keys = env_keys(
                input
                    .get("keys")
                    .or_else(|| input.get("envVars"))
                    .or_else(|| input.get("env_vars"))
                    .or_else(|| input.get("variables")),
            );
            if keys.is_empty() {
                return;
            }
            let named = str_of(input, "provider").or_else(|| str_of(input, "integration"));
            let resolved = match named {
                Some(name) => resolve(name, Kind::EnvVars),
                None => Some(env_owner(&keys)),
            };
            if let Some(resolved) = resolved {
                let mut s = signal(
                    resolved,
                    Kind::EnvVars,
                    Status::Requested,
                    Source::Part,
                    position,
                );
                s.env_vars = keys;
                out.push(s);
            }
        }
        None => {}
    }
}

/// The provider env-var keys belong to: the catalog's owner of the first key it knows, else
/// `custom:env-vars`.
fn env_owner(keys: &[String]) -> (String, String) {
    match keys.iter().find_map(|k| catalog::owner_of_env_var(k)) {
        Some(p) => (p.id.to_owned(), p.name.to_owned()),
        None => (
            "custom:env-vars".to_owned(),
            "Environment variables".to_owned(),
        ),
    }
}

/// Signals in v1 `experimental_content`: install-integration tasks, whose `add-env-var` steps
/// belong to the integration of the same task.
pub fn from_v1_content(content: &Value) -> Vec<Signal> {
    let mut out = Vec::new();
    for (position, part) in crate::v0::v1::v1_parts(content).enumerate() {
        // `task-request-install-integration-v1` and its siblings (`task-request-…-v1`): their
        // steps name the integration and the env vars.
        let is_request_task = str_of(part, "type").is_some_and(|t| {
            t.starts_with("task-request-")
                && (crate::contains(t, "integration") || crate::contains(t, "env"))
        });
        if !is_request_task {
            continue;
        }
        let mut integrations = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for sub in part
            .get("parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for step in sub
                .get("steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(name) = str_of(step, "stepName").map(str::trim) else {
                    continue;
                };
                match str_of(step, "type") {
                    Some("add-integration") => {
                        integrations.extend(resolve(name, Kind::Integration))
                    }
                    Some("add-env-var") if is_env_key(name) && !keys.iter().any(|k| k == name) => {
                        keys.push(name.to_owned())
                    }
                    _ => {}
                }
            }
        }
        if integrations.is_empty() {
            if !keys.is_empty() {
                let mut s = signal(
                    env_owner(&keys),
                    Kind::EnvVars,
                    Status::Requested,
                    Source::Content,
                    position,
                );
                s.env_vars = keys;
                out.push(s);
            }
            continue;
        }
        for resolved in integrations {
            let mut s = signal(
                resolved,
                Kind::Integration,
                Status::Requested,
                Source::Content,
                position,
            );
            s.env_vars.clone_from(&keys);
            out.push(s);
        }
    }
    out
}

/// Signals in the proxy's `integration` items.
pub fn from_items(items: &[Value]) -> Vec<Signal> {
    let mut out = Vec::new();
    for (position, item) in items.iter().enumerate() {
        let Some(status) = str_of(item, "status").map_or(Some(Status::Requested), Status::parse)
        else {
            continue;
        };
        let Some(name) = str_of(item, "provider")
            .filter(|s| !s.trim().is_empty())
            .or_else(|| str_of(item, "name"))
        else {
            continue;
        };
        let kind = match str_of(item, "intent") {
            Some("install") | None => Kind::Integration,
            Some("connect") => match catalog::lookup(name, Kind::Mcp) {
                Some(p) if p.kind == Kind::Mcp => Kind::Mcp,
                _ => Kind::Connector,
            },
            Some("env_vars") | Some("env-vars") => Kind::EnvVars,
            Some(_) => continue,
        };
        let Some((provider, _)) = resolve(name, kind) else {
            continue;
        };
        let display = str_of(item, "name").unwrap_or(name).trim().to_owned();
        let mut s = signal((provider, display), kind, status, Source::Item, position);
        s.env_vars = env_keys(item.get("envVars"));
        s.install_url = str_of(item, "marketplaceUrl")
            .or_else(|| str_of(item, "installUrl"))
            .map(str::to_owned);
        s.setup_url = str_of(item, "setupUrl").map(str::to_owned);
        out.push(s);
    }
    out
}

/// Signals for credentials found in the text (see [`crate::leaks`]): a `secret` card per kind,
/// asking for the env var the credential should move to.
pub fn from_leaks(found: &[(crate::leaks::SecretKind, &'static str)]) -> Vec<Signal> {
    found
        .iter()
        .map(|(kind, env_key)| Signal {
            provider: kind.id().to_owned(),
            name: kind.id().to_owned(),
            kind: Kind::Secret,
            status: Status::Requested,
            env_vars: vec![(*env_key).to_owned()],
            install_url: None,
            setup_url: None,
            source: Source::Text,
            position: 0,
        })
        .collect()
}
