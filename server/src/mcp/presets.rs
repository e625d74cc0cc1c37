//! Hosted MCP servers users connect most, keyed by the catalog's MCP provider ids (so an MCP
//! card's `preset` finds its entry). URLs are the providers' published streamable-HTTP
//! endpoints; per-tenant servers (Hex, Glean) have none and the user gives theirs. The auth
//! kinds live here too, so presets and stored servers (which import this file) share them
//! without importing each other.

use serde::{Deserialize, Serialize};

/// How a server authenticates our requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// No credentials.
    None,
    /// `Authorization: Bearer <token>` with a token the user gives.
    Bearer,
    /// Custom headers (an API-key header, say).
    Headers,
    /// OAuth 2.1 with PKCE, started with `oauth/start`.
    Oauth,
}

impl AuthKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Bearer => "bearer",
            AuthKind::Headers => "headers",
            AuthKind::Oauth => "oauth",
        }
    }

    pub(super) fn parse(text: &str) -> AuthKind {
        match text {
            "bearer" => AuthKind::Bearer,
            "headers" => AuthKind::Headers,
            "oauth" => AuthKind::Oauth,
            _ => AuthKind::None,
        }
    }
}

/// One preset.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preset {
    /// The catalog id (`linear`, `sentry`, …).
    pub id: &'static str,
    /// For people.
    pub name: &'static str,
    /// The endpoint; `None` when each tenant has its own (the user enters it).
    pub url: Option<&'static str>,
    /// The auth the provider uses.
    pub auth_kind: AuthKind,
    /// A header the provider reads an optional API key from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_header: Option<&'static str>,
    /// The URL itself is a credential (Zapier's per-user URL): it is shown masked once stored.
    pub secret_url: bool,
}

const fn preset(
    id: &'static str,
    name: &'static str,
    url: Option<&'static str>,
    auth_kind: AuthKind,
) -> Preset {
    Preset {
        id,
        name,
        url,
        auth_kind,
        api_key_header: None,
        secret_url: false,
    }
}

/// Every preset, in the catalog's priority order.
pub const PRESETS: [Preset; 10] = [
    Preset {
        api_key_header: Some("CONTEXT7_API_KEY"),
        ..preset(
            "context7",
            "Context7",
            Some("https://mcp.context7.com/mcp"),
            AuthKind::None,
        )
    },
    preset("glean", "Glean", None, AuthKind::Oauth),
    preset("hex", "Hex", None, AuthKind::Oauth),
    preset(
        "linear",
        "Linear",
        Some("https://mcp.linear.app/mcp"),
        AuthKind::Oauth,
    ),
    preset(
        "notion",
        "Notion",
        Some("https://mcp.notion.com/mcp"),
        AuthKind::Oauth,
    ),
    preset(
        "posthog",
        "PostHog",
        Some("https://mcp.posthog.com/mcp"),
        AuthKind::Bearer,
    ),
    preset(
        "sanity",
        "Sanity",
        Some("https://mcp.sanity.io"),
        AuthKind::Oauth,
    ),
    preset(
        "sentry",
        "Sentry",
        Some("https://mcp.sentry.dev/mcp"),
        AuthKind::Oauth,
    ),
    Preset {
        secret_url: true,
        ..preset("zapier", "Zapier", None, AuthKind::None)
    },
    preset(
        "granola",
        "Granola",
        Some("https://mcp.granola.ai/mcp"),
        AuthKind::Oauth,
    ),
];

/// The preset with id `id`.
pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use sajtmaskin_integrations::catalog::{Kind, PROVIDERS};

    #[test]
    fn every_catalog_mcp_provider_has_a_preset_and_no_preset_is_unknown() {
        let catalog: Vec<&str> = PROVIDERS
            .iter()
            .filter(|p| p.kind == Kind::Mcp)
            .map(|p| p.id)
            .collect();
        let presets: Vec<&str> = super::PRESETS.iter().map(|p| p.id).collect();
        assert_eq!(catalog, presets);
    }
}
