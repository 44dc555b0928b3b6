//! Subscriptions and the e-mail queue, written once for both backends.
//!
//! Compiled twice (see `sql/notify.rs`): `super` provides `Db` and `begin_write`. The SQL runs
//! on SQLite and PostgreSQL alike. The claim is one `UPDATE … RETURNING` whose outer `WHERE`
//! repeats the due condition, so a concurrent claim of the same row (PostgreSQL re-checks it
//! after the first commits) finds it no longer due.

use chrono::{DateTime, Duration, Utc};
use sqlx::{FromRow, Pool};

use super::{Db, begin_write};
use crate::notify::{Notification, NotificationResult, NotificationStatus, Subscription};
use crate::sql::common::{limit, ts};
use crate::{Result, StoreError};

const COLS: &str = "id, item_id, topic, recipient, subject, body, status, attempts, \
                    next_attempt_at, error, sent_at, created_at";

#[derive(FromRow)]
struct Row {
    id: i64,
    item_id: i64,
    topic: String,
    recipient: String,
    subject: String,
    body: String,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    error: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn notification(r: Row) -> Result<Notification> {
    let status = NotificationStatus::parse(&r.status).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "unbekannter Benachrichtigungsstatus „{}“",
            r.status
        ))
    })?;
    Ok(Notification {
        id: r.id,
        item_id: r.item_id,
        topic: r.topic,
        recipient: r.recipient,
        subject: r.subject,
        body: r.body,
        status,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at,
        error: r.error,
        sent_at: r.sent_at,
        created_at: r.created_at,
    })
}

pub(crate) async fn subscribe(
    pool: &Pool<Db>,
    staff: &str,
    topic: &str,
    connection: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = begin_write(pool).await?;
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM staff_users WHERE name = $1 AND active")
            .bind(staff)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(id) = id else {
        tx.rollback().await?;
        return Err(StoreError::NotFound(format!(
            "kein aktives Mitarbeiterkonto „{staff}“"
        )));
    };
    let done = sqlx::query(
        "INSERT INTO staff_subscriptions (staff_id, topic, connection, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (staff_id, topic, connection) DO NOTHING",
    )
    .bind(id)
    .bind(topic)
    .bind(connection.unwrap_or(""))
    .bind(ts(at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn unsubscribe(
    pool: &Pool<Db>,
    staff: &str,
    topic: &str,
    connection: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM staff_subscriptions WHERE topic = $2 AND connection = $3 \
         AND staff_id IN (SELECT id FROM staff_users WHERE name = $1)",
    )
    .bind(staff)
    .bind(topic)
    .bind(connection.unwrap_or(""))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn subscriptions(pool: &Pool<Db>) -> Result<Vec<Subscription>> {
    let rows: Vec<(String, Option<String>, bool, String, String)> = sqlx::query_as(
        "SELECT u.name, u.email, u.active, s.topic, s.connection \
         FROM staff_subscriptions s JOIN staff_users u ON u.id = s.staff_id \
         ORDER BY u.name, s.topic, s.connection",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(staff, email, active, topic, connection)| Subscription {
            staff,
            email,
            active,
            topic,
            connection: (!connection.is_empty()).then_some(connection),
        })
        .collect())
}

pub(crate) async fn subscribers(
    pool: &Pool<Db>,
    topic: &str,
    connection: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT u.email FROM staff_subscriptions s \
         JOIN staff_users u ON u.id = s.staff_id \
         WHERE s.topic = $1 AND (s.connection = '' OR s.connection = $2) \
           AND u.active AND u.email IS NOT NULL AND u.email <> '' \
         ORDER BY u.email",
    )
    .bind(topic)
    .bind(connection)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn claim_notifications(
    pool: &Pool<Db>,
    now: DateTime<Utc>,
    lease: Duration,
    n: u32,
) -> Result<Vec<Notification>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "UPDATE notifications SET next_attempt_at = $2, attempts = attempts + 1 \
         WHERE status = 'pending' AND next_attempt_at <= $1 AND id IN ( \
             SELECT id FROM notifications \
             WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $3) \
         RETURNING {COLS}"
    ))
    .bind(ts(now))
    .bind(ts(now + lease))
    .bind(limit(n))
    .fetch_all(pool)
    .await?;
    let mut out = rows
        .into_iter()
        .map(notification)
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|n| n.id);
    Ok(out)
}

pub(crate) async fn finish_notification(
    pool: &Pool<Db>,
    id: i64,
    result: &NotificationResult,
    at: DateTime<Utc>,
) -> Result<()> {
    let (status, error, next, sent_at) = match result {
        NotificationResult::Sent => (NotificationStatus::Sent, None, ts(at), Some(ts(at))),
        NotificationResult::Retry {
            error,
            next_attempt_at,
        } => (
            NotificationStatus::Pending,
            Some(error.as_str()),
            ts(*next_attempt_at),
            None,
        ),
        NotificationResult::Dead { error } => {
            (NotificationStatus::Dead, Some(error.as_str()), ts(at), None)
        }
    };
    sqlx::query(
        "UPDATE notifications SET status = $2, error = $3, next_attempt_at = $4, \
             sent_at = COALESCE($5, sent_at) \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(error)
    .bind(next)
    .bind(sent_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn notifications_of(pool: &Pool<Db>, item_id: i64) -> Result<Vec<Notification>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM notifications WHERE item_id = $1 ORDER BY id"
    ))
    .bind(item_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(notification).collect()
}
