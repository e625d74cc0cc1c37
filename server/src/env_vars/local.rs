//! The local store: a table in the metadata database, every value AES-256-GCM encrypted with a
//! fresh nonce per write (the key never in the database). Plaintext leaves only for
//! non-sensitive vars, in responses.

use async_trait::async_trait;
use sajtmaskin_integrations::wire::{CreateEnvVars, DeleteEnvVars, EnvVar, UpdateEnvVars};
use sqlx::Row;

use super::EnvVarStore;
use crate::crypto::Cipher;
use crate::db::Db;
use crate::error::AppError;
use crate::projects::Project;
use crate::secrets::{new_id, now_ms, rfc3339};

/// See the module docs.
pub struct LocalStore {
    db: Db,
    cipher: Cipher,
}

impl LocalStore {
    /// A store over `db` sealing with `cipher`.
    pub fn new(db: Db, cipher: Cipher) -> Self {
        LocalStore { db, cipher }
    }

    fn to_var(&self, project: &str, row: &sqlx::any::AnyRow) -> Result<EnvVar, AppError> {
        let key: String = row.try_get("key")?;
        let sensitive = row.try_get::<i64, _>("sensitive")? != 0;
        let value = if sensitive {
            None
        } else {
            let nonce: Vec<u8> = row.try_get("nonce")?;
            let ciphertext: Vec<u8> = row.try_get("ciphertext")?;
            Some(
                self.cipher
                    .open(project, &key, &nonce, &ciphertext)
                    .map_err(AppError::Internal)?,
            )
        };
        Ok(EnvVar {
            id: row.try_get("id")?,
            key,
            value,
            sensitive,
            created_at: rfc3339(row.try_get("created_at")?),
            updated_at: rfc3339(row.try_get("updated_at")?),
        })
    }
}

const COLUMNS: &str = "id, key, nonce, ciphertext, sensitive, created_at, updated_at";

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[async_trait]
impl EnvVarStore for LocalStore {
    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, AppError> {
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
    ) -> Result<Vec<EnvVar>, AppError> {
        let now = now_ms();
        // Upsert keeps the row's id and creation time; without upsert an existing key is a 409.
        let sql = if request.upsert {
            format!("INSERT INTO env_vars (id, project_id, key, nonce, ciphertext, sensitive, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (project_id, key) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, sensitive = excluded.sensitive, updated_at = excluded.updated_at RETURNING {COLUMNS}")
        } else {
            format!("INSERT INTO env_vars (id, project_id, key, nonce, ciphertext, sensitive, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COLUMNS}")
        };
        let mut tx = self.db.pool.begin().await?;
        let mut out = Vec::with_capacity(request.vars.len());
        for var in &request.vars {
            let (nonce, ciphertext) = self
                .cipher
                .seal(&project.id, &var.key, &var.value)
                .map_err(AppError::Internal)?;
            let row = sqlx::query(&sql)
                .bind(new_id("env"))
                .bind(&project.id)
                .bind(&var.key)
                .bind(nonce)
                .bind(ciphertext)
                .bind(i64::from(var.sensitive))
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        AppError::Conflict {
                            code: "env_var_exists",
                            message: format!(
                                "{} already exists (send upsert: true to overwrite)",
                                var.key
                            ),
                        }
                    } else {
                        AppError::Database(e)
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
    ) -> Result<Vec<EnvVar>, AppError> {
        let now = now_ms();
        let mut tx = self.db.pool.begin().await?;
        let mut out = Vec::with_capacity(request.vars.len());
        for var in &request.vars {
            let key: Option<String> =
                sqlx::query_scalar("SELECT key FROM env_vars WHERE id = $1 AND project_id = $2")
                    .bind(&var.id)
                    .bind(&project.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(key) = key else {
                return Err(AppError::NotFound("env var"));
            };
            let (nonce, ciphertext) = self
                .cipher
                .seal(&project.id, &key, &var.value)
                .map_err(AppError::Internal)?;
            let row = sqlx::query(&format!("UPDATE env_vars SET nonce = $1, ciphertext = $2, updated_at = $3 WHERE id = $4 AND project_id = $5 RETURNING {COLUMNS}"))
                .bind(nonce)
                .bind(ciphertext)
                .bind(now)
                .bind(&var.id)
                .bind(&project.id)
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
    ) -> Result<Vec<EnvVar>, AppError> {
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
