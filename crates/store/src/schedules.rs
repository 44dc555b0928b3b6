//! Run leases and schedule states (GEN-6): what keeps a run from overlapping itself and two
//! instances from starting the same due run.
//!
//! * A **run lease** per (connection, use case) is held while a run lasts and renewed while it
//!   runs. It is taken only when free or expired, atomically (one upsert), so across
//!   processes and hosts on one hub database at most one run of a use case and connection is
//!   in progress. A holder that dies leaves a lease that expires after its time to live.
//! * A **schedule state** per (connection, use case) holds the next due time. An instance that
//!   finds it due moves it to the following due time by compare-and-set; only the instance
//!   whose compare-and-set succeeded starts the run.
//!
//! Time is a parameter (`now`): the store does not read a clock for these decisions.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use immohub_domain::UseCase;
use serde::{Deserialize, Serialize};

use crate::Result;

/// A run lease: who runs a use case of a connection, since when, until when at the latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub connection: String,
    pub use_case: UseCase,
    /// The instance holding the lease, e.g. `host-1/4711`.
    pub holder: String,
    /// Counts the holders of this lease (1 for the first); renew and release must name it.
    pub generation: i64,
    /// When the holder acquired it: the start of the run.
    pub acquired_at: DateTime<Utc>,
    /// The lease is free from this time on (unless renewed).
    pub expires_at: DateTime<Utc>,
}

impl Lease {
    /// Held at `now`: not yet expired nor released.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires_at > now
    }
}

/// The schedule of one use case of one connection, as the scheduler keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleState {
    pub connection: String,
    pub use_case: UseCase,
    /// The schedule `next_due_at` was computed from (canonical text, e.g. `Di, Do, So 02:00`).
    pub schedule: String,
    /// When the next run is due; `None`: never (manual).
    pub next_due_at: Option<DateTime<Utc>>,
    /// When an instance last claimed a due run, and which.
    pub last_claimed_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Run leases and schedule states. A supertrait of [`crate::Store`].
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Takes the lease of (connection, use case) for `holder` until `now + ttl`, if it is free
    /// or expired at `now`; `None` when someone holds it. Atomic: of several concurrent callers
    /// at most one gets it.
    async fn try_acquire_lease(
        &self,
        connection: &str,
        use_case: UseCase,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<Option<Lease>>;

    /// Extends a lease to `now + ttl`; `None` when it is no longer this holder's (taken over
    /// after it expired).
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<Option<Lease>>;

    /// Frees a lease at `now`; `false` when it was no longer this holder's or already free.
    async fn release_lease(&self, lease: &Lease, now: DateTime<Utc>) -> Result<bool>;

    /// Frees every active lease of `holder` at `now` (an instance restarting under a fixed name:
    /// its previous incarnation is gone, its runs with it). Returns how many were freed.
    async fn release_leases_of(&self, holder: &str, now: DateTime<Utc>) -> Result<u64>;

    /// The lease of (connection, use case) as stored, active or not; see [`Lease::is_active`].
    async fn lease(&self, connection: &str, use_case: UseCase) -> Result<Option<Lease>>;

    /// Records the schedule of (connection, use case). A new entry, or one whose schedule text
    /// changed, gets `next_due_at`; an unchanged one keeps its due time (so a run missed while
    /// no instance was up is still due, once). Returns the stored state.
    async fn ensure_schedule(
        &self,
        connection: &str,
        use_case: UseCase,
        schedule: &str,
        next_due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<ScheduleState>;

    async fn schedule_state(
        &self,
        connection: &str,
        use_case: UseCase,
    ) -> Result<Option<ScheduleState>>;

    /// All schedule states, by connection and use case.
    async fn schedule_states(&self) -> Result<Vec<ScheduleState>>;

    /// Claims the run due at `due_at`: moves the due time to `next_due_at` only if it still is
    /// `due_at` (compare-and-set). `true` for the one caller that moved it.
    async fn claim_due(
        &self,
        connection: &str,
        use_case: UseCase,
        due_at: DateTime<Utc>,
        next_due_at: Option<DateTime<Utc>>,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}
