//! The hub store: the canonical entities with content hash and version, per-partner record
//! states and change feeds (the change log partners read), partner cursors, ERP watermarks and
//! the protocol (runs and per-record outcomes).
//!
//! One trait, [`Store`], two backends chosen by URL: SQLite (`sqlite:` paths, the default, WAL)
//! and PostgreSQL (`postgres://`). Migrations are embedded in the binary. Only this crate speaks
//! SQL to the hub database.

mod environments;
mod inbox;
mod model;
mod notify;
mod outbox;
mod schedules;
mod secrets;
mod shares;
mod sql;

pub use environments::*;
pub use inbox::*;
pub use model::*;
pub use notify::*;
pub use outbox::*;
pub use schedules::*;
pub use secrets::*;
pub use shares::*;
pub use sql::{SqlStore, open};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("nicht gefunden: {0}")]
    NotFound(String),
    #[error("Konflikt: {0}")]
    Conflict(String),
    #[error("ungültige Datenbank-URL „{0}“ (erwartet sqlite:PFAD oder postgres://…)")]
    BadUrl(String),
    #[error("Datenbankfehler: {0}")]
    Db(#[from] sqlx::Error),
    #[error("Migration fehlgeschlagen: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("gespeicherte Daten unlesbar: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The hub store. Every method is one transaction unless it says otherwise.
#[async_trait]
pub trait Store:
    OutboxStore
    + SecretStore
    + EnvironmentStore
    + InboxStore
    + NotificationStore
    + ScheduleStore
    + ShareStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    // --- partner connections -------------------------------------------------------------

    /// Creates or updates a connection (by name). The API key is stored only as its hash.
    async fn upsert_connection(&self, c: &Connection) -> Result<()>;
    async fn connection(&self, name: &str) -> Result<Option<Connection>>;
    async fn connection_by_key_hash(&self, api_key_hash: &str) -> Result<Option<Connection>>;
    async fn connections(&self) -> Result<Vec<Connection>>;

    // --- protocol: runs ------------------------------------------------------------------

    async fn start_run(&self, run: &NewRun) -> Result<i64>;
    async fn finish_run(&self, run_id: i64, end: &RunEnd) -> Result<()>;
    async fn run(&self, run_id: i64) -> Result<Option<Run>>;
    /// Runs newest first, filtered.
    async fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>>;

    // --- sync ----------------------------------------------------------------------------

    /// Current states of the given records of one connection and feed (missing keys absent).
    async fn record_states(
        &self,
        connection: &str,
        feed: FeedKind,
        erp_keys: &[String],
    ) -> Result<Vec<RecordState>>;

    /// Applies one batch in one transaction: canonical entities (version bumped only when the
    /// hash changed), feed items appended (the store assigns increasing `seq`), record states
    /// upserted, outcomes appended, run counters added.
    async fn apply_batch(&self, batch: &Batch) -> Result<()>;

    /// Number of records of a connection and feed that are not deleted.
    async fn count_live(&self, connection: &str, feed: FeedKind) -> Result<u64>;

    /// Stages ERP keys seen by a run (for deletion detection by anti-join).
    async fn stage_seen(&self, run_id: i64, feed: FeedKind, erp_keys: &[String]) -> Result<()>;

    /// Live records of the connection and feed that the run did not stage, at most `limit`.
    async fn unseen_live(
        &self,
        run_id: i64,
        connection: &str,
        feed: FeedKind,
        limit: u32,
    ) -> Result<Vec<RecordState>>;

    /// Removes a run's staged keys.
    async fn clear_seen(&self, run_id: i64) -> Result<()>;

    /// Watermark of the ERP change-timestamp column per connection and ERP entity.
    async fn watermark(&self, connection: &str, entity: ErpEntity)
    -> Result<Option<DateTime<Utc>>>;
    async fn set_watermark(
        &self,
        connection: &str,
        entity: ErpEntity,
        at: DateTime<Utc>,
    ) -> Result<()>;

    // --- partner feed --------------------------------------------------------------------

    /// Feed items with `seq > after`, oldest first, at most `limit`.
    async fn feed_page(
        &self,
        connection: &str,
        feed: FeedKind,
        after: i64,
        limit: u32,
    ) -> Result<Vec<FeedItem>>;

    /// The partner's acknowledged position (0 when nothing was acknowledged).
    async fn cursor(&self, connection: &str, feed: FeedKind) -> Result<i64>;

    /// Moves the acknowledged position forward. Moving backwards is ignored (idempotent);
    /// acknowledging past the last item is a `Conflict`.
    async fn ack(&self, connection: &str, feed: FeedKind, seq: i64) -> Result<i64>;

    /// Highest `seq` of a feed (0 when empty).
    async fn feed_head(&self, connection: &str, feed: FeedKind) -> Result<i64>;

    /// Position of a file export (e.g. OpenImmo to an SFTP server) in a feed: the last `seq`
    /// that reached the target (0 before the first export). Kept apart from the partner API's
    /// acknowledged cursor, so both consumers move on their own.
    async fn export_cursor(&self, connection: &str, feed: FeedKind, target: &str) -> Result<i64>;

    /// Moves a file export's position to `seq` (forward only; never past the feed's head).
    async fn set_export_cursor(
        &self,
        connection: &str,
        feed: FeedKind,
        target: &str,
        seq: i64,
    ) -> Result<i64>;

    // --- record status (GEN-8) -----------------------------------------------------------

    /// Current state of one record, by ERP key or partner ID.
    async fn record_by_partner_id(
        &self,
        connection: &str,
        feed: FeedKind,
        partner_id: &str,
    ) -> Result<Option<RecordState>>;

    /// Outcome history of one record (newest first).
    async fn outcomes(
        &self,
        connection: &str,
        feed: FeedKind,
        erp_key: &str,
        limit: u32,
    ) -> Result<Vec<Outcome>>;

    /// Outcomes recorded by one run (newest first).
    async fn run_outcomes(&self, run_id: i64, limit: u32) -> Result<Vec<Outcome>>;

    /// Canonical entity by ERP key.
    async fn entity(&self, entity: ErpEntity, erp_key: &str) -> Result<Option<StoredEntity>>;

    /// Live (not deleted) canonical entities of one kind with ERP key after `after` (all when
    /// `None`), in key order, at most `limit`: for reading a whole kind page by page (the
    /// duplicate check's person index, PRO-3).
    async fn live_entities(
        &self,
        entity: ErpEntity,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StoredEntity>>;

    /// A cheap fingerprint of one kind's canonical rows: their number (deleted included) and
    /// the latest change. Equal stamps mean nothing changed in between.
    async fn entity_stamp(&self, entity: ErpEntity) -> Result<EntityStamp>;
}

/// See [`Store::entity_stamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityStamp {
    pub count: i64,
    pub latest: Option<DateTime<Utc>>,
}
