//! Use case "Interessenten" (prospects, partner → ERP): PRO-1, PRO-2, PRO-5, GEN-3, GEN-7,
//! GEN-8, GEN-11.
//!
//! Prospects wait in the inbox (the partner API commits them there before it answers). A run
//! claims the partner's due items, and for each one
//!
//! 1. **decides** ([`Ctx::decide`]): reads the prospect, resolves the partner's unit ID to the
//!    ERP's unit numbers (through the record states of the partner's unit feed, else through
//!    the canonical units; GEN-1, GEN-2) and builds the interface row with the partner's
//!    technical user (GEN-3) — or fails the item with a reason. Then the duplicate check
//!    against the ERP's persons (PRO-3, [`crate::duplicates`]): link to an existing person,
//!    new person, or — when uncertain — the item waits in the review list until staff decide
//!    ([`immohub_store::InboxStore::decide_review`]); a decision is used as it is;
//! 2. **writes** the row through [`ErpWrite`] (`immohub_in_prospects`, idempotent by
//!    `external_ref`);
//! 3. **records** the result: the item's status with the ERP id, its protocol line and the
//!    run's counters, in one store transaction (GEN-7, GEN-8).
//!
//! Crash safety (GEN-11): a crash before step 3 leaves the item claimed; when the claim ends,
//! the item is taken again and written again, which the ERP's unique `external_ref` turns into
//! a look-up of the first row — one row, and the item is marked written with that row's id.
//!
//! Transient ERP errors (connection lost, table missing, …) stop the run: the item is retried
//! with growing pauses ([`WritebackOptions::retry_base`] doubling up to
//! [`WritebackOptions::retry_max`]), and after [`WritebackOptions::max_attempts`] it is put
//! aside as dead; the other claimed items are given back untouched.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Berlin;
use futures::future::BoxFuture;
use immohub_domain::profile::FeedKind;
use immohub_domain::prospect::{Prospect, TechnicalUser};
use immohub_domain::raw::{KEY_SEP, key_parts};
use immohub_domain::{ErpEntity, id};
use immohub_erp::{ErpSink, PersonMatch, ProspectRow, SinkWrite};
use immohub_store::{
    Counts, InboxDone, InboxItem, InboxKind, InboxResult, NewReview, NewRun, Outcome, RecordStatus,
    ReviewDecision, RunEnd, RunStatus, Store, StoreError,
};

use crate::clock::Clock;
use crate::config::PartnerConfig;
use crate::duplicates::{DuplicateCheck, Verdict};
use crate::stammdaten::{RunSummary, SyncError};

/// The use case's name in runs, schedules and the CLI.
pub const USE_CASE: &str = "interessenten";
/// Direction recorded with its runs.
pub const DIRECTION: &str = "partner_to_erp";

/// Why an ERP write failed: `transient` errors may go away when tried later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub transient: bool,
    /// German message.
    pub message: String,
}

/// What the engine needs from an ERP adapter to write prospects. Implemented by
/// [`immohub_erp::ErpSink`]; tests may wrap it.
pub trait ErpWrite: Send + Sync {
    /// Writes one prospect into the ERP's interface table, once per `external_ref`: writing
    /// the same reference again changes nothing and returns the first row.
    fn write_prospect<'a>(
        &'a self,
        row: &'a ProspectRow,
    ) -> BoxFuture<'a, Result<SinkWrite, WriteError>>;
}

impl ErpWrite for ErpSink {
    fn write_prospect<'a>(
        &'a self,
        row: &'a ProspectRow,
    ) -> BoxFuture<'a, Result<SinkWrite, WriteError>> {
        Box::pin(async move {
            ErpSink::write_prospect(self, row)
                .await
                .map_err(|e| WriteError {
                    transient: e.is_transient(),
                    message: e.to_string(),
                })
        })
    }
}

/// Knobs of a write-back run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritebackOptions {
    /// Who claims the items: unique per process (see [`default_holder`]).
    pub holder: String,
    /// Items claimed at a time.
    pub batch_size: u32,
    /// How long a claim lasts: a worker that dies gives its items up after this time.
    pub lease: Duration,
    /// Attempts (transient ERP errors) before an item is put aside as dead.
    pub max_attempts: i64,
    /// Pause after the first transient error; doubled after each further one …
    pub retry_base: Duration,
    /// … up to this.
    pub retry_max: Duration,
    /// `manual`, `schedule`, `inbox` (the worker of `serve`), …
    pub trigger: String,
}

impl Default for WritebackOptions {
    fn default() -> Self {
        WritebackOptions {
            holder: default_holder(),
            batch_size: 50,
            lease: Duration::minutes(5),
            max_attempts: 10,
            retry_base: Duration::seconds(30),
            retry_max: Duration::hours(1),
            trigger: "manual".to_owned(),
        }
    }
}

/// `host:pid`: tells claims of different processes apart.
pub fn default_holder() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "immohub".to_owned());
    format!("{host}:{}", std::process::id())
}

/// The ERP interface table's unique reference of an inbox item: `connection:key`, with `%` and
/// `:` in the connection name escaped (`%25`, `%3A`) so that no two items share one.
pub fn external_ref(connection: &str, idempotency_key: &str) -> String {
    let conn = connection.replace('%', "%25").replace(':', "%3A");
    format!("{conn}:{idempotency_key}")
}

/// The pause before attempt `attempts + 1`, after `attempts` transient errors.
pub fn retry_delay(opts: &WritebackOptions, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let delay = opts
        .retry_base
        .checked_mul(2_i32.saturating_pow(doublings))
        .unwrap_or(opts.retry_max);
    delay.min(opts.retry_max)
}

/// A manual run (PRO-5): writes every due prospect of the partner into the ERP. Always records
/// a run, also when nothing is due. A partner without technical user gets a failed run that
/// says so, and nothing is written (GEN-3).
pub async fn run_interessenten(
    store: &dyn Store,
    erp: &dyn ErpWrite,
    dups: Option<&DuplicateCheck>,
    partner: &PartnerConfig,
    clock: &dyn Clock,
    opts: &WritebackOptions,
) -> Result<RunSummary, SyncError> {
    let started_at = clock.now();
    let run_id = start_run(store, partner, opts, started_at).await?;
    let Some(user) = partner.technical_user.clone() else {
        let error = format!(
            "Für den Partner „{}“ ist kein technischer ERP-Benutzer (technical_user) \
             konfiguriert: Interessenten werden nicht ins ERP geschrieben (GEN-3)",
            partner.name
        );
        return finish(
            store,
            clock,
            run_id,
            started_at,
            Counts::default(),
            vec![error],
        )
        .await;
    };
    let ctx = Ctx {
        store,
        erp,
        dups,
        partner,
        user,
        clock,
        opts,
        run_id,
    };
    let (counts, errors) = ctx.drain(Vec::new()).await?;
    finish(store, clock, run_id, started_at, counts, errors).await
}

/// One poll of the write-back worker: when the partner has due prospects, claims them and
/// writes them in a run; otherwise records nothing and returns `None`. Partners without a
/// technical user are skipped (`None`).
pub async fn poll_interessenten(
    store: &dyn Store,
    erp: &dyn ErpWrite,
    dups: Option<&DuplicateCheck>,
    partner: &PartnerConfig,
    clock: &dyn Clock,
    opts: &WritebackOptions,
) -> Result<Option<RunSummary>, SyncError> {
    let Some(user) = partner.technical_user.clone() else {
        return Ok(None);
    };
    let first = claim(store, partner, opts, clock.now()).await?;
    if first.is_empty() {
        return Ok(None);
    }
    let started_at = clock.now();
    let run_id = match start_run(store, partner, opts, started_at).await {
        Ok(id) => id,
        Err(e) => {
            let ids: Vec<i64> = first.iter().map(|i| i.id).collect();
            let _ = store.release_inbox(&opts.holder, &ids).await;
            return Err(e);
        }
    };
    let ctx = Ctx {
        store,
        erp,
        dups,
        partner,
        user,
        clock,
        opts,
        run_id,
    };
    let (counts, errors) = ctx.drain(first).await?;
    finish(store, clock, run_id, started_at, counts, errors)
        .await
        .map(Some)
}

async fn start_run(
    store: &dyn Store,
    partner: &PartnerConfig,
    opts: &WritebackOptions,
    started_at: DateTime<Utc>,
) -> Result<i64, SyncError> {
    Ok(store
        .start_run(&NewRun {
            use_case: USE_CASE.to_owned(),
            connection: partner.name.clone(),
            direction: DIRECTION.to_owned(),
            trigger: opts.trigger.clone(),
            started_at,
        })
        .await?)
}

async fn claim(
    store: &dyn Store,
    partner: &PartnerConfig,
    opts: &WritebackOptions,
    now: DateTime<Utc>,
) -> Result<Vec<InboxItem>, StoreError> {
    store
        .claim_inbox(
            InboxKind::Prospect,
            Some(&partner.name),
            &opts.holder,
            opts.batch_size.max(1),
            opts.lease,
            now,
        )
        .await
}

/// Ends a write-back run: status from errors and failures, in the protocol (GEN-7).
pub(crate) async fn finish(
    store: &dyn Store,
    clock: &dyn Clock,
    run_id: i64,
    started_at: DateTime<Utc>,
    counts: Counts,
    errors: Vec<String>,
) -> Result<RunSummary, SyncError> {
    let status = if !errors.is_empty() {
        RunStatus::Failed
    } else if counts.failed > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Succeeded
    };
    let ended_at = clock.now();
    store
        .finish_run(
            run_id,
            &RunEnd {
                ended_at,
                status,
                errors: errors.clone(),
            },
        )
        .await?;
    Ok(RunSummary {
        run_id,
        status,
        counts,
        errors,
        notes: Vec::new(),
        started_at,
        ended_at,
    })
}

/// What to do with one inbox item.
enum Decision {
    /// Write this row into the ERP.
    Write(Box<ProspectRow>),
    /// Uncertain duplicate (PRO-3): put it into the review list.
    Review(NewReview),
    /// Do not write it: German reason and rule.
    Fail { reason: String, rule: &'static str },
}

/// How the unit ID of a prospect (or an accepted tenant) resolved.
pub(crate) enum Unit {
    Found([String; 4]),
    Unknown { reason: String, rule: &'static str },
}

struct Ctx<'a> {
    store: &'a dyn Store,
    erp: &'a dyn ErpWrite,
    /// The duplicate check; `None` when switched off (`[matching] enabled = false`).
    dups: Option<&'a DuplicateCheck>,
    partner: &'a PartnerConfig,
    user: TechnicalUser,
    clock: &'a dyn Clock,
    opts: &'a WritebackOptions,
    run_id: i64,
}

impl Ctx<'_> {
    /// Processes `first` and further claimed batches until nothing is due or a transient ERP
    /// error stops the run. Returns the counters and run-level errors.
    async fn drain(&self, first: Vec<InboxItem>) -> Result<(Counts, Vec<String>), SyncError> {
        let mut counts = Counts::default();
        let mut batch = first;
        loop {
            if batch.is_empty() {
                batch = self
                    .claimed(claim(self.store, self.partner, self.opts, self.clock.now()))
                    .await?;
                if batch.is_empty() {
                    return Ok((counts, Vec::new()));
                }
            }
            let mut items = std::mem::take(&mut batch).into_iter();
            while let Some(item) = items.next() {
                match self.process(&item, &mut counts).await {
                    Ok(None) => {}
                    Ok(Some(stop)) => {
                        // Transient ERP error: give the rest back untouched and stop.
                        let rest: Vec<i64> = items.map(|i| i.id).collect();
                        self.claimed(self.store.release_inbox(&self.opts.holder, &rest))
                            .await?;
                        return Ok((counts, vec![stop]));
                    }
                    Err(e) => {
                        let rest: Vec<i64> = items.map(|i| i.id).collect();
                        let _ = self.store.release_inbox(&self.opts.holder, &rest).await;
                        return Err(self.failed_run(e).await);
                    }
                }
            }
        }
    }

    /// A store error ends the run as failed.
    async fn claimed<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, SyncError> {
        match f.await {
            Ok(v) => Ok(v),
            Err(e) => Err(self.failed_run(e).await),
        }
    }

    async fn failed_run(&self, e: StoreError) -> SyncError {
        let end = RunEnd {
            ended_at: self.clock.now(),
            status: RunStatus::Failed,
            errors: vec![format!("Hub-Datenbank: {e}")],
        };
        let _ = self.store.finish_run(self.run_id, &end).await;
        SyncError::Run {
            run_id: self.run_id,
            message: e.to_string(),
        }
    }

    /// One item: decide, write, record. Returns the run-level error when a transient ERP error
    /// should stop the run.
    async fn process(
        &self,
        item: &InboxItem,
        counts: &mut Counts,
    ) -> Result<Option<String>, StoreError> {
        let reference = external_ref(&item.connection, &item.idempotency_key);
        let row = match self.decide(item, &reference).await? {
            Decision::Write(row) => row,
            Decision::Review(review) => {
                let reason = review.summary.clone();
                self.record(
                    item,
                    &reference,
                    InboxResult::Review(review),
                    Some(reason),
                    Some("PRO-3"),
                    counts,
                )
                .await?;
                return Ok(None);
            }
            Decision::Fail { reason, rule } => {
                let result = InboxResult::Failed {
                    error: reason.clone(),
                    rule: Some(rule.to_owned()),
                };
                self.record(item, &reference, result, Some(reason), Some(rule), counts)
                    .await?;
                return Ok(None);
            }
        };

        crate::crash::point("writeback.before_erp_write");
        let written = self.erp.write_prospect(&row).await;
        crate::crash::point("writeback.after_erp_write");

        match written {
            Ok(w) => {
                let mut reason = format!("ERP-Zeile {} (Benutzer {})", w.erp_id, self.user);
                if !w.inserted {
                    reason.push_str(", war bereits im ERP (Wiederholung nach Abbruch)");
                }
                if let Some(note) = &row.person_match.note {
                    reason.push_str("; ");
                    reason.push_str(note);
                }
                let result = InboxResult::Written {
                    erp_id: w.erp_id.to_string(),
                };
                self.record(item, &reference, result, Some(reason), None, counts)
                    .await?;
                Ok(None)
            }
            Err(e) if e.transient => {
                let attempts = item.attempts + 1;
                let now = self.clock.now();
                if attempts >= self.opts.max_attempts {
                    let error = format!("nach {attempts} Versuchen aufgegeben: {}", e.message);
                    let result = InboxResult::Dead {
                        error: error.clone(),
                    };
                    self.record(
                        item,
                        &reference,
                        result,
                        Some(error),
                        Some("GEN-11"),
                        counts,
                    )
                    .await?;
                } else {
                    let next = now + retry_delay(self.opts, attempts);
                    let error = format!(
                        "vorübergehender ERP-Fehler, neuer Versuch ab {}: {}",
                        next.with_timezone(&Berlin).format("%d.%m.%Y %H:%M:%S"),
                        e.message
                    );
                    let result = InboxResult::Retry {
                        error: e.message.clone(),
                        next_attempt_at: next,
                    };
                    self.record(
                        item,
                        &reference,
                        result,
                        Some(error),
                        Some("GEN-11"),
                        counts,
                    )
                    .await?;
                }
                Ok(Some(format!("ERP: {}", e.message)))
            }
            Err(e) => {
                let result = InboxResult::Failed {
                    error: e.message.clone(),
                    rule: None,
                };
                self.record(item, &reference, result, Some(e.message), None, counts)
                    .await?;
                Ok(None)
            }
        }
    }

    /// The decide step between inbox and ERP write: what to write, or why not.
    async fn decide(&self, item: &InboxItem, reference: &str) -> Result<Decision, StoreError> {
        let prospect: Prospect = match serde_json::from_value(item.payload.clone()) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Decision::Fail {
                    reason: format!("Inhalt des Eingangs {} unlesbar: {e}", item.id),
                    rule: "PRO-1",
                });
            }
        };
        let numbers = match resolve_unit(self.store, self.partner, &prospect.unit_id).await? {
            Unit::Found(n) => n,
            Unit::Unknown { reason, rule } => return Ok(Decision::Fail { reason, rule }),
        };
        let person_match = match self.person_match(item, &numbers[0], &prospect).await? {
            Ok(m) => m,
            Err(review) => return Ok(Decision::Review(review)),
        };
        let [client_no, property_no, building_no, unit_no] = numbers;
        Ok(Decision::Write(Box::new(ProspectRow {
            external_ref: reference.to_owned(),
            technical_user: self.user.clone(),
            partner: item.connection.clone(),
            received_at: item.received_at,
            client_no,
            property_no,
            building_no,
            unit_no,
            source: item.source.clone(),
            payload_hash: item.payload_hash.clone(),
            prospect,
            person_match,
        })))
    }

    /// The duplicate check (PRO-3): staff's decision when the item was in the review list,
    /// else the check's verdict. `Err` puts the item into the review list.
    async fn person_match(
        &self,
        item: &InboxItem,
        client_no: &str,
        prospect: &Prospect,
    ) -> Result<Result<PersonMatch, NewReview>, StoreError> {
        if let Some(review) = self.store.review(item.id).await?
            && let Some(decision) = review.decision
        {
            let by = review.decided_by.unwrap_or_default();
            let at = review
                .decided_at
                .map(|t| {
                    t.with_timezone(&Berlin)
                        .format("%d.%m.%Y %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            return Ok(Ok(match decision {
                ReviewDecision::Link { person_no } => PersonMatch {
                    note: Some(format!(
                        "Dublettenprüfung: von {by} am {at} mit Person {person_no} verknüpft"
                    )),
                    linked_person_no: Some(person_no),
                    score: None,
                },
                ReviewDecision::New => PersonMatch {
                    note: Some(format!(
                        "Dublettenprüfung: von {by} am {at} als neue Person bestätigt"
                    )),
                    ..PersonMatch::default()
                },
            }));
        }
        let Some(dups) = self.dups else {
            return Ok(Ok(PersonMatch::default()));
        };
        Ok(match dups.check(self.store, client_no, prospect).await? {
            Verdict::Link {
                person_no,
                score,
                note,
            } => Ok(PersonMatch {
                linked_person_no: Some(person_no),
                score: Some(score),
                note: Some(note),
            }),
            Verdict::New { note } => Ok(PersonMatch {
                note: Some(note),
                ..PersonMatch::default()
            }),
            Verdict::Review(review) => Err(review),
        })
    }

    /// Ends the attempt in the store with its protocol line and counters.
    async fn record(
        &self,
        item: &InboxItem,
        reference: &str,
        result: InboxResult,
        reason: Option<String>,
        rule: Option<&str>,
        counts: &mut Counts,
    ) -> Result<(), StoreError> {
        let at = self.clock.now();
        let written = matches!(result, InboxResult::Written { .. });
        let review = matches!(result, InboxResult::Review(_));
        let delta = Counts {
            read: 1,
            sent: i64::from(written),
            skipped: i64::from(review),
            failed: i64::from(!written && !review),
            ..Counts::default()
        };
        let done = InboxDone {
            id: item.id,
            holder: self.opts.holder.clone(),
            run_id: self.run_id,
            result,
            at,
            outcome: Outcome {
                run_id: self.run_id,
                connection: item.connection.clone(),
                feed: InboxKind::Prospect.feed(),
                erp_key: reference.to_owned(),
                partner_id: Some(item.idempotency_key.clone()),
                status: if written {
                    RecordStatus::Sent
                } else if review {
                    RecordStatus::Skipped
                } else {
                    RecordStatus::Failed
                },
                reason,
                rule: rule.map(str::to_owned),
                at,
            },
            counts: delta.clone(),
            notify: Vec::new(),
        };
        if self.store.finish_inbox(&done).await? {
            counts.read += delta.read;
            counts.sent += delta.sent;
            counts.skipped += delta.skipped;
            counts.failed += delta.failed;
        } else {
            tracing::warn!(
                item = item.id,
                partner = %item.connection,
                "Eingang wurde inzwischen von einer anderen Instanz übernommen"
            );
        }
        Ok(())
    }
}

/// The ERP numbers of a unit the partner named by its composite ID (GEN-1): from the
/// partner's unit feed when it received the unit, else from the canonical units.
pub(crate) async fn resolve_unit(
    store: &dyn Store,
    partner: &PartnerConfig,
    unit_id: &str,
) -> Result<Unit, StoreError> {
    let name = &partner.name;
    let state = store
        .record_by_partner_id(name, FeedKind::Unit, unit_id)
        .await?
        .filter(|s| s.partner_id.as_deref() == Some(unit_id));
    let erp_key = match state {
        Some(s) if s.status == RecordStatus::Deleted => {
            return Ok(Unit::Unknown {
                reason: format!("Einheit „{unit_id}“ ist im ERP gelöscht (GEN-10)"),
                rule: "PRO-1",
            });
        }
        Some(s) => s.erp_key,
        None => {
            let Ok(parts) = id::split(partner.separator, unit_id, 4) else {
                return Ok(Unit::Unknown {
                    reason: format!("„{unit_id}“ ist keine Einheiten-ID aus vier Teilen (GEN-1)"),
                    rule: "GEN-1",
                });
            };
            parts.join(&KEY_SEP.to_string())
        }
    };
    let parts: Vec<String> = key_parts(&erp_key).into_iter().map(str::to_owned).collect();
    let Ok(numbers) = <[String; 4]>::try_from(parts) else {
        return Ok(Unit::Unknown {
            reason: format!("Einheit „{unit_id}“ hat keinen ERP-Schlüssel aus vier Teilen"),
            rule: "GEN-1",
        });
    };
    if !partner.clients.contains(&numbers[0]) {
        return Ok(Unit::Unknown {
            reason: format!(
                "Mandant {} ist für den Partner „{name}“ nicht freigegeben (GEN-2)",
                numbers[0]
            ),
            rule: "GEN-2",
        });
    }
    match store.entity(ErpEntity::Unit, &erp_key).await? {
        Some(e) if !e.deleted => Ok(Unit::Found(numbers)),
        Some(_) => Ok(Unit::Unknown {
            reason: format!("Einheit „{unit_id}“ ist im ERP gelöscht (GEN-10)"),
            rule: "PRO-1",
        }),
        None => Ok(Unit::Unknown {
            reason: format!(
                "Einheit „{unit_id}“ ist im ERP nicht bekannt (noch kein Stammdatenabgleich, \
                 oder falsche Objekt-ID)"
            ),
            rule: "PRO-1",
        }),
    }
}
