//! The local store: a table in the metadata database, every value AES-256-GCM encrypted with a
//! fresh nonce per write and bound to its project, key and sensitivity (the key never in the
//! database). Plaintext leaves only for non-sensitive vars, in responses; a value that does not
//! decrypt is reported on its own var (`unreadable`), never as a failed list.

use async_trait::async_trait;
use sajtmaskin_integrations::wire::{CreateEnvVars, DeleteEnvVars, EnvVar, UpdateEnvVars};
use sqlx::Row;
use zeroize::Zeroizing;

use super::{EnvVarStore, StoreError, UpstreamProject};
use crate::clock::{now_ms, rfc3339};
use crate::crypto::{Cipher, Row as SealedRow, SEAL_VERSION};
use crate::db::Db;
use crate::ids::new_id;
use crate::project::Project;

/// See the module docs.
pub struct LocalStore {
    db: Db,
    cipher: Cipher,
}

impl LocalStore {
    /// A store over `db` sealing with `cipher`, after re-sealing the rows an older version
    /// sealed without their sensitivity (rows that do not open are left to show as unreadable).
    pub async fn open(db: Db, cipher: Cipher) -> Result<Self, String> {
        let store = LocalStore { db, cipher };
        store
            .reseal_old_rows()
            .await
            .map_err(|e| format!("re-sealing env vars: {e}"))?;
        Ok(store)
    }

    async fn reseal_old_rows(&self) -> Result<(), sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, project_id, key, nonce, ciphertext, sensitive, seal_version FROM env_vars WHERE seal_version < $1",
        )
        .bind(SEAL_VERSION)
        .fetch_all(&self.db.pool)
        .await?;
        let mut resealed = 0usize;
        for row in &rows {
            let (project_id, key): (String, String) =
                (row.try_get("project_id")?, row.try_get("key")?);
            let sealed = SealedRow {
                project_id: &project_id,
                key: &key,
                sensitive: row.try_get::<i64, _>("sensitive")? != 0,
            };
            let version: i64 = row.try_get("seal_version")?;
            let nonce: Vec<u8> = row.try_get("nonce")?;
            let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
            let Ok(value) = self.cipher.open(sealed, version, &nonce, &ciphertext) else {
                continue;
            };
            let Ok((nonce, ciphertext)) = self.cipher.seal(sealed, &value) else {
                continue;
            };
            // Only if nobody rewrote the row meanwhile (another instance, a request).
            sqlx::query("UPDATE env_vars SET nonce = $1, ciphertext = $2, seal_version = $3 WHERE id = $4 AND seal_version = $5")
                .bind(nonce)
                .bind(ciphertext)
                .bind(SEAL_VERSION)
                .bind(row.try_get::<String, _>("id")?)
                .bind(version)
                .execute(&self.db.pool)
                .await?;
            resealed += 1;
        }
        if !rows.is_empty() {
            tracing::info!(
                resealed,
                of = rows.len(),
                "re-sealed env vars with their sensitivity bound"
            );
        }
        Ok(())
    }

    fn to_var(&self, project: &str, row: &sqlx::any::AnyRow) -> Result<EnvVar, StoreError> {
        let key: String = row.try_get("key")?;
        let sensitive = row.try_get::<i64, _>("sensitive")? != 0;
        let version: i64 = row.try_get("seal_version")?;
        let nonce: Vec<u8> = row.try_get("nonce")?;
        let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
        let sealed = SealedRow {
            project_id: project,
            key: &key,
            sensitive,
        };
        // A sensitive value is opened too (and dropped): a row that does not open is reported,
        // whatever its flag says.
        let (value, unreadable) = match self.cipher.open(sealed, version, &nonce, &ciphertext) {
            Ok(_) if sensitive => (None, false),
            Ok(value) => (Some(value), false),
            Err(_) => {
                tracing::warn!(project, key = %key, "an env var did not decrypt (wrong key, or the row was changed at rest)");
                (None, true)
            }
        };
        Ok(EnvVar {
            id: row.try_get("id")?,
            key,
            value,
            sensitive,
            created_at: rfc3339(row.try_get("created_at")?),
            updated_at: rfc3339(row.try_get("updated_at")?),
            unreadable,
        })
    }
}

const COLUMNS: &str = "id, key, nonce, ciphertext, sensitive, seal_version, created_at, updated_at";

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[async_trait]
impl EnvVarStore for LocalStore {
    fn is_upstream(&self) -> bool {
        false
    }

    async fn provision(&self, _local_id: &str) -> Result<UpstreamProject, StoreError> {
        Ok(UpstreamProject::None)
    }

    async fn read_for_check(
        &self,
        project: &Project,
        keys: &[&str],
    ) -> Result<Vec<(String, Zeroizing<String>)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM env_vars WHERE project_id = $1 ORDER BY key"
        ))
        .bind(&project.id)
        .fetch_all(&self.db.pool)
        .await?;
        let mut values = Vec::new();
        for row in &rows {
            let key: String = row.try_get("key")?;
            if !keys.contains(&key.as_str()) {
                continue;
            }
            let sealed = SealedRow {
                project_id: &project.id,
                key: &key,
                sensitive: row.try_get::<i64, _>("sensitive")? != 0,
            };
            let version: i64 = row.try_get("seal_version")?;
            let nonce: Vec<u8> = row.try_get("nonce")?;
            let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
            if let Ok(value) = self.cipher.open(sealed, version, &nonce, &ciphertext) {
                values.push((key, Zeroizing::new(value)));
            }
        }
        Ok(values)
    }

    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM env_vars WHERE project_id = $1 ORDER BY key"
        ))
        .bind(&project.id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|row| self.to_var(&project.id, row))
            .collect()
    }

    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let now = now_ms();
        // Upsert keeps the row's id and creation time; without upsert an existing key is a 409.
        let sql = if request.upsert {
            format!("INSERT INTO env_vars (id, project_id, key, nonce, ciphertext, sensitive, seal_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) ON CONFLICT (project_id, key) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, sensitive = excluded.sensitive, seal_version = excluded.seal_version, updated_at = excluded.updated_at RETURNING {COLUMNS}")
        } else {
            format!("INSERT INTO env_vars (id, project_id, key, nonce, ciphertext, sensitive, seal_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) RETURNING {COLUMNS}")
        };
        let mut tx = self.db.pool.begin().await?;
        let mut out = Vec::with_capacity(request.vars.len());
        for var in &request.vars {
            let sealed = SealedRow {
                project_id: &project.id,
                key: &var.key,
                sensitive: var.sensitive,
            };
            let (nonce, ciphertext) = self
                .cipher
                .seal(sealed, &var.value)
                .map_err(StoreError::Crypto)?;
            let row = sqlx::query(&sql)
                .bind(new_id("env"))
                .bind(&project.id)
                .bind(&var.key)
                .bind(nonce)
                .bind(ciphertext)
                .bind(i64::from(var.sensitive))
                .bind(now)
                .bind(SEAL_VERSION)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Exists(Some(var.key.clone()))
                    } else {
                        StoreError::Database(e)
                    }
                })?;
            out.push(self.to_var(&project.id, &row)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn update(
        &self,
        project: &Project,
        request: UpdateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let now = now_ms();
        let mut tx = self.db.pool.begin().await?;
        let mut out = Vec::with_capacity(request.vars.len());
        for var in &request.vars {
            let row = sqlx::query(
                "SELECT key, sensitive FROM env_vars WHERE id = $1 AND project_id = $2",
            )
            .bind(&var.id)
            .bind(&project.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound);
            };
            let key: String = row.try_get("key")?;
            let sealed = SealedRow {
                project_id: &project.id,
                key: &key,
                sensitive: row.try_get::<i64, _>("sensitive")? != 0,
            };
            let (nonce, ciphertext) = self
                .cipher
                .seal(sealed, &var.value)
                .map_err(StoreError::Crypto)?;
            let row = sqlx::query(&format!("UPDATE env_vars SET nonce = $1, ciphertext = $2, seal_version = $6, updated_at = $3 WHERE id = $4 AND project_id = $5 RETURNING {COLUMNS}"))
                .bind(nonce)
                .bind(ciphertext)
                .bind(now)
                .bind(&var.id)
                .bind(&project.id)
                .bind(SEAL_VERSION)
                .fetch_one(&mut *tx)
                .await?;
            out.push(self.to_var(&project.id, &row)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn delete(
        &self,
        project: &Project,
        request: DeleteEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let mut tx = self.db.pool.begin().await?;
        let mut out = Vec::new();
        let by_id =
            format!("DELETE FROM env_vars WHERE project_id = $1 AND id = $2 RETURNING {COLUMNS}");
        let by_key =
            format!("DELETE FROM env_vars WHERE project_id = $1 AND key = $2 RETURNING {COLUMNS}");
        let targets = request
            .ids
            .iter()
            .flatten()
            .map(|id| (&by_id, id))
            .chain(request.keys.iter().flatten().map(|key| (&by_key, key)));
        for (sql, value) in targets {
            if let Some(row) = sqlx::query(sql)
                .bind(&project.id)
                .bind(value)
                .fetch_optional(&mut *tx)
                .await?
            {
                let mut var = self.to_var(&project.id, &row)?;
                var.value = None;
                out.push(var);
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
