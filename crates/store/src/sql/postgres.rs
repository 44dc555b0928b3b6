//! The PostgreSQL backend: connection setup and the PostgreSQL side of the shared operations.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Transaction};

use crate::Result;

/// The database the shared operations in `ops.rs` are compiled for here.
pub(crate) type Db = sqlx::Postgres;

// The same operations as the SQLite backend, compiled for `Db` = PostgreSQL.
#[allow(clippy::duplicate_mod)]
#[path = "ops.rs"]
pub(crate) mod ops;

// Push delivery (webhook endpoints, dead letters), compiled for `Db` likewise.
#[allow(clippy::duplicate_mod)]
#[path = "outbox_ops.rs"]
pub(crate) mod outbox_ops;

const MAX_CONNECTIONS: u32 = 10;

pub(super) async fn connect(options: PgConnectOptions) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}

/// Starts a write transaction (READ COMMITTED; the statements are written for it).
pub(crate) async fn begin_write(pool: &PgPool) -> Result<Transaction<'static, Db>> {
    Ok(pool.begin().await?)
}

/// Starts a read transaction: one snapshot for several statements.
pub(crate) async fn begin_read(pool: &PgPool) -> Result<Transaction<'static, Db>> {
    Ok(pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?)
}

/// Serialises the transactions that append to one connection's feeds, until commit; binds the
/// connection name.
///
/// `seq` comes from a sequence: without this, two concurrent batches of one connection could
/// commit out of order, and a partner reading between the commits could acknowledge past the
/// item that becomes visible later and never see it.
pub(crate) fn lock_feed_sql() -> Option<&'static str> {
    Some("SELECT pg_advisory_xact_lock(hashtextextended('immohub.feed:' || ?, 0))")
}

/// Bulk statements are written with `?` placeholders; PostgreSQL needs them numbered.
pub(crate) fn bulk_sql(sql: String) -> String {
    crate::sql::common::number_placeholders(&sql)
}

/// Keeps the planner statistics of the lookup tables fresh while bulk loads grow them.
///
/// A table that grew from empty since its last `ANALYZE` still looks empty to the planner,
/// which then scans a whole feed's record states per batch lookup instead of probing the
/// primary key (seconds instead of milliseconds per batch). Autovacuum may be off or too late
/// during a first full load, so the store analyses after every fourfold growth of what it
/// wrote (5 000, 20 000, 80 000, … rows): a handful of cheap, sampled `ANALYZE`s per load.
#[derive(Debug)]
pub(crate) struct Statistics {
    written: AtomicU64,
    next_analyze: AtomicU64,
}

impl Default for Statistics {
    fn default() -> Self {
        Statistics {
            written: AtomicU64::new(0),
            next_analyze: AtomicU64::new(FIRST_ANALYZE),
        }
    }
}

const FIRST_ANALYZE: u64 = 5_000;

impl Statistics {
    /// Counts `rows` written to the lookup tables; analyses them when due. Failing to analyse
    /// (e.g. not the table owner) is logged, not an error.
    pub(crate) async fn wrote(&self, pool: &PgPool, rows: u64) {
        let total = self.written.fetch_add(rows, Ordering::Relaxed) + rows;
        let due = self.next_analyze.load(Ordering::Relaxed);
        if total < due
            || self
                .next_analyze
                .compare_exchange(
                    due,
                    total.saturating_mul(4),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        let analyzed = sqlx::query("ANALYZE record_states, entities, seen_keys")
            .execute(pool)
            .await;
        match analyzed {
            Ok(_) => tracing::debug!(rows = total, "Planer-Statistik aktualisiert"),
            Err(e) => tracing::warn!("ANALYZE fehlgeschlagen: {e}"),
        }
    }
}

/// Claims skip rows another instance has locked: instances share endpoints without waiting.
pub(crate) fn skip_locked() -> &'static str {
    " FOR UPDATE SKIP LOCKED"
}

/// `None`: the connection's own feed head is the place to count from (a maximum over all
/// connections would scan: no index leads with `seq`).
pub(crate) fn feed_seq_head_sql() -> Option<&'static str> {
    None
}
