//! Accepted tenants (TEN-1..TEN-3) in the CLI: `immohub sync run mieter`, the tenant part of
//! the worker of `serve`, staff e-mail over SMTP, the dossier settings of the partner API and
//! the tenant lines of `check`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use futures::future::BoxFuture;
use immohub_api::tenants::DossierSettings;
use immohub_engine::duplicates::DuplicateCheck;
use immohub_engine::tenants::{
    ErpTenantTarget, SendMail, TenantContext, run_mieter, send_notifications,
};
use immohub_engine::{PartnerConfig, SystemClock, WritebackOptions};
use immohub_erp::{ErpSink, TENANTS_TABLE};
use immohub_shares::mail::{Mail, Mailer};
use immohub_store::Store;

use crate::SyncRunArgs;
use crate::app::App;
use crate::commands::status_de;
use crate::config::Config;

/// immohub's own dossier directory: what the partner API received and the ERP has not yet.
pub fn dossiers_dir(app_data: &std::path::Path) -> PathBuf {
    app_data.join("dossiers")
}

/// The partner API's dossier settings, when the ERP's dossier directory is configured.
pub fn api_settings(app: &App) -> Option<DossierSettings> {
    app.config.erp.dossier_dir.as_ref()?;
    Some(DossierSettings {
        dir: dossiers_dir(&app.data_dir()),
        max_file_bytes: app.config.tenants.max_file_mb.saturating_mul(1024 * 1024),
    })
}

/// The ERP's dossier directory (`[erp] dossier_dir`), required to write tenants.
pub fn erp_dossier_dir(config: &Config) -> anyhow::Result<PathBuf> {
    config.erp.dossier_dir.clone().context(
        "[erp] dossier_dir fehlt: ohne Dossier-Verzeichnis des ERP werden keine Mieter \
         geschrieben (TEN-1)",
    )
}

/// Staff e-mail over SMTP (lettre, `[mail]`).
pub struct SmtpMail(pub Mailer);

impl SendMail for SmtpMail {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.0
                .send(&Mail {
                    to: to.to_owned(),
                    subject: subject.to_owned(),
                    body: body.to_owned(),
                })
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// The mailer of `[mail]`, if configured.
pub async fn mailer(app: &App) -> anyhow::Result<Option<Arc<dyn SendMail>>> {
    let Some(settings) = &app.config.mail else {
        return Ok(None);
    };
    let password = match &settings.password {
        Some(p) => Some(crate::shares::resolve_password(app, p).await?),
        None => None,
    };
    Ok(Some(Arc::new(SmtpMail(Mailer::new(settings, password)?))))
}

/// `immohub sync run mieter [--partner NAME]`: writes the due tenants into the ERP now and
/// sends the staff e-mails.
pub async fn sync_run(app: &App, a: &SyncRunArgs) -> anyhow::Result<()> {
    let partners = crate::inbound::writing_partners(app, a.partner.as_deref(), "Mieter")?;
    let target = ErpTenantTarget {
        sink: &crate::inbound::erp_sink(&app.config).await?,
        dossier_dir: erp_dossier_dir(&app.config)?,
    };
    let dups = DuplicateCheck::new(app.config.matching.clone())
        .map_err(|e| anyhow::anyhow!("[matching]: {e}"))?;
    let dossiers = dossiers_dir(&app.data_dir());
    let opts = WritebackOptions {
        trigger: "manual".to_owned(),
        ..WritebackOptions::default()
    };
    let mut failed = false;
    for p in &partners {
        let cx = TenantContext {
            store: app.store.as_ref(),
            erp: &target,
            dups: Some(&dups),
            partner: p,
            clock: &SystemClock,
            opts: &opts,
            dossiers: &dossiers,
        };
        let s = run_mieter(&cx).await?;
        println!(
            "Lauf {} ({}): {} – {} gelesen, {} ins ERP geschrieben, {} Fehler, {:.1} s",
            s.run_id,
            p.name,
            status_de(s.status.as_str()),
            s.counts.read,
            s.counts.sent,
            s.counts.failed,
            (s.ended_at - s.started_at).num_milliseconds() as f64 / 1000.0
        );
        for e in &s.errors {
            println!("  Fehler: {e}");
        }
        failed |= !s.errors.is_empty();
    }
    target.sink.close().await;
    match mailer(app).await? {
        Some(m) => {
            let (sent, errors) =
                send_notifications(app.store.as_ref(), m.as_ref(), &SystemClock).await?;
            if sent + errors > 0 {
                println!("E-Mails an Mitarbeiter: {sent} versendet, {errors} fehlgeschlagen");
            }
        }
        None => {
            println!(
                "Hinweis: [mail] ist nicht konfiguriert – E-Mails an Abonnenten (TEN-3) warten, \
                 bis ein SMTP-Server eingetragen ist"
            );
        }
    }
    if failed {
        bail!("mindestens ein Lauf ist fehlgeschlagen (Details: immohub protocol)");
    }
    Ok(())
}

/// One round of the worker for tenants: every partner with a technical user, then the e-mails.
#[allow(clippy::too_many_arguments)]
pub async fn poll_all(
    store: &dyn Store,
    sink: &ErpSink,
    dossier_dir: &std::path::Path,
    dossiers: &std::path::Path,
    dups: &DuplicateCheck,
    partners: &[PartnerConfig],
    opts: &WritebackOptions,
    mail: Option<&dyn SendMail>,
) {
    let target = ErpTenantTarget {
        sink,
        dossier_dir: dossier_dir.to_owned(),
    };
    for p in partners {
        let cx = TenantContext {
            store,
            erp: &target,
            dups: Some(dups),
            partner: p,
            clock: &SystemClock,
            opts,
            dossiers,
        };
        match immohub_engine::tenants::poll_mieter(&cx).await {
            Ok(Some(s)) => tracing::info!(
                partner = %p.name,
                run = s.run_id,
                written = s.counts.sent,
                failed = s.counts.failed,
                errors = %s.errors.join("; "),
                "Mieter ohne Vertrag ins ERP geschrieben"
            ),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(partner = %p.name, error = %e, "Mieter: Rückschreiben fehlgeschlagen")
            }
        }
    }
    if let Some(m) = mail {
        match send_notifications(store, m, &SystemClock).await {
            Ok((0, 0)) => {}
            Ok((sent, failed)) => tracing::info!(sent, failed, "E-Mails an Mitarbeiter"),
            Err(e) => tracing::error!(error = %e, "E-Mails an Mitarbeiter: Hub-Datenbank"),
        }
    }
}

/// `check`: the ERP's tenant tables and dossier directory.
pub async fn check(config: &Config, sink: &ErpSink) -> bool {
    let Some(dir) = &config.erp.dossier_dir else {
        println!(
            "  · [erp] dossier_dir nicht gesetzt – keine Mieter ohne Vertrag (POST /v1/tenants \
             antwortet 503)"
        );
        return true;
    };
    let mut ok = true;
    match std::fs::create_dir_all(dir).and_then(|()| tempfile::tempfile_in(dir).map(drop)) {
        Ok(()) => println!(
            "  ✓ Dossier-Verzeichnis des ERP {} beschreibbar",
            dir.display()
        ),
        Err(e) => {
            println!("  ✗ Dossier-Verzeichnis des ERP {}: {e}", dir.display());
            ok = false;
        }
    }
    match sink.check_tenants().await {
        Ok(n) => println!("  ✓ ERP-Schnittstellentabelle {TENANTS_TABLE}: {n} Zeilen"),
        Err(e) => {
            println!("  ✗ ERP-Schnittstellentabelle {TENANTS_TABLE}: {e}");
            ok = false;
        }
    }
    if config.mail.is_none() {
        println!("  · [mail] nicht gesetzt – keine E-Mails an Mitarbeiter (TEN-3)");
    }
    ok
}
