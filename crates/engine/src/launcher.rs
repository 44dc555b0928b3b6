//! Starting runs (GEN-6): by schedule, by hand (CLI) or through the partner API, always under
//! the run lease of (connection, use case), so that a run never overlaps itself — also across
//! processes and hosts on one hub database.
//!
//! * [`RunLauncher`] is what the scheduler and the partner API call: it starts a run in the
//!   background and answers with the run ID as soon as the run is in the protocol.
//! * [`EngineLauncher`] implements it for the use cases this engine has (today: master data).
//!   Its [`EngineLauncher::run`] runs to the end in the caller's task (the CLI's `sync run`).
//! * [`LeaseGuard`] holds a run lease, renews it while the run lasts and releases it at the
//!   end. A process that dies leaves a lease that expires after its time to live.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Berlin;
use immohub_domain::UseCase;
use immohub_store::{Lease, Store, StoreError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::{PartnerConfig, SyncOptions};
use crate::source::ErpRead;
use crate::stammdaten::{Progress, RunSummary, SyncError, sync_leerstaende, sync_stammdaten};

/// Time to live of a run lease; the holder renews it every third of that while the run lasts.
pub const DEFAULT_LEASE_TTL: Duration = Duration::seconds(60);

/// The use cases [`EngineLauncher`] can run.
pub const AVAILABLE_USE_CASES: &[UseCase] = &[UseCase::Stammdaten, UseCase::Leerstaende];

/// What started a run (stored as the run's `trigger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// The scheduler, because the use case was due.
    Schedule,
    /// A person, on the command line.
    Manual,
    /// A partner, through the partner API.
    Api,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Api => "api",
        }
    }
}

/// Why a run was not started (or failed).
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The same use case of the same connection is running (its lease is held).
    #[error(
        "{use_case_de} für {connection} läuft bereits (seit {since_de}, Instanz {holder})",
        use_case_de = use_case.label_de(),
        since_de = berlin_time(*since)
    )]
    AlreadyRunning {
        connection: String,
        use_case: UseCase,
        /// The instance running it.
        holder: String,
        /// When it started.
        since: DateTime<Utc>,
    },
    /// No such partner connection.
    #[error("Partner „{0}“ ist nicht konfiguriert")]
    UnknownConnection(String),
    /// The use case exists in the catalogue but this version cannot run it yet.
    #[error(
        "Use Case „{}“ ({}) ist in dieser Version noch nicht verfügbar (verfügbar: {})",
        .0.as_str(),
        .0.label_de(),
        AVAILABLE_USE_CASES.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ")
    )]
    Unsupported(UseCase),
    /// The hub store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The run started but failed as a whole.
    #[error("{message}")]
    Failed {
        run_id: Option<i64>,
        message: String,
    },
}

impl From<SyncError> for LaunchError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(e) => LaunchError::Store(e),
            SyncError::Run { run_id, .. } => LaunchError::Failed {
                run_id: Some(run_id),
                message: e.to_string(),
            },
        }
    }
}

/// `12.05.2026 02:00:03` in Europe/Berlin.
fn berlin_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Berlin)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

/// Starts runs. Implemented by [`EngineLauncher`]; the scheduler and the partner API hold it as
/// `Arc<dyn RunLauncher>`.
#[async_trait]
pub trait RunLauncher: Send + Sync {
    /// Starts a run of `use_case` for `connection` and returns its run ID as soon as it is in
    /// the protocol; the run goes on in the background. Refused with
    /// [`LaunchError::AlreadyRunning`] while the same run is in progress anywhere.
    async fn launch(
        &self,
        connection: &str,
        use_case: UseCase,
        trigger: Trigger,
    ) -> Result<i64, LaunchError>;
}

/// A held run lease, renewed in the background until [`LeaseGuard::release`] (or dropped, after
/// which it expires by itself).
pub struct LeaseGuard {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    lease: Lease,
    renewer: JoinHandle<()>,
}

impl std::fmt::Debug for LeaseGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseGuard")
            .field("lease", &self.lease)
            .finish()
    }
}

impl LeaseGuard {
    /// Takes the lease of (connection, use case) for `holder`, or says who holds it.
    pub async fn acquire(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        connection: &str,
        use_case: UseCase,
        holder: &str,
        ttl: Duration,
    ) -> Result<LeaseGuard, LaunchError> {
        // Twice: a lease released between the failed take and the look-up is free again.
        for _ in 0..2 {
            let now = clock.now();
            if let Some(lease) = store
                .try_acquire_lease(connection, use_case, holder, now, ttl)
                .await?
            {
                let renewer = tokio::spawn(renew(store.clone(), clock.clone(), lease.clone(), ttl));
                return Ok(LeaseGuard {
                    store,
                    clock,
                    lease,
                    renewer,
                });
            }
            if let Some(held) = store.lease(connection, use_case).await?
                && held.is_active(clock.now())
            {
                return Err(LaunchError::AlreadyRunning {
                    connection: connection.to_owned(),
                    use_case,
                    holder: held.holder,
                    since: held.acquired_at,
                });
            }
        }
        Err(LaunchError::Failed {
            run_id: None,
            message: format!(
                "Lauf-Sperre für {} von {connection} nicht erhältlich",
                use_case.label_de()
            ),
        })
    }

    /// The lease as acquired.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// Stops renewing and frees the lease.
    pub async fn release(self) {
        self.renewer.abort();
        if let Err(e) = self
            .store
            .release_lease(&self.lease, self.clock.now())
            .await
        {
            tracing::warn!(
                connection = %self.lease.connection,
                use_case = %self.lease.use_case,
                error = %e,
                "Lauf-Sperre nicht freigegeben; sie läuft von selbst ab"
            );
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

/// Renews the lease every third of its time to live (real time) until aborted or lost.
async fn renew(store: Arc<dyn Store>, clock: Arc<dyn Clock>, lease: Lease, ttl: Duration) {
    let every = (ttl / 3)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(20))
        .max(std::time::Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        match store.renew_lease(&lease, clock.now(), ttl).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::error!(
                    connection = %lease.connection,
                    use_case = %lease.use_case,
                    "Lauf-Sperre verloren (abgelaufen und übernommen); der Lauf kann sich \
                     mit einem anderen überschneiden"
                );
                return;
            }
            Err(e) => tracing::warn!(
                connection = %lease.connection,
                use_case = %lease.use_case,
                error = %e,
                "Lauf-Sperre nicht verlängert; neuer Versuch"
            ),
        }
    }
}

/// Runs the engine's use cases for the configured partner connections, under run leases.
///
/// Cheap to clone (shared state).
#[derive(Clone)]
pub struct EngineLauncher {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    store: Arc<dyn Store>,
    erp: Arc<dyn ErpRead>,
    clock: Arc<dyn Clock>,
    partners: BTreeMap<String, PartnerConfig>,
    holder: String,
    lease_ttl: Duration,
    options: SyncOptions,
    after_run: Option<Arc<dyn AfterRun>>,
    runners: Vec<(UseCase, Arc<dyn UseCaseRunner>)>,
}

/// A use case whose run lives outside the engine because it needs the application's
/// transports and credentials, e.g. `interessenten`: pick up the partner's feedback files, then
/// write the due prospects into the ERP. The launcher runs it like its own: under the run
/// lease, by schedule, by hand or through the partner API.
#[async_trait::async_trait]
pub trait UseCaseRunner: Send + Sync {
    /// Runs the use case for `connection` to the end; calls `progress.run_started` once its
    /// protocol run exists.
    async fn run(
        &self,
        connection: &PartnerConfig,
        trigger: &str,
        progress: &dyn Progress,
    ) -> Result<RunSummary, LaunchError>;
}

/// Work that follows a successful run of a use case under the same run lease, e.g. the
/// OpenImmo file exports after a vacancy sync (VAC-4). Its messages become run errors of a
/// separate protocol run; they never undo the sync.
#[async_trait::async_trait]
pub trait AfterRun: Send + Sync {
    /// Called after `use_case` ran for `connection`; returns lines for the person who started
    /// the run (German), e.g. "OpenImmo-Datei … an sftp://… (3 Angebote, 1 Löschung)".
    async fn after_run(&self, connection: &str, use_case: UseCase, trigger: &str) -> Vec<String>;
}

impl std::fmt::Debug for EngineLauncher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineLauncher")
            .field("holder", &self.inner.holder)
            .field("partners", &self.inner.partners.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl EngineLauncher {
    /// A launcher for `partners`; `holder` names this instance in run leases (e.g.
    /// `host-1/4711`).
    pub fn new(
        store: Arc<dyn Store>,
        erp: Arc<dyn ErpRead>,
        clock: Arc<dyn Clock>,
        partners: Vec<PartnerConfig>,
        holder: impl Into<String>,
    ) -> Self {
        EngineLauncher {
            inner: Arc::new(Inner {
                store,
                erp,
                clock,
                partners: partners.into_iter().map(|p| (p.name.clone(), p)).collect(),
                holder: holder.into(),
                lease_ttl: DEFAULT_LEASE_TTL,
                options: SyncOptions::default(),
                after_run: None,
                runners: Vec::new(),
            }),
        }
    }

    /// Work after each successful run (see [`AfterRun`]). Call before sharing.
    pub fn with_after_run(self, hook: Arc<dyn AfterRun>) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.after_run = Some(hook);
        EngineLauncher {
            inner: Arc::new(inner),
        }
    }

    /// Runs `use_case` with `runner` (see [`UseCaseRunner`]). Call before sharing.
    pub fn with_runner(self, use_case: UseCase, runner: Arc<dyn UseCaseRunner>) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.runners.retain(|(u, _)| *u != use_case);
        inner.runners.push((use_case, runner));
        EngineLauncher {
            inner: Arc::new(inner),
        }
    }

    /// Sets the lease time to live (default [`DEFAULT_LEASE_TTL`]) and the run options
    /// (batch size, …; `trigger` and `full` are set per run). Call before sharing.
    pub fn configured(self, lease_ttl: Duration, options: SyncOptions) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.lease_ttl = lease_ttl;
        inner.options = options;
        EngineLauncher {
            inner: Arc::new(inner),
        }
    }

    /// The name of this instance in run leases.
    pub fn holder(&self) -> &str {
        &self.inner.holder
    }

    /// Can the engine itself run `use_case` (without a [`UseCaseRunner`])?
    pub fn supports(use_case: UseCase) -> bool {
        AVAILABLE_USE_CASES.contains(&use_case)
    }

    /// Can this launcher run `use_case`, by the engine or by a registered runner?
    pub fn can_run(&self, use_case: UseCase) -> bool {
        Self::supports(use_case) || self.runner(use_case).is_some()
    }

    fn runner(&self, use_case: UseCase) -> Option<&Arc<dyn UseCaseRunner>> {
        self.inner
            .runners
            .iter()
            .find(|(u, _)| *u == use_case)
            .map(|(_, r)| r)
    }

    /// Runs `use_case` for `connection` to the end, under the run lease; `full` reads everything
    /// (see [`SyncOptions::full`]).
    pub async fn run(
        &self,
        connection: &str,
        use_case: UseCase,
        trigger: Trigger,
        full: bool,
        progress: &dyn Progress,
    ) -> Result<RunSummary, LaunchError> {
        let inner = &self.inner;
        let partner = inner
            .partners
            .get(connection)
            .ok_or_else(|| LaunchError::UnknownConnection(connection.to_owned()))?;
        if !self.can_run(use_case) {
            return Err(LaunchError::Unsupported(use_case));
        }
        let guard = LeaseGuard::acquire(
            inner.store.clone(),
            inner.clock.clone(),
            connection,
            use_case,
            &inner.holder,
            inner.lease_ttl,
        )
        .await?;
        let opts = SyncOptions {
            trigger: trigger.as_str().to_owned(),
            full,
            ..inner.options.clone()
        };
        let result = match use_case {
            UseCase::Stammdaten => sync_stammdaten(
                inner.store.as_ref(),
                inner.erp.as_ref(),
                partner,
                inner.clock.as_ref(),
                &opts,
                progress,
            )
            .await
            .map_err(LaunchError::from),
            UseCase::Leerstaende => sync_leerstaende(
                inner.store.as_ref(),
                inner.erp.as_ref(),
                partner,
                inner.clock.as_ref(),
                &opts,
                progress,
            )
            .await
            .map_err(LaunchError::from),
            other => match self.runner(other) {
                Some(r) => r.run(partner, &opts.trigger, progress).await,
                None => Err(LaunchError::Unsupported(other)),
            },
        };
        let result = match (result, &inner.after_run) {
            (Ok(mut summary), Some(hook)) => {
                summary
                    .notes
                    .extend(hook.after_run(connection, use_case, &opts.trigger).await);
                Ok(summary)
            }
            (r, _) => r,
        };
        guard.release().await;
        result
    }
}

/// Passes the run ID on as soon as the run is in the protocol.
struct Started(Mutex<Option<oneshot::Sender<i64>>>);

impl Progress for Started {
    fn run_started(&self, run_id: i64) {
        if let Some(tx) = self.0.lock().ok().and_then(|mut g| g.take()) {
            let _ = tx.send(run_id);
        }
    }
}

#[async_trait]
impl RunLauncher for EngineLauncher {
    async fn launch(
        &self,
        connection: &str,
        use_case: UseCase,
        trigger: Trigger,
    ) -> Result<i64, LaunchError> {
        let (tx, rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let this = self.clone();
        let connection = connection.to_owned();
        tokio::spawn(async move {
            let started = Started(Mutex::new(Some(tx)));
            let result = this
                .run(&connection, use_case, trigger, false, &started)
                .await;
            match &result {
                Ok(s) => tracing::info!(
                    partner = %connection,
                    use_case = %use_case,
                    trigger = trigger.as_str(),
                    run = s.run_id,
                    status = s.status.as_str(),
                    sent = s.counts.sent,
                    failed = s.counts.failed,
                    "Lauf beendet"
                ),
                Err(e) => tracing::error!(
                    partner = %connection,
                    use_case = %use_case,
                    trigger = trigger.as_str(),
                    error = %e,
                    "Lauf fehlgeschlagen"
                ),
            }
            // Nobody listens once the run had started; before that, the caller gets the error.
            let _ = done_tx.send(result.err());
        });
        match rx.await {
            Ok(run_id) => Ok(run_id),
            // The run ended before it was in the protocol: its error says why.
            Err(_) => match done_rx.await {
                Ok(Some(e)) => Err(e),
                _ => Err(LaunchError::Failed {
                    run_id: None,
                    message: "Lauf wurde nicht gestartet".to_owned(),
                }),
            },
        }
    }
}
