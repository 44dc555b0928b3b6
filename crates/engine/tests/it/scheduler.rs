//! GEN-6: the scheduler with a controllable clock (no sleeping), and the launcher's run lease.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::{ErpEntity, RawRecord, Schedule, UseCase};
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{
    Clock, EngineLauncher, FixedClock, LaunchError, PartnerConfig, RunLauncher, ScheduledJob,
    Scheduler, Trigger,
};
use immohub_store::{RunFilter, RunStatus, ScheduleStore, SqlStore, Store};

use crate::memory_erp::MemoryErp;

const CONN: &str = "immomio-prod";

fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Berlin
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// Monday, 4 May 2026, 12:00 in Berlin.
fn monday_noon() -> DateTime<Utc> {
    berlin(2026, 5, 4, 12, 0)
}

async fn store(dir: &tempfile::TempDir) -> Arc<SqlStore> {
    let url = format!("sqlite:{}", dir.path().join("hub.db").display());
    Arc::new(immohub_store::open(&url).await.unwrap())
}

/// A launcher that records what it was asked to start.
#[derive(Default)]
struct FakeLauncher {
    calls: Mutex<Vec<(String, UseCase, Trigger)>>,
    next_id: AtomicI64,
    fail_next: AtomicBool,
}

impl FakeLauncher {
    fn count(&self) -> usize {
        self.calls.lock().unwrap().len()
    }
}

#[async_trait]
impl RunLauncher for FakeLauncher {
    async fn launch(
        &self,
        connection: &str,
        use_case: UseCase,
        trigger: Trigger,
    ) -> Result<i64, LaunchError> {
        self.calls
            .lock()
            .unwrap()
            .push((connection.to_owned(), use_case, trigger));
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(LaunchError::Failed {
                run_id: None,
                message: "ERP nicht erreichbar".to_owned(),
            });
        }
        Ok(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

fn stammdaten_job(schedule: &str) -> ScheduledJob {
    ScheduledJob {
        connection: CONN.to_owned(),
        use_case: UseCase::Stammdaten,
        schedule: Schedule::parse(schedule).unwrap(),
    }
}

struct Env {
    _dir: tempfile::TempDir,
    store: Arc<SqlStore>,
    clock: Arc<FixedClock>,
    launcher: Arc<FakeLauncher>,
}

impl Env {
    async fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        Env {
            store: store(&dir).await,
            _dir: dir,
            clock: Arc::new(FixedClock::new(monday_noon())),
            launcher: Arc::new(FakeLauncher::default()),
        }
    }

    fn scheduler(&self, holder: &str, jobs: Vec<ScheduledJob>) -> Scheduler {
        Scheduler::new(
            self.store.clone(),
            self.clock.clone(),
            self.launcher.clone(),
            holder,
            jobs,
        )
    }
}

#[tokio::test]
async fn gen_6_due_run_is_launched_once_then_at_its_next_time() {
    let env = Env::new().await;
    let mut s = env.scheduler("serve-1", vec![stammdaten_job("Di, Do, So 02:00")]);

    // Monday noon: nothing due (next: Tuesday 02:00).
    assert!(s.tick().await.launched.is_empty());
    let state = env
        .store
        .schedule_state(CONN, UseCase::Stammdaten)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.next_due_at, Some(berlin(2026, 5, 5, 2, 0)));
    assert_eq!(state.schedule, "Di, Do, So 02:00");

    env.clock.set(berlin(2026, 5, 5, 1, 59));
    assert!(s.tick().await.launched.is_empty());

    // Tuesday 02:00:05 (the next tick after 02:00): launched, once.
    env.clock
        .set(berlin(2026, 5, 5, 2, 0) + Duration::seconds(5));
    let report = s.tick().await;
    assert_eq!(report.launched, [(CONN.to_owned(), UseCase::Stammdaten, 1)]);
    for _ in 0..3 {
        assert!(s.tick().await.launched.is_empty());
    }
    env.clock.set(berlin(2026, 5, 5, 14, 0));
    assert!(s.tick().await.launched.is_empty());
    assert_eq!(env.launcher.count(), 1);
    assert_eq!(
        env.launcher.calls.lock().unwrap()[0],
        (CONN.to_owned(), UseCase::Stammdaten, Trigger::Schedule)
    );

    // Thursday 02:00: the next one.
    env.clock.set(berlin(2026, 5, 7, 2, 0));
    assert_eq!(s.tick().await.launched.len(), 1);
    assert_eq!(env.launcher.count(), 2);
    let state = env
        .store
        .schedule_state(CONN, UseCase::Stammdaten)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.next_due_at, Some(berlin(2026, 5, 10, 2, 0)));
    assert_eq!(state.claimed_by.as_deref(), Some("serve-1"));
}

#[tokio::test]
async fn gen_6_after_downtime_a_missed_schedule_runs_once() {
    let env = Env::new().await;
    let job = stammdaten_job("Di, Do, So 02:00");
    env.scheduler("serve-1", vec![job.clone()]).tick().await;

    // The instance is down from Monday to the next Monday: Tuesday, Thursday and Sunday passed.
    env.clock.set(berlin(2026, 5, 11, 9, 0));
    let mut restarted = env.scheduler("serve-1", vec![job]);
    let report = restarted.tick().await;
    assert_eq!(report.launched.len(), 1, "{report:?}");
    assert!(restarted.tick().await.launched.is_empty());
    assert_eq!(env.launcher.count(), 1);
    // Next: the first time after now, not after the missed one.
    let state = env
        .store
        .schedule_state(CONN, UseCase::Stammdaten)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.next_due_at, Some(berlin(2026, 5, 12, 2, 0)));
}

#[tokio::test]
async fn gen_6_due_run_waits_while_the_same_run_is_in_progress() {
    let env = Env::new().await;
    let mut s = env.scheduler("serve-1", vec![stammdaten_job("Di, Do, So 02:00")]);
    s.tick().await;

    // A manual run started at 01:50 and is still running at 02:00.
    let manual = env
        .store
        .try_acquire_lease(
            CONN,
            UseCase::Stammdaten,
            "host-2/99",
            berlin(2026, 5, 5, 1, 50),
            Duration::minutes(60),
        )
        .await
        .unwrap()
        .unwrap();
    env.clock.set(berlin(2026, 5, 5, 2, 0));
    let report = s.tick().await;
    assert!(report.launched.is_empty());
    assert_eq!(report.waiting, [(CONN.to_owned(), UseCase::Stammdaten)]);
    env.clock.set(berlin(2026, 5, 5, 2, 20));
    assert!(s.tick().await.launched.is_empty());
    assert_eq!(env.launcher.count(), 0);

    // The manual run ends: the scheduled one starts, once.
    env.store
        .release_lease(&manual, berlin(2026, 5, 5, 2, 21))
        .await
        .unwrap();
    env.clock.set(berlin(2026, 5, 5, 2, 21));
    assert_eq!(s.tick().await.launched.len(), 1);
    assert!(s.tick().await.launched.is_empty());
    assert_eq!(env.launcher.count(), 1);
}

#[tokio::test]
async fn gen_6_two_schedulers_on_one_database_start_a_due_run_once() {
    let env = Env::new().await;
    let jobs = vec![stammdaten_job("Di, Do, So 02:00")];
    let mut a = env.scheduler("serve-1", jobs.clone());
    let mut b = env.scheduler("serve-2", jobs);
    a.tick().await;
    b.tick().await;
    env.clock.set(berlin(2026, 5, 5, 2, 0));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    assert_eq!(ra.launched.len() + rb.launched.len(), 1, "{ra:?} {rb:?}");
    assert_eq!(env.launcher.count(), 1);
}

#[tokio::test]
async fn gen_6_a_failed_launch_does_not_stop_the_scheduler() {
    let env = Env::new().await;
    let mut s = env.scheduler(
        "serve-1",
        vec![
            stammdaten_job("Di, Do, So 02:00"),
            ScheduledJob {
                connection: CONN.to_owned(),
                use_case: UseCase::TicketsIn,
                schedule: Schedule::parse("alle 15 Minuten").unwrap(),
            },
            ScheduledJob {
                connection: CONN.to_owned(),
                use_case: UseCase::Leerstaende,
                schedule: Schedule::parse("manuell").unwrap(),
            },
        ],
    );
    assert_eq!(s.jobs().len(), 2, "manual schedules are not scheduled");
    s.tick().await;
    env.launcher.fail_next.store(true, Ordering::SeqCst);
    env.clock.set(berlin(2026, 5, 5, 2, 0));
    let report = s.tick().await;
    // Both due: the first launch fails, the second is started all the same.
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].2.contains("ERP nicht erreichbar"));
    assert_eq!(report.launched.len(), 1, "{report:?}");
    // The next due time of the failed one is its next time; the scheduler goes on.
    env.clock.set(berlin(2026, 5, 5, 2, 15));
    let report = s.tick().await;
    assert_eq!(
        report.launched.iter().map(|l| l.1).collect::<Vec<_>>(),
        [UseCase::TicketsIn]
    );
}

#[tokio::test]
async fn gen_6_a_changed_schedule_gets_a_new_due_time() {
    let env = Env::new().await;
    env.scheduler("serve-1", vec![stammdaten_job("Di, Do, So 02:00")])
        .tick()
        .await;
    let mut s = env.scheduler("serve-1", vec![stammdaten_job("täglich 23:00")]);
    s.tick().await;
    let state = env
        .store
        .schedule_state(CONN, UseCase::Stammdaten)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.schedule, "täglich 23:00");
    assert_eq!(state.next_due_at, Some(berlin(2026, 5, 4, 23, 0)));
}

// --- the engine's launcher ---------------------------------------------------------------------

fn erp() -> Arc<MemoryErp> {
    let erp = MemoryErp::default();
    erp.set(
        ErpEntity::Client,
        vec![
            RawRecord::new()
                .with("client_no", Some("1"))
                .with("name", Some("Genossenschaft")),
        ],
    );
    erp.set(
        ErpEntity::Unit,
        vec![
            RawRecord::new()
                .with("client_no", Some("1"))
                .with("property_no", Some("100"))
                .with("building_no", Some("1"))
                .with("unit_no", Some("1"))
                .with("usage_type", Some("WOHNUNG"))
                .with("rooms", Some("3")),
        ],
    );
    Arc::new(erp)
}

fn partner() -> PartnerConfig {
    PartnerConfig {
        name: CONN.to_owned(),
        profile: PartnerProfile::Generic,
        separator: Default::default(),
        clients: vec!["1".to_owned()],
        unit_types: Default::default(),
        technical_user: None,
    }
}

#[tokio::test]
async fn gen_6_launcher_runs_under_the_lease_and_refuses_a_run_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let clock = Arc::new(FixedClock::new(monday_noon()));
    let launcher = EngineLauncher::new(
        store.clone(),
        erp(),
        clock.clone(),
        vec![partner()],
        "host-1/1",
    );

    // Another instance is running master data for this partner.
    let other = store
        .try_acquire_lease(
            CONN,
            UseCase::Stammdaten,
            "host-2/7",
            monday_noon() - Duration::seconds(30),
            Duration::seconds(60),
        )
        .await
        .unwrap()
        .unwrap();
    let err = launcher
        .launch(CONN, UseCase::Stammdaten, Trigger::Api)
        .await
        .unwrap_err();
    assert!(matches!(err, LaunchError::AlreadyRunning { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Stammdaten für immomio-prod läuft bereits (seit 04.05.2026 11:59:30, Instanz host-2/7)"
    );
    let err = launcher
        .run(
            CONN,
            UseCase::Stammdaten,
            Trigger::Manual,
            false,
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, LaunchError::AlreadyRunning { .. }), "{err:?}");
    // Nothing was recorded: no run overlapped.
    assert!(store.runs(&RunFilter::default()).await.unwrap().is_empty());

    // Free again: the launch answers with the run ID; the run ends and frees the lease.
    store.release_lease(&other, monday_noon()).await.unwrap();
    let run_id = launcher
        .launch(CONN, UseCase::Stammdaten, Trigger::Api)
        .await
        .unwrap();
    let run = wait_for_end(store.as_ref(), run_id).await;
    assert_eq!(run.trigger, "api");
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.counts.sent, 2, "{run:?}");
    let lease = wait_for_free_lease(store.as_ref(), clock.now()).await;
    assert_eq!(lease.holder, "host-1/1");

    // A run to the end in the caller's task (the CLI's `sync run`).
    let summary = launcher
        .run(
            CONN,
            UseCase::Stammdaten,
            Trigger::Manual,
            false,
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(summary.counts.unchanged, 2);
    let lease = store
        .lease(CONN, UseCase::Stammdaten)
        .await
        .unwrap()
        .unwrap();
    assert!(!lease.is_active(clock.now()));
    assert_eq!(
        store.run(summary.run_id).await.unwrap().unwrap().trigger,
        "manual"
    );
}

#[tokio::test]
async fn gen_6_launcher_names_unknown_partners_and_use_cases_not_yet_available() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let launcher = EngineLauncher::new(
        store.clone(),
        erp(),
        Arc::new(FixedClock::new(monday_noon())),
        vec![partner()],
        "host-1/1",
    );
    let err = launcher
        .launch("nobody", UseCase::Stammdaten, Trigger::Api)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Partner „nobody“ ist nicht konfiguriert");
    let err = launcher
        .launch(CONN, UseCase::TicketsIn, Trigger::Api)
        .await
        .unwrap_err();
    assert!(matches!(err, LaunchError::Unsupported(UseCase::TicketsIn)));
    assert!(
        err.to_string()
            .contains("noch nicht verfügbar (verfügbar: stammdaten, leerstaende)")
    );
    assert!(
        store
            .lease(CONN, UseCase::TicketsIn)
            .await
            .unwrap()
            .is_none()
    );
}

async fn wait_for_end(store: &dyn Store, run_id: i64) -> immohub_store::Run {
    for _ in 0..500 {
        let run = store.run(run_id).await.unwrap().unwrap();
        if run.ended_at.is_some() {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("run {run_id} did not end");
}

async fn wait_for_free_lease(store: &dyn Store, now: DateTime<Utc>) -> immohub_store::Lease {
    for _ in 0..500 {
        let lease = store
            .lease(CONN, UseCase::Stammdaten)
            .await
            .unwrap()
            .unwrap();
        if !lease.is_active(now) {
            return lease;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("lease not released");
}
