//! The melon-style JSON hook (PRO-2): letting platforms that push applicants as events (melon
//! and others built alike) send them to `POST /v1/hooks/melon` with the connection's API key.
//!
//! ```json
//! {
//!   "id": "evt_01HZX3…",                 // the event's unique id: the idempotency key
//!   "type": "applicant.created",         // other types are acknowledged and ignored
//!   "created": "2026-11-28T09:12:00Z",
//!   "data": {
//!     "listing":   { "externalId": "1.100.1.7" },
//!     "applicant": {
//!       "salutation": "MRS", "firstName": "Erika", "lastName": "Mustermann",
//!       "birthDate": "1985-02-28", "email": "erika@example.org", "phone": "+49 40 123456",
//!       "address": { "street": "Elbchaussee", "houseNumber": "12a", "zipCode": "22763",
//!                    "city": "Hamburg", "countryCode": "DE" },
//!       "message": "Guten Tag, …"
//!     }
//!   }
//! }
//! ```
//!
//! Unlike `POST /v1/prospects` the hook is lenient about fields it does not know (a platform
//! adds fields without asking); the fields it maps are validated as strictly, and a refusal
//! names them as the sender wrote them (`data.applicant.lastName`). The same event sent again is
//! the same prospect; the event id may also come as header `webhook-id` or `Idempotency-Key`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::ApiState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::prospects::{IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_MAX, accept, accepts_prospects};

/// Event types that carry a new applicant.
pub const APPLICANT_EVENTS: [&str; 2] = ["applicant.created", "application.created"];

/// Answer for an event the hook does not handle.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Ignored {
    /// Always `true`.
    pub ignored: bool,
    /// The event type received.
    #[serde(rename = "type")]
    pub event_type: String,
    /// German: why nothing was done.
    pub message: String,
}

/// (sender's field, our field) for the applicant's fields.
const APPLICANT_FIELDS: [(&str, &str); 7] = [
    ("salutation", "salutation"),
    ("firstName", "first_name"),
    ("lastName", "surname"),
    ("birthDate", "birth_date"),
    ("email", "email"),
    ("phone", "phone"),
    ("message", "message"),
];
const ADDRESS_FIELDS: [(&str, &str); 5] = [
    ("street", "street"),
    ("houseNumber", "house_no"),
    ("zipCode", "postal_code"),
    ("city", "city"),
    ("countryCode", "country"),
];

/// Receives a melon-style applicant event (PRO-2).
#[utoipa::path(
    post,
    path = "/v1/hooks/melon",
    operation_id = "melon_hook",
    tag = "prospects",
    request_body(content = Object, description = "melon-style event: `id`, `type`, \
        `data.listing.externalId`, `data.applicant` (see the module documentation)"),
    responses(
        (status = 201, description = "New applicant stored as prospect",
            body = crate::prospects::ProspectOut),
        (status = 200, description = "The same event again: the stored prospect",
            body = crate::prospects::ProspectOut),
        (status = 202, description = "Event type not handled; acknowledged, nothing stored",
            body = Ignored),
        (status = 400, description = "No JSON, or no event id", body = ErrorBody),
        (status = 401, description = "API key missing or invalid", body = ErrorBody),
        (status = 404, description = "This connection accepts no prospects (GEN-3)",
            body = ErrorBody),
        (status = 409, description = "Event id used before for other content", body = ErrorBody),
        (status = 422, description = "A mapped field cannot be accepted", body = ErrorBody),
    )
)]
pub async fn hook(
    State(state): State<ApiState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    accepts_prospects(&caller)?;
    let event: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "body",
            format!("der Inhalt ist kein gültiges JSON: {e}"),
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let event_type = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !APPLICANT_EVENTS.contains(&event_type.as_str()) {
        let message = format!(
            "Ereignistyp „{event_type}“ wird nicht verarbeitet (nur {}); nichts gespeichert",
            APPLICANT_EVENTS.join(", ")
        );
        return Ok((
            StatusCode::ACCEPTED,
            Json(Ignored {
                ignored: true,
                event_type,
                message,
            }),
        )
            .into_response());
    }
    let key = event_key(&event, &headers)?;
    let prospect = translate(&event);
    accept(&state, &caller, &key, &prospect, "melon", sender_field).await
}

/// The event id: `id` of the body, else header `webhook-id`, else `Idempotency-Key`.
fn event_key(event: &Value, headers: &HeaderMap) -> Result<String, ApiError> {
    let from_body = event.get("id").and_then(|v| match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let from_header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
    };
    let key = from_body
        .filter(|k| !k.is_empty())
        .or_else(|| from_header("webhook-id"))
        .or_else(|| from_header(IDEMPOTENCY_KEY))
        .unwrap_or_default();
    let valid = !key.is_empty()
        && key.len() <= IDEMPOTENCY_KEY_MAX
        && key.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(ApiError::bad_request(
            "id",
            format!(
                "Ereignis-ID „id“ fehlt oder ist ungültig (1 bis {IDEMPOTENCY_KEY_MAX} sichtbare \
                 ASCII-Zeichen): ohne sie würde ein wiederholtes Senden den Interessenten \
                 verdoppeln"
            ),
            format!(
                "event id \"id\" missing or invalid (1 to {IDEMPOTENCY_KEY_MAX} visible ASCII \
                 characters): without it a repeated delivery would double the prospect"
            ),
        ));
    }
    Ok(key)
}

/// The event in the shape of [`crate::prospects::ProspectIn`]; fields not given stay absent
/// (so that a missing one is reported as missing, under the sender's name).
fn translate(event: &Value) -> Value {
    let data = event.get("data");
    let applicant = data.and_then(|d| d.get("applicant"));
    let mut out = Map::new();
    if let Some(unit) = data
        .and_then(|d| d.get("listing").or_else(|| d.get("property")))
        .and_then(|l| l.get("externalId"))
    {
        out.insert("unit_id".to_owned(), unit.clone());
    }
    if let Some(a) = applicant {
        for (theirs, ours) in APPLICANT_FIELDS {
            if let Some(v) = a.get(theirs).filter(|v| !v.is_null()) {
                let v = if ours == "salutation" {
                    salutation(v)
                } else {
                    v.clone()
                };
                out.insert(ours.to_owned(), v);
            }
        }
        if let Some(addr) = a.get("address").filter(|v| v.is_object()) {
            let mut m = Map::new();
            for (theirs, ours) in ADDRESS_FIELDS {
                if let Some(v) = addr.get(theirs).filter(|v| !v.is_null()) {
                    m.insert(ours.to_owned(), v.clone());
                }
            }
            out.insert("address".to_owned(), Value::Object(m));
        }
    }
    if !out.contains_key("surname") {
        // Reported as `data.applicant.lastName` missing.
        out.insert("surname".to_owned(), Value::Null);
    }
    Value::Object(out)
}

/// melon's salutation codes in German; anything else as sent.
fn salutation(v: &Value) -> Value {
    match v.as_str().map(str::to_ascii_uppercase).as_deref() {
        Some("MR") | Some("MALE") => json!("Herr"),
        Some("MRS") | Some("MS") | Some("FEMALE") => json!("Frau"),
        Some("DIVERSE") | Some("OTHER") => json!("Divers"),
        _ => v.clone(),
    }
}

/// Our field name (`surname`, `address.postal_code`) as the sender wrote it.
fn sender_field(ours: &str) -> String {
    if ours == "unit_id" {
        return "data.listing.externalId".to_owned();
    }
    if let Some(rest) = ours.strip_prefix("address.") {
        let theirs = ADDRESS_FIELDS
            .iter()
            .find(|(_, o)| *o == rest)
            .map_or(rest, |(t, _)| *t);
        return format!("data.applicant.address.{theirs}");
    }
    if ours == "address" {
        return "data.applicant.address".to_owned();
    }
    match APPLICANT_FIELDS.iter().find(|(_, o)| *o == ours) {
        Some((theirs, _)) => format!("data.applicant.{theirs}"),
        None => ours.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pro_2_melon_fields_map_to_prospect_fields_and_back() {
        let event = json!({
            "id": "evt_1", "type": "applicant.created",
            "data": {"listing": {"externalId": "1.100.1.7"},
                     "applicant": {"salutation": "MRS", "firstName": "Erika",
                                   "lastName": "Müller", "address": {"zipCode": "22763",
                                   "street": "Elbchaussee", "city": "Hamburg"},
                                   "unknownExtra": 1}}
        });
        let p = translate(&event);
        assert_eq!(p["unit_id"], "1.100.1.7");
        assert_eq!(p["salutation"], "Frau");
        assert_eq!(p["surname"], "Müller");
        assert_eq!(p["address"]["postal_code"], "22763");
        assert!(p.get("unknownExtra").is_none());
        assert_eq!(sender_field("surname"), "data.applicant.lastName");
        assert_eq!(
            sender_field("address.postal_code"),
            "data.applicant.address.zipCode"
        );
        assert_eq!(sender_field("unit_id"), "data.listing.externalId");
    }
}
