//! Reading SQLite ERPs.
//!
//! SQLite is read with rusqlite on a blocking thread rather than through sqlx: sqlx copies every
//! value (`sqlite3_value_dup`) and hands each row over a channel with a thread wake-up, which
//! caps a view like `v_units` at about 60,000 rows/s; reading values in place and handing over
//! batches streams 250,000+ rows/s. Both use the same SQLite library (`libsqlite3-sys`). The
//! records are built on the reading thread too, so the async side only passes them on.
//!
//! Memory stays bounded: at most [`BATCH`] × ([`CHANNEL`] + 2) rows are in flight, and dropping
//! the stream stops the reading thread at its next batch.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use immohub_domain::{ErpEntity, RawRecord};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;

use crate::convert::{ConvertError, format_float};
use crate::error::{BoxError, ErpError};
use crate::source::normalise_timestamp;

/// Rows per hand-over.
const BATCH: usize = 256;
/// Batches buffered between the reading thread and the stream.
const CHANNEL: usize = 4;
/// How long a read waits for a lock held by a writer of the ERP.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the SQLite ERP is: a URI filename for `sqlite3_open_v2`.
#[derive(Debug, Clone)]
pub(crate) struct SqliteTarget {
    uri: String,
}

impl SqliteTarget {
    /// From a `sqlite:` URL as sqlx accepts it (`sqlite:erp.db`, `sqlite://erp.db`,
    /// `sqlite:///abs/erp.db`, `sqlite:erp.db?mode=ro`).
    pub(crate) fn from_url(url: &str) -> Self {
        let rest = url.get("sqlite:".len()..).unwrap_or_default();
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut uri = String::from("file:");
        for ch in path.chars() {
            match ch {
                '%' => uri.push_str("%25"),
                '?' => uri.push_str("%3f"),
                '#' => uri.push_str("%23"),
                c => uri.push(c),
            }
        }
        if let Some(q) = query {
            uri.push('?');
            uri.push_str(q);
        }
        Self { uri }
    }

    /// Opens a connection (never creates the file). The ERP is only read, but the file is
    /// opened read-write where allowed so that WAL databases work; SQLite falls back to
    /// read-only by itself for read-only files.
    pub(crate) fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.uri,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }
}

/// Checks that the database opens and answers.
pub(crate) async fn probe(target: Arc<SqliteTarget>) -> Result<(), BoxError> {
    tokio::task::spawn_blocking(move || -> Result<(), BoxError> {
        let conn = target.open()?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
        Ok(())
    })
    .await?
}

/// Rows as the reading thread hands them over: all text of a batch in one buffer, so that the
/// reading thread allocates almost nothing per value and the records are built (and later
/// freed) on the consumer's thread.
struct RawBatch {
    names: Arc<[String]>,
    text: String,
    /// Per cell, row by row: `None` for NULL, else the byte range in `text`.
    cells: Vec<Option<(u32, u32)>>,
}

/// The records of one batch, built on the reading thread (parsing keeps the async side busy
/// enough), or the error that ended the read.
type Batch = Result<Vec<Result<RawRecord, ErpError>>, ErpError>;

/// Streams the rows of `sql` (with an optional single text parameter) as [`RawRecord`]s.
pub(crate) fn stream<'a>(
    target: Arc<SqliteTarget>,
    entity: ErpEntity,
    sql: String,
    param: Option<String>,
    changed_column: Option<String>,
) -> BoxStream<'a, Result<RawRecord, ErpError>> {
    enum State {
        Start(Box<dyn FnOnce(mpsc::Sender<Batch>) + Send>),
        Running(mpsc::Receiver<Batch>),
        Done,
    }
    let reader = move |tx: mpsc::Sender<Batch>| {
        let changed = changed_column.as_deref();
        if let Err(e) = read(&target, entity, &sql, param.as_deref(), changed, &tx) {
            let _ = tx.blocking_send(Err(e));
        }
    };
    // The thread starts at the first poll, inside the caller's runtime.
    stream::unfold(State::Start(Box::new(reader)), |state| async move {
        let mut rx = match state {
            State::Start(reader) => {
                let (tx, rx) = mpsc::channel(CHANNEL);
                tokio::task::spawn_blocking(move || reader(tx));
                rx
            }
            State::Running(rx) => rx,
            State::Done => return None,
        };
        match rx.recv().await {
            Some(Ok(batch)) => Some((Ok(batch), State::Running(rx))),
            Some(Err(e)) => Some((Err(e), State::Done)),
            None => None,
        }
    })
    .flat_map(|batch: Batch| match batch {
        Ok(records) => stream::iter(records).left_stream(),
        Err(e) => stream::once(async move { Err(e) }).right_stream(),
    })
    .boxed()
}

/// Builds the records of one batch.
struct Records {
    entity: ErpEntity,
    changed: Option<usize>,
    batch: RawBatch,
    next_cell: usize,
}

impl Records {
    fn new(entity: ErpEntity, changed_column: Option<&str>, batch: RawBatch) -> Self {
        let changed = changed_column.and_then(|c| batch.names.iter().position(|n| n == c));
        Self {
            entity,
            changed,
            batch,
            next_cell: 0,
        }
    }
}

impl Iterator for Records {
    type Item = Result<RawRecord, ErpError>;

    fn next(&mut self) -> Option<Self::Item> {
        let width = self.batch.names.len();
        let cells = self
            .batch
            .cells
            .get(self.next_cell..self.next_cell + width)?;
        self.next_cell += width;
        let mut record = RawRecord::new();
        for (i, (name, cell)) in self.batch.names.iter().zip(cells).enumerate() {
            let value = cell.and_then(|(from, to)| self.batch.text.get(from as usize..to as usize));
            let value = match value {
                Some(v) if Some(i) == self.changed => {
                    match normalise_timestamp(self.entity, name, v) {
                        Ok(t) => Some(t),
                        Err(e) => return Some(Err(e)),
                    }
                }
                Some(v) => Some(v.to_owned()),
                None => None,
            };
            record.set(name, value);
        }
        Some(Ok(record))
    }
}

/// The reading thread: runs the query and sends batches until done or the stream is dropped.
fn read(
    target: &SqliteTarget,
    entity: ErpEntity,
    sql: &str,
    param: Option<&str>,
    changed_column: Option<&str>,
    tx: &mpsc::Sender<Batch>,
) -> Result<(), ErpError> {
    let records = |batch| Records::new(entity, changed_column, batch).collect();
    let query_err = |e: rusqlite::Error| ErpError::query(entity, e);
    let conn = target.open().map_err(query_err)?;
    let mut stmt = conn.prepare(sql).map_err(query_err)?;
    let names: Arc<[String]> = stmt
        .column_names()
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let mut rows = match param {
        Some(p) => stmt.query([p]),
        None => stmt.query([]),
    }
    .map_err(query_err)?;
    let new_batch = |names: &Arc<[String]>| RawBatch {
        names: names.clone(),
        text: String::with_capacity(BATCH * 64),
        cells: Vec::with_capacity(BATCH * names.len()),
    };
    let mut batch = new_batch(&names);
    let mut in_batch = 0;
    while let Some(row) = rows.next().map_err(query_err)? {
        for (i, name) in names.iter().enumerate() {
            let value = row.get_ref(i).map_err(query_err)?;
            let cell = push_value(&mut batch.text, value).map_err(|e| ErpError::Column {
                entity,
                column: name.clone(),
                type_name: e.type_name,
                reason: e.reason,
            })?;
            batch.cells.push(cell);
        }
        in_batch += 1;
        if in_batch == BATCH {
            let full = std::mem::replace(&mut batch, new_batch(&names));
            in_batch = 0;
            if tx.blocking_send(Ok(records(full))).is_err() {
                return Ok(()); // the stream was dropped
            }
        }
    }
    if in_batch > 0 {
        let _ = tx.blocking_send(Ok(records(batch)));
    }
    Ok(())
}

/// Appends a value as text (SQLite's dynamic typing: the storage class decides).
fn push_value(text: &mut String, v: ValueRef<'_>) -> Result<Option<(u32, u32)>, ConvertError> {
    let from = text.len();
    match v {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(i) => {
            let _ = write!(text, "{i}");
        }
        ValueRef::Real(f) => {
            if let Some(s) = format_float("REAL", f)? {
                text.push_str(&s);
            }
        }
        // SQLite text is UTF-8 by contract; a broken byte from an old import shows as U+FFFD.
        ValueRef::Text(t) => text.push_str(&String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => text.push_str(std::str::from_utf8(b).map_err(|_| ConvertError {
            type_name: "BLOB".to_owned(),
            reason: "Binärdaten sind kein UTF-8-Text".to_owned(),
        })?),
    }
    let to = text.len();
    match (u32::try_from(from), u32::try_from(to)) {
        (Ok(from), Ok(to)) => Ok(Some((from, to))),
        _ => Err(ConvertError {
            type_name: "TEXT".to_owned(),
            reason: "Wert zu groß".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteTarget;

    #[test]
    fn urls_become_uri_filenames() {
        assert_eq!(SqliteTarget::from_url("sqlite:erp.db").uri, "file:erp.db");
        assert_eq!(SqliteTarget::from_url("sqlite://erp.db").uri, "file:erp.db");
        assert_eq!(
            SqliteTarget::from_url("sqlite:///var/lib/erp 1.db?mode=ro").uri,
            "file:/var/lib/erp 1.db?mode=ro"
        );
        assert_eq!(
            SqliteTarget::from_url("sqlite:a%b#c.db").uri,
            "file:a%25b%23c.db"
        );
    }
}
