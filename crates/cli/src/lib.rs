//! The `immohub` command line.

mod app;
mod bench;
mod commands;
pub mod config;
pub mod delivery;
mod demo_office;
mod environments;
mod inbound;
pub mod openimmo;
mod progress;
mod review;
mod schedules;
mod secrets;
pub mod shares;
mod tenants;
mod vault;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Startet die Partner-API (und den ersten Stammdatenabgleich) und schreibt eingehende
    /// Interessenten laufend ins ERP.
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
    /// Zugangsdaten der Partner: verschlüsselt gespeichert, nie wieder im Klartext (GEN-5).
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// Hauptschlüssel, mit dem die Zugangsdaten verschlüsselt sind (GEN-5).
    MasterKey {
        #[command(subcommand)]
        command: MasterKeyCommand,
    },
    /// Use Cases: aktive Umgebung (Test/Produktion) anzeigen und umschalten (GEN-4).
    Usecase {
        #[command(subcommand)]
        command: UsecaseCommand,
    },
    /// Was Import und Sachbearbeitung des Demo-ERP tun: Interessenten zu Angeboten, Angebot
    /// annehmen und Mietvertrag erstellen (PRO-4).
    DemoErp {
        #[command(subcommand)]
        command: demo_office::DemoErpCommand,
    },
    /// Prüfliste der Dublettenprüfung (PRO-3): unsichere Interessenten verknüpfen oder als
    /// neue Person bestätigen.
    Review {
        #[command(subcommand)]
        command: review::ReviewCommand,
    },
    /// Mitarbeiterkonten mit eigenem Schlüssel für die Mitarbeiter-API (/staff/v1).
    Staff {
        #[command(subcommand)]
        command: shares::StaffCommand,
    },
    /// Datenräume (immoCloud): Räume, Ordner, Dateien, Empfänger, Links, Zugriffe
    /// (SHR-1..SHR-10).
    Shares {
        #[command(subcommand)]
        command: shares::SharesCommand,
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
    /// Use Case: `stammdaten` (ERP → Partner) oder `interessenten` (Interessenten aus dem
    /// Eingang ins ERP schreiben, PRO-5).
    pub use_case: String,
    /// Partnerverbindung (Name aus immohub.toml); ohne Angabe: alle.
    #[arg(long)]
    pub partner: Option<String>,
    /// Alles lesen, auch wenn eine Änderungszeitstempel-Spalte ein inkrementelles Lesen erlaubt.
    #[arg(long)]
    pub full: bool,
    /// Umgebung ausdrücklich wählen; ohne Angabe: die aktive des Use Case (GEN-4).
    #[arg(long, value_enum)]
    pub env: Option<Env>,
}

/// Umgebung einer Partnerverbindung (GEN-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Env {
    /// Produktion (Verbindung NAME).
    Production,
    /// Test (Verbindung NAME@test; erst nach [partner.test] enabled = true).
    Test,
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
    /// Status eines Datensatzes (Partner-ID, z. B. 1.100.1.7; bei Interessenten der
    /// Idempotenzschlüssel) zeigen; mit --feed und --partner.
    #[arg(long)]
    pub record: Option<String>,
    /// Feed des Datensatzes: units, buildings, tenants, …, prospects
    #[arg(long, default_value = "units")]
    pub feed: String,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Erzeugt einen neuen API-Schlüssel für einen Partner (der alte wird ungültig).
    Rotate {
        #[arg(long)]
        partner: String,
        /// Umgebung: production oder test (GEN-4).
        #[arg(long, value_enum, default_value = "production")]
        env: Env,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Speichert einen Wert verschlüsselt; er wird zweimal eingegeben (ohne Anzeige, oder als
    /// zwei Zeilen auf der Standardeingabe).
    Set(SecretSetArgs),
    /// Zeigt Namen und Datum gespeicherter Zugangsdaten, nie die Werte.
    List(SecretListArgs),
    /// Löscht gespeicherte Zugangsdaten.
    Delete(SecretDeleteArgs),
}

#[derive(Debug, Args)]
pub struct SecretSetArgs {
    /// Partner (Name aus immohub.toml).
    #[arg(long)]
    pub partner: String,
    /// Name des Werts, z. B. api_password.
    #[arg(long)]
    pub name: String,
    /// Umgebung.
    #[arg(long, value_enum, default_value = "production")]
    pub env: Env,
}

#[derive(Debug, Args)]
pub struct SecretListArgs {
    /// Nur dieser Partner (beide Umgebungen).
    #[arg(long)]
    pub partner: Option<String>,
}

#[derive(Debug, Args)]
pub struct SecretDeleteArgs {
    #[arg(long)]
    pub partner: String,
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value = "production")]
    pub env: Env,
}

#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// Erzeugt einen neuen Hauptschlüssel und verschlüsselt alle Zugangsdaten in einer
    /// Transaktion neu; die Schlüsseldatei wird absturzsicher ersetzt.
    Rotate {
        /// Nur wenn der Schlüssel aus IMMOHUB_MASTER_KEY kommt: Datei für den neuen Schlüssel.
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsecaseCommand {
    /// Schaltet einen Use Case ausdrücklich zwischen Test und Produktion um; die Umschaltung
    /// steht im Protokoll.
    Switch(UsecaseSwitchArgs),
    /// Zeigt die aktive Umgebung jedes Use Case.
    List(UsecaseListArgs),
}

#[derive(Debug, Args)]
pub struct UsecaseSwitchArgs {
    #[arg(long)]
    pub partner: String,
    /// Use Case: `stammdaten`.
    #[arg(long)]
    pub use_case: String,
    /// Ziel: production oder test.
    #[arg(long, value_enum)]
    pub to: Env,
    /// Wer umschaltet (für das Protokoll); ohne Angabe: der Benutzer des Betriebssystems.
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct UsecaseListArgs {
    #[arg(long)]
    pub partner: Option<String>,
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
            command: KeyCommand::Rotate { partner, env },
        } => commands::key_rotate(&cli.config, &partner, env.into()).await,
        Command::Secret { command } => match command {
            SecretCommand::Set(a) => secrets::set(&cli.config, &a).await,
            SecretCommand::List(a) => secrets::list(&cli.config, &a).await,
            SecretCommand::Delete(a) => secrets::delete(&cli.config, &a).await,
        },
        Command::MasterKey {
            command: MasterKeyCommand::Rotate { new_key_file },
        } => secrets::rotate(&cli.config, new_key_file.as_deref()).await,
        Command::Usecase { command } => match command {
            UsecaseCommand::Switch(a) => environments::switch(&cli.config, &a).await,
            UsecaseCommand::List(a) => environments::list(&cli.config, &a).await,
        },
        Command::DemoErp { command } => demo_office::run(&cli.config, command).await,
        Command::Review { command } => review::run(&cli.config, command).await,
        Command::Staff { command } => shares::staff(&cli.config, &command).await,
        Command::Shares { command } => shares::run(&cli.config, &command).await,
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
    // Colours only on a terminal: log files and journald get plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
