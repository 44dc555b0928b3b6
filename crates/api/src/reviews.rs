//! The review list of the duplicate check (PRO-3) for staff: `GET /staff/v1/reviews` lists the
//! prospects whose match was uncertain, `POST /staff/v1/reviews/{id}` decides one ("link" to an
//! existing person or "new"); the next write-back run writes it with that decision. Staff keys
//! only (partner keys are refused, as on every `/staff/v1` endpoint).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use immohub_store::{MatchReview, ReviewDecision};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::{ApiState, Staff};

/// One entry of the review list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewOut {
    /// The prospect's inbox ID (also `GET /v1/prospects/{id}` for its partner).
    pub id: i64,
    /// Partner connection it came from.
    pub partner: String,
    /// Client (Mandant) whose persons were searched.
    pub client_no: String,
    /// German: why it waits.
    pub summary: String,
    /// Candidates, best first: `person_id`, `score`, `reasons`.
    #[schema(value_type = Object)]
    pub candidates: serde_json::Value,
    /// The prospect as received.
    #[schema(value_type = Object)]
    pub prospect: serde_json::Value,
    /// `open`, `link` or `new`.
    pub status: String,
    /// The linked person when decided `link`.
    pub person_no: Option<String>,
    /// The staff user who decided.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// When it went into the list.
    pub created_at: DateTime<Utc>,
}

impl From<MatchReview> for ReviewOut {
    fn from(r: MatchReview) -> Self {
        let (status, person_no) = match &r.decision {
            None => ("open", None),
            Some(ReviewDecision::Link { person_no }) => ("link", Some(person_no.clone())),
            Some(ReviewDecision::New) => ("new", None),
        };
        ReviewOut {
            id: r.item_id,
            partner: r.connection,
            client_no: r.client_no,
            summary: r.summary,
            candidates: r.candidates,
            prospect: r.payload,
            status: status.to_owned(),
            person_no,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            created_at: r.created_at,
        }
    }
}

/// The review list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewList {
    /// The entries.
    pub reviews: Vec<ReviewOut>,
}

/// Query of `GET /staff/v1/reviews`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// Only this partner connection.
    pub partner: Option<String>,
    /// `true` (default): open entries only; `false`: decided ones too.
    pub open: Option<bool>,
}

/// Staff's decision.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// `link` (the prospect is `person_no`) or `new` (nobody known).
    pub decision: String,
    /// Person number within the entry's client; required for `link`.
    pub person_no: Option<String>,
}

/// Lists the review list (PRO-3).
#[utoipa::path(
    get,
    path = "/staff/v1/reviews",
    operation_id = "reviews_list",
    tag = "staff",
    params(ReviewQuery),
    responses(
        (status = 200, description = "Entries, oldest first", body = ReviewList),
        (status = 401, description = "Staff key missing or invalid", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    _staff: Staff,
    query: Result<Query<ReviewQuery>, QueryRejection>,
) -> Result<Json<ReviewList>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::bad_request(
            "query",
            format!("ungültige Abfrage: {e}"),
            format!("invalid query: {e}"),
        )
    })?;
    let reviews = state
        .store
        .reviews(q.partner.as_deref(), q.open.unwrap_or(true), 1000)
        .await?;
    Ok(Json(ReviewList {
        reviews: reviews.into_iter().map(ReviewOut::from).collect(),
    }))
}

/// Decides one entry (PRO-3): the prospect becomes due again and is written with the decision.
#[utoipa::path(
    post,
    path = "/staff/v1/reviews/{id}",
    operation_id = "reviews_decide",
    tag = "staff",
    params(("id" = i64, Path, description = "The entry's (prospect's) ID")),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "Decided", body = ReviewOut),
        (status = 401, description = "Staff key missing or invalid", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody),
        (status = 409, description = "Decided already", body = ErrorBody),
        (status = 422, description = "`decision` or `person_no` invalid", body = ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<ApiState>,
    staff: Staff,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<DecisionIn>, JsonRejection>,
) -> Result<Json<ReviewOut>, ApiError> {
    let Path(id) = id.map_err(|_| {
        ApiError::bad_request(
            "id",
            "die ID muss eine Zahl sein".to_owned(),
            "the ID must be a number".to_owned(),
        )
    })?;
    let Json(body) = body.map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("ungültiger Inhalt: {e}"),
            format!("invalid body: {e}"),
        )
    })?;
    let decision = match (body.decision.as_str(), body.person_no) {
        ("new", None) => ReviewDecision::New,
        ("link", Some(p)) if !p.trim().is_empty() => ReviewDecision::Link {
            person_no: p.trim().to_owned(),
        },
        ("link", _) => {
            return Err(ApiError::unprocessable(
                "person_no",
                "für „link“ ist die Personennummer erforderlich".to_owned(),
                "\"link\" needs the person number".to_owned(),
            ));
        }
        ("new", Some(_)) => {
            return Err(ApiError::unprocessable(
                "person_no",
                "„new“ nimmt keine Personennummer".to_owned(),
                "\"new\" takes no person number".to_owned(),
            ));
        }
        (other, _) => {
            return Err(ApiError::unprocessable(
                "decision",
                format!("„{other}“ ist keine Entscheidung (link oder new)"),
                format!("\"{other}\" is no decision (link or new)"),
            ));
        }
    };
    let Some(entry) = state.store.review(id).await? else {
        return Err(ApiError::not_found(
            format!("Prüffall {id} gibt es nicht"),
            format!("review {id} does not exist"),
        ));
    };
    if !state
        .store
        .decide_review(id, &decision, staff.name(), Utc::now())
        .await?
    {
        return Err(ApiError::conflict(
            format!("Prüffall {id} ist bereits entschieden"),
            format!("review {id} is decided already"),
        ));
    }
    tracing::info!(review = id, partner = %entry.connection, "Prüffall entschieden");
    let decided = state.store.review(id).await?.ok_or_else(|| {
        ApiError::internal(format!("Prüffall {id} nach der Entscheidung nicht lesbar"))
    })?;
    Ok(Json(ReviewOut::from(decided)))
}
