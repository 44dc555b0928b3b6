//! Backend-independent helpers of the SQL store: row decoding, JSON and time encoding, and
//! building multi-row statements.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::Hash;

use chrono::{DateTime, SubsecRound, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    Connection, Counts, FeedItem, FeedOp, Outcome, RecordState, RecordStatus, Result, Run,
    RunStatus, StoreError, StoredEntity,
};

/// Most bind parameters in one statement: below SQLite's 32766 and PostgreSQL's 65535.
const MAX_BINDS: usize = 30_000;
/// Most rows in one multi-row statement.
const MAX_ROWS: usize = 500;

/// Rows per multi-row statement with `binds_per_row` parameters per row.
pub(crate) fn rows_per_statement(binds_per_row: usize) -> usize {
    (MAX_BINDS / binds_per_row.max(1)).clamp(1, MAX_ROWS)
}

/// A `VALUES` list of `rows` copies of `row` (which uses `?` placeholders).
///
/// Bulk statements are written with anonymous `?` placeholders only and bound in text order:
/// sqlx-sqlite resolves every *named* placeholder (`$n`, `?n`) by a linear search in SQLite,
/// which makes a statement with thousands of them quadratic. PostgreSQL gets them numbered by
/// [`number_placeholders`] (the backend's `bulk_sql`).
pub(crate) fn values_list(row: &str, rows: usize) -> String {
    let mut out = String::with_capacity(rows * (row.len() + 2));
    for i in 0..rows {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(row);
    }
    out
}

/// `count` anonymous placeholders `?, ?, …` (for `IN (…)`).
pub(crate) fn placeholders(count: usize) -> String {
    values_list("?", count)
}

/// Replaces every `?` in `sql` by `$1`, `$2`, … in order. `sql` is SQL written in this crate,
/// with no `?` in literals or identifiers.
pub(crate) fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + sql.len() / 2);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            let _ = write!(out, "${n}");
        } else {
            out.push(c);
        }
    }
    out
}

/// Times are stored with microsecond precision (PostgreSQL's), on both backends alike.
pub(crate) fn ts(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The items with the last occurrence of each key kept, ordered by key. Multi-row upserts must
/// not touch one row twice (PostgreSQL refuses), and a fixed order keeps concurrent writers
/// from deadlocking on row locks.
pub(crate) fn last_per_key<'a, T, K, F>(items: &'a [T], key: F) -> Vec<&'a T>
where
    K: Ord + Hash + 'a,
    F: Fn(&'a T) -> K,
{
    let mut index: HashMap<K, usize> = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        index.insert(key(item), i);
    }
    let mut keyed: Vec<(K, usize)> = index.into_iter().collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, i)| &items[i]).collect()
}

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Corrupt(format!("JSON nicht serialisierbar: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn feed(s: &str) -> Result<FeedKind> {
    FeedKind::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unbekannter Feed „{s}“")))
}

fn entity(s: &str) -> Result<ErpEntity> {
    ErpEntity::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unbekannte Entität „{s}“")))
}

fn record_status(s: &str) -> Result<RecordStatus> {
    RecordStatus::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unbekannter Datensatzstatus „{s}“")))
}

/// Limits: `u32` from the API, `i64` for the database.
pub(crate) fn limit(n: u32) -> i64 {
    i64::from(n)
}

// --- rows ---------------------------------------------------------------------------------
//
// Every SELECT names its columns in the order of these tuples (the `*_COLS` macros).

/// Columns of a [`Connection`] row.
macro_rules! connection_cols {
    () => {
        "name, profile, api_key_hash, clients, config"
    };
}
pub(crate) use connection_cols;

pub(crate) type ConnectionRow = (String, String, String, String, String);

pub(crate) fn connection(r: ConnectionRow) -> Result<Connection> {
    let (name, profile, api_key_hash, clients, config) = r;
    Ok(Connection {
        clients: from_json(&clients, "Mandanten der Verbindung")?,
        config: from_json(&config, "Konfiguration der Verbindung")?,
        name,
        profile,
        api_key_hash,
    })
}

/// Columns of a [`Run`] row.
macro_rules! run_cols {
    () => {
        "id, use_case, connection, direction, \"trigger\", started_at, ended_at, status, \
         read, sent, skipped, failed, deleted, unchanged, errors"
    };
}
pub(crate) use run_cols;

pub(crate) type RunRow = (
    i64,
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
);

pub(crate) fn run(r: RunRow) -> Result<Run> {
    let (id, use_case, connection, direction, trigger, started_at, ended_at, status, read, sent) =
        (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9);
    Ok(Run {
        id,
        use_case,
        connection,
        direction,
        trigger,
        started_at,
        ended_at,
        status: RunStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unbekannter Laufstatus „{status}“")))?,
        counts: Counts {
            read,
            sent,
            skipped: r.10,
            failed: r.11,
            deleted: r.12,
            unchanged: r.13,
        },
        errors: from_json(&r.14, "Fehler des Laufs")?,
    })
}

/// Columns of a [`RecordState`] row.
macro_rules! state_cols {
    () => {
        "connection, feed, erp_key, partner_id, status, hash, source_hash, reason, rule, \
         version, run_id, updated_at"
    };
}
pub(crate) use state_cols;

pub(crate) type StateRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    DateTime<Utc>,
);

pub(crate) fn state(r: StateRow) -> Result<RecordState> {
    let (connection, f, erp_key, partner_id, status, hash, source_hash, reason, rule, version) =
        (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9);
    Ok(RecordState {
        connection,
        feed: feed(&f)?,
        erp_key,
        partner_id,
        status: record_status(&status)?,
        hash,
        source_hash,
        reason,
        rule,
        version,
        run_id: r.10,
        updated_at: r.11,
    })
}

/// Columns of a [`FeedItem`] row.
macro_rules! feed_cols {
    () => {
        "seq, feed, partner_id, op, version, payload, created_at"
    };
}
pub(crate) use feed_cols;

pub(crate) type FeedRow = (i64, String, String, String, i64, String, DateTime<Utc>);

pub(crate) fn feed_item(r: FeedRow) -> Result<FeedItem> {
    let (seq, f, partner_id, op, version, payload, created_at) = r;
    Ok(FeedItem {
        seq,
        feed: feed(&f)?,
        partner_id,
        op: FeedOp::parse(&op)
            .ok_or_else(|| StoreError::Corrupt(format!("unbekannte Feed-Operation „{op}“")))?,
        version,
        payload: from_json(&payload, "Nutzdaten des Feed-Eintrags")?,
        created_at,
    })
}

/// Columns of an [`Outcome`] row.
macro_rules! outcome_cols {
    () => {
        "run_id, connection, feed, erp_key, partner_id, status, reason, rule, at"
    };
}
pub(crate) use outcome_cols;

pub(crate) type OutcomeRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
);

pub(crate) fn outcome(r: OutcomeRow) -> Result<Outcome> {
    let (run_id, connection, f, erp_key, partner_id, status, reason, rule, at) = r;
    Ok(Outcome {
        run_id,
        connection,
        feed: feed(&f)?,
        erp_key,
        partner_id,
        status: record_status(&status)?,
        reason,
        rule,
        at,
    })
}

/// Columns of a [`StoredEntity`] row.
macro_rules! entity_cols {
    () => {
        "entity, erp_key, client_no, hash, version, payload, deleted, updated_at"
    };
}
pub(crate) use entity_cols;

pub(crate) type EntityRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    bool,
    DateTime<Utc>,
);

pub(crate) fn stored_entity(r: EntityRow) -> Result<StoredEntity> {
    let (e, erp_key, client_no, hash, version, payload, deleted, updated_at) = r;
    Ok(StoredEntity {
        entity: entity(&e)?,
        erp_key,
        client_no,
        hash,
        version,
        payload: from_json(&payload, "Nutzdaten der Entität")?,
        deleted,
        updated_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lists_and_numbered_placeholders() {
        assert_eq!(values_list("(?, ?, 1)", 2), "(?, ?, 1), (?, ?, 1)");
        assert_eq!(placeholders(3), "?, ?, ?");
        assert_eq!(placeholders(0), "");
        assert_eq!(
            number_placeholders("UPDATE t SET a = ? WHERE b IN (?, ?)"),
            "UPDATE t SET a = $1 WHERE b IN ($2, $3)"
        );
    }

    #[test]
    fn chunks_stay_under_the_bind_limits() {
        assert_eq!(rows_per_statement(9), MAX_ROWS);
        assert_eq!(rows_per_statement(100), 300);
        assert_eq!(rows_per_statement(0), MAX_ROWS);
        for binds in 1..200 {
            assert!(rows_per_statement(binds) * binds <= MAX_BINDS.max(binds));
        }
    }

    #[test]
    fn last_occurrence_wins_and_keys_are_sorted() {
        let items = [("b", 1), ("a", 2), ("b", 3)];
        let kept = last_per_key(&items, |x| x.0);
        assert_eq!(kept, vec![&("a", 2), &("b", 3)]);
    }
}
