//! The server's own keys: from the environment, or generated once into the data dir with mode
//! 0600 (the log says so, without the value).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// 32 random bytes.
pub fn random_key() -> Result<[u8; 32], String> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|e| format!("no randomness: {e}"))?;
    Ok(key)
}

/// A 32-byte key from base64 text.
pub fn decode_key(text: &str, name: &str) -> Result<[u8; 32], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| format!("{name} is not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{name} must decode to exactly 32 bytes"))
}

/// Creates `dir` if needed, readable by its owner only (it holds the database and key files).
pub fn private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// The key in `dir/file`, creating it (mode 0600) when missing.
pub fn load_or_create(dir: &Path, file: &str, name: &str) -> Result<[u8; 32], String> {
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => decode_key(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            private_dir(dir)?;
            let key = random_key()?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            file.write_all(STANDARD.encode(key).as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            tracing::warn!(path = %path.display(), "{name} was not set: generated one and stored it with mode 0600");
            Ok(key)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Hex SHA-256 of `text`: how single-use nonces, OAuth states and bearer tokens are stored
/// (the value itself only ever lives with its holder).
pub fn hash(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes as unpadded base64url: nonces, states, PKCE verifiers and tokens.
pub fn random_token() -> Result<String, String> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_key()?))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value that binds a flow started by this browser to the callback at `path`:
/// HttpOnly, SameSite=Lax (the provider's redirect back is a top-level navigation), ten
/// minutes, Secure when the public URL is https.
pub fn flow_cookie(name: &str, value: &str, path: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; HttpOnly; SameSite=Lax; Path={path}; Max-Age=600{secure}")
}

/// Deletes the used and expired rows of a single-use flow table (`vercel_flows`,
/// `mcp_oauth_flows`: `user_id`, `created_at`, `expires_at`, `used_at` and the key column
/// `key`), and `user`'s oldest open ones beyond `keep - 1`, making room for one more.
pub async fn prune_flows(
    pool: &sqlx::AnyPool,
    table: &'static str,
    key: &'static str,
    user: &str,
    keep: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DELETE FROM {table} WHERE used_at IS NOT NULL OR expires_at <= $1"
    ))
    .bind(now)
    .execute(pool)
    .await?;
    sqlx::query(&format!(
        "DELETE FROM {table} WHERE user_id = $1 AND {key} NOT IN (SELECT {key} FROM {table} WHERE user_id = $1 ORDER BY created_at DESC, {key} LIMIT $2)"
    ))
    .bind(user)
    .bind((keep - 1).max(0))
    .execute(pool)
    .await?;
    Ok(())
}
