//! The commands.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use futures::StreamExt;
use immohub_domain::ErpEntity;
use immohub_domain::UseCase;
use immohub_domain::profile::FeedKind;
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{
    Clock, EngineLauncher, ErpRead, LaunchError, RunLauncher, Scheduler, SystemClock, Trigger,
};
use immohub_store::{
    Environment, EnvironmentStore, InboxKind, Run, RunFilter, Store, SwitchFilter,
};

use crate::app::{App, DISABLED, UNSET, ensure_sqlite_dir};
use crate::progress::Bars;
use crate::{DemoArgs, ProtocolArgs, ServeArgs, SyncRunArgs};

/// `immohub demo`: demo ERP, configuration, API key.
pub async fn demo(config_path: &Path, a: &DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("Datenverzeichnis {} nicht anlegbar", a.data_dir.display()))?;
    let erp_path = a.data_dir.join("demo-erp.db");
    if erp_path.exists() && !a.force {
        println!(
            "Demo-ERP {} existiert bereits (neu anlegen mit --force).",
            erp_path.display()
        );
        // An older demo ERP gets the interface tables immohub writes into.
        immohub_erp::demo::ensure_interface_tables(&erp_path)
            .await
            .context("Schnittstellentabellen des Demo-ERP")?;
    } else {
        if a.force {
            for suffix in ["", "-wal", "-shm"] {
                let p = format!("{}{suffix}", erp_path.display());
                let _ = std::fs::remove_file(p);
            }
        }
        let started = std::time::Instant::now();
        let summary = immohub_erp::demo::create_demo(
            &erp_path,
            immohub_erp::demo::DemoOptions {
                units: a.units,
                ..Default::default()
            },
        )
        .await
        .context("Demo-ERP anlegen")?;
        let counts: Vec<String> = summary
            .counts
            .iter()
            .map(|(e, n)| format!("{}: {n}", e.label_de()))
            .collect();
        println!(
            "Demo-ERP angelegt: {} in {:.1} s – {}",
            erp_path.display(),
            started.elapsed().as_secs_f64(),
            counts.join(", ")
        );
        if !summary.invalid.is_empty() {
            println!("Absichtlich fehlerhafte Datensätze (wie in jedem echten ERP):");
            for r in &summary.invalid {
                println!(
                    "  {} {}: Feld „{}“ – {}",
                    r.entity.label_de(),
                    r.key,
                    r.field,
                    r.reason
                );
            }
        }
    }

    let erp_url = format!("sqlite:{}", erp_path.display());
    if config_path.exists() && !a.force {
        println!(
            "Konfiguration {} existiert bereits; sie bleibt unverändert.",
            config_path.display()
        );
    } else {
        let mapping = immohub_erp::Mapping::demo()?;
        let erp = immohub_erp::ErpSource::connect(&erp_url, mapping).await?;
        let mut clients = Vec::new();
        let mut rows = ErpRead::rows(&erp, ErpEntity::Client, None);
        while let Some(r) = rows.next().await {
            let r = r.map_err(anyhow::Error::msg)?;
            if let Some(c) = r.get("client_no") {
                clients.push(format!("\"{c}\""));
            }
        }
        drop(rows);
        let store_url = format!("sqlite:{}", a.data_dir.join("immohub.db").display());
        let text = DEMO_CONFIG
            .replace("{store_url}", &store_url)
            .replace(
                "{master_key_file}",
                &a.data_dir.join("master.key").display().to_string(),
            )
            .replace("{erp_url}", &erp_url)
            .replace(
                "{documents_dir}",
                &immohub_erp::demo::demo_documents_dir(&erp_path)
                    .display()
                    .to_string(),
            )
            .replace("{clients}", &clients.join(", "));
        let openimmo_dir = a.data_dir.join("openimmo");
        std::fs::create_dir_all(&openimmo_dir)
            .with_context(|| format!("Verzeichnis {} anlegen", openimmo_dir.display()))?;
        let text = text.replace("{openimmo_dir}", &openimmo_dir.display().to_string());
        let dossier_dir = a.data_dir.join("erp-dossiers");
        let text = text.replace("{dossier_dir}", &dossier_dir.display().to_string());
        std::fs::write(config_path, text)
            .with_context(|| format!("Konfiguration {} nicht schreibbar", config_path.display()))?;
        println!("Konfiguration geschrieben: {}", config_path.display());
    }
    let app = App::open(config_path).await?;
    let key = app.rotate_key("demo").await?;
    println!();
    println!("API-Schlüssel des Partners „demo“ (wird nur jetzt angezeigt):");
    println!("  {key}");
    println!();
    println!(
        "Weiter: immohub serve   (dann: curl -H 'Authorization: Bearer {key}' http://{}/v1/feeds/units)",
        app.config.server.listen
    );
    Ok(())
}

const DEMO_CONFIG: &str = r#"# immohub configuration (written by `immohub demo`).
# Precedence: defaults < this file < environment (IMMOHUB__SECTION__KEY, e.g. IMMOHUB__STORE__URL).
# No secrets here: partner API keys live in the hub store, as hashes (`immohub key rotate --partner NAME`).

[server]
listen = "127.0.0.1:8080"
# Master-data sync for every partner when `serve` starts.
sync_on_start = true

[store]
# sqlite:PATH (default) or postgres://user@host/db for several instances.
url = "{store_url}"

[erp]
# sqlite:PATH, postgres://… or mysql://… — the database with the ERP interface views.
url = "{erp_url}"
# mapping = "erp/my-erp-mapping.toml"   # default: the demo ERP's mapping, built in
# write_url = "…"   # where prospects are written (interface tables); default: url
# Root of the ERP's document store (vacancy photos, floor plans, energy certificates).
documents_dir = "{documents_dir}"
# Where the ERP reads the dossiers of tenants accepted at a partner (TEN-1, POST /v1/tenants).
dossier_dir = "{dossier_dir}"

# [tenants]
# max_file_mb = 100   # largest dossier file (413 above)

# SMTP for share links and staff notices (TEN-3: `immohub staff subscribe NAME`).
# [mail]
# host = "smtp.example.de"
# port = 587
# tls = "starttls"          # none | starttls | tls
# user = "immohub"
# password = "secret:smtp"  # immohub shares mail-password --name smtp
# from = "Vermietung <vermietung@example.de>"

[secrets]
# Master key of the stored partner credentials (`immohub secret set`): IMMOHUB_MASTER_KEY
# (Base64) if set, else this file, created with mode 0600 on first start. Back it up!
master_key_file = "{master_key_file}"

[[partner]]
name = "demo"
# immomio | casavi | everreal | generic
profile = "generic"
# Separator of composite IDs: - _ . / |
separator = "."
# Client numbers (Mandanten) synced to this partner. Empty syncs nothing.
clients = [{clients}]
# Technical ERP user on every record written into the ERP for this partner (GEN-3), e.g.
# "IMMOMIO" or "042". Required for a partner that sends prospects (POST /v1/prospects).
technical_user = "DEMO"
# Schedules per use case, Europe/Berlin (default: the catalogue's, e.g. master data
# "Di, Do, So 02:00"). Also "alle 15 Minuten", "15m", "Mo-Fr 06:30", "cron: 0 2 * * 2,4,0",
# "manuell". `immohub schedule list` shows them with the next run.
# schedules = { stammdaten = "Di, Do, So 02:00" }

# [partner.unit_types]          # usage code -> living | commercial | parking | storage | other
# fallback = "other"
# [partner.unit_types.codes]
# WHG = "living"
# TG = "parking"

# Test environment: connection "demo@test" with its own API key, feeds and credentials; off
# until enabled. clients, separator and unit_types override the values above where given.
# [partner.test]
# enabled = true
# clients = ["1"]

# OpenImmo files after each vacancy run (`immohub sync run leerstaende`, VAC-4): into a
# directory here; kind = "ftp" or "sftp" for a partner's server (docs/FILE-TRANSPORTS.md).
[[partner.openimmo]]
name = "verzeichnis"
company = "Wohnungsbaugenossenschaft Elbufer eG"
openimmo_anid = "DEMO0001"
techn_email = "it@elbufer-eg.example"
target = { kind = "directory", path = "{openimmo_dir}" }
"#;

/// `immohub serve`.
pub async fn serve(config_path: &Path, a: &ServeArgs) -> anyhow::Result<()> {
    if a.demo && !config_path.exists() {
        demo(
            config_path,
            &DemoArgs {
                units: 3000,
                data_dir: "data".into(),
                force: false,
            },
        )
        .await?;
    } else if !config_path.exists() {
        bail!(
            "Konfiguration {} fehlt: `immohub demo` legt eine an (oder `immohub serve --demo`)",
            config_path.display()
        );
    }
    let app = App::open(config_path).await?;
    for (_, opened) in app.check_secrets().await? {
        if let Err(e) = opened {
            eprintln!("Warnung: {e}");
        }
    }
    let listen = a.listen.clone().unwrap_or(app.config.server.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("Adresse {listen} nicht verfügbar"))?;
    let local = listener.local_addr()?;
    println!("immohub hört auf http://{local}  (OpenAPI: http://{local}/openapi.json)");

    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // Restarted under a fixed instance name: the previous incarnation's run leases are void
    // (its runs died with it), so they need not expire first.
    if let Some(name) = &app.config.server.instance {
        let freed =
            immohub_store::ScheduleStore::release_leases_of(app.store.as_ref(), name, clock.now())
                .await?;
        if freed > 0 {
            tracing::warn!(instance = %name, freed, "Laufsperren der vorigen Instanz freigegeben");
        }
    }
    let erp: Arc<dyn ErpRead> = Arc::new(app.erp().await?);
    let launcher = crate::schedules::launcher(&app, erp, clock.clone());
    tracing::info!(instance = %launcher.holder(), "Instanz");

    if app.config.server.sync_on_start {
        // Each partner in the active environment of its master-data use case (GEN-4).
        let mut configs = Vec::new();
        for p in &app.config.partners {
            let use_case = immohub_engine::stammdaten::USE_CASE;
            match crate::environments::run_environment(&app, p, use_case, None).await {
                Ok(env) => configs.push(p.engine_config_for(env)),
                Err(e) => {
                    tracing::error!(partner = %p.name, "Stammdatenabgleich ausgelassen: {e:#}")
                }
            }
        }
        let launcher = launcher.clone();
        tokio::spawn(async move {
            for cfg in configs {
                // Under the run lease, like every run: never overlaps a scheduled one, nor the
                // same run of another instance.
                match launcher
                    .run(
                        &cfg.name,
                        UseCase::Stammdaten,
                        Trigger::Schedule,
                        false,
                        &NoProgress,
                    )
                    .await
                {
                    Ok(s) => {
                        tracing::info!(partner = %cfg.name, run = s.run_id, sent = s.counts.sent, failed = s.counts.failed, "Stammdatenabgleich beendet")
                    }
                    Err(e) => {
                        tracing::error!(partner = %cfg.name, error = %e, "Stammdatenabgleich fehlgeschlagen")
                    }
                }
            }
        });
    }
    let vault: Arc<dyn immohub_engine::Vault> = Arc::new(crate::vault::StoreVault {
        store: app.store.clone(),
        cipher: app.cipher.clone(),
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stopped_shares = stopped.clone();
    // Push delivery to webhook endpoints, and write-back of prospects into the ERP, next to
    // the partner API.
    let delivery = crate::delivery::spawn(
        &app.config.delivery,
        app.config.instance(),
        app.store.clone() as Arc<dyn Store>,
        Arc::clone(&vault),
        stopped.clone(),
    )?;
    let mail = match crate::tenants::mailer(&app).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("[mail] unbrauchbar, keine E-Mails an Mitarbeiter: {e:#}");
            None
        }
    };
    let worker = crate::inbound::spawn_worker(
        app.config.clone(),
        app.store.clone(),
        crate::inbound::WorkerExtras {
            dossiers: crate::tenants::dossiers_dir(&app.data_dir()),
            mail,
        },
        stopped.clone(),
    );
    if app.config.server.scheduler {
        let jobs = crate::schedules::jobs(&app.config)?;
        let scheduler = Scheduler::new(
            app.store.clone() as Arc<dyn Store>,
            clock,
            Arc::new(launcher.clone()) as Arc<dyn RunLauncher>,
            launcher.holder(),
            jobs,
        );
        let mut stopped = stopped;
        tokio::spawn(scheduler.run(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
    }
    let mut state = immohub_api::ApiState::new(app.store.clone() as Arc<dyn Store>)
        .with_vault(vault)
        .with_launcher(Arc::new(launcher) as Arc<dyn RunLauncher>);
    if let Some(d) = crate::tenants::api_settings(&app) {
        state = state.with_dossiers(d);
    }
    // Share rooms (immoCloud): staff API and recipient pages next to the partner API; the
    // ERP receives the tracking as activities when asked or, if configured, automatically.
    let shares = match crate::shares::service(&app, true).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("Datenräume ohne ERP-Aktivitäten: {e:#}");
            crate::shares::service(&app, false).await?
        }
    };
    let shares = Arc::new(shares);
    if app.config.shares.auto_push_activities {
        crate::shares::spawn_push(
            Arc::clone(&shares),
            app.config.shares.push_interval_secs,
            stopped_shares,
        );
    }
    let app_router = immohub_api::router_with(state, immohub_shares::routes(shares));
    immohub_api::serve_router(listener, app_router, async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    })
    .await?;
    // The workers finish the item at hand (a claimed item would otherwise wait for its lease
    // to end); a write cut off here is repeated without a second effect.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), worker).await;
    if let Some(delivery) = delivery {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), delivery).await;
    }
    println!("immohub beendet.");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `immohub sync run stammdaten --partner NAME`: under the run lease; refused while the same
/// run is in progress (GEN-6).
pub async fn sync_run(config_path: &Path, a: &SyncRunArgs) -> anyhow::Result<()> {
    if a.use_case == immohub_engine::writeback::USE_CASE {
        let app = App::open(config_path).await?;
        return crate::inbound::sync_run(&app, a).await;
    }
    if UseCase::parse(&a.use_case) == Some(UseCase::Mieter) {
        let app = App::open(config_path).await?;
        return crate::tenants::sync_run(&app, a).await;
    }
    let use_case: UseCase = a.use_case.parse()?;
    if !EngineLauncher::supports(use_case) {
        bail!(
            "{} (verfügbar: stammdaten, leerstaende, interessenten, mieter)",
            LaunchError::Unsupported(use_case)
        );
    }
    let app = App::open(config_path).await?;
    let partners: Vec<_> = match &a.partner {
        Some(name) => vec![app.config.partner(name)?.clone()],
        None => app.config.partners.clone(),
    };
    if partners.is_empty() {
        bail!("keine Partner konfiguriert");
    }
    let erp: Arc<dyn ErpRead> = Arc::new(app.erp().await?);
    let launcher = crate::schedules::launcher(&app, erp, Arc::new(SystemClock));
    let quiet = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut failed = false;
    let mut refused = Vec::new();
    for p in partners {
        // GEN-4: the use case's active environment, or `--env`.
        let env = crate::environments::run_environment(
            &app,
            &p,
            &a.use_case,
            a.env.map(Environment::from),
        )
        .await?;
        let cfg = p.engine_config_for(env);
        let bars = Bars::new(quiet);
        let s = match launcher
            .run(&cfg.name, use_case, Trigger::Manual, a.full, &bars)
            .await
        {
            Ok(s) => s,
            Err(e @ LaunchError::AlreadyRunning { .. }) => {
                refused.push(e.to_string());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        println!(
            "Lauf {} ({}): {} – {} gelesen, {} gesendet, {} unverändert, {} übersprungen, {} gelöscht, {} Fehler, {:.1} s",
            s.run_id,
            cfg.name,
            status_de(s.status.as_str()),
            s.counts.read,
            s.counts.sent,
            s.counts.unchanged,
            s.counts.skipped,
            s.counts.deleted,
            s.counts.failed,
            (s.ended_at - s.started_at).num_milliseconds() as f64 / 1000.0
        );
        for e in &s.errors {
            println!("  Fehler: {e}");
        }
        for n in &s.notes {
            println!("  {n}");
        }
        failed |= !s.errors.is_empty();
    }
    if !refused.is_empty() {
        bail!("{}", refused.join("; "));
    }
    if failed {
        bail!("mindestens ein Lauf ist fehlgeschlagen (Details: immohub protocol)");
    }
    Ok(())
}

pub(crate) fn status_de(s: &str) -> &'static str {
    match s {
        "running" => "läuft",
        "succeeded" => "erfolgreich",
        "partial" => "teilweise fehlerhaft",
        "failed" => "fehlgeschlagen",
        _ => "unbekannt",
    }
}

pub(crate) fn berlin(t: DateTime<Utc>) -> String {
    t.with_timezone(&Berlin)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

/// Start of a Berlin calendar day in UTC.
fn day_start(d: &str, field: &str) -> anyhow::Result<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(d, "%d.%m.%Y"))
        .with_context(|| format!("--{field}: „{d}“ ist kein Datum (JJJJ-MM-TT)"))?;
    let local = date
        .and_hms_opt(0, 0, 0)
        .and_then(|n| Berlin.from_local_datetime(&n).earliest())
        .with_context(|| format!("--{field}: „{d}“ liegt in keiner gültigen Ortszeit"))?;
    Ok(local.with_timezone(&Utc))
}

/// `immohub protocol`.
pub async fn protocol(config_path: &Path, a: &ProtocolArgs) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let store = app.store.as_ref();
    if let Some(pid) = &a.record {
        let separator = match &a.partner {
            Some(p) => app.config.partner(p)?.separator.as_char(),
            None => '.',
        };
        return record_status(store, a, pid, separator).await;
    }
    if let Some(run_id) = a.run {
        let run = store
            .run(run_id)
            .await?
            .with_context(|| format!("Lauf {run_id} gibt es nicht"))?;
        print_runs(std::slice::from_ref(&run));
        if let Some(s) = store.environment_switch_of_run(run_id).await? {
            println!("{}", crate::environments::switch_line(&s));
            return Ok(());
        }
        let outcomes = store.run_outcomes(run_id, a.limit.max(1)).await?;
        let mut t = table(&[
            "Feed",
            "Partner-ID",
            "ERP-Schlüssel",
            "Ergebnis",
            "Regel",
            "Grund",
        ]);
        for o in &outcomes {
            t.add_row(vec![
                o.feed.label_de().to_owned(),
                o.partner_id.clone().unwrap_or_default(),
                o.erp_key.replace(immohub_domain::raw::KEY_SEP, "/"),
                o.status.label_de().to_owned(),
                o.rule.clone().unwrap_or_default(),
                o.reason.clone().unwrap_or_default(),
            ]);
        }
        println!("{t}");
        println!(
            "({} Datensätze gezeigt, höchstens --limit {})",
            outcomes.len(),
            a.limit
        );
        return Ok(());
    }
    let filter = RunFilter {
        connection: a.partner.clone(),
        use_case: None,
        from: a
            .from
            .as_deref()
            .map(|d| day_start(d, "from"))
            .transpose()?,
        to: a
            .to
            .as_deref()
            .map(|d| day_start(d, "to").map(|t| t + chrono::Duration::days(1)))
            .transpose()?,
        limit: a.limit,
    };
    let runs = store.runs(&filter).await?;
    // GEN-7: the last run at a glance, whatever the date filter; an environment switch
    // (GEN-4) recorded as a run is not a run of a use case.
    let last = store
        .runs(&RunFilter {
            connection: a.partner.clone(),
            limit: 20,
            ..RunFilter::default()
        })
        .await?;
    let last: Vec<&Run> = last
        .iter()
        .filter(|r| Environment::of_switch_direction(&r.direction).is_none())
        .take(1)
        .collect();
    match last.first() {
        Some(last) => println!(
            "Letzter Lauf: {} – {} Datensätze gesendet, {} Fehler ({}; Lauf {}, {}, {})",
            berlin(last.started_at),
            last.counts.sent,
            last.counts.failed + last.errors.len() as i64,
            status_de(last.status.as_str()),
            last.id,
            last.connection,
            last.use_case
        ),
        None => println!("Noch kein Lauf."),
    }
    if runs.is_empty() && !last.is_empty() {
        println!("Keine Läufe im gewählten Zeitraum.");
    }
    print_runs(&runs);
    let switches = SwitchFilter {
        partner: filter
            .connection
            .as_deref()
            .map(|c| Environment::of_connection(c).0.to_owned()),
        from: filter.from,
        to: filter.to,
        limit: a.limit,
    };
    crate::environments::print_switches(store, &switches).await?;
    Ok(())
}

pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header.to_vec());
    t
}

fn print_runs(runs: &[Run]) {
    if runs.is_empty() {
        return;
    }
    let mut t = table(&[
        "Lauf",
        "Start",
        "Dauer",
        "Partner",
        "Use Case",
        "Auslöser",
        "Status",
        "Gelesen",
        "Gesendet",
        "Unverändert",
        "Übersprungen",
        "Gelöscht",
        "Fehler",
    ]);
    for r in runs {
        let dur = r
            .ended_at
            .map(|e| {
                format!(
                    "{:.1} s",
                    (e - r.started_at).num_milliseconds() as f64 / 1000.0
                )
            })
            .unwrap_or_else(|| "–".to_owned());
        t.add_row(vec![
            r.id.to_string(),
            berlin(r.started_at),
            dur,
            r.connection.clone(),
            crate::environments::use_case_label(&r.use_case, &r.direction),
            r.trigger.clone(),
            status_de(r.status.as_str()).to_owned(),
            r.counts.read.to_string(),
            r.counts.sent.to_string(),
            r.counts.unchanged.to_string(),
            r.counts.skipped.to_string(),
            r.counts.deleted.to_string(),
            (r.counts.failed + r.errors.len() as i64).to_string(),
        ]);
    }
    println!("{t}");
    for r in runs {
        for e in &r.errors {
            println!("Lauf {}: {e}", r.id);
        }
    }
}

async fn record_status(
    store: &dyn Store,
    a: &ProtocolArgs,
    pid: &str,
    separator: char,
) -> anyhow::Result<()> {
    let feed = FeedKind::parse(&a.feed).with_context(|| {
        format!(
            "--feed: „{}“ ist kein Feed (möglich: {})",
            a.feed,
            FeedKind::ALL
                .into_iter()
                .chain(FeedKind::INBOUND)
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let partner = a
        .partner
        .as_deref()
        .context("--partner fehlt: der Status eines Datensatzes gilt je Partnerverbindung")?;
    if feed == FeedKind::Prospect {
        return crate::inbound::prospect_status(store, partner, InboxKind::Prospect, pid, a.limit)
            .await;
    }
    if feed == FeedKind::AcceptedTenant {
        return crate::inbound::prospect_status(store, partner, InboxKind::Tenant, pid, a.limit)
            .await;
    }
    let state = match store.record_by_partner_id(partner, feed, pid).await? {
        Some(s) => Some(s),
        // A record that was never sent has no partner ID: accept its ERP numbers joined by
        // the partner's separator (1.100007) and look it up by ERP key.
        None => {
            let erp_key = pid
                .split(separator)
                .collect::<Vec<_>>()
                .join(&immohub_domain::raw::KEY_SEP.to_string());
            store
                .record_states(partner, feed, &[erp_key])
                .await?
                .into_iter()
                .next()
        }
    }
    .with_context(|| format!("{} {pid} ist für {partner} nicht bekannt", feed.label_de()))?;
    println!(
        "{} {pid} bei {partner}: {} (Version {}, Stand {}){}",
        feed.label_de(),
        state.status.label_de(),
        state.version,
        berlin(state.updated_at),
        state
            .reason
            .as_deref()
            .map(|r| format!(" – {r}"))
            .unwrap_or_default()
    );
    let hist = store
        .outcomes(partner, feed, &state.erp_key, a.limit.max(1))
        .await?;
    let mut t = table(&["Lauf", "Zeit", "Ergebnis", "Regel", "Grund"]);
    for o in hist {
        t.add_row(vec![
            o.run_id.to_string(),
            berlin(o.at),
            o.status.label_de().to_owned(),
            o.rule.unwrap_or_default(),
            o.reason.unwrap_or_default(),
        ]);
    }
    println!("{t}");
    Ok(())
}

/// `immohub check`.
pub async fn check(config_path: &Path) -> anyhow::Result<()> {
    let mut ok = true;
    println!(
        "Konfiguration: {}",
        if config_path.exists() {
            config_path.display().to_string()
        } else {
            format!("{} fehlt – eingebaute Vorgaben", config_path.display())
        }
    );
    let config = crate::config::Config::load(config_path)?;
    config.validate()?;
    println!("  ✓ gültig, {} Partner", config.partners.len());
    for p in &config.partners {
        for s in p.schedules()? {
            let available = crate::schedules::runs_here(p, s.use_case);
            if available {
                println!(
                    "  ✓ Partner {}: {} {}{}",
                    p.name,
                    s.use_case.label_de(),
                    s.schedule,
                    if s.configured { "" } else { " (Vorgabe)" }
                );
            } else if s.configured {
                println!(
                    "  ! Partner {}: Zeitplan für {} gesetzt, läuft aber nicht: {}",
                    p.name,
                    s.use_case.label_de(),
                    crate::schedules::not_here_de(s.use_case)
                );
            }
        }
        if p.clients.is_empty() {
            println!(
                "  ! Partner {}: keine Mandanten freigegeben – es wird nichts übertragen (GEN-2)",
                p.name
            );
        }
    }
    ensure_sqlite_dir(&config.store.url)?;
    match App::open(config_path).await {
        Ok(app) => {
            println!(
                "  ✓ Hub-Datenbank ({}) erreichbar, Migrationen aktuell",
                app.store.backend()
            );
            for c in app.store.connections().await? {
                let key = if c.api_key_hash.starts_with(DISABLED) {
                    "ausgeschaltet, API-Schlüssel ungültig (GEN-4)"
                } else if c.api_key_hash.starts_with(UNSET) {
                    "kein API-Schlüssel (immohub key rotate)"
                } else {
                    "API-Schlüssel gesetzt"
                };
                println!(
                    "  ✓ Partner {} ({}), Mandanten [{}], {key}",
                    c.name,
                    c.profile,
                    c.clients.join(", ")
                );
            }
            println!("Zugangsdaten (GEN-5):");
            match crate::secrets::check_lines(&app).await {
                Ok(true) => {}
                Ok(false) => ok = false,
                Err(e) => {
                    ok = false;
                    println!("  ✗ {e:#}");
                }
            }
            match app.erp().await {
                Ok(erp) => match erp.check().await {
                    Ok(lines) => {
                        println!("  ✓ ERP erreichbar");
                        for l in lines {
                            println!("    {l}");
                        }
                    }
                    Err(e) => {
                        ok = false;
                        println!("  ✗ ERP-Abfragen: {e}");
                    }
                },
                Err(e) => {
                    ok = false;
                    println!("  ✗ {e:#}");
                }
            }
            ok &= crate::inbound::check(&app.config).await;
            ok &= crate::openimmo::check_targets(&app).await;
        }
        Err(e) => {
            ok = false;
            println!("  ✗ {e:#}");
        }
    }
    if !ok {
        bail!("Prüfung fehlgeschlagen");
    }
    Ok(())
}

/// `immohub key rotate --partner NAME [--env test]`.
pub async fn key_rotate(config_path: &Path, partner: &str, env: Environment) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let p = app.config.partner(partner)?;
    if env == Environment::Test && !p.test_enabled() {
        bail!(
            "Die Testumgebung von {partner} ist ausgeschaltet: erst [partner.test] enabled = true \
             in immohub.toml, dann gibt es einen Test-API-Schlüssel (GEN-4)"
        );
    }
    let connection = p.connection(env);
    let key = app.rotate_key(&connection).await?;
    println!(
        "Neuer API-Schlüssel für {connection} (wird nur jetzt angezeigt; der alte gilt nicht mehr):"
    );
    println!("  {key}");
    Ok(())
}
