//! The secret-leak guard: credentials that appear literally in generated text (a key the user
//! pasted into the chat and the AI copied into the code). [`scan`] finds them by their
//! published formats (a prefix or shape, an alphabet and a length), then drops what looks like
//! a placeholder (`sk_test_xxx`, `your-key-here`, documentation examples, low-entropy bodies);
//! [`Redactor`] masks what it found in the text a session reports (`sk_live_…4f2a`), holding
//! back the last unfinished word so a key split across chunks is never shown in part.
//!
//! Hand-written rather than with `regex`: the patterns are prefix anchors and character runs,
//! and the `regex` crate would add more to the wasm module than the whole stream reader.
//!
//! ```
//! use sajtmaskin_integrations::leaks::{scan, SecretKind};
//!
//! let key = ["sk_", "live_", "51Hq8Zt2eRw9LmXp4VbN7cYd"].concat();
//! let found = scan(&format!("const stripe = new Stripe(\"{key}\");"));
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].kind, SecretKind::StripeKey);
//! assert!(scan("const stripe = new Stripe(\"sk_test_xxxxxxxxxxxxxxxxxxxxxxxx\");").is_empty());
//! assert!(scan("new Stripe(process.env.STRIPE_SECRET_KEY)").is_empty());
//! ```

use crate::find;
use std::ops::Range;

/// What kind of credential a leak is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// `sk_live_…`, `sk_test_…`, `rk_live_…`, `rk_test_…`.
    StripeKey,
    /// `ghp_…` and the other classic token prefixes, `github_pat_…`.
    GitHubToken,
    /// `xoxb-…`, `xoxp-…`, `xoxa-…`, `xoxr-…`, `xoxs-…`.
    SlackToken,
    /// `AKIA…` / `ASIA…` access key ids.
    AwsAccessKey,
    /// `AIza…` API keys.
    GoogleApiKey,
    /// `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`, legacy `sk-…`.
    OpenAiKey,
    /// `sk-ant-…`.
    AnthropicKey,
    /// A signed JSON Web Token (not a Supabase `anon` key, which is public by design).
    Jwt,
    /// A PEM private key block.
    PrivateKey,
    /// A database or broker URL with a password in it.
    DatabaseUrl,
}

impl SecretKind {
    /// Every kind, for exhaustive checks.
    pub const ALL: [SecretKind; 10] = [
        SecretKind::StripeKey,
        SecretKind::GitHubToken,
        SecretKind::SlackToken,
        SecretKind::AwsAccessKey,
        SecretKind::GoogleApiKey,
        SecretKind::OpenAiKey,
        SecretKind::AnthropicKey,
        SecretKind::Jwt,
        SecretKind::PrivateKey,
        SecretKind::DatabaseUrl,
    ];

    /// The card's provider id: `secret-<kind>`.
    pub fn id(self) -> &'static str {
        match self {
            SecretKind::StripeKey => "secret-stripe-key",
            SecretKind::GitHubToken => "secret-github-token",
            SecretKind::SlackToken => "secret-slack-token",
            SecretKind::AwsAccessKey => "secret-aws-access-key",
            SecretKind::GoogleApiKey => "secret-google-api-key",
            SecretKind::OpenAiKey => "secret-openai-key",
            SecretKind::AnthropicKey => "secret-anthropic-key",
            SecretKind::Jwt => "secret-jwt",
            SecretKind::PrivateKey => "secret-private-key",
            SecretKind::DatabaseUrl => "secret-database-url",
        }
    }

    /// The env var it should move to.
    pub fn env_key(self) -> &'static str {
        match self {
            SecretKind::StripeKey => "STRIPE_SECRET_KEY",
            SecretKind::GitHubToken => "GITHUB_TOKEN",
            SecretKind::SlackToken => "SLACK_BOT_TOKEN",
            SecretKind::AwsAccessKey => "AWS_ACCESS_KEY_ID",
            SecretKind::GoogleApiKey => "GOOGLE_API_KEY",
            SecretKind::OpenAiKey => "OPENAI_API_KEY",
            SecretKind::AnthropicKey => "ANTHROPIC_API_KEY",
            SecretKind::Jwt => "API_TOKEN",
            SecretKind::PrivateKey => "PRIVATE_KEY",
            SecretKind::DatabaseUrl => "DATABASE_URL",
        }
    }
}

/// One credential found: its kind, where it is, and the env var it should move to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// What it is.
    pub kind: SecretKind,
    /// Its bytes in the scanned text.
    pub range: Range<usize>,
    /// Where it should live instead (`REDIS_URL` for a Redis URL, else the kind's).
    pub env_key: &'static str,
}

/// Bytes that end a word: a credential never contains one, so a word that a later chunk may
/// still extend is the only text held back. (Non-ASCII bytes never end a word.)
fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\''
                | b'`'
                | b','
                | b';'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'<'
                | b'>'
                | b'\\'
                | b'|'
        )
}

/// Where `needle` last occurs in `hay`; unlike [`crate::find`] (and `str::rfind`), `None` for
/// an empty needle (the needles here are never empty).
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len().max(1)).rposition(|w| w == needle)
}

/// Whether `hay` contains `needle`, ASCII case ignored.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The longest run any format reads (a JWT's payload at most): past it a run is not a key, and
/// no attempt costs more than this however long the text (adversarial input stays linear).
const MAX_RUN: usize = 4096;

/// The length of the run of bytes from `at` that `allowed` accepts, up to `MAX_RUN + 1`.
fn run(bytes: &[u8], at: usize, allowed: impl Fn(u8) -> bool) -> usize {
    run_max(bytes, at, MAX_RUN + 1, allowed)
}

/// The length of the run of bytes from `at` that `allowed` accepts, up to `max`.
fn run_max(bytes: &[u8], at: usize, max: usize, allowed: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take(max)
        .take_while(|b| allowed(**b))
        .count()
}

/// `bytes[range]`, empty when out of range (the core never indexes input unchecked).
fn bytes_in(bytes: &[u8], range: Range<usize>) -> &[u8] {
    bytes.get(range).unwrap_or_default()
}

/// `text[range]`, empty when out of range or off a char boundary.
fn text_in(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or_default()
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn alnum_or_underscore(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn alnum_or_dash(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn upper_or_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Words that mark a placeholder or an example, never a real key.
const PLACEHOLDER_WORDS: [&str; 17] = [
    "xxxx",
    "your",
    "example",
    "placeholder",
    "dummy",
    "fake",
    "replace",
    "here",
    "redacted",
    "sample",
    "insert",
    "changeme",
    "todo",
    "0000000",
    "1234567",
    "abcdefg",
    "...",
];

/// Keys published in documentation (Stripe's and jwt.io's examples): not anyone's secret.
const DOCUMENTED: [&str; 3] = [
    "4eC39HqLyjWDarjtT1zdp7dc",
    "BQokikJOvBiI2HlWgH4olfQ2",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

/// Whether `text` uses enough different characters to be random: at least a third of its
/// length (counted up to 40) plus two. A random key of any of the formats here clears it by far;
/// `aaaa…1`, `1234…` or a repeated word do not. (Integers only: a float entropy would bring
/// `log2` into the wasm module.)
fn varied(text: &[u8]) -> bool {
    let mut seen = [false; 256];
    let mut distinct = 0usize;
    for b in text {
        if let Some(slot) = seen.get_mut(usize::from(*b)) {
            if !*slot {
                *slot = true;
                distinct += 1;
            }
        }
    }
    distinct >= text.len().min(40) / 3 + 2
}

/// Whether a key body looks random enough to be a real key: no placeholder word, not a
/// documented example, letters and digits mixed, varied characters.
fn random_enough(body: &[u8]) -> bool {
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| contains_ci(body, w.as_bytes()))
    {
        return false;
    }
    if DOCUMENTED
        .iter()
        .any(|d| find(body, d.as_bytes()).is_some())
    {
        return false;
    }
    let digits = body.iter().any(u8::is_ascii_digit);
    let letters = body.iter().any(u8::is_ascii_alphabetic);
    digits && letters && varied(body)
}

/// Finds the credentials in `text`, in order, without overlaps.
pub fn scan(text: &str) -> Vec<Leak> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    // Where the last leak ended: a URL's scheme is not read back into it.
    let mut floor = 0;
    while let Some(&byte) = bytes.get(at) {
        // Most bytes start nothing: one test and on.
        if !matches!(byte, b'-' | b':' | b'e' | b's' | b'r' | b'g' | b'x' | b'A') {
            at += 1;
            continue;
        }
        // Anchors start at a word boundary (the byte before is not a letter, digit or `_`);
        // URLs are found from their `://`, PEM blocks from their dashes.
        let boundary = at == 0 || !bytes.get(at - 1).copied().is_some_and(is_word_byte);
        let rest = bytes_in(bytes, at..bytes.len());
        let hit = match byte {
            b'-' if rest.starts_with(b"-----BEGIN ") => private_key(bytes, at),
            b':' if rest.starts_with(b"://") => database_url(bytes, at, floor).ok_or(at + 1),
            b'e' if boundary && rest.starts_with(b"eyJ") => jwt(bytes, at),
            // Every other key prefix starts with one of these.
            b's' | b'r' | b'g' | b'x' | b'A' if boundary => prefixed(bytes, at),
            _ => Err(at + 1),
        };
        match hit {
            Ok(leak) => {
                at = leak.range.end;
                floor = at;
                found.push(leak);
            }
            Err(next) => at = next.max(at + 1),
        }
    }
    found
}

/// A key format: prefix, kind, body alphabet, shortest and longest body.
type Shape = (&'static [u8], SecretKind, fn(u8) -> bool, usize, usize);

/// The prefixed formats.
static SHAPES: [Shape; 19] = [
    (b"sk_live_", SecretKind::StripeKey, alnum, 20, 256),
    (b"sk_test_", SecretKind::StripeKey, alnum, 20, 256),
    (b"rk_live_", SecretKind::StripeKey, alnum, 20, 256),
    (b"rk_test_", SecretKind::StripeKey, alnum, 20, 256),
    (
        b"github_pat_",
        SecretKind::GitHubToken,
        alnum_or_underscore,
        50,
        255,
    ),
    (b"ghp_", SecretKind::GitHubToken, alnum, 36, 36),
    (b"gho_", SecretKind::GitHubToken, alnum, 36, 36),
    (b"ghu_", SecretKind::GitHubToken, alnum, 36, 36),
    (b"ghs_", SecretKind::GitHubToken, alnum, 36, 36),
    (b"ghr_", SecretKind::GitHubToken, alnum, 36, 36),
    (b"xoxb-", SecretKind::SlackToken, alnum_or_dash, 20, 255),
    (b"xoxp-", SecretKind::SlackToken, alnum_or_dash, 20, 255),
    (b"xoxa-", SecretKind::SlackToken, alnum_or_dash, 20, 255),
    (b"AKIA", SecretKind::AwsAccessKey, upper_or_digit, 16, 16),
    (b"ASIA", SecretKind::AwsAccessKey, upper_or_digit, 16, 16),
    (b"AIza", SecretKind::GoogleApiKey, token_byte, 35, 35),
    (b"sk-ant-", SecretKind::AnthropicKey, token_byte, 40, 255),
    (b"sk-proj-", SecretKind::OpenAiKey, token_byte, 40, 255),
    (b"sk-svcacct-", SecretKind::OpenAiKey, token_byte, 40, 255),
];

/// A key that starts with its kind's prefix at `at`.
/// `Err` says where to try next: a body too long for its format is too long from every later
/// start of the same prefix inside it, up to its last `longest` bytes.
fn prefixed(bytes: &[u8], at: usize) -> Result<Leak, usize> {
    let rest = bytes_in(bytes, at..bytes.len());
    let leak = |kind: SecretKind, prefix: usize, body: usize| Leak {
        kind,
        range: at..at + prefix + body,
        env_key: kind.env_key(),
    };
    for &(prefix, kind, alphabet, shortest, longest) in &SHAPES {
        if !rest.starts_with(prefix) {
            continue;
        }
        // Read once to the end of the run (the skip below keeps the whole scan linear).
        let body = run_max(bytes, at + prefix.len(), usize::MAX, alphabet);
        if body > longest {
            return Err(at + body - longest);
        }
        let fits = (shortest..=longest).contains(&body)
            && !bytes
                .get(at + prefix.len() + body)
                .copied()
                .is_some_and(token_byte);
        let body_bytes = bytes_in(bytes, at + prefix.len()..at + prefix.len() + body);
        return (fits && random_enough(body_bytes))
            .then(|| leak(kind, prefix.len(), body))
            .ok_or(at + 1);
    }
    // A legacy OpenAI key: `sk-` and 48 letters and digits.
    if rest.starts_with(b"sk-") && !rest.starts_with(b"sk-ant-") {
        let body = run_max(bytes, at + 3, 65, alnum);
        let body_bytes = bytes_in(bytes, at + 3..at + 3 + body);
        if (40..=64).contains(&body) && random_enough(body_bytes) {
            return Ok(leak(SecretKind::OpenAiKey, 3, body));
        }
    }
    Err(at + 1)
}

/// A JWT at `at`: `eyJ…` header, payload and signature in base64url, the header naming an
/// algorithm; a Supabase `anon` key (public by design) is not a leak.
/// `Err` says where to try next: a header run without a `.` after it fails from every position
/// inside it as well.
fn jwt(bytes: &[u8], at: usize) -> Result<Leak, usize> {
    let header = run(bytes, at, token_byte);
    let payload_at = at + header + 1;
    if bytes.get(at + header) != Some(&b'.') {
        return Err(at + header.min(MAX_RUN));
    }
    if !bytes_in(bytes, payload_at..bytes.len()).starts_with(b"eyJ") {
        return Err(at + 1);
    }
    let payload = run(bytes, payload_at, token_byte);
    let signature_at = payload_at + payload + 1;
    if bytes.get(payload_at + payload) != Some(&b'.') {
        return Err(at + 1);
    }
    let signature = run(bytes, signature_at, token_byte);
    let (Some(decoded_header), Some(decoded_payload)) = (
        base64url(bytes_in(bytes, at..at + header)),
        base64url(bytes_in(bytes, payload_at..payload_at + payload)),
    ) else {
        return Err(at + 1);
    };
    let has = |text: &[u8], needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    let signed =
        signature >= 22 && has(&decoded_header, b"\"alg\"") && !has(&decoded_header, b"\"none\"");
    let public = has(&decoded_payload, b"\"anon\"");
    let sig = bytes_in(bytes, signature_at..signature_at + signature);
    (signed && !public && random_enough(sig))
        .then(|| Leak {
            kind: SecretKind::Jwt,
            range: at..signature_at + signature,
            env_key: if has(&decoded_payload, b"\"service_role\"") {
                "SUPABASE_SERVICE_ROLE_KEY"
            } else {
                SecretKind::Jwt.env_key()
            },
        })
        .ok_or(at + 1)
}

/// Decodes unpadded base64url; `None` for anything else. (Four lines of table lookup: no
/// decoder crate is in the core.)
fn base64url(text: &[u8]) -> Option<Vec<u8>> {
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut acc = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            acc |= value(*b)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(bytes_in(&bytes, 1..chunk.len()));
    }
    Some(out)
}

/// The longest PEM private key block looked for (a 4096-bit RSA key is about 3.3 KB).
const MAX_PEM: usize = 8192;

/// A PEM header at the start of `bytes` (`-----BEGIN …-----`): the header's name and where the
/// line break after it ends (`\n`, `\r\n`, or the two characters `\n` of an escaped string).
fn pem_header(bytes: &[u8]) -> Option<(&[u8], usize)> {
    let name_at = b"-----BEGIN ".len();
    let window = bytes_in(bytes, name_at..(name_at + 64).min(bytes.len()));
    let close = find(window, b"-----")? + name_at;
    let after = bytes_in(bytes, close + 5..bytes.len());
    let newline = [&b"\n"[..], b"\r\n", b"\\n", b"\\r\\n"]
        .into_iter()
        .find(|n| after.starts_with(n))?;
    Some((bytes_in(bytes, name_at..close), close + 5 + newline.len()))
}

/// A PEM private key block starting at `at` (`-----BEGIN … PRIVATE KEY-----`), up to its END
/// line, with a base64 body long enough to be a key; also inside a string with escaped line
/// breaks (`\n`). `Err` says where to try next.
fn private_key(bytes: &[u8], at: usize) -> Result<Leak, usize> {
    let rest = bytes_in(bytes, at..(at + MAX_PEM).min(bytes.len()));
    let Some((name, body_at)) = pem_header(rest) else {
        return Err(at + 1);
    };
    if !name.ends_with(b"PRIVATE KEY") {
        return Err(at + 1);
    }
    let Some(end_marker) = find(rest, b"-----END ") else {
        // No END in the window: no key starts in its first half either.
        return Err(at + (MAX_PEM / 2).min(rest.len()).max(1));
    };
    let Some(close) = find(bytes_in(rest, end_marker..rest.len()), b"PRIVATE KEY-----") else {
        return Err(at + 1);
    };
    let close = close + end_marker + b"PRIVATE KEY-----".len();
    let mut body = Vec::new();
    let mut escaped = false;
    for b in bytes_in(rest, body_at..end_marker) {
        match (escaped, *b) {
            (false, b'\\') => escaped = true,
            (true, b'n' | b'r') => escaped = false,
            (_, b) if b.is_ascii_whitespace() => escaped = false,
            (_, b) => {
                escaped = false;
                body.push(b);
            }
        }
    }
    let base64 = body
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    (base64 && body.len() >= 64 && random_enough(&body))
        .then(|| Leak {
            kind: SecretKind::PrivateKey,
            range: at..at + close,
            env_key: SecretKind::PrivateKey.env_key(),
        })
        .ok_or(at + 1)
}

/// Schemes whose URLs carry a password to a database or broker.
const URL_SCHEMES: [&str; 9] = [
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongodb",
    "mongodb+srv",
    "redis",
    "rediss",
    "amqps",
];

/// Passwords of local development set-ups and tutorials: not secrets.
const DEFAULT_PASSWORDS: [&str; 10] = [
    "password",
    "postgres",
    "root",
    "admin",
    "secret",
    "pass",
    "test",
    "mysecretpassword",
    "example",
    "guest",
];

/// A URL with a password whose `://` is at `at`: `scheme://user:password@host…`, not on a
/// local host, the password not a placeholder or a default.
fn database_url(bytes: &[u8], at: usize, floor: usize) -> Option<Leak> {
    let scheme_len = bytes_in(bytes, floor.min(at)..at)
        .iter()
        .rev()
        .take(16)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'+')
        .count();
    let start = at - scheme_len;
    let scheme = bytes_in(bytes, start..at);
    if !URL_SCHEMES
        .iter()
        .any(|s| s.as_bytes().eq_ignore_ascii_case(scheme))
    {
        return None;
    }
    // A URL ends at white space, a quote or an angle bracket (a password may hold `;` or `,`),
    // and is not longer than 512 bytes; its authority ends at the path, query or fragment.
    let url_byte = |b: u8| {
        !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | b'\\'))
    };
    let authority_len = run_max(bytes, at + 3, 509, |b| {
        url_byte(b) && !matches!(b, b'/' | b'?' | b'#')
    });
    let authority = bytes_in(bytes, at + 3..at + 3 + authority_len);
    let amp = authority.iter().rposition(|b| *b == b'@')?;
    let end = at + run_max(bytes, at, 512, url_byte);
    let userinfo = bytes_in(authority, 0..amp);
    let colon = userinfo.iter().position(|b| *b == b':')?;
    let password = bytes_in(userinfo, colon + 1..userinfo.len());
    let host_port = bytes_in(authority, amp + 1..authority.len());
    // `[v6]:port` or `name:port`.
    let host = match host_port.first() {
        Some(b'[') => bytes_in(
            host_port,
            0..host_port
                .iter()
                .position(|b| *b == b']')
                .map_or(host_port.len(), |i| i + 1),
        ),
        _ => bytes_in(
            host_port,
            0..host_port
                .iter()
                .position(|b| *b == b':')
                .unwrap_or(host_port.len()),
        ),
    };
    let local = host.eq_ignore_ascii_case(b"localhost")
        || host.starts_with(b"127.")
        || host == b"[::1]"
        || (host.first() != Some(&b'[') && !host.contains(&b'.'));
    // `%XX` is an escaped character; `%NAME%` and a lone `%` are template syntax.
    let template_percent = password.iter().enumerate().any(|(i, b)| {
        let escape = bytes_in(password, i + 1..i + 3);
        *b == b'%' && (escape.len() < 2 || !escape.iter().all(u8::is_ascii_hexdigit))
    });
    let placeholder = password.len() < 8
        || DEFAULT_PASSWORDS
            .iter()
            .any(|d| d.as_bytes().eq_ignore_ascii_case(password))
        || password.first() == Some(&b'$')
        || template_percent
        || password
            .iter()
            .any(|b| matches!(b, b'*' | b'<' | b'[' | b'{'))
        || PLACEHOLDER_WORDS
            .iter()
            .any(|w| contains_ci(password, w.as_bytes()));
    (!local && !placeholder && varied(password)).then(|| Leak {
        kind: SecretKind::DatabaseUrl,
        range: start..end,
        env_key: if bytes_in(scheme, 0..5).eq_ignore_ascii_case(b"redis") {
            "REDIS_URL"
        } else {
            SecretKind::DatabaseUrl.env_key()
        },
    })
}

/// The masked form shown instead of a credential: its kind's prefix, `…` and the last four
/// characters (`sk_live_…4f2a`); a URL keeps everything but its password; a PEM block its
/// first and last lines.
pub fn mask(kind: SecretKind, secret: &str) -> String {
    let bytes = secret.as_bytes();
    match kind {
        SecretKind::DatabaseUrl => {
            let Some(at) = find(bytes, b"://") else {
                return "…".to_owned();
            };
            let rest = bytes_in(bytes, at + 3..bytes.len());
            let authority_end = at
                + 3
                + rest
                    .iter()
                    .position(|b| matches!(b, b'/' | b'?' | b'#'))
                    .unwrap_or(rest.len());
            let amp = bytes_in(bytes, 0..authority_end)
                .iter()
                .rposition(|b| *b == b'@');
            let colon = amp.and_then(|amp| {
                bytes_in(bytes, at + 3..amp)
                    .iter()
                    .position(|b| *b == b':')
                    .map(|c| (at + 3 + c, amp))
            });
            match colon {
                Some((colon, amp)) => {
                    let mut out = text_in(secret, 0..colon + 1).to_owned();
                    out.push('…');
                    out.push_str(text_in(secret, amp..secret.len()));
                    out
                }
                None => "…".to_owned(),
            }
        }
        SecretKind::PrivateKey => {
            let first = bytes
                .iter()
                .position(|b| *b == b'\n')
                .unwrap_or(bytes.len());
            let last = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let mut out = text_in(secret, 0..first).to_owned();
            out.push_str("\n…\n");
            out.push_str(text_in(secret, last..secret.len()));
            out
        }
        _ => {
            let prefix_len = [
                "sk_live_",
                "sk_test_",
                "rk_live_",
                "rk_test_",
                "github_pat_",
                "ghp_",
                "gho_",
                "ghu_",
                "ghs_",
                "ghr_",
                "xoxb-",
                "xoxp-",
                "xoxa-",
                "sk-ant-",
                "sk-proj-",
                "sk-svcacct-",
                "sk-",
                "AKIA",
                "ASIA",
                "AIza",
                "eyJ",
            ]
            .iter()
            .find(|p| bytes.starts_with(p.as_bytes()))
            .map_or(0, |p| p.len());
            // The last four characters (keys are ASCII; a char boundary is found anyway).
            let mut tail_at = bytes.len().saturating_sub(4).max(prefix_len);
            while !secret.is_char_boundary(tail_at) {
                tail_at += 1;
            }
            let mut out = text_in(secret, 0..prefix_len).to_owned();
            out.push('…');
            out.push_str(text_in(secret, tail_at..secret.len()));
            out
        }
    }
}

/// `text` with every credential masked; borrowed when there is none.
pub fn masked_text(text: &str) -> std::borrow::Cow<'_, str> {
    let leaks = scan(text);
    if leaks.is_empty() {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(masked(text, &leaks))
    }
}

/// Whether a string inside `value` holds a credential.
pub fn value_has_leak(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => !scan(text).is_empty(),
        Value::Array(items) => items.iter().any(value_has_leak),
        Value::Object(map) => map.values().any(value_has_leak),
        _ => false,
    }
}

/// Masks every credential in the strings of `value`; true if it changed anything.
pub fn mask_value(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => match masked_text(text) {
            std::borrow::Cow::Owned(shown) => {
                *text = shown;
                true
            }
            std::borrow::Cow::Borrowed(_) => false,
        },
        // Every item is masked (no short-circuit).
        Value::Array(items) => {
            let mut changed = false;
            for item in items {
                changed |= mask_value(item);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for item in map.values_mut() {
                changed |= mask_value(item);
            }
            changed
        }
        _ => false,
    }
}

/// `text` with every leak replaced by its mask.
pub fn masked(text: &str, leaks: &[Leak]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for leak in leaks {
        out.push_str(text_in(text, at..leak.range.start));
        out.push_str(&mask(leak.kind, text_in(text, leak.range.clone())));
        at = leak.range.end;
    }
    out.push_str(text_in(text, at..text.len()));
    out
}

/// Masks a text reported as deltas (appended text, or with `reset` the whole text), passing on
/// masked deltas. The last word, which a later chunk may extend into a key, and an unterminated
/// PEM block are held back until they end or the stream does; nothing else is kept.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Source text received but not passed on yet (the held-back tail).
    pending: String,
    /// The kinds found so far (each once), in order of discovery.
    kinds: Vec<(SecretKind, &'static str)>,
}

impl Redactor {
    /// The kinds of credential found so far, with the env var each should move to.
    pub fn kinds(&self) -> &[(SecretKind, &'static str)] {
        &self.kinds
    }

    /// Takes a delta of the source text (`reset`: it is the whole text) and returns the masked
    /// delta to report, if any; with `finished`, the held-back tail too.
    pub fn push(&mut self, delta: &str, reset: bool, finished: bool) -> Option<(String, bool)> {
        if reset {
            self.pending.clear();
        }
        // The common case: nothing held, the delta ends a word and holds no key.
        if self.pending.is_empty()
            && !delta.is_empty()
            && hold_point(delta) == delta.len()
            && scan(delta).is_empty()
        {
            return Some((delta.to_owned(), reset));
        }
        self.pending.push_str(delta);
        let end = if finished {
            self.pending.len()
        } else {
            hold_point(&self.pending)
        };
        if end == 0 && !reset {
            return None;
        }
        let segment = text_in(&self.pending, 0..end);
        let leaks = scan(segment);
        for leak in &leaks {
            if !self
                .kinds
                .iter()
                .any(|(k, e)| *k == leak.kind && *e == leak.env_key)
            {
                self.kinds.push((leak.kind, leak.env_key));
            }
        }
        let shown = masked(segment, &leaks);
        self.pending.drain(..end);
        Some((shown, reset))
    }
}

/// The longest word held back: a longer one is not a key, and is let out as it arrives.
const MAX_HELD: usize = 16 * 1024;

/// Where reporting stops for now: before the last word when the text does not end with a
/// delimiter, and before a PEM private key block until its END line is complete.
fn hold_point(text: &str) -> usize {
    let bytes = text.as_bytes();
    let word_start = bytes
        .iter()
        .rposition(|b| is_delimiter(*b))
        .map_or(0, |i| i + 1);
    let word_start = if bytes.len() - word_start > MAX_HELD {
        bytes.len()
    } else {
        word_start
    };
    let open_pem = rfind(bytes, b"-----BEGIN ").filter(|begin| {
        let block = bytes_in(bytes, *begin..bytes.len());
        if block.len() > MAX_PEM {
            return false;
        }
        match pem_header(block) {
            // The header is not complete yet: it may be a private key's.
            None => find(block, b"-----BEGIN ").is_some() && block.len() < 80,
            Some((name, _)) if !name.ends_with(b"PRIVATE KEY") => false,
            // Held until `-----END …-----` and a delimiter after it have arrived.
            Some(_) => {
                let Some(end) = find(block, b"-----END ") else {
                    return true;
                };
                let after_end = end + b"-----END ".len();
                match find(bytes_in(block, after_end..block.len()), b"-----") {
                    Some(close) => !block
                        .get(after_end + close + 5)
                        .copied()
                        .is_some_and(is_delimiter),
                    None => true,
                }
            }
        }
    });
    open_pem.map_or(word_start, |pem| pem.min(word_start))
}
