//! Every store operation, written once for both backends.
//!
//! This file is compiled twice: as `sqlite::ops` and as `postgres::ops`. `super` is the
//! backend module and provides `Db` (the sqlx database type) and `begin_write`, `begin_read`
//! and `lock_feed`. All SQL here must therefore run on SQLite and PostgreSQL alike: `$n`
//! placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`, `TRUE`/`FALSE`.

use chrono::{DateTime, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use sqlx::{Pool, Transaction};

use super::{Db, begin_read, begin_write, bulk_sql, lock_feed};
use crate::sql::common::{
    self, ConnectionRow, EntityRow, FeedRow, OutcomeRow, RunRow, StateRow, connection_cols,
    entity_cols, feed_cols, last_per_key, limit, outcome_cols, placeholders, rows_per_statement,
    run_cols, state_cols, to_json, ts, values_list,
};
use crate::{
    Batch, Connection, EntityUpsert, FeedItem, NewRun, Outcome, RecordState, Result, Run, RunEnd,
    RunFilter, RunStatus, StoreError, StoredEntity,
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
    let mut tx = begin_write(pool).await?;

    upsert_entities(&mut tx, &batch.entities, at).await?;
    delete_entities(&mut tx, &batch.entity_deletes, at).await?;
    if !batch.feed.is_empty() {
        lock_feed(&mut tx, &batch.connection).await?;
        append_feed(&mut tx, batch, at).await?;
    }
    upsert_states(&mut tx, &batch.states, at).await?;
    append_outcomes(&mut tx, &batch.outcomes).await?;
    // Last: an unknown run rolls back everything above.
    add_counts(&mut tx, batch, at).await?;

    tx.commit().await?;
    Ok(())
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

/// Inserts new entities with version 1; an existing one gets the new content and version + 1
/// only when its hash changed or it was deleted (then it is live again).
async fn upsert_entities(tx: &mut Tx, entities: &[EntityUpsert], at: DateTime<Utc>) -> Result<()> {
    const ROW: &str = "(?, ?, ?, ?, 1, ?, FALSE, ?, ?)";
    let entities = last_per_key(entities, |e| (e.entity, e.erp_key.as_str()));
    for chunk in entities.chunks(rows_per_statement(7)) {
        let payloads = chunk
            .iter()
            .map(|e| to_json(&e.payload))
            .collect::<Result<Vec<_>>>()?;
        let sql = bulk_sql(format!(
            "INSERT INTO entities \
                 (entity, erp_key, client_no, hash, version, payload, deleted, created_at, \
                  updated_at) \
             VALUES {} \
             ON CONFLICT (entity, erp_key) DO UPDATE SET \
                 client_no = excluded.client_no, hash = excluded.hash, \
                 payload = excluded.payload, deleted = FALSE, \
                 version = entities.version + 1, updated_at = excluded.updated_at \
             WHERE entities.hash <> excluded.hash OR entities.deleted",
            values_list(ROW, chunk.len())
        ));
        let mut q = sqlx::query(&sql);
        for (e, payload) in chunk.iter().zip(payloads) {
            q = q
                .bind(e.entity.as_str())
                .bind(&e.erp_key)
                .bind(&e.client_no)
                .bind(&e.hash)
                .bind(payload)
                .bind(at)
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Marks entities deleted, bumping their version (once: deleting again changes nothing).
async fn delete_entities(
    tx: &mut Tx,
    deletes: &[(ErpEntity, String)],
    at: DateTime<Utc>,
) -> Result<()> {
    let deletes = last_per_key(deletes, |(e, k)| (*e, k.as_str()));
    let mut rest = &deletes[..];
    while let Some(first) = rest.first() {
        // `deletes` is sorted by entity: take the run of one entity, at most one chunk.
        let entity = first.0;
        let len = rest
            .iter()
            .take(KEYS_PER_QUERY)
            .take_while(|(e, _)| *e == entity)
            .count();
        let (chunk, tail) = rest.split_at(len);
        rest = tail;
        let sql = bulk_sql(format!(
            "UPDATE entities SET deleted = TRUE, version = version + 1, updated_at = ? \
             WHERE entity = ? AND NOT deleted AND erp_key IN ({})",
            placeholders(chunk.len())
        ));
        let mut q = sqlx::query(&sql).bind(at).bind(entity.as_str());
        for (_, key) in chunk {
            q = q.bind(key);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Appends the feed items in batch order; the database assigns increasing `seq`.
async fn append_feed(tx: &mut Tx, batch: &Batch, at: DateTime<Utc>) -> Result<()> {
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?)";
    for chunk in batch.feed.chunks(rows_per_statement(8)) {
        let payloads = chunk
            .iter()
            .map(|f| to_json(&f.payload))
            .collect::<Result<Vec<_>>>()?;
        let sql = bulk_sql(format!(
            "INSERT INTO feed_items \
                 (connection, feed, erp_key, partner_id, op, version, payload, created_at) \
             VALUES {}",
            values_list(ROW, chunk.len())
        ));
        let mut q = sqlx::query(&sql);
        for (f, payload) in chunk.iter().zip(payloads) {
            q = q
                .bind(&batch.connection)
                .bind(f.feed.as_str())
                .bind(&f.erp_key)
                .bind(&f.partner_id)
                .bind(f.op.as_str())
                .bind(f.version)
                .bind(payload)
                .bind(at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn upsert_states(tx: &mut Tx, states: &[RecordState], at: DateTime<Utc>) -> Result<()> {
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let states = last_per_key(states, |s| {
        (s.connection.as_str(), s.feed, s.erp_key.as_str())
    });
    for chunk in states.chunks(rows_per_statement(13)) {
        let sql = bulk_sql(format!(
            "INSERT INTO record_states \
                 (connection, feed, erp_key, partner_id, status, hash, source_hash, reason, \
                  rule, version, run_id, created_at, updated_at) \
             VALUES {} \
             ON CONFLICT (connection, feed, erp_key) DO UPDATE SET \
                 partner_id = excluded.partner_id, status = excluded.status, \
                 hash = excluded.hash, source_hash = excluded.source_hash, \
                 reason = excluded.reason, rule = excluded.rule, version = excluded.version, \
                 run_id = excluded.run_id, updated_at = excluded.updated_at",
            values_list(ROW, chunk.len())
        ));
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q
                .bind(&s.connection)
                .bind(s.feed.as_str())
                .bind(&s.erp_key)
                .bind(&s.partner_id)
                .bind(s.status.as_str())
                .bind(&s.hash)
                .bind(&s.source_hash)
                .bind(&s.reason)
                .bind(&s.rule)
                .bind(s.version)
                .bind(s.run_id)
                .bind(at)
                .bind(ts(s.updated_at));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn append_outcomes(tx: &mut Tx, outcomes: &[Outcome]) -> Result<()> {
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    for chunk in outcomes.chunks(rows_per_statement(9)) {
        let sql = bulk_sql(format!(
            "INSERT INTO outcomes \
                 (run_id, connection, feed, erp_key, partner_id, status, reason, rule, at) \
             VALUES {}",
            values_list(ROW, chunk.len())
        ));
        let mut q = sqlx::query(&sql);
        for o in chunk {
            q = q
                .bind(o.run_id)
                .bind(&o.connection)
                .bind(o.feed.as_str())
                .bind(&o.erp_key)
                .bind(&o.partner_id)
                .bind(o.status.as_str())
                .bind(&o.reason)
                .bind(&o.rule)
                .bind(ts(o.at));
        }
        q.execute(&mut **tx).await?;
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

pub(crate) async fn outcomes(
    pool: &Pool<Db>,
    connection: &str,
    feed: FeedKind,
    erp_key: &str,
    n: u32,
) -> Result<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> = sqlx::query_as(concat!(
        "SELECT ",
        outcome_cols!(),
        " FROM outcomes WHERE connection = $1 AND feed = $2 AND erp_key = $3 \
         ORDER BY id DESC LIMIT $4"
    ))
    .bind(connection)
    .bind(feed.as_str())
    .bind(erp_key)
    .bind(limit(n))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(common::outcome).collect()
}

pub(crate) async fn run_outcomes(pool: &Pool<Db>, run_id: i64, n: u32) -> Result<Vec<Outcome>> {
    let rows: Vec<OutcomeRow> = sqlx::query_as(concat!(
        "SELECT ",
        outcome_cols!(),
        " FROM outcomes WHERE run_id = $1 ORDER BY id DESC LIMIT $2"
    ))
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
