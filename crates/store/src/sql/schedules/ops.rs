//! Run leases and schedule states, written once for both backends.
//!
//! Compiled twice (see `sql/schedules.rs`): `super` provides `Db` and `begin_write`. The SQL
//! runs on SQLite and PostgreSQL alike (`$n` placeholders, `ON CONFLICT … DO UPDATE … WHERE`,
//! `RETURNING`). Each decision is one statement, so it is atomic on both: on PostgreSQL a
//! concurrent upsert of the same key waits for the first and then sees its row.

use chrono::{DateTime, Duration, Utc};
use immohub_domain::UseCase;
use sqlx::Pool;

use super::{Db, begin_write};
use crate::sql::common::ts;
use crate::{Lease, Result, ScheduleState, StoreError};

/// Columns of a [`LeaseRow`].
const LEASE_COLS: &str = "connection, use_case, holder, generation, acquired_at, expires_at";

type LeaseRow = (String, String, String, i64, DateTime<Utc>, DateTime<Utc>);

fn use_case(s: &str) -> Result<UseCase> {
    UseCase::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unbekannter Use Case „{s}“")))
}

fn lease_of(r: LeaseRow) -> Result<Lease> {
    let (connection, uc, holder, generation, acquired_at, expires_at) = r;
    Ok(Lease {
        connection,
        use_case: use_case(&uc)?,
        holder,
        generation,
        acquired_at,
        expires_at,
    })
}

/// Columns of a [`StateRow`].
const STATE_COLS: &str =
    "connection, use_case, schedule, next_due_at, last_claimed_at, claimed_by, updated_at";

type StateRow = (
    String,
    String,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
    DateTime<Utc>,
);

fn state_of(r: StateRow) -> Result<ScheduleState> {
    let (connection, uc, schedule, next_due_at, last_claimed_at, claimed_by, updated_at) = r;
    Ok(ScheduleState {
        connection,
        use_case: use_case(&uc)?,
        schedule,
        next_due_at,
        last_claimed_at,
        claimed_by,
        updated_at,
    })
}

// --- run leases -----------------------------------------------------------------------------

/// Inserts the lease, or takes over an existing one only when it has expired at `now`.
pub(crate) async fn try_acquire_lease(
    pool: &Pool<Db>,
    connection: &str,
    use_case: UseCase,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Option<Lease>> {
    let now = ts(now);
    let row: Option<LeaseRow> = sqlx::query_as(&format!(
        "INSERT INTO run_leases \
             (connection, use_case, holder, generation, acquired_at, expires_at, created_at, \
              updated_at) \
         VALUES ($1, $2, $3, 1, $4, $5, $4, $4) \
         ON CONFLICT (connection, use_case) DO UPDATE SET \
             holder = excluded.holder, generation = run_leases.generation + 1, \
             acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, \
             updated_at = excluded.updated_at \
         WHERE run_leases.expires_at <= excluded.acquired_at \
         RETURNING {LEASE_COLS}"
    ))
    .bind(connection)
    .bind(use_case.as_str())
    .bind(holder)
    .bind(now)
    .bind(ts(now + ttl))
    .fetch_optional(pool)
    .await?;
    row.map(lease_of).transpose()
}

pub(crate) async fn renew_lease(
    pool: &Pool<Db>,
    lease: &Lease,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Option<Lease>> {
    let row: Option<LeaseRow> = sqlx::query_as(&format!(
        "UPDATE run_leases SET expires_at = $5, updated_at = $6 \
         WHERE connection = $1 AND use_case = $2 AND holder = $3 AND generation = $4 \
         RETURNING {LEASE_COLS}"
    ))
    .bind(&lease.connection)
    .bind(lease.use_case.as_str())
    .bind(&lease.holder)
    .bind(lease.generation)
    .bind(ts(now + ttl))
    .bind(ts(now))
    .fetch_optional(pool)
    .await?;
    row.map(lease_of).transpose()
}

pub(crate) async fn release_lease(
    pool: &Pool<Db>,
    lease: &Lease,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE run_leases SET expires_at = $5, updated_at = $5 \
         WHERE connection = $1 AND use_case = $2 AND holder = $3 AND generation = $4 \
           AND expires_at > $5",
    )
    .bind(&lease.connection)
    .bind(lease.use_case.as_str())
    .bind(&lease.holder)
    .bind(lease.generation)
    .bind(ts(now))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn release_leases_of(
    pool: &Pool<Db>,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE run_leases SET expires_at = $2, updated_at = $2 \
         WHERE holder = $1 AND expires_at > $2",
    )
    .bind(holder)
    .bind(ts(now))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn lease(
    pool: &Pool<Db>,
    connection: &str,
    use_case: UseCase,
) -> Result<Option<Lease>> {
    let row: Option<LeaseRow> = sqlx::query_as(&format!(
        "SELECT {LEASE_COLS} FROM run_leases WHERE connection = $1 AND use_case = $2"
    ))
    .bind(connection)
    .bind(use_case.as_str())
    .fetch_optional(pool)
    .await?;
    row.map(lease_of).transpose()
}

// --- schedule states ------------------------------------------------------------------------

pub(crate) async fn ensure_schedule(
    pool: &Pool<Db>,
    connection: &str,
    use_case: UseCase,
    schedule: &str,
    next_due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<ScheduleState> {
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO schedule_states \
             (connection, use_case, schedule, next_due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (connection, use_case) DO UPDATE SET \
             schedule = excluded.schedule, next_due_at = excluded.next_due_at, \
             updated_at = excluded.updated_at \
         WHERE schedule_states.schedule <> excluded.schedule",
    )
    .bind(connection)
    .bind(use_case.as_str())
    .bind(schedule)
    .bind(next_due_at.map(ts))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    let row: StateRow = sqlx::query_as(&format!(
        "SELECT {STATE_COLS} FROM schedule_states WHERE connection = $1 AND use_case = $2"
    ))
    .bind(connection)
    .bind(use_case.as_str())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    state_of(row)
}

pub(crate) async fn schedule_state(
    pool: &Pool<Db>,
    connection: &str,
    use_case: UseCase,
) -> Result<Option<ScheduleState>> {
    let row: Option<StateRow> = sqlx::query_as(&format!(
        "SELECT {STATE_COLS} FROM schedule_states WHERE connection = $1 AND use_case = $2"
    ))
    .bind(connection)
    .bind(use_case.as_str())
    .fetch_optional(pool)
    .await?;
    row.map(state_of).transpose()
}

pub(crate) async fn schedule_states(pool: &Pool<Db>) -> Result<Vec<ScheduleState>> {
    let rows: Vec<StateRow> = sqlx::query_as(&format!(
        "SELECT {STATE_COLS} FROM schedule_states ORDER BY connection, use_case"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(state_of).collect()
}

/// Compare-and-set on the due time: one statement, so of concurrent claimers of the same due
/// time exactly one sees a changed row.
pub(crate) async fn claim_due(
    pool: &Pool<Db>,
    connection: &str,
    use_case: UseCase,
    due_at: DateTime<Utc>,
    next_due_at: Option<DateTime<Utc>>,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE schedule_states SET next_due_at = $4, last_claimed_at = $5, claimed_by = $6, \
             updated_at = $5 \
         WHERE connection = $1 AND use_case = $2 AND next_due_at = $3",
    )
    .bind(connection)
    .bind(use_case.as_str())
    .bind(ts(due_at))
    .bind(next_due_at.map(ts))
    .bind(ts(now))
    .bind(holder)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
