//! The egress guard: every request to a user's MCP server or its OAuth server goes through a
//! reqwest client built here. The URL is a user's choice, so the platform must not let it reach
//! the platform's own network:
//!
//! - https only (http to loopback only when `MCP_ALLOW_LOOPBACK` is on, for local servers);
//! - the client's DNS resolver drops every answer that is not a public unicast address, and the
//!   connection goes to an address it checked (no second lookup an attacker could rebind);
//!   IP-literal hosts, which reqwest connects to without resolving, are checked the same way;
//! - redirects are never followed (a 3xx ends the request with `egress_redirect_refused`);
//! - every request has a deadline and every answer a size limit (the MCP client enforces the
//!   latter per JSON body and per SSE event, [`read_limited`] for OAuth answers).
//!
//! Refusals are recorded on the [`Guard`] of the client that made them, so a failure deep in
//! the MCP SDK still ends in the right coded error.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::upstream::UpstreamError;

/// What outgoing MCP requests may do.
#[derive(Clone, Debug)]
pub struct EgressPolicy {
    /// Loopback addresses (and http to them) allowed: local development and tests only.
    pub allow_loopback: bool,
    /// Deadline of one request, connect to last byte.
    pub timeout: Duration,
    /// Largest answer (a JSON body, one SSE event) in bytes.
    pub max_answer_bytes: usize,
    /// Answers used instead of DNS (`MCP_RESOLVE`); filtered like any DNS answer.
    pub resolve: HashMap<String, Vec<IpAddr>>,
}

impl EgressPolicy {
    /// The policy from `MCP_*` settings (already checked by `Config::check`).
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut resolve: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for entry in &config.mcp_resolve {
            if let Some((host, ip)) = entry.split_once('=') {
                if let Ok(ip) = ip.parse() {
                    resolve
                        .entry(host.to_ascii_lowercase())
                        .or_default()
                        .push(ip);
                }
            }
        }
        EgressPolicy {
            allow_loopback: config.mcp_allow_loopback,
            timeout: Duration::from_secs(config.mcp_timeout_secs),
            max_answer_bytes: usize::try_from(config.mcp_max_answer_bytes).unwrap_or(usize::MAX),
            resolve,
        }
    }

    /// Whether a connection to `ip` is allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && ip.is_loopback())
    }

    /// The URL, checked and canonical (lowercase host, no default port, no fragment, no user
    /// info), or `invalid_mcp_url` saying what is wrong. An IP-literal host must be permitted.
    pub fn check_url(&self, text: &str) -> Result<Url, UpstreamError> {
        let invalid =
            |why: &str| refused_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_mcp_url", why);
        if text.len() > 2048 {
            return Err(invalid("the URL is longer than 2048 bytes"));
        }
        let mut url = Url::parse(text).map_err(|_| invalid("not an absolute URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("the URL must not carry a user name or password"));
        }
        url.set_fragment(None);
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(invalid("the URL has no host")),
        };
        let loopback_host = match literal {
            Some(ip) => ip.is_loopback(),
            None => url.host_str() == Some("localhost"),
        };
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback && loopback_host => {}
            _ => return Err(invalid("MCP servers are reached over https only")),
        }
        if let Some(ip) = literal {
            if !self.permits(ip) {
                return Err(egress_refused());
            }
        }
        Ok(url)
    }

    /// A client for one operation, with its [`Guard`].
    pub fn client(&self) -> Result<(reqwest::Client, Arc<Guard>), UpstreamError> {
        let guard = Arc::new(Guard {
            policy: Arc::new(self.clone()),
            refused: Arc::new(Mutex::new(None)),
        });
        let redirects = Arc::clone(&guard);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::clone(&guard))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                redirects.refuse(Refusal::Redirect);
                attempt.stop()
            }))
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .no_proxy()
            .build()
            .map_err(|_| {
                refused_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "no HTTP client",
                )
            })?;
        Ok((client, guard))
    }
}

/// Why the guard stopped a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every address of the host is private, loopback or otherwise not public.
    Address,
    /// The server answered with a redirect.
    Redirect,
    /// An answer (a JSON body, an SSE event) was over the size limit.
    TooLarge,
    /// A request passed its deadline.
    Timeout,
}

/// The per-operation state of the guard: its policy and the first refusal it made.
#[derive(Clone)]
pub struct Guard {
    policy: Arc<EgressPolicy>,
    refused: Arc<Mutex<Option<Refusal>>>,
}

impl Guard {
    /// Records why a request was stopped (the first reason stays).
    pub fn refuse(&self, why: Refusal) {
        if let Ok(mut refused) = self.refused.lock() {
            refused.get_or_insert(why);
        }
    }

    /// The coded error for a refusal this guard made, if it made one.
    pub fn refusal(&self) -> Option<UpstreamError> {
        let refused = *self.refused.lock().ok()?;
        refused.map(|why| match why {
            Refusal::Address => egress_refused(),
            Refusal::Redirect => refused_error(
                StatusCode::BAD_GATEWAY,
                "egress_redirect_refused",
                "the MCP server answered with a redirect, which is not followed",
            ),
            Refusal::TooLarge => too_large(),
            Refusal::Timeout => timed_out(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the host resolves to no public address")]
struct NoPublicAddress;

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let guard = self.clone();
        Box::pin(async move {
            let found: Vec<IpAddr> = match guard.policy.resolve.get(&host) {
                Some(ips) => ips.clone(),
                None => tokio::net::lookup_host((host.as_str(), 0))
                    .await?
                    .map(|a| a.ip())
                    .collect(),
            };
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|ip| guard.policy.permits(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if allowed.is_empty() {
                guard.refuse(Refusal::Address);
                return Err(Box::new(NoPublicAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// 504 `mcp_timeout`.
pub fn timed_out() -> UpstreamError {
    refused_error(
        StatusCode::GATEWAY_TIMEOUT,
        "mcp_timeout",
        "the MCP server did not answer in time",
    )
}

/// 502 `mcp_answer_too_large`.
pub fn too_large() -> UpstreamError {
    refused_error(
        StatusCode::BAD_GATEWAY,
        "mcp_answer_too_large",
        "the MCP server's answer is larger than MCP_MAX_ANSWER_BYTES",
    )
}

fn egress_refused() -> UpstreamError {
    refused_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "egress_refused",
        "the MCP URL leads to a private, loopback or otherwise non-public address",
    )
}

fn refused_error(status: StatusCode, code: &'static str, message: &str) -> UpstreamError {
    UpstreamError {
        status,
        code,
        message: message.to_owned(),
        retry_after: None,
    }
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918), shared
/// (100.64/10), link-local (169.254/16, fe80::/10), unique-local (fc00::/7), multicast,
/// unspecified, broadcast, documentation, benchmarking or reserved; IPv6 forms that carry an
/// IPv4 address (mapped, compatible, NAT64, 6to4) are refused outright.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embeds_v4 = s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0 || s[5] == 0xffff)
        || (s[0] == 0x64 && s[1] == 0xff9b)
        || s[0] == 0x2002;
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || embeds_v4
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x2001 && s[1] < 0x200))
}
