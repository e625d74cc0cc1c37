//! The v0 store: the v0 Platform API's env-var endpoints of the v0 project the server created
//! for the local project. v0 has no notion of a sensitive var, so which keys are sensitive is
//! kept locally (`env_var_flags`, unknown keys count as sensitive) and written only after v0
//! succeeded.

use std::collections::HashMap;

use async_trait::async_trait;
use reqwest::Method;
use sajtmaskin_integrations::wire::{CreateEnvVars, DeleteEnvVars, EnvVar, UpdateEnvVars};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::Row;

use super::{
    plaintext, require_known, upstream_project_id, upstream_var, with_sent_values, EnvVarStore,
    StoreError, UpstreamProject,
};
use crate::db::Db;
use crate::project::Project;
use crate::upstream::Upstream;

/// See the module docs.
pub struct V0Store {
    api: Upstream,
    db: Db,
}

#[derive(Deserialize)]
struct List {
    #[serde(default)]
    data: Vec<V0Var>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V0Var {
    id: String,
    #[serde(default)]
    key: String,
    value: Option<String>,
    /// Whether `value` is plaintext (v0 answers writes, and lists without `decrypted=true`,
    /// with its encrypted form).
    #[serde(default)]
    decrypted: Option<bool>,
    created_at: Option<Value>,
    updated_at: Option<Value>,
}

#[derive(Deserialize)]
struct CreatedProject {
    id: Option<String>,
}

impl V0Store {
    /// A store over the v0 API; sensitivity flags in `db`.
    pub fn new(api: Upstream, db: Db) -> Self {
        V0Store { api, db }
    }

    /// `/projects/{id}/env-vars[/tail]` of the project's v0 project.
    fn request(
        &self,
        method: Method,
        project: &Project,
        tail: Option<&str>,
    ) -> Result<reqwest::RequestBuilder, StoreError> {
        let Some(id) = &project.v0_project_id else {
            return Err(StoreError::NotLinked);
        };
        let mut segments = vec!["projects", id.as_str(), "env-vars"];
        segments.extend(tail);
        Ok(self.api.request(method, &segments))
    }

    async fn flags(&self, project: &Project) -> Result<HashMap<String, bool>, StoreError> {
        let rows = sqlx::query("SELECT key, sensitive FROM env_var_flags WHERE project_id = $1")
            .bind(&project.id)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("key")?,
                    r.try_get::<i64, _>("sensitive")? != 0,
                ))
            })
            .collect()
    }

    fn to_vars(vars: Vec<V0Var>, flags: &HashMap<String, bool>) -> Vec<EnvVar> {
        vars.into_iter()
            .map(|v| {
                let sensitive = flags.get(&v.key).copied().unwrap_or(true);
                upstream_var(
                    v.id,
                    v.key,
                    plaintext(v.value, v.decrypted, false),
                    sensitive,
                    v.created_at.as_ref(),
                    v.updated_at.as_ref(),
                )
            })
            .collect()
    }

    async fn fetch(&self, project: &Project, decrypted: bool) -> Result<Vec<V0Var>, StoreError> {
        let request = self
            .request(Method::GET, project, None)?
            .query(&[("decrypted", if decrypted { "true" } else { "false" })]);
        Ok(self.api.json::<List>(request).await?.data)
    }
}

#[async_trait]
impl EnvVarStore for V0Store {
    fn is_upstream(&self) -> bool {
        true
    }

    async fn provision(&self, local_id: &str) -> Result<UpstreamProject, StoreError> {
        let request = self
            .api
            .request(Method::POST, &["projects"])
            .json(&json!({ "name": format!("sajtmaskin {local_id}") }));
        let created: CreatedProject = self.api.json(request).await?;
        Ok(UpstreamProject::V0(upstream_project_id("v0", created.id)?))
    }

    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, StoreError> {
        let flags = self.flags(project).await?;
        // Values are needed only for keys known to be non-sensitive.
        let decrypted = flags.values().any(|sensitive| !sensitive);
        Ok(Self::to_vars(self.fetch(project, decrypted).await?, &flags))
    }

    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let body = json!({
            "environmentVariables": request.vars.iter().map(|v| json!({"key": v.key, "value": v.value})).collect::<Vec<_>>(),
            "upsert": request.upsert,
        });
        let created = self
            .api
            .json::<List>(self.request(Method::POST, project, None)?.json(&body))
            .await?;
        let mut tx = self.db.pool.begin().await?;
        for var in &request.vars {
            sqlx::query("INSERT INTO env_var_flags (project_id, key, sensitive) VALUES ($1, $2, $3) ON CONFLICT (project_id, key) DO UPDATE SET sensitive = excluded.sensitive")
                .bind(&project.id)
                .bind(&var.key)
                .bind(i64::from(var.sensitive))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let flags = self.flags(project).await?;
        Ok(with_sent_values(Self::to_vars(created.data, &flags), |v| {
            request
                .vars
                .iter()
                .find(|s| s.key == v.key)
                .map(|s| s.value.clone())
        }))
    }

    async fn update(
        &self,
        project: &Project,
        request: UpdateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let existing = self.fetch(project, false).await?;
        let ids: Vec<&str> = existing.iter().map(|v| v.id.as_str()).collect();
        require_known(request.vars.iter().map(|v| v.id.as_str()), &ids)?;
        let body = json!({"environmentVariables": request.vars.iter().map(|v| json!({"id": v.id, "value": v.value})).collect::<Vec<_>>()});
        let updated = self
            .api
            .json::<List>(self.request(Method::PATCH, project, None)?.json(&body))
            .await?;
        let flags = self.flags(project).await?;
        Ok(with_sent_values(Self::to_vars(updated.data, &flags), |v| {
            request
                .vars
                .iter()
                .find(|s| s.id == v.id)
                .map(|s| s.value.clone())
        }))
    }

    async fn delete(
        &self,
        project: &Project,
        request: DeleteEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let existing = self.fetch(project, false).await?;
        let doomed: Vec<V0Var> = existing
            .into_iter()
            .filter(|v| request.selects(&v.id, &v.key))
            .collect();
        if doomed.is_empty() {
            return Ok(Vec::new());
        }
        let body = json!({"environmentVariableIds": doomed.iter().map(|v| v.id.clone()).collect::<Vec<_>>()});
        self.api
            .send(
                self.request(Method::POST, project, Some("delete"))?
                    .json(&body),
            )
            .await?;
        let flags = self.flags(project).await?;
        for var in &doomed {
            sqlx::query("DELETE FROM env_var_flags WHERE project_id = $1 AND key = $2")
                .bind(&project.id)
                .bind(&var.key)
                .execute(&self.db.pool)
                .await?;
        }
        let mut deleted = Self::to_vars(doomed, &flags);
        deleted.iter_mut().for_each(|v| v.value = None);
        Ok(deleted)
    }
}
