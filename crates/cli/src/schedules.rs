//! Schedules and run starts (GEN-6): the engine's launcher and scheduler as the commands use
//! them, and `immohub schedule list`.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Berlin;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use immohub_domain::UseCase;
use immohub_engine::{Clock, EngineLauncher, ErpRead, ScheduledJob, SystemClock};
use immohub_store::{ScheduleStore, Store};

use crate::app::App;
use crate::config::{Config, PartnerEntry};

/// The name of this process in run leases: `server.instance`, else host, process ID and a
/// random part (the same name the delivery and write-back claims use).
pub fn instance_name(config: &Config) -> String {
    config.instance()
}

/// The engine's launcher for every configured partner.
pub fn launcher(app: &App, erp: Arc<dyn ErpRead>, clock: Arc<dyn Clock>) -> EngineLauncher {
    EngineLauncher::new(
        app.store.clone() as Arc<dyn Store>,
        erp,
        clock.clone(),
        // Production `NAME` and, where switched on, test `NAME@test` (GEN-4).
        app.config
            .partners
            .iter()
            .flat_map(|p| {
                let mut configs = vec![p.engine_config()];
                if p.test_enabled() {
                    configs.push(p.engine_config_for(immohub_store::Environment::Test));
                }
                configs
            })
            .collect(),
        instance_name(&app.config),
    )
    .with_after_run(Arc::new(crate::openimmo::ExportHook::new(
        app,
        clock.clone(),
        app.vault(),
    )))
    .with_runner(
        UseCase::Interessenten,
        Arc::new(crate::inbound::InteressentenRunner {
            store: app.store.clone(),
            vault: app.vault(),
            config: app.config.clone(),
            clock,
        }),
    )
}

/// Does this version run `use_case` for partner `p` by schedule? The engine's own use cases
/// for every partner; `interessenten` (feedback pickup and write-back) for partners with a
/// technical ERP user (GEN-3). Accepted tenants (`mieter`) are written continuously by the
/// worker of `serve`, not by schedule.
pub fn runs_here(p: &PartnerEntry, use_case: UseCase) -> bool {
    EngineLauncher::supports(use_case)
        || (use_case == UseCase::Interessenten && p.technical_user.is_some())
}

/// Why [`runs_here`] is false, for `schedule list` and `check`.
pub fn not_here_de(use_case: UseCase) -> &'static str {
    match use_case {
        UseCase::Interessenten => "ohne technischen ERP-Benutzer (technical_user) nicht möglich",
        UseCase::Mieter => "läuft laufend im Hintergrund von serve, nicht nach Zeitplan",
        _ => "in dieser Version noch nicht verfügbar",
    }
}

/// The scheduled use cases of every partner: those this version can run, not manual.
/// The configuration is valid (checked when loaded), so every schedule parses.
pub fn jobs(config: &Config) -> anyhow::Result<Vec<ScheduledJob>> {
    let mut jobs = Vec::new();
    for p in &config.partners {
        for s in p.schedules()? {
            if runs_here(p, s.use_case) && !s.schedule.is_manual() {
                jobs.push(ScheduledJob {
                    connection: p.name.clone(),
                    use_case: s.use_case,
                    schedule: s.schedule,
                });
            }
        }
    }
    Ok(jobs)
}

/// `Di 05.05.2026 02:00` in Europe/Berlin.
fn berlin(t: DateTime<Utc>) -> String {
    const DAYS: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
    let local = t.with_timezone(&Berlin);
    format!(
        "{} {}",
        DAYS[local.weekday().num_days_from_monday() as usize],
        local.format("%d.%m.%Y %H:%M")
    )
}

/// `immohub schedule list`: each partner's use cases with schedule, maximum frequency, next due
/// time (Europe/Berlin) and whether a run is in progress.
pub async fn list(config_path: &Path) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let store = app.store.as_ref();
    let now = SystemClock.now();
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "Partner",
        "Use Case",
        "Richtung",
        "Zeitplan",
        "Erlaubt",
        "Nächster Lauf (Berlin)",
        "Status",
    ]);
    for p in &app.config.partners {
        for s in p.schedules()? {
            let available = runs_here(p, s.use_case);
            if !available && !s.configured {
                continue;
            }
            let schedule = format!(
                "{}{}",
                s.schedule,
                if s.configured { "" } else { " (Vorgabe)" }
            );
            let state = store.schedule_state(&p.name, s.use_case).await?;
            let next = if !available {
                "–".to_owned()
            } else if s.schedule.is_manual() {
                "nur von Hand".to_owned()
            } else {
                // What `serve` keeps (also a time missed while it was down), else the next time.
                let kept = state
                    .filter(|st| st.schedule == s.schedule.to_string())
                    .and_then(|st| st.next_due_at);
                match kept.or_else(|| s.schedule.next_after(now)) {
                    Some(at) if at <= now => {
                        format!("{} (überfällig, läuft beim nächsten Takt)", berlin(at))
                    }
                    Some(at) => berlin(at),
                    None => "–".to_owned(),
                }
            };
            let status = if !available {
                not_here_de(s.use_case).to_owned()
            } else {
                match store.lease(&p.name, s.use_case).await? {
                    Some(l) if l.is_active(now) => format!(
                        "läuft seit {} (Instanz {})",
                        berlin(l.acquired_at),
                        l.holder
                    ),
                    _ => String::new(),
                }
            };
            t.add_row(vec![
                p.name.clone(),
                s.use_case.label_de().to_owned(),
                s.use_case.direction().label_de().to_owned(),
                schedule,
                s.use_case.max_frequency().label_de(),
                next,
                status,
            ]);
        }
    }
    if app.config.partners.is_empty() {
        println!("Keine Partner konfiguriert.");
        return Ok(());
    }
    println!("{t}");
    Ok(())
}
