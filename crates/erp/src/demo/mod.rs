//! The demo ERP: a SQLite database of a fictional housing company group around the
//! "Wohnungsbaugenossenschaft Elbufer eG", shaped like a real ERP (base tables with internal ids,
//! ERP numbers, German codes) plus the interface views `v_*` over it.
//!
//! - Client 1, Wohnungsbaugenossenschaft Elbufer eG: Hamburg, Geesthacht, Lauenburg (70 % of the
//!   units); a few of its properties are condominiums with flats sold to owners.
//! - Client 2, Elbufer Wohnen Mitteldeutschland GmbH: Magdeburg, Dresden, Dessau-Roßlau, … (20 %).
//! - Client 3, Elbufer Hausverwaltung GmbH: condominium (WEG) administration; every unit has an
//!   owner, about half of the flats are let (10 %).
//!
//! The data is deterministic for a seed and a reference day. A few rows are deliberately invalid,
//! as in every real ERP (see [`DemoSummary::invalid`]): one building whose postal code lost its
//! leading zero, every 50,000th person an e-mail with a comma typo, every 100,000th ended lease an
//! end date before its start.

mod data;
mod documents;
mod generator;
mod office;

pub use documents::demo_documents_dir;
pub use office::{AcceptedOffer, ImportedProspect, OFFERS_SQL, accept_offer, import_prospects};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use immohub_domain::ErpEntity;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor, SqliteConnection};

use crate::error::ErpError;
use generator::Generator;

/// Base tables of the demo ERP.
pub const DEMO_TABLES_SQL: &str = include_str!("../../../../erp/sql/demo-sqlite-tables.sql");
/// Indexes and change-timestamp triggers, applied after the bulk load.
pub const DEMO_INDEXES_SQL: &str = include_str!("../../../../erp/sql/demo-sqlite-indexes.sql");
/// The interface views `v_*`.
pub const DEMO_VIEWS_SQL: &str = include_str!("../../../../erp/sql/demo-sqlite-views.sql");
/// The interface tables immohub writes into (`immohub_in_prospects`), `IF NOT EXISTS`.
pub const DEMO_INTERFACE_SQL: &str = include_str!("../../../../erp/sql/demo-sqlite-interface.sql");

/// What demo ERP to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of units (Verwaltungseinheiten) over all clients. Default 3000.
    pub units: u64,
    /// Seed of the random generator; the same seed and day give the same database.
    pub seed: u64,
    /// Overwrite an existing file.
    pub force: bool,
    /// Reference day: leases run, ended and start relative to it, and every `updated_at` lies
    /// before it. `None`: today (UTC).
    pub today: Option<NaiveDate>,
    /// Include the few deliberately invalid rows (see the module documentation). Default `true`.
    pub invalid_rows: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            units: 3000,
            seed: 20_240_101,
            force: false,
            today: None,
            invalid_rows: true,
        }
    }
}

/// A row the demo made invalid on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRecord {
    pub entity: ErpEntity,
    /// Readable key, parts joined by `/` (as in [`immohub_domain::RecordError::record`]).
    pub key: String,
    /// The interface column that is wrong.
    pub field: &'static str,
    /// What is wrong, in German.
    pub reason: String,
}

/// What [`create_demo`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub path: PathBuf,
    pub seed: u64,
    pub today: NaiveDate,
    /// Rows per entity (each is one row of the entity's view).
    pub counts: BTreeMap<ErpEntity, u64>,
    /// Rows of `erp_lease_parties` (persons per lease).
    pub lease_parties: u64,
    /// The deliberately invalid rows.
    pub invalid: Vec<InvalidRecord>,
    /// Time taken.
    pub duration: Duration,
}

impl DemoSummary {
    /// Rows of an entity.
    pub fn count(&self, entity: ErpEntity) -> u64 {
        self.counts.get(&entity).copied().unwrap_or(0)
    }
}

/// Creates the demo ERP as a SQLite file at `path`.
///
/// The file is left in WAL mode, so that immohub can read it while someone changes it (in
/// rollback-journal mode a long read would block writers). Refuses to overwrite an existing file
/// unless `opts.force`. The database is built in
/// `<path>.part` and renamed when complete, so a failed run leaves no half-made ERP behind.
/// Connect to it with `sqlite:<path>` and [`crate::Mapping::demo`].
pub async fn create_demo(path: &Path, opts: DemoOptions) -> Result<DemoSummary, ErpError> {
    let started = Instant::now();
    let today = opts.today.unwrap_or_else(|| Utc::now().date_naive());
    if path.exists() {
        if !opts.force {
            return Err(ErpError::DemoExists(path.to_owned()));
        }
        remove_db_files(path)?;
    }
    let part = part_path(path);
    remove_db_files(&part)?;

    let result = build(&part, &opts, today).await;
    let (counts, lease_parties, invalid) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = remove_db_files(&part);
            return Err(e);
        }
    };
    documents::write_documents(&demo_documents_dir(path))?;
    std::fs::rename(&part, path).map_err(|source| ErpError::DemoIo {
        path: path.to_owned(),
        source,
    })?;
    tracing::info!(
        path = %path.display(),
        units = opts.units,
        seconds = started.elapsed().as_secs_f64(),
        "Demo-ERP erstellt"
    );
    Ok(DemoSummary {
        path: path.to_owned(),
        seed: opts.seed,
        today,
        counts,
        lease_parties,
        invalid,
        duration: started.elapsed(),
    })
}

type Built = (BTreeMap<ErpEntity, u64>, u64, Vec<InvalidRecord>);

async fn build(part: &Path, opts: &DemoOptions, today: NaiveDate) -> Result<Built, ErpError> {
    // Generation settings: no journal, no fsync, exclusive lock, big cache. Safe here because
    // the file is renamed into place only when complete.
    let mut conn = SqliteConnectOptions::new()
        .filename(part)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        .locking_mode(SqliteLockingMode::Exclusive)
        .foreign_keys(false)
        .pragma("cache_size", "-262144")
        .pragma("temp_store", "MEMORY")
        .connect()
        .await
        .map_err(|e| ErpError::demo("Anlegen der Datei", e))?;

    run(&mut conn, DEMO_TABLES_SQL, "Anlegen der Tabellen").await?;
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| ErpError::demo("Transaktion", e))?;
    insert_clients(&mut tx, today).await?;
    let mut generator = Generator::new(opts, today);
    generator.run(&mut tx).await?;
    tx.commit()
        .await
        .map_err(|e| ErpError::demo("Abschluss der Transaktion", e))?;

    run(
        &mut conn,
        DEMO_INDEXES_SQL,
        "Anlegen der Indizes und Trigger",
    )
    .await?;
    run(&mut conn, DEMO_VIEWS_SQL, "Anlegen der Views").await?;
    run(
        &mut conn,
        DEMO_INTERFACE_SQL,
        "Anlegen der Schnittstellentabellen",
    )
    .await?;
    run(&mut conn, OFFERS_SQL, "Anlegen der Angebotstabelle").await?;
    run(
        &mut conn,
        "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA journal_mode = WAL;",
        "Statistiken",
    )
    .await?;
    conn.close()
        .await
        .map_err(|e| ErpError::demo("Schließen der Datei", e))?;

    let counts = BTreeMap::from([
        (ErpEntity::Client, data::CLIENTS.len() as u64),
        (ErpEntity::Property, generator.properties.rows),
        (ErpEntity::Building, generator.buildings.rows),
        (ErpEntity::Unit, generator.units.rows),
        (ErpEntity::Person, generator.persons.rows),
        (ErpEntity::Lease, generator.leases.rows),
        (ErpEntity::Ownership, generator.ownerships.rows),
        (ErpEntity::Vacancy, generator.open_vacancies),
    ]);
    debug_assert_eq!(generator.persons.rows, generator.persons_made());
    Ok((counts, generator.parties.rows, generator.invalid))
}

/// Adds the interface tables immohub writes into ([`DEMO_INTERFACE_SQL`]) to an existing demo
/// ERP made by an older immohub; tables already there are kept as they are.
pub async fn ensure_interface_tables(path: &Path) -> Result<(), ErpError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .map_err(|e| ErpError::demo("Öffnen des Demo-ERP", e))?;
    run(
        &mut conn,
        DEMO_INTERFACE_SQL,
        "Anlegen der Schnittstellentabellen",
    )
    .await?;
    conn.close()
        .await
        .map_err(|e| ErpError::demo("Schließen der Datei", e))
}

async fn run(conn: &mut SqliteConnection, sql: &str, step: &str) -> Result<(), ErpError> {
    conn.execute(sqlx::raw_sql(sql))
        .await
        .map(|_| ())
        .map_err(|e| ErpError::demo(step, e))
}

async fn insert_clients(conn: &mut SqliteConnection, today: NaiveDate) -> Result<(), ErpError> {
    let stamp = format!(
        "{} 08:00:00",
        today.pred_opt().unwrap_or(today).format("%Y-%m-%d")
    );
    for (i, (no, name)) in data::CLIENTS.iter().enumerate() {
        sqlx::query(
            "INSERT INTO erp_clients (client_id, client_no, name, updated_at) VALUES (?, ?, ?, ?)",
        )
        .bind(i as i64 + 1)
        .bind(*no)
        .bind(*name)
        .bind(&stamp)
        .execute(&mut *conn)
        .await
        .map_err(|e| ErpError::demo("Einfügen der Mandanten", e))?;
    }
    Ok(())
}

fn part_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

/// Removes a SQLite file and its journal companions, if present.
fn remove_db_files(path: &Path) -> Result<(), ErpError> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ErpError::DemoIo { path: p, source }),
        }
    }
    Ok(())
}
mod touch;
pub use touch::touch_units;
