//! Prospects (PRO-1, PRO-2): a partner sends prospects for units in; immohub keeps each in its
//! inbox before answering and writes it into the ERP with the partner's technical user (GEN-3).
//!
//! * `POST /v1/prospects` with the header `Idempotency-Key` (required): the same key with the
//!   same content is the same prospect (200 with its status), the same key with other content is
//!   refused (409), a new key creates it (201, `Location: /v1/prospects/{id}`). The answer comes
//!   after the prospect is committed: nothing accepted is lost (GEN-11).
//! * `GET /v1/prospects/{id}`: its status — received, written into the ERP (with the ERP id),
//!   failed (with the reason), or given up.
//! * `GET /v1/prospects?status=&limit=`: the connection's prospects, newest first.
//!
//! A key sees only its own connection's prospects. A connection without a technical ERP user
//! accepts none (404), so nothing is accepted that could not be written.

use std::borrow::Cow;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use immohub_domain::Separator;
use immohub_domain::prospect::{InvalidField, Prospect};
use immohub_store::{InboxInsert, InboxItem, InboxKind, InboxStatus, NewInboxItem, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params;

/// The request header carrying the partner's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Longest idempotency key.
pub const IDEMPOTENCY_KEY_MAX: usize = 128;

/// A prospect as a partner sends it (PRO-1). Text is trimmed; blank text counts as missing.
/// Unknown fields are refused.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProspectIn {
    /// The unit applied for, as the partner received it: the composite ID of GEN-1
    /// (`client.property.building.unit` with the connection's separator). Its client must be
    /// released for the connection (GEN-2).
    #[schema(example = "1.100.1.7", max_length = 100)]
    pub unit_id: String,
    /// Salutation: `Frau`, `Herr`, …
    #[schema(example = "Frau", max_length = 30)]
    pub salutation: Option<String>,
    /// First name(s).
    #[schema(example = "Erika", max_length = 100)]
    pub first_name: Option<String>,
    /// Surname (required).
    #[schema(example = "Mustermann", max_length = 100)]
    pub surname: String,
    /// Date of birth, `YYYY-MM-DD`, in the past.
    #[schema(example = "1985-02-28", format = Date)]
    pub birth_date: Option<String>,
    /// E-mail address (this or `phone` is required).
    #[schema(example = "erika.mustermann@example.org", max_length = 200)]
    pub email: Option<String>,
    /// Phone number: digits (at least five) and `+ - / ( ) .` and spaces.
    #[schema(example = "+49 40 1234567", max_length = 40)]
    pub phone: Option<String>,
    /// Current postal address.
    pub address: Option<AddressIn>,
    /// Message to the landlord; line breaks are kept.
    #[schema(max_length = 4000)]
    pub message: Option<String>,
}

/// A prospect's postal address; `street`, `postal_code` and `city` are required when an
/// address is given.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressIn {
    /// Street without house number.
    #[schema(example = "Elbchaussee", max_length = 100)]
    pub street: String,
    /// House number with suffix.
    #[schema(example = "12a", max_length = 20)]
    pub house_no: Option<String>,
    /// Postal code: five digits in Germany.
    #[schema(example = "22763", max_length = 10)]
    pub postal_code: String,
    /// City.
    #[schema(example = "Hamburg", max_length = 100)]
    pub city: String,
    /// ISO 3166-1 alpha-2 country code; default `DE`.
    #[schema(example = "DE", min_length = 2, max_length = 2)]
    pub country: Option<String>,
}

/// Where a prospect stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProspectStatus {
    /// Accepted, waiting to be written into the ERP (also while a transient ERP error is
    /// retried: see `error` and `next_attempt_at`).
    Received,
    /// Written into the ERP's interface table; `erp_id` is the ERP's row id.
    Written,
    /// Not written because of its content (e.g. unknown unit); `error` and `rule` say why.
    Failed,
    /// Given up after repeated ERP errors; staff see it in the protocol.
    Dead,
    /// The duplicate check (PRO-3) is unsure whether the prospect is an existing person:
    /// staff decide in the review list, then it is written.
    Review,
}

impl From<InboxStatus> for ProspectStatus {
    fn from(s: InboxStatus) -> Self {
        match s {
            InboxStatus::Received => ProspectStatus::Received,
            InboxStatus::Written => ProspectStatus::Written,
            InboxStatus::Failed => ProspectStatus::Failed,
            InboxStatus::Dead => ProspectStatus::Dead,
            InboxStatus::Review => ProspectStatus::Review,
        }
    }
}

/// A prospect and its status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProspectOut {
    /// immohub's ID of the prospect (`GET /v1/prospects/{id}`).
    pub id: i64,
    /// The idempotency key it was sent with.
    pub idempotency_key: String,
    /// Status.
    pub status: ProspectStatus,
    /// German label of `status`.
    #[schema(example = "ins ERP geschrieben")]
    pub status_label: String,
    /// The ERP's ID of the prospect (row id of the interface table), once written.
    #[schema(example = "4711")]
    pub erp_id: Option<String>,
    /// German reason of a failure, or the last transient error while `received`.
    pub error: Option<String>,
    /// Rule ID of a failure, e.g. `PRO-1` (unknown unit), `GEN-2` (client not released).
    pub rule: Option<String>,
    /// Write attempts so far.
    pub attempts: i64,
    /// While `received`: not tried before this time.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When immohub accepted it.
    pub received_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
    /// The prospect as accepted (normalised: trimmed, blank fields left out as `null`, country
    /// filled in).
    #[schema(value_type = ProspectIn)]
    pub prospect: serde_json::Value,
}

impl From<InboxItem> for ProspectOut {
    fn from(i: InboxItem) -> Self {
        ProspectOut {
            id: i.id,
            idempotency_key: i.idempotency_key,
            status: i.status.into(),
            status_label: i.status.label_de().to_owned(),
            erp_id: i.erp_id,
            error: i.error,
            rule: i.rule,
            attempts: i.attempts,
            next_attempt_at: (i.status == InboxStatus::Received).then_some(i.next_attempt_at),
            received_at: i.received_at,
            updated_at: i.updated_at,
            prospect: i.payload,
        }
    }
}

/// The connection's prospects, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProspectList {
    /// Prospects, newest first.
    pub prospects: Vec<ProspectOut>,
}

/// Query of `GET /v1/prospects`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only prospects with this status: `received`, `written`, `failed`, `dead`.
    #[param(value_type = Option<ProspectStatus>)]
    pub status: Option<String>,
    /// Maximum number of prospects, 1 to 1000. Default: 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// Sends a prospect for a unit (PRO-1, PRO-2).
#[utoipa::path(
    post,
    path = "/v1/prospects",
    operation_id = "prospect_create",
    tag = "prospects",
    params(
        ("Idempotency-Key" = String, Header, description = "Your unique key of this prospect \
            (1–128 visible ASCII characters, e.g. a UUID). Sending the same prospect again with \
            the same key is safe: it is stored once and written into the ERP once."),
    ),
    request_body = ProspectIn,
    responses(
        (status = 201, description = "Accepted and stored; it is written into the ERP shortly",
            body = ProspectOut,
            headers(("Location" = String, description = "`/v1/prospects/{id}`"))),
        (status = 200, description = "Sent before with this key and the same content: the \
            stored prospect and its status", body = ProspectOut),
        (status = 400, description = "`Idempotency-Key` missing or invalid, or the body is no \
            JSON", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "This connection accepts no prospects (no technical ERP \
            user configured, GEN-3)", body = ErrorBody),
        (status = 409, description = "The key was used before for different content",
            body = ErrorBody),
        (status = 422, description = "A field cannot be accepted; `field` names the first, \
            `message` every one", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    accepts_prospects(&caller)?;
    let key = idempotency_key(&headers)?;
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("der Inhalt ist kein gültiges JSON: {e}"),
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    accept(&state, &caller, key, &value, "api", |f| f.to_owned()).await
}

/// Validates a prospect (in the shape of [`ProspectIn`]) and puts it into the inbox under
/// `key`: 201 when new, 200 when known with the same content, 409 when the key was used for
/// other content, 422 naming the fields that cannot be accepted (`field_name` turns
/// [`ProspectIn`]'s field names into the sender's, e.g. for the melon hook).
pub(crate) async fn accept(
    state: &ApiState,
    caller: &Caller,
    key: &str,
    value: &serde_json::Value,
    source: &str,
    field_name: impl Fn(&str) -> String,
) -> Result<Response, ApiError> {
    accepts_prospects(caller)?;
    let separator = separator(caller)?;
    let today = Utc::now().with_timezone(&Berlin).date_naive();
    let prospect = Prospect::from_json(value, separator, &caller.connection.clients, today)
        .map_err(|errors| {
            invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.field = field_name(&e.field);
                        e
                    })
                    .collect(),
            )
        })?;
    let payload = serde_json::to_value(&prospect).map_err(ApiError::internal)?;
    let item = NewInboxItem {
        connection: caller.name().to_owned(),
        kind: InboxKind::Prospect,
        idempotency_key: key.to_owned(),
        source: source.to_owned(),
        payload,
        payload_hash: prospect.content_hash(),
        received_at: Utc::now(),
    };
    match state.store.insert_inbox(&item).await {
        Ok(InboxInsert::Created(item)) => {
            tracing::info!(id = item.id, "Interessent angenommen");
            let location = format!("/v1/prospects/{}", item.id);
            let mut response = (StatusCode::CREATED, Json(ProspectOut::from(item))).into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            Ok(response)
        }
        Ok(InboxInsert::Existing(item)) => {
            Ok((StatusCode::OK, Json(ProspectOut::from(item))).into_response())
        }
        Err(StoreError::Conflict(_)) => Err(ApiError::conflict(
            format!(
                "Der Idempotenzschlüssel „{key}“ wurde bereits für einen anderen Interessenten \
                 verwendet; für einen neuen Interessenten bitte einen neuen Schlüssel senden"
            ),
            format!(
                "the idempotency key \"{key}\" was used before for a different prospect; send a \
                 new key for a new prospect"
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The status of one prospect.
#[utoipa::path(
    get,
    path = "/v1/prospects/{id}",
    operation_id = "prospect_status",
    tag = "prospects",
    params(("id" = i64, Path, description = "immohub's ID of the prospect (from the answer to \
        `POST /v1/prospects` or its `Location`)")),
    responses(
        (status = 200, description = "The prospect and its status", body = ProspectOut),
        (status = 400, description = "The ID is no number", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "No such prospect of this connection", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ProspectOut>, ApiError> {
    let Path(raw) = path.map_err(params::path_error)?;
    let item = inbox_item(&state, &caller, &raw, InboxKind::Prospect).await?;
    Ok(Json(item.into()))
}

/// One inbox item of the caller's connection by the ID in the path, of `kind` only; 400 for
/// an ID that is no number, 404 for another connection's or another kind's item.
pub(crate) async fn inbox_item(
    state: &ApiState,
    caller: &Caller,
    raw: &str,
    kind: InboxKind,
) -> Result<immohub_store::InboxItem, ApiError> {
    let (what_de, id_de, what_en) = match kind {
        InboxKind::Prospect => ("Interessent", "Interessenten-ID", "prospect"),
        InboxKind::Tenant => ("Mieter", "Mieter-ID", "tenant"),
    };
    let id: i64 = raw.trim().parse().map_err(|_| {
        ApiError::bad_request(
            "id",
            format!("„{raw}“ ist keine {id_de} (eine ganze Zahl)"),
            format!("\"{raw}\" is no {what_en} ID (an integer)"),
        )
    })?;
    match state.store.inbox_item(caller.name(), id).await? {
        Some(item) if item.kind == kind => Ok(item),
        _ => Err(ApiError::not_found(
            format!("kein {what_de} {id}"),
            format!("no {what_en} {id}"),
        )),
    }
}

/// The `status` filter of a list (`received`, `written`, `failed`, `dead`).
pub(crate) fn status_filter(status: Option<&str>) -> Result<Option<InboxStatus>, ApiError> {
    status
        .map(|s| {
            InboxStatus::parse(s.trim()).ok_or_else(|| {
                ApiError::bad_request(
                    "status",
                    format!("„{s}“ ist kein Status (received, written, failed, dead)"),
                    format!("\"{s}\" is no status (received, written, failed, dead)"),
                )
            })
        })
        .transpose()
}

/// The connection's prospects, newest first.
#[utoipa::path(
    get,
    path = "/v1/prospects",
    operation_id = "prospect_list",
    tag = "prospects",
    params(ListQuery),
    responses(
        (status = 200, description = "Prospects, newest first", body = ProspectList),
        (status = 400, description = "Invalid `status` or `limit`", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ProspectList>, ApiError> {
    let Query(query) = query.map_err(params::query_error)?;
    let limit = params::limit(query.limit.as_deref())?;
    let status = status_filter(query.status.as_deref())?;
    let items = state
        .store
        .inbox_items(caller.name(), InboxKind::Prospect, status, limit)
        .await?;
    Ok(Json(ProspectList {
        prospects: items.into_iter().map(ProspectOut::from).collect(),
    }))
}

/// A connection accepts prospects only with a technical ERP user (GEN-3).
pub(crate) fn accepts_prospects(caller: &Caller) -> Result<(), ApiError> {
    match has_technical_user(caller) {
        true => Ok(()),
        false => Err(ApiError::not_found(
            "Diese Verbindung nimmt keine Interessenten an: für sie ist kein technischer \
             ERP-Benutzer (technical_user) konfiguriert (GEN-3)",
            "this connection accepts no prospects: it has no technical ERP user \
             (technical_user) configured (GEN-3)",
        )),
    }
}

/// Does the caller's connection have a technical ERP user (GEN-3)? Without one nothing it sends
/// can be written into the ERP.
pub(crate) fn has_technical_user(caller: &Caller) -> bool {
    caller
        .connection
        .config
        .get("technical_user")
        .and_then(|u| u.as_str())
        .is_some_and(|u| !u.is_empty())
}

/// The connection's separator of composite IDs (GEN-1).
pub(crate) fn separator(caller: &Caller) -> Result<Separator, ApiError> {
    match caller.connection.config.get("separator") {
        None | Some(serde_json::Value::Null) => Ok(Separator::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            ApiError::internal(format!(
                "Verbindung „{}“ hat einen ungültigen Separator: {e}",
                caller.name()
            ))
        }),
    }
}

/// The `Idempotency-Key` header: required, 1–128 visible ASCII characters.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    let bad = |de: String, en: String| ApiError::bad_request("Idempotency-Key", de, en);
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Err(bad(
            "Kopfzeile „Idempotency-Key“ fehlt: jeder Interessent braucht einen eindeutigen \
             Schlüssel (z. B. eine UUID), damit ein wiederholtes Senden ihn nicht verdoppelt"
                .to_owned(),
            "header \"Idempotency-Key\" missing: every prospect needs a unique key (e.g. a \
             UUID), so that sending it again does not double it"
                .to_owned(),
        ));
    };
    let key = value.to_str().unwrap_or_default().trim();
    let valid = !key.is_empty()
        && key.len() <= IDEMPOTENCY_KEY_MAX
        && key.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(bad(
            format!(
                "„Idempotency-Key“ muss aus 1 bis {IDEMPOTENCY_KEY_MAX} sichtbaren ASCII-Zeichen \
                 bestehen"
            ),
            format!(
                "\"Idempotency-Key\" must consist of 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII \
                 characters"
            ),
        ));
    }
    Ok(key)
}

/// 422 naming the first field, with every problem in the message.
pub(crate) fn invalid(errors: Vec<InvalidField>) -> ApiError {
    let join =
        |f: &dyn Fn(&InvalidField) -> String| errors.iter().map(f).collect::<Vec<_>>().join("; ");
    let message = join(&|e| format!("Feld „{}“: {}", e.field, e.reason));
    let message_en = join(&|e| format!("field \"{}\": {}", e.field, e.reason_en));
    let field: Cow<'static, str> = errors
        .first()
        .map(|e| Cow::Owned(e.field.clone()))
        .unwrap_or(Cow::Borrowed("body"));
    ApiError::unprocessable(field, message, message_en)
}
