//! [`SqlStore`]: the [`Store`] on SQLite or PostgreSQL.
//!
//! The SQL of every operation is written once, in `sql/ops.rs`, with `$n` placeholders (which
//! sqlx-sqlite understands too) and runtime queries only, so no database is needed to build.
//! That file is compiled twice, once per backend (`sql/sqlite.rs`, `sql/postgres.rs`), each
//! providing the concrete `Db` type and the few things that really differ: how a write
//! transaction starts and how appends to a partner's feed are serialised.

mod common;
mod environments;
mod inbox;
mod notify;
mod outbox;
mod postgres;
mod schedules;
mod secrets;
mod shares;
mod sqlite;

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use crate::{
    Batch, Connection, NewRun, Outcome, RecordState, Result, Run, RunEnd, RunFilter, Store,
    StoreError, StoredEntity,
};

/// The hub store on a SQL database: SQLite (a file, WAL) or PostgreSQL.
///
/// Cheap to share: it holds a connection pool. Create it with [`open`].
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool, Arc<postgres::Statistics>),
}

/// Connects to the hub database and brings its schema up to date (embedded migrations).
///
/// The backend follows from `url`:
/// * `sqlite:PFAD`, `sqlite://PFAD` or a plain path ending in `.db`: SQLite; the file is created
///   if missing and opened in WAL mode (`synchronous=NORMAL`, foreign keys on, 5 s busy
///   timeout). `sqlite::memory:` gives a private in-memory database (for tests).
/// * `postgres://…` or `postgresql://…`: PostgreSQL.
///
/// Anything else is [`StoreError::BadUrl`].
pub async fn open(url: &str) -> Result<SqlStore> {
    let pool = match Target::parse(url)? {
        Target::Sqlite { options, in_memory } => {
            Backend::Sqlite(sqlite::connect(options, in_memory).await?)
        }
        Target::Postgres(options) => {
            Backend::Postgres(postgres::connect(options).await?, Arc::default())
        }
    };
    Ok(SqlStore { pool })
}

impl SqlStore {
    /// Bookkeeping after writing `rows` rows to the tables that batch lookups read.
    async fn wrote_lookup_rows(&self, rows: usize) {
        if let Backend::Postgres(pool, stats) = &self.pool {
            stats.wrote(pool, rows as u64).await;
        }
    }

    /// Closes every pooled connection and waits until they are closed. Later calls fail.
    pub async fn close(&self) {
        match &self.pool {
            Backend::Sqlite(p) => p.close().await,
            Backend::Postgres(p, _) => p.close().await,
        }
    }
}

/// Where [`open`] connects to.
enum Target {
    Sqlite {
        options: SqliteConnectOptions,
        in_memory: bool,
    },
    Postgres(PgConnectOptions),
}

impl Target {
    fn parse(url: &str) -> Result<Self> {
        let bad = || StoreError::BadUrl(url.to_owned());
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|_| bad())?;
            return Ok(Target::Postgres(options));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() && !params.contains("mode=memory") {
                return Err(bad());
            }
            let in_memory = path == ":memory:" || params.contains("mode=memory");
            let options = SqliteConnectOptions::from_str(url).map_err(|_| bad())?;
            return Ok(Target::Sqlite { options, in_memory });
        }
        if !url.contains("://") && url.len() > 3 && lower.ends_with(".db") {
            let options = SqliteConnectOptions::new().filename(url);
            return Ok(Target::Sqlite {
                options,
                in_memory: false,
            });
        }
        Err(bad())
    }
}

/// Calls the same operation on whichever backend this store has.
macro_rules! dispatch {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Backend::Sqlite(pool) => sqlite::ops::$op(pool, $($arg),*).await,
            Backend::Postgres(pool, _) => postgres::ops::$op(pool, $($arg),*).await,
        }
    };
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.pool {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(..) => "postgres",
        }
    }

    async fn upsert_connection(&self, c: &Connection) -> Result<()> {
        dispatch!(self.upsert_connection(c))
    }

    async fn connection(&self, name: &str) -> Result<Option<Connection>> {
        dispatch!(self.connection(name))
    }

    async fn connection_by_key_hash(&self, api_key_hash: &str) -> Result<Option<Connection>> {
        dispatch!(self.connection_by_key_hash(api_key_hash))
    }

    async fn connections(&self) -> Result<Vec<Connection>> {
        dispatch!(self.connections())
    }

    async fn start_run(&self, run: &NewRun) -> Result<i64> {
        dispatch!(self.start_run(run))
    }

    async fn finish_run(&self, run_id: i64, end: &RunEnd) -> Result<()> {
        dispatch!(self.finish_run(run_id, end))
    }

    async fn run(&self, run_id: i64) -> Result<Option<Run>> {
        dispatch!(self.run(run_id))
    }

    async fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>> {
        dispatch!(self.runs(filter))
    }

    async fn record_states(
        &self,
        connection: &str,
        feed: FeedKind,
        erp_keys: &[String],
    ) -> Result<Vec<RecordState>> {
        dispatch!(self.record_states(connection, feed, erp_keys))
    }

    async fn apply_batch(&self, batch: &Batch) -> Result<()> {
        dispatch!(self.apply_batch(batch))?;
        let rows = batch.entities.len() + batch.entity_deletes.len() + batch.states.len();
        self.wrote_lookup_rows(rows).await;
        Ok(())
    }

    async fn count_live(&self, connection: &str, feed: FeedKind) -> Result<u64> {
        dispatch!(self.count_live(connection, feed))
    }

    async fn stage_seen(&self, run_id: i64, feed: FeedKind, erp_keys: &[String]) -> Result<()> {
        dispatch!(self.stage_seen(run_id, feed, erp_keys))?;
        self.wrote_lookup_rows(erp_keys.len()).await;
        Ok(())
    }

    async fn unseen_live(
        &self,
        run_id: i64,
        connection: &str,
        feed: FeedKind,
        limit: u32,
    ) -> Result<Vec<RecordState>> {
        dispatch!(self.unseen_live(run_id, connection, feed, limit))
    }

    async fn clear_seen(&self, run_id: i64) -> Result<()> {
        dispatch!(self.clear_seen(run_id))
    }

    async fn watermark(
        &self,
        connection: &str,
        entity: ErpEntity,
    ) -> Result<Option<DateTime<Utc>>> {
        dispatch!(self.watermark(connection, entity))
    }

    async fn set_watermark(
        &self,
        connection: &str,
        entity: ErpEntity,
        at: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(self.set_watermark(connection, entity, at))
    }

    async fn feed_page(
        &self,
        connection: &str,
        feed: FeedKind,
        after: i64,
        limit: u32,
    ) -> Result<Vec<crate::FeedItem>> {
        dispatch!(self.feed_page(connection, feed, after, limit))
    }

    async fn cursor(&self, connection: &str, feed: FeedKind) -> Result<i64> {
        dispatch!(self.cursor(connection, feed))
    }

    async fn ack(&self, connection: &str, feed: FeedKind, seq: i64) -> Result<i64> {
        dispatch!(self.ack(connection, feed, seq))
    }

    async fn feed_head(&self, connection: &str, feed: FeedKind) -> Result<i64> {
        dispatch!(self.feed_head(connection, feed))
    }

    async fn export_cursor(&self, connection: &str, feed: FeedKind, target: &str) -> Result<i64> {
        dispatch!(self.export_cursor(connection, feed, target))
    }

    async fn set_export_cursor(
        &self,
        connection: &str,
        feed: FeedKind,
        target: &str,
        seq: i64,
    ) -> Result<i64> {
        dispatch!(self.set_export_cursor(connection, feed, target, seq))
    }

    async fn record_by_partner_id(
        &self,
        connection: &str,
        feed: FeedKind,
        partner_id: &str,
    ) -> Result<Option<RecordState>> {
        dispatch!(self.record_by_partner_id(connection, feed, partner_id))
    }

    async fn outcomes(
        &self,
        connection: &str,
        feed: FeedKind,
        erp_key: &str,
        limit: u32,
    ) -> Result<Vec<Outcome>> {
        dispatch!(self.outcomes(connection, feed, erp_key, limit))
    }

    async fn run_outcomes(&self, run_id: i64, limit: u32) -> Result<Vec<Outcome>> {
        dispatch!(self.run_outcomes(run_id, limit))
    }

    async fn entity(&self, entity: ErpEntity, erp_key: &str) -> Result<Option<StoredEntity>> {
        dispatch!(self.entity(entity, erp_key))
    }

    async fn live_entities(
        &self,
        entity: ErpEntity,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEntity>> {
        dispatch!(self.live_entities(entity, after, limit))
    }

    async fn entity_stamp(&self, entity: ErpEntity) -> Result<crate::EntityStamp> {
        dispatch!(self.entity_stamp(entity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        for url in [
            "sqlite:hub.db",
            "sqlite://hub.db",
            "sqlite:///tmp/hub.db",
            "sqlite://data/hub.sqlite?mode=rwc",
            "/var/lib/immohub/hub.db",
            "hub.db",
        ] {
            assert!(
                matches!(
                    Target::parse(url),
                    Ok(Target::Sqlite {
                        in_memory: false,
                        ..
                    })
                ),
                "{url}"
            );
        }
        assert!(matches!(
            Target::parse("sqlite::memory:"),
            Ok(Target::Sqlite {
                in_memory: true,
                ..
            })
        ));
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgresql://u:p@db.example/hub?sslmode=require",
        ] {
            assert!(
                matches!(Target::parse(url), Ok(Target::Postgres(_))),
                "{url}"
            );
        }
        for url in [
            "",
            "sqlite:",
            "sqlite://",
            "mysql://localhost/hub",
            "hub.sqlite",
            "http://example.org/hub.db",
            ".db",
        ] {
            assert!(
                matches!(Target::parse(url), Err(StoreError::BadUrl(_))),
                "{url}"
            );
        }
    }
}
