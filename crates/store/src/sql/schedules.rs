//! [`ScheduleStore`] for [`SqlStore`]. The operations are written once, in `schedules/ops.rs`,
//! and compiled for each backend, like the store's other operations (`sql/ops.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use immohub_domain::UseCase;

use super::{Backend, SqlStore};
use crate::{Lease, Result, ScheduleState, ScheduleStore};

/// The schedule operations compiled for SQLite.
#[path = "schedules"]
mod sqlite_ops {
    pub(crate) use crate::sql::sqlite::{Db, begin_write};

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

/// The schedule operations compiled for PostgreSQL.
#[path = "schedules"]
mod postgres_ops {
    pub(crate) use crate::sql::postgres::{Db, begin_write};

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

macro_rules! dispatch {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Backend::Sqlite(pool) => sqlite_ops::ops::$op(pool, $($arg),*).await,
            Backend::Postgres(pool, _) => postgres_ops::ops::$op(pool, $($arg),*).await,
        }
    };
}

#[async_trait]
impl ScheduleStore for SqlStore {
    async fn try_acquire_lease(
        &self,
        connection: &str,
        use_case: UseCase,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<Option<Lease>> {
        dispatch!(self.try_acquire_lease(connection, use_case, holder, now, ttl))
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<Option<Lease>> {
        dispatch!(self.renew_lease(lease, now, ttl))
    }

    async fn release_lease(&self, lease: &Lease, now: DateTime<Utc>) -> Result<bool> {
        dispatch!(self.release_lease(lease, now))
    }

    async fn release_leases_of(&self, holder: &str, now: DateTime<Utc>) -> Result<u64> {
        dispatch!(self.release_leases_of(holder, now))
    }

    async fn lease(&self, connection: &str, use_case: UseCase) -> Result<Option<Lease>> {
        dispatch!(self.lease(connection, use_case))
    }

    async fn ensure_schedule(
        &self,
        connection: &str,
        use_case: UseCase,
        schedule: &str,
        next_due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<ScheduleState> {
        dispatch!(self.ensure_schedule(connection, use_case, schedule, next_due_at, now))
    }

    async fn schedule_state(
        &self,
        connection: &str,
        use_case: UseCase,
    ) -> Result<Option<ScheduleState>> {
        dispatch!(self.schedule_state(connection, use_case))
    }

    async fn schedule_states(&self) -> Result<Vec<ScheduleState>> {
        dispatch!(self.schedule_states())
    }

    async fn claim_due(
        &self,
        connection: &str,
        use_case: UseCase,
        due_at: DateTime<Utc>,
        next_due_at: Option<DateTime<Utc>>,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self.claim_due(connection, use_case, due_at, next_due_at, holder, now))
    }
}
