//! Accepted tenants with dossier (TEN-1, TEN-2): a partner that accepted a prospect as tenant
//! ("Als Mieter akzeptieren", "Mieter ohne Vertrag") sends the tenant and the dossier's files.
//!
//! * `POST /v1/tenants` — `multipart/form-data` with the header `Idempotency-Key` (required):
//!   one part `tenant` (JSON: `unit_id`, `main_tenant`, `household`, `move_in`, `message`) and
//!   one part per file, named by its kind (`income_proof`, `credit_report`, `id_document`,
//!   `household`, `other`) with a file name. Files are streamed to immohub's dossier directory
//!   with their SHA-256, each at most [`DossierSettings::max_file_bytes`] (413 naming the part
//!   otherwise, and nothing is kept). The answer comes after the tenant is committed to the
//!   inbox: 201 new, 200 the same content again, 409 the key with other content, 422 naming
//!   the field.
//! * `GET /v1/tenants/{id}`, `GET /v1/tenants`: status, as for prospects.
//!
//! A connection without a technical ERP user accepts no tenants (404, GEN-3); an instance
//! without dossier directory none either (503).

use std::path::{Path, PathBuf};

use axum::Json;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use immohub_domain::tenant::{
    AcceptedTenant, DocumentKind, DossierDocument, MAX_DOCUMENTS, dossier_dir_name, safe_file_name,
};
use immohub_store::{InboxInsert, InboxItem, InboxKind, NewInboxItem, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::ApiState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params;
use crate::prospects::{
    ListQuery, ProspectStatus, has_technical_user, idempotency_key, invalid, separator,
};

/// Default largest dossier file: 100 MB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Largest `tenant` JSON part.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// Where the partner API keeps dossiers until they are written into the ERP.
#[derive(Debug, Clone)]
pub struct DossierSettings {
    /// immohub's dossier directory (below the data directory).
    pub dir: PathBuf,
    /// Largest file, bytes.
    pub max_file_bytes: u64,
}

/// The `tenant` part of `POST /v1/tenants` (shown for the documentation; the server validates
/// the JSON itself and names every field at fault).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantIn {
    /// The unit let, as the partner received it (composite ID of GEN-1).
    #[schema(example = "1.100.1.7")]
    pub unit_id: String,
    /// The main tenant (TEN-2): becomes the ERP's business partner. Fields as for a prospect
    /// (`salutation`, `first_name`, `surname`, `birth_date`, `email`, `phone`, `address`).
    #[schema(value_type = Object)]
    pub main_tenant: serde_json::Value,
    /// Further household members (`first_name`, `surname` required, `birth_date`,
    /// `relation`): they travel in the dossier, not as business partners.
    #[schema(value_type = Vec<Object>)]
    pub household: Option<Vec<serde_json::Value>>,
    /// Wished start of the lease, `YYYY-MM-DD`.
    #[schema(example = "2027-01-01", format = Date)]
    pub move_in: Option<String>,
    /// Remark for the staff.
    pub message: Option<String>,
}

/// A tenant and its status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantOut {
    /// immohub's ID (`GET /v1/tenants/{id}`).
    pub id: i64,
    /// The idempotency key it was sent with.
    pub idempotency_key: String,
    /// Status (as for prospects).
    pub status: ProspectStatus,
    /// German label of `status`.
    pub status_label: String,
    /// Row id in the ERP's `immohub_in_tenants`, once written.
    pub erp_id: Option<String>,
    /// German reason of a failure, or the last transient error while `received`.
    pub error: Option<String>,
    /// Rule ID of a failure.
    pub rule: Option<String>,
    /// Write attempts so far.
    pub attempts: i64,
    /// When immohub accepted it.
    pub received_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
    /// The tenant as accepted, with the stored documents (name, kind, size, SHA-256).
    #[schema(value_type = Object)]
    pub tenant: serde_json::Value,
}

impl From<InboxItem> for TenantOut {
    fn from(i: InboxItem) -> Self {
        TenantOut {
            id: i.id,
            idempotency_key: i.idempotency_key,
            status: i.status.into(),
            status_label: i.status.label_de().to_owned(),
            erp_id: i.erp_id,
            error: i.error,
            rule: i.rule,
            attempts: i.attempts,
            received_at: i.received_at,
            updated_at: i.updated_at,
            tenant: i.payload,
        }
    }
}

/// The connection's tenants, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantList {
    /// Tenants, newest first.
    pub tenants: Vec<TenantOut>,
}

/// Sends a tenant accepted at the partner, with the dossier (TEN-1, TEN-2).
#[utoipa::path(
    post,
    path = "/v1/tenants",
    operation_id = "tenant_create",
    tag = "tenants",
    params(("Idempotency-Key" = String, Header, description = "Your unique key of this tenant \
        (1–128 visible ASCII characters). Sending again with the same key and content is \
        safe.")),
    request_body(content_type = "multipart/form-data", description = "Part `tenant`: JSON \
        (TenantIn). One part per file, named `income_proof`, `credit_report`, `id_document`, \
        `household` or `other`, with a file name; each at most 100 MB by default."),
    responses(
        (status = 201, description = "Accepted with its dossier; written into the ERP shortly",
            body = TenantOut, headers(("Location" = String, description = "`/v1/tenants/{id}`"))),
        (status = 200, description = "Sent before with this key and the same content",
            body = TenantOut),
        (status = 400, description = "`Idempotency-Key` missing, no multipart body, or the \
            `tenant` part is no JSON", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "This connection accepts no tenants (no technical ERP \
            user, GEN-3)", body = ErrorBody),
        (status = 409, description = "The key was used before for different content",
            body = ErrorBody),
        (status = 413, description = "A file is larger than allowed; `field` names the part",
            body = ErrorBody),
        (status = 422, description = "A field or part cannot be accepted; `field` names the \
            first", body = ErrorBody),
        (status = 503, description = "This instance keeps no dossiers", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    accepts_tenants(&caller)?;
    let Some(settings) = state.dossiers.clone() else {
        return Err(ApiError::unavailable(
            "Diese immohub-Instanz nimmt keine Mieter mit Unterlagen an (kein \
             Dossier-Verzeichnis konfiguriert)",
            "this immohub instance accepts no tenants with documents (no dossier directory \
             configured)",
        ));
    };
    let key = idempotency_key(&headers)?.to_owned();
    let multipart = multipart.map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("multipart/form-data erwartet: {e}"),
            format!("multipart/form-data expected: {e}"),
        )
    })?;
    let staging = settings
        .dir
        .join(".staging")
        .join(hex::encode(rand_bytes()));
    tokio::fs::create_dir_all(&staging)
        .await
        .map_err(ApiError::internal)?;
    let result = receive(&state, &caller, &settings, &staging, &key, multipart).await;
    // Whatever happened, the staging directory goes (on success it was renamed).
    if let Err(e) = tokio::fs::remove_dir_all(&staging).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %staging.display(), error = %e, "Zwischenablage nicht entfernt");
    }
    result
}

fn rand_bytes() -> [u8; 16] {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

async fn receive(
    state: &ApiState,
    caller: &Caller,
    settings: &DossierSettings,
    staging: &Path,
    key: &str,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let mut json: Option<serde_json::Value> = None;
    let mut documents: Vec<DossierDocument> = Vec::new();
    loop {
        let field = multipart.next_field().await.map_err(|e| {
            ApiError::bad_request(
                "body",
                format!("Multipart-Inhalt unlesbar oder abgebrochen: {e}"),
                format!("multipart body unreadable or cut off: {e}"),
            )
        })?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "tenant" {
            if json.is_some() {
                return Err(ApiError::unprocessable(
                    "tenant",
                    "der Teil „tenant“ kommt mehrfach vor",
                    "the part \"tenant\" occurs more than once",
                ));
            }
            json = Some(read_json(field).await?);
            continue;
        }
        let Some(kind) = DocumentKind::parse(&name) else {
            return Err(ApiError::unprocessable(
                name.clone(),
                format!(
                    "unbekannter Teil „{name}“: erwartet „tenant“ oder eine Dateiart ({})",
                    DocumentKind::names()
                ),
                format!(
                    "unknown part \"{name}\": expected \"tenant\" or a document kind ({})",
                    DocumentKind::names()
                ),
            ));
        };
        if documents.len() >= MAX_DOCUMENTS {
            return Err(ApiError::unprocessable(
                name,
                format!("höchstens {MAX_DOCUMENTS} Dateien je Mieter"),
                format!("at most {MAX_DOCUMENTS} files per tenant"),
            ));
        }
        let Some(raw_name) = field.file_name().map(str::to_owned) else {
            return Err(ApiError::unprocessable(
                name,
                "Datei ohne Dateinamen (filename im Content-Disposition fehlt)",
                "file without a file name (filename missing in Content-Disposition)",
            ));
        };
        let file_name = safe_file_name(&raw_name);
        let stored_name = format!("{:02}-{file_name}", documents.len() + 1);
        let content_type = field.content_type().map(str::to_owned);
        let (size, sha256) = store_file(
            field,
            &staging.join(&stored_name),
            settings.max_file_bytes,
            &name,
            &file_name,
        )
        .await?;
        documents.push(DossierDocument {
            kind,
            file_name,
            stored_name,
            content_type,
            size,
            sha256,
        });
    }
    let Some(json) = json else {
        return Err(ApiError::unprocessable(
            "tenant",
            "der Teil „tenant“ (JSON mit Einheit und Hauptmieter) fehlt",
            "the part \"tenant\" (JSON with unit and main tenant) is missing",
        ));
    };
    let separator = separator(caller)?;
    let today = Utc::now().with_timezone(&Berlin).date_naive();
    let tenant = AcceptedTenant::from_json(
        &json,
        separator,
        &caller.connection.clients,
        today,
        documents,
    )
    .map_err(invalid)?;
    let payload = serde_json::to_value(&tenant).map_err(ApiError::internal)?;
    let hash = tenant.content_hash();
    let connection = caller.name();

    // Known key: the same content is the same tenant, other content a conflict.
    if let Some(existing) = state
        .store
        .inbox_by_key(connection, InboxKind::Tenant, key)
        .await?
    {
        if existing.payload_hash == hash {
            return Ok((StatusCode::OK, Json(TenantOut::from(existing))).into_response());
        }
        return Err(reused(key));
    }
    // New: the files go to their final place first, then the item is committed, so an item
    // never exists without its files.
    let target = settings.dir.join(dossier_dir_name(connection, key));
    if tokio::fs::metadata(&target).await.is_ok() {
        // Left by an attempt that failed before its commit.
        tokio::fs::remove_dir_all(&target)
            .await
            .map_err(ApiError::internal)?;
    }
    tokio::fs::rename(staging, &target).await.map_err(|e| {
        tracing::warn!(error = %e, "Dossier nicht übernommen");
        ApiError::conflict(
            "Dieser Mieter wird gerade mit demselben Schlüssel übermittelt; bitte später \
             erneut senden",
            "this tenant is being sent with the same key right now; please send again later",
        )
    })?;
    let item = NewInboxItem {
        connection: connection.to_owned(),
        kind: InboxKind::Tenant,
        idempotency_key: key.to_owned(),
        source: "api".to_owned(),
        payload,
        payload_hash: hash,
        received_at: Utc::now(),
    };
    match state.store.insert_inbox(&item).await {
        Ok(InboxInsert::Created(item)) => {
            tracing::info!(id = item.id, "Mieter ohne Vertrag angenommen");
            let location = format!("/v1/tenants/{}", item.id);
            let mut response = (StatusCode::CREATED, Json(TenantOut::from(item))).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            Ok(response)
        }
        Ok(InboxInsert::Existing(item)) => {
            Ok((StatusCode::OK, Json(TenantOut::from(item))).into_response())
        }
        Err(StoreError::Conflict(_)) => Err(reused(key)),
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&target).await;
            Err(e.into())
        }
    }
}

fn reused(key: &str) -> ApiError {
    ApiError::conflict(
        format!(
            "Der Idempotenzschlüssel „{key}“ wurde bereits für einen anderen Mieter oder andere \
             Unterlagen verwendet; für einen neuen Mieter bitte einen neuen Schlüssel senden"
        ),
        format!(
            "the idempotency key \"{key}\" was used before for a different tenant or other \
             documents; send a new key for a new tenant"
        ),
    )
}

async fn read_json(mut field: Field<'_>) -> Result<serde_json::Value, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        ApiError::bad_request(
            "tenant",
            format!("Teil „tenant“ abgebrochen: {e}"),
            format!("part \"tenant\" cut off: {e}"),
        )
    })? {
        if buf.len() + chunk.len() > MAX_JSON_BYTES {
            return Err(ApiError::too_large(
                "tenant",
                format!(
                    "der Teil „tenant“ ist größer als {} KB",
                    MAX_JSON_BYTES / 1024
                ),
                format!(
                    "the part \"tenant\" is larger than {} KB",
                    MAX_JSON_BYTES / 1024
                ),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&buf).map_err(|e| {
        ApiError::bad_request(
            "tenant",
            format!("der Teil „tenant“ ist kein gültiges JSON: {e}"),
            format!("the part \"tenant\" is not valid JSON: {e}"),
        )
    })
}

/// Streams one file part to `path` with bounded memory; returns its size and SHA-256.
async fn store_file(
    mut field: Field<'_>,
    path: &Path,
    limit: u64,
    part: &str,
    file_name: &str,
) -> Result<(u64, String), ApiError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        ApiError::bad_request(
            part.to_owned(),
            format!("Datei „{file_name}“ abgebrochen: {e}"),
            format!("file \"{file_name}\" cut off: {e}"),
        )
    })? {
        size += chunk.len() as u64;
        if size > limit {
            let mb = limit.div_ceil(1024 * 1024);
            return Err(ApiError::too_large(
                part.to_owned(),
                format!("Datei „{file_name}“ ist größer als {mb} MB"),
                format!("file \"{file_name}\" is larger than {mb} MB"),
            ));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    file.sync_all().await.map_err(ApiError::internal)?;
    Ok((size, hex::encode(hasher.finalize())))
}

/// The status of one tenant.
#[utoipa::path(
    get,
    path = "/v1/tenants/{id}",
    operation_id = "tenant_status",
    tag = "tenants",
    params(("id" = i64, Path, description = "immohub's ID of the tenant")),
    responses(
        (status = 200, description = "The tenant and its status", body = TenantOut),
        (status = 400, description = "The ID is no number", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "No such tenant of this connection", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<UrlPath<String>, PathRejection>,
) -> Result<Json<TenantOut>, ApiError> {
    let UrlPath(raw) = path.map_err(params::path_error)?;
    let item = crate::prospects::inbox_item(&state, &caller, &raw, InboxKind::Tenant).await?;
    Ok(Json(item.into()))
}

/// The connection's tenants, newest first.
#[utoipa::path(
    get,
    path = "/v1/tenants",
    operation_id = "tenant_list",
    tag = "tenants",
    params(ListQuery),
    responses(
        (status = 200, description = "Tenants, newest first", body = TenantList),
        (status = 400, description = "Invalid `status` or `limit`", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<TenantList>, ApiError> {
    let Query(query) = query.map_err(params::query_error)?;
    let limit = params::limit(query.limit.as_deref())?;
    let status = crate::prospects::status_filter(query.status.as_deref())?;
    let items = state
        .store
        .inbox_items(caller.name(), InboxKind::Tenant, status, limit)
        .await?;
    Ok(Json(TenantList {
        tenants: items.into_iter().map(TenantOut::from).collect(),
    }))
}

/// A connection accepts tenants only with a technical ERP user (GEN-3).
fn accepts_tenants(caller: &Caller) -> Result<(), ApiError> {
    match has_technical_user(caller) {
        true => Ok(()),
        false => Err(ApiError::not_found(
            "Diese Verbindung nimmt keine Mieter an: für sie ist kein technischer ERP-Benutzer \
             (technical_user) konfiguriert (GEN-3)",
            "this connection accepts no tenants: it has no technical ERP user \
             (technical_user) configured (GEN-3)",
        )),
    }
}
