//! `immohub demo-erp`: what the demo ERP's import job and staff do with prospects (PRO-4), so
//! that the tour and the tests can show the loop prospect → offer → lease → master data.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum DemoErpCommand {
    /// Import des Demo-ERP: Interessenten aus der Schnittstellentabelle werden Angebote, mit
    /// dem von der Dublettenprüfung verknüpften oder einem neuen Geschäftspartner.
    Import,
    /// „Annehmen und Mietvertrag erstellen“: Mietvertrag aus einem offenen Angebot.
    Accept {
        /// Angebotsnummer, z. B. ANG-000001.
        offer_no: String,
        /// Mandant des Angebots.
        #[arg(long, default_value = "1")]
        client: String,
        /// Vertragsbeginn (JJJJ-MM-TT); Standard: frei ab des Leerstands, frühestens morgen.
        #[arg(long)]
        start: Option<NaiveDate>,
    },
}

fn demo_path(config: &Config) -> anyhow::Result<PathBuf> {
    let url = config.erp.url.as_str();
    let Some(path) = url.strip_prefix("sqlite:") else {
        bail!("immohub demo-erp arbeitet nur mit dem Demo-ERP (SQLite), nicht mit {url}");
    };
    let path = PathBuf::from(path.trim_start_matches("//"));
    if !path.exists() {
        bail!(
            "Demo-ERP {} gibt es nicht (zuerst immohub demo)",
            path.display()
        );
    }
    Ok(path)
}

pub async fn run(config_path: &Path, command: DemoErpCommand) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    let path = demo_path(&config)?;
    match command {
        DemoErpCommand::Import => {
            let done = immohub_erp::demo::import_prospects(&path)
                .await
                .context("Import des Demo-ERP")?;
            if done.is_empty() {
                println!("Keine neuen Interessenten in immohub_in_prospects.");
            }
            for d in &done {
                println!("Zeile {}: {} – {}", d.interface_id, d.status, d.message);
            }
            Ok(())
        }
        DemoErpCommand::Accept {
            offer_no,
            client,
            start,
        } => {
            let a = immohub_erp::demo::accept_offer(&path, &client, &offer_no, start).await?;
            println!(
                "Angebot {} angenommen: Mietvertrag {} (Mandant {}) ab {} mit Hauptmieter {}{}. \
                 Der nächste Stammdatenabgleich liefert ihn an die Partner, der nächste \
                 Leerstandsabgleich löscht das Inserat.",
                a.offer_no,
                a.lease_no,
                a.client_no,
                a.start.format("%d.%m.%Y"),
                a.person_no,
                if a.declined > 0 {
                    format!("; {} weitere Angebote abgelehnt", a.declined)
                } else {
                    String::new()
                }
            );
            Ok(())
        }
    }
}
