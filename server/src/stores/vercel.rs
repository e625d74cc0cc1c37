//! The Vercel store: the REST project env API of the Vercel project the server created for the
//! local project (`ENV_STORE=vercel`, the platform's token), or of the one its owner linked
//! (`ENV_STORE=vercel-linked`, the owner's token: [`VercelStore::linked`]). Sensitive vars are created with `type: "sensitive"` (Vercel itself never
//! returns their values), the others with `type: "encrypted"`. Updates and deletes take one
//! call per var: they are capped at [`MAX_UPSTREAM_FANOUT`], every id is checked against the
//! project's own list first, and a failure part-way reports what was already changed.

use async_trait::async_trait;
use reqwest::Method;
use sajtmaskin_integrations::wire::{CreateEnvVars, DeleteEnvVars, EnvVar, UpdateEnvVars};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    plaintext, require_known, upstream_project_id, upstream_var, with_sent_values, EnvVarStore,
    StoreError, UpstreamProject, MAX_UPSTREAM_FANOUT,
};
use crate::project::Project;
use crate::upstream::Upstream;
use crate::upstream::UpstreamError;

/// See the module docs.
pub struct VercelStore {
    api: Upstream,
    target: Target,
}

/// Which of a project's Vercel projects the store works on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The one the server created with the platform's token (`vercel_project_id`).
    Created,
    /// The one the owner linked, checked with their token (`linked_vercel_project_id`).
    Linked,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VercelEnv {
    id: String,
    #[serde(default)]
    key: String,
    value: Option<String>,
    /// Whether `value` is plaintext (write answers carry the encrypted form).
    #[serde(default)]
    decrypted: Option<bool>,
    #[serde(default, rename = "type")]
    kind: String,
    created_at: Option<Value>,
    updated_at: Option<Value>,
}

impl VercelEnv {
    fn into_var(self) -> EnvVar {
        let sensitive = self.kind == "sensitive" || self.kind == "secret";
        upstream_var(
            self.id,
            self.key,
            plaintext(self.value, self.decrypted, self.kind == "plain"),
            sensitive,
            self.created_at.as_ref(),
            self.updated_at.as_ref(),
        )
    }
}

#[derive(Deserialize)]
struct Envs {
    #[serde(default)]
    envs: Vec<VercelEnv>,
}

/// `created` is one object or a list; `failed` lists per-key errors.
#[derive(Deserialize)]
struct Created {
    created: Option<Value>,
    #[serde(default)]
    failed: Vec<Value>,
}

#[derive(Deserialize)]
struct CreatedProject {
    id: Option<String>,
}

/// `GET /v1/projects/{id}/env/{envId}` (`getProjectEnv`): the env's decrypted value, or
/// `None` when Vercel does not give one (a sensitive var, or an answer marked not decrypted).
pub(crate) async fn decrypted_value(
    api: &Upstream,
    project: &str,
    env: &str,
) -> Result<Option<String>, UpstreamError> {
    #[derive(Deserialize)]
    struct One {
        value: Option<String>,
        #[serde(default)]
        decrypted: Option<bool>,
    }
    if !sajtmaskin_integrations::wire::is_safe_id(
        env,
        sajtmaskin_integrations::wire::MAX_UPSTREAM_ID_BYTES,
    ) {
        return Ok(None);
    }
    let one: One = api
        .json(api.request(Method::GET, &["v1", "projects", project, "env", env]))
        .await?;
    Ok(one.value.filter(|_| one.decrypted != Some(false)))
}

fn check_fanout(n: usize) -> Result<(), StoreError> {
    match n > MAX_UPSTREAM_FANOUT {
        true => Err(StoreError::FanOut(MAX_UPSTREAM_FANOUT)),
        false => Ok(()),
    }
}

/// The vars a per-item upstream change has changed so far, so that a later failure reports
/// them ([`StoreError::Partial`]) instead of hiding them.
#[derive(Default)]
struct Changed(Vec<EnvVar>);

impl Changed {
    fn fail(self, error: impl Into<StoreError>) -> StoreError {
        let error = error.into();
        if self.0.is_empty() {
            return error;
        }
        let mut changed = self.0;
        changed.iter_mut().for_each(|v| v.value = None);
        StoreError::Partial {
            error: Box::new(error),
            changed,
        }
    }
}

impl VercelStore {
    /// A store over the Vercel API (its `teamId` is part of `api`) on the Vercel project the
    /// server created for each project.
    pub fn new(api: Upstream) -> Self {
        VercelStore {
            api,
            target: Target::Created,
        }
    }

    /// A store on the project's linked Vercel project; `api` must carry the project owner's
    /// own credentials (their Vercel connection), never the platform's.
    pub fn linked(api: Upstream) -> Self {
        VercelStore {
            api,
            target: Target::Linked,
        }
    }

    /// The Vercel project id this store works on for `project`.
    fn project_id<'a>(&self, project: &'a Project) -> Result<&'a str, StoreError> {
        match self.target {
            Target::Created => project.vercel_project_id.as_deref(),
            Target::Linked => project.linked_vercel_project_id.as_deref(),
        }
        .ok_or(StoreError::NotLinked)
    }

    /// `/{version}/projects/{id}/env[/{env_id}]` of the project's Vercel project.
    fn request(
        &self,
        method: Method,
        project: &Project,
        version: &str,
        env_id: Option<&str>,
    ) -> Result<reqwest::RequestBuilder, StoreError> {
        let id = self.project_id(project)?;
        let mut segments = vec![version, "projects", id, "env"];
        segments.extend(env_id);
        Ok(self.api.request(method, &segments))
    }

    /// The project's envs as `filterProjectEnvs` lists them (encrypted values stay encrypted).
    async fn envs(&self, project: &Project) -> Result<Vec<VercelEnv>, StoreError> {
        let request = self.request(Method::GET, project, "v10", None)?;
        Ok(self.api.json::<Envs>(request).await?.envs)
    }
}

#[async_trait]
impl EnvVarStore for VercelStore {
    fn is_upstream(&self) -> bool {
        true
    }

    async fn provision(&self, local_id: &str) -> Result<UpstreamProject, StoreError> {
        if self.target == Target::Linked {
            // The owner links a project of their own later; nothing is created for them.
            return Ok(UpstreamProject::None);
        }
        // Vercel project names: lowercase letters, digits, '.', '_' and '-'.
        let name = format!(
            "sajtmaskin-{}",
            local_id.to_ascii_lowercase().replace('_', "-")
        );
        let request = self
            .api
            .request(Method::POST, &["v11", "projects"])
            .json(&json!({ "name": name }));
        let created: CreatedProject = self.api.json(request).await?;
        Ok(UpstreamProject::Vercel(upstream_project_id(
            "Vercel", created.id,
        )?))
    }

    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, StoreError> {
        let id = self.project_id(project)?;
        let mut envs = self.envs(project).await?;
        // A readable value that the listing left encrypted is read back decrypted, one
        // `getProjectEnv` each (the listing's `decrypt` parameter is deprecated).
        let reads = envs.iter().map(|env| async move {
            let wanted = env.kind != "sensitive"
                && env.kind != "secret"
                && plaintext(env.value.clone(), env.decrypted, env.kind == "plain").is_none();
            match wanted {
                true => decrypted_value(&self.api, id, &env.id).await.map(Some),
                false => Ok(None),
            }
        });
        let values = futures_util::future::try_join_all(reads).await?;
        for (env, value) in envs.iter_mut().zip(values) {
            if let Some(value) = value {
                env.value = value;
                env.decrypted = Some(true);
            }
        }
        Ok(envs.into_iter().map(VercelEnv::into_var).collect())
    }

    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let body: Vec<Value> = request
            .vars
            .iter()
            .map(|v| {
                let (kind, target) = if v.sensitive {
                    // Vercel does not allow sensitive vars in the development environment.
                    ("sensitive", json!(["production", "preview"]))
                } else {
                    ("encrypted", json!(["production", "preview", "development"]))
                };
                json!({"key": v.key, "value": v.value, "type": kind, "target": target})
            })
            .collect();
        let mut call = self
            .request(Method::POST, project, "v10", None)?
            .json(&body);
        if request.upsert {
            call = call.query(&[("upsert", "true")]);
        }
        let created: Created = self.api.json(call).await?;
        if let Some(failure) = created.failed.first() {
            let code = failure
                .pointer("/error/code")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(if code.contains("EXISTS") {
                StoreError::Exists(None)
            } else {
                StoreError::Rejected
            });
        }
        let list = match created.created {
            Some(Value::Array(items)) => items,
            Some(item @ Value::Object(_)) => vec![item],
            _ => Vec::new(),
        };
        let vars = list
            .into_iter()
            .map(|item| serde_json::from_value::<VercelEnv>(item).map(VercelEnv::into_var))
            .collect::<Result<_, _>>()
            .map_err(|_| UpstreamError::bad_answer("Vercel sent a body we could not read"))?;
        Ok(with_sent_values(vars, |v| {
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
        check_fanout(request.vars.len())?;
        let existing = self.envs(project).await?;
        let ids: Vec<&str> = existing.iter().map(|e| e.id.as_str()).collect();
        require_known(request.vars.iter().map(|v| v.id.as_str()), &ids)?;
        let mut changed = Changed::default();
        for var in request.vars {
            let call = self
                .request(Method::PATCH, project, "v9", Some(&var.id))?
                .json(&json!({"value": var.value}));
            match self.api.json::<VercelEnv>(call).await {
                Ok(env) => changed
                    .0
                    .extend(with_sent_values(vec![env.into_var()], |_| {
                        Some(var.value.clone())
                    })),
                Err(error) => return Err(changed.fail(error)),
            }
        }
        Ok(changed.0)
    }

    async fn delete(
        &self,
        project: &Project,
        request: DeleteEnvVars,
    ) -> Result<Vec<EnvVar>, StoreError> {
        let existing = self.envs(project).await?;
        let doomed: Vec<VercelEnv> = existing
            .into_iter()
            .filter(|e| request.selects(&e.id, &e.key))
            .collect();
        check_fanout(doomed.len())?;
        let mut changed = Changed::default();
        for env in doomed {
            let call = self.request(Method::DELETE, project, "v9", Some(&env.id))?;
            match self.api.send(call).await {
                Ok(_) => {
                    let mut var = env.into_var();
                    var.value = None;
                    changed.0.push(var);
                }
                Err(error) => return Err(changed.fail(error)),
            }
        }
        Ok(changed.0)
    }
}
