//! [`ErpSink`]: writes what partners send into the ERP's **interface tables** (the write
//! counterpart of the read views). The ERP's own import reads these tables, creates the business
//! partner and the offer, and fills the import columns (`import_status`, `person_no`,
//! `offer_no`, …); see `docs/ERP-INTERFACE.md`, "Interface tables".
//!
//! Every write is idempotent: the row's `external_ref` is unique, so writing the same record
//! again (after a crash between the ERP write and immohub's own bookkeeping) has no second
//! effect and returns the ERP row id of the first write (GEN-11). Every row carries the
//! partner's technical ERP user (GEN-3); the type [`ProspectRow`] cannot be built without one.
//!
//! Backends as for reading: SQLite (rusqlite on a blocking thread), PostgreSQL and
//! MySQL/MariaDB (sqlx).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use immohub_domain::prospect::{Prospect, TechnicalUser};
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, MySqlConnection, PgConnection};

use crate::error::{BoxError, ErpError, redact_url};
use crate::source::Backend;
use crate::sqlite::SqliteTarget;

/// The interface table for prospects.
pub const PROSPECTS_TABLE: &str = "immohub_in_prospects";

/// The columns immohub writes into [`PROSPECTS_TABLE`], in statement order.
pub const PROSPECT_WRITE_COLUMNS: [&str; 26] = [
    "external_ref",
    "technical_user",
    "partner",
    "received_at",
    "unit_id",
    "client_no",
    "property_no",
    "building_no",
    "unit_no",
    "salutation",
    "first_name",
    "surname",
    "birth_date",
    "email",
    "phone",
    "street",
    "house_no",
    "postal_code",
    "city",
    "country",
    "message",
    "source",
    "payload_hash",
    "linked_person_no",
    "match_score",
    "match_note",
];

/// The columns the ERP's import fills (and the row id and write time the table assigns).
pub const PROSPECT_ERP_COLUMNS: [&str; 7] = [
    "id",
    "written_at",
    "import_status",
    "import_message",
    "person_no",
    "offer_no",
    "imported_at",
];

/// How long a write waits for a free connection (or for the server to accept one).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// One prospect as it goes into [`PROSPECTS_TABLE`].
#[derive(Debug, Clone, PartialEq)]
pub struct ProspectRow {
    /// Unique reference of this prospect: the same reference is the same row (idempotency).
    pub external_ref: String,
    /// The partner's technical ERP user (GEN-3).
    pub technical_user: TechnicalUser,
    /// The immohub partner connection it came from.
    pub partner: String,
    /// When immohub received it.
    pub received_at: DateTime<Utc>,
    /// ERP numbers of the unit: client, property, building, unit.
    pub client_no: String,
    pub property_no: String,
    pub building_no: String,
    pub unit_no: String,
    /// Transport it came by (`api`, …).
    pub source: String,
    /// Hash of the normalised content (lets the ERP's import see a changed re-delivery).
    pub payload_hash: String,
    /// The prospect (its `unit_id` is the partner's composite ID of the unit).
    pub prospect: Prospect,
    /// The duplicate check's verdict (PRO-3).
    pub person_match: PersonMatch,
}

/// What the duplicate check (PRO-3) found for a prospect, as written into the interface row:
/// `linked_person_no` tells the ERP's import to use that business partner instead of creating
/// one; `match_score` and `match_note` say why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonMatch {
    /// The existing business partner (person number within the unit's client).
    pub linked_person_no: Option<String>,
    /// The score as decimal text with two places (`0.93`), if a candidate was scored.
    pub score: Option<String>,
    /// German: the decision and its reasons.
    pub note: Option<String>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkWrite {
    /// The ERP row id (`id` of the interface table).
    pub erp_id: i64,
    /// `false` when the row existed already (a repeated write); nothing was changed then.
    pub inserted: bool,
}

/// The connection pool of an [`ErpSink`] (crate-visible for the other interface tables,
/// e.g. `activities`).
pub(crate) enum Pool {
    Sqlite(Arc<SqliteTarget>),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// A connection to the ERP database for writing its interface tables.
pub struct ErpSink {
    pub(crate) backend: Backend,
    pub(crate) pool: Pool,
}

impl fmt::Debug for ErpSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErpSink")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// A value bound into the INSERT.
pub(crate) enum Param {
    Text(Option<String>),
    Date(Option<chrono::NaiveDate>),
    Time(DateTime<Utc>),
    Int(i64),
}

impl ProspectRow {
    /// The values of [`PROSPECT_WRITE_COLUMNS`], in order.
    fn params(&self) -> Vec<Param> {
        let t = |s: &str| Param::Text(Some(s.to_owned()));
        let mut v = vec![
            t(&self.external_ref),
            t(self.technical_user.as_str()),
            t(&self.partner),
            Param::Time(self.received_at),
            t(&self.prospect.unit_id),
            t(&self.client_no),
            t(&self.property_no),
            t(&self.building_no),
            t(&self.unit_no),
        ];
        v.extend(person_params(&self.prospect));
        v.extend([t(&self.source), t(&self.payload_hash)]);
        v.extend(self.person_match.params());
        v
    }
}

/// The person's columns `salutation` … `message`, in the order of every interface table that
/// holds a person (prospects, the main tenant).
pub(crate) fn person_params(p: &Prospect) -> [Param; 12] {
    let a = p.address.as_ref();
    let t = |s: &str| Param::Text(Some(s.to_owned()));
    let o = |s: Option<&String>| Param::Text(s.cloned());
    [
        o(p.salutation.as_ref()),
        o(p.first_name.as_ref()),
        t(&p.surname),
        Param::Date(p.birth_date),
        o(p.email.as_ref()),
        o(p.phone.as_ref()),
        o(a.map(|a| &a.street)),
        o(a.and_then(|a| a.house_no.as_ref())),
        o(a.map(|a| &a.postal_code)),
        o(a.map(|a| &a.city)),
        o(a.map(|a| &a.country)),
        o(p.message.as_ref()),
    ]
}

impl PersonMatch {
    /// The columns `linked_person_no`, `match_score`, `match_note`.
    pub(crate) fn params(&self) -> [Param; 3] {
        [
            Param::Text(self.linked_person_no.clone()),
            Param::Text(self.score.clone()),
            Param::Text(self.note.clone()),
        ]
    }
}

/// PostgreSQL arguments of `params` (times as `timestamptz`).
pub(crate) fn pg_args(
    table: &'static str,
    params: Vec<Param>,
) -> Result<sqlx::postgres::PgArguments, ErpError> {
    use sqlx::Arguments;
    let mut args = sqlx::postgres::PgArguments::default();
    for p in params {
        match p {
            Param::Text(v) => args.add(v),
            Param::Date(v) => args.add(v),
            Param::Time(v) => args.add(v),
            Param::Int(v) => args.add(v),
        }
        .map_err(|e| write_error_in(table, false, e))?;
    }
    Ok(args)
}

/// MySQL/MariaDB arguments of `params` (times as UTC `DATETIME`, the session runs in UTC).
pub(crate) fn mysql_args(
    table: &'static str,
    params: Vec<Param>,
) -> Result<sqlx::mysql::MySqlArguments, ErpError> {
    use sqlx::Arguments;
    let mut args = sqlx::mysql::MySqlArguments::default();
    for p in params {
        match p {
            Param::Text(v) => args.add(v),
            Param::Date(v) => args.add(v),
            Param::Time(v) => args.add(v.naive_utc()),
            Param::Int(v) => args.add(v),
        }
        .map_err(|e| write_error_in(table, false, e))?;
    }
    Ok(args)
}

/// `INSERT` of one row into an interface table, idempotent by the unique columns `unique`:
/// PostgreSQL and SQLite skip a duplicate (`ON CONFLICT … DO NOTHING`, PostgreSQL returning the
/// new id); MySQL/MariaDB get a plain `INSERT` whose duplicate-key error the caller turns into a
/// look-up (`INSERT IGNORE` would also turn other errors, e.g. overlong text, into silently
/// truncated data).
pub(crate) fn insert_row_sql(
    backend: Backend,
    table: &str,
    columns: &[&str],
    unique: &str,
    returning_id: bool,
) -> String {
    let cols = columns.join(", ");
    let n = columns.len();
    match backend {
        Backend::Postgres => {
            let ph: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
            format!(
                "INSERT INTO {table} ({cols}) VALUES ({}) ON CONFLICT ({unique}) DO NOTHING{}",
                ph.join(", "),
                if returning_id { " RETURNING id" } else { "" }
            )
        }
        Backend::Sqlite => format!(
            "INSERT INTO {table} ({cols}) VALUES ({}) ON CONFLICT ({unique}) DO NOTHING",
            vec!["?"; n].join(", ")
        ),
        Backend::MySql => format!(
            "INSERT INTO {table} ({cols}) VALUES ({})",
            vec!["?"; n].join(", ")
        ),
    }
}

/// The row id by `external_ref`.
pub(crate) fn select_id_sql(backend: Backend, table: &str) -> String {
    let ph = if backend == Backend::Postgres {
        "$1"
    } else {
        "?"
    };
    format!("SELECT id FROM {table} WHERE external_ref = {ph}")
}

impl ErpSink {
    /// Connects to the ERP database named by `url` (`sqlite:…`, `postgres://…`, `mysql://…`,
    /// `mariadb://…`). A SQLite file must exist. PostgreSQL sessions run with `TimeZone = UTC`;
    /// MySQL/MariaDB sessions with `time_zone = '+00:00'` and strict SQL mode (overlong text is
    /// an error, never truncated).
    pub async fn connect(url: &str) -> Result<ErpSink, ErpError> {
        let redacted = redact_url(url);
        let backend = Backend::from_url(url).ok_or_else(|| ErpError::UnsupportedUrl {
            url: redacted.clone(),
        })?;
        let connect_err = |source: sqlx::Error| ErpError::Connect {
            url: redacted.clone(),
            source: source.into(),
        };
        let pool = match backend {
            Backend::Sqlite => {
                let target = Arc::new(SqliteTarget::from_url(url));
                crate::sqlite::probe(target.clone())
                    .await
                    .map_err(|source| ErpError::Connect {
                        url: redacted.clone(),
                        source,
                    })?;
                Pool::Sqlite(target)
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(connect_err)?
                    .options([("TimeZone", "UTC")]);
                PgConnection::connect_with(&opts)
                    .await
                    .map_err(connect_err)?
                    .close()
                    .await
                    .map_err(connect_err)?;
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(2)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .connect_lazy_with(opts),
                )
            }
            Backend::MySql => {
                let url = if url.len() >= 10 && url[..10].eq_ignore_ascii_case("mariadb://") {
                    format!("mysql://{}", &url[10..])
                } else {
                    url.to_owned()
                };
                let opts = MySqlConnectOptions::from_str(&url)
                    .map_err(connect_err)?
                    .timezone(Some("+00:00".to_owned()));
                MySqlConnection::connect_with(&opts)
                    .await
                    .map_err(connect_err)?
                    .close()
                    .await
                    .map_err(connect_err)?;
                Pool::MySql(
                    MySqlPoolOptions::new()
                        .max_connections(2)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .after_connect(|conn, _meta| {
                            Box::pin(async move {
                                conn.execute(
                                    "SET SESSION sql_mode = \
                                     CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                        .connect_lazy_with(opts),
                )
            }
        };
        Ok(ErpSink { backend, pool })
    }

    /// The database system.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Writes a prospect into [`PROSPECTS_TABLE`], once per `external_ref`: a second write of
    /// the same reference changes nothing and returns the first row's id.
    pub async fn write_prospect(&self, row: &ProspectRow) -> Result<SinkWrite, ErpError> {
        self.write_row(
            PROSPECTS_TABLE,
            &PROSPECT_WRITE_COLUMNS,
            row.params(),
            &row.external_ref,
        )
        .await
    }

    /// Writes one row (the values of `columns`, in order) into the interface table `table`,
    /// once per `external_ref`: a second write of the same reference changes nothing and
    /// returns the first row's id.
    pub(crate) async fn write_row(
        &self,
        table: &'static str,
        columns: &[&str],
        params: Vec<Param>,
        external_ref: &str,
    ) -> Result<SinkWrite, ErpError> {
        let insert = insert_row_sql(self.backend, table, columns, "external_ref", true);
        let select = select_id_sql(self.backend, table);
        let external_ref = external_ref.to_owned();
        let sqlx_error = |e| sqlx_error_in(table, e);
        match &self.pool {
            Pool::Sqlite(target) => {
                let target = target.clone();
                tokio::task::spawn_blocking(move || {
                    sqlite_write(table, &target, &insert, &select, &params, &external_ref)
                })
                .await
                .map_err(|e| write_error_in(table, true, e))?
            }
            Pool::Postgres(pool) => {
                let inserted =
                    sqlx::query_scalar_with::<_, i64, _>(&insert, pg_args(table, params)?)
                        .fetch_optional(pool)
                        .await
                        .map_err(sqlx_error)?;
                if let Some(erp_id) = inserted {
                    return Ok(SinkWrite {
                        erp_id,
                        inserted: true,
                    });
                }
                let erp_id = sqlx::query_scalar::<_, i64>(&select)
                    .bind(&external_ref)
                    .fetch_one(pool)
                    .await
                    .map_err(sqlx_error)?;
                Ok(SinkWrite {
                    erp_id,
                    inserted: false,
                })
            }
            Pool::MySql(pool) => {
                let q = sqlx::query_with(&insert, mysql_args(table, params)?);
                match q.execute(pool).await {
                    Ok(done) => Ok(SinkWrite {
                        erp_id: i64::try_from(done.last_insert_id())
                            .map_err(|e| write_error_in(table, false, e))?,
                        inserted: true,
                    }),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        let erp_id = sqlx::query_scalar::<_, i64>(&select)
                            .bind(&external_ref)
                            .fetch_optional(pool)
                            .await
                            .map_err(sqlx_error)?
                            // The unique key that was hit is another one (the ERP added its
                            // own): a real error.
                            .ok_or_else(|| write_error_in(table, false, e.to_string()))?;
                        Ok(SinkWrite {
                            erp_id,
                            inserted: false,
                        })
                    }
                    Err(e) => Err(sqlx_error(e)),
                }
            }
        }
    }

    /// Checks that [`PROSPECTS_TABLE`] exists with every column immohub writes and reads;
    /// returns its number of rows.
    pub async fn check(&self) -> Result<u64, ErpError> {
        let cols = PROSPECT_WRITE_COLUMNS
            .iter()
            .chain(&PROSPECT_ERP_COLUMNS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        let probe = format!("SELECT {cols} FROM {PROSPECTS_TABLE} WHERE 1 = 0");
        let count = format!("SELECT count(*) FROM {PROSPECTS_TABLE}");
        let n: i64 = match &self.pool {
            Pool::Sqlite(target) => {
                let target = target.clone();
                tokio::task::spawn_blocking(move || -> Result<i64, ErpError> {
                    let conn = target.open().map_err(sqlite_error)?;
                    conn.prepare(&probe).map_err(sqlite_error)?;
                    conn.query_row(&count, [], |r| r.get(0))
                        .map_err(sqlite_error)
                })
                .await
                .map_err(|e| write_error(true, e))??
            }
            Pool::Postgres(pool) => {
                pool.execute(probe.as_str()).await.map_err(sqlx_error)?;
                sqlx::query_scalar(&count)
                    .fetch_one(pool)
                    .await
                    .map_err(sqlx_error)?
            }
            Pool::MySql(pool) => {
                pool.execute(probe.as_str()).await.map_err(sqlx_error)?;
                sqlx::query_scalar(&count)
                    .fetch_one(pool)
                    .await
                    .map_err(sqlx_error)?
            }
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Closes the connections.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(_) => {}
            Pool::Postgres(p) => p.close().await,
            Pool::MySql(p) => p.close().await,
        }
    }
}

/// The SQLite write: insert-or-nothing and the row id, in one write transaction.
fn sqlite_write(
    table: &'static str,
    target: &SqliteTarget,
    insert: &str,
    select: &str,
    params: &[Param],
    external_ref: &str,
) -> Result<SinkWrite, ErpError> {
    use rusqlite::TransactionBehavior;
    let mut conn = target.open().map_err(|e| sqlite_error_in(table, e))?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| sqlite_error_in(table, e))?;
    let values = sqlite_values(params);
    let inserted = tx
        .execute(insert, rusqlite::params_from_iter(values))
        .map_err(|e| sqlite_error_in(table, e))?
        == 1;
    let erp_id: i64 = tx
        .query_row(select, [external_ref], |r| r.get(0))
        .map_err(|e| sqlite_error_in(table, e))?;
    tx.commit().map_err(|e| sqlite_error_in(table, e))?;
    Ok(SinkWrite { erp_id, inserted })
}

/// The values of a SQLite statement (dates and times as the demo ERP's text forms).
pub(crate) fn sqlite_values(params: &[Param]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    params
        .iter()
        .map(|p| match p {
            Param::Text(Some(s)) => Value::Text(s.clone()),
            Param::Text(None) | Param::Date(None) => Value::Null,
            Param::Date(Some(d)) => Value::Text(d.format("%Y-%m-%d").to_string()),
            // The demo ERP's timestamp form: UTC, `YYYY-MM-DD HH:MM:SS`.
            Param::Time(t) => Value::Text(t.format("%Y-%m-%d %H:%M:%S").to_string()),
            Param::Int(v) => Value::Integer(*v),
        })
        .collect()
}

fn write_error(transient: bool, source: impl Into<BoxError>) -> ErpError {
    write_error_in(PROSPECTS_TABLE, transient, source)
}

/// A failed write into the interface table `table`.
pub(crate) fn write_error_in(
    table: &'static str,
    transient: bool,
    source: impl Into<BoxError>,
) -> ErpError {
    ErpError::Write {
        table,
        transient,
        source: source.into(),
    }
}

fn sqlx_error(e: sqlx::Error) -> ErpError {
    write_error(sqlx_transient(&e), e)
}

fn sqlite_error(e: rusqlite::Error) -> ErpError {
    sqlite_error_in(PROSPECTS_TABLE, e)
}

fn sqlx_error_in(table: &'static str, e: sqlx::Error) -> ErpError {
    write_error_in(table, sqlx_transient(&e), e)
}

fn sqlite_error_in(table: &'static str, e: rusqlite::Error) -> ErpError {
    write_error_in(table, sqlite_transient(&e), e)
}

/// Whether a failed write may succeed later. SQLSTATE classes 22 (data exception) and 23
/// (integrity constraint) and type errors are the record's fault; everything else (connection
/// lost, deadlock, table missing, no permission) may go away. Shared by every interface table.
pub(crate) fn sqlx_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => !db
            .code()
            .is_some_and(|c| c.starts_with("22") || c.starts_with("23")),
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::Encode(_)
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::ColumnNotFound(_) => false,
        _ => true,
    }
}

/// [`sqlx_transient`] for the SQLite writer: constraint violations and type errors are the
/// record's fault; busy, locked, missing table and I/O may go away.
pub(crate) fn sqlite_transient(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => f.code != rusqlite::ErrorCode::ConstraintViolation,
        rusqlite::Error::ToSqlConversionFailure(_)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => false,
        _ => true,
    }
}
