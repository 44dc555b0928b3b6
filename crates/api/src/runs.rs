//! The protocol (GEN-7): the caller's runs, filtered by date, the last run at a glance, and
//! one run with its outcomes; and starting a run by hand (GEN-6).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use immohub_domain::UseCase;
use immohub_engine::{LaunchError, Trigger};
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
    /// The connection's last run, whatever the date filter (GEN-7); absent before the first.
    pub last: Option<LastRun>,
    /// Runs, newest first.
    pub runs: Vec<RunOut>,
}

/// The last run at a glance (GEN-7): date and time in Europe/Berlin, records sent, errors.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LastRun {
    /// Run ID.
    pub id: i64,
    /// Use case, e.g. `stammdaten`.
    #[schema(example = "stammdaten")]
    pub use_case: String,
    /// Start (UTC).
    pub started_at: DateTime<Utc>,
    /// Start date in Europe/Berlin.
    #[schema(example = "2024-05-10")]
    pub date: String,
    /// Start time in Europe/Berlin.
    #[schema(example = "10:00")]
    pub time: String,
    /// State.
    pub status: RunState,
    /// Records transferred.
    pub sent: i64,
    /// Errors: records that failed plus run-level errors.
    pub errors: i64,
}

impl From<&Run> for LastRun {
    fn from(r: &Run) -> Self {
        let local = r.started_at.with_timezone(&Berlin);
        LastRun {
            id: r.id,
            use_case: r.use_case.clone(),
            started_at: r.started_at,
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            status: r.status.into(),
            sent: r.counts.sent,
            errors: r.counts.failed + r.errors.len() as i64,
        }
    }
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
    let last = last_run(&state, caller.name()).await?;
    Ok(Json(RunList {
        last: last.as_ref().map(LastRun::from),
        runs: runs.into_iter().map(RunOut::from).collect(),
    }))
}

/// The newest run of a connection.
async fn last_run(state: &ApiState, connection: &str) -> Result<Option<Run>, ApiError> {
    let filter = RunFilter {
        connection: Some(connection.to_owned()),
        limit: 1,
        ..RunFilter::default()
    };
    Ok(state.store.runs(&filter).await?.into_iter().next())
}

/// The caller's last run at a glance (GEN-7).
#[utoipa::path(
    get,
    path = "/v1/runs/last",
    operation_id = "last_run",
    tag = "runs",
    responses(
        (status = 200, description = "The connection's last run", body = LastRun),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "No run yet", body = ErrorBody),
    )
)]
pub async fn last(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<LastRun>, ApiError> {
    match last_run(&state, caller.name()).await? {
        Some(run) => Ok(Json(LastRun::from(&run))),
        None => Err(ApiError::not_found(
            "noch kein Lauf für diese Verbindung",
            "no run for this connection yet",
        )),
    }
}

/// Body of `POST /v1/runs`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StartRun {
    /// The use case to run: `stammdaten`, `leerstaende`, `interessenten`, `mieter`,
    /// `tickets-in`, `tickets-out`, `dokumente`, `personen`.
    #[schema(example = "stammdaten")]
    pub use_case: String,
}

/// Answer of `POST /v1/runs`: the run was started.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunStarted {
    /// Run ID; follow `location` for its progress and outcome.
    pub run_id: i64,
    /// The use case (stable name).
    #[schema(example = "stammdaten")]
    pub use_case: String,
    /// The run's state when the answer was written: `running`, or already the end state of a
    /// short run.
    pub status: RunState,
    /// Path of the run, as in the `Location` header.
    #[schema(example = "/v1/runs/42")]
    pub location: String,
}

/// Starts a run of one of the caller's use cases by hand (GEN-6), besides its schedule.
///
/// The run goes on in the background; read its progress and result at `Location`. A run of
/// the same use case for the same connection never overlaps one in progress (409).
#[utoipa::path(
    post,
    path = "/v1/runs",
    operation_id = "start_run",
    tag = "runs",
    request_body = StartRun,
    responses(
        (status = 202, description = "Run started", body = RunStarted,
            headers(("Location" = String, description = "Path of the run"))),
        (status = 400, description = "Body is not a JSON object", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 409, description = "The use case is already running for this connection (`run_in_progress`)", body = ErrorBody),
        (status = 422, description = "Unknown or unavailable use case (`field`: `use_case`)", body = ErrorBody),
        (status = 503, description = "This instance does not start runs", body = ErrorBody),
    )
)]
pub async fn start(
    State(state): State<ApiState>,
    caller: Caller,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("ungültiger JSON-Body: {e}"),
            format!("invalid JSON body: {e}"),
        )
    })?;
    let Some(raw) = body.get("use_case").and_then(|v| v.as_str()) else {
        return Err(ApiError::unprocessable(
            "use_case",
            "„use_case“ fehlt oder ist kein Text (z. B. {\"use_case\": \"stammdaten\"})",
            "\"use_case\" missing or not a string (e.g. {\"use_case\": \"stammdaten\"})",
        ));
    };
    let Some(use_case) = UseCase::parse(raw) else {
        let names = UseCase::names();
        return Err(ApiError::unprocessable(
            "use_case",
            format!("unbekannter Use Case „{raw}“ (bekannt: {names})"),
            format!("unknown use case \"{raw}\" (known: {names})"),
        ));
    };
    let Some(launcher) = &state.launcher else {
        return Err(ApiError::Unavailable {
            message: "Diese Instanz startet keine Läufe (kein Lauf-Starter eingerichtet); \
                      bitte über `immohub serve` starten"
                .into(),
            message_en: "This instance does not start runs (no run launcher configured); \
                         use `immohub serve`"
                .into(),
        });
    };
    let run_id = launcher
        .launch(caller.name(), use_case, Trigger::Api)
        .await
        .map_err(|e| launch_error(e, raw))?;
    let location = format!("/v1/runs/{run_id}");
    tracing::info!(run = run_id, use_case = %use_case, "Lauf über die API gestartet");
    // A short run (e.g. `interessenten` with nothing to fetch) may have ended already.
    let status = match state.store.run(run_id).await {
        Ok(Some(run)) => run.status.into(),
        _ => RunState::Running,
    };
    let body = RunStarted {
        run_id,
        use_case: use_case.as_str().to_owned(),
        status,
        location: location.clone(),
    };
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

fn launch_error(e: LaunchError, raw: &str) -> ApiError {
    match e {
        LaunchError::AlreadyRunning {
            ref use_case,
            ref since,
            ..
        } => ApiError::RunInProgress {
            message: e.to_string().into(),
            message_en: format!(
                "use case \"{use_case}\" is already running for this connection (since {})",
                since.to_rfc3339()
            )
            .into(),
        },
        LaunchError::Unsupported(use_case) => ApiError::unprocessable(
            "use_case",
            e.to_string(),
            format!(
                "use case \"{raw}\" ({}) is not available in this version",
                use_case.as_str()
            ),
        ),
        LaunchError::UnknownConnection(_) => ApiError::Unavailable {
            message: "Diese Verbindung ist auf dieser Instanz nicht konfiguriert".into(),
            message_en: "This connection is not configured on this instance".into(),
        },
        other => ApiError::internal(other),
    }
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
