//! Change feeds: the list of feeds, cursor-paged reading and acknowledgement (GEN-11).
//!
//! A partner reads `GET /v1/feeds/{feed}` page by page and acknowledges what it has applied with
//! `POST /v1/feeds/{feed}/ack`. Without `after`, a page starts at the acknowledged cursor, so a
//! partner that always acknowledges only needs to call the feed without parameters.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use immohub_store::{FeedItem, FeedOp, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params;

/// The feeds this connection receives.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedList {
    /// One entry per feed of the connection's partner profile.
    pub feeds: Vec<FeedInfo>,
}

/// One feed: where it ends and how far the partner has acknowledged it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedInfo {
    /// Feed name, the path segment in `/v1/feeds/{feed}`.
    #[schema(example = "units")]
    pub feed: String,
    /// German name of the feed.
    #[schema(example = "Einheiten")]
    pub label: String,
    /// Position of the newest item (0 when the feed is empty). Positions are shared by all
    /// feeds, so they increase but are not contiguous within one feed.
    pub head: i64,
    /// Position the partner has acknowledged (0 when nothing was acknowledged).
    pub cursor: i64,
    /// Whether there are items after the cursor.
    pub has_more: bool,
}

/// Kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The record was created or changed; `data` holds it in full.
    Upsert,
    /// The record was deleted; `data` is `null`.
    Delete,
}

impl From<FeedOp> for Op {
    fn from(op: FeedOp) -> Self {
        match op {
            FeedOp::Upsert => Op::Upsert,
            FeedOp::Delete => Op::Delete,
        }
    }
}

/// One change in a feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedItemOut {
    /// Position in the feed; acknowledge it to move the cursor.
    pub seq: i64,
    /// The record's partner ID (GEN-1 composite ID).
    #[schema(example = "1.2.3.4")]
    pub id: String,
    /// Kind of change.
    pub op: Op,
    /// Version of this record in this feed: 1 for the first delivery, +1 for every later one.
    pub version: i64,
    /// `<feed>:<id>:<version>`: the same change always carries the same key, so a partner that
    /// reads it twice can apply it once (GEN-11).
    #[schema(example = "units:1.2.3.4:3")]
    pub idempotency_key: String,
    /// The record (for `upsert`) or `null` (for `delete`).
    pub data: serde_json::Value,
    /// When the change entered the feed.
    pub changed_at: DateTime<Utc>,
}

impl FeedItemOut {
    fn new(feed: &str, item: FeedItem) -> Self {
        FeedItemOut {
            idempotency_key: format!("{feed}:{}:{}", item.partner_id, item.version),
            seq: item.seq,
            id: item.partner_id,
            op: item.op.into(),
            version: item.version,
            data: match item.op {
                FeedOp::Upsert => item.payload,
                FeedOp::Delete => serde_json::Value::Null,
            },
            changed_at: item.created_at,
        }
    }
}

/// One page of a feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedPage {
    /// Changes with `seq > after`, oldest first.
    pub items: Vec<FeedItemOut>,
    /// `seq` of the last item, or the `after` the page started at when it is empty: pass it as
    /// `after` to read the next page.
    pub next_after: i64,
    /// Whether more items follow this page.
    pub has_more: bool,
}

/// Query of `GET /v1/feeds/{feed}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Read items after this position. Default: the acknowledged cursor.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after: Option<String>,
    /// Page size, 1 to 1000. Default: 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// Body of `POST /v1/feeds/{feed}/ack`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AckRequest {
    /// Position up to which (inclusive) the partner has applied the feed.
    #[schema(minimum = 0)]
    pub seq: i64,
}

/// Answer of `POST /v1/feeds/{feed}/ack`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AckResponse {
    /// The acknowledged position now in force (never moves backwards).
    pub cursor: i64,
}

/// Lists the feeds of the caller's profile with head and acknowledged cursor.
#[utoipa::path(
    get,
    path = "/v1/feeds",
    operation_id = "list_feeds",
    tag = "feeds",
    responses(
        (status = 200, description = "The feeds of this connection", body = FeedList),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<FeedList>, ApiError> {
    let mut feeds = Vec::new();
    for &feed in caller.profile.feeds() {
        let head = state.store.feed_head(caller.name(), feed).await?;
        let cursor = state.store.cursor(caller.name(), feed).await?;
        feeds.push(FeedInfo {
            feed: feed.as_str().to_owned(),
            label: feed.label_de().to_owned(),
            head,
            cursor,
            has_more: head > cursor,
        });
    }
    Ok(Json(FeedList { feeds }))
}

/// Reads one page of a feed.
#[utoipa::path(
    get,
    path = "/v1/feeds/{feed}",
    operation_id = "read_feed",
    tag = "feeds",
    params(("feed" = String, Path, description = "Feed name, e.g. `units`"), PageQuery),
    responses(
        (status = 200, description = "One page of changes", body = FeedPage),
        (status = 400, description = "Invalid `after` or `limit`", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "Unknown feed or not in this connection's profile",
            body = ErrorBody),
    )
)]
pub async fn page(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<FeedPage>, ApiError> {
    let Path(segment) = path.map_err(params::path_error)?;
    let Query(query) = query.map_err(params::query_error)?;
    let feed = caller.feed(&segment)?;
    let limit = params::limit(query.limit.as_deref())?;
    let after = match query.after.as_deref() {
        Some(raw) => params::seq("after", raw)?,
        None => state.store.cursor(caller.name(), feed).await?,
    };
    // One more than asked tells whether another page follows.
    let mut items = state
        .store
        .feed_page(caller.name(), feed, after, limit.saturating_add(1))
        .await?;
    let has_more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_after = items.last().map_or(after, |i| i.seq);
    let items = items
        .into_iter()
        .map(|i| FeedItemOut::new(feed.as_str(), i))
        .collect();
    Ok(Json(FeedPage {
        items,
        next_after,
        has_more,
    }))
}

/// Acknowledges a feed up to `seq` (inclusive).
#[utoipa::path(
    post,
    path = "/v1/feeds/{feed}/ack",
    operation_id = "ack_feed",
    tag = "feeds",
    params(("feed" = String, Path, description = "Feed name, e.g. `units`")),
    request_body = AckRequest,
    responses(
        (status = 200, description = "The cursor now in force; acknowledging an older position \
            changes nothing", body = AckResponse),
        (status = 400, description = "Body is not `{\"seq\": N}` with N ≥ 0", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "Unknown feed or not in this connection's profile",
            body = ErrorBody),
        (status = 409, description = "`seq` lies past the end of the feed", body = ErrorBody),
    )
)]
pub async fn ack(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Json<AckResponse>, ApiError> {
    let Path(segment) = path.map_err(params::path_error)?;
    let feed = caller.feed(&segment)?;
    let request: AckRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "seq",
            format!("erwartet wird ein JSON-Body {{\"seq\": N}} mit N ≥ 0 ({e})"),
            format!("expected a JSON body {{\"seq\": N}} with N ≥ 0 ({e})"),
        )
    })?;
    if request.seq < 0 {
        return Err(params::seq_error("seq", &request.seq.to_string()));
    }
    match state.store.ack(caller.name(), feed, request.seq).await {
        Ok(cursor) => Ok(Json(AckResponse { cursor })),
        Err(StoreError::Conflict(_)) => {
            let head = state.store.feed_head(caller.name(), feed).await?;
            Err(ApiError::conflict(
                format!(
                    "Position {} liegt hinter dem Ende des Feeds „{feed}“ (letzte Position: {head})",
                    request.seq
                ),
                format!(
                    "position {} lies past the end of feed \"{feed}\" (last position: {head})",
                    request.seq
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
