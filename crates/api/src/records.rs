//! Record status (GEN-8): whether a record was transferred, with which partner ID and version,
//! or why not — and the history of what every run decided about it.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use immohub_store::{Outcome, RecordState, RecordStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params;

/// Status of a record at the partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Transferred: the current version is in the feed.
    Sent,
    /// Not transferred because a rule filtered it (`rule`, `reason` say which and why).
    Skipped,
    /// Not transferred because of an error (invalid field, rejected by the partner, …).
    Failed,
    /// Deleted at the partner (a delete is in the feed).
    Deleted,
    /// Push delivery: confirmed by the partner's webhook endpoint.
    Delivered,
    /// Push delivery: an attempt failed; it is retried.
    DeliveryFailed,
    /// Push delivery: given up after the last retry or rejected; in the dead-letter list.
    DeadLetter,
    /// Push delivery: a retried dead letter made obsolete by a newer version.
    Superseded,
}

impl From<RecordStatus> for Status {
    fn from(s: RecordStatus) -> Self {
        match s {
            RecordStatus::Sent => Status::Sent,
            RecordStatus::Skipped => Status::Skipped,
            RecordStatus::Failed => Status::Failed,
            RecordStatus::Deleted => Status::Deleted,
            RecordStatus::Delivered => Status::Delivered,
            RecordStatus::DeliveryFailed => Status::DeliveryFailed,
            RecordStatus::DeadLetter => Status::DeadLetter,
            RecordStatus::Superseded => Status::Superseded,
        }
    }
}

/// One decision about one record in one run (a protocol line).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutcomeOut {
    /// The run that decided.
    pub run_id: i64,
    /// Feed of the record.
    #[schema(example = "units")]
    pub feed: String,
    /// The record's key in the ERP.
    pub erp_key: String,
    /// The record's partner ID, if it has one.
    pub id: Option<String>,
    /// What was decided.
    pub status: Status,
    /// German label of `status`.
    #[schema(example = "übertragen")]
    pub status_label: String,
    /// German reason for `skipped`, `failed` and `deleted`.
    pub reason: Option<String>,
    /// Rule ID or error code, e.g. `STM-2`.
    pub rule: Option<String>,
    /// When it was decided.
    pub at: DateTime<Utc>,
}

impl From<Outcome> for OutcomeOut {
    fn from(o: Outcome) -> Self {
        OutcomeOut {
            run_id: o.run_id,
            feed: o.feed.as_str().to_owned(),
            erp_key: o.erp_key,
            id: o.partner_id,
            status: o.status.into(),
            status_label: o.status.label_de().to_owned(),
            reason: o.reason,
            rule: o.rule,
            at: o.at,
        }
    }
}

/// The status of one record (GEN-8) with its history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordStatusOut {
    /// Feed of the record.
    #[schema(example = "units")]
    pub feed: String,
    /// The record's partner ID (GEN-1), if it has one.
    #[schema(example = "1/2/3/4")]
    pub id: Option<String>,
    /// The record's key in the ERP.
    pub erp_key: String,
    /// Current status.
    pub status: Status,
    /// German label of `status`.
    #[schema(example = "nicht übertragen")]
    pub status_label: String,
    /// German reason for `skipped`, `failed` and `deleted`.
    pub reason: Option<String>,
    /// Rule ID or error code, e.g. `STM-2`.
    pub rule: Option<String>,
    /// Feed version last delivered (0 if never sent).
    pub version: i64,
    /// The run that last decided about the record.
    pub run_id: i64,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
    /// Decisions about this record, newest first.
    pub history: Vec<OutcomeOut>,
}

impl RecordStatusOut {
    fn new(state: RecordState, history: Vec<Outcome>) -> Self {
        RecordStatusOut {
            feed: state.feed.as_str().to_owned(),
            id: state.partner_id,
            erp_key: state.erp_key,
            status: state.status.into(),
            status_label: state.status.label_de().to_owned(),
            reason: state.reason,
            rule: state.rule,
            version: state.version,
            run_id: state.run_id,
            updated_at: state.updated_at,
            history: history.into_iter().map(OutcomeOut::from).collect(),
        }
    }
}

/// Query of `GET /v1/records/{feed}/{id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Maximum number of history entries, 1 to 1000. Default: 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// The status of one record by partner ID (or ERP key), with its history.
#[utoipa::path(
    get,
    path = "/v1/records/{feed}/{id}",
    operation_id = "record_status",
    tag = "records",
    params(
        ("feed" = String, Path, description = "Feed name, e.g. `units`"),
        ("id" = String, Path, description = "Partner ID (or ERP key) of the record. It may \
            contain `/` (one of the ID separators), literally or as `%2F`."),
        HistoryQuery,
    ),
    responses(
        (status = 200, description = "Status and history of the record", body = RecordStatusOut),
        (status = 400, description = "Invalid `limit`", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "Unknown feed or record", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<RecordStatusOut>, ApiError> {
    let Path((segment, partner_id)) = path.map_err(params::path_error)?;
    let Query(query) = query.map_err(params::query_error)?;
    let feed = caller.feed(&segment)?;
    let limit = params::limit(query.limit.as_deref())?;
    let Some(record) = state
        .store
        .record_by_partner_id(caller.name(), feed, &partner_id)
        .await?
    else {
        return Err(ApiError::not_found(
            format!("kein Datensatz „{partner_id}“ im Feed „{feed}“"),
            format!("no record \"{partner_id}\" in feed \"{feed}\""),
        ));
    };
    let history = state
        .store
        .outcomes(caller.name(), feed, &record.erp_key, limit)
        .await?;
    Ok(Json(RecordStatusOut::new(record, history)))
}
