//! `immohub review`: the review list of the duplicate check (PRO-3). Prospects whose best
//! score lies between the two thresholds wait here; staff link them to an existing person or
//! confirm a new one, and the next write-back run writes them into the ERP with that decision.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::Utc;
use chrono_tz::Europe::Berlin;
use clap::{Args, Subcommand};
use immohub_domain::prospect::Prospect;
use immohub_matching::Candidate;
use immohub_store::{InboxStore, MatchReview, ReviewDecision, Store};

use crate::app::App;
use crate::commands::table;

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Offene Prüffälle (oder mit --all auch entschiedene).
    List(ListArgs),
    /// Ein Prüffall mit allen Kandidaten und Gründen.
    Show { item: i64 },
    /// Der Interessent ist diese vorhandene Person (Personennummer im Mandanten).
    Link(LinkArgs),
    /// Der Interessent ist niemand Bekanntes: das ERP legt einen neuen Geschäftspartner an.
    New(DecideArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Nur dieser Partner.
    #[arg(long)]
    pub partner: Option<String>,
    /// Auch entschiedene Fälle.
    #[arg(long)]
    pub all: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct DecideArgs {
    /// Nummer des Prüffalls (= Eingangs-ID).
    pub item: i64,
    /// Wer entscheidet (für das Protokoll). Standard: der angemeldete Benutzer.
    #[arg(long, env = "USER")]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    #[command(flatten)]
    pub decide: DecideArgs,
    /// Personennummer der vorhandenen Person.
    pub person_no: String,
}

pub async fn run(config_path: &Path, command: ReviewCommand) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let store = app.store.as_ref();
    match command {
        ReviewCommand::List(a) => {
            let reviews = store
                .reviews(a.partner.as_deref(), !a.all, a.limit.max(1))
                .await?;
            if reviews.is_empty() {
                println!("Keine offenen Prüffälle.");
                return Ok(());
            }
            let mut t = table(&[
                "Fall",
                "Partner",
                "Mandant",
                "Interessent",
                "bester Kandidat",
                "Score",
                "Status",
            ]);
            for r in &reviews {
                let best = candidates(r).into_iter().next();
                t.add_row(vec![
                    r.item_id.to_string(),
                    r.connection.clone(),
                    r.client_no.clone(),
                    prospect_line(r),
                    best.as_ref()
                        .map(|c| c.person_id.clone())
                        .unwrap_or_default(),
                    best.map(|c| immohub_engine::duplicates::score_de(c.score))
                        .unwrap_or_default(),
                    status_line(r),
                ]);
            }
            println!("{t}");
            println!(
                "Entscheiden: immohub review link FALL PERSONENNUMMER | immohub review new FALL"
            );
            Ok(())
        }
        ReviewCommand::Show { item } => {
            let r = store
                .review(item)
                .await?
                .with_context(|| format!("Prüffall {item} gibt es nicht"))?;
            println!(
                "Prüffall {} ({}), Mandant {}",
                r.item_id, r.connection, r.client_no
            );
            println!("Interessent: {}", prospect_line(&r));
            println!("{}", r.summary);
            println!("Status: {}", status_line(&r));
            let mut t = table(&["Person", "Score", "Gründe"]);
            for c in candidates(&r) {
                t.add_row(vec![
                    c.person_id.clone(),
                    immohub_engine::duplicates::score_de(c.score),
                    c.german_reasons(),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        ReviewCommand::Link(a) => {
            let r = open_review(store, a.decide.item).await?;
            let known = candidates(&r).iter().any(|c| c.person_id == a.person_no);
            if !known {
                // Staff may know better than the index (e.g. a person not yet synced), but
                // the number must at least exist in the client.
                let key = format!(
                    "{}{}{}",
                    r.client_no,
                    immohub_domain::raw::KEY_SEP,
                    a.person_no
                );
                let exists = store
                    .entity(immohub_domain::ErpEntity::Person, &key)
                    .await?
                    .is_some_and(|e| !e.deleted);
                if !exists {
                    bail!(
                        "Person {} ist im Mandanten {} nicht bekannt (weder Kandidat noch im \
                         letzten Stammdatenabgleich)",
                        a.person_no,
                        r.client_no
                    );
                }
            }
            decide(
                store,
                a.decide.item,
                &ReviewDecision::Link {
                    person_no: a.person_no.clone(),
                },
                a.decide.by.as_deref(),
            )
            .await?;
            println!(
                "Prüffall {}: mit Person {} verknüpft; der nächste Lauf (immohub sync run \
                 interessenten oder der Dienst) schreibt ihn ins ERP.",
                a.decide.item, a.person_no
            );
            Ok(())
        }
        ReviewCommand::New(a) => {
            open_review(store, a.item).await?;
            decide(store, a.item, &ReviewDecision::New, a.by.as_deref()).await?;
            println!(
                "Prüffall {}: als neue Person bestätigt; der nächste Lauf schreibt ihn ins ERP.",
                a.item
            );
            Ok(())
        }
    }
}

async fn open_review(store: &dyn InboxStore, item: i64) -> anyhow::Result<MatchReview> {
    let r = store
        .review(item)
        .await?
        .with_context(|| format!("Prüffall {item} gibt es nicht"))?;
    if r.decision.is_some() {
        bail!(
            "Prüffall {item} ist bereits entschieden ({})",
            status_line(&r)
        );
    }
    Ok(r)
}

async fn decide(
    store: &dyn InboxStore,
    item: i64,
    decision: &ReviewDecision,
    by: Option<&str>,
) -> anyhow::Result<()> {
    let by = by.filter(|b| !b.trim().is_empty()).unwrap_or("cli");
    if !store.decide_review(item, decision, by, Utc::now()).await? {
        bail!("Prüffall {item} ist nicht mehr offen (inzwischen entschieden?)");
    }
    Ok(())
}

fn candidates(r: &MatchReview) -> Vec<Candidate> {
    serde_json::from_value(r.candidates.clone()).unwrap_or_default()
}

fn prospect_line(r: &MatchReview) -> String {
    match serde_json::from_value::<Prospect>(r.payload.clone()) {
        Ok(p) => {
            let birth = p
                .birth_date
                .map(|d| format!(", geb. {}", d.format("%d.%m.%Y")))
                .unwrap_or_default();
            format!("{}{birth} → {}", p.display_name(), p.unit_id)
        }
        Err(_) => "(unlesbar)".to_owned(),
    }
}

fn status_line(r: &MatchReview) -> String {
    let when = r
        .decided_at
        .map(|t| {
            t.with_timezone(&Berlin)
                .format("%d.%m.%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let by = r.decided_by.clone().unwrap_or_default();
    match &r.decision {
        None => "offen".to_owned(),
        Some(ReviewDecision::Link { person_no }) => {
            format!("verknüpft mit {person_no} ({by}, {when})")
        }
        Some(ReviewDecision::New) => format!("neue Person ({by}, {when})"),
    }
}
