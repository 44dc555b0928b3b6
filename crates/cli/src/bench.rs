//! `immohub bench stammdaten`: prints figures; never a pass/fail test.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use immohub_domain::Separator;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::rules::UnitTypeMapping;
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{PartnerConfig, RunSummary, SyncOptions, SystemClock, sync_stammdaten};
use immohub_erp::{ErpSource, Mapping};

#[derive(Debug, Args)]
pub struct StammdatenBenchArgs {
    /// Units of the generated demo ERP.
    #[arg(long, default_value_t = 100_000)]
    pub units: u64,
    /// Share of units changed before the last rerun, in per cent.
    #[arg(long, default_value_t = 0.1)]
    pub changed_percent: f64,
    /// Working directory (default: a new temporary directory, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Hub store URL (default: SQLite in the working directory).
    #[arg(long)]
    pub store: Option<String>,
    /// Records per store transaction.
    #[arg(long, default_value_t = SyncOptions::default().batch_size)]
    pub batch_size: usize,
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn secs(s: &RunSummary) -> f64 {
    (s.ended_at - s.started_at).num_milliseconds() as f64 / 1000.0
}

pub async fn stammdaten(a: &StammdatenBenchArgs) -> anyhow::Result<()> {
    let tmp;
    let dir = match &a.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let erp_path = dir.join("bench-erp.db");
    if !erp_path.exists() {
        // Generated in a child process so that the generator's memory does not count.
        let t = Instant::now();
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(["bench-generate", "--units", &a.units.to_string(), "--path"])
            .arg(&erp_path)
            .status()
            .context("Generator starten")?;
        if !status.success() {
            bail!("Demo-ERP konnte nicht erzeugt werden");
        }
        println!(
            "Demo-ERP mit {} Einheiten erzeugt in {:.1} s",
            a.units,
            t.elapsed().as_secs_f64()
        );
    }
    let store_url = a
        .store
        .clone()
        .unwrap_or_else(|| format!("sqlite:{}", dir.join("bench-hub.db").display()));
    let store = immohub_store::open(&store_url).await?;
    let erp =
        ErpSource::connect(&format!("sqlite:{}", erp_path.display()), Mapping::demo()?).await?;
    let partner = PartnerConfig {
        name: format!("bench-{}", std::process::id()),
        profile: PartnerProfile::Generic,
        separator: Separator::Dot,
        clients: (1..=10).map(|c| c.to_string()).collect(),
        unit_types: UnitTypeMapping::default(),
        technical_user: None,
    };
    let rss_before = peak_rss_mib();
    let run = |full: bool| {
        let opts = SyncOptions {
            full,
            batch_size: a.batch_size,
            trigger: "bench".to_owned(),
            ..SyncOptions::default()
        };
        let store = &store;
        let erp = &erp;
        let partner = &partner;
        async move { sync_stammdaten(store, erp, partner, &SystemClock, &opts, &NoProgress).await }
    };
    let full = run(true).await?;
    let rss_full = peak_rss_mib();
    let full_s = secs(&full);
    println!(
        "Volllast:                {:>9} Entitäten in {:>7.2} s = {:>9.0} Entitäten/s ({} gesendet, {} übersprungen, {} Fehler)",
        full.counts.read,
        full_s,
        full.counts.read as f64 / full_s.max(1e-9),
        full.counts.sent,
        full.counts.skipped,
        full.counts.failed
    );
    let again_full = run(true).await?;
    println!(
        "Wiederholung voll:       {:>9} gelesen,     {:>7.2} s, {} gesendet",
        again_full.counts.read,
        secs(&again_full),
        again_full.counts.sent
    );
    let again = run(false).await?;
    println!(
        "Wiederholung inkrementell: {:>7} gelesen,     {:>7.2} s, {} gesendet ({:.1} % der Volllast)",
        again.counts.read,
        secs(&again),
        again.counts.sent,
        100.0 * secs(&again) / full_s.max(1e-9)
    );
    let n = ((a.units as f64) * a.changed_percent / 100.0)
        .round()
        .max(1.0) as u64;
    // The watermark keeps an overlap for late ERP commits; changes must be newer than it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let changed = immohub_erp::demo::touch_units(&erp_path, n).await?;
    let inc = run(false).await?;
    println!(
        "Wiederholung {:.1} % geändert ({changed} Einheiten): {} gelesen, {:>7.2} s, {} gesendet ({:.1} % der Volllast)",
        a.changed_percent,
        inc.counts.read,
        secs(&inc),
        inc.counts.sent,
        100.0 * secs(&inc) / full_s.max(1e-9)
    );
    println!(
        "Spitzen-Speicher (VmHWM): {:.0} MiB vor dem Lauf, {:.0} MiB nach der Volllast, {:.0} MiB am Ende",
        rss_before.unwrap_or(0.0),
        rss_full.unwrap_or(0.0),
        peak_rss_mib().unwrap_or(0.0)
    );
    println!("Hub-Datenbank: {}", store_url);
    Ok(())
}
