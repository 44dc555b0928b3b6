//! The staff API `/staff/v1/…` (staff keys only; partner keys are refused with 401).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use immohub_api::{ApiError, Staff};
use immohub_store::{ConsentSettings, EventFilter, Folder, Recipient, Room, ShareEvent, ShareFile};
use serde::{Deserialize, Serialize};

use crate::SharesState;
use crate::service::{ActivityPush, CreateRoom, IssuedLink, NewRecipientRequest, RoomOverview};

type ApiResult<T> = Result<T, ApiError>;

/// An optional JSON body: empty is the default.
fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::unprocessable(
            "body",
            format!("Anfrage ungültig: {e}"),
            format!("invalid request: {e}"),
        )
    })
}

/// A JSON body whose errors are the API's JSON error (422, `field: body`, serde's reason).
pub(crate) struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(e) => Err(ApiError::unprocessable(
                "body",
                format!("Anfrage ungültig: {}", e.body_text()),
                format!("invalid request: {}", e.body_text()),
            )),
        }
    }
}

pub(crate) async fn rooms(
    State(s): State<SharesState>,
    _staff: Staff,
) -> ApiResult<Json<Vec<Room>>> {
    Ok(Json(s.shares.store().rooms().await?))
}

pub(crate) async fn create_room(
    State(s): State<SharesState>,
    staff: Staff,
    JsonBody(req): JsonBody<CreateRoom>,
) -> ApiResult<(StatusCode, Json<Room>)> {
    let room = s.shares.create_room(staff.name(), &req).await?;
    tracing::info!(room = room.id, staff = staff.name(), "Datenraum angelegt");
    Ok((StatusCode::CREATED, Json(room)))
}

pub(crate) async fn room(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<RoomOverview>> {
    Ok(Json(s.shares.overview(id).await?))
}

/// `PATCH /staff/v1/rooms/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateRoom {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    consent: Option<ConsentSettings>,
    #[serde(default)]
    first_access_activity: Option<bool>,
}

/// A changed room with the SHR-9 notice.
#[derive(Debug, Serialize)]
pub(crate) struct Changed {
    room: Room,
    notice: String,
}

pub(crate) async fn update_room(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<UpdateRoom>,
) -> ApiResult<Json<Changed>> {
    let (room, notice) = s
        .shares
        .update_room(
            id,
            req.title.as_deref(),
            req.consent.as_ref(),
            req.first_access_activity,
        )
        .await?;
    Ok(Json(Changed { room, notice }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewFolder {
    name: String,
}

pub(crate) async fn add_folder(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<NewFolder>,
) -> ApiResult<(StatusCode, Json<Folder>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.shares.add_folder(id, &req.name).await?),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct UploadQuery {
    name: Option<String>,
    folder_id: Option<i64>,
}

/// `POST /staff/v1/rooms/{id}/files?name=…&folder_id=…` with the file as the raw body,
/// streamed to disk (size limit `[shares] max_upload_bytes`).
pub(crate) async fn upload(
    State(s): State<SharesState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<ShareFile>)> {
    let name = q.name.ok_or_else(|| {
        ApiError::bad_request(
            "name",
            "Parameter „name“ (Dateiname) fehlt",
            "query parameter \"name\" (file name) is missing",
        )
    })?;
    let file = s
        .shares
        .upload(
            staff.name(),
            id,
            q.folder_id,
            &name,
            body.into_data_stream(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(file)))
}

pub(crate) async fn delete_file(
    State(s): State<SharesState>,
    _staff: Staff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    s.shares.delete_file(id, file_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn recipients(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<crate::RecipientOverview>>> {
    Ok(Json(s.shares.overview(id).await?.recipients))
}

/// A link as the API returns it, with the rendered template when one was given (SHR-3).
#[derive(Debug, Serialize)]
pub(crate) struct LinkAnswer {
    #[serde(flatten)]
    issued: IssuedLink,
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered: Option<String>,
    notice: &'static str,
}

const ONCE: &str = "Der Link wird nur jetzt angezeigt; gespeichert ist nur seine Prüfsumme.";

pub(crate) async fn add_recipient(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<NewRecipientRequest>,
) -> ApiResult<(StatusCode, Json<LinkAnswer>)> {
    let issued = s.shares.add_recipient(id, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(LinkAnswer {
            issued,
            rendered: None,
            notice: ONCE,
        }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkRequest {
    /// A letter or e-mail template with `{Feld:OImmoCloudLink}` to render (SHR-3).
    #[serde(default)]
    template: Option<String>,
}

pub(crate) async fn new_link(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<LinkAnswer>> {
    let req: LinkRequest = optional_json(&body)?;
    let issued = s.shares.new_link(id).await?;
    let rendered = match &req.template {
        Some(t) => {
            let room = s.shares.room(issued.recipient.room_id).await?;
            Some(s.shares.render(t, &issued, &room))
        }
        None => None,
    };
    Ok(Json(LinkAnswer {
        issued,
        rendered,
        notice: ONCE,
    }))
}

pub(crate) async fn revoke(
    State(s): State<SharesState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Recipient>> {
    let r = s.shares.set_revoked(id, true).await?;
    tracing::info!(
        recipient = id,
        staff = staff.name(),
        "Zugriff widerrufen (SHR-8)"
    );
    Ok(Json(r))
}

pub(crate) async fn restore(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<Recipient>> {
    Ok(Json(s.shares.set_revoked(id, false).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expiry {
    expires_at: Option<DateTime<Utc>>,
}

pub(crate) async fn expiry(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<Expiry>,
) -> ApiResult<Json<Recipient>> {
    Ok(Json(s.shares.set_expiry(id, req.expires_at).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendLink {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Sent {
    recipient: Recipient,
    sent_to: Option<String>,
    notice: &'static str,
}

pub(crate) async fn send_link(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Sent>> {
    let req: SendLink = optional_json(&body)?;
    let issued = s
        .shares
        .send_link(id, req.subject.as_deref(), req.body.as_deref())
        .await?;
    Ok(Json(Sent {
        sent_to: issued.recipient.email.clone(),
        recipient: issued.recipient,
        notice: "Ein neuer Link wurde versandt; ein früher versandter Link dieses Empfängers \
                 gilt nicht mehr.",
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct EventsQuery {
    recipient_id: Option<i64>,
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

pub(crate) async fn events(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Json<Vec<ShareEvent>>> {
    s.shares.room(id).await?;
    Ok(Json(
        s.shares
            .store()
            .events(&EventFilter {
                room_id: Some(id),
                recipient_id: q.recipient_id,
                unexported: false,
                after: q.after,
                limit: q.limit.unwrap_or(1000).min(10_000),
            })
            .await?,
    ))
}

pub(crate) async fn analytics(
    State(s): State<SharesState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let o = s.shares.overview(id).await?;
    Ok(Json(serde_json::json!({
        "room_id": o.room.id,
        "object_kind": o.room.object_kind,
        "object_id": o.room.object_id,
        "totals": o.totals,
        "recipients": o.recipients.iter().map(|r| serde_json::json!({
            "recipient_id": r.recipient.id,
            "name": r.recipient.name,
            "status": r.status,
            "opens": r.counts.opens,
            "views": r.counts.views,
            "downloads": r.counts.downloads,
            "last_at": r.counts.last_at,
        })).collect::<Vec<_>>(),
    })))
}

pub(crate) async fn push_activities(
    State(s): State<SharesState>,
    _staff: Staff,
) -> ApiResult<Json<ActivityPush>> {
    Ok(Json(s.shares.push_activities().await?))
}
