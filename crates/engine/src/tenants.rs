//! Use case "Mieter ohne Vertrag" (accepted tenants, partner → ERP): TEN-1, TEN-2, TEN-3, GEN-3,
//! GEN-7, GEN-8, GEN-11.
//!
//! A partner that accepted a prospect as tenant sends the tenant with the dossier
//! (`POST /v1/tenants`); the partner API keeps the item in the inbox and the files in immohub's
//! dossier directory before it answers. A run claims the partner's due items, and for each one
//!
//! 1. **decides**: resolves the unit (as for prospects: GEN-1, GEN-2), checks the main tenant
//!    against the ERP's persons (PRO-3: a sure match is linked; an uncertain one is written
//!    with the candidates in `match_note` for staff, who create the lease by hand anyway —
//!    a tenant is never held back), and builds the interface row with the partner's technical
//!    user (GEN-3). Only the main tenant becomes a business partner; the household travels in
//!    the dossier (TEN-2);
//! 2. **writes** the dossier's files into the ERP's dossier directory and the rows into
//!    `immohub_in_tenants` / `immohub_in_tenant_documents` (idempotent by `external_ref`);
//! 3. **records** the result with its protocol line, the run's counters and — when written —
//!    one e-mail per subscribed staff member (TEN-3), in one store transaction; then immohub's
//!    own copy of the dossier is removed (the ERP holds it now).
//!
//! [`send_notifications`] sends the queued e-mails (the worker of `serve` after each poll; the
//! manual run at its end); an SMTP error is retried with growing pauses.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Berlin;
use futures::future::BoxFuture;
use immohub_domain::prospect::TechnicalUser;
use immohub_domain::tenant::{AcceptedTenant, dossier_dir_name};
use immohub_erp::{ErpSink, PersonMatch, SinkWrite, TenantRow};
use immohub_store::{
    Counts, InboxDone, InboxItem, InboxKind, InboxResult, NewNotification, NewRun,
    NotificationResult, Outcome, RecordStatus, RunEnd, RunStatus, Store, StoreError, TOPIC_TENANTS,
};

use crate::clock::Clock;
use crate::config::PartnerConfig;
use crate::duplicates::{DuplicateCheck, Verdict};
use crate::stammdaten::{RunSummary, SyncError};
use crate::writeback::{
    Unit, WriteError, WritebackOptions, external_ref, resolve_unit, retry_delay,
};

/// The use case's name in runs, schedules and the CLI.
pub const USE_CASE: &str = "mieter";
/// Direction recorded with its runs.
pub const DIRECTION: &str = "partner_to_erp";

/// What the engine needs to write accepted tenants into the ERP. Implemented by
/// [`ErpTenantTarget`]; tests may wrap it.
pub trait TenantWrite: Send + Sync {
    /// Writes the tenant with its dossier, once per `external_ref`.
    fn write_tenant<'a>(
        &'a self,
        row: &'a TenantRow,
    ) -> BoxFuture<'a, Result<SinkWrite, WriteError>>;
}

/// The ERP's interface tables plus its dossier directory.
pub struct ErpTenantTarget<'a> {
    pub sink: &'a ErpSink,
    /// Where the ERP reads dossier files (`[erp] dossier_dir`).
    pub dossier_dir: PathBuf,
}

impl TenantWrite for ErpTenantTarget<'_> {
    fn write_tenant<'a>(
        &'a self,
        row: &'a TenantRow,
    ) -> BoxFuture<'a, Result<SinkWrite, WriteError>> {
        Box::pin(async move {
            self.sink
                .write_tenant(row, &self.dossier_dir)
                .await
                .map_err(|e| WriteError {
                    transient: e.is_transient(),
                    message: e.to_string(),
                })
        })
    }
}

/// Sends one e-mail. Implemented over SMTP by the CLI (lettre); an `Err` is German.
pub trait SendMail: Send + Sync {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// What a tenant run works with.
pub struct TenantContext<'a> {
    pub store: &'a dyn Store,
    pub erp: &'a dyn TenantWrite,
    pub dups: Option<&'a DuplicateCheck>,
    pub partner: &'a PartnerConfig,
    pub clock: &'a dyn Clock,
    pub opts: &'a WritebackOptions,
    /// immohub's dossier directory (what the partner API wrote to); each tenant's files are
    /// in `<dossiers>/<dossier_dir_name(connection, key)>/`.
    pub dossiers: &'a Path,
}

/// A manual run: writes every due tenant of the partner into the ERP. Always records a run.
/// A partner without technical user gets a failed run that says so (GEN-3).
pub async fn run_mieter(cx: &TenantContext<'_>) -> Result<RunSummary, SyncError> {
    let started_at = cx.clock.now();
    let run_id = start_run(cx, started_at).await?;
    let Some(user) = cx.partner.technical_user.clone() else {
        let error = format!(
            "Für den Partner „{}“ ist kein technischer ERP-Benutzer (technical_user) \
             konfiguriert: Mieter werden nicht ins ERP geschrieben (GEN-3)",
            cx.partner.name
        );
        return finish(cx, run_id, started_at, Counts::default(), vec![error]).await;
    };
    let (counts, errors) = drain(cx, &user, run_id, Vec::new()).await?;
    finish(cx, run_id, started_at, counts, errors).await
}

/// One poll of the worker: when the partner has due tenants, writes them in a run; otherwise
/// records nothing and returns `None`.
pub async fn poll_mieter(cx: &TenantContext<'_>) -> Result<Option<RunSummary>, SyncError> {
    let Some(user) = cx.partner.technical_user.clone() else {
        return Ok(None);
    };
    let first = claim(cx).await?;
    if first.is_empty() {
        return Ok(None);
    }
    let started_at = cx.clock.now();
    let run_id = match start_run(cx, started_at).await {
        Ok(id) => id,
        Err(e) => {
            let ids: Vec<i64> = first.iter().map(|i| i.id).collect();
            let _ = cx.store.release_inbox(&cx.opts.holder, &ids).await;
            return Err(e);
        }
    };
    let (counts, errors) = drain(cx, &user, run_id, first).await?;
    finish(cx, run_id, started_at, counts, errors)
        .await
        .map(Some)
}

async fn start_run(cx: &TenantContext<'_>, started_at: DateTime<Utc>) -> Result<i64, SyncError> {
    Ok(cx
        .store
        .start_run(&NewRun {
            use_case: USE_CASE.to_owned(),
            connection: cx.partner.name.clone(),
            direction: DIRECTION.to_owned(),
            trigger: cx.opts.trigger.clone(),
            started_at,
        })
        .await?)
}

async fn claim(cx: &TenantContext<'_>) -> Result<Vec<InboxItem>, StoreError> {
    cx.store
        .claim_inbox(
            InboxKind::Tenant,
            Some(&cx.partner.name),
            &cx.opts.holder,
            cx.opts.batch_size.max(1),
            cx.opts.lease,
            cx.clock.now(),
        )
        .await
}

async fn finish(
    cx: &TenantContext<'_>,
    run_id: i64,
    started_at: DateTime<Utc>,
    counts: Counts,
    errors: Vec<String>,
) -> Result<RunSummary, SyncError> {
    crate::writeback::finish(cx.store, cx.clock, run_id, started_at, counts, errors).await
}

async fn failed_run(cx: &TenantContext<'_>, run_id: i64, e: StoreError) -> SyncError {
    let end = RunEnd {
        ended_at: cx.clock.now(),
        status: RunStatus::Failed,
        errors: vec![format!("Hub-Datenbank: {e}")],
    };
    let _ = cx.store.finish_run(run_id, &end).await;
    SyncError::Run {
        run_id,
        message: e.to_string(),
    }
}

async fn drain(
    cx: &TenantContext<'_>,
    user: &TechnicalUser,
    run_id: i64,
    first: Vec<InboxItem>,
) -> Result<(Counts, Vec<String>), SyncError> {
    let mut counts = Counts::default();
    let mut batch = first;
    loop {
        if batch.is_empty() {
            batch = match claim(cx).await {
                Ok(b) => b,
                Err(e) => return Err(failed_run(cx, run_id, e).await),
            };
            if batch.is_empty() {
                return Ok((counts, Vec::new()));
            }
        }
        let mut items = std::mem::take(&mut batch).into_iter();
        while let Some(item) = items.next() {
            match process(cx, user, run_id, &item, &mut counts).await {
                Ok(None) => {}
                Ok(Some(stop)) => {
                    let rest: Vec<i64> = items.map(|i| i.id).collect();
                    if let Err(e) = cx.store.release_inbox(&cx.opts.holder, &rest).await {
                        return Err(failed_run(cx, run_id, e).await);
                    }
                    return Ok((counts, vec![stop]));
                }
                Err(e) => {
                    let rest: Vec<i64> = items.map(|i| i.id).collect();
                    let _ = cx.store.release_inbox(&cx.opts.holder, &rest).await;
                    return Err(failed_run(cx, run_id, e).await);
                }
            }
        }
    }
}

/// What to do with one item.
enum Decision {
    Write(Box<TenantRow>),
    Fail { reason: String, rule: &'static str },
}

async fn decide(
    cx: &TenantContext<'_>,
    user: &TechnicalUser,
    item: &InboxItem,
    reference: &str,
) -> Result<Decision, StoreError> {
    let tenant: AcceptedTenant = match serde_json::from_value(item.payload.clone()) {
        Ok(t) => t,
        Err(e) => {
            return Ok(Decision::Fail {
                reason: format!("Inhalt des Eingangs {} unlesbar: {e}", item.id),
                rule: "TEN-1",
            });
        }
    };
    let numbers = match resolve_unit(cx.store, cx.partner, &tenant.main_tenant.unit_id).await? {
        Unit::Found(n) => n,
        Unit::Unknown { reason, rule } => return Ok(Decision::Fail { reason, rule }),
    };
    let person_match = match cx.dups {
        None => PersonMatch::default(),
        Some(dups) => match dups
            .check(cx.store, &numbers[0], &tenant.main_tenant)
            .await?
        {
            Verdict::Link {
                person_no,
                score,
                note,
            } => PersonMatch {
                linked_person_no: Some(person_no),
                score: Some(score),
                note: Some(note),
            },
            Verdict::New { note } => PersonMatch {
                note: Some(note),
                ..PersonMatch::default()
            },
            // Staff create the lease by hand: they get the candidates instead of a hold.
            Verdict::Review(review) => PersonMatch {
                note: Some(format!(
                    "{} – bitte vor dem Anlegen des Geschäftspartners prüfen: {}",
                    review.summary, review.candidates
                )),
                ..PersonMatch::default()
            },
        },
    };
    let [client_no, property_no, building_no, unit_no] = numbers;
    Ok(Decision::Write(Box::new(TenantRow {
        external_ref: reference.to_owned(),
        technical_user: user.clone(),
        partner: item.connection.clone(),
        received_at: item.received_at,
        client_no,
        property_no,
        building_no,
        unit_no,
        source: item.source.clone(),
        payload_hash: item.payload_hash.clone(),
        tenant,
        person_match,
        source_dir: cx
            .dossiers
            .join(dossier_dir_name(&item.connection, &item.idempotency_key)),
    })))
}

/// The staff e-mail for a written tenant (TEN-3).
fn notice(cx: &TenantContext<'_>, row: &TenantRow, erp_id: i64, to: String) -> NewNotification {
    let t = &row.tenant;
    let m = &t.main_tenant;
    let mut body = format!(
        "Guten Tag,\n\nder Partner „{}“ hat einen Mieter ohne Vertrag übermittelt. Bitte \
         prüfen Sie die Unterlagen und legen Sie den Mietvertrag im ERP an \
         (Zuweisung freigeben).\n\n",
        cx.partner.name
    );
    body.push_str(&format!(
        "Einheit:        {} (Mandant {}, WE {}, Gebäude {}, Einheit {})\n",
        m.unit_id, row.client_no, row.property_no, row.building_no, row.unit_no
    ));
    body.push_str(&format!("Hauptmieter:    {}\n", m.display_name()));
    if let Some(e) = &m.email {
        body.push_str(&format!("E-Mail:         {e}\n"));
    }
    if let Some(p) = &m.phone {
        body.push_str(&format!("Telefon:        {p}\n"));
    }
    if let Some(d) = t.move_in {
        body.push_str(&format!("Einzug ab:      {}\n", d.format("%d.%m.%Y")));
    }
    body.push_str(&format!(
        "Haushalt:       {} weitere Person(en)\n",
        t.household.len()
    ));
    for h in &t.household {
        let name = match &h.first_name {
            Some(f) => format!("{f} {}", h.surname),
            None => h.surname.clone(),
        };
        let relation = h.relation.as_deref().unwrap_or("ohne Angabe");
        body.push_str(&format!("                - {name} ({relation})\n"));
    }
    body.push_str(&format!(
        "Unterlagen:     {} Datei(en)\n",
        t.documents.len()
    ));
    for d in &t.documents {
        body.push_str(&format!(
            "                - {}: {} ({} KB)\n",
            d.kind.label_de(),
            d.file_name,
            d.size.div_ceil(1024)
        ));
    }
    if let Some(n) = &row.person_match.note {
        body.push_str(&format!("Dublettenprüfung: {n}\n"));
    }
    body.push_str(&format!(
        "\nIm ERP: Schnittstellentabelle immohub_in_tenants, Zeile {erp_id}; Unterlagen im \
         Dossier-Verzeichnis unter {}.\n\n-- \nimmohub\n",
        row.dossier_name()
    ));
    NewNotification {
        topic: TOPIC_TENANTS.to_owned(),
        recipient: to,
        subject: format!(
            "Neuer Mieter ohne Vertrag: {} – Einheit {}",
            m.display_name(),
            m.unit_id
        ),
        body,
    }
}

async fn process(
    cx: &TenantContext<'_>,
    user: &TechnicalUser,
    run_id: i64,
    item: &InboxItem,
    counts: &mut Counts,
) -> Result<Option<String>, StoreError> {
    let reference = external_ref(&item.connection, &item.idempotency_key);
    let row = match decide(cx, user, item, &reference).await? {
        Decision::Write(row) => row,
        Decision::Fail { reason, rule } => {
            let result = InboxResult::Failed {
                error: reason.clone(),
                rule: Some(rule.to_owned()),
            };
            let rec = Record {
                reason: Some(reason),
                rule: Some(rule),
                notify: Vec::new(),
            };
            record(cx, run_id, item, &reference, result, rec, counts).await?;
            return Ok(None);
        }
    };
    crate::crash::point("tenants.before_erp_write");
    let written = cx.erp.write_tenant(&row).await;
    match written {
        Ok(w) => {
            let mut reason = format!(
                "ERP-Zeile {} (Benutzer {user}): Hauptmieter {}, {} Mitbewohner im Dossier, \
                 {} Datei(en)",
                w.erp_id,
                row.tenant.main_tenant.display_name(),
                row.tenant.household.len(),
                row.tenant.documents.len()
            );
            if !w.inserted {
                reason.push_str(", war bereits im ERP (Wiederholung nach Abbruch)");
            }
            let notify = cx
                .store
                .subscribers(TOPIC_TENANTS, &item.connection)
                .await?
                .into_iter()
                .map(|to| notice(cx, &row, w.erp_id, to))
                .collect::<Vec<_>>();
            if !notify.is_empty() {
                reason.push_str(&format!(
                    "; E-Mail an {} Abonnent(en) (TEN-3)",
                    notify.len()
                ));
            }
            let result = InboxResult::Written {
                erp_id: w.erp_id.to_string(),
            };
            let rec = Record {
                reason: Some(reason),
                rule: None,
                notify,
            };
            if record(cx, run_id, item, &reference, result, rec, counts).await? {
                // The ERP holds the dossier now: immohub's copy goes (personal data).
                let dir = row.source_dir.clone();
                if let Err(e) = tokio::fs::remove_dir_all(&dir).await
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(dir = %dir.display(), error = %e, "Dossier-Kopie nicht entfernt");
                }
            }
            Ok(None)
        }
        Err(e) if e.transient => {
            let attempts = item.attempts + 1;
            let now = cx.clock.now();
            let (result, reason) = if attempts >= cx.opts.max_attempts {
                let error = format!("nach {attempts} Versuchen aufgegeben: {}", e.message);
                (
                    InboxResult::Dead {
                        error: error.clone(),
                    },
                    error,
                )
            } else {
                let next = now + retry_delay(cx.opts, attempts);
                (
                    InboxResult::Retry {
                        error: e.message.clone(),
                        next_attempt_at: next,
                    },
                    format!(
                        "vorübergehender ERP-Fehler, neuer Versuch ab {}: {}",
                        next.with_timezone(&Berlin).format("%d.%m.%Y %H:%M:%S"),
                        e.message
                    ),
                )
            };
            let rec = Record {
                reason: Some(reason),
                rule: Some("GEN-11"),
                notify: Vec::new(),
            };
            record(cx, run_id, item, &reference, result, rec, counts).await?;
            Ok(Some(format!("ERP: {}", e.message)))
        }
        Err(e) => {
            let result = InboxResult::Failed {
                error: e.message.clone(),
                rule: Some("TEN-1".to_owned()),
            };
            let rec = Record {
                reason: Some(e.message),
                rule: Some("TEN-1"),
                notify: Vec::new(),
            };
            record(cx, run_id, item, &reference, result, rec, counts).await?;
            Ok(None)
        }
    }
}

struct Record {
    reason: Option<String>,
    rule: Option<&'static str>,
    notify: Vec<NewNotification>,
}

/// Ends the attempt in the store; `false` when another instance took the item over.
async fn record(
    cx: &TenantContext<'_>,
    run_id: i64,
    item: &InboxItem,
    reference: &str,
    result: InboxResult,
    rec: Record,
    counts: &mut Counts,
) -> Result<bool, StoreError> {
    let at = cx.clock.now();
    let written = matches!(result, InboxResult::Written { .. });
    let delta = Counts {
        read: 1,
        sent: i64::from(written),
        failed: i64::from(!written),
        ..Counts::default()
    };
    let done = InboxDone {
        id: item.id,
        holder: cx.opts.holder.clone(),
        run_id,
        result,
        at,
        outcome: Outcome {
            run_id,
            connection: item.connection.clone(),
            feed: InboxKind::Tenant.feed(),
            erp_key: reference.to_owned(),
            partner_id: Some(item.idempotency_key.clone()),
            status: if written {
                RecordStatus::Sent
            } else {
                RecordStatus::Failed
            },
            reason: rec.reason,
            rule: rec.rule.map(str::to_owned),
            at,
        },
        counts: delta.clone(),
        notify: rec.notify,
    };
    let ok = cx.store.finish_inbox(&done).await?;
    if ok {
        counts.read += delta.read;
        counts.sent += delta.sent;
        counts.failed += delta.failed;
    } else {
        tracing::warn!(
            item = item.id,
            partner = %item.connection,
            "Eingang wurde inzwischen von einer anderen Instanz übernommen"
        );
    }
    Ok(ok)
}

/// Attempts per e-mail before it is given up.
pub const MAIL_MAX_ATTEMPTS: i64 = 8;

/// Sends the queued staff e-mails that are due (TEN-3). Returns (sent, failed). An SMTP error
/// is retried after 1, 2, 4, … minutes; after [`MAIL_MAX_ATTEMPTS`] the e-mail is given up
/// (status `dead`, visible with `immohub protocol`).
pub async fn send_notifications(
    store: &dyn Store,
    mailer: &dyn SendMail,
    clock: &dyn Clock,
) -> Result<(u32, u32), StoreError> {
    let mut sent = 0;
    let mut failed = 0;
    loop {
        let due = store
            .claim_notifications(clock.now(), Duration::minutes(5), 20)
            .await?;
        if due.is_empty() {
            return Ok((sent, failed));
        }
        for n in due {
            let result = match mailer.send(&n.recipient, &n.subject, &n.body).await {
                Ok(()) => {
                    sent += 1;
                    NotificationResult::Sent
                }
                Err(error) => {
                    failed += 1;
                    tracing::warn!(notification = n.id, error = %error, "E-Mail nicht versendet");
                    if n.attempts >= MAIL_MAX_ATTEMPTS {
                        NotificationResult::Dead { error }
                    } else {
                        let pause = 1_i64 << (n.attempts.clamp(1, 10) - 1);
                        NotificationResult::Retry {
                            error,
                            next_attempt_at: clock.now() + Duration::minutes(pause),
                        }
                    }
                }
            };
            store
                .finish_notification(n.id, &result, clock.now())
                .await?;
        }
        if failed > 0 {
            // The server is unwell: the rest waits for the next round.
            return Ok((sent, failed));
        }
    }
}
