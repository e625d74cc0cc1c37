//! Which action URLs may be rendered: `https:` on an allow-listed host, nothing else.
//!
//! This is a deliberately strict check, not a URL parser: the authority must be a plain
//! lowercase-able ASCII host name (letters, digits, dots, hyphens) — no user info, no port, no
//! IP literal, no IDN, no backslash — followed by nothing or a path/query/fragment without
//! spaces or control characters. A general parser (the `url` crate) would accept far more and
//! bring IDNA tables that would double the wasm module; what it accepts beyond this subset we
//! would reject anyway.
//!
//! ```
//! use sajtmaskin_integrations::links::AllowList;
//!
//! let allow = AllowList::default();
//! assert!(allow.permits("https://vercel.com/marketplace/neon"));
//! assert!(allow.permits("https://www.vercel.com/x"));
//! assert!(!allow.permits("http://vercel.com/"));
//! assert!(!allow.permits("javascript:alert(1)"));
//! assert!(!allow.permits("https://vercel.com.evil.io/"));
//! assert!(!allow.permits("https://fonts.googleapis.com/css"));
//! ```

use std::borrow::Cow;

/// Hosts an action URL may point to. `example.com` allows that host only; `*.example.com`
/// allows its subdomains and the host itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    /// (host, subdomains too); the default list is static, so a session made with it
    /// allocates nothing for it.
    entries: Cow<'static, [(Cow<'static, str>, bool)]>,
}

/// The default: vercel.com and its subdomains, v0.app, v0.dev.
pub const DEFAULT_HOSTS: [&str; 4] = ["vercel.com", "*.vercel.com", "v0.app", "v0.dev"];

/// [`DEFAULT_HOSTS`] as [`pattern`] reads them (a test holds the two equal).
const DEFAULT_ENTRIES: &[(Cow<'static, str>, bool)] = &[
    (Cow::Borrowed("vercel.com"), false),
    (Cow::Borrowed("vercel.com"), true),
    (Cow::Borrowed("v0.app"), false),
    (Cow::Borrowed("v0.dev"), false),
];

impl Default for AllowList {
    fn default() -> Self {
        AllowList {
            entries: Cow::Borrowed(DEFAULT_ENTRIES),
        }
    }
}

impl AllowList {
    /// An allow-list from host patterns; malformed patterns are ignored.
    pub fn new<S: AsRef<str>>(hosts: impl IntoIterator<Item = S>) -> Self {
        AllowList {
            entries: hosts
                .into_iter()
                .filter_map(|h| pattern(h.as_ref()))
                .collect::<Vec<_>>()
                .into(),
        }
    }

    /// An allow-list from host patterns, or the first pattern that is not a host name.
    pub fn try_new<S: AsRef<str>>(hosts: impl IntoIterator<Item = S>) -> Result<Self, String> {
        let entries = hosts
            .into_iter()
            .map(|h| pattern(h.as_ref()).ok_or_else(|| h.as_ref().to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowList {
            entries: entries.into(),
        })
    }

    /// Whether `url` may become an action link.
    pub fn permits(&self, url: &str) -> bool {
        let Some(rest) = strip_prefix_ignore_case(url, "https://") else {
            return false;
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host = authority.to_ascii_lowercase();
        if !is_host(&host)
            || tail
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return false;
        }
        self.entries.iter().any(|(allowed, subdomains)| {
            host == *allowed
                || (*subdomains
                    && host
                        .strip_suffix(allowed.as_ref())
                        .is_some_and(|prefix| prefix.ends_with('.')))
        })
    }
}

/// `example.com` → (host, false); `*.example.com` → (host, true); `None` if not a host name.
fn pattern(host: &str) -> Option<(Cow<'static, str>, bool)> {
    let host = host.trim().to_ascii_lowercase();
    let (host, subdomains) = match host.strip_prefix("*.") {
        Some(rest) => (rest.to_owned(), true),
        None => (host, false),
    };
    is_host(&host).then_some((host.into(), subdomains))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// A DNS host name with at least one dot: labels of `[a-z0-9-]`, not starting or ending in `-`.
fn is_host(host: &str) -> bool {
    host.contains('.')
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
