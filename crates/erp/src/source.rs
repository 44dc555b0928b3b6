//! [`ErpSource`]: reads the entities of an ERP database through a [`Mapping`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use immohub_domain::entity::parse_timestamp;
use immohub_domain::{Entity, ErpEntity, RawRecord};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions, MySqlRow};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Column, Connection, Executor, Row};

use crate::convert::{self, ConvertError, format_timestamp};
use crate::error::{ErpError, redact_url};
use crate::interface::interface_columns;
use crate::mapping::{EntityMapping, Mapping};
use crate::sqlite::{self, SqliteTarget};

/// The database system behind an [`ErpSource`], chosen from the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:path/to/erp.db` (also `sqlite://…`).
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
    /// `mysql://…` or `mariadb://…`.
    MySql,
}

impl Backend {
    /// The backend a URL names, if supported.
    pub fn from_url(url: &str) -> Option<Backend> {
        let lower = url.trim_start().to_ascii_lowercase();
        if lower.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
            Some(Backend::MySql)
        } else {
            None
        }
    }

    /// Quotes an identifier for this backend.
    fn quote(self, ident: &str) -> String {
        match self {
            Backend::MySql => format!("`{}`", ident.replace('`', "``")),
            Backend::Sqlite | Backend::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// The condition "this key column makes a usable key": set, and without the internal key
    /// separator U+001F (what [`RawRecord::key`] accepts).
    fn usable_key_condition(self, col: &str) -> String {
        match self {
            Backend::Sqlite => {
                format!("{col} IS NOT NULL AND instr(CAST({col} AS TEXT), char(31)) = 0")
            }
            Backend::Postgres => {
                format!("{col} IS NOT NULL AND strpos(CAST({col} AS text), chr(31)) = 0")
            }
            Backend::MySql => format!("{col} IS NOT NULL AND LOCATE(CHAR(31), {col}) = 0"),
        }
    }

    /// The condition "changed column later than the first parameter" on the wrapped query `q`.
    ///
    /// - SQLite: compares `julianday()` of both sides, so text in any ISO form
    ///   (`YYYY-MM-DD HH:MM:SS`, `…T…Z`, with fractions) compares as time, not as text.
    /// - PostgreSQL: casts the column to `timestamptz` (a `timestamp` without zone is read as
    ///   UTC, the session runs in UTC; text in ISO form works too); the parameter is a
    ///   `timestamptz`.
    /// - MySQL/MariaDB: compares the column with a `DATETIME` parameter in UTC (the session runs
    ///   with `time_zone = '+00:00'`, so `TIMESTAMP` columns compare in UTC as well).
    fn changed_condition(self, column: &str) -> String {
        let col = format!("q.{}", self.quote(column));
        match self {
            Backend::Sqlite => format!("julianday({col}) > julianday(?)"),
            Backend::Postgres => format!("CAST({col} AS timestamptz) > $1"),
            Backend::MySql => format!("{col} > ?"),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
        })
    }
}

enum Pool {
    Sqlite(Arc<SqliteTarget>),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// The SQL of one entity, built once at connect time.
#[derive(Debug, Clone)]
struct Statements {
    all: String,
    changed: Option<String>,
    keys: String,
    count: String,
    /// Rows of the key query whose key is usable (every key column set, no U+001F), counted
    /// by the database.
    key_count: String,
    sample: String,
    keys_sample: String,
    max_changed: Option<String>,
    changed_column: Option<String>,
}

impl Statements {
    fn new(backend: Backend, entity: ErpEntity, m: &EntityMapping) -> Self {
        let query = &m.query;
        let keys = match &m.keys_query {
            Some(k) => k.clone(),
            None => format!(
                "SELECT {} FROM ({query}) q",
                entity
                    .key_columns()
                    .iter()
                    .map(|c| format!("q.{}", backend.quote(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let changed_column = m.changed_column.as_ref().map(|c| c.to_ascii_lowercase());
        Statements {
            all: query.clone(),
            changed: m.changed_column.as_ref().map(|c| {
                format!(
                    "SELECT * FROM ({query}) q WHERE {}",
                    backend.changed_condition(c)
                )
            }),
            count: format!("SELECT count(*) FROM ({query}) q"),
            key_count: format!(
                "SELECT count(*) FROM ({keys}) k WHERE {}",
                entity
                    .key_columns()
                    .iter()
                    .map(|c| backend.usable_key_condition(&format!("k.{}", backend.quote(c))))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            ),
            sample: format!("SELECT * FROM ({query}) q LIMIT 1"),
            keys_sample: format!("SELECT * FROM ({keys}) k LIMIT 1"),
            keys,
            max_changed: m.changed_column.as_ref().map(|c| {
                let col = format!("q.{}", backend.quote(c));
                match backend {
                    // Text in mixed ISO forms does not sort as time; julianday() does.
                    Backend::Sqlite => format!(
                        "SELECT strftime('%Y-%m-%d %H:%M:%f', max(julianday({col}))) FROM ({query}) q"
                    ),
                    Backend::Postgres => {
                        format!("SELECT max(CAST({col} AS timestamptz)) FROM ({query}) q")
                    }
                    Backend::MySql => format!("SELECT max({col}) FROM ({query}) q"),
                }
            }),
            changed_column,
        }
    }
}

/// A connected ERP database plus the mapping that says how to read each entity.
///
/// Reading streams rows (bounded memory, whatever the size of the ERP). Every value arrives as
/// text by the rules in `docs/ERP-INTERFACE.md` ("Values"); column names are lower-cased.
///
/// # Watermarks (incremental reads)
///
/// When an entity has a `changed_column`, each [`RawRecord`] contains that column, normalised to
/// RFC 3339 UTC. The engine takes the maximum over the rows it read ([`ErpSource::changed_at`])
/// as the next watermark and passes it to [`ErpSource::rows`] next time. Because a row may be
/// committed with a change time slightly before the last read finished (and many ERPs store
/// whole seconds), the engine should pass the watermark minus a safety overlap (a minute, say);
/// rows read twice are recognised by their unchanged content hash.
pub struct ErpSource {
    backend: Backend,
    pool: Pool,
    mapping: Mapping,
    statements: BTreeMap<ErpEntity, Statements>,
}

impl fmt::Debug for ErpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErpSource")
            .field("backend", &self.backend)
            .field("mapping", &self.mapping)
            .finish_non_exhaustive()
    }
}

/// How long a read waits for a free connection (or for the server to accept one).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// GROUP_CONCAT is cut at 1024 bytes by default in MySQL/MariaDB; lists of leases need more.
const MYSQL_GROUP_CONCAT_MAX_LEN: &str = "SET SESSION group_concat_max_len = 16777216";

impl ErpSource {
    /// Connects to the ERP database named by `url` (`sqlite:…`, `postgres://…`, `mysql://…`,
    /// `mariadb://…`) and prepares the SQL of every mapped entity.
    ///
    /// A SQLite file must exist (it is never created here). PostgreSQL sessions run with
    /// `TimeZone = UTC`, MySQL/MariaDB sessions with `time_zone = '+00:00'` and a large
    /// `group_concat_max_len`.
    pub async fn connect(url: &str, mapping: Mapping) -> Result<ErpSource, ErpError> {
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
                sqlite::probe(target.clone())
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
                // One direct attempt reports a wrong host or password at once; the pool itself
                // would retry until its acquire timeout.
                PgConnection::connect_with(&opts)
                    .await
                    .map_err(connect_err)?
                    .close()
                    .await
                    .map_err(connect_err)?;
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(4)
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
                        .max_connections(4)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .after_connect(|conn, _meta| {
                            Box::pin(async move {
                                conn.execute(MYSQL_GROUP_CONCAT_MAX_LEN).await?;
                                Ok(())
                            })
                        })
                        .connect_lazy_with(opts),
                )
            }
        };
        let statements = mapping
            .entities()
            .filter_map(|e| mapping.get(e).map(|m| (e, Statements::new(backend, e, m))))
            .collect();
        Ok(ErpSource {
            backend,
            pool,
            mapping,
            statements,
        })
    }

    /// The database system.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The mapping in use.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// `true` if the mapping has a query for the entity.
    pub fn is_mapped(&self, entity: ErpEntity) -> bool {
        self.statements.contains_key(&entity)
    }

    /// The change-timestamp column of an entity (lower-case), if the mapping names one.
    pub fn changed_column(&self, entity: ErpEntity) -> Option<&str> {
        self.statements
            .get(&entity)
            .and_then(|s| s.changed_column.as_deref())
    }

    /// `true` if [`ErpSource::rows`] with `changed_since` reads only changed rows for this
    /// entity (it has a change column); otherwise such a call reads every row.
    pub fn supports_changed_since(&self, entity: ErpEntity) -> bool {
        self.changed_column(entity).is_some()
    }

    /// The change time of a row read by [`ErpSource::rows`], from the entity's change column.
    pub fn changed_at(&self, entity: ErpEntity, record: &RawRecord) -> Option<DateTime<Utc>> {
        self.changed_column(entity)
            .and_then(|c| record.get(c))
            .and_then(parse_timestamp)
    }

    /// Streams the rows of an entity.
    ///
    /// With `changed_since` and a change column in the mapping, only rows whose change time is
    /// later than `changed_since` are read (`SELECT * FROM (<query>) q WHERE q.<col> > …`).
    /// Without a change column, every row is read. An entity without a mapping yields one
    /// [`ErpError::NotMapped`].
    pub fn rows(
        &self,
        entity: ErpEntity,
        changed_since: Option<DateTime<Utc>>,
    ) -> BoxStream<'_, Result<RawRecord, ErpError>> {
        let Some(st) = self.statements.get(&entity) else {
            return not_mapped(entity);
        };
        match (changed_since, &st.changed) {
            (Some(since), Some(sql)) => {
                self.fetch(entity, sql, Some(since), st.changed_column.as_deref())
            }
            _ => self.fetch(entity, &st.all, None, st.changed_column.as_deref()),
        }
    }

    /// Streams only the key columns of every row of an entity (for the deletion check, GEN-10:
    /// a key missing from a complete key stream is a deleted record).
    pub fn keys(&self, entity: ErpEntity) -> BoxStream<'_, Result<RawRecord, ErpError>> {
        let Some(st) = self.statements.get(&entity) else {
            return not_mapped(entity);
        };
        self.fetch(entity, &st.keys, None, None)
    }

    /// The largest change time of an entity in the ERP now (`None` without a change column or
    /// without rows). For display; the engine's watermark should be the maximum over the rows
    /// it actually read ([`ErpSource::changed_at`]).
    pub async fn max_changed(&self, entity: ErpEntity) -> Result<Option<DateTime<Utc>>, ErpError> {
        let st = self
            .statements
            .get(&entity)
            .ok_or(ErpError::NotMapped { entity })?;
        let Some(sql) = &st.max_changed else {
            return Ok(None);
        };
        let Some(first) = self.fetch(entity, sql, None, None).try_next().await? else {
            return Ok(None);
        };
        let Some(text) = first.columns.values().next().and_then(|v| v.as_deref()) else {
            return Ok(None);
        };
        parse_timestamp(text)
            .map(Some)
            .ok_or_else(|| ErpError::Column {
                entity,
                column: st.changed_column.clone().unwrap_or_default(),
                type_name: "max()".to_owned(),
                reason: format!("„{text}“ ist kein Zeitstempel"),
            })
    }

    /// Counts the usable keys of an entity in the database (the deletion check of incremental
    /// runs, GEN-10): the same number as the [`ErpSource::keys`] rows whose
    /// [`RawRecord::key`] succeeds, without sending every key over the connection.
    pub async fn count_keys(&self, entity: ErpEntity) -> Result<u64, ErpError> {
        let st = self
            .statements
            .get(&entity)
            .ok_or(ErpError::NotMapped { entity })?;
        self.count_with(entity, &st.key_count).await
    }

    /// Counts the rows of an entity.
    pub async fn count(&self, entity: ErpEntity) -> Result<u64, ErpError> {
        let st = self
            .statements
            .get(&entity)
            .ok_or(ErpError::NotMapped { entity })?;
        self.count_with(entity, &st.count).await
    }

    async fn count_with(&self, entity: ErpEntity, sql: &str) -> Result<u64, ErpError> {
        let row = self.fetch(entity, sql, None, None).try_next().await?;
        let text = row
            .as_ref()
            .and_then(|r| r.columns.values().next())
            .and_then(|v| v.as_deref())
            .unwrap_or("0");
        text.parse::<u64>().map_err(|_| ErpError::Column {
            entity,
            column: "count(*)".to_owned(),
            type_name: "count".to_owned(),
            reason: format!("„{text}“ ist keine Anzahl"),
        })
    }

    /// Checks every entity of the interface: is it mapped, does its query run, how many rows,
    /// are the interface columns there, does the first row parse, does the key query work.
    /// Problems of one entity are reported in its line; the others are still checked.
    pub async fn check(&self) -> Result<Vec<CheckLine>, ErpError> {
        let mut lines = Vec::new();
        for entity in ErpEntity::ALL {
            lines.push(self.check_entity(entity).await);
        }
        Ok(lines)
    }

    async fn check_entity(&self, entity: ErpEntity) -> CheckLine {
        let started = Instant::now();
        let mut line = CheckLine {
            entity,
            status: CheckStatus::Ok,
            rows: None,
            max_changed: None,
            messages: Vec::new(),
            duration: Duration::ZERO,
        };
        let Some(st) = self.statements.get(&entity) else {
            line.status = CheckStatus::NotMapped;
            line.messages
                .push("keine Abfrage in der Mapping-Datei (wird nicht gelesen)".to_owned());
            return line;
        };
        match self.count(entity).await {
            Ok(n) => line.rows = Some(n),
            Err(e) => {
                line.error(e.to_string());
                line.duration = started.elapsed();
                return line;
            }
        }
        match self
            .fetch(entity, &st.sample, None, st.changed_column.as_deref())
            .try_next()
            .await
        {
            Err(e) => line.error(e.to_string()),
            Ok(None) => line.warn("keine Zeilen; Spalten können nicht geprüft werden".to_owned()),
            Ok(Some(first)) => self.check_columns(entity, st, &first, &mut line),
        }
        match self
            .fetch(entity, &st.keys_sample, None, None)
            .try_next()
            .await
        {
            Err(e) => line.error(format!("Schlüsselabfrage: {e}")),
            Ok(Some(first)) => {
                let missing: Vec<&str> = entity
                    .key_columns()
                    .iter()
                    .copied()
                    .filter(|c| !first.columns.contains_key(*c))
                    .collect();
                if !missing.is_empty() {
                    line.error(format!(
                        "Schlüsselabfrage liefert die Spalten {} nicht",
                        missing.join(", ")
                    ));
                }
            }
            Ok(None) => {}
        }
        if st.changed_column.is_some() {
            match self.max_changed(entity).await {
                Ok(t) => line.max_changed = t,
                Err(e) => line.error(e.to_string()),
            }
        }
        line.duration = started.elapsed();
        line
    }

    fn check_columns(
        &self,
        entity: ErpEntity,
        st: &Statements,
        first: &RawRecord,
        line: &mut CheckLine,
    ) {
        let cols = interface_columns(entity);
        let missing_required: Vec<&str> = cols
            .iter()
            .filter(|c| c.required && !first.columns.contains_key(c.name))
            .map(|c| c.name)
            .collect();
        if !missing_required.is_empty() {
            line.error(format!(
                "Pflichtspalten fehlen: {}",
                missing_required.join(", ")
            ));
        }
        let missing_optional: Vec<&str> = cols
            .iter()
            .filter(|c| !c.required && !first.columns.contains_key(c.name))
            .filter(|c| Some(c.name) != st.changed_column.as_deref())
            .map(|c| c.name)
            .collect();
        if !missing_optional.is_empty() {
            line.warn(format!(
                "optionale Spalten fehlen: {}",
                missing_optional.join(", ")
            ));
        }
        if let Some(c) = &st.changed_column
            && !first.columns.contains_key(c)
        {
            line.error(format!(
                "Änderungsspalte „{c}“ (changed_column) fehlt im Ergebnis"
            ));
        }
        if missing_required.is_empty()
            && let Err(e) = Entity::parse(entity, first)
        {
            line.warn(format!("erste Zeile ungültig: {e}"));
        }
    }

    /// Runs one statement and converts each row.
    fn fetch<'a>(
        &'a self,
        entity: ErpEntity,
        sql: &'a str,
        since: Option<DateTime<Utc>>,
        changed_column: Option<&'a str>,
    ) -> BoxStream<'a, Result<RawRecord, ErpError>> {
        let mut conv = RowConverter::new(entity, changed_column);
        match &self.pool {
            Pool::Sqlite(target) => sqlite::stream(
                target.clone(),
                entity,
                sql.to_owned(),
                since.map(|t| t.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
                changed_column.map(str::to_owned),
            ),
            Pool::Postgres(pool) => {
                let mut q = sqlx::query(sql);
                if let Some(t) = since {
                    q = q.bind(t);
                }
                q.fetch(pool)
                    .map(move |r| {
                        let row = r.map_err(|e| ErpError::query(entity, e))?;
                        conv.convert(&row, convert::pg_value)
                    })
                    .boxed()
            }
            Pool::MySql(pool) => {
                let mut q = sqlx::query(sql);
                if let Some(t) = since {
                    q = q.bind(t.naive_utc());
                }
                q.fetch(pool)
                    .map(move |r| {
                        let row = r.map_err(|e| ErpError::query(entity, e))?;
                        conv.convert(&row, convert::mysql_value)
                    })
                    .boxed()
            }
        }
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

fn not_mapped<'a>(entity: ErpEntity) -> BoxStream<'a, Result<RawRecord, ErpError>> {
    stream::once(async move { Err(ErpError::NotMapped { entity }) }).boxed()
}

/// Turns rows of one statement into [`RawRecord`]s; column names are taken once.
pub(crate) struct RowConverter<'a> {
    entity: ErpEntity,
    changed_column: Option<&'a str>,
    names: Option<Vec<String>>,
}

/// A driver row whose columns can be listed.
pub(crate) trait Columns {
    fn column_names(&self) -> Vec<String>;
}

impl Columns for PgRow {
    fn column_names(&self) -> Vec<String> {
        self.columns()
            .iter()
            .map(|c| c.name().to_ascii_lowercase())
            .collect()
    }
}

impl Columns for MySqlRow {
    fn column_names(&self) -> Vec<String> {
        self.columns()
            .iter()
            .map(|c| c.name().to_ascii_lowercase())
            .collect()
    }
}

impl<'a> RowConverter<'a> {
    pub(crate) fn new(entity: ErpEntity, changed_column: Option<&'a str>) -> Self {
        Self {
            entity,
            changed_column,
            names: None,
        }
    }

    pub(crate) fn convert<R: Columns>(
        &mut self,
        row: &R,
        value: impl Fn(&R, usize) -> Result<Option<String>, ConvertError>,
    ) -> Result<RawRecord, ErpError> {
        let names = self.names.get_or_insert_with(|| row.column_names());
        let mut record = RawRecord::new();
        for (i, name) in names.iter().enumerate() {
            let v = value(row, i).map_err(|e| ErpError::Column {
                entity: self.entity,
                column: name.clone(),
                type_name: e.type_name,
                reason: e.reason,
            })?;
            let v = match (v, self.changed_column) {
                (Some(text), Some(c)) if c == name => {
                    Some(normalise_timestamp(self.entity, name, &text)?)
                }
                (v, _) => v,
            };
            record.set(name, v);
        }
        Ok(record)
    }
}

/// The change column is always handed on as RFC 3339 UTC, whatever the ERP stores.
pub(crate) fn normalise_timestamp(
    entity: ErpEntity,
    column: &str,
    text: &str,
) -> Result<String, ErpError> {
    if is_plain_timestamp(text) {
        return Ok(format!("{}T{}Z", &text[..10], &text[11..]));
    }
    parse_timestamp(text)
        .map(format_timestamp)
        .ok_or_else(|| ErpError::Column {
            entity,
            column: column.to_owned(),
            type_name: "Änderungszeitpunkt".to_owned(),
            reason: format!(
                "„{text}“ ist kein Zeitstempel (erwartet JJJJ-MM-TT HH:MM:SS oder RFC 3339)"
            ),
        })
}

/// Fast check for the common `YYYY-MM-DD HH:MM:SS` (taken as UTC by the interface's rule).
fn is_plain_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 19 {
        return false;
    }
    let shape = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b' ' || *c == b'T',
        13 | 16 => *c == b':',
        _ => c.is_ascii_digit(),
    });
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d.wrapping_sub(b'0')))
    };
    shape
        && chrono::NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)).is_some()
        && chrono::NaiveTime::from_hms_opt(num(11..13), num(14..16), num(17..19)).is_some()
}

/// Outcome of checking one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckStatus {
    /// Everything as expected.
    Ok,
    /// The mapping has no query for the entity.
    NotMapped,
    /// Usable, but something deserves a look (optional columns missing, first row invalid).
    Warning,
    /// The entity cannot be read as it is.
    Error,
}

/// One line of `immohub check`: the result for one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckLine {
    pub entity: ErpEntity,
    pub status: CheckStatus,
    /// Number of rows the query returns.
    pub rows: Option<u64>,
    /// Largest change time, when the mapping names a change column.
    pub max_changed: Option<DateTime<Utc>>,
    /// German findings, most important first.
    pub messages: Vec<String>,
    /// How long the check of this entity took.
    pub duration: Duration,
}

impl CheckLine {
    fn error(&mut self, msg: String) {
        self.status = self.status.max(CheckStatus::Error);
        self.messages.push(msg);
    }

    fn warn(&mut self, msg: String) {
        self.status = self.status.max(CheckStatus::Warning);
        self.messages.push(msg);
    }

    /// `true` unless the entity cannot be read.
    pub fn is_ok(&self) -> bool {
        self.status != CheckStatus::Error
    }
}

impl fmt::Display for CheckLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            CheckStatus::Ok => "OK",
            CheckStatus::NotMapped => "—",
            CheckStatus::Warning => "Hinweis",
            CheckStatus::Error => "FEHLER",
        };
        write!(
            f,
            "{status:<8}{:<12}({})",
            self.entity.as_str(),
            self.entity.label_de()
        )?;
        if let Some(n) = self.rows {
            write!(f, ": {n} Zeilen")?;
        }
        if let Some(t) = self.max_changed {
            write!(f, ", letzte Änderung {}", format_timestamp(t))?;
        }
        if self.status != CheckStatus::NotMapped {
            write!(f, " [{} ms]", self.duration.as_millis())?;
        }
        for m in &self.messages {
            write!(f, "\n          {m}")?;
        }
        Ok(())
    }
}
