//! Vercel's signed webhook events, each handled once.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use sajtmaskin_integrations::catalog::PROVIDERS;
use serde::Deserialize;
use serde_json::Value;
use sqlx::Row;

use super::sync::sync_provider;
use super::*;

#[derive(Deserialize)]
struct WebhookEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

/// `POST /api/webhooks/vercel`: Vercel's signed events (`x-vercel-signature`, hex HMAC-SHA1
/// of the raw body keyed with the client secret, compared in constant time). Each event id is
/// handled once; `integration-resource.project-connected` syncs the pending installs of the
/// projects linked to that Vercel project, `integration-configuration.removed` marks the
/// configuration's records `removed` and forgets its connections.
pub(super) async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let app = app(&state)?;
    let signature = headers
        .get("x-vercel-signature")
        .and_then(|v| v.to_str().ok())
        .and_then(|hex| decode_hex(hex.trim()))
        .ok_or(AppError::Unauthorized(
            "missing or malformed x-vercel-signature",
        ))?;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(app.client_secret.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    mac.update(&body);
    mac.verify_slice(&signature)
        .map_err(|_| AppError::Unauthorized("the webhook signature does not match"))?;
    let event: WebhookEvent = serde_json::from_slice(&body)
        .map_err(|_| AppError::bad_request("invalid_json", "the webhook body is not an event"))?;
    if event.id.is_empty() || event.id.len() > 256 {
        return Err(AppError::bad_request(
            "invalid_json",
            "the event has no usable id",
        ));
    }
    let first = crate::db::first_delivery(&state.db.pool, &event.id, &event.kind).await?;
    crate::metrics::METRICS
        .webhook_events
        .with_label_values(&["vercel", if first { "new" } else { "duplicate" }])
        .inc();
    if !first {
        return Ok((
            StatusCode::OK,
            Json(serde_json::json!({"ok": true, "duplicate": true})),
        )
            .into_response());
    }
    match event.kind.as_str() {
        "integration-resource.project-connected" => {
            let project = event
                .payload
                .pointer("/projectId")
                .or_else(|| event.payload.pointer("/project/id"))
                .and_then(Value::as_str);
            if let Some(vercel_project) = vercel_id(project) {
                sync_linked(&state, vercel_project).await?;
            }
        }
        "integration-configuration.removed" => {
            if let Some(configuration) = vercel_id(
                event
                    .payload
                    .pointer("/configuration/id")
                    .and_then(Value::as_str),
            ) {
                crate::integrations::mark_removed(&state.db.pool, configuration).await?;
                sqlx::query("DELETE FROM vercel_connections WHERE configuration_id = $1")
                    .bind(configuration)
                    .execute(&state.db.pool)
                    .await?;
            }
        }
        _ => {}
    }
    Ok((StatusCode::OK, Json(serde_json::json!({"ok": true}))).into_response())
}

/// Syncs every pending install of the local projects linked to `vercel_project`, each with
/// its owner's connection. A failing one becomes `error` with the failure's code as its reason
/// (a later sync can still install it); the others go on.
async fn sync_linked(state: &AppState, vercel_project: &str) -> Result<(), AppError> {
    let rows = sqlx::query("SELECT p.id AS project_id, u.user_id AS user_id, u.integration_type AS provider FROM projects p JOIN user_integrations u ON u.project_id = p.id AND u.user_id = p.owner_id WHERE p.linked_vercel_project_id = $1 AND u.status = 'pending'")
        .bind(vercel_project)
        .fetch_all(&state.db.pool)
        .await?;
    for row in rows {
        let (project_id, user, provider): (String, String, String) = (
            row.try_get("project_id")?,
            row.try_get("user_id")?,
            row.try_get("provider")?,
        );
        let Some(project) = crate::project::find_owned(&state.db.pool, &user, &project_id).await?
        else {
            continue;
        };
        let Some(entry) = PROVIDERS.iter().find(|p| p.id == provider) else {
            continue;
        };
        if let Err(error) = sync_provider(state, &user, &project, entry.id).await {
            // Nobody waits on a webhook's answer: the record says why instead.
            tracing::warn!(project = %project_id, provider = %provider, %error, "webhook sync failed");
            crate::integrations::mark_failed(
                &state.db.pool,
                &user,
                &project_id,
                entry.id,
                error.code(),
            )
            .await?;
        }
    }
    Ok(())
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
