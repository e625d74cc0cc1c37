//! The provider catalog: canonical ids, names and aliases, kind, install URL and env vars.
//!
//! Names match case- and punctuation-insensitively ("Neon Postgres", "neon", "NEON"):
//! both sides are reduced to lowercase ASCII letters and digits before comparing.
//!
//! ```
//! use sajtmaskin_integrations::catalog::{lookup, Kind};
//!
//! let neon = lookup("Neon Postgres", Kind::Integration).unwrap();
//! assert_eq!(neon.id, "neon");
//! assert_eq!(neon.env_vars, ["DATABASE_URL"]);
//! assert_eq!(lookup("SENTRY", Kind::Mcp).unwrap().kind, Kind::Mcp);
//! assert!(lookup("striped", Kind::Integration).is_none());
//! ```

use serde::Serialize;

/// What a card asks the user to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Install a Vercel Marketplace integration.
    Integration,
    /// Connect an MCP server preset.
    Mcp,
    /// A Vercel Connect connector.
    Connector,
    /// Set environment variables.
    EnvVars,
    /// A credential written literally in the generated code: move it to an env var.
    Secret,
}

impl Kind {
    /// Every kind, for exhaustive checks.
    pub const ALL: [Kind; 5] = [
        Kind::Integration,
        Kind::Mcp,
        Kind::Connector,
        Kind::EnvVars,
        Kind::Secret,
    ];

    /// The contract's name for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Integration => "integration",
            Kind::Mcp => "mcp",
            Kind::Connector => "connector",
            Kind::EnvVars => "env_vars",
            Kind::Secret => "secret",
        }
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Canonical lowercase id, e.g. `neon`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Other names it goes by (the id and the display name match too).
    pub aliases: &'static [&'static str],
    /// Its kind.
    pub kind: Kind,
    /// Where to install or set it up.
    pub url: Option<&'static str>,
    /// The env vars it needs.
    pub env_vars: &'static [&'static str],
}

const fn integration(
    id: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    url: &'static str,
    env_vars: &'static [&'static str],
) -> Provider {
    Provider {
        id,
        name,
        aliases,
        kind: Kind::Integration,
        url: Some(url),
        env_vars,
    }
}

const fn with_kind(id: &'static str, name: &'static str, kind: Kind) -> Provider {
    Provider {
        id,
        name,
        aliases: &[],
        kind,
        url: None,
        env_vars: &[],
    }
}

/// Providers whose keys the backend can check (`POST …/integrations/{provider}/verify`): their
/// cards offer a `verify` action once every key is set.
pub const VERIFIABLE: [&str; 5] = ["neon", "supabase", "upstash", "stripe", "openai"];

/// The catalog. An id may appear once per kind (Sanity is an integration and an MCP preset).
pub static PROVIDERS: &[Provider] = &[
    integration(
        "neon",
        "Neon",
        &["Neon Postgres", "Neon Database", "Neon Serverless Postgres"],
        "https://vercel.com/marketplace/neon",
        &["DATABASE_URL"],
    ),
    integration(
        "supabase",
        "Supabase",
        &["Supabase Postgres"],
        "https://vercel.com/marketplace/supabase",
        &[
            "NEXT_PUBLIC_SUPABASE_URL",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
        ],
    ),
    integration(
        "upstash",
        "Upstash",
        &["Upstash for Redis", "Upstash Redis", "Upstash KV"],
        "https://vercel.com/marketplace/upstash",
        &["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
    ),
    integration(
        "stripe",
        "Stripe",
        &[],
        "https://vercel.com/marketplace/stripe",
        &["STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY"],
    ),
    integration(
        "resend",
        "Resend",
        &[],
        "https://vercel.com/marketplace/resend",
        &["RESEND_API_KEY"],
    ),
    Provider {
        id: "openai",
        name: "OpenAI",
        aliases: &["Open AI"],
        kind: Kind::EnvVars,
        url: None,
        env_vars: &["OPENAI_API_KEY"],
    },
    integration(
        "clerk",
        "Clerk",
        &[],
        "https://vercel.com/marketplace/clerk",
        &["CLERK_SECRET_KEY", "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY"],
    ),
    integration(
        "auth0",
        "Auth0",
        &[],
        "https://vercel.com/marketplace/auth0",
        &[
            "AUTH0_SECRET",
            "AUTH0_DOMAIN",
            "AUTH0_CLIENT_ID",
            "AUTH0_CLIENT_SECRET",
        ],
    ),
    integration(
        "sanity",
        "Sanity",
        &["Sanity CMS"],
        "https://vercel.com/marketplace/sanity",
        &[
            "NEXT_PUBLIC_SANITY_PROJECT_ID",
            "NEXT_PUBLIC_SANITY_DATASET",
            "SANITY_API_TOKEN",
        ],
    ),
    integration(
        "contentful",
        "Contentful",
        &[],
        "https://vercel.com/marketplace/contentful",
        &["CONTENTFUL_SPACE_ID", "CONTENTFUL_ACCESS_TOKEN"],
    ),
    integration(
        "blob",
        "Vercel Blob",
        &["Blob", "Vercel Blob Storage"],
        "https://vercel.com/dashboard/stores",
        &["BLOB_READ_WRITE_TOKEN"],
    ),
    integration(
        "edge-config",
        "Edge Config",
        &["Vercel Edge Config"],
        "https://vercel.com/dashboard/stores",
        &["EDGE_CONFIG"],
    ),
    integration(
        "aws-s3",
        "AWS S3",
        &["S3", "Amazon S3", "AWS"],
        "https://vercel.com/marketplace/aws",
        &[
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
            "AWS_S3_BUCKET",
        ],
    ),
    integration(
        "groq",
        "Groq",
        &[],
        "https://vercel.com/marketplace/groq",
        &["GROQ_API_KEY"],
    ),
    integration(
        "fal",
        "fal",
        &["fal.ai", "fal ai"],
        "https://vercel.com/marketplace/fal",
        &["FAL_KEY"],
    ),
    integration(
        "deepinfra",
        "Deep Infra",
        &["DeepInfra"],
        "https://vercel.com/marketplace/deepinfra",
        &["DEEPINFRA_API_KEY"],
    ),
    integration(
        "xai",
        "xAI",
        &["x.ai", "Grok"],
        "https://vercel.com/marketplace/xai",
        &["XAI_API_KEY"],
    ),
    with_kind("context7", "Context7", Kind::Mcp),
    with_kind("glean", "Glean", Kind::Mcp),
    with_kind("hex", "Hex", Kind::Mcp),
    with_kind("linear", "Linear", Kind::Mcp),
    with_kind("notion", "Notion", Kind::Mcp),
    with_kind("posthog", "PostHog", Kind::Mcp),
    with_kind("sanity", "Sanity", Kind::Mcp),
    with_kind("sentry", "Sentry", Kind::Mcp),
    with_kind("zapier", "Zapier", Kind::Mcp),
    with_kind("granola", "Granola", Kind::Mcp),
    with_kind("linear", "Linear", Kind::Connector),
    with_kind("slack", "Slack", Kind::Connector),
    with_kind("github", "GitHub", Kind::Connector),
];

/// Lowercase ASCII letters and digits only: the form names are compared in.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `name` normalizes to `key` (a normalized name), without building the normalized
/// string: a lookup compares against every provider's id, name and aliases, and allocating each
/// of those made a lookup cost a hundred allocations.
fn normalizes_to(name: &str, key: &str) -> bool {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .eq(key.chars())
}

fn matches(provider: &Provider, key: &str) -> bool {
    normalizes_to(provider.id, key)
        || normalizes_to(provider.name, key)
        || provider
            .aliases
            .iter()
            .any(|alias| normalizes_to(alias, key))
}

/// The entry for `name`, preferring one of `kind`; `None` for names not in the catalog.
pub fn lookup(name: &str, kind: Kind) -> Option<&'static Provider> {
    let key = normalize(name);
    if key.is_empty() {
        return None;
    }
    let mut found = PROVIDERS.iter().filter(|p| matches(p, &key));
    let first = found.next()?;
    if first.kind == kind {
        return Some(first);
    }
    found.find(|p| p.kind == kind).or(Some(first))
}

/// The entry of `id` and `kind` exactly, else any entry with that id.
pub fn by_id(id: &str, kind: Kind) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .find(|p| p.id == id && p.kind == kind)
        .or_else(|| PROVIDERS.iter().find(|p| p.id == id))
}

/// The provider whose env vars include `key` (e.g. `STRIPE_SECRET_KEY` → stripe).
pub fn owner_of_env_var(key: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.env_vars.contains(&key))
}

/// `custom:<slug>` for a provider the catalog does not know; `None` if the name has no
/// letters or digits.
pub fn custom_id(name: &str) -> Option<String> {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    (!slug.is_empty()).then(|| format!("custom:{slug}"))
}
