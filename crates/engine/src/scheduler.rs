//! The scheduler (GEN-6): a short internal tick decides which use cases are due and starts
//! them, never overlapping a run in progress.
//!
//! Per tick and scheduled (connection, use case):
//!
//! 1. Read the next due time from the store. Not yet due: nothing to do.
//! 2. Due, but the same run is in progress (its lease is held, by any instance): wait; the run
//!    starts on the first tick after the running one has ended — once.
//! 3. Claim the due run by compare-and-set, moving the due time to the schedule's next time
//!    *after now*: after downtime, a schedule that missed several times runs once, not once per
//!    missed time. Of several instances on one database, only the one whose claim succeeded
//!    goes on.
//! 4. Start it through the [`RunLauncher`] (which takes the run lease). A launch that fails is
//!    logged; the scheduler goes on.
//!
//! The due time per (connection, use case) lives in the store, so a restart keeps it. When the
//! configured schedule changes, the due time is computed anew from the new schedule.
//!
//! Time comes from the [`Clock`]; [`Scheduler::tick`] is one tick, so tests drive the scheduler
//! with a controllable clock and no sleeping. [`Scheduler::run`] ticks every
//! [`DEFAULT_TICK`] until shut down.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use immohub_domain::{Schedule, UseCase};
use immohub_store::{ScheduleState, Store, StoreError};

use crate::clock::Clock;
use crate::launcher::{LaunchError, RunLauncher, Trigger};

/// How often the scheduler looks for due runs.
pub const DEFAULT_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// One scheduled use case of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledJob {
    pub connection: String,
    pub use_case: UseCase,
    pub schedule: Schedule,
}

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// Started runs: connection, use case, run ID.
    pub launched: Vec<(String, UseCase, i64)>,
    /// Due, but the same run is still in progress: started once it has ended.
    pub waiting: Vec<(String, UseCase)>,
    /// Due, claimed, but not started (the launcher's error, German).
    pub failed: Vec<(String, UseCase, String)>,
}

/// Starts due runs; see the module documentation.
pub struct Scheduler {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    launcher: Arc<dyn RunLauncher>,
    holder: String,
    jobs: Vec<ScheduledJob>,
    /// Indexes of the jobs whose schedule is recorded in the store.
    prepared: HashSet<usize>,
    tick: std::time::Duration,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("holder", &self.holder)
            .field("jobs", &self.jobs)
            .field("tick", &self.tick)
            .finish()
    }
}

impl Scheduler {
    /// A scheduler for `jobs` (manual ones are left out); `holder` names this instance in the
    /// store (who claimed a due run).
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        launcher: Arc<dyn RunLauncher>,
        holder: impl Into<String>,
        jobs: Vec<ScheduledJob>,
    ) -> Self {
        Scheduler {
            store,
            clock,
            launcher,
            holder: holder.into(),
            jobs: jobs
                .into_iter()
                .filter(|j| !j.schedule.is_manual())
                .collect(),
            prepared: HashSet::new(),
            tick: DEFAULT_TICK,
        }
    }

    /// Sets the tick of [`Scheduler::run`] (default [`DEFAULT_TICK`]).
    pub fn with_tick(mut self, tick: std::time::Duration) -> Self {
        self.tick = tick;
        self
    }

    /// The scheduled jobs (without manual ones).
    pub fn jobs(&self) -> &[ScheduledJob] {
        &self.jobs
    }

    /// Ticks until `shutdown` completes. Runs in progress go on (their leases expire if the
    /// process ends).
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        let mut interval = tokio::time::interval(self.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        tokio::pin!(shutdown);
        tracing::info!(
            jobs = self.jobs.len(),
            holder = %self.holder,
            "Zeitplanung gestartet"
        );
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = interval.tick() => {
                    self.tick().await;
                }
            }
        }
        tracing::info!("Zeitplanung beendet");
    }

    /// One tick: starts what is due (see the module documentation).
    pub async fn tick(&mut self) -> TickReport {
        let mut report = TickReport::default();
        for i in 0..self.jobs.len() {
            if let Err(e) = self.tick_job(i, &mut report).await {
                let job = &self.jobs[i];
                tracing::warn!(
                    partner = %job.connection,
                    use_case = %job.use_case,
                    error = %e,
                    "Zeitplan nicht geprüft; nächster Versuch beim nächsten Takt"
                );
            }
        }
        report
    }

    async fn tick_job(&mut self, i: usize, report: &mut TickReport) -> Result<(), StoreError> {
        let now = self.clock.now();
        let Some(state) = self.state(i).await? else {
            return Ok(());
        };
        let job = &self.jobs[i];
        let Some(due) = state.next_due_at else {
            return Ok(());
        };
        if due > now {
            return Ok(());
        }
        if let Some(lease) = self.store.lease(&job.connection, job.use_case).await?
            && lease.is_active(now)
        {
            tracing::debug!(
                partner = %job.connection,
                use_case = %job.use_case,
                holder = %lease.holder,
                "fällig, aber der Lauf läuft noch; danach"
            );
            report.waiting.push((job.connection.clone(), job.use_case));
            return Ok(());
        }
        let next = job.schedule.next_after(now);
        let claimed = self
            .store
            .claim_due(&job.connection, job.use_case, due, next, &self.holder, now)
            .await?;
        if !claimed {
            // Another instance claimed it first.
            return Ok(());
        }
        match self
            .launcher
            .launch(&job.connection, job.use_case, Trigger::Schedule)
            .await
        {
            Ok(run_id) => {
                tracing::info!(
                    partner = %job.connection,
                    use_case = %job.use_case,
                    run = run_id,
                    "geplanter Lauf gestartet"
                );
                report
                    .launched
                    .push((job.connection.clone(), job.use_case, run_id));
            }
            Err(e) => {
                let level_is_error = !matches!(e, LaunchError::AlreadyRunning { .. });
                if level_is_error {
                    tracing::error!(
                        partner = %job.connection,
                        use_case = %job.use_case,
                        error = %e,
                        "geplanter Lauf nicht gestartet"
                    );
                } else {
                    tracing::info!(
                        partner = %job.connection,
                        use_case = %job.use_case,
                        "geplanter Lauf übersprungen: {e}"
                    );
                }
                report
                    .failed
                    .push((job.connection.clone(), job.use_case, e.to_string()));
            }
        }
        Ok(())
    }

    /// The stored state of job `i`, recording its schedule first (once per scheduler).
    async fn state(&mut self, i: usize) -> Result<Option<ScheduleState>, StoreError> {
        let job = &self.jobs[i];
        if !self.prepared.contains(&i) {
            let now = self.clock.now();
            let state = self
                .store
                .ensure_schedule(
                    &job.connection,
                    job.use_case,
                    &job.schedule.to_string(),
                    job.schedule.next_after(now),
                    now,
                )
                .await?;
            self.prepared.insert(i);
            return Ok(Some(state));
        }
        let state = self
            .store
            .schedule_state(&job.connection, job.use_case)
            .await?;
        if state.is_none() {
            // Removed behind our back: recorded again on the next tick.
            self.prepared.remove(&i);
        }
        Ok(state)
    }
}
