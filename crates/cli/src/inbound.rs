//! Inbound data (partner → ERP): `immohub sync run interessenten` (PRO-5), the write-back worker
//! of `serve`, the prospect lines of `check` and `protocol --feed prospects --record KEY`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use immohub_engine::duplicates::DuplicateCheck;
use immohub_engine::writeback::{self, external_ref};
use immohub_engine::{PartnerConfig, SystemClock, WritebackOptions, poll_interessenten};
use immohub_erp::{ErpSink, PROSPECTS_TABLE, redact_url};
use immohub_store::{InboxKind, SqlStore, Store};
use tokio::sync::watch;

use crate::SyncRunArgs;
use crate::app::App;
use crate::commands::{berlin, status_de, table};
use crate::config::Config;

/// How often the worker of `serve` looks for new prospects.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How long the worker leaves a partner alone after an ERP error stopped its run.
const ERROR_REST: Duration = Duration::from_secs(30);

/// The ERP database for writing: `erp.write_url`, else `erp.url`.
pub fn write_url(config: &Config) -> &str {
    config.erp.write_url.as_deref().unwrap_or(&config.erp.url)
}

/// Connects to the ERP for writing its interface tables.
pub async fn erp_sink(config: &Config) -> anyhow::Result<ErpSink> {
    let url = write_url(config);
    ErpSink::connect(url)
        .await
        .with_context(|| format!("ERP {} nicht erreichbar", redact_url(url)))
}

/// The partners a manual write-back run serves: the named one, else every partner with a
/// technical ERP user (GEN-3); `what` names the records in the error ("Interessenten").
pub fn writing_partners(
    app: &App,
    name: Option<&str>,
    what: &str,
) -> anyhow::Result<Vec<PartnerConfig>> {
    let partners: Vec<PartnerConfig> = match name {
        Some(name) => vec![app.config.partner(name)?.engine_config()],
        None => app
            .config
            .partners
            .iter()
            .filter(|p| p.technical_user.is_some())
            .map(|p| p.engine_config())
            .collect(),
    };
    if partners.is_empty() {
        bail!(
            "kein Partner mit technischem ERP-Benutzer (technical_user) konfiguriert: es gibt \
             keine {what} zu schreiben (GEN-3)"
        );
    }
    Ok(partners)
}

/// `immohub sync run interessenten [--partner NAME]`: writes the due prospects into the ERP
/// now. Without `--partner`: every partner with a technical user.
pub async fn sync_run(app: &App, a: &SyncRunArgs) -> anyhow::Result<()> {
    let partners = writing_partners(app, a.partner.as_deref(), "Interessenten")?;
    let sink = erp_sink(&app.config).await?;
    let dups = DuplicateCheck::new(app.config.matching.clone())
        .map_err(|e| anyhow::anyhow!("[matching]: {e}"))?;
    let vault = app.vault();
    let mut failed = false;
    for p in partners {
        // The same run lease as scheduled and API-started runs (GEN-6): never two at once.
        let guard = match immohub_engine::LeaseGuard::acquire(
            app.store.clone() as Arc<dyn Store>,
            Arc::new(SystemClock),
            &p.name,
            immohub_domain::UseCase::Interessenten,
            &app.config.instance(),
            immohub_engine::launcher::DEFAULT_LEASE_TTL,
        )
        .await
        {
            Ok(g) => g,
            Err(e) => {
                println!("{}: {e}", p.name);
                failed = true;
                continue;
            }
        };
        let opts = WritebackOptions {
            trigger: "manual".to_owned(),
            ..WritebackOptions::default()
        };
        let result = interessenten(
            app.store.as_ref(),
            vault.as_ref(),
            &app.config,
            &sink,
            &dups,
            &p,
            &opts,
            &SystemClock,
        )
        .await;
        guard.release().await;
        let (lines, s) = result?;
        for line in lines {
            println!("{line}");
        }
        println!(
            "Lauf {} ({}): {} – {} gelesen, {} ins ERP geschrieben, {} zur Dublettenprüfung \
             (immohub review list), {} Fehler, {:.1} s",
            s.run_id,
            p.name,
            status_de(s.status.as_str()),
            s.counts.read,
            s.counts.sent,
            s.counts.skipped,
            s.counts.failed,
            (s.ended_at - s.started_at).num_milliseconds() as f64 / 1000.0
        );
        for e in &s.errors {
            println!("  Fehler: {e}");
        }
        failed |= !s.errors.is_empty();
    }
    sink.close().await;
    if failed {
        bail!("mindestens ein Lauf ist fehlgeschlagen (Details: immohub protocol)");
    }
    Ok(())
}

/// One run of `interessenten` for a partner: its feedback files first (PRO-2), so that their
/// prospects are written in the same run, then the due prospects into the ERP (PRO-5). Returns
/// the pickup's lines and the write-back's run.
#[allow(clippy::too_many_arguments)]
pub async fn interessenten(
    store: &SqlStore,
    vault: &dyn immohub_engine::Vault,
    config: &Config,
    sink: &dyn writeback::ErpWrite,
    dups: &DuplicateCheck,
    partner: &PartnerConfig,
    opts: &WritebackOptions,
    clock: &dyn immohub_engine::Clock,
) -> Result<(Vec<String>, immohub_engine::RunSummary), immohub_engine::SyncError> {
    let mut lines = Vec::new();
    if let Some(entry) = config.partners.iter().find(|e| e.name == partner.name)
        && !entry.feedback.is_empty()
    {
        lines =
            crate::openimmo::pickup_feedback(store, vault, partner, &entry.feedback, clock).await;
    }
    let s = writeback::run_interessenten(store, sink, Some(dups), partner, clock, opts).await?;
    Ok((lines, s))
}

/// `interessenten` by schedule or through the partner API (GEN-6), under the run lease of the
/// engine's launcher: feedback pickup and write-back as in [`interessenten`]. The schedule
/// (default daily 06:00, at most hourly) is when feedback files are fetched; prospects that
/// arrive through the partner API are written by the worker within seconds anyway.
pub struct InteressentenRunner {
    pub store: Arc<SqlStore>,
    pub vault: Arc<dyn immohub_engine::Vault>,
    pub config: Config,
    pub clock: Arc<dyn immohub_engine::Clock>,
}

#[async_trait::async_trait]
impl immohub_engine::UseCaseRunner for InteressentenRunner {
    async fn run(
        &self,
        partner: &PartnerConfig,
        trigger: &str,
        progress: &dyn immohub_engine::Progress,
    ) -> Result<immohub_engine::RunSummary, immohub_engine::LaunchError> {
        let failed = |message: String| immohub_engine::LaunchError::Failed {
            run_id: None,
            message,
        };
        // Without the ERP the feedback files are still fetched (nothing waits on the partner's
        // server), and the run records why its prospects stay due.
        let sink = erp_sink(&self.config).await;
        let unreachable;
        let erp: &dyn writeback::ErpWrite = match &sink {
            Ok(s) => s,
            Err(e) => {
                unreachable = ErpUnreachable(format!("{e:#}"));
                &unreachable
            }
        };
        let dups = DuplicateCheck::new(self.config.matching.clone())
            .map_err(|e| failed(format!("[matching]: {e}")))?;
        let opts = WritebackOptions {
            trigger: trigger.to_owned(),
            holder: self.config.instance(),
            ..WritebackOptions::default()
        };
        let result = interessenten(
            &self.store,
            self.vault.as_ref(),
            &self.config,
            erp,
            &dups,
            partner,
            &opts,
            self.clock.as_ref(),
        )
        .await;
        if let Ok(sink) = sink {
            sink.close().await;
        }
        let (lines, mut summary) = result?;
        progress.run_started(summary.run_id);
        summary.notes.splice(0..0, lines);
        Ok(summary)
    }
}

/// The ERP could not be reached for writing: every write fails as transient with the reason,
/// so the run stops with it in the protocol and its prospects stay due.
struct ErpUnreachable(String);

impl writeback::ErpWrite for ErpUnreachable {
    fn write_prospect<'a>(
        &'a self,
        _row: &'a immohub_erp::ProspectRow,
    ) -> futures::future::BoxFuture<'a, Result<immohub_erp::SinkWrite, writeback::WriteError>> {
        Box::pin(async move {
            Err(writeback::WriteError {
                transient: true,
                message: self.0.clone(),
            })
        })
    }
}

/// What the worker needs besides prospects: accepted tenants (TEN-1..TEN-3).
pub struct WorkerExtras {
    /// immohub's dossier directory (what the partner API received).
    pub dossiers: std::path::PathBuf,
    /// Staff e-mail; `None` without `[mail]` (e-mails wait in the queue).
    pub mail: Option<Arc<dyn immohub_engine::tenants::SendMail>>,
}

/// Starts the write-back worker of `serve`: every [`POLL_INTERVAL`] it writes the due prospects
/// and accepted tenants of every partner with a technical user into the ERP and sends the
/// staff e-mails, until `stop` turns `true`.
pub fn spawn_worker(
    config: Config,
    store: Arc<SqlStore>,
    extras: WorkerExtras,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let partners: Vec<PartnerConfig> = config
            .partners
            .iter()
            .filter(|p| p.technical_user.is_some())
            .map(|p| p.engine_config())
            .collect();
        if partners.is_empty() {
            return;
        }
        let dups = match DuplicateCheck::new(config.matching.clone()) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "[matching] ungültig: Rückschreiben ins ERP aus");
                return;
            }
        };
        let opts = WritebackOptions {
            trigger: "inbox".to_owned(),
            holder: config.instance(),
            ..WritebackOptions::default()
        };
        tracing::info!(holder = %opts.holder, "Rückschreiben ins ERP bereit (Interessenten)");
        let mut sink: Option<ErpSink> = None;
        let mut reported = false;
        // After a run that stopped on an ERP error, a partner rests a while: its other due
        // prospects would only meet the same error, one protocol entry per poll.
        let mut resting: Vec<Option<tokio::time::Instant>> = vec![None; partners.len()];
        loop {
            if sink.is_none() {
                match erp_sink(&config).await {
                    Ok(s) => sink = Some(s),
                    Err(e) if !reported => {
                        tracing::error!(error = %format!("{e:#}"), "ERP zum Schreiben nicht erreichbar; neuer Versuch folgt");
                        reported = true;
                    }
                    Err(_) => {}
                }
            }
            if let Some(erp) = &sink {
                if let Some(dossier_dir) = &config.erp.dossier_dir {
                    crate::tenants::poll_all(
                        store.as_ref(),
                        erp,
                        dossier_dir,
                        &extras.dossiers,
                        &dups,
                        &partners,
                        &opts,
                        extras.mail.as_deref(),
                    )
                    .await;
                }
                for (p, rest) in partners.iter().zip(resting.iter_mut()) {
                    if *stop.borrow() {
                        break;
                    }
                    if rest.is_some_and(|until| tokio::time::Instant::now() < until) {
                        continue;
                    }
                    match poll_interessenten(
                        store.as_ref(),
                        erp,
                        Some(&dups),
                        p,
                        &SystemClock,
                        &opts,
                    )
                    .await
                    {
                        Ok(Some(s)) if !s.errors.is_empty() => {
                            tracing::warn!(
                                partner = %p.name,
                                run = s.run_id,
                                error = %s.errors.join("; "),
                                "Rückschreiben ins ERP unterbrochen; neuer Versuch in {} s",
                                ERROR_REST.as_secs()
                            );
                            *rest = Some(tokio::time::Instant::now() + ERROR_REST);
                        }
                        Ok(Some(s)) => tracing::info!(
                            partner = %p.name,
                            run = s.run_id,
                            written = s.counts.sent,
                            failed = s.counts.failed,
                            "Interessenten ins ERP geschrieben"
                        ),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::error!(partner = %p.name, error = %e, "Rückschreiben fehlgeschlagen")
                        }
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                break;
            }
        }
        if let Some(s) = sink {
            s.close().await;
        }
    })
}

/// `check`: the technical user per partner and the ERP's interface table. Returns `false` when
/// a partner that sends data in cannot be served.
pub async fn check(config: &Config) -> bool {
    let inbound: Vec<_> = config
        .partners
        .iter()
        .filter(|p| p.technical_user.is_some())
        .collect();
    for p in &config.partners {
        match &p.technical_user {
            Some(u) => println!(
                "  ✓ Partner {}: technischer ERP-Benutzer {u} – nimmt Interessenten an (GEN-3)",
                p.name
            ),
            None => println!(
                "  · Partner {}: kein technischer ERP-Benutzer (technical_user) – nimmt keine \
                 Interessenten an (GEN-3)",
                p.name
            ),
        }
    }
    if inbound.is_empty() {
        return true;
    }
    let sink = match erp_sink(config).await {
        Ok(s) => s,
        Err(e) => {
            println!("  ✗ ERP zum Schreiben: {e:#}");
            return false;
        }
    };
    let mut ok = match sink.check().await {
        Ok(n) => {
            let rows = if n == 1 { "Zeile" } else { "Zeilen" };
            println!("  ✓ ERP-Schnittstellentabelle {PROSPECTS_TABLE}: {n} {rows}");
            true
        }
        Err(e) => {
            println!("  ✗ ERP-Schnittstellentabelle {PROSPECTS_TABLE}: {e}");
            false
        }
    };
    ok &= crate::tenants::check(config, &sink).await;
    sink.close().await;
    ok
}

/// `protocol --partner P --feed prospects --record KEY`: a prospect's status and history
/// (GEN-8), by the partner's idempotency key.
pub async fn prospect_status(
    store: &dyn Store,
    partner: &str,
    kind: InboxKind,
    key: &str,
    limit: u32,
) -> anyhow::Result<()> {
    let what = match kind {
        InboxKind::Prospect => "Interessent",
        InboxKind::Tenant => "Mieter",
    };
    let item = store
        .inbox_by_key(partner, kind, key)
        .await?
        .with_context(|| format!("{what} „{key}“ ist für {partner} nicht bekannt"))?;
    let mut line = format!(
        "{what} {key} bei {partner} (Eingang {}, empfangen {}): {}",
        item.id,
        berlin(item.received_at),
        item.status.label_de()
    );
    if let Some(id) = &item.erp_id {
        line += &format!(", ERP-Zeile {id}");
    }
    if let Some(e) = &item.error {
        line += &format!(" – {e}");
    }
    println!("{line}");
    let history = store
        .outcomes(
            partner,
            kind.feed(),
            &external_ref(partner, key),
            limit.max(1),
        )
        .await?;
    let mut t = table(&["Lauf", "Zeit", "Ergebnis", "Regel", "Grund"]);
    for o in history {
        t.add_row(vec![
            o.run_id.to_string(),
            berlin(o.at),
            o.status.label_de().to_owned(),
            o.rule.unwrap_or_default(),
            o.reason.unwrap_or_default(),
        ]);
    }
    println!("{t}");
    for n in store.notifications_of(item.id).await? {
        let mut line = format!(
            "  E-Mail an {}: {} ({} Versuch(e))",
            n.recipient,
            n.status.label_de(),
            n.attempts
        );
        if let Some(at) = n.sent_at {
            line += &format!(", {}", berlin(at));
        }
        if let Some(e) = &n.error {
            line += &format!(" – {e}");
        }
        println!("{line}");
    }
    Ok(())
}
