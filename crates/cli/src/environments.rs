//! Environments (GEN-4): which environment a use case runs in, `usecase switch|list`, and the
//! switches in the protocol.
//!
//! A partner's production environment is the store connection `NAME`, its test environment
//! the connection `NAME@test` (enabled by `[partner.test] enabled = true`). Per partner and use
//! case the active environment is stored once the use case first runs (pinned to the default:
//! test when enabled, else production), so that enabling the test environment later never
//! moves a use case that already runs in production. After that only `usecase switch` changes
//! it, and every switch is recorded in the protocol.

use std::path::Path;

use anyhow::bail;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use immohub_store::{
    Environment, EnvironmentStore, EnvironmentSwitch, NewSwitch, Store, SwitchFilter,
};

use crate::app::App;
use crate::config::PartnerEntry;
use crate::{UsecaseListArgs, UsecaseSwitchArgs};

/// The use cases that have environments.
pub const USE_CASES: &[&str] = &[immohub_engine::stammdaten::USE_CASE];

fn check_use_case(use_case: &str) -> anyhow::Result<()> {
    if !USE_CASES.contains(&use_case) {
        bail!(
            "unbekannter Use Case „{use_case}“ (verfügbar: {})",
            USE_CASES.join(", ")
        );
    }
    Ok(())
}

/// The active environment: stored, else the default of the configuration.
async fn active(
    app: &App,
    p: &PartnerEntry,
    use_case: &str,
) -> anyhow::Result<(Environment, bool)> {
    Ok(
        match app.store.active_environment(&p.name, use_case).await? {
            Some(a) => (a.environment, true),
            None => (p.default_environment(), false),
        },
    )
}

/// The environment a run of `use_case` for `p` uses: `explicit` (`--env`), else the active
/// one, which a first run pins. A disabled test environment is a clear error.
pub(crate) async fn run_environment(
    app: &App,
    p: &PartnerEntry,
    use_case: &str,
    explicit: Option<Environment>,
) -> anyhow::Result<Environment> {
    let env = match explicit {
        Some(env) => env,
        None => {
            let (env, stored) = active(app, p, use_case).await?;
            if stored || (env == Environment::Test && !p.test_enabled()) {
                env
            } else {
                app.store.pin_environment(&p.name, use_case, env).await?
            }
        }
    };
    if env == Environment::Test && !p.test_enabled() {
        if explicit.is_some() {
            bail!(
                "Die Testumgebung von {0} ist ausgeschaltet: in immohub.toml beim Partner {0} \
                 einen Abschnitt [partner.test] mit enabled = true anlegen (GEN-4)",
                p.name
            );
        }
        bail!(
            "{use_case} von {0} ist auf die Testumgebung geschaltet, die aber ausgeschaltet ist: \
             sie wieder einschalten ([partner.test] enabled = true) oder `immohub usecase switch \
             --partner {0} --use-case {use_case} --to production` (GEN-4)",
            p.name
        );
    }
    Ok(env)
}

/// Who switches: `--by`, else the operating-system user (environment, else the account of
/// the process's user ID).
fn who(by: Option<&str>) -> String {
    let clean = |s: String| {
        let s: String = s.trim().chars().take(100).collect();
        (!s.is_empty()).then_some(s)
    };
    by.map(str::to_owned)
        .and_then(clean)
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok().and_then(clean))
        })
        .or_else(account_name)
        .unwrap_or_else(|| "unbekannt".to_owned())
}

/// The login name of this process's user ID from `/etc/passwd` (Unix; no environment needed,
/// e.g. under cron or in a container).
fn account_name() -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            (fields.nth(1)? == uid).then(|| name.to_owned())
        })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// `immohub usecase switch --partner NAME --use-case stammdaten --to production|test`.
pub async fn switch(config_path: &Path, a: &UsecaseSwitchArgs) -> anyhow::Result<()> {
    check_use_case(&a.use_case)?;
    let app = App::open(config_path).await?;
    let p = app.config.partner(&a.partner)?;
    let to = Environment::from(a.to);
    if to == Environment::Test && !p.test_enabled() {
        bail!(
            "Umschalten auf test nicht möglich: die Testumgebung von {0} ist ausgeschaltet \
             ([partner.test] enabled = true beim Partner {0}) (GEN-4)",
            p.name
        );
    }
    let (from, _) = active(&app, p, &a.use_case).await?;
    if from == to {
        println!(
            "{} von {} läuft bereits in {} ({}) – nichts umgeschaltet.",
            a.use_case,
            p.name,
            to.label_de(),
            p.connection(to)
        );
        return Ok(());
    }
    let by = who(a.by.as_deref());
    let s = app
        .store
        .switch_environment(&NewSwitch {
            partner: p.name.clone(),
            use_case: a.use_case.clone(),
            from,
            to,
            by,
            at: Utc::now(),
        })
        .await?;
    println!(
        "{} von {} umgeschaltet: {} → {} (durch {}, {}; im Protokoll als Lauf {}).",
        s.use_case,
        s.partner,
        s.from,
        s.to,
        s.by,
        berlin(s.at),
        s.run_id
    );
    println!("Nächste Läufe nutzen die Verbindung {}.", p.connection(to));
    Ok(())
}

/// `immohub usecase list [--partner NAME]`.
pub async fn list(config_path: &Path, a: &UsecaseListArgs) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let partners: Vec<&PartnerEntry> = match &a.partner {
        Some(name) => vec![app.config.partner(name)?],
        None => app.config.partners.iter().collect(),
    };
    if partners.is_empty() {
        println!("Keine Partner konfiguriert.");
        return Ok(());
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "Partner",
        "Use Case",
        "Aktive Umgebung",
        "Verbindung",
        "Festgelegt",
        "Testumgebung",
    ]);
    for p in partners {
        for use_case in USE_CASES {
            let stored = app.store.active_environment(&p.name, use_case).await?;
            let (env, since) = match &stored {
                Some(s) => (s.environment, format!("seit {}", berlin(s.updated_at))),
                None => (
                    p.default_environment(),
                    "Vorgabe (noch kein Lauf)".to_owned(),
                ),
            };
            t.add_row(vec![
                p.name.clone(),
                (*use_case).to_owned(),
                env.as_str().to_owned(),
                p.connection(env),
                since,
                if p.test_enabled() {
                    "eingeschaltet"
                } else {
                    "ausgeschaltet"
                }
                .to_owned(),
            ]);
        }
    }
    println!("{t}");
    Ok(())
}

/// The protocol's list of switches (GEN-4), for the same partner and period as the runs.
pub(crate) async fn print_switches(store: &dyn Store, filter: &SwitchFilter) -> anyhow::Result<()> {
    let switches = store.environment_switches(filter).await?;
    if switches.is_empty() {
        return Ok(());
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "Zeit", "Partner", "Use Case", "von", "nach", "durch", "Lauf",
    ]);
    for s in &switches {
        t.add_row(vec![
            berlin(s.at),
            s.partner.clone(),
            s.use_case.clone(),
            s.from.to_string(),
            s.to.to_string(),
            s.by.clone(),
            s.run_id.to_string(),
        ]);
    }
    println!("Umschaltungen zwischen Test und Produktion (GEN-4):");
    println!("{t}");
    Ok(())
}

/// One line about a switch run (`protocol --run N`).
pub(crate) fn switch_line(s: &EnvironmentSwitch) -> String {
    format!(
        "Umschaltung von {} für {}: {} → {}, durch {} am {}",
        s.use_case,
        s.partner,
        s.from,
        s.to,
        s.by,
        berlin(s.at)
    )
}

/// The use-case column of a run: for switch runs, what was switched.
pub(crate) fn use_case_label(use_case: &str, direction: &str) -> String {
    match Environment::of_switch_direction(direction) {
        Some(to) => format!("{use_case}: Umschaltung → {to}"),
        None => use_case.to_owned(),
    }
}

fn berlin(t: DateTime<Utc>) -> String {
    t.with_timezone(&Berlin)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}
