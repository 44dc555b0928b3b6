//! The `immohub` command line.

mod app;
mod bench;
mod commands;
pub mod config;
mod progress;
mod schedules;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// immohub: das offene Integrations-Hub für die Wohnungswirtschaft.
#[derive(Debug, Parser)]
#[command(name = "immohub", version, about)]
pub struct Cli {
    /// Konfigurationsdatei.
    #[arg(
        long,
        short,
        global = true,
        default_value = "immohub.toml",
        env = "IMMOHUB_CONFIG"
    )]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Legt ein Demo-ERP (SQLite) und eine passende Konfiguration an und gibt den API-Schlüssel
    /// des Demo-Partners aus.
    Demo(DemoArgs),
    /// Startet die Partner-API (und den ersten Stammdatenabgleich).
    Serve(ServeArgs),
    /// Abgleiche (Use Cases).
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// Protokoll: Läufe, Datensätze eines Laufs, Status eines Datensatzes.
    Protocol(ProtocolArgs),
    /// Zeitpläne der Use Cases (GEN-6).
    Schedule {
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// Prüft Konfiguration und Verbindungen (Hub-Datenbank, ERP).
    Check,
    /// API-Schlüssel der Partner.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Benchmarks, die Kennzahlen ausgeben.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// (intern) Erzeugt ein Demo-ERP für den Benchmark in einem eigenen Prozess.
    #[command(hide = true)]
    BenchGenerate {
        #[arg(long)]
        units: u64,
        #[arg(long)]
        path: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Anzahl Einheiten des Demo-ERP.
    #[arg(long, default_value_t = 3000)]
    pub units: u64,
    /// Datenverzeichnis (Demo-ERP und Hub-Datenbank).
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Vorhandenes Demo-ERP und Konfiguration überschreiben.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Adresse, z. B. 127.0.0.1:8080 (überschreibt server.listen).
    #[arg(long)]
    pub listen: Option<String>,
    /// Fehlt die Konfiguration, zuerst das Demo-ERP anlegen (wie `immohub demo`).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Startet einen Abgleich von Hand.
    Run(SyncRunArgs),
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Zeigt je Partner die Use Cases mit Zeitplan und nächstem Lauf (Berliner Zeit).
    List,
}

#[derive(Debug, Args)]
pub struct SyncRunArgs {
    /// Use Case: `stammdaten`.
    pub use_case: String,
    /// Partnerverbindung (Name aus immohub.toml); ohne Angabe: alle.
    #[arg(long)]
    pub partner: Option<String>,
    /// Alles lesen, auch wenn eine Änderungszeitstempel-Spalte ein inkrementelles Lesen erlaubt.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct ProtocolArgs {
    /// Nur diese Partnerverbindung.
    #[arg(long)]
    pub partner: Option<String>,
    /// Ab Datum (JJJJ-MM-TT, Europe/Berlin).
    #[arg(long)]
    pub from: Option<String>,
    /// Bis einschließlich Datum (JJJJ-MM-TT, Europe/Berlin).
    #[arg(long)]
    pub to: Option<String>,
    /// Höchstens so viele Zeilen.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Datensätze eines Laufs zeigen.
    #[arg(long)]
    pub run: Option<i64>,
    /// Status eines Datensatzes (Partner-ID, z. B. 1.100.1.7) zeigen; mit --feed und --partner.
    #[arg(long)]
    pub record: Option<String>,
    /// Feed des Datensatzes: units, buildings, tenants, …
    #[arg(long, default_value = "units")]
    pub feed: String,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Erzeugt einen neuen API-Schlüssel für einen Partner (der alte wird ungültig).
    Rotate {
        #[arg(long)]
        partner: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Stammdaten: Volllast, Wiederholung ohne Änderung, Wiederholung mit 0,1 % Änderungen.
    Stammdaten(bench::StammdatenBenchArgs),
}

/// Runs the CLI and maps errors to a German message and exit code 1.
pub fn main_with(cli: Cli) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Fehler: Laufzeitumgebung: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    init_tracing(matches!(cli.command, Command::Serve(_)));
    match cli.command {
        Command::Demo(a) => commands::demo(&cli.config, &a).await,
        Command::Serve(a) => commands::serve(&cli.config, &a).await,
        Command::Sync {
            command: SyncCommand::Run(a),
        } => commands::sync_run(&cli.config, &a).await,
        Command::Protocol(a) => commands::protocol(&cli.config, &a).await,
        Command::Schedule {
            command: ScheduleCommand::List,
        } => schedules::list(&cli.config).await,
        Command::Check => commands::check(&cli.config).await,
        Command::Key {
            command: KeyCommand::Rotate { partner },
        } => commands::key_rotate(&cli.config, &partner).await,
        Command::Bench {
            command: BenchCommand::Stammdaten(a),
        } => bench::stammdaten(&a).await,
        Command::BenchGenerate { units, path } => {
            immohub_erp::demo::create_demo(
                &path,
                immohub_erp::demo::DemoOptions {
                    units,
                    ..Default::default()
                },
            )
            .await?;
            Ok(())
        }
    }
}

fn init_tracing(server: bool) {
    use tracing_subscriber::EnvFilter;
    // sqlx reports bulk statements over 1 s as "slow" at WARN: normal for bulk loads.
    let default = if server {
        "info,sqlx::query=error"
    } else {
        "warn,sqlx::query=error"
    };
    let filter = EnvFilter::try_from_env("IMMOHUB_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
