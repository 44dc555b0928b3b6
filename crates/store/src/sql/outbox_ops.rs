//! Push-delivery operations (webhook endpoints, claims, dead letters), written once for both
//! backends like `ops.rs`: compiled as `sqlite::outbox_ops` and `postgres::outbox_ops`.

use chrono::{DateTime, Utc};
use sqlx::{Pool, Row};

use super::{Db, begin_read, begin_write, skip_locked};
use crate::sql::common::{self, feed, from_json, limit, to_json, ts};
use crate::{
    DeadLetter, DeadLetterFilter, DeadLetterStatus, DeliveryLineKind, DeliveryProgress,
    EndpointClaim, FeedItem, NewEndpoint, OutboxItem, RecordStatus, Result, RetryItem, StoreError,
    WebhookEndpoint,
};

type DbRow = <Db as sqlx::Database>::Row;

const ENDPOINT_COLS: &str = "id, connection, url, feeds, description, enabled, disabled_reason, \
     cursor, attempts, next_attempt_at, last_error, previous_secret_until, created_at";

fn endpoint_row(r: &DbRow) -> Result<WebhookEndpoint> {
    let feeds: String = r.try_get("feeds")?;
    let feeds: Vec<String> = from_json(&feeds, "Feeds des Webhook-Endpunkts")?;
    Ok(WebhookEndpoint {
        id: r.try_get("id")?,
        connection: r.try_get("connection")?,
        url: r.try_get("url")?,
        feeds: feeds.iter().map(|f| feed(f)).collect::<Result<_>>()?,
        description: r.try_get("description")?,
        enabled: r.try_get("enabled")?,
        disabled_reason: r.try_get("disabled_reason")?,
        cursor: r.try_get("cursor")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        previous_secret_until: r.try_get("previous_secret_until")?,
        created_at: r.try_get("created_at")?,
    })
}

const DEAD_LETTER_COLS: &str = "id, endpoint_id, connection, seq, feed, erp_key, partner_id, \
     version, message_id, attempts, last_status, error, status, created_at, updated_at";

fn dead_letter_row(r: &DbRow) -> Result<DeadLetter> {
    let status: String = r.try_get("status")?;
    let f: String = r.try_get("feed")?;
    Ok(DeadLetter {
        id: r.try_get("id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        connection: r.try_get("connection")?,
        seq: r.try_get("seq")?,
        feed: feed(&f)?,
        erp_key: r.try_get("erp_key")?,
        partner_id: r.try_get("partner_id")?,
        version: r.try_get("version")?,
        message_id: r.try_get("message_id")?,
        attempts: r.try_get("attempts")?,
        last_status: r.try_get("last_status")?,
        error: r.try_get("error")?,
        status: DeadLetterStatus::parse(&status).ok_or_else(|| {
            StoreError::Corrupt(format!("unbekannter Dead-Letter-Status „{status}“"))
        })?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn feed_item_row(r: &DbRow) -> Result<FeedItem> {
    common::feed_item((
        r.try_get("seq")?,
        r.try_get("feed")?,
        r.try_get("partner_id")?,
        r.try_get("op")?,
        r.try_get("version")?,
        r.try_get("payload")?,
        r.try_get("created_at")?,
    ))
}

pub(crate) async fn create_endpoint(pool: &Pool<Db>, e: &NewEndpoint) -> Result<WebhookEndpoint> {
    let now = ts(Utc::now());
    let feeds: Vec<&str> = e.feeds.iter().map(|f| f.as_str()).collect();
    let mut tx = begin_write(pool).await?;
    let cursor: i64 = if e.from_now {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM feed_items WHERE connection = $1")
            .bind(&e.connection)
            .fetch_one(&mut *tx)
            .await?
    } else {
        0
    };
    let sql = format!(
        "INSERT INTO webhook_endpoints (connection, url, feeds, description, cursor, \
             next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6) RETURNING {ENDPOINT_COLS}"
    );
    let row = sqlx::query(&sql)
        .bind(&e.connection)
        .bind(&e.url)
        .bind(to_json(&feeds)?)
        .bind(&e.description)
        .bind(cursor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    let endpoint = endpoint_row(&row)?;
    tx.commit().await?;
    Ok(endpoint)
}

pub(crate) async fn endpoint(pool: &Pool<Db>, id: i64) -> Result<Option<WebhookEndpoint>> {
    let sql = format!("SELECT {ENDPOINT_COLS} FROM webhook_endpoints WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(endpoint_row).transpose()
}

pub(crate) async fn endpoints(
    pool: &Pool<Db>,
    connection: Option<&str>,
) -> Result<Vec<WebhookEndpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLS} FROM webhook_endpoints \
         WHERE ($1 IS NULL OR connection = $1) ORDER BY id"
    );
    let rows = sqlx::query(&sql).bind(connection).fetch_all(pool).await?;
    rows.iter().map(endpoint_row).collect()
}

pub(crate) async fn delete_endpoint(pool: &Pool<Db>, connection: &str, id: i64) -> Result<bool> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND connection = $2")
        .bind(id)
        .bind(connection)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM dead_letters WHERE endpoint_id = $1 AND connection = $2")
        .bind(id)
        .bind(connection)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn set_endpoint_enabled(
    pool: &Pool<Db>,
    connection: &str,
    id: i64,
    enabled: bool,
    reason: Option<&str>,
) -> Result<bool> {
    let now = ts(Utc::now());
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET enabled = $3, disabled_reason = $4, attempts = 0, \
             next_attempt_at = $5, updated_at = $5 \
         WHERE id = $1 AND connection = $2",
    )
    .bind(id)
    .bind(connection)
    .bind(enabled)
    .bind(if enabled { None } else { reason })
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn set_previous_secret_until(
    pool: &Pool<Db>,
    id: i64,
    until: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret_until = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(until.map(ts))
    .bind(ts(Utc::now()))
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn claim_endpoints(
    pool: &Pool<Db>,
    holder: &str,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    n: u32,
) -> Result<Vec<EndpointClaim>> {
    let now = ts(now);
    let until = ts(now + lease);
    let mut tx = begin_write(pool).await?;
    let pick = format!(
        "SELECT id FROM webhook_endpoints \
         WHERE enabled = TRUE AND next_attempt_at <= $1 \
           AND (claimed_until IS NULL OR claimed_until < $1 OR claimed_by = $2) \
         ORDER BY next_attempt_at, id LIMIT $3{}",
        skip_locked()
    );
    let ids: Vec<i64> = sqlx::query_scalar(&pick)
        .bind(now)
        .bind(holder)
        .bind(limit(n))
        .fetch_all(&mut *tx)
        .await?;
    let mut claims = Vec::with_capacity(ids.len());
    let update = format!(
        "UPDATE webhook_endpoints SET claimed_by = $2, claimed_until = $3, \
             claim_token = claim_token + 1 \
         WHERE id = $1 AND enabled = TRUE \
           AND (claimed_until IS NULL OR claimed_until < $4 OR claimed_by = $2) \
         RETURNING {ENDPOINT_COLS}, claim_token"
    );
    for id in ids {
        let row = sqlx::query(&update)
            .bind(id)
            .bind(holder)
            .bind(until)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = row {
            claims.push(EndpointClaim {
                endpoint: endpoint_row(&row)?,
                holder: holder.to_owned(),
                token: row.try_get("claim_token")?,
                until,
            });
        }
    }
    tx.commit().await?;
    Ok(claims)
}

pub(crate) async fn renew_claim(
    pool: &Pool<Db>,
    claim: &EndpointClaim,
    until: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET claimed_until = $4 \
         WHERE id = $1 AND claimed_by = $2 AND claim_token = $3",
    )
    .bind(claim.endpoint.id)
    .bind(&claim.holder)
    .bind(claim.token)
    .bind(ts(until))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn release_claim(pool: &Pool<Db>, claim: &EndpointClaim) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_endpoints SET claimed_by = NULL, claimed_until = NULL \
         WHERE id = $1 AND claimed_by = $2 AND claim_token = $3",
    )
    .bind(claim.endpoint.id)
    .bind(&claim.holder)
    .bind(claim.token)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn outbox_items(
    pool: &Pool<Db>,
    endpoint: &WebhookEndpoint,
    after: i64,
    n: u32,
) -> Result<Vec<OutboxItem>> {
    // Feeds are filtered here rather than in SQL: an endpoint usually takes all feeds, and the
    // (connection, seq) index serves the scan either way.
    let mut out = Vec::new();
    let mut after = after;
    let page = i64::from(n.max(1));
    loop {
        let rows = sqlx::query(
            "SELECT seq, feed, erp_key, partner_id, op, version, payload, created_at \
             FROM feed_items WHERE connection = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(&endpoint.connection)
        .bind(after)
        .bind(page)
        .fetch_all(pool)
        .await?;
        let full = rows.len() as i64 == page;
        for r in &rows {
            after = r.try_get("seq")?;
            let f: String = r.try_get("feed")?;
            if !endpoint.wants(feed(&f)?) {
                continue;
            }
            out.push(OutboxItem {
                item: feed_item_row(r)?,
                erp_key: r.try_get("erp_key")?,
            });
            if out.len() as i64 == page {
                return Ok(out);
            }
        }
        if !full {
            return Ok(out);
        }
    }
}

pub(crate) async fn queued_retries(
    pool: &Pool<Db>,
    endpoint_id: i64,
    n: u32,
) -> Result<Vec<RetryItem>> {
    let sql = format!(
        "SELECT {DEAD_LETTER_COLS} FROM dead_letters \
         WHERE endpoint_id = $1 AND status = 'queued' ORDER BY seq LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(endpoint_id)
        .bind(limit(n))
        .fetch_all(pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let dl = dead_letter_row(r)?;
        let item = sqlx::query(
            "SELECT seq, feed, partner_id, op, version, payload, created_at \
             FROM feed_items WHERE connection = $1 AND feed = $2 AND seq = $3",
        )
        .bind(&dl.connection)
        .bind(dl.feed.as_str())
        .bind(dl.seq)
        .fetch_optional(pool)
        .await?;
        let Some(item) = item else {
            return Err(StoreError::Corrupt(format!(
                "Feed-Eintrag {} des Dead Letters {} fehlt",
                dl.seq, dl.id
            )));
        };
        let current: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM record_states \
             WHERE connection = $1 AND feed = $2 AND erp_key = $3",
        )
        .bind(&dl.connection)
        .bind(dl.feed.as_str())
        .bind(&dl.erp_key)
        .fetch_optional(pool)
        .await?;
        out.push(RetryItem {
            item: feed_item_row(&item)?,
            current_version: current.unwrap_or(dl.version),
            dead_letter: dl,
        });
    }
    Ok(out)
}

fn line_status(kind: DeliveryLineKind) -> RecordStatus {
    match kind {
        DeliveryLineKind::Delivered => RecordStatus::Delivered,
        DeliveryLineKind::Retry => RecordStatus::DeliveryFailed,
        DeliveryLineKind::DeadLettered => RecordStatus::DeadLetter,
        DeliveryLineKind::Superseded => RecordStatus::Superseded,
    }
}

pub(crate) async fn commit_delivery(pool: &Pool<Db>, p: &DeliveryProgress) -> Result<()> {
    let now = ts(Utc::now());
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET \
             cursor = CASE WHEN cursor < $4 THEN $4 ELSE cursor END, \
             attempts = $5, next_attempt_at = $6, last_error = $7, \
             enabled = CASE WHEN $8 IS NULL THEN enabled ELSE FALSE END, \
             disabled_reason = COALESCE($8, disabled_reason), updated_at = $9 \
         WHERE id = $1 AND claimed_by = $2 AND claim_token = $3",
    )
    .bind(p.endpoint_id)
    .bind(&p.holder)
    .bind(p.token)
    .bind(p.cursor)
    .bind(p.attempts)
    .bind(ts(p.next_attempt_at))
    .bind(&p.last_error)
    .bind(&p.disable)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        // Dropping the transaction rolls it back: nothing of this session is written.
        return Err(StoreError::Conflict(format!(
            "Webhook-Endpunkt {} gehört nicht mehr dieser Instanz",
            p.endpoint_id
        )));
    }
    let connection: String =
        sqlx::query_scalar("SELECT connection FROM webhook_endpoints WHERE id = $1")
            .bind(p.endpoint_id)
            .fetch_one(&mut *tx)
            .await?;
    for d in &p.dead {
        sqlx::query(
            "INSERT INTO dead_letters (endpoint_id, connection, seq, feed, erp_key, partner_id, \
                 version, message_id, attempts, last_status, error, status, created_at, \
                 updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'open', $12, $12) \
             ON CONFLICT (endpoint_id, seq) DO UPDATE SET status = 'open', \
                 attempts = dead_letters.attempts + excluded.attempts, \
                 last_status = excluded.last_status, error = excluded.error, \
                 updated_at = excluded.updated_at",
        )
        .bind(p.endpoint_id)
        .bind(&connection)
        .bind(d.seq)
        .bind(d.feed.as_str())
        .bind(&d.erp_key)
        .bind(&d.partner_id)
        .bind(d.version)
        .bind(&d.message_id)
        .bind(d.attempts)
        .bind(d.last_status)
        .bind(&d.error)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for (id, status) in &p.resolved {
        sqlx::query(
            "UPDATE dead_letters SET status = $3, updated_at = $4 \
             WHERE id = $1 AND endpoint_id = $2",
        )
        .bind(id)
        .bind(p.endpoint_id)
        .bind(status.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let (mut sent, mut failed) = (0i64, 0i64);
    for l in &p.lines {
        match l.kind {
            DeliveryLineKind::Delivered => sent += 1,
            DeliveryLineKind::DeadLettered => failed += 1,
            DeliveryLineKind::Retry | DeliveryLineKind::Superseded => {}
        }
        sqlx::query(
            "INSERT INTO outcomes (run_id, connection, feed, erp_key, partner_id, status, \
                 reason, rule, at, feed_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                     (SELECT COALESCE(MAX(seq), 0) FROM feed_items WHERE connection = $2))",
        )
        .bind(p.run_id)
        .bind(&connection)
        .bind(l.feed.as_str())
        .bind(&l.erp_key)
        .bind(&l.partner_id)
        .bind(line_status(l.kind).as_str())
        .bind(&l.detail)
        .bind(match l.kind {
            DeliveryLineKind::Delivered => None,
            _ => Some("GEN-11"),
        })
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    if !p.lines.is_empty() {
        sqlx::query(
            "UPDATE runs SET read = read + $2, sent = sent + $3, failed = failed + $4, \
                 updated_at = $5 WHERE id = $1",
        )
        .bind(p.run_id)
        .bind(p.lines.len() as i64)
        .bind(sent)
        .bind(failed)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn dead_letters(pool: &Pool<Db>, f: &DeadLetterFilter) -> Result<Vec<DeadLetter>> {
    let sql = format!(
        "SELECT {DEAD_LETTER_COLS} FROM dead_letters \
         WHERE ($1 IS NULL OR connection = $1) AND ($2 IS NULL OR endpoint_id = $2) \
           AND ($3 IS NULL OR status = $3) \
         ORDER BY id DESC LIMIT $4"
    );
    let mut tx = begin_read(pool).await?;
    let rows = sqlx::query(&sql)
        .bind(&f.connection)
        .bind(f.endpoint_id)
        .bind(f.status.map(DeadLetterStatus::as_str))
        .bind(limit(if f.limit == 0 { 100 } else { f.limit }))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    rows.iter().map(dead_letter_row).collect()
}

pub(crate) async fn retry_dead_letter(pool: &Pool<Db>, connection: &str, id: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE dead_letters SET status = 'queued', updated_at = $3 \
         WHERE id = $1 AND connection = $2 AND status IN ('open', 'queued')",
    )
    .bind(id)
    .bind(connection)
    .bind(ts(Utc::now()))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
