//! OpenImmo file exports of a partner (`[[partner.openimmo]]`, VAC-3, VAC-4, VAC-6): after each
//! `leerstaende` run (scheduled, `immohub sync run leerstaende` or `POST /v1/runs`) the changes
//! of the partner's `vacancies` feed go as one ZIP to each configured directory, FTP or SFTP
//! target. Passwords and keys may be given as `secret:NAME`: the value then comes from the
//! encrypted credential store (`immohub secret set --partner P --name NAME`, GEN-5).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use immohub_domain::UseCase;
use immohub_engine::Vault;
use immohub_engine::launcher::AfterRun;
use immohub_engine::openimmo_export::{FileDestination, OpenImmoExport, export_openimmo};
use immohub_engine::{Clock, PartnerConfig};
use immohub_filedrop::{SftpAuth, Target};
use immohub_store::Store;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::app::App;

/// `[[partner.openimmo]]`: one OpenImmo export target of a partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenImmoEntry {
    /// Name of the target within the partner (it has its own position in the feed).
    pub name: String,
    /// `anbieter/firma`: the housing company as the partner shows it.
    pub company: String,
    /// `anbieter/openimmo_anid`: the provider ID the partner assigned.
    pub openimmo_anid: String,
    /// `anbieter/anbieternr`.
    #[serde(default)]
    pub provider_no: Option<String>,
    /// Technical contact in the transfer header and fallback contact of a listing.
    #[serde(default)]
    pub techn_email: Option<String>,
    /// Where the ZIP goes: `{ kind = "directory", path = "…" }`, `{ kind = "ftp", … }` or
    /// `{ kind = "sftp", … }` (see docs/FILE-TRANSPORTS.md). Kept as written and parsed when
    /// used, so that `secret:NAME` references are resolved only then.
    pub target: toml::Value,
}

impl OpenImmoEntry {
    /// The target as configured (credentials still as written).
    pub fn parse_target(&self) -> anyhow::Result<Target> {
        self.target
            .clone()
            .try_into()
            .with_context(|| format!("[[partner.openimmo]] „{}“: target", self.name))
    }
}

/// Resolves `secret:NAME` credentials of a target from the vault of `owner`.
pub async fn resolve_secrets(
    target: Target,
    owner: &str,
    vault: &dyn Vault,
) -> anyhow::Result<Target> {
    async fn resolve(
        s: SecretString,
        owner: &str,
        vault: &dyn Vault,
    ) -> anyhow::Result<SecretString> {
        let Some(name) = s.expose_secret().strip_prefix("secret:") else {
            return Ok(s);
        };
        let value = vault
            .get(owner, name)
            .await
            .map_err(anyhow::Error::msg)?
            .with_context(|| {
                format!(
                    "Zugangsdaten „{name}“ von {owner} fehlen: immohub secret set --partner {owner} --name {name}"
                )
            })?;
        let text = String::from_utf8(value.expose_secret().to_vec())
            .map_err(|_| anyhow::anyhow!("Zugangsdaten „{name}“ sind kein Text"))?;
        Ok(SecretString::from(text))
    }
    Ok(match target {
        Target::Ftp(mut f) => {
            f.password = resolve(f.password, owner, vault).await?;
            Target::Ftp(f)
        }
        Target::Sftp(mut s) => {
            s.auth = match s.auth {
                SftpAuth::Password(p) => SftpAuth::Password(resolve(p, owner, vault).await?),
                SftpAuth::PrivateKey(mut k) => {
                    if let Some(pem) = k.pem.take() {
                        k.pem = Some(resolve(pem, owner, vault).await?);
                    }
                    if let Some(pp) = k.passphrase.take() {
                        k.passphrase = Some(resolve(pp, owner, vault).await?);
                    }
                    SftpAuth::PrivateKey(k)
                }
            };
            Target::Sftp(s)
        }
        t @ Target::Directory(_) => t,
    })
}

/// A filedrop target as the engine's destination.
pub struct Drop(pub Target);

#[async_trait]
impl FileDestination for Drop {
    fn describe(&self) -> String {
        self.0.describe()
    }
    async fn put(&self, local: &Path, name: &str) -> Result<(), String> {
        immohub_filedrop::upload_file(&self.0, local, name)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Runs the OpenImmo exports of a connection after its vacancy sync.
pub struct ExportHook {
    pub store: Arc<dyn Store>,
    pub vault: Arc<dyn Vault>,
    pub clock: Arc<dyn Clock>,
    /// (production connection, engine config, targets).
    pub partners: Vec<(PartnerConfig, Vec<OpenImmoEntry>)>,
    pub documents_dir: PathBuf,
    pub work_dir: PathBuf,
}

impl ExportHook {
    pub fn new(app: &App, clock: Arc<dyn Clock>, vault: Arc<dyn Vault>) -> Self {
        Self {
            store: app.store.clone() as Arc<dyn Store>,
            vault,
            clock,
            partners: app
                .config
                .partners
                .iter()
                .filter(|p| !p.openimmo.is_empty())
                .map(|p| (p.engine_config(), p.openimmo.clone()))
                .collect(),
            documents_dir: app
                .config
                .erp
                .documents_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(".")),
            work_dir: app.data_dir().join("export"),
        }
    }
}

#[async_trait]
impl AfterRun for ExportHook {
    async fn after_run(&self, connection: &str, use_case: UseCase, trigger: &str) -> Vec<String> {
        if use_case != UseCase::Leerstaende {
            return Vec::new();
        }
        // Exports belong to the production connection; a test connection (`NAME@test`) keeps
        // its feed for the partner API only.
        let Some((partner, targets)) = self.partners.iter().find(|(p, _)| p.name == connection)
        else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for t in targets {
            let line = match self.export_one(partner, t, trigger).await {
                Ok(line) => line,
                Err(e) => format!("OpenImmo-Export „{}“: Fehler: {e:#}", t.name),
            };
            tracing::info!(connection, target = %t.name, "{line}");
            lines.push(line);
        }
        lines
    }
}

impl ExportHook {
    async fn export_one(
        &self,
        partner: &PartnerConfig,
        t: &OpenImmoEntry,
        trigger: &str,
    ) -> anyhow::Result<String> {
        let target = resolve_secrets(t.parse_target()?, &partner.name, self.vault.as_ref()).await?;
        let dest = Drop(target);
        let export = OpenImmoExport {
            target: t.name.clone(),
            company: t.company.clone(),
            openimmo_anid: t.openimmo_anid.clone(),
            provider_no: t.provider_no.clone(),
            techn_email: t.techn_email.clone(),
            documents_dir: self.documents_dir.clone(),
            work_dir: self.work_dir.clone(),
            trigger: trigger.to_owned(),
        };
        let s = export_openimmo(
            self.store.as_ref(),
            partner,
            &export,
            &dest,
            self.clock.as_ref(),
        )
        .await?;
        Ok(match &s.file_name {
            None => format!(
                "OpenImmo-Export „{}“: keine Änderungen seit der letzten Datei",
                t.name
            ),
            Some(f) => {
                let mut line = format!(
                    "OpenImmo-Export „{}“: {f} an {} – {} Angebote, {} Löschungen, {} Anhänge",
                    t.name, s.destination, s.listings, s.deletions, s.attachments
                );
                if !s.rejected.is_empty() {
                    line.push_str(&format!("; abgelehnt: {}", s.rejected.join("; ")));
                }
                line
            }
        })
    }
}

/// `[[partner.feedback]]`: where a partner drops OpenImmo-Feedback files with prospects (PRO-2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackEntry {
    /// Name of the source within the partner.
    pub name: String,
    /// Which files: a pattern such as `*.xml` (case-insensitive; files still being written,
    /// `.part`/`.tmp`, are always left alone).
    #[serde(default = "default_pattern")]
    pub pattern: String,
    /// Where the files are: `{ kind = "directory" | "ftp" | "sftp", … }` as for exports.
    pub target: toml::Value,
}

fn default_pattern() -> String {
    "*.xml".to_owned()
}

impl FeedbackEntry {
    pub fn parse_target(&self) -> anyhow::Result<Target> {
        self.target
            .clone()
            .try_into()
            .with_context(|| format!("[[partner.feedback]] „{}“: target", self.name))
    }
}

/// Picks up the feedback files of a partner (PRO-2): each file is downloaded, parsed
/// leniently, its prospects go into the inbox, and the file is moved to the archive folder
/// only after that; a file that is not XML at all stays where it is and is reported.
pub async fn pickup_feedback(
    store: &dyn Store,
    vault: &dyn Vault,
    partner: &PartnerConfig,
    sources: &[FeedbackEntry],
    clock: &dyn Clock,
) -> Vec<String> {
    let mut lines = Vec::new();
    for src in sources {
        let result: anyhow::Result<()> = async {
            let target = resolve_secrets(src.parse_target()?, &partner.name, vault).await?;
            let mut conn = target.connect().await?;
            let files = conn.list(&src.pattern).await?;
            if files.is_empty() {
                lines.push(format!("Feedback „{}“: keine Dateien", src.name));
            }
            for f in files {
                let temp = conn.download_to_temp(&f.name, None).await?;
                let parsed = std::fs::File::open(temp.path())
                    .map_err(anyhow::Error::from)
                    .and_then(|file| {
                        immohub_openimmo::parse_feedback(std::io::BufReader::new(file))
                            .map_err(anyhow::Error::from)
                    });
                let file = match parsed {
                    Ok(file) => file,
                    Err(e) => {
                        lines.push(format!(
                            "Feedback „{}“: {} bleibt liegen: {e}",
                            src.name, f.name
                        ));
                        continue;
                    }
                };
                let s = immohub_engine::feedback::import_feedback(
                    store,
                    partner,
                    &f.name,
                    &file,
                    clock,
                )
                .await?;
                let archived = conn.archive(&f.name).await?;
                let mut line = format!(
                    "Feedback „{}“: {} – {} Interessenten übernommen, {} schon bekannt, {} unbrauchbar (Lauf {}; archiviert als {archived})",
                    src.name,
                    f.name,
                    s.accepted,
                    s.known,
                    s.rejected.len(),
                    s.run_id
                );
                for r in &s.rejected {
                    line.push_str(&format!("\n    {r}"));
                }
                lines.push(line);
            }
            conn.close().await;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            lines.push(format!("Feedback „{}“: Fehler: {e:#}", src.name));
        }
    }
    lines
}

/// `check`: every OpenImmo export target and feedback source of every partner — credentials
/// present, connection and login work, the directory is there; for a feedback source also how
/// many files wait. Returns `false` when one of them cannot be used.
pub async fn check_targets(app: &App) -> bool {
    let vault = app.vault();
    let mut ok = true;
    let mut header = false;
    for p in &app.config.partners {
        let exports = p
            .openimmo
            .iter()
            .map(|e| ("OpenImmo-Export", &e.name, e.parse_target(), None));
        let sources = p.feedback.iter().map(|e| {
            (
                "Feedback",
                &e.name,
                e.parse_target(),
                Some(e.pattern.as_str()),
            )
        });
        for (what, name, target, pattern) in exports.chain(sources) {
            if !header {
                println!("Dateiübertragung (VAC-4, PRO-2):");
                header = true;
            }
            let result: anyhow::Result<String> = async {
                let target = resolve_secrets(target?, &p.name, vault.as_ref()).await?;
                let mut conn = target.connect().await?;
                let detail = match pattern {
                    Some(pattern) => {
                        let n = conn.list(pattern).await?.len();
                        format!("{n} Datei(en) „{pattern}“ warten")
                    }
                    None => "erreichbar".to_owned(),
                };
                conn.close().await;
                Ok(format!("{}: {detail}", target.describe()))
            }
            .await;
            match result {
                Ok(line) => println!("  ✓ Partner {}: {what} „{name}“ – {line}", p.name),
                Err(e) => {
                    ok = false;
                    println!("  ✗ Partner {}: {what} „{name}“: {e:#}", p.name);
                }
            }
        }
    }
    ok
}
