//! Webhook endpoints and dead letters (GEN-11, GEN-12): a partner registers where immohub pushes
//! its changes, rotates the signing secret, and sees and retries what could not be delivered.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use immohub_domain::profile::FeedKind;
use immohub_engine::webhooks::{self, WebhookAdminError};
use immohub_store::{DeadLetter, DeadLetterFilter, DeadLetterStatus, NewEndpoint, WebhookEndpoint};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ApiError, ApiState, Caller, params};

/// Longest overlap of a secret rotation.
const MAX_OVERLAP_HOURS: i64 = 7 * 24;

/// Registration of a webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where immohub POSTs the changes (`https://…`; `http://` only for tests and local networks).
    #[schema(example = "https://partner.example/hooks/immohub")]
    pub url: String,
    /// Feeds to deliver (e.g. `["units", "tenants"]`); empty or missing: every feed of the
    /// connection's profile.
    #[serde(default)]
    pub feeds: Vec<String>,
    /// Free text for the partner's own bookkeeping.
    #[serde(default)]
    pub description: Option<String>,
    /// `beginning` (default): the whole feed from its start, so the partner gets every record;
    /// `now`: only changes from now on.
    #[serde(default)]
    pub start: Option<String>,
}

/// A webhook endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookOut {
    /// Endpoint ID.
    pub id: i64,
    /// Delivery URL.
    pub url: String,
    /// Feeds delivered (empty: all).
    pub feeds: Vec<String>,
    /// Free text.
    pub description: Option<String>,
    /// Whether deliveries go out.
    pub enabled: bool,
    /// Why it was switched off (e.g. the endpoint answered 410 Gone).
    pub disabled_reason: Option<String>,
    /// Highest feed position delivered (or given up on).
    pub delivered_seq: i64,
    /// Failed attempts of the change at the head of the queue.
    pub failed_attempts: i32,
    /// Next attempt not before (after a failure).
    pub next_attempt_at: DateTime<Utc>,
    /// Last error at this endpoint (German).
    pub last_error: Option<String>,
    /// During a secret rotation: until when the previous secret signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
}

impl From<WebhookEndpoint> for WebhookOut {
    fn from(e: WebhookEndpoint) -> Self {
        WebhookOut {
            id: e.id,
            url: e.url,
            feeds: e.feeds.iter().map(|f| f.to_string()).collect(),
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            delivered_seq: e.cursor,
            failed_attempts: e.attempts,
            next_attempt_at: e.next_attempt_at,
            last_error: e.last_error,
            previous_secret_until: e.previous_secret_until,
            created_at: e.created_at,
        }
    }
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookOut,
    /// Signing secret (`whsec_…`, Standard Webhooks). Store it now: it is never shown again.
    pub secret: String,
}

/// Endpoints of the connection.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    /// Endpoints by ID.
    pub items: Vec<WebhookOut>,
}

/// Secret rotation request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Hours during which the previous secret signs too (0–168, default 24).
    #[serde(default)]
    pub overlap_hours: Option<i64>,
}

/// The new secret after a rotation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RotateResponse {
    /// New signing secret (`whsec_…`), shown this once.
    pub secret: String,
    /// Until then deliveries carry signatures by both secrets.
    pub previous_valid_until: DateTime<Utc>,
}

/// A change that could not be delivered.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadLetterOut {
    /// Dead-letter ID (to retry it).
    pub id: i64,
    /// The endpoint.
    pub webhook_id: i64,
    /// Feed position of the change.
    pub seq: i64,
    /// Feed.
    pub feed: String,
    /// Record ID (GEN-1).
    pub record_id: String,
    /// Record version.
    pub version: i64,
    /// `webhook-id` of the message.
    pub message_id: String,
    /// Attempts made.
    pub attempts: i32,
    /// Last HTTP status, if an answer came.
    pub last_status: Option<i32>,
    /// Why it was given up (German).
    pub error: String,
    /// `open`, `queued`, `delivered`, `superseded`.
    pub status: String,
    /// Given up at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<DeadLetter> for DeadLetterOut {
    fn from(d: DeadLetter) -> Self {
        DeadLetterOut {
            id: d.id,
            webhook_id: d.endpoint_id,
            seq: d.seq,
            feed: d.feed.to_string(),
            record_id: d.partner_id,
            version: d.version,
            message_id: d.message_id,
            attempts: d.attempts,
            last_status: d.last_status,
            error: d.error,
            status: d.status.as_str().to_owned(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Dead letters, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadLetterList {
    /// Entries.
    pub items: Vec<DeadLetterOut>,
}

/// Filter of the dead-letter list.
#[derive(Debug, Deserialize)]
pub struct DeadLetterQuery {
    webhook_id: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

fn vault(state: &ApiState) -> Result<&dyn immohub_engine::Vault, ApiError> {
    state
        .vault
        .as_deref()
        .ok_or_else(|| ApiError::internal("kein Tresor für Webhook-Geheimnisse konfiguriert"))
}

fn admin_error(e: WebhookAdminError) -> ApiError {
    match e {
        WebhookAdminError::BadUrl(url) => ApiError::bad_request(
            "url",
            format!("„{url}“ ist keine gültige http(s)-URL mit Host (ohne Zugangsdaten)"),
            format!("\"{url}\" is not a valid http(s) URL with a host (without credentials)"),
        ),
        WebhookAdminError::Unknown(id) => unknown(id),
        WebhookAdminError::Store(e) => e.into(),
        other => ApiError::internal(other),
    }
}

fn unknown(id: i64) -> ApiError {
    ApiError::not_found(
        format!("Webhook {id} gibt es für diese Verbindung nicht"),
        format!("webhook {id} does not exist for this connection"),
    )
}

fn id_param(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(raw) = path.map_err(params::path_error)?;
    raw.parse().map_err(|_| {
        ApiError::bad_request(
            "id",
            format!("„{raw}“ ist keine Nummer"),
            format!("\"{raw}\" is not a number"),
        )
    })
}

async fn own(state: &ApiState, caller: &Caller, id: i64) -> Result<WebhookEndpoint, ApiError> {
    state
        .store
        .endpoint(id)
        .await?
        .filter(|e| e.connection == caller.name())
        .ok_or_else(|| unknown(id))
}

fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes, what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("{what}: ungültiges JSON ({e})"),
            format!("{what}: invalid JSON ({e})"),
        )
    })
}

/// Registers a webhook endpoint; the answer carries its signing secret, once.
#[utoipa::path(
    post,
    path = "/v1/webhooks",
    operation_id = "create_webhook",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered; store the secret now", body = WebhookCreated),
        (status = 400, description = "Invalid URL, feed or start", body = crate::ErrorBody),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    bytes: Bytes,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    let req: NewWebhook = body(&bytes, "Webhook")?;
    let mut feeds: Vec<FeedKind> = Vec::new();
    for f in &req.feeds {
        let feed = caller.feed(f).map_err(|_| {
            ApiError::bad_request(
                "feeds",
                format!("Feed „{f}“ gibt es für diese Verbindung nicht"),
                format!("feed \"{f}\" does not exist for this connection"),
            )
        })?;
        if !feeds.contains(&feed) {
            feeds.push(feed);
        }
    }
    let from_now = match req.start.as_deref() {
        None | Some("beginning") => false,
        Some("now") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "start",
                format!("„{other}“: erlaubt sind „beginning“ und „now“"),
                format!("\"{other}\": allowed are \"beginning\" and \"now\""),
            ));
        }
    };
    let (endpoint, secret) = webhooks::register(
        &state.store,
        vault(&state)?,
        &NewEndpoint {
            connection: caller.name().to_owned(),
            url: req.url.trim().to_owned(),
            feeds,
            description: req.description,
            from_now,
        },
    )
    .await
    .map_err(admin_error)?;
    tracing::info!(endpoint = endpoint.id, "Webhook registriert");
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            endpoint: endpoint.into(),
            secret: secret.expose_secret().to_owned(),
        }),
    ))
}

/// The connection's webhook endpoints (without secrets).
#[utoipa::path(
    get,
    path = "/v1/webhooks",
    operation_id = "list_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "Endpoints", body = WebhookList),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<WebhookList>, ApiError> {
    let items = state.store.endpoints(Some(caller.name())).await?;
    Ok(Json(WebhookList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One endpoint with its delivery state.
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    operation_id = "get_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint ID")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookOut),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
        (status = 404, description = "No such endpoint for this connection", body = crate::ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<WebhookOut>, ApiError> {
    let id = id_param(path)?;
    Ok(Json(own(&state, &caller, id).await?.into()))
}

/// Deletes an endpoint and its secrets and dead letters.
#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    operation_id = "delete_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint ID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
        (status = 404, description = "No such endpoint for this connection", body = crate::ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id_param(path)?;
    webhooks::remove(&state.store, vault(&state)?, caller.name(), id)
        .await
        .map_err(admin_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Switches an endpoint on again (e.g. after a 410) and clears its backoff.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/enable",
    operation_id = "enable_webhook",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint ID")),
    responses(
        (status = 200, description = "Enabled", body = WebhookOut),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
        (status = 404, description = "No such endpoint for this connection", body = crate::ErrorBody),
    )
)]
pub async fn enable(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<WebhookOut>, ApiError> {
    let id = id_param(path)?;
    own(&state, &caller, id).await?;
    state
        .store
        .set_endpoint_enabled(caller.name(), id, true, None)
        .await?;
    Ok(Json(own(&state, &caller, id).await?.into()))
}

/// Rotates the signing secret. Until `previous_valid_until`, deliveries carry signatures by the
/// old and the new secret, so the partner can switch without losing a delivery.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/rotate-secret",
    operation_id = "rotate_webhook_secret",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint ID")),
    request_body = RotateRequest,
    responses(
        (status = 200, description = "New secret, shown once", body = RotateResponse),
        (status = 400, description = "Invalid overlap", body = crate::ErrorBody),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
        (status = 404, description = "No such endpoint for this connection", body = crate::ErrorBody),
    )
)]
pub async fn rotate(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    bytes: Bytes,
) -> Result<Json<RotateResponse>, ApiError> {
    let id = id_param(path)?;
    let req: RotateRequest = if bytes.is_empty() {
        RotateRequest::default()
    } else {
        body(&bytes, "Rotation")?
    };
    let hours = req.overlap_hours.unwrap_or(24);
    if !(0..=MAX_OVERLAP_HOURS).contains(&hours) {
        return Err(ApiError::bad_request(
            "overlap_hours",
            format!("{hours}: erlaubt sind 0 bis {MAX_OVERLAP_HOURS} Stunden"),
            format!("{hours}: allowed are 0 to {MAX_OVERLAP_HOURS} hours"),
        ));
    }
    // Whole microseconds: the store keeps no finer times, and both answers must agree.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let overlap = chrono::Duration::hours(hours);
    let secret = webhooks::rotate_secret(
        &state.store,
        vault(&state)?,
        caller.name(),
        id,
        overlap,
        now,
    )
    .await
    .map_err(admin_error)?;
    Ok(Json(RotateResponse {
        secret: secret.expose_secret().to_owned(),
        previous_valid_until: now + overlap,
    }))
}

/// Changes that could not be delivered (GEN-12), newest first.
#[utoipa::path(
    get,
    path = "/v1/dead-letters",
    operation_id = "list_dead_letters",
    tag = "webhooks",
    params(
        ("webhook_id" = Option<i64>, Query, description = "Only this endpoint"),
        ("status" = Option<String>, Query, description = "`open`, `queued`, `delivered`, `superseded`"),
        ("limit" = Option<u32>, Query, description = "At most this many (default 100)"),
    ),
    responses(
        (status = 200, description = "Dead letters", body = DeadLetterList),
        (status = 400, description = "Invalid filter", body = crate::ErrorBody),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
    )
)]
pub async fn dead_letters(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<DeadLetterQuery>, QueryRejection>,
) -> Result<Json<DeadLetterList>, ApiError> {
    let Query(q) = query.map_err(params::query_error)?;
    let endpoint_id = match q.webhook_id.as_deref() {
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ApiError::bad_request(
                "webhook_id",
                format!("„{raw}“ ist keine Nummer"),
                format!("\"{raw}\" is not a number"),
            )
        })?),
        None => None,
    };
    let status = match q.status.as_deref() {
        Some(raw) => Some(DeadLetterStatus::parse(raw).ok_or_else(|| {
            ApiError::bad_request(
                "status",
                format!("„{raw}“: erlaubt sind open, queued, delivered, superseded"),
                format!("\"{raw}\": allowed are open, queued, delivered, superseded"),
            )
        })?),
        None => None,
    };
    let limit = params::limit(q.limit.as_deref())?;
    let items = state
        .store
        .dead_letters(&DeadLetterFilter {
            connection: Some(caller.name().to_owned()),
            endpoint_id,
            status,
            limit,
        })
        .await?;
    Ok(Json(DeadLetterList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Queues a dead letter for another delivery attempt. A change that a newer version of the same
/// record has overtaken is not sent again (status `superseded`).
#[utoipa::path(
    post,
    path = "/v1/dead-letters/{id}/retry",
    operation_id = "retry_dead_letter",
    tag = "webhooks",
    params(("id" = i64, Path, description = "Dead-letter ID")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "API key missing or invalid", body = crate::ErrorBody),
        (status = 404, description = "No open dead letter with this ID", body = crate::ErrorBody),
    )
)]
pub async fn retry(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id_param(path)?;
    if state.store.retry_dead_letter(caller.name(), id).await? {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(ApiError::not_found(
            format!("kein offenes Dead Letter {id} für diese Verbindung"),
            format!("no open dead letter {id} for this connection"),
        ))
    }
}
