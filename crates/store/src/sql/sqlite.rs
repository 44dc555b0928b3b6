//! The SQLite backend: connection setup and the SQLite side of the shared operations.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqlitePool, Transaction};

use crate::Result;

/// The database the shared operations in `ops.rs` are compiled for here.
pub(crate) type Db = sqlx::Sqlite;

// The same operations as the PostgreSQL backend, compiled for `Db` = SQLite.
#[allow(clippy::duplicate_mod)]
#[path = "ops.rs"]
pub(crate) mod ops;

// Push delivery (webhook endpoints, dead letters), compiled for `Db` likewise.
#[allow(clippy::duplicate_mod)]
#[path = "outbox_ops.rs"]
pub(crate) mod outbox_ops;

/// Readers in parallel (WAL); writers queue on SQLite's write lock.
const MAX_CONNECTIONS: u32 = 8;

pub(super) async fn connect(options: SqliteConnectOptions, in_memory: bool) -> Result<SqlitePool> {
    let options = options
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // 16 KiB pages for new databases: rows carry JSON payloads, and a bulk load commits
        // and checkpoints markedly fewer pages than with the default 4 KiB.
        .page_size(16_384)
        // 32 MiB page cache per connection (default 2 MiB): bulk upserts touch many index pages.
        .pragma("cache_size", "-32768")
        .pragma("temp_store", "memory")
        // Checkpoint every ~256 MiB of WAL instead of every 16 MiB: a bulk load rewrites the
        // same index pages at every commit, and each checkpoint copies and fsyncs them again;
        // 64 MiB → 256 MiB made a full load about 10 % faster (`immohub bench stammdaten`).
        .pragma("wal_autocheckpoint", "16384");
    let pool = if in_memory {
        // One connection holds the in-memory database; it must never be closed while the
        // store lives, and it cannot be shared between connections without table locks.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?
    } else {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?
    };
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front (waiting up to
/// the busy timeout): a deferred transaction that reads first and writes later could fail with
/// `SQLITE_BUSY` without waiting when another writer got in between.
pub(crate) async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Db>> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Starts a read transaction: one snapshot for several statements.
pub(crate) async fn begin_read(pool: &SqlitePool) -> Result<Transaction<'static, Db>> {
    Ok(pool.begin().await?)
}

/// No lock needed: SQLite has one writer at a time (`BEGIN IMMEDIATE`), so feed items are
/// committed in `seq` order.
pub(crate) fn lock_feed_sql() -> Option<&'static str> {
    None
}

/// Bulk statements keep their anonymous `?` placeholders (see `common::values_list`).
pub(crate) fn bulk_sql(sql: String) -> String {
    sql
}

/// Row locking for claims: SQLite has a single writer (`BEGIN IMMEDIATE`), so none is needed.
pub(crate) fn skip_locked() -> &'static str {
    ""
}

/// The highest feed seq of all connections (`None`: use the connection's own): SQLite gives
/// the next feed items the seqs right after it, one writer at a time.
pub(crate) fn feed_seq_head_sql() -> Option<&'static str> {
    Some("SELECT COALESCE(MAX(seq), 0) FROM feed_items")
}
