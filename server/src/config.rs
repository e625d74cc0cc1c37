//! Configuration from flags and environment (`sajtmaskin-server --help` lists both). Secret
//! values are never printed: `--help` hides them and `Config` has no `Debug`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The command line.
#[derive(Parser)]
#[command(
    name = "sajtmaskin-server",
    version,
    about = "The backend of @sajtmaskin/integrations: env vars, auth, integration records, and the demo builder"
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings.
    #[command(flatten)]
    pub config: Config,
}

/// Subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the API and the demo builder (the default).
    Serve,
    /// Run the database migrations and exit (for deploys that migrate before serving).
    Migrate,
    /// Re-seal every stored secret under ENV_VAR_ENCRYPTION_KEY (key rotation; safe while
    /// instances serve, resumable), then move the database's key check to it.
    Reseal {
        /// Rows read per batch.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        batch_size: i64,
        /// Milliseconds to wait between batches (to spread the load).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=60_000))]
        pause_ms: u64,
    },
    /// Print a token (HS256 JWT signed with AUTH_JWT_SECRET) for a user id.
    Token {
        /// The user id (`sub`).
        user_id: String,
        /// Hours until it expires (1 to 8760, a year).
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=8760))]
        ttl_hours: u64,
    },
}

/// Where env vars are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// A table in the metadata database, values AES-256-GCM encrypted.
    Local,
    /// The v0 Platform API's project env vars (V0_API_KEY; API v1 only: v2 has no env-var
    /// routes, a v2 chat's env vars are its Vercel project's).
    V0,
    /// The Vercel REST API (VERCEL_TOKEN), on a Vercel project the server creates per project.
    Vercel,
    /// The Vercel REST API on each project's own Vercel project, which its owner linked
    /// (`POST /api/projects/{id}/vercel-project`), through the owner's Vercel connection: the
    /// platform's credentials never act on it. Needs the Vercel integration settings.
    VercelLinked,
}

impl StoreKind {
    /// Whether env vars live on a Vercel project (a Marketplace sync then copies nothing).
    pub fn on_vercel(self) -> bool {
        matches!(self, StoreKind::Vercel | StoreKind::VercelLinked)
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people.
    Text,
    /// One JSON object per line (with the request id of the request it belongs to).
    Json,
}

/// Which v0 Platform API the backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum V0ApiVersion {
    /// API v2: chats, streams, resolve, Vercel projects, MCP servers, hooks.
    V2,
    /// API v1 (deprecated by v0): projects with env vars, `tasks/resolve`.
    V1,
}

/// Server settings.
#[derive(Parser, Clone)]
pub struct Config {
    /// Serves GET /metrics (Prometheus text) to callers sending `Authorization: Bearer <this>`;
    /// without it there is no metrics route.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<String>,
    /// Log lines as text or JSON.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// Address to listen on.
    #[arg(
        long = "bind",
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8787",
        global = true
    )]
    pub bind: String,
    /// Directory for the SQLite database and generated keys.
    #[arg(long, env = "DATA_DIR", default_value = ".data", global = true)]
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; default: SQLite in the data dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
    /// 32 bytes, base64. In local mode, generated once into the data dir (mode 0600) if absent.
    #[arg(
        long,
        env = "ENV_VAR_ENCRYPTION_KEY",
        hide_env_values = true,
        global = true
    )]
    pub env_var_encryption_key: Option<String>,
    /// Older keys (32 bytes, base64, comma-separated) that still open values sealed before a
    /// rotation; new values are sealed with ENV_VAR_ENCRYPTION_KEY.
    #[arg(
        long,
        env = "ENV_VAR_ENCRYPTION_OLD_KEYS",
        hide_env_values = true,
        value_delimiter = ',',
        global = true
    )]
    pub env_var_encryption_old_keys: Vec<String>,
    /// HS256 secret for tokens; generated once into the data dir (mode 0600) if absent.
    #[arg(long, env = "AUTH_JWT_SECRET", hide_env_values = true, global = true)]
    pub auth_jwt_secret: Option<String>,
    /// Tokens must carry this `iss` (and `token` mints it).
    #[arg(long, env = "AUTH_JWT_ISSUER", global = true)]
    pub auth_jwt_issuer: Option<String>,
    /// Tokens must carry this `aud` (and `token` mints it).
    #[arg(long, env = "AUTH_JWT_AUDIENCE", global = true)]
    pub auth_jwt_audience: Option<String>,
    /// The builder's OIDC issuer: asymmetric tokens (RS256, ES256, EdDSA) whose `iss` is this
    /// are checked against its keys (found by discovery unless AUTH_JWKS_URL is set). Needs
    /// AUTH_JWT_AUDIENCE.
    #[arg(long, env = "AUTH_ISSUER", global = true)]
    pub auth_issuer: Option<String>,
    /// The issuer's key set (JWKS) URL, instead of discovery.
    #[arg(long, env = "AUTH_JWKS_URL", global = true)]
    pub auth_jwks_url: Option<String>,
    /// Seconds between two fetches of the issuer's keys for unknown `kid`s (key rotation).
    #[arg(long, env = "AUTH_JWKS_REFETCH_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub auth_jwks_refetch_secs: u64,
    /// Where env vars live.
    #[arg(
        long,
        env = "ENV_STORE",
        value_enum,
        default_value = "local",
        global = true
    )]
    pub env_store: StoreKind,
    /// v0 Platform API key (env store `v0`, and the demo's live v0 chats).
    #[arg(long, env = "V0_API_KEY", hide_env_values = true, global = true)]
    pub v0_api_key: Option<String>,
    /// v0 Platform API version: v2 (current; the default) or v1 (deprecated, legacy).
    #[arg(
        long,
        env = "V0_API_VERSION",
        value_enum,
        default_value = "v2",
        global = true
    )]
    pub v0_api_version: V0ApiVersion,
    /// v0 Platform API base URL (default: https://api.v0.dev/v2, or https://api.v0.dev/v1 with
    /// V0_API_VERSION=v1; the official v2 client's https://v0.app/api/v2 works too).
    #[arg(long, env = "V0_API_URL", global = true)]
    pub v0_api_url: Option<String>,
    /// Vercel API token (env store `vercel`).
    #[arg(long, env = "VERCEL_TOKEN", hide_env_values = true, global = true)]
    pub vercel_token: Option<String>,
    /// Vercel API base URL.
    #[arg(
        long,
        env = "VERCEL_API_URL",
        default_value = "https://api.vercel.com",
        global = true
    )]
    pub vercel_api_url: String,
    /// Stripe's API, for credential checks of `STRIPE_SECRET_KEY` (`GET /v1/balance`).
    #[arg(
        long,
        env = "STRIPE_API_URL",
        default_value = "https://api.stripe.com",
        global = true
    )]
    pub stripe_api_url: String,
    /// The OpenAI API, for credential checks of `OPENAI_API_KEY` (`GET /models`) when the
    /// project sets no `OPENAI_BASE_URL` of its own.
    #[arg(
        long,
        env = "OPENAI_API_URL",
        default_value = "https://api.openai.com/v1",
        global = true
    )]
    pub openai_api_url: String,
    /// The builder's Vercel integration: its OAuth client id (connecting users' Vercel accounts).
    #[arg(long, env = "VERCEL_CLIENT_ID", global = true)]
    pub vercel_client_id: Option<String>,
    /// Its client secret (code exchange and webhook signatures).
    #[arg(
        long,
        env = "VERCEL_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub vercel_client_secret: Option<String>,
    /// Its slug: users install it at https://vercel.com/integrations/<slug>/new.
    #[arg(long, env = "VERCEL_INTEGRATION_SLUG", global = true)]
    pub vercel_integration_slug: Option<String>,
    /// The site with the integration's install page.
    #[arg(
        long,
        env = "VERCEL_OAUTH_URL",
        default_value = "https://vercel.com",
        global = true
    )]
    pub vercel_oauth_url: String,
    /// This server's public origin; the OAuth redirect URI is PUBLIC_URL/api/integrations/vercel/callback.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Vercel team id, sent as `teamId`.
    #[arg(long, env = "VERCEL_TEAM_ID", global = true)]
    pub vercel_team_id: Option<String>,
    /// Origins allowed by CORS, comma-separated (default: none; the demo is same-origin).
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,
    /// Development mode: lets a page on this machine obtain a token for the fixed demo user
    /// (POST /api/dev/token) and mounts the demo routes. Loopback binds only; never in production.
    #[arg(long, env = "DEV_MODE", global = true)]
    pub dev: bool,
    /// Mount the demo routes (recorded streams, live v0 chats) without --dev.
    #[arg(long, env = "DEMO_ROUTES", global = true)]
    pub demo: bool,
    /// Seconds a client may take to send a request's headers (also the idle keep-alive time).
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub header_read_timeout_secs: u64,
    /// Seconds a client may take to send a request body, on every route (from the end of the
    /// headers to its last byte).
    #[arg(long, env = "BODY_READ_TIMEOUT_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub body_read_timeout_secs: u64,
    /// Seconds a write of an answer may make no progress (a client that stops reading)
    /// before the connection is closed.
    #[arg(long, env = "WRITE_STALL_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600), global = true)]
    pub write_stall_timeout_secs: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=65_536), global = true)]
    pub max_connections: u64,
    /// Projects one user may own.
    #[arg(long, env = "MAX_PROJECTS_PER_USER", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000), global = true)]
    pub max_projects_per_user: u64,
    /// Requests per minute and user on routes that spend upstream (v0, Vercel) quota.
    #[arg(long, env = "UPSTREAM_REQUESTS_PER_MINUTE", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub upstream_requests_per_minute: u32,
    /// Longest a demo replay may take, in seconds (its pacing is shortened to fit).
    #[arg(long, env = "REPLAY_MAX_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600), global = true)]
    pub replay_max_secs: u64,
    /// Seconds before an upstream request times out.
    #[arg(
        long,
        env = "UPSTREAM_TIMEOUT_SECS",
        default_value_t = 15,
        value_parser = clap::value_parser!(u64).range(1..=600),
        global = true
    )]
    pub upstream_timeout_secs: u64,
    /// Seconds an MCP or MCP-OAuth request may take (connect, answer and stream included).
    #[arg(long, env = "MCP_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=300), global = true)]
    pub mcp_timeout_secs: u64,
    /// Largest MCP answer accepted: one JSON body or one SSE event, in bytes.
    #[arg(long, env = "MCP_MAX_ANSWER_BYTES", default_value_t = 1 << 20, value_parser = clap::value_parser!(u64).range(1024..=64 << 20), global = true)]
    pub mcp_max_answer_bytes: u64,
    /// Lets MCP and OAuth requests reach loopback addresses over http (local MCP servers while
    /// developing, and the tests). Refused unless the server itself listens on loopback.
    #[arg(long, env = "MCP_ALLOW_LOOPBACK", global = true)]
    pub mcp_allow_loopback: bool,
    /// curl-style `host=ip` answers used instead of DNS for MCP egress (tests). The egress
    /// filter applies to them as to any DNS answer.
    #[arg(
        long,
        env = "MCP_RESOLVE",
        value_delimiter = ',',
        global = true,
        hide = true
    )]
    pub mcp_resolve: Vec<String>,
    /// The demo builder page.
    #[arg(long, env = "WWW_DIR", default_value = "www", global = true)]
    pub www_dir: PathBuf,
    /// The wasm module built for plain pages (wasm-pack `web` target), served at /pkg.
    #[arg(long, env = "PKG_DIR", default_value = "pkg-web", global = true)]
    pub pkg_dir: PathBuf,
    /// Recorded v0 streams offered by the demo.
    #[arg(
        long,
        env = "FIXTURES_DIR",
        default_value = "tests/fixtures/v0-streams",
        global = true
    )]
    pub fixtures_dir: PathBuf,
}

/// Whether `bind` (`host:port`) listens on loopback only.
fn is_loopback_bind(bind: &str) -> bool {
    match bind.parse::<std::net::SocketAddr>() {
        Ok(address) => address.ip().is_loopback(),
        Err(_) => bind
            .rsplit_once(':')
            .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost")),
    }
}

/// `scheme://host[:port]` with nothing else: what a browser sends as `Origin`.
fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

impl Config {
    /// The v0 API base URL in force.
    pub fn v0_base(&self) -> &str {
        match (&self.v0_api_url, self.v0_api_version) {
            (Some(url), _) => url,
            (None, V0ApiVersion::V2) => "https://api.v0.dev/v2",
            (None, V0ApiVersion::V1) => "https://api.v0.dev/v1",
        }
    }

    /// Refuses settings that would be unsafe or cannot work, with a message naming the
    /// setting; run before anything starts.
    pub fn check(&self) -> Result<(), String> {
        // Several instances share a Postgres database: a key generated into one instance's
        // data dir would seal values (and sign tokens) no other instance can read.
        let shared = self
            .database_url
            .as_deref()
            .is_some_and(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"));
        if shared {
            let missing: Vec<&str> = [
                (
                    "ENV_VAR_ENCRYPTION_KEY",
                    self.env_var_encryption_key.is_none(),
                ),
                // With an OIDC issuer, tokens come from it; HS256 needs a shared secret only
                // when it is the sign-in.
                (
                    "AUTH_JWT_SECRET",
                    self.auth_jwt_secret.is_none() && self.auth_issuer.is_none(),
                ),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "DATABASE_URL is a Postgres database, which several instances share: set {} explicitly (generated keys are only for the embedded SQLite default)",
                    missing.join(" and ")
                ));
            }
        }
        let http_url = |u: &str| {
            reqwest::Url::parse(u)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        };
        match (&self.auth_issuer, &self.auth_jwks_url) {
            (None, Some(_)) => {
                return Err(
                    "AUTH_JWKS_URL needs AUTH_ISSUER (a token's iss must be checked)".into(),
                )
            }
            (Some(issuer), jwks) => {
                if !http_url(issuer) || jwks.as_deref().is_some_and(|u| !http_url(u)) {
                    return Err("AUTH_ISSUER and AUTH_JWKS_URL must be http(s) URLs".into());
                }
                if self.auth_jwt_audience.is_none() {
                    return Err(
                        "AUTH_ISSUER needs AUTH_JWT_AUDIENCE (a token's aud must name this server)"
                            .into(),
                    );
                }
            }
            (None, None) => {}
        }
        if self.dev && !is_loopback_bind(&self.bind) {
            return Err(format!(
                "--dev hands out tokens to anyone who can reach the server: it needs a loopback bind (127.0.0.1, [::1], localhost), not {}",
                self.bind
            ));
        }
        if self.mcp_allow_loopback && !is_loopback_bind(&self.bind) {
            return Err(format!(
                "MCP_ALLOW_LOOPBACK lets users' MCP URLs reach this machine: it needs a loopback bind, not {}",
                self.bind
            ));
        }
        for entry in &self.mcp_resolve {
            let parsed = entry
                .split_once('=')
                .and_then(|(host, ip)| ip.parse::<std::net::IpAddr>().ok().map(|_| host));
            if parsed.is_none_or(str::is_empty) {
                return Err(format!("MCP_RESOLVE: {entry:?} is not host=ip"));
            }
        }
        for origin in &self.cors_origins {
            let origin = origin.trim();
            if origin == "*" {
                return Err("CORS_ORIGINS: '*' is not allowed (tokens are sent with requests); list each origin, e.g. https://builder.example".into());
            }
            if !is_origin(origin) {
                return Err(format!(
                    "CORS_ORIGINS: {origin:?} is not an origin (scheme://host[:port])"
                ));
            }
        }
        Ok(())
    }
}
