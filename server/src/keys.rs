//! One database, one key: the key check, counting values that do not open, and re-sealing
//! every value under the current key (`server reseal`).
//!
//! - **Key check.** The database records the id of the key its values are sealed under
//!   (`key_check`, an HMAC of a fixed label under the key: [`crate::crypto::key_id`]). A server
//!   whose keyring does not hold that key refuses to start, naming `ENV_VAR_ENCRYPTION_KEY`,
//!   instead of answering `unreadable` for every value. A database written before the check
//!   gets it at the first start whose key opens its values.
//! - **Rotation.** The current key seals, `ENV_VAR_ENCRYPTION_OLD_KEYS` still open. `reseal`
//!   walks every sealed table in batches and re-seals what is not under the current key, each
//!   row with a compare-and-set on its stored nonce (which names its key and changes with every
//!   write), so instances may keep serving and a killed run is simply run again. When nothing
//!   is left under an old key, the key check moves to the current key; the old key may go.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::crypto::{key_id_hex, Cipher};

/// The key check's one row.
const CHECK: &str = "sealing";

/// A table with a sealed column: how to find, open and rewrite its values.
struct Sealed {
    table: &'static str,
    /// The primary key (text).
    id: &'static str,
    nonce: &'static str,
    ciphertext: &'static str,
    /// The associated data a row's value is bound to.
    aad: fn(&AnyRow) -> Result<Vec<u8>, sqlx::Error>,
}

fn env_var_aad(row: &AnyRow) -> Result<Vec<u8>, sqlx::Error> {
    let project_id: String = row.try_get("project_id")?;
    let key: String = row.try_get("key")?;
    let sensitive = row.try_get::<i64, _>("sensitive")? != 0;
    let version: i64 = row.try_get("seal_version")?;
    Ok(crate::crypto::Row {
        project_id: &project_id,
        key: &key,
        sensitive,
    }
    .aad(version))
}

fn mcp_aad(row: &AnyRow) -> Result<Vec<u8>, sqlx::Error> {
    Ok(crate::mcp::servers::credentials_aad(
        &row.try_get::<String, _>("user_id")?,
        &row.try_get::<String, _>("server_id")?,
        &row.try_get::<String, _>("url")?,
    ))
}

fn vercel_aad(row: &AnyRow) -> Result<Vec<u8>, sqlx::Error> {
    Ok(crate::vercel::connection_aad(
        &row.try_get::<String, _>("user_id")?,
        &row.try_get::<String, _>("configuration_id")?,
    ))
}

/// Every long-lived sealed value. (Unfinished MCP OAuth flows, ten minutes at most, are not
/// re-sealed: `reseal` deletes those under an old key, and the user starts again.)
const TABLES: [Sealed; 3] = [
    Sealed {
        table: "env_vars",
        id: "id",
        nonce: "nonce",
        ciphertext: "ciphertext",
        aad: env_var_aad,
    },
    Sealed {
        table: "mcp_credentials",
        id: "server_id",
        nonce: "nonce",
        ciphertext: "ciphertext",
        aad: mcp_aad,
    },
    Sealed {
        table: "vercel_connections",
        id: "user_id",
        nonce: "token_nonce",
        ciphertext: "token_ciphertext",
        aad: vercel_aad,
    },
];

/// How many values are stored, and how many do not open with the keyring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    /// Sealed values in all.
    pub total: u64,
    /// Those that do not open.
    pub unreadable: u64,
    /// Those under another key than the current one (they open, and `reseal` moves them).
    pub under_old_keys: u64,
}

/// Walks one table in batches of `batch` rows, in key order: `visit` gets each row.
async fn walk<F>(pool: &AnyPool, sealed: &Sealed, batch: i64, mut visit: F) -> Result<(), String>
where
    F: AsyncFnMut(&AnyRow) -> Result<(), String>,
{
    let mut after = String::new();
    loop {
        let rows = sqlx::query(&format!(
            "SELECT * FROM {} WHERE {} > $1 ORDER BY {} LIMIT $2",
            sealed.table, sealed.id, sealed.id
        ))
        .bind(&after)
        .bind(batch)
        .fetch_all(pool)
        .await
        .map_err(|e| format!("reading {}: {e}", sealed.table))?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last
            .try_get(sealed.id)
            .map_err(|e| format!("reading {}: {e}", sealed.table))?;
        for row in &rows {
            visit(row).await?;
        }
    }
}

/// Opens one row's value: `Some(plaintext)`, or `None` when it does not open.
fn open(
    cipher: &Cipher,
    sealed: &Sealed,
    row: &AnyRow,
) -> Result<(Vec<u8>, Option<String>), String> {
    let nonce: Vec<u8> = row
        .try_get(sealed.nonce)
        .map_err(|e| format!("reading {}: {e}", sealed.table))?;
    let ciphertext: Vec<u8> = row
        .try_get(sealed.ciphertext)
        .map_err(|e| format!("reading {}: {e}", sealed.table))?;
    let aad = (sealed.aad)(row).map_err(|e| format!("reading {}: {e}", sealed.table))?;
    let value = cipher.open_bound(&aad, &nonce, &ciphertext).ok();
    Ok((nonce, value))
}

/// Counts the stored values, those that do not open, and those under old keys.
pub async fn census(pool: &AnyPool, cipher: &Cipher) -> Result<Census, String> {
    let mut census = Census::default();
    for sealed in &TABLES {
        walk(pool, sealed, 500, async |row: &AnyRow| {
            let (nonce, value) = open(cipher, sealed, row)?;
            census.total += 1;
            match value {
                None => census.unreadable += 1,
                Some(_) if !cipher.is_current(&nonce) => census.under_old_keys += 1,
                Some(_) => {}
            }
            Ok(())
        })
        .await?;
    }
    Ok(census)
}

fn mismatch(recorded: &str) -> String {
    format!(
        "ENV_VAR_ENCRYPTION_KEY does not match this database: its values are sealed under key {recorded}, \
         which is neither ENV_VAR_ENCRYPTION_KEY nor one of ENV_VAR_ENCRYPTION_OLD_KEYS. Start with the key \
         this database was written with (restore it), or, to rotate, set the new key as \
         ENV_VAR_ENCRYPTION_KEY, the old one in ENV_VAR_ENCRYPTION_OLD_KEYS, and run `sajtmaskin-server reseal`"
    )
}

async fn recorded(pool: &AnyPool) -> Result<Option<String>, String> {
    sqlx::query_scalar("SELECT key_id FROM key_check WHERE name = $1")
        .bind(CHECK)
        .fetch_optional(pool)
        .await
        .map_err(|e| format!("reading the key check: {e}"))
}

fn known(cipher: &Cipher, recorded: &str) -> bool {
    let bytes: Option<Vec<u8>> = (0..recorded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(recorded.get(i..i + 2)?, 16).ok())
        .collect();
    bytes.is_some_and(|id| cipher.knows(&id))
}

/// The key check at start: `Err` with a message naming `ENV_VAR_ENCRYPTION_KEY` when the
/// keyring does not hold the database's key. A database without a check yet gets one, unless
/// it holds values and none of them opens (then the key is wrong too).
pub async fn check(pool: &AnyPool, cipher: &Cipher) -> Result<(), String> {
    if recorded(pool).await?.is_none() {
        let census = census(pool, cipher).await?;
        if census.total > 0 && census.unreadable == census.total {
            return Err(mismatch("(not recorded; none of the stored values opens)"));
        }
        // Of two instances starting at once with different keys, one records its key and the
        // other fails the check below.
        sqlx::query("INSERT INTO key_check (name, key_id, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(CHECK)
            .bind(key_id_hex(&cipher.current_id()))
            .bind(crate::clock::now_ms())
            .execute(pool)
            .await
            .map_err(|e| format!("recording the key check: {e}"))?;
    }
    let recorded = recorded(pool).await?.unwrap_or_default();
    if !known(cipher, &recorded) {
        return Err(mismatch(&recorded));
    }
    if recorded != key_id_hex(&cipher.current_id()) {
        tracing::info!(
            "the database's values are under an older key of the keyring; `sajtmaskin-server reseal` moves them to ENV_VAR_ENCRYPTION_KEY"
        );
    }
    Ok(())
}

/// What a reseal did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resealed {
    /// Values re-sealed under the current key.
    pub moved: u64,
    /// Values that do not open (left as they are).
    pub unreadable: u64,
    /// Rows that changed under us (another writer won the compare-and-set; already current).
    pub raced: u64,
}

/// Re-seals every value not under the current key, `batch` rows per read, each row with a
/// compare-and-set on its stored nonce; `progress` hears after each table. Moves the key
/// check to the current key when nothing is left under an old one.
pub async fn reseal(
    pool: &AnyPool,
    cipher: &Cipher,
    batch: i64,
    pause: std::time::Duration,
    mut progress: impl FnMut(&str, &Resealed),
) -> Result<Resealed, String> {
    let mut done = Resealed::default();
    for sealed in &TABLES {
        walk(pool, sealed, batch, async |row: &AnyRow| {
            let (nonce, value) = open(cipher, sealed, row)?;
            if cipher.is_current(&nonce) {
                return Ok(());
            }
            let Some(value) = value else {
                done.unreadable += 1;
                return Ok(());
            };
            let aad = (sealed.aad)(row).map_err(|e| e.to_string())?;
            let id: String = row.try_get(sealed.id).map_err(|e| e.to_string())?;
            let (new_nonce, new_ciphertext) = cipher.seal_bound(&aad, &value)?;
            let changed = sqlx::query(&format!(
                "UPDATE {} SET {} = $1, {} = $2 WHERE {} = $3 AND {} = $4",
                sealed.table, sealed.nonce, sealed.ciphertext, sealed.id, sealed.nonce
            ))
            .bind(new_nonce)
            .bind(new_ciphertext)
            .bind(&id)
            .bind(&nonce)
            .execute(pool)
            .await
            .map_err(|e| format!("re-sealing {}: {e}", sealed.table))?
            .rows_affected();
            if changed == 1 {
                done.moved += 1;
                if !pause.is_zero() && done.moved % batch.max(1) as u64 == 0 {
                    progress(sealed.table, &done);
                    tokio::time::sleep(pause).await;
                }
            } else {
                done.raced += 1;
            }
            Ok(())
        })
        .await?;
        progress(sealed.table, &done);
    }
    let flows = sqlx::query("SELECT state_hash, verifier_nonce FROM mcp_oauth_flows")
        .fetch_all(pool)
        .await
        .map_err(|e| format!("reading OAuth flows: {e}"))?;
    for flow in flows {
        let nonce: Vec<u8> = flow.try_get("verifier_nonce").map_err(|e| e.to_string())?;
        if !cipher.is_current(&nonce) {
            sqlx::query("DELETE FROM mcp_oauth_flows WHERE state_hash = $1")
                .bind(
                    flow.try_get::<String, _>("state_hash")
                        .map_err(|e| e.to_string())?,
                )
                .execute(pool)
                .await
                .map_err(|e| format!("dropping an unfinished OAuth flow: {e}"))?;
        }
    }
    let left = census(pool, cipher).await?;
    if left.under_old_keys == 0 {
        sqlx::query("UPDATE key_check SET key_id = $1, updated_at = $2 WHERE name = $3")
            .bind(key_id_hex(&cipher.current_id()))
            .bind(crate::clock::now_ms())
            .bind(CHECK)
            .execute(pool)
            .await
            .map_err(|e| format!("moving the key check: {e}"))?;
    }
    Ok(done)
}
