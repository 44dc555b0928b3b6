//! Every store operation, written once for both backends.
//!
//! This file is compiled twice: as `sqlite::ops` and as `postgres::ops`. `super` is the
//! backend module and provides `Db` (the sqlx database type), `begin_write`, `begin_read`,
//! `lock_feed_sql` and `bulk_sql`. All SQL here must therefore run on SQLite and PostgreSQL
//! alike: `ON CONFLICT … DO UPDATE`, `RETURNING`, `TRUE`/`FALSE`. Statements with a few
//! parameters use `$n` placeholders (both understand them); bulk statements with thousands of
//! parameters are written with `?` and passed through `bulk_sql` (see `common::values_list`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use sqlx::{Pool, Transaction};

use super::{Db, begin_read, begin_write, bulk_sql, lock_feed_sql};
use crate::sql::common::{
    self, ConnectionRow, EntityRow, FeedRow, OutcomeRow, RunRow, StateRow, connection_cols,
    entity_cols, feed_cols, last_per_key, limit, outcome_cols, placeholders, rows_per_statement,
    run_cols, state_cols, to_json, ts, values_list,
};
use crate::{
    Batch, Connection, EntityUpsert, FeedItem, FeedOp, NewFeedItem, NewRun, Outcome, RecordState,
    RecordStatus, Result, Run, RunEnd, RunFilter, RunStatus, StoreError, StoredEntity,
};

type Tx = Transaction<'static, Db>;

/// Default number of runs listed when the filter sets no limit.
const DEFAULT_RUN_LIMIT: u32 = 50;

// --- partner connections ----------------------------------------------------------------

pub(crate) async fn upsert_connection(pool: &Pool<Db>, c: &Connection) -> Result<()> {
    let now = ts(Utc::now());
    let result = sqlx::query(
        "INSERT INTO connections \
             (name, profile, api_key_hash, clients, config, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (name) DO UPDATE SET \
             profile = excluded.profile, api_key_hash = excluded.api_key_hash, \
             clients = excluded.clients, config = excluded.config, \
             updated_at = excluded.updated_at",
    )
    .bind(&c.name)
    .bind(&c.profile)
    .bind(&c.api_key_hash)
    .bind(to_json(&c.clients)?)
    .bind(to_json(&c.config)?)
    .bind(now)
    .execute(pool)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(StoreError::Conflict(format!(
                "der API-Schlüssel der Verbindung „{}“ gehört bereits zu einer anderen Verbindung",
                c.name
            )))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn connection(pool: &Pool<Db>, name: &str) -> Result<Option<Connection>> {
    let row: Option<ConnectionRow> = sqlx::query_as(concat!(
        "SELECT ",
        connection_cols!(),
        " FROM connections WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.map(common::connection).transpose()
}

pub(crate) async fn connection_by_key_hash(
    pool: &Pool<Db>,
    api_key_hash: &str,
) -> Result<Option<Connection>> {
    let row: Option<ConnectionRow> = sqlx::query_as(concat!(
        "SELECT ",
        connection_cols!(),
        " FROM connections WHERE api_key_hash = $1"
    ))
    .bind(api_key_hash)
    .fetch_optional(pool)
    .await?;
    row.map(common::connection).transpose()
}

pub(crate) async fn connections(pool: &Pool<Db>) -> Result<Vec<Connection>> {
    let rows: Vec<ConnectionRow> = sqlx::query_as(concat!(
        "SELECT ",
        connection_cols!(),
        " FROM connections ORDER BY name"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(common::connection).collect()
}

// --- protocol: runs -----------------------------------------------------------------------

pub(crate) async fn start_run(pool: &Pool<Db>, run: &NewRun) -> Result<i64> {
    let now = ts(Utc::now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO runs (use_case, connection, direction, \"trigger\", started_at, status, \
                           errors, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $7) RETURNING id",
    )
    .bind(&run.use_case)
    .bind(&run.connection)
    .bind(&run.direction)
    .bind(&run.trigger)
    .bind(ts(run.started_at))
    .bind(RunStatus::Running.as_str())
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub(crate) async fn finish_run(pool: &Pool<Db>, run_id: i64, end: &RunEnd) -> Result<()> {
    let done = sqlx::query(
        "UPDATE runs SET ended_at = $2, status = $3, errors = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(run_id)
    .bind(ts(end.ended_at))
    .bind(end.status.as_str())
    .bind(to_json(&end.errors)?)
    .bind(ts(Utc::now()))
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(run_not_found(run_id));
    }
    Ok(())
}

fn run_not_found(run_id: i64) -> StoreError {
    StoreError::NotFound(format!("Lauf {run_id}"))
}

pub(crate) async fn run(pool: &Pool<Db>, run_id: i64) -> Result<Option<Run>> {
    let row: Option<RunRow> =
        sqlx::query_as(concat!("SELECT ", run_cols!(), " FROM runs WHERE id = $1"))
            .bind(run_id)
            .fetch_optional(pool)
            .await?;
    row.map(common::run).transpose()
}

pub(crate) async fn runs(pool: &Pool<Db>, filter: &RunFilter) -> Result<Vec<Run>> {
    let mut sql = String::from(concat!("SELECT ", run_cols!(), " FROM runs WHERE TRUE"));
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if filter.connection.is_some() {
        sql += &format!(" AND connection = ${}", next());
    }
    if filter.use_case.is_some() {
        sql += &format!(" AND use_case = ${}", next());
    }
    if filter.from.is_some() {
        sql += &format!(" AND started_at >= ${}", next());
    }
    if filter.to.is_some() {
        sql += &format!(" AND started_at < ${}", next());
    }
    sql += &format!(" ORDER BY started_at DESC, id DESC LIMIT ${}", next());

    let mut q = sqlx::query_as::<_, RunRow>(&sql);
    if let Some(c) = &filter.connection {
        q = q.bind(c);
    }
    if let Some(u) = &filter.use_case {
        q = q.bind(u);
    }
    if let Some(from) = filter.from {
        q = q.bind(ts(from));
    }
    if let Some(to) = filter.to {
        q = q.bind(ts(to));
    }
    let n = if filter.limit == 0 {
        DEFAULT_RUN_LIMIT
    } else {
        filter.limit
    };
    let rows = q.bind(limit(n)).fetch_all(pool).await?;
    rows.into_iter().map(common::run).collect()
}

// --- sync ---------------------------------------------------------------------------------

/// ERP keys per `IN (…)` query.
const KEYS_PER_QUERY: usize = 5_000;

pub(crate) async fn record_states(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    erp_keys: &[String],
) -> Result<Vec<RecordState>> {
    if erp_keys.is_empty() {
        return Ok(Vec::new());
    }
    // Each record once, also when a key is asked for twice (in different chunks).
    let mut erp_keys: Vec<&str> = erp_keys.iter().map(String::as_str).collect();
    erp_keys.sort_unstable();
    erp_keys.dedup();
    let mut out = Vec::with_capacity(erp_keys.len());
    let mut tx = begin_read(pool).await?;
    for keys in erp_keys.chunks(KEYS_PER_QUERY) {
        let sql = bulk_sql(format!(
            concat!(
                "SELECT ",
                state_cols!(),
                " FROM record_states WHERE connection = ? AND feed = ? AND erp_key IN ({})"
            ),
            placeholders(keys.len())
        ));
        let mut q = sqlx::query_as::<_, StateRow>(&sql)
            .bind(connection)
            .bind(feed.as_str());
        for k in keys {
            q = q.bind(*k);
        }
        for row in q.fetch_all(&mut *tx).await? {
            out.push(common::state(row)?);
        }
    }
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn apply_batch(pool: &Pool<Db>, batch: &Batch) -> Result<()> {
    let at = ts(batch.at.unwrap_or_else(Utc::now));
    let entities = last_per_key(&batch.entities, |e| (e.entity, e.erp_key.as_str()));
    let deletes = last_per_key(&batch.entity_deletes, |(e, k)| (*e, k.as_str()));
    let states = last_per_key(&batch.states, |s| {
        (s.connection.as_str(), s.feed, s.erp_key.as_str())
    });

    let mut steps = Vec::new();
    if !batch.feed.is_empty() {
        // First, before any row lock: a lock taken later could deadlock with row locks.
        steps.push(Step::LockFeed);
    }
    steps.extend(entities.chunks(rows_per_statement(7)).map(Step::Entities));
    let mut rest = &deletes[..];
    while let Some(first) = rest.first() {
        // `deletes` is sorted by entity: one statement per entity and chunk of keys.
        let len = rest
            .iter()
            .take(KEYS_PER_QUERY)
            .take_while(|(e, _)| *e == first.0)
            .count();
        let (chunk, tail) = rest.split_at(len);
        steps.push(Step::Deletes(first.0, chunk));
        rest = tail;
    }
    let (feed_runs, outcome_rows) = split_outcomes(batch, at);

    let mut tx = begin_write(pool).await?;
    run_pipelined(&mut tx, &steps, batch, at).await?;
    // Where each outcome row stands among the feed items (`outcomes.feed_seq`): right after the
    // item of the last plain "sent" outcome before it in the batch, so the protocol keeps the
    // order in which they were decided; before the batch's first item when there is none. The
    // batch's items get the seqs after the head (SQLite: of all feeds; PostgreSQL: of the
    // connection's feeds, behind its feed lock, where another connection appending at the same
    // time can leave gaps, and the order within such a batch is then only nearly kept).
    let mut rows = Vec::with_capacity(outcome_rows.len());
    if !outcome_rows.is_empty() {
        let head: i64 = match super::feed_seq_head_sql() {
            Some(sql) => sqlx::query_scalar(sql),
            None => sqlx::query_scalar(FEED_HEAD_OF_CONNECTION).bind(batch.connection.as_str()),
        }
        .fetch_one(&mut *tx)
        .await?;
        for (o, after_item) in outcome_rows {
            let feed_seq = after_item.map_or(head, |i| head + 1 + i as i64);
            rows.push((o, feed_seq));
        }
    }
    let per_feed = rows_per_statement(9);
    let mut steps = Vec::new();
    steps.extend(
        batch
            .feed
            .chunks(per_feed)
            .zip(feed_runs.chunks(per_feed))
            .map(|(items, runs)| Step::Feed(items, runs)),
    );
    steps.extend(states.chunks(rows_per_statement(13)).map(Step::States));
    steps.extend(rows.chunks(rows_per_statement(10)).map(Step::Outcomes));
    run_pipelined(&mut tx, &steps, batch, at).await?;
    // Last: an unknown run rolls back everything above.
    add_counts(&mut tx, batch, at).await?;
    tx.commit().await?;
    Ok(())
}

/// One statement of a batch.
enum Step<'a> {
    /// Entities: inserted with version 1; an existing one gets the new content and version + 1
    /// only when its hash changed or it was deleted (then it is live again).
    Entities(&'a [&'a EntityUpsert]),
    /// Entities marked deleted, version + 1 (once: deleting again changes nothing).
    Deletes(ErpEntity, &'a [&'a (ErpEntity, String)]),
    /// The backend's lock that keeps feed appends of one connection in commit order.
    LockFeed,
    /// Feed items appended in batch order; the database assigns increasing `seq`. Each with
    /// the run whose plain "sent" outcome it is, if it is one (see [`split_outcomes`]).
    Feed(&'a [NewFeedItem], &'a [Option<i64>]),
    /// Record states upserted (replaced whole).
    States(&'a [&'a RecordState]),
    /// Outcome rows appended, each with its place among the feed items (`feed_seq`).
    Outcomes(&'a [(&'a Outcome, i64)]),
}

type Args<'a> = <Db as sqlx::Database>::Arguments<'a>;

/// Executes the steps in order, building each statement (SQL text, JSON payloads, bind
/// values) while the previous one executes: the database works in parallel to this task.
async fn run_pipelined<'a>(
    tx: &mut Tx,
    steps: &'a [Step<'a>],
    batch: &'a Batch,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut steps = steps.iter();
    let mut current = build_next(&mut steps, batch, at)?;
    while let Some((sql, args)) = current {
        let execute = sqlx::query_with(&sql, args).execute(&mut **tx);
        let (done, built) = futures::join!(execute, async { build_next(&mut steps, batch, at) });
        done?;
        current = built?;
    }
    Ok(())
}

/// The next statement of the steps (some steps need none on some backends).
fn build_next<'a>(
    steps: &mut std::slice::Iter<'a, Step<'a>>,
    batch: &'a Batch,
    at: DateTime<Utc>,
) -> Result<Option<(String, Args<'a>)>> {
    for step in steps.by_ref() {
        if let Some(statement) = build(step, batch, at)? {
            return Ok(Some(statement));
        }
    }
    Ok(None)
}

/// The statement of one step: SQL and bind values (`None` when the backend needs none).
fn build<'a>(
    step: &Step<'a>,
    batch: &'a Batch,
    at: DateTime<Utc>,
) -> Result<Option<(String, Args<'a>)>> {
    let mut args = Args::default();
    let sql = match *step {
        Step::Entities(chunk) => {
            for e in chunk {
                bind(&mut args, e.entity.as_str())?;
                bind(&mut args, e.erp_key.as_str())?;
                bind(&mut args, e.client_no.as_str())?;
                bind(&mut args, e.hash.as_str())?;
                bind(&mut args, e.payload.as_str())?;
                bind(&mut args, at)?;
                bind(&mut args, at)?;
            }
            format!(
                "INSERT INTO entities \
                     (entity, erp_key, client_no, hash, version, payload, deleted, created_at, \
                      updated_at) \
                 VALUES {} \
                 ON CONFLICT (entity, erp_key) DO UPDATE SET \
                     client_no = excluded.client_no, hash = excluded.hash, \
                     payload = excluded.payload, deleted = FALSE, \
                     version = entities.version + 1, updated_at = excluded.updated_at \
                 WHERE entities.hash <> excluded.hash OR entities.deleted",
                values_list("(?, ?, ?, ?, 1, ?, FALSE, ?, ?)", chunk.len())
            )
        }
        Step::Deletes(entity, chunk) => {
            bind(&mut args, at)?;
            bind(&mut args, entity.as_str())?;
            for (_, key) in chunk {
                bind(&mut args, key.as_str())?;
            }
            format!(
                "UPDATE entities SET deleted = TRUE, version = version + 1, updated_at = ? \
                 WHERE entity = ? AND NOT deleted AND erp_key IN ({})",
                placeholders(chunk.len())
            )
        }
        Step::LockFeed => match lock_feed_sql() {
            Some(sql) => {
                bind(&mut args, batch.connection.as_str())?;
                sql.to_owned()
            }
            None => return Ok(None),
        },
        Step::Feed(chunk, runs) => {
            for (f, run) in chunk.iter().zip(runs) {
                bind(&mut args, batch.connection.as_str())?;
                bind(&mut args, f.feed.as_str())?;
                bind(&mut args, f.erp_key.as_str())?;
                bind(&mut args, f.partner_id.as_str())?;
                bind(&mut args, f.op.as_str())?;
                bind(&mut args, f.version)?;
                bind(&mut args, f.payload.as_str())?;
                bind(&mut args, at)?;
                bind(&mut args, *run)?;
            }
            format!(
                "INSERT INTO feed_items \
                     (connection, feed, erp_key, partner_id, op, version, payload, created_at, \
                      run_id) \
                 VALUES {}",
                values_list("(?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
            )
        }
        Step::States(chunk) => {
            for s in chunk {
                bind(&mut args, s.connection.as_str())?;
                bind(&mut args, s.feed.as_str())?;
                bind(&mut args, s.erp_key.as_str())?;
                bind(&mut args, s.partner_id.as_deref())?;
                bind(&mut args, s.status.as_str())?;
                bind(&mut args, s.hash.as_str())?;
                bind(&mut args, s.source_hash.as_str())?;
                bind(&mut args, s.reason.as_deref())?;
                bind(&mut args, s.rule.as_deref())?;
                bind(&mut args, s.version)?;
                bind(&mut args, s.run_id)?;
                bind(&mut args, at)?;
                bind(&mut args, ts(s.updated_at))?;
            }
            format!(
                "INSERT INTO record_states \
                     (connection, feed, erp_key, partner_id, status, hash, source_hash, reason, \
                      rule, version, run_id, created_at, updated_at) \
                 VALUES {} \
                 ON CONFLICT (connection, feed, erp_key) DO UPDATE SET \
                     partner_id = excluded.partner_id, status = excluded.status, \
                     hash = excluded.hash, source_hash = excluded.source_hash, \
                     reason = excluded.reason, rule = excluded.rule, \
                     version = excluded.version, run_id = excluded.run_id, \
                     updated_at = excluded.updated_at",
                values_list("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
            )
        }
        Step::Outcomes(chunk) => {
            for (o, feed_seq) in chunk {
                bind(&mut args, o.run_id)?;
                bind(&mut args, o.connection.as_str())?;
                bind(&mut args, o.feed.as_str())?;
                bind(&mut args, o.erp_key.as_str())?;
                bind(&mut args, o.partner_id.as_deref())?;
                bind(&mut args, o.status.as_str())?;
                bind(&mut args, o.reason.as_deref())?;
                bind(&mut args, o.rule.as_deref())?;
                bind(&mut args, ts(o.at))?;
                bind(&mut args, *feed_seq)?;
            }
            format!(
                "INSERT INTO outcomes \
                     (run_id, connection, feed, erp_key, partner_id, status, reason, rule, at, \
                      feed_seq) \
                 VALUES {}",
                values_list("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
            )
        }
    };
    Ok(Some((bulk_sql(sql), args)))
}

fn bind<'a, T>(args: &mut Args<'a>, value: T) -> Result<()>
where
    T: sqlx::Encode<'a, Db> + sqlx::Type<Db> + 'a,
{
    sqlx::Arguments::add(args, value).map_err(|e| StoreError::Db(sqlx::Error::Encode(e)))
}

/// Highest feed seq of one connection (0 when its feeds are empty): where an outcome row
/// written now stands among the feed items (`outcomes.feed_seq`).
pub(crate) const FEED_HEAD_OF_CONNECTION: &str =
    "SELECT COALESCE(MAX(seq), 0) FROM feed_items WHERE connection = $1";

/// Splits a batch's outcomes (GEN-8). A plain "sent" outcome (status sent, no reason or rule,
/// the batch's run, connection and time) says no more than "this run put this version of the
/// record into the feed": it gets no row of its own; the upsert feed item it sent carries the
/// run instead (`feed_items.run_id`), and [`outcomes`] and [`run_outcomes`] read such items
/// back as outcomes. Every other outcome (skips, failures, deletions, warnings) is a row.
///
/// Returns the run per feed item of the batch (`None`: the item stands for no outcome) and the
/// outcomes that need a row, each with the index of the feed item of the last plain "sent"
/// outcome before it (`None`: there is none).
#[allow(clippy::type_complexity)]
fn split_outcomes(
    batch: &Batch,
    at: DateTime<Utc>,
) -> (Vec<Option<i64>>, Vec<(&Outcome, Option<usize>)>) {
    let mut runs = vec![None; batch.feed.len()];
    // Upsert items not yet standing for an outcome, by record and partner ID.
    let mut open: HashMap<(FeedKind, &str, &str), Vec<usize>> = HashMap::new();
    for (i, f) in batch.feed.iter().enumerate() {
        if f.op == FeedOp::Upsert {
            open.entry((f.feed, f.erp_key.as_str(), f.partner_id.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut rows = Vec::new();
    let mut last_item = None;
    for o in &batch.outcomes {
        let plain = o.status == RecordStatus::Sent
            && o.reason.is_none()
            && o.rule.is_none()
            && o.run_id == batch.run_id
            && o.connection == batch.connection
            && ts(o.at) == at;
        let item = match (&o.partner_id, plain) {
            (Some(pid), true) => open
                .get_mut(&(o.feed, o.erp_key.as_str(), pid.as_str()))
                .and_then(Vec::pop),
            _ => None,
        };
        match item {
            Some(i) => {
                runs[i] = Some(batch.run_id);
                last_item = Some(i);
            }
            None => rows.push((o, last_item)),
        }
    }
    (runs, rows)
}

async fn add_counts(tx: &mut Tx, batch: &Batch, at: DateTime<Utc>) -> Result<()> {
    let c = &batch.counts;
    let done = sqlx::query(
        "UPDATE runs SET read = read + $2, sent = sent + $3, skipped = skipped + $4, \
             failed = failed + $5, deleted = deleted + $6, unchanged = unchanged + $7, \
             updated_at = $8 \
         WHERE id = $1",
    )
    .bind(batch.run_id)
    .bind(c.read)
    .bind(c.sent)
    .bind(c.skipped)
    .bind(c.failed)
    .bind(c.deleted)
    .bind(c.unchanged)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(run_not_found(batch.run_id));
    }
    Ok(())
}

pub(crate) async fn count_live(pool: &Pool<Db>, connection: &str, feed: FeedKind) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_states \
         WHERE connection = $1 AND feed = $2 AND status <> 'deleted'",
    )
    .bind(connection)
    .bind(feed.as_str())
    .fetch_one(pool)
    .await?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative Anzahl {n}")))
}

pub(crate) async fn stage_seen(
    pool: &Pool<Db>,
    run_id: i64,
    feed: FeedKind,
    erp_keys: &[String],
) -> Result<()> {
    if erp_keys.is_empty() {
        return Ok(());
    }
    let mut tx = begin_write(pool).await?;
    for keys in erp_keys.chunks(rows_per_statement(3)) {
        let sql = bulk_sql(format!(
            "INSERT INTO seen_keys (run_id, feed, erp_key) VALUES {} ON CONFLICT DO NOTHING",
            values_list("(?, ?, ?)", keys.len())
        ));
        let mut q = sqlx::query(&sql);
        for k in keys {
            q = q.bind(run_id).bind(feed.as_str()).bind(k);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn unseen_live(
    pool: &Pool<Db>,
    run_id: i64,
    connection: &str,
    feed: FeedKind,
    n: u32,
) -> Result<Vec<RecordState>> {
    let rows: Vec<StateRow> = sqlx::query_as(concat!(
        "SELECT ",
        state_cols!(),
        " FROM record_states \
         WHERE connection = $1 AND feed = $2 AND status <> 'deleted' \
           AND NOT EXISTS (SELECT 1 FROM seen_keys s \
                           WHERE s.run_id = $3 AND s.feed = record_states.feed \
                             AND s.erp_key = record_states.erp_key) \
         ORDER BY erp_key LIMIT $4"
    ))
    .bind(connection)
    .bind(feed.as_str())
    .bind(run_id)
    .bind(limit(n))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(common::state).collect()
}

pub(crate) async fn clear_seen(pool: &Pool<Db>, run_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM seen_keys WHERE run_id = $1")
        .bind(run_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn watermark(
    pool: &Pool<Db>,
    connection: &str,
    entity: ErpEntity,
) -> Result<Option<DateTime<Utc>>> {
    Ok(
        sqlx::query_scalar("SELECT at FROM watermarks WHERE connection = $1 AND entity = $2")
            .bind(connection)
            .bind(entity.as_str())
            .fetch_optional(pool)
            .await?,
    )
}

pub(crate) async fn set_watermark(
    pool: &Pool<Db>,
    connection: &str,
    entity: ErpEntity,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO watermarks (connection, entity, at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (connection, entity) DO UPDATE SET \
             at = excluded.at, updated_at = excluded.updated_at",
    )
    .bind(connection)
    .bind(entity.as_str())
    .bind(ts(at))
    .bind(ts(Utc::now()))
    .execute(pool)
    .await?;
    Ok(())
}

// --- partner feed -------------------------------------------------------------------------

pub(crate) async fn feed_page(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    after: i64,
    n: u32,
) -> Result<Vec<FeedItem>> {
    let rows: Vec<FeedRow> = sqlx::query_as(concat!(
        "SELECT ",
        feed_cols!(),
        " FROM feed_items WHERE connection = $1 AND feed = $2 AND seq > $3 \
         ORDER BY seq LIMIT $4"
    ))
    .bind(connection)
    .bind(feed.as_str())
    .bind(after)
    .bind(limit(n))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(common::feed_item).collect()
}

pub(crate) async fn cursor(pool: &Pool<Db>, connection: &str, feed: FeedKind) -> Result<i64> {
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM cursors WHERE connection = $1 AND feed = $2")
            .bind(connection)
            .bind(feed.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(seq.unwrap_or(0))
}

const FEED_HEAD: &str =
    "SELECT COALESCE(MAX(seq), 0) FROM feed_items WHERE connection = $1 AND feed = $2";

pub(crate) async fn ack(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    seq: i64,
) -> Result<i64> {
    if seq < 0 {
        return Err(StoreError::Conflict(format!(
            "Bestätigung {seq} für Feed „{feed}“ ist keine gültige Position"
        )));
    }
    let mut tx = begin_write(pool).await?;
    let head: i64 = sqlx::query_scalar(FEED_HEAD)
        .bind(connection)
        .bind(feed.as_str())
        .fetch_one(&mut *tx)
        .await?;
    if seq > head {
        return Err(StoreError::Conflict(format!(
            "Bestätigung {seq} für Feed „{feed}“ liegt hinter dem letzten Eintrag {head}"
        )));
    }
    let now = ts(Utc::now());
    sqlx::query(
        "INSERT INTO cursors (connection, feed, seq, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (connection, feed) DO UPDATE SET \
             seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE cursors.seq < excluded.seq",
    )
    .bind(connection)
    .bind(feed.as_str())
    .bind(seq)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let now_at: i64 =
        sqlx::query_scalar("SELECT seq FROM cursors WHERE connection = $1 AND feed = $2")
            .bind(connection)
            .bind(feed.as_str())
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(now_at)
}

pub(crate) async fn feed_head(pool: &Pool<Db>, connection: &str, feed: FeedKind) -> Result<i64> {
    Ok(sqlx::query_scalar(FEED_HEAD)
        .bind(connection)
        .bind(feed.as_str())
        .fetch_one(pool)
        .await?)
}

// --- record status (GEN-8) ----------------------------------------------------------------

/// By partner ID first; failing that, `partner_id` is taken as an ERP key.
pub(crate) async fn record_by_partner_id(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    partner_id: &str,
) -> Result<Option<RecordState>> {
    let by_partner_id: Option<StateRow> = sqlx::query_as(concat!(
        "SELECT ",
        state_cols!(),
        " FROM record_states WHERE connection = $1 AND feed = $2 AND partner_id = $3 LIMIT 1"
    ))
    .bind(connection)
    .bind(feed.as_str())
    .bind(partner_id)
    .fetch_optional(pool)
    .await?;
    let row = match by_partner_id {
        Some(row) => Some(row),
        None => {
            sqlx::query_as(concat!(
                "SELECT ",
                state_cols!(),
                " FROM record_states WHERE connection = $1 AND feed = $2 AND erp_key = $3"
            ))
            .bind(connection)
            .bind(feed.as_str())
            .bind(partner_id)
            .fetch_optional(pool)
            .await?
        }
    };
    row.map(common::state).transpose()
}

/// The protocol lines matching `condition` (on columns common to `outcomes` and
/// `feed_items`), newest first, at most `$limit`: the outcome rows merged with the plain "sent"
/// outcomes that live on the feed items they sent (see [`split_outcomes`]).
///
/// Both kinds are ordered by feed position: a sent item by its `seq`, a row by the feed head
/// when it was written (`feed_seq`), and a row after the item at its head. Within `outcomes`,
/// `feed_seq` grows with `id`, so each side takes its newest `limit` lines by its own index
/// before the merge.
fn merged_outcomes_sql(condition: &str, limit: &str) -> String {
    format!(
        "SELECT {cols} FROM ( \
             SELECT * FROM ( \
                 SELECT {cols}, feed_seq AS k, 1 AS kind, id AS n FROM outcomes \
                 WHERE {condition} ORDER BY id DESC LIMIT {limit}) AS o \
             UNION ALL \
             SELECT * FROM ( \
                 SELECT run_id, connection, feed, erp_key, partner_id, 'sent' AS status, \
                        NULL AS reason, NULL AS rule, created_at AS at, \
                        seq AS k, 0 AS kind, seq AS n FROM feed_items \
                 WHERE {condition} AND run_id IS NOT NULL ORDER BY seq DESC LIMIT {limit}) AS f \
         ) AS u ORDER BY k DESC, kind DESC, n DESC LIMIT {limit}",
        cols = outcome_cols!(),
    )
}

pub(crate) async fn outcomes(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    erp_key: &str,
    n: u32,
) -> Result<Vec<Outcome>> {
    let sql = merged_outcomes_sql("connection = $1 AND feed = $2 AND erp_key = $3", "$4");
    let rows: Vec<OutcomeRow> = sqlx::query_as(&sql)
        .bind(connection)
        .bind(feed.as_str())
        .bind(erp_key)
        .bind(limit(n))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(common::outcome).collect()
}

pub(crate) async fn run_outcomes(pool: &Pool<Db>, run_id: i64, n: u32) -> Result<Vec<Outcome>> {
    let sql = merged_outcomes_sql("run_id = $1", "$2");
    let rows: Vec<OutcomeRow> = sqlx::query_as(&sql)
        .bind(run_id)
        .bind(limit(n))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(common::outcome).collect()
}

pub(crate) async fn entity(
    pool: &Pool<Db>,
    entity: ErpEntity,
    erp_key: &str,
) -> Result<Option<StoredEntity>> {
    let row: Option<EntityRow> = sqlx::query_as(concat!(
        "SELECT ",
        entity_cols!(),
        " FROM entities WHERE entity = $1 AND erp_key = $2"
    ))
    .bind(entity.as_str())
    .bind(erp_key)
    .fetch_optional(pool)
    .await?;
    row.map(common::stored_entity).transpose()
}

pub(crate) async fn live_entities(
    pool: &Pool<Db>,
    entity: ErpEntity,
    after: Option<&str>,
    n: u32,
) -> Result<Vec<StoredEntity>> {
    let rows: Vec<EntityRow> = sqlx::query_as(concat!(
        "SELECT ",
        entity_cols!(),
        " FROM entities WHERE entity = $1 AND NOT deleted AND erp_key > $2 \
          ORDER BY erp_key LIMIT $3"
    ))
    .bind(entity.as_str())
    .bind(after.unwrap_or(""))
    .bind(common::limit(n))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(common::stored_entity).collect()
}

pub(crate) async fn entity_stamp(pool: &Pool<Db>, entity: ErpEntity) -> Result<crate::EntityStamp> {
    let (count, latest): (i64, Option<DateTime<Utc>>) =
        sqlx::query_as("SELECT COUNT(*), MAX(updated_at) FROM entities WHERE entity = $1")
            .bind(entity.as_str())
            .fetch_one(pool)
            .await?;
    Ok(crate::EntityStamp { count, latest })
}

/// Key of a file export's position in the `cursors` table: `<feed>@export:<target>`. Partner
/// API cursors use the bare feed name, so the two never meet.
fn export_key(feed: FeedKind, target: &str) -> String {
    format!("{}@export:{target}", feed.as_str())
}

pub(crate) async fn export_cursor(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    target: &str,
) -> Result<i64> {
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM cursors WHERE connection = $1 AND feed = $2")
            .bind(connection)
            .bind(export_key(feed, target))
            .fetch_optional(pool)
            .await?;
    Ok(seq.unwrap_or(0))
}

pub(crate) async fn set_export_cursor(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    target: &str,
    seq: i64,
) -> Result<i64> {
    let mut tx = begin_write(pool).await?;
    let head: i64 = sqlx::query_scalar(FEED_HEAD)
        .bind(connection)
        .bind(feed.as_str())
        .fetch_one(&mut *tx)
        .await?;
    if seq < 0 || seq > head {
        return Err(StoreError::Conflict(format!(
            "Exportposition {seq} für Feed „{feed}“ liegt außerhalb 0…{head}"
        )));
    }
    let key = export_key(feed, target);
    let now = ts(Utc::now());
    sqlx::query(
        "INSERT INTO cursors (connection, feed, seq, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (connection, feed) DO UPDATE SET \
             seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE cursors.seq < excluded.seq",
    )
    .bind(connection)
    .bind(&key)
    .bind(seq)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let at: i64 = sqlx::query_scalar("SELECT seq FROM cursors WHERE connection = $1 AND feed = $2")
        .bind(connection)
        .bind(&key)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(at)
}
