//! The protocol (GEN-7): the caller's runs, filtered by date, and one run with its outcomes.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use immohub_store::{Counts, Run, RunFilter, RunStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params::{self, Bound};
use crate::records::OutcomeOut;

/// State of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Still running.
    Running,
    /// Finished without errors.
    Succeeded,
    /// Finished, but some records failed.
    Partial,
    /// Failed as a whole.
    Failed,
}

impl From<RunStatus> for RunState {
    fn from(s: RunStatus) -> Self {
        match s {
            RunStatus::Running => RunState::Running,
            RunStatus::Succeeded => RunState::Succeeded,
            RunStatus::Partial => RunState::Partial,
            RunStatus::Failed => RunState::Failed,
        }
    }
}

/// Record counts of a run.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunCounts {
    /// Records read from the source.
    pub read: i64,
    /// Records transferred.
    pub sent: i64,
    /// Records not transferred because a rule filtered them.
    pub skipped: i64,
    /// Records not transferred because of an error.
    pub failed: i64,
    /// Records deleted at the partner.
    pub deleted: i64,
    /// Records read but unchanged since the last transfer.
    pub unchanged: i64,
}

impl From<Counts> for RunCounts {
    fn from(c: Counts) -> Self {
        RunCounts {
            read: c.read,
            sent: c.sent,
            skipped: c.skipped,
            failed: c.failed,
            deleted: c.deleted,
            unchanged: c.unchanged,
        }
    }
}

/// One run of a use case (a protocol entry).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunOut {
    /// Run ID.
    pub id: i64,
    /// Use case, e.g. `stammdaten`.
    #[schema(example = "stammdaten")]
    pub use_case: String,
    /// `erp_to_partner` or `partner_to_erp`.
    #[schema(example = "erp_to_partner")]
    pub direction: String,
    /// What started the run: `schedule`, `manual`, `api`, `bench`.
    #[schema(example = "schedule")]
    pub trigger: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End (absent while running).
    pub ended_at: Option<DateTime<Utc>>,
    /// State.
    pub status: RunState,
    /// Record counts.
    pub counts: RunCounts,
    /// Run-level errors (German).
    pub errors: Vec<String>,
}

impl From<Run> for RunOut {
    fn from(r: Run) -> Self {
        RunOut {
            id: r.id,
            use_case: r.use_case,
            direction: r.direction,
            trigger: r.trigger,
            started_at: r.started_at,
            ended_at: r.ended_at,
            status: r.status.into(),
            counts: r.counts.into(),
            errors: r.errors,
        }
    }
}

/// Runs, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunList {
    /// Runs, newest first.
    pub runs: Vec<RunOut>,
}

/// One run with the outcomes it recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunDetail {
    /// The run.
    #[serde(flatten)]
    pub run: RunOut,
    /// What the run decided per record, newest first.
    pub outcomes: Vec<OutcomeOut>,
}

/// Query of `GET /v1/runs`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Runs started at or after this: RFC 3339 or a date (`2024-05-01`, a day in
    /// Europe/Berlin).
    #[param(value_type = Option<String>, example = "2024-05-01")]
    pub from: Option<String>,
    /// Runs started before this: RFC 3339 (exclusive) or a date (that day included).
    #[param(value_type = Option<String>, example = "2024-05-31")]
    pub to: Option<String>,
    /// Maximum number of runs, 1 to 1000. Default: 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// Query of `GET /v1/runs/{id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// Maximum number of outcomes, 1 to 1000. Default: 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// The caller's runs, newest first, filtered by start time.
#[utoipa::path(
    get,
    path = "/v1/runs",
    operation_id = "list_runs",
    tag = "runs",
    params(RunsQuery),
    responses(
        (status = 200, description = "Runs of this connection, newest first", body = RunList),
        (status = 400, description = "Invalid `from`, `to` or `limit`", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Json<RunList>, ApiError> {
    let Query(query) = query.map_err(params::query_error)?;
    let from = query
        .from
        .as_deref()
        .map(|raw| params::instant("from", raw, Bound::From))
        .transpose()?;
    let to = query
        .to
        .as_deref()
        .map(|raw| params::instant("to", raw, Bound::To))
        .transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ApiError::bad_request(
            "to",
            "„to“ liegt vor „from“",
            "\"to\" lies before \"from\"",
        ));
    }
    let filter = RunFilter {
        connection: Some(caller.name().to_owned()),
        use_case: None,
        from,
        to,
        limit: params::limit(query.limit.as_deref())?,
    };
    let runs = state.store.runs(&filter).await?;
    Ok(Json(RunList {
        runs: runs.into_iter().map(RunOut::from).collect(),
    }))
}

/// One of the caller's runs with its outcomes.
#[utoipa::path(
    get,
    path = "/v1/runs/{id}",
    operation_id = "get_run",
    tag = "runs",
    params(("id" = i64, Path, description = "Run ID"), RunQuery),
    responses(
        (status = 200, description = "The run and its outcomes", body = RunDetail),
        (status = 400, description = "Invalid `id` or `limit`", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "No such run of this connection", body = ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<RunQuery>, QueryRejection>,
) -> Result<Json<RunDetail>, ApiError> {
    let Path(raw_id) = path.map_err(params::path_error)?;
    let Query(query) = query.map_err(params::query_error)?;
    let id: i64 = raw_id.trim().parse().map_err(|_| {
        ApiError::bad_request(
            "id",
            format!("„id“ muss eine ganze Zahl sein, nicht „{raw_id}“"),
            format!("\"id\" must be an integer, not \"{raw_id}\""),
        )
    })?;
    let limit = params::limit(query.limit.as_deref())?;
    // Another connection's run is answered exactly like a missing one.
    let run = match state.store.run(id).await? {
        Some(run) if run.connection == caller.name() => run,
        _ => {
            return Err(ApiError::not_found(
                format!("kein Lauf {id} für diese Verbindung"),
                format!("no run {id} for this connection"),
            ));
        }
    };
    let outcomes = state.store.run_outcomes(id, limit).await?;
    Ok(Json(RunDetail {
        run: run.into(),
        outcomes: outcomes
            .into_iter()
            .filter(|o| o.connection == caller.name())
            .map(OutcomeOut::from)
            .collect(),
    }))
}
