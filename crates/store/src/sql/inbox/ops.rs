//! The inbox operations, written once for both backends.
//!
//! Compiled twice (see `sql/inbox.rs`): `super` provides `Db`, `begin_write` and
//! `SKIP_LOCKED`. The SQL runs on SQLite and PostgreSQL alike (`$n` placeholders,
//! `ON CONFLICT`, `RETURNING`).

use chrono::{DateTime, Duration, Utc};
use sqlx::{FromRow, Pool};

use super::{Db, SKIP_LOCKED, begin_write};
use crate::inbox::{
    InboxDone, InboxInsert, InboxItem, InboxKind, InboxResult, InboxStatus, MatchReview,
    NewInboxItem, ReviewDecision,
};
use crate::sql::common::{limit, to_json, ts};
use crate::{Result, StoreError};

/// Columns of an [`InboxRow`].
macro_rules! inbox_cols {
    () => {
        "id, connection, kind, idempotency_key, source, payload, payload_hash, status, attempts, \
         next_attempt_at, claimed_by, claimed_until, erp_id, error, rule, run_id, received_at, \
         updated_at"
    };
}

#[derive(FromRow)]
struct InboxRow {
    id: i64,
    connection: String,
    kind: String,
    idempotency_key: String,
    source: String,
    payload: String,
    payload_hash: String,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    claimed_by: Option<String>,
    claimed_until: Option<DateTime<Utc>>,
    erp_id: Option<String>,
    error: Option<String>,
    rule: Option<String>,
    run_id: Option<i64>,
    received_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl InboxRow {
    fn item(self) -> Result<InboxItem> {
        let corrupt = |what: String| StoreError::Corrupt(what);
        Ok(InboxItem {
            kind: InboxKind::parse(&self.kind)
                .ok_or_else(|| corrupt(format!("unbekannte Eingangsart „{}“", self.kind)))?,
            status: InboxStatus::parse(&self.status)
                .ok_or_else(|| corrupt(format!("unbekannter Eingangsstatus „{}“", self.status)))?,
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| corrupt(format!("Nutzdaten des Eingangs {}: {e}", self.id)))?,
            id: self.id,
            connection: self.connection,
            idempotency_key: self.idempotency_key,
            source: self.source,
            payload_hash: self.payload_hash,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            claimed_by: self.claimed_by,
            claimed_until: self.claimed_until,
            erp_id: self.erp_id,
            error: self.error,
            rule: self.rule,
            run_id: self.run_id,
            received_at: self.received_at,
            updated_at: self.updated_at,
        })
    }
}

fn items(rows: Vec<InboxRow>) -> Result<Vec<InboxItem>> {
    rows.into_iter().map(InboxRow::item).collect()
}

pub(crate) async fn insert_inbox(pool: &Pool<Db>, item: &NewInboxItem) -> Result<InboxInsert> {
    let at = ts(item.received_at);
    let mut tx = begin_write(pool).await?;
    // A concurrent insert of the same key makes this one do nothing (PostgreSQL waits for the
    // other transaction first), so the SELECT below then finds the winner.
    let created: Option<InboxRow> = sqlx::query_as(concat!(
        "INSERT INTO inbox_items \
             (connection, kind, idempotency_key, source, payload, payload_hash, status, \
              attempts, next_attempt_at, received_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'received', 0, $7, $7, $7, $7) \
         ON CONFLICT (connection, kind, idempotency_key) DO NOTHING \
         RETURNING ",
        inbox_cols!()
    ))
    .bind(&item.connection)
    .bind(item.kind.as_str())
    .bind(&item.idempotency_key)
    .bind(&item.source)
    .bind(to_json(&item.payload)?)
    .bind(&item.payload_hash)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = created {
        tx.commit().await?;
        return Ok(InboxInsert::Created(row.item()?));
    }
    let existing: InboxRow = sqlx::query_as(concat!(
        "SELECT ",
        inbox_cols!(),
        " FROM inbox_items WHERE connection = $1 AND kind = $2 AND idempotency_key = $3"
    ))
    .bind(&item.connection)
    .bind(item.kind.as_str())
    .bind(&item.idempotency_key)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if existing.payload_hash != item.payload_hash {
        return Err(StoreError::Conflict(format!(
            "der Idempotenzschlüssel „{}“ wurde bereits für einen anderen Inhalt verwendet \
             (Eingang {})",
            item.idempotency_key, existing.id
        )));
    }
    Ok(InboxInsert::Existing(existing.item()?))
}

pub(crate) async fn inbox_item(
    pool: &Pool<Db>,
    connection: &str,
    id: i64,
) -> Result<Option<InboxItem>> {
    let row: Option<InboxRow> = sqlx::query_as(concat!(
        "SELECT ",
        inbox_cols!(),
        " FROM inbox_items WHERE id = $1 AND connection = $2"
    ))
    .bind(id)
    .bind(connection)
    .fetch_optional(pool)
    .await?;
    row.map(InboxRow::item).transpose()
}

pub(crate) async fn inbox_by_key(
    pool: &Pool<Db>,
    connection: &str,
    kind: InboxKind,
    idempotency_key: &str,
) -> Result<Option<InboxItem>> {
    let row: Option<InboxRow> = sqlx::query_as(concat!(
        "SELECT ",
        inbox_cols!(),
        " FROM inbox_items WHERE connection = $1 AND kind = $2 AND idempotency_key = $3"
    ))
    .bind(connection)
    .bind(kind.as_str())
    .bind(idempotency_key)
    .fetch_optional(pool)
    .await?;
    row.map(InboxRow::item).transpose()
}

pub(crate) async fn claim_inbox(
    pool: &Pool<Db>,
    kind: InboxKind,
    connection: Option<&str>,
    holder: &str,
    n: u32,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<InboxItem>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let now = ts(now);
    let until = ts(now + lease);
    let only_connection = if connection.is_some() {
        " AND connection = $6"
    } else {
        ""
    };
    let sql = format!(
        concat!(
            "UPDATE inbox_items SET claimed_by = $1, claimed_until = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM inbox_items \
                          WHERE kind = $4 AND status = 'received' AND next_attempt_at <= $3 \
                            AND (claimed_until IS NULL OR claimed_until < $3 OR claimed_by = $1){} \
                          ORDER BY next_attempt_at, id LIMIT $5{}) \
             RETURNING ",
            inbox_cols!()
        ),
        only_connection, SKIP_LOCKED
    );
    let mut q = sqlx::query_as::<_, InboxRow>(&sql)
        .bind(holder)
        .bind(until)
        .bind(now)
        .bind(kind.as_str())
        .bind(limit(n));
    if let Some(c) = connection {
        q = q.bind(c);
    }
    let mut tx = begin_write(pool).await?;
    let rows = q.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let mut claimed = items(rows)?;
    claimed.sort_by_key(|a| (a.next_attempt_at, a.id));
    Ok(claimed)
}

pub(crate) async fn finish_inbox(pool: &Pool<Db>, done: &InboxDone) -> Result<bool> {
    let at = ts(done.at);
    let (erp_id, error, rule, next_attempt_at) = match &done.result {
        InboxResult::Written { erp_id } => (Some(erp_id.as_str()), None, None, at),
        InboxResult::Retry {
            error,
            next_attempt_at,
        } => (None, Some(error.as_str()), None, ts(*next_attempt_at)),
        InboxResult::Failed { error, rule } => (None, Some(error.as_str()), rule.as_deref(), at),
        InboxResult::Dead { error } => (None, Some(error.as_str()), None, at),
        InboxResult::Review(r) => (None, Some(r.summary.as_str()), Some("PRO-3"), at),
    };
    let mut tx = begin_write(pool).await?;
    let updated = sqlx::query(
        "UPDATE inbox_items SET status = $3, attempts = attempts + 1, next_attempt_at = $4, \
             claimed_by = NULL, claimed_until = NULL, erp_id = COALESCE($5, erp_id), \
             error = $6, rule = $7, run_id = $8, updated_at = $9 \
         WHERE id = $1 AND claimed_by = $2 AND status = 'received'",
    )
    .bind(done.id)
    .bind(&done.holder)
    .bind(done.result.status().as_str())
    .bind(next_attempt_at)
    .bind(erp_id)
    .bind(error)
    .bind(rule)
    .bind(done.run_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        // Another worker took the item over (our claim expired), or it is finished already.
        tx.rollback().await?;
        return Ok(false);
    }
    if let InboxResult::Review(r) = &done.result {
        // A decided entry of an earlier round (the item came back and is uncertain again,
        // e.g. after a person changed) is reopened with the new candidates.
        sqlx::query(
            "INSERT INTO match_reviews \
                 (item_id, connection, client_no, candidates, summary, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6) \
             ON CONFLICT (item_id) DO UPDATE SET client_no = excluded.client_no, \
                 candidates = excluded.candidates, summary = excluded.summary, \
                 status = 'open', decision = NULL, person_no = NULL, decided_by = NULL, \
                 decided_at = NULL, created_at = excluded.created_at",
        )
        .bind(done.id)
        .bind(&done.outcome.connection)
        .bind(&r.client_no)
        .bind(to_json(&r.candidates)?)
        .bind(&r.summary)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    if matches!(done.result, InboxResult::Written { .. }) {
        for n in &done.notify {
            sqlx::query(
                "INSERT INTO notifications \
                     (item_id, topic, recipient, subject, body, status, attempts, \
                      next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) \
                 ON CONFLICT (item_id, recipient) DO NOTHING",
            )
            .bind(done.id)
            .bind(&n.topic)
            .bind(&n.recipient)
            .bind(&n.subject)
            .bind(&n.body)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
    }
    let o = &done.outcome;
    sqlx::query(
        "INSERT INTO outcomes \
             (run_id, connection, feed, erp_key, partner_id, status, reason, rule, at, feed_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 (SELECT COALESCE(MAX(seq), 0) FROM feed_items WHERE connection = $2))",
    )
    .bind(o.run_id)
    .bind(&o.connection)
    .bind(o.feed.as_str())
    .bind(&o.erp_key)
    .bind(o.partner_id.as_deref())
    .bind(o.status.as_str())
    .bind(o.reason.as_deref())
    .bind(o.rule.as_deref())
    .bind(ts(o.at))
    .execute(&mut *tx)
    .await?;
    let c = &done.counts;
    let run = sqlx::query(
        "UPDATE runs SET read = read + $2, sent = sent + $3, skipped = skipped + $4, \
             failed = failed + $5, deleted = deleted + $6, unchanged = unchanged + $7, \
             updated_at = $8 \
         WHERE id = $1",
    )
    .bind(done.run_id)
    .bind(c.read)
    .bind(c.sent)
    .bind(c.skipped)
    .bind(c.failed)
    .bind(c.deleted)
    .bind(c.unchanged)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if run.rows_affected() == 0 {
        // Rolls back the item's update too.
        return Err(StoreError::NotFound(format!("Lauf {}", done.run_id)));
    }
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn release_inbox(pool: &Pool<Db>, holder: &str, ids: &[i64]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = begin_write(pool).await?;
    for id in ids {
        sqlx::query(
            "UPDATE inbox_items SET claimed_by = NULL, claimed_until = NULL \
             WHERE id = $1 AND claimed_by = $2 AND status = 'received'",
        )
        .bind(id)
        .bind(holder)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn inbox_items(
    pool: &Pool<Db>,
    connection: &str,
    kind: InboxKind,
    status: Option<InboxStatus>,
    n: u32,
) -> Result<Vec<InboxItem>> {
    let sql = format!(
        concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inbox_items WHERE connection = $1 AND kind = $2{} ORDER BY id DESC LIMIT $3"
        ),
        if status.is_some() {
            " AND status = $4"
        } else {
            ""
        }
    );
    let mut q = sqlx::query_as::<_, InboxRow>(&sql)
        .bind(connection)
        .bind(kind.as_str())
        .bind(limit(n));
    if let Some(s) = status {
        q = q.bind(s.as_str());
    }
    items(q.fetch_all(pool).await?)
}

#[derive(FromRow)]
struct ReviewRow {
    item_id: i64,
    connection: String,
    client_no: String,
    candidates: String,
    summary: String,
    decision: Option<String>,
    person_no: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    payload: String,
}

impl ReviewRow {
    fn review(self) -> Result<MatchReview> {
        let corrupt = |what: String| StoreError::Corrupt(what);
        let decision = match (self.decision.as_deref(), self.person_no) {
            (None, _) => None,
            (Some("new"), _) => Some(ReviewDecision::New),
            (Some("link"), Some(person_no)) => Some(ReviewDecision::Link { person_no }),
            (Some(other), _) => {
                return Err(corrupt(format!(
                    "Prüfentscheidung „{other}“ zu Eingang {} unlesbar",
                    self.item_id
                )));
            }
        };
        Ok(MatchReview {
            candidates: serde_json::from_str(&self.candidates)
                .map_err(|e| corrupt(format!("Kandidaten zu Eingang {}: {e}", self.item_id)))?,
            payload: serde_json::from_str(&self.payload)
                .map_err(|e| corrupt(format!("Nutzdaten des Eingangs {}: {e}", self.item_id)))?,
            item_id: self.item_id,
            connection: self.connection,
            client_no: self.client_no,
            summary: self.summary,
            decision,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            created_at: self.created_at,
        })
    }
}

macro_rules! review_select {
    () => {
        "SELECT r.item_id, r.connection, r.client_no, r.candidates, r.summary, r.decision, \
                r.person_no, r.decided_by, r.decided_at, r.created_at, i.payload \
         FROM match_reviews r JOIN inbox_items i ON i.id = r.item_id"
    };
}

pub(crate) async fn reviews(
    pool: &Pool<Db>,
    connection: Option<&str>,
    open_only: bool,
    n: u32,
) -> Result<Vec<MatchReview>> {
    let mut conds = Vec::new();
    if open_only {
        conds.push("r.status = 'open'");
    }
    if connection.is_some() {
        conds.push("r.connection = $2");
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        concat!(review_select!(), "{} ORDER BY r.item_id LIMIT $1"),
        filter
    );
    let mut q = sqlx::query_as::<_, ReviewRow>(&sql).bind(limit(n));
    if let Some(c) = connection {
        q = q.bind(c);
    }
    q.fetch_all(pool)
        .await?
        .into_iter()
        .map(ReviewRow::review)
        .collect()
}

pub(crate) async fn review(pool: &Pool<Db>, item_id: i64) -> Result<Option<MatchReview>> {
    let row: Option<ReviewRow> = sqlx::query_as(concat!(review_select!(), " WHERE r.item_id = $1"))
        .bind(item_id)
        .fetch_optional(pool)
        .await?;
    row.map(ReviewRow::review).transpose()
}

pub(crate) async fn decide_review(
    pool: &Pool<Db>,
    item_id: i64,
    decision: &ReviewDecision,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let at = ts(at);
    let (kind, person_no) = match decision {
        ReviewDecision::Link { person_no } => ("link", Some(person_no.as_str())),
        ReviewDecision::New => ("new", None),
    };
    let mut tx = begin_write(pool).await?;
    let decided = sqlx::query(
        "UPDATE match_reviews SET status = 'decided', decision = $2, person_no = $3, \
             decided_by = $4, decided_at = $5 \
         WHERE item_id = $1 AND status = 'open'",
    )
    .bind(item_id)
    .bind(kind)
    .bind(person_no)
    .bind(by)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if decided.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "UPDATE inbox_items SET status = 'received', next_attempt_at = $2, error = NULL, \
             rule = NULL, updated_at = $2 \
         WHERE id = $1 AND status = 'review'",
    )
    .bind(item_id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
