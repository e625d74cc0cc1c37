//! Completing a Marketplace install: the provider's env vars on the linked Vercel project (read
//! with the user's token) move its install record `pending → installed`.

use axum::extract::State;
use axum::Json;
use reqwest::Method;
use sajtmaskin_integrations::catalog::{Kind, PROVIDERS};
use sajtmaskin_integrations::wire::{CreateEnvVars, NewEnvVar};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::connect::require_connection;
use super::*;
use crate::auth::User;
use crate::integrations::RecordKey;
use crate::json::PathParams;
use crate::projects::OwnedProject;

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct VercelEnv {
    #[serde(default)]
    id: String,
    key: String,
    #[serde(default)]
    value: Option<String>,
    /// Whether `value` is plaintext; otherwise it is Vercel's encrypted form, never copied.
    #[serde(default)]
    decrypted: Option<bool>,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    target: Value,
    #[serde(default)]
    configuration_id: Option<String>,
    #[serde(default)]
    content_hint: Option<Value>,
}

#[derive(Deserialize)]
struct Envs {
    #[serde(default)]
    envs: Vec<VercelEnv>,
}

/// Keys a provider's Marketplace install writes, by name; users may add a prefix
/// (`cache_KV_REST_API_URL`), so a key matches by suffix. Keys that tell providers apart come
/// first in each list; see [`detect`].
fn provider_keys(provider: &str) -> Vec<&'static str> {
    let listed: &[&str] = match provider {
        "neon" => &[
            "DATABASE_URL",
            "DATABASE_URL_UNPOOLED",
            "PGHOST",
            "PGHOST_UNPOOLED",
            "PGUSER",
            "PGDATABASE",
            "PGPASSWORD",
            "NEON_PROJECT_ID",
        ],
        "supabase" => &[
            "SUPABASE_URL",
            "NEXT_PUBLIC_SUPABASE_URL",
            "SUPABASE_ANON_KEY",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "SUPABASE_PUBLISHABLE_KEY",
            "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "SUPABASE_SECRET_KEY",
            "SUPABASE_JWT_SECRET",
        ],
        "upstash" => &[
            "KV_REST_API_URL",
            "KV_REST_API_TOKEN",
            "KV_REST_API_READ_ONLY_TOKEN",
            "KV_URL",
            "REDIS_URL",
            "UPSTASH_REDIS_REST_URL",
            "UPSTASH_REDIS_REST_TOKEN",
        ],
        _ => &[],
    };
    let mut keys = listed.to_vec();
    if let Some(entry) = PROVIDERS.iter().find(|p| p.id == provider) {
        for key in entry.env_vars {
            if !keys.contains(key) {
                keys.push(key);
            }
        }
    }
    keys
}

fn key_matches(key: &str, wanted: &str) -> bool {
    key == wanted
        || key
            .strip_suffix(wanted)
            .is_some_and(|prefix| prefix.ends_with('_'))
}

/// The envs a provider's install wrote: those whose key is one of the provider's, and every
/// env of the same Marketplace configuration (which brings in shared names such as
/// `POSTGRES_URL` without mistaking another provider's for this one's).
fn detect<'a>(provider: &str, envs: &'a [VercelEnv]) -> Vec<&'a VercelEnv> {
    let keys = provider_keys(provider);
    let named: Vec<&VercelEnv> = envs
        .iter()
        .filter(|e| keys.iter().any(|k| key_matches(&e.key, k)))
        .collect();
    let configurations: Vec<&str> = named
        .iter()
        .filter_map(|e| e.configuration_id.as_deref())
        .collect();
    envs.iter()
        .filter(|e| {
            named.iter().any(|n| std::ptr::eq(*n, *e))
                || e.configuration_id
                    .as_deref()
                    .is_some_and(|c| configurations.contains(&c))
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SyncAnswer {
    record: crate::integrations::Record,
    /// Keys whose values were copied into the project's env store (as sensitive).
    copied: Vec<String>,
    /// Keys Vercel will not reveal (type `sensitive`): set on Vercel, not copied.
    not_copied: Vec<String>,
}

/// `POST /api/projects/{id}/integrations/{provider}/sync`: reads the linked Vercel project's
/// env with the caller's token and moves the provider's install record `pending → installed`
/// when its keys are there.
pub(super) async fn sync(
    State(state): State<AppState>,
    OwnedProject(project, User(user)): OwnedProject,
    PathParams(path): PathParams<SyncPath>,
) -> Result<Json<SyncAnswer>, AppError> {
    let provider = PROVIDERS
        .iter()
        .find(|p| p.kind == Kind::Integration && p.id == path.provider)
        .ok_or(AppError::NotFound("integration"))?;
    state.limits.spend_upstream(&user).await?;
    Ok(Json(
        sync_provider(&state, &user, &project, provider.id).await?,
    ))
}

#[derive(Deserialize)]
pub(super) struct SyncPath {
    provider: String,
}

pub(super) async fn sync_provider(
    state: &AppState,
    user: &str,
    project: &crate::project::Project,
    provider: &'static str,
) -> Result<SyncAnswer, AppError> {
    let Some(vercel_project) = project.linked_vercel_project_id.as_deref() else {
        return Err(AppError::Unprocessable {
            code: "project_not_linked",
            message: "link the project to a Vercel project first".into(),
        });
    };
    let (_, api) = require_connection(state, user).await?;
    let mut envs: Envs = api
        .json(api.request(Method::GET, &["v10", "projects", vercel_project, "env"]))
        .await?;
    // The provider's readable values, read back decrypted one by one (`getProjectEnv`; the
    // listing's `decrypt` parameter is deprecated).
    let wanted: Vec<String> = detect(provider, &envs.envs)
        .iter()
        .filter(|e| e.kind != "sensitive")
        .filter(|e| {
            crate::stores::plaintext(e.value.clone(), e.decrypted, e.kind == "plain").is_none()
        })
        .map(|e| e.id.clone())
        .collect();
    let values = futures_util::future::try_join_all(
        wanted
            .iter()
            .map(|id| crate::stores::vercel::decrypted_value(&api, vercel_project, id)),
    )
    .await?;
    for (id, value) in wanted.iter().zip(values) {
        if let Some(env) = envs.envs.iter_mut().find(|e| &e.id == id) {
            env.decrypted = Some(value.is_some());
            env.value = value;
        }
    }
    let found = detect(provider, &envs.envs);
    let keys: Vec<RecordKey> = found
        .iter()
        .map(|e| RecordKey {
            key: e.key.clone(),
            target: e
                .target
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            hint: e
                .content_hint
                .as_ref()
                .and_then(|h| h.get("type"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect();
    let configuration = found
        .iter()
        .find_map(|e| e.configuration_id.as_deref())
        .and_then(|c| vercel_id(Some(c)));
    let (mut copied, mut not_copied) = (Vec::new(), Vec::new());
    if !found.is_empty() && !state.store_kind.on_vercel() {
        let mut vars = Vec::new();
        for env in &found {
            let readable =
                crate::stores::plaintext(env.value.clone(), env.decrypted, env.kind == "plain")
                    .filter(|_| env.kind != "sensitive");
            match readable {
                Some(value) => vars.push(NewEnvVar {
                    key: env.key.clone(),
                    value,
                    sensitive: true,
                }),
                None => not_copied.push(env.key.clone()),
            }
        }
        let keyed: Vec<NewEnvVar> = vars
            .into_iter()
            .filter(|v| sajtmaskin_integrations::wire::is_env_key(&v.key))
            .collect();
        if !keyed.is_empty() {
            copied = keyed.iter().map(|v| v.key.clone()).collect();
            let request = CreateEnvVars {
                vars: keyed,
                upsert: true,
            };
            request.validate()?;
            crate::vercel::project_store(state, user)
                .await?
                .create(project, request)
                .await?;
        }
    } else {
        not_copied = found.iter().map(|e| e.key.clone()).collect();
    }
    let record = crate::integrations::record_install(
        &state.db.pool,
        user,
        &project.id,
        provider,
        (!found.is_empty()).then_some(crate::integrations::Installed {
            keys: &keys,
            marketplace_id: configuration,
        }),
    )
    .await?;
    Ok(SyncAnswer {
        record,
        copied,
        not_copied,
    })
}
