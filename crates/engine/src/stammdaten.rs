//! Use case "Stammdaten" (master data, ERP → partner): STM-1 … STM-5, GEN-1, GEN-2, GEN-7,
//! GEN-8, GEN-10.
//!
//! Per ERP entity: stream the rows (all, or only those changed since the watermark), parse and
//! validate each, project it for the partner (rules of the domain crate), compare with what the
//! partner already has (record state hash) and write, per batch and in one transaction, the
//! canonical entities, the partner's feed items, record states, outcomes and run counters.
//! After a complete read, records the ERP no longer has are deleted at the partner (GEN-10);
//! after a failed or partial read nothing is deleted.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use immohub_domain::entity::parse_timestamp;
use immohub_domain::entity::{Entity, readable_key};
use immohub_domain::hash::{content_hash, json_text_hash};
use immohub_domain::profile::FeedKind;
use immohub_domain::rules::{Decision, SyncRules, project};
use immohub_domain::{ErpEntity, RawRecord};
use immohub_store::{
    Batch, Counts, EntityUpsert, FeedOp, JsonText, NewFeedItem, NewRun, Outcome, RecordState,
    RecordStatus, RunEnd, RunStatus, Store, StoreError,
};

use crate::clock::Clock;
use crate::config::{PartnerConfig, SyncOptions};
use crate::source::ErpRead;

pub const USE_CASE: &str = "stammdaten";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Lauf {run_id} fehlgeschlagen: {message}")]
    Run { run_id: i64, message: String },
}

/// Progress callbacks for the CLI's progress bars.
pub trait Progress: Send + Sync {
    /// The run is recorded in the protocol under `run_id` (called once, before any reading).
    fn run_started(&self, _run_id: i64) {}
    fn entity_started(&self, _entity: ErpEntity, _incremental: bool) {}
    fn rows_read(&self, _n: u64) {}
    fn entity_done(&self, _entity: ErpEntity, _counts: &Counts) {}
}

/// No progress output.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run_id: i64,
    pub status: RunStatus,
    pub counts: Counts,
    pub errors: Vec<String>,
    /// What followed the run (e.g. file exports), for the person who started it.
    pub notes: Vec<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
}

/// Runs the master-data sync for one partner connection.
pub async fn sync_stammdaten(
    store: &dyn Store,
    erp: &dyn ErpRead,
    partner: &PartnerConfig,
    clock: &dyn Clock,
    opts: &SyncOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, SyncError> {
    sync_entities(
        USE_CASE,
        &ErpEntity::MASTER_DATA,
        store,
        erp,
        partner,
        clock,
        opts,
        progress,
    )
    .await
}

/// Runs the vacancy sync (use case `leerstaende`, VAC-1 … VAC-7) for one partner connection:
/// open vacancies into the partner's `vacancies` feed (partner API, webhooks, OpenImmo
/// export); an ended vacancy leaves the ERP view and becomes a deletion (VAC-6, GEN-10).
pub async fn sync_leerstaende(
    store: &dyn Store,
    erp: &dyn ErpRead,
    partner: &PartnerConfig,
    clock: &dyn Clock,
    opts: &SyncOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, SyncError> {
    sync_entities(
        VACANCY_USE_CASE,
        &[ErpEntity::Vacancy],
        store,
        erp,
        partner,
        clock,
        opts,
        progress,
    )
    .await
}

/// Use case name of the vacancy sync.
pub const VACANCY_USE_CASE: &str = "leerstaende";

#[allow(clippy::too_many_arguments)]
async fn sync_entities(
    use_case: &str,
    entities: &[ErpEntity],
    store: &dyn Store,
    erp: &dyn ErpRead,
    partner: &PartnerConfig,
    clock: &dyn Clock,
    opts: &SyncOptions,
    progress: &dyn Progress,
) -> Result<RunSummary, SyncError> {
    let started_at = clock.now();
    let run_id = store
        .start_run(&NewRun {
            use_case: use_case.to_owned(),
            connection: partner.name.clone(),
            direction: "erp_to_partner".to_owned(),
            trigger: opts.trigger.clone(),
            started_at,
        })
        .await?;
    progress.run_started(run_id);
    let ctx = Ctx {
        store,
        erp,
        partner,
        rules: partner.rules(),
        clock,
        opts,
        progress,
        run_id,
    };
    let mut total = Counts::default();
    let mut errors = Vec::new();
    for &entity in entities {
        let feeds = feeds_of(entity, &ctx.rules);
        if feeds.is_empty() {
            continue; // STM-1: this partner does not receive the entity.
        }
        match ctx.sync_entity(entity, &feeds).await {
            Ok(c) => add(&mut total, &c),
            Err(EntityError::Read(msg, c)) => {
                add(&mut total, &c);
                errors.push(format!(
                    "{}: ERP-Lesefehler, Löschungen ausgesetzt (GEN-10): {msg}",
                    entity.label_de()
                ));
            }
            Err(EntityError::Store(e)) => {
                errors.push(format!("{}: {e}", entity.label_de()));
                let _ = ctx.store.clear_seen(run_id).await;
                let end = RunEnd {
                    ended_at: clock.now(),
                    status: RunStatus::Failed,
                    errors: errors.clone(),
                };
                store.finish_run(run_id, &end).await?;
                return Err(SyncError::Run {
                    run_id,
                    message: e.to_string(),
                });
            }
        }
    }
    let status = if !errors.is_empty() {
        RunStatus::Failed
    } else if total.failed > 0 {
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
        counts: total,
        errors,
        notes: Vec::new(),
        started_at,
        ended_at,
    })
}

/// The partner feeds fed by an ERP entity (STM-1).
fn feeds_of(entity: ErpEntity, rules: &SyncRules) -> Vec<FeedKind> {
    FeedKind::ALL
        .into_iter()
        .filter(|f| f.source() == entity && rules.profile.receives(*f))
        .collect()
}

fn add(total: &mut Counts, c: &Counts) {
    total.read += c.read;
    total.sent += c.sent;
    total.skipped += c.skipped;
    total.failed += c.failed;
    total.deleted += c.deleted;
    total.unchanged += c.unchanged;
}

enum EntityError {
    /// The ERP read failed or ended early: what was read is kept, nothing is deleted.
    Read(String, Counts),
    Store(StoreError),
}

impl From<StoreError> for EntityError {
    fn from(e: StoreError) -> Self {
        EntityError::Store(e)
    }
}

struct Ctx<'a> {
    store: &'a dyn Store,
    erp: &'a dyn ErpRead,
    partner: &'a PartnerConfig,
    rules: SyncRules,
    clock: &'a dyn Clock,
    opts: &'a SyncOptions,
    progress: &'a dyn Progress,
    run_id: i64,
}

struct ReadResult {
    counts: Counts,
    /// Highest change timestamp seen.
    max_ts: Option<DateTime<Utc>>,
    /// Set when the ERP stream failed: the read is incomplete.
    read_error: Option<String>,
    /// Rows without key columns (reported, not tracked).
    keyless: i64,
}

/// One parsed row waiting for its batch.
struct Row {
    /// `None` when the key columns are missing: such a row is only reported.
    erp_key: Option<String>,
    /// The entity, its content hash and its JSON text (the hash is that of the text).
    parsed: Result<(Entity, String, JsonText), String>,
}

impl Ctx<'_> {
    async fn sync_entity(
        &self,
        entity: ErpEntity,
        feeds: &[FeedKind],
    ) -> Result<Counts, EntityError> {
        let conn = &self.partner.name;
        let change_col = self.erp.changed_column(entity);
        let since = match (&change_col, self.opts.full) {
            (Some(_), false) => self.store.watermark(conn, entity).await?,
            _ => None,
        };
        let incremental = since.is_some();
        self.progress.entity_started(entity, incremental);

        let ReadResult {
            mut counts,
            max_ts,
            read_error,
            keyless,
        } = self
            .read_and_apply(entity, feeds, since, &change_col)
            .await?;
        if let Some(msg) = read_error {
            return Err(EntityError::Read(msg, counts));
        }

        // GEN-10: the read was complete. Find records the ERP no longer has.
        let erp_keys = if incremental {
            match self.count_erp_keys(entity).await {
                Ok(n) => n,
                Err(msg) => return Err(EntityError::Read(msg, counts)),
            }
        } else {
            (counts.read - keyless) as u64
        };
        let mut mismatch = false;
        for feed in feeds {
            if self.store.count_live(conn, *feed).await? != erp_keys {
                mismatch = true;
            }
        }
        if mismatch {
            if incremental {
                // Deletions or rows the change column missed: read this entity in full once.
                let r = self
                    .read_and_apply(entity, feeds, None, &change_col)
                    .await?;
                add(&mut counts, &r.counts);
                if let Some(msg) = r.read_error {
                    return Err(EntityError::Read(msg, counts));
                }
            }
            match self.delete_unseen(entity, feeds).await {
                Ok(deleted) => counts.deleted += deleted,
                Err(EntityError::Read(msg, _)) => return Err(EntityError::Read(msg, counts)),
                Err(e) => return Err(e),
            }
        }
        if let (Some(_), Some(ts)) = (&change_col, max_ts) {
            let wm = ts - Duration::seconds(self.opts.overlap_seconds);
            self.store.set_watermark(conn, entity, wm).await?;
        }
        self.progress.entity_done(entity, &counts);
        Ok(counts)
    }

    /// Streams rows and applies them in batches. Returns the counts, the highest change
    /// timestamp seen and the read error, if the stream failed.
    async fn read_and_apply(
        &self,
        entity: ErpEntity,
        feeds: &[FeedKind],
        since: Option<DateTime<Utc>>,
        change_col: &Option<String>,
    ) -> Result<ReadResult, EntityError> {
        // Reading (ERP connection), parsing and hashing (a blocking thread per batch) overlap
        // with deciding and writing (store connection): the reader runs at most two batches
        // ahead, so memory stays bounded.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<tokio::task::JoinHandle<Vec<Row>>>(2);
        let batch_size = self.opts.batch_size.max(1);
        let prepare_batch = move |raws: Vec<RawRecord>| {
            tokio::task::spawn_blocking(move || {
                raws.iter().map(|raw| prepare(entity, raw)).collect()
            })
        };
        let reader = async move {
            let mut max_ts: Option<DateTime<Utc>> = None;
            let mut read_error = None;
            let mut stream = self.erp.rows(entity, since);
            let mut buf: Vec<RawRecord> = Vec::with_capacity(batch_size);
            while let Some(item) = stream.next().await {
                let raw = match item {
                    Ok(raw) => raw,
                    Err(msg) => {
                        read_error = Some(msg);
                        break;
                    }
                };
                if let Some(col) = change_col
                    && let Some(ts) = raw.get(col).and_then(parse_timestamp)
                {
                    max_ts = Some(max_ts.map_or(ts, |m| m.max(ts)));
                }
                buf.push(raw);
                if buf.len() >= batch_size {
                    let raws = std::mem::replace(&mut buf, Vec::with_capacity(batch_size));
                    if tx.send(prepare_batch(raws)).await.is_err() {
                        // The writer stopped (store error); it reports why.
                        return (max_ts, read_error);
                    }
                }
            }
            if !buf.is_empty() {
                let _ = tx.send(prepare_batch(buf)).await;
            }
            (max_ts, read_error)
        };
        // Deciding a batch overlaps with writing the one before (the store works on its own
        // thread meanwhile); batches are still written one after the other, in read order.
        let writer = async move {
            let mut counts = Counts::default();
            let mut keyless = 0;
            let mut failed = None;
            // The decided batch still to be written, with the ERP keys it decided.
            let mut pending: Option<(Batch, HashSet<String>)> = None;
            let written = |c: Counts, counts: &mut Counts| {
                self.progress.rows_read(c.read as u64);
                add(counts, &c);
            };
            while let Some(prepared) = rx.recv().await {
                let rows = match prepared.await {
                    Ok(rows) => rows,
                    Err(e) => {
                        // Parsing panicked: the read is incomplete, so nothing is deleted.
                        failed = Some(format!("Aufbereitung der Zeilen abgebrochen: {e}"));
                        break;
                    }
                };
                let keys: HashSet<String> = rows.iter().filter_map(|r| r.erp_key.clone()).collect();
                // A record of the batch being written (a key the ERP delivered twice) is decided
                // only after that write: its state is about to change.
                if let Some((b, written_keys)) = pending.take() {
                    if written_keys.is_disjoint(&keys) {
                        pending = Some((b, written_keys));
                    } else {
                        written(self.write_batch(&b).await?, &mut counts);
                    }
                }
                let previous = pending.take();
                let write = async {
                    match &previous {
                        Some((b, _)) => self.write_batch(b).await.map(Some),
                        None => Ok(None),
                    }
                };
                let (wrote, decided) = tokio::join!(write, self.decide_batch(entity, feeds, rows));
                if let Some(c) = wrote? {
                    written(c, &mut counts);
                }
                let (b, k) = decided?;
                keyless += k;
                pending = Some((b, keys));
            }
            if let Some((b, _)) = pending.take() {
                written(self.write_batch(&b).await?, &mut counts);
            }
            Ok::<_, StoreError>((counts, keyless, failed))
        };
        let ((max_ts, read_error), written) = tokio::join!(reader, writer);
        let (counts, keyless, failed) = written?;
        let read_error = read_error.or(failed);
        Ok(ReadResult {
            counts,
            max_ts,
            read_error,
            keyless,
        })
    }

    /// Decides every row of a batch against the partner's current record states: what the
    /// batch's transaction is to write, and the number of rows without a key.
    async fn decide_batch(
        &self,
        entity: ErpEntity,
        feeds: &[FeedKind],
        rows: Vec<Row>,
    ) -> Result<(Batch, i64), StoreError> {
        let mut keyless = 0;
        let conn = &self.partner.name;
        let now = self.clock.now();
        let today = self.clock.today_berlin();
        let keys: Vec<String> = rows.iter().filter_map(|r| r.erp_key.clone()).collect();
        let mut states: HashMap<(FeedKind, String), RecordState> = HashMap::new();
        for feed in feeds {
            for s in self.store.record_states(conn, *feed, &keys).await? {
                states.insert((*feed, s.erp_key.clone()), s);
            }
        }
        let mut b = Batch {
            run_id: self.run_id,
            connection: conn.clone(),
            at: Some(now),
            ..Batch::default()
        };
        b.counts.read = rows.len() as i64;
        for (i, row) in rows.into_iter().enumerate() {
            if i % 128 == 127 {
                // Let the previous batch's write go on between the rows (see `read_and_apply`).
                tokio::task::yield_now().await;
            }
            let Some(erp_key) = row.erp_key else {
                // No key: nothing to track, but the protocol names the row and the field.
                let message = row.parsed.err().unwrap_or_default();
                b.outcomes.push(Outcome {
                    run_id: self.run_id,
                    connection: conn.clone(),
                    feed: feeds[0],
                    erp_key: String::new(),
                    partner_id: None,
                    status: RecordStatus::Failed,
                    reason: Some(message),
                    rule: Some("VALIDATION".to_owned()),
                    at: now,
                });
                b.counts.failed += 1;
                keyless += 1;
                continue;
            };
            match row.parsed {
                Err(message) => {
                    for feed in feeds {
                        let prev = states.get(&(*feed, erp_key.clone()));
                        self.fail(&mut b, *feed, &erp_key, prev, &message, now);
                    }
                }
                Ok((e, source_hash, json)) => {
                    // The canonical copy changes only when the ERP row did: a partner state
                    // derived from the same hash proves the store already has it.
                    let known = feeds.iter().any(|f| {
                        states
                            .get(&(*f, erp_key.clone()))
                            .is_some_and(|s| s.source_hash == source_hash)
                    });
                    if !known {
                        b.entities.push(EntityUpsert {
                            entity,
                            erp_key: erp_key.clone(),
                            client_no: e.client_no().to_owned(),
                            hash: source_hash.clone(),
                            payload: json,
                        });
                    }
                    for p in project(&e, &self.rules, today) {
                        let prev = states.get(&(p.feed, erp_key.clone()));
                        self.decide(
                            &mut b,
                            p.feed,
                            &erp_key,
                            &source_hash,
                            prev,
                            p.decision,
                            now,
                        );
                    }
                }
            }
        }
        Ok((b, keyless))
    }

    /// Writes a decided batch in one transaction; returns its counts.
    async fn write_batch(&self, b: &Batch) -> Result<Counts, StoreError> {
        crate::crash::point("sync.before_outbox_write");
        self.store.apply_batch(b).await?;
        crate::crash::point("sync.after_outbox_write");
        Ok(b.counts.clone())
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        b: &mut Batch,
        feed: FeedKind,
        erp_key: &str,
        source_hash: &str,
        prev: Option<&RecordState>,
        decision: Decision,
        now: DateTime<Utc>,
    ) {
        let prev_version = prev.map_or(0, |s| s.version);
        match decision {
            Decision::Send {
                partner_id,
                payload,
                warning,
            } => {
                // One serialisation: the feed item's text, and the hash is that of the text.
                let payload = JsonText::from(payload);
                let hash = json_text_hash(payload.as_str());
                if let Some(s) = prev
                    && s.status == RecordStatus::Sent
                    && s.hash == hash
                    && s.partner_id.as_deref() == Some(partner_id.as_str())
                {
                    b.counts.unchanged += 1;
                    return;
                }
                let mut version = prev_version;
                // A changed partner ID (new separator) removes the old ID at the partner first.
                if let Some(s) = prev
                    && was_delivered(s)
                    && let Some(old) = &s.partner_id
                    && old != &partner_id
                {
                    version += 1;
                    b.feed.push(NewFeedItem {
                        feed,
                        erp_key: erp_key.to_owned(),
                        partner_id: old.clone(),
                        op: FeedOp::Delete,
                        version,
                        payload: JsonText::null(),
                    });
                }
                version += 1;
                b.feed.push(NewFeedItem {
                    feed,
                    erp_key: erp_key.to_owned(),
                    partner_id: partner_id.clone(),
                    op: FeedOp::Upsert,
                    version,
                    payload,
                });
                let (reason, rule) = match warning {
                    Some(w) => (Some(w.message), Some(w.rule.to_owned())),
                    None => (None, None),
                };
                self.state(
                    b,
                    feed,
                    erp_key,
                    Some(partner_id),
                    RecordStatus::Sent,
                    hash,
                    source_hash,
                    reason,
                    rule,
                    version,
                    now,
                );
                b.counts.sent += 1;
            }
            Decision::Skip(reason) => {
                let message = reason.to_string();
                let hash = content_hash(&message);
                if let Some(s) = prev
                    && s.status == RecordStatus::Skipped
                    && s.hash == hash
                {
                    b.counts.unchanged += 1;
                    return;
                }
                let mut version = prev_version;
                let mut message = message;
                // The partner has an earlier version: tell it to remove the record.
                if let Some(s) = prev
                    && was_delivered(s)
                    && let Some(old) = &s.partner_id
                {
                    version += 1;
                    b.feed.push(NewFeedItem {
                        feed,
                        erp_key: erp_key.to_owned(),
                        partner_id: old.clone(),
                        op: FeedOp::Delete,
                        version,
                        payload: JsonText::null(),
                    });
                    message.push_str("; beim Partner entfernt");
                }
                let partner_id = prev.and_then(|s| s.partner_id.clone());
                let first_not_applicable = prev.is_none() && reason.not_applicable();
                self.state(
                    b,
                    feed,
                    erp_key,
                    partner_id,
                    RecordStatus::Skipped,
                    hash,
                    source_hash,
                    Some(message),
                    Some(reason.rule().to_owned()),
                    version,
                    now,
                );
                if first_not_applicable {
                    // A person who is no owner, seen for the first time: the state answers
                    // "why not" (GEN-8); a protocol line per person would only be noise.
                    b.outcomes.pop();
                } else {
                    b.counts.skipped += 1;
                }
            }
        }
    }

    /// A row that failed validation: the partner keeps what it has; the protocol says why.
    fn fail(
        &self,
        b: &mut Batch,
        feed: FeedKind,
        erp_key: &str,
        prev: Option<&RecordState>,
        message: &str,
        now: DateTime<Utc>,
    ) {
        let hash = content_hash(&message);
        if let Some(s) = prev
            && s.status == RecordStatus::Failed
            && s.hash == hash
        {
            b.counts.unchanged += 1;
            return;
        }
        let (partner_id, version, source_hash) = prev.map_or((None, 0, String::new()), |s| {
            (s.partner_id.clone(), s.version, s.source_hash.clone())
        });
        self.state(
            b,
            feed,
            erp_key,
            partner_id,
            RecordStatus::Failed,
            hash,
            &source_hash,
            Some(message.to_owned()),
            Some("VALIDATION".to_owned()),
            version,
            now,
        );
        b.counts.failed += 1;
    }

    #[allow(clippy::too_many_arguments)]
    fn state(
        &self,
        b: &mut Batch,
        feed: FeedKind,
        erp_key: &str,
        partner_id: Option<String>,
        status: RecordStatus,
        hash: String,
        source_hash: &str,
        reason: Option<String>,
        rule: Option<String>,
        version: i64,
        now: DateTime<Utc>,
    ) {
        b.outcomes.push(Outcome {
            run_id: self.run_id,
            connection: self.partner.name.clone(),
            feed,
            erp_key: erp_key.to_owned(),
            partner_id: partner_id.clone(),
            status,
            reason: reason.clone(),
            rule: rule.clone(),
            at: now,
        });
        b.states.push(RecordState {
            connection: self.partner.name.clone(),
            feed,
            erp_key: erp_key.to_owned(),
            partner_id,
            status,
            hash,
            source_hash: source_hash.to_owned(),
            reason,
            rule,
            version,
            run_id: self.run_id,
            updated_at: now,
        });
    }

    /// Counts the ERP's usable keys of an entity (incremental runs).
    async fn count_erp_keys(&self, entity: ErpEntity) -> Result<u64, String> {
        self.erp.count_keys(entity).await
    }

    /// GEN-10: stages every ERP key, then deletes the live records that were not staged.
    async fn delete_unseen(
        &self,
        entity: ErpEntity,
        feeds: &[FeedKind],
    ) -> Result<i64, EntityError> {
        let conn = &self.partner.name;
        let mut staged: Vec<String> = Vec::with_capacity(self.opts.batch_size);
        let mut keys = self.erp.keys(entity);
        while let Some(k) = keys.next().await {
            let raw = k.map_err(|m| EntityError::Read(m, Counts::default()))?;
            // A row without key columns matches no record; it is reported by the read.
            if let Ok(key) = raw.key(entity) {
                staged.push(key);
            }
            if staged.len() >= self.opts.batch_size * 4 {
                for feed in feeds {
                    self.store.stage_seen(self.run_id, *feed, &staged).await?;
                }
                staged.clear();
            }
        }
        drop(keys);
        for feed in feeds {
            self.store.stage_seen(self.run_id, *feed, &staged).await?;
        }
        let mut deleted = 0;
        let now = self.clock.now();
        for feed in feeds {
            loop {
                let gone = self
                    .store
                    .unseen_live(self.run_id, conn, *feed, self.opts.batch_size as u32)
                    .await?;
                if gone.is_empty() {
                    break;
                }
                let mut b = Batch {
                    run_id: self.run_id,
                    connection: conn.clone(),
                    at: Some(now),
                    ..Batch::default()
                };
                for s in gone {
                    let mut version = s.version;
                    if was_delivered(&s)
                        && let Some(pid) = &s.partner_id
                    {
                        version += 1;
                        b.feed.push(NewFeedItem {
                            feed: *feed,
                            erp_key: s.erp_key.clone(),
                            partner_id: pid.clone(),
                            op: FeedOp::Delete,
                            version,
                            payload: JsonText::null(),
                        });
                        b.counts.deleted += 1;
                    }
                    if *feed == feeds[0] {
                        b.entity_deletes.push((entity, s.erp_key.clone()));
                    }
                    self.state(
                        &mut b,
                        *feed,
                        &s.erp_key,
                        s.partner_id.clone(),
                        RecordStatus::Deleted,
                        String::new(),
                        &s.source_hash,
                        Some("im ERP nicht mehr vorhanden (GEN-10)".to_owned()),
                        Some("GEN-10".to_owned()),
                        version,
                        now,
                    );
                }
                deleted += b.counts.deleted;
                crate::crash::point("sync.before_outbox_write");
                self.store.apply_batch(&b).await?;
                crate::crash::point("sync.after_outbox_write");
            }
        }
        self.store.clear_seen(self.run_id).await?;
        Ok(deleted)
    }
}

/// Whether the partner currently holds a version of this record.
fn was_delivered(s: &RecordState) -> bool {
    match s.status {
        RecordStatus::Sent => true,
        // A failed record keeps the partner's last good version, if it ever had one.
        RecordStatus::Failed => s.version > 0 && s.partner_id.is_some(),
        RecordStatus::Skipped | RecordStatus::Deleted => false,
        // Outcome-only statuses of push delivery; record states never carry them.
        RecordStatus::Delivered
        | RecordStatus::DeliveryFailed
        | RecordStatus::DeadLetter
        | RecordStatus::Superseded => s.version > 0,
    }
}

fn prepare(entity: ErpEntity, raw: &RawRecord) -> Row {
    let erp_key = match raw.key(entity) {
        Ok(k) => k,
        Err(e) => {
            let readable = readable_key(entity, raw);
            return Row {
                erp_key: None,
                parsed: Err(format!("{} {readable}: {e}", entity.label_de())),
            };
        }
    };
    let parsed = Entity::parse(entity, raw)
        .map(|e| {
            // The stored text is the hashed text: `content_hash` of the entity, serialised once.
            let json = JsonText::of(&e).unwrap_or_else(|_| JsonText::null());
            let h = json_text_hash(json.as_str());
            (e, h, json)
        })
        .map_err(|e| format!("{} {}: {}", entity.label_de(), e.record, e.error));
    Row {
        erp_key: Some(erp_key),
        parsed,
    }
}
