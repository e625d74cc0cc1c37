//! The Vercel store: the REST project env API of the project's `vercelProjectId`. Sensitive
//! vars are created with `type: "sensitive"` (Vercel itself never returns their values), the
//! others with `type: "encrypted"`.

use async_trait::async_trait;
use reqwest::Method;
use sajtmaskin_integrations::wire::{CreateEnvVars, DeleteEnvVars, EnvVar, UpdateEnvVars};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{time_text, EnvVarStore};
use crate::error::AppError;
use crate::projects::Project;
use crate::upstream::Upstream;

/// See the module docs.
pub struct VercelStore {
    api: Upstream,
    team_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VercelEnv {
    id: String,
    #[serde(default)]
    key: String,
    value: Option<String>,
    #[serde(default, rename = "type")]
    kind: String,
    created_at: Option<Value>,
    updated_at: Option<Value>,
}

impl VercelEnv {
    fn into_var(self) -> EnvVar {
        let sensitive = self.kind == "sensitive" || self.kind == "secret";
        EnvVar {
            value: if sensitive { None } else { self.value },
            sensitive,
            created_at: time_text(self.created_at.as_ref()),
            updated_at: time_text(self.updated_at.as_ref()),
            id: self.id,
            key: self.key,
        }
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

impl VercelStore {
    /// A store over the Vercel API; `teamId` sent when set.
    pub fn new(api: Upstream, team_id: Option<String>) -> Self {
        VercelStore { api, team_id }
    }

    fn request(
        &self,
        method: Method,
        project: &Project,
        suffix: &str,
        version: &str,
    ) -> Result<reqwest::RequestBuilder, AppError> {
        let Some(id) = &project.vercel_project_id else {
            return Err(AppError::Unprocessable {
                code: "project_not_linked",
                message: "the project has no vercelProjectId".into(),
            });
        };
        let request = self
            .api
            .request(method, &format!("/{version}/projects/{id}/env{suffix}"));
        Ok(match &self.team_id {
            Some(team) => request.query(&[("teamId", team)]),
            None => request,
        })
    }

    async fn envs(&self, project: &Project) -> Result<Vec<VercelEnv>, AppError> {
        let request = self
            .request(Method::GET, project, "", "v10")?
            .query(&[("decrypt", "true")]);
        Ok(self.api.json::<Envs>(request).await?.envs)
    }
}

#[async_trait]
impl EnvVarStore for VercelStore {
    async fn list(&self, project: &Project) -> Result<Vec<EnvVar>, AppError> {
        Ok(self
            .envs(project)
            .await?
            .into_iter()
            .map(VercelEnv::into_var)
            .collect())
    }

    async fn create(
        &self,
        project: &Project,
        request: CreateEnvVars,
    ) -> Result<Vec<EnvVar>, AppError> {
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
        let mut call = self.request(Method::POST, project, "", "v10")?.json(&body);
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
                AppError::Conflict {
                    code: "env_var_exists",
                    message: "Vercel: the variable already exists (use upsert)".into(),
                }
            } else {
                AppError::Unprocessable {
                    code: "upstream_rejected",
                    message: "Vercel rejected a variable".into(),
                }
            });
        }
        let list = match created.created {
            Some(Value::Array(items)) => items,
            Some(item @ Value::Object(_)) => vec![item],
            _ => Vec::new(),
        };
        list.into_iter()
            .map(|item| serde_json::from_value::<VercelEnv>(item).map(VercelEnv::into_var))
            .collect::<Result<_, _>>()
            .map_err(|_| AppError::Upstream {
                status: axum::http::StatusCode::BAD_GATEWAY,
                code: "upstream_error",
                message: "Vercel sent a body we could not read".into(),
                retry_after: None,
            })
    }

    async fn update(
        &self,
        project: &Project,
        request: UpdateEnvVars,
    ) -> Result<Vec<EnvVar>, AppError> {
        let mut out = Vec::with_capacity(request.vars.len());
        for var in request.vars {
            let call = self
                .request(Method::PATCH, project, &format!("/{}", var.id), "v9")?
                .json(&json!({"value": var.value}));
            out.push(self.api.json::<VercelEnv>(call).await?.into_var());
        }
        Ok(out)
    }

    async fn delete(
        &self,
        project: &Project,
        request: DeleteEnvVars,
    ) -> Result<Vec<EnvVar>, AppError> {
        let doomed: Vec<VercelEnv> = self
            .envs(project)
            .await?
            .into_iter()
            .filter(|e| request.selects(&e.id, &e.key))
            .collect();
        let mut out = Vec::with_capacity(doomed.len());
        for env in doomed {
            self.api
                .send(self.request(Method::DELETE, project, &format!("/{}", env.id), "v9")?)
                .await?;
            let mut var = env.into_var();
            var.value = None;
            out.push(var);
        }
        Ok(out)
    }
}
