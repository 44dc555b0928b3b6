//! OpenImmo-Feedback import (PRO-2): the prospects of one feedback file go into the inbox, as
//! if the partner had sent them through the API, and from there the write-back takes them into
//! the ERP. Lenient: one unusable prospect is a failed protocol line with its position, object
//! ID, field and reason; the others are taken. Each prospect's idempotency key is the file's
//! name and its position, so importing the same file again takes nothing twice.

use chrono_tz::Europe::Berlin;
use immohub_domain::profile::FeedKind;
use immohub_domain::prospect::Prospect;
use immohub_openimmo::{FeedbackFile, FeedbackProspect};
use immohub_store::{
    Batch, Counts, InboxInsert, InboxKind, NewInboxItem, NewRun, Outcome, RecordStatus, RunEnd,
    RunStatus, Store, StoreError,
};
use serde_json::{Map, Value, json};

use crate::clock::Clock;
use crate::config::PartnerConfig;

/// What one file import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackSummary {
    pub run_id: i64,
    /// New prospects in the inbox.
    pub accepted: usize,
    /// Already imported before (same file and position).
    pub known: usize,
    /// Unusable prospects (German reasons).
    pub rejected: Vec<String>,
}

/// Imports one parsed feedback file of `partner`; `file_name` names it in keys and protocol.
pub async fn import_feedback(
    store: &dyn Store,
    partner: &PartnerConfig,
    file_name: &str,
    file: &FeedbackFile,
    clock: &dyn Clock,
) -> Result<FeedbackSummary, StoreError> {
    let now = clock.now();
    let today = now.with_timezone(&Berlin).date_naive();
    let run_id = store
        .start_run(&NewRun {
            use_case: "interessenten".to_owned(),
            connection: partner.name.clone(),
            direction: "partner_to_erp".to_owned(),
            trigger: format!("feedback {file_name}"),
            started_at: now,
        })
        .await?;
    let mut summary = FeedbackSummary {
        run_id,
        accepted: 0,
        known: 0,
        rejected: Vec::new(),
    };
    let mut batch = Batch {
        run_id,
        connection: partner.name.clone(),
        at: Some(now),
        ..Batch::default()
    };
    let mut counts = Counts::default();
    let line =
        |key: String, status: RecordStatus, reason: Option<String>, rule: Option<&str>| Outcome {
            run_id,
            connection: partner.name.clone(),
            feed: FeedKind::Prospect,
            erp_key: key.clone(),
            partner_id: Some(key),
            status,
            reason,
            rule: rule.map(str::to_owned),
            at: now,
        };
    for entry in &file.prospects {
        counts.read += 1;
        let p = match entry {
            Ok(p) => p,
            Err(e) => {
                counts.failed += 1;
                let key = format!("{file_name}#{}", e.position);
                summary.rejected.push(e.to_string());
                batch.outcomes.push(line(
                    key,
                    RecordStatus::Failed,
                    Some(e.to_string()),
                    Some("PRO-2"),
                ));
                continue;
            }
        };
        let key = format!("{file_name}#{}", p.position);
        let body = api_body(p);
        let prospect = match Prospect::from_json(&body, partner.separator, &partner.clients, today)
        {
            Ok(pr) => pr,
            Err(fields) => {
                counts.failed += 1;
                let reason = format!(
                    "Interessent Nr. {} (Objekt {}): {}",
                    p.position,
                    p.oobj_id,
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                summary.rejected.push(reason.clone());
                batch
                    .outcomes
                    .push(line(key, RecordStatus::Failed, Some(reason), Some("PRO-1")));
                continue;
            }
        };
        let payload = serde_json::to_value(&prospect)
            .map_err(|e| StoreError::Conflict(format!("Interessent {key}: {e}")))?;
        let item = NewInboxItem {
            connection: partner.name.clone(),
            kind: InboxKind::Prospect,
            idempotency_key: format!("feedback:{key}"),
            source: "openimmo-feedback".to_owned(),
            payload,
            payload_hash: prospect.content_hash(),
            received_at: now,
        };
        match store.insert_inbox(&item).await {
            Ok(InboxInsert::Created(_)) => {
                summary.accepted += 1;
                counts.sent += 1;
                // The write-back writes the prospect's protocol line; here only what the
                // lenient reading left out is worth a line.
                let warnings: Vec<String> = p
                    .warnings
                    .iter()
                    .map(|w| format!("{} „{}“: {}", w.field, w.value, w.reason))
                    .collect();
                if !warnings.is_empty() {
                    batch.outcomes.push(line(
                        key,
                        RecordStatus::Sent,
                        Some(format!(
                            "aus {file_name} übernommen, mit Hinweisen: {}",
                            warnings.join("; ")
                        )),
                        Some("PRO-2"),
                    ));
                }
            }
            Ok(InboxInsert::Existing(_)) => {
                summary.known += 1;
                counts.unchanged += 1;
            }
            Err(StoreError::Conflict(m)) => {
                counts.failed += 1;
                let reason = format!("{key}: schon mit anderem Inhalt eingelesen ({m})");
                summary.rejected.push(reason.clone());
                batch
                    .outcomes
                    .push(line(key, RecordStatus::Failed, Some(reason), Some("PRO-2")));
            }
            Err(e) => return Err(e),
        }
    }
    let mut errors = Vec::new();
    if let Some(t) = &file.truncated {
        errors.push(format!("{file_name}: Datei bricht ab: {t}"));
    }
    batch.counts = counts;
    store.apply_batch(&batch).await?;
    let status = if !errors.is_empty() || !summary.rejected.is_empty() {
        RunStatus::Partial
    } else {
        RunStatus::Succeeded
    };
    errors.extend(summary.rejected.iter().cloned());
    store
        .finish_run(
            run_id,
            &RunEnd {
                ended_at: clock.now(),
                status,
                errors,
            },
        )
        .await?;
    Ok(summary)
}

/// The partner API's prospect body for a feedback prospect (PRO-1), leniently: an incomplete
/// address is left out (street, postcode and city belong together), the mobile number stands
/// in for a missing phone, a house number at the end of the street is split off.
pub fn api_body(p: &FeedbackProspect) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            m.insert(k.to_owned(), Value::String(v.to_owned()));
        }
    };
    put("unit_id", &Some(p.oobj_id.clone()));
    put("salutation", &p.salutation);
    put("first_name", &p.first_name);
    put("surname", &p.last_name);
    put("email", &p.email);
    put("phone", &p.phone.clone().or_else(|| p.mobile.clone()));
    put("message", &p.message);
    if let Some(d) = p.birth_date {
        m.insert(
            "birth_date".to_owned(),
            json!(d.format("%Y-%m-%d").to_string()),
        );
    }
    if let (Some(street), Some(postcode), Some(city)) = (&p.street, &p.postcode, &p.city) {
        let (street, house_no) = split_house_no(street);
        let mut a = json!({ "street": street, "postal_code": postcode, "city": city });
        if let (Some(h), Some(obj)) = (house_no, a.as_object_mut()) {
            obj.insert("house_no".to_owned(), json!(h));
        }
        m.insert("address".to_owned(), a);
    }
    Value::Object(m)
}

/// `Elbchaussee 12a` → (`Elbchaussee`, `12a`); a street without a number stays as it is.
fn split_house_no(street: &str) -> (String, Option<String>) {
    let s = street.trim();
    if let Some((name, last)) = s.rsplit_once(' ')
        && last.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !name.trim().is_empty()
    {
        return (name.trim().to_owned(), Some(last.to_owned()));
    }
    (s.to_owned(), None)
}
