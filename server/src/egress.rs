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

use axum::http::{header, HeaderMap, StatusCode};
use serde_json::Value;

use crate::error::AppError;
use ipnet::{Ipv4Net, Ipv6Net};
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

    /// Every address of `host` (a name: `MCP_RESOLVE`, else DNS; or an IP literal, as is).
    pub async fn addrs(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        Ok(match (host.parse::<IpAddr>(), self.resolve.get(&host)) {
            (Ok(ip), _) => vec![ip],
            (Err(_), Some(ips)) => ips.clone(),
            (Err(_), None) => tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|a| a.ip())
                .collect(),
        })
    }

    /// The addresses of `host` that a connection may go to; empty when there is none.
    pub async fn allowed_addrs(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let found = self.addrs(host).await?;
        Ok(found.into_iter().filter(|ip| self.permits(*ip)).collect())
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
        // RFC 6761: `localhost` and every name under it are loopback, with or without the
        // root's trailing dot; refused here, whatever a resolver would make of them.
        let loopback_host = match literal {
            Some(ip) => ip.is_loopback(),
            None => url.host_str().is_some_and(is_localhost_name),
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
        if loopback_host && !self.allow_loopback {
            return Err(egress_refused());
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
        let host = name.as_str().to_owned();
        let guard = self.clone();
        Box::pin(async move {
            let allowed: Vec<SocketAddr> = guard
                .policy
                .allowed_addrs(&host)
                .await?
                .into_iter()
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

/// One HTTP exchange through the guard: the answer's status, headers and JSON body (`Null`
/// when it is not JSON), read up to the size limit.
pub async fn exchange(
    policy: &EgressPolicy,
    guard: &Guard,
    request: reqwest::RequestBuilder,
) -> Result<(StatusCode, HeaderMap, Value), AppError> {
    let failed = |guard: &Guard| {
        AppError::Upstream(guard.refusal().unwrap_or(UpstreamError {
            status: StatusCode::BAD_GATEWAY,
            code: "mcp_unreachable",
            message: "the server could not be reached".into(),
            retry_after: None,
        }))
    };
    let mut response = request
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| failed(guard))?;
    if let Some(refusal) = guard.refusal() {
        return Err(AppError::Upstream(refusal));
    }
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| failed(guard))? {
        if body.len() + chunk.len() > policy.max_answer_bytes {
            return Err(AppError::Upstream(crate::egress::too_large()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((
        status,
        headers,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    ))
}

/// RFC 6761: `localhost` and every name under it are loopback, with or without the root's
/// trailing dot.
pub fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host == "localhost" || host.ends_with(".localhost")
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

/// Whether `ip` is a public unicast address. The refused set is derived from IANA's IPv4 and
/// IPv6 Special-Purpose Address Registries (every block there, whether or not the registry calls
/// it globally reachable: none is where a user's MCP server lives), plus multicast and the
/// reserved 240/4; for IPv6, only global unicast (2000::/3) is allowed at all, which also
/// refuses the deprecated site-local fec0::/10, the IPv4-compatible ::/96 and the SIIT
/// ::ffff:0:0:0/96 forms that no registry lists. Every IPv6 form that carries an IPv4 address
/// (mapped, translated, NAT64, 6to4, Teredo) is refused outright.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => !REFUSED_V4.iter().any(|net| net.contains(&ip)),
        IpAddr::V6(ip) => {
            ip.segments()[0] & 0xe000 == 0x2000 && !REFUSED_V6.iter().any(|net| net.contains(&ip))
        }
    }
}

/// IANA IPv4 Special-Purpose Address Registry (2024-12 revision), multicast, and 240/4
/// (which includes the limited broadcast address).
const REFUSED_V4: [Ipv4Net; 19] = [
    v4(0, 0, 0, 0, 8),       // "this network"
    v4(10, 0, 0, 0, 8),      // private
    v4(100, 64, 0, 0, 10),   // shared address space
    v4(127, 0, 0, 0, 8),     // loopback
    v4(169, 254, 0, 0, 16),  // link-local
    v4(172, 16, 0, 0, 12),   // private
    v4(192, 0, 0, 0, 24),    // IETF protocol assignments
    v4(192, 0, 2, 0, 24),    // documentation (TEST-NET-1)
    v4(192, 31, 196, 0, 24), // AS112-v4
    v4(192, 52, 193, 0, 24), // AMT
    v4(192, 88, 99, 0, 24),  // deprecated 6to4 relay anycast
    v4(192, 168, 0, 0, 16),  // private
    v4(192, 175, 48, 0, 24), // direct delegation AS112 service
    v4(198, 18, 0, 0, 15),   // benchmarking
    v4(198, 51, 100, 0, 24), // documentation (TEST-NET-2)
    v4(203, 0, 113, 0, 24),  // documentation (TEST-NET-3)
    v4(224, 0, 0, 0, 4),     // multicast
    v4(240, 0, 0, 0, 4),     // reserved, limited broadcast
    v4(255, 255, 255, 255, 32),
];

/// IANA IPv6 Special-Purpose Address Registry blocks inside 2000::/3 (the rest of the registry
/// lies outside it and is refused by the 2000::/3 rule).
const REFUSED_V6: [Ipv6Net; 6] = [
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments (Teredo, ORCHID, …)
    v6([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32), // documentation
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4
    v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48), // direct delegation AS112 service
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation (2024)
    v6([0x3ffe, 0, 0, 0, 0, 0, 0, 0], 16), // former 6bone test addresses
];

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    match Ipv4Net::new(Ipv4Addr::new(a, b, c, d), prefix) {
        Ok(net) => net,
        Err(_) => panic!("bad IPv4 prefix in the refused list"),
    }
}

const fn v6(s: [u16; 8], prefix: u8) -> Ipv6Net {
    match Ipv6Net::new(
        Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        prefix,
    ) {
        Ok(net) => net,
        Err(_) => panic!("bad IPv6 prefix in the refused list"),
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn the_refused_set_follows_the_special_purpose_registries() {
        for refused in [
            "0.1.2.3",
            "10.1.1.1",
            "100.127.255.255",
            "127.0.0.2",
            "169.254.169.254",
            "172.31.0.1",
            "192.0.0.9",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.19.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:8.8.8.8",
            "::ffff:0:808:808",
            "::808:808",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:808:808::1",
            "3fff::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "5f00::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "2a00:1450::1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
