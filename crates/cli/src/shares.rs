//! Share rooms (immoCloud, SHR-1..SHR-10) on the command line, a thin layer over
//! `immohub-shares`; staff accounts (`immohub staff …`); and the share routes and the
//! automatic activity push of `serve`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use comfy_table::Table;
use immohub_secrets::secrecy::SecretString;
use immohub_shares::mail::Mailer;
use immohub_shares::{CreateRoom, NewRecipientRequest, RecipientSource, Shares};
use immohub_store::{ConsentSettings, EventFilter, NotificationStore, ShareStore, Store};

use crate::app::App;

/// Name under which CLI actions are recorded (`created_by`).
const CLI_STAFF: &str = "cli";
/// Owner of the mail password in the credential store.
pub const MAIL_OWNER: &str = "mail";

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Legt ein Mitarbeiterkonto an und gibt seinen Schlüssel einmalig aus.
    Add {
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Zeigt die Mitarbeiterkonten (ohne Schlüssel).
    List,
    /// Sperrt ein Mitarbeiterkonto; sein Schlüssel gilt sofort nicht mehr.
    Revoke { name: String },
    /// Abonniert E-Mails: „tenants“ = neuer Mieter ohne Vertrag (TEN-3); ohne --partner für
    /// alle Partner.
    Subscribe {
        name: String,
        #[arg(long, default_value = "tenants")]
        topic: String,
        #[arg(long)]
        partner: Option<String>,
    },
    /// Beendet ein Abonnement.
    Unsubscribe {
        name: String,
        #[arg(long, default_value = "tenants")]
        topic: String,
        #[arg(long)]
        partner: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SharesCommand {
    /// Datenräume (einer je Objekt, SHR-1).
    Room {
        #[command(subcommand)]
        command: RoomCommand,
    },
    /// Ordner eines Datenraums.
    Folder {
        #[command(subcommand)]
        command: FolderCommand,
    },
    /// Lädt eine Datei in einen Datenraum hoch.
    Upload(UploadArgs),
    /// Empfänger (SHR-2).
    Recipient {
        #[command(subcommand)]
        command: RecipientCommand,
    },
    /// Gibt einem Empfänger einen neuen persönlichen Link (der alte gilt nicht mehr); mit
    /// --template wird eine Vorlage mit {Feld:OImmoCloudLink} ausgefüllt (SHR-3).
    Link {
        #[arg(long)]
        recipient: i64,
        #[arg(long)]
        template: Option<PathBuf>,
    },
    /// Sperrt den Zugriff eines Empfängers sofort (SHR-8).
    Revoke {
        #[arg(long)]
        recipient: i64,
    },
    /// Gibt einem gesperrten Empfänger den Zugriff zurück.
    Restore {
        #[arg(long)]
        recipient: i64,
    },
    /// Setzt den Ablauf eines Links (SHR-10).
    Expiry(ExpiryArgs),
    /// Zeigt die Zugriffe (SHR-7).
    Events {
        #[arg(long)]
        room: i64,
        #[arg(long)]
        recipient: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Versendet einen neuen Link per E-Mail ([mail]).
    SendLink {
        #[arg(long)]
        recipient: i64,
        #[arg(long)]
        subject: Option<String>,
        /// Textdatei mit {Feld:OImmoCloudLink}.
        #[arg(long)]
        body_file: Option<PathBuf>,
    },
    /// Aktivitäten ins ERP (SHR-7).
    Activities {
        #[command(subcommand)]
        command: ActivitiesCommand,
    },
    /// Speichert das SMTP-Passwort verschlüsselt ([mail] password = "secret:NAME").
    MailPassword {
        #[arg(long, default_value = "smtp_password")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoomCommand {
    /// Legt den Datenraum eines Objekts an.
    Create(RoomCreateArgs),
    /// Zeigt alle Datenräume.
    List,
    /// Zeigt einen Datenraum mit Ordnern, Dateien, Empfängern und Zugriffen.
    Show { id: i64 },
}

#[derive(Debug, Args)]
pub struct RoomCreateArgs {
    /// Objekt-ID (z. B. 1.100.1.7).
    #[arg(long)]
    pub object: String,
    /// property, unit oder listing.
    #[arg(long, default_value = "unit")]
    pub object_kind: String,
    #[arg(long)]
    pub title: String,
    /// Textdatei der Widerrufsbelehrung: schaltet die Zustimmung ein (SHR-4).
    #[arg(long)]
    pub policy_file: Option<PathBuf>,
    #[arg(long, default_value = "1")]
    pub policy_version: String,
    /// Textdatei der AGB (optional).
    #[arg(long)]
    pub terms_file: Option<PathBuf>,
    #[arg(long, default_value = "1")]
    pub terms_version: String,
    /// Der erste Zugriff eines Empfängers erzeugt eine Aktivität (SHR-10).
    #[arg(long)]
    pub first_access_activity: bool,
}

#[derive(Debug, Subcommand)]
pub enum FolderCommand {
    Add {
        #[arg(long)]
        room: i64,
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[arg(long)]
    pub room: i64,
    #[arg(long)]
    pub folder: Option<i64>,
    /// Name im Datenraum (Standard: Dateiname).
    #[arg(long)]
    pub name: Option<String>,
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum RecipientCommand {
    /// Fügt einen Empfänger hinzu und gibt seinen Link einmalig aus.
    Add(RecipientAddArgs),
    /// Benutzerübersicht eines Datenraums (SHR-8).
    List {
        #[arg(long)]
        room: i64,
    },
}

#[derive(Debug, Args)]
pub struct RecipientAddArgs {
    #[arg(long)]
    pub room: i64,
    /// ERP-Person (Mandant.Personennummer, z. B. 1.4711).
    #[arg(long, conflicts_with_all = ["prospect", "email"])]
    pub person: Option<String>,
    /// Interessent aus dem Eingang: VERBINDUNG:ID.
    #[arg(long, conflicts_with = "email")]
    pub prospect: Option<String>,
    /// Freie E-Mail-Adresse.
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    /// Gültigkeit in Tagen (SHR-10).
    #[arg(long)]
    pub valid_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ExpiryArgs {
    #[arg(long)]
    pub recipient: i64,
    /// Ablaufzeitpunkt (RFC 3339, z. B. 2026-12-31T23:59:59+01:00).
    #[arg(long, conflicts_with_all = ["days", "never"])]
    pub at: Option<DateTime<chrono::FixedOffset>>,
    /// Ab jetzt so viele Tage gültig.
    #[arg(long, conflicts_with = "never")]
    pub days: Option<u32>,
    /// Kein Ablauf.
    #[arg(long)]
    pub never: bool,
}

#[derive(Debug, Subcommand)]
pub enum ActivitiesCommand {
    /// Übergibt alle neuen Zugriffe als Aktivitäten ins ERP („Jetzt einlesen“).
    Push,
}

/// The share service of this configuration. `with_erp`: connect to the ERP for activities.
pub async fn service(app: &App, with_erp: bool) -> anyhow::Result<Shares> {
    let cfg = &app.config.shares;
    let base = cfg
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", app.config.server.listen));
    let mut shares = Shares::new(
        app.store.clone() as Arc<dyn Store>,
        app.data_dir().join("shares"),
        cfg.clone(),
        &base,
    )?;
    if let Some(mail) = &app.config.mail {
        let password = match &mail.password {
            Some(p) => Some(resolve_password(app, p).await?),
            None => None,
        };
        shares = shares.with_mailer(Mailer::new(mail, password)?);
    }
    if with_erp {
        let url = crate::inbound::write_url(&app.config);
        let sink = immohub_erp::ErpSink::connect(url)
            .await
            .context("ERP für Aktivitäten nicht erreichbar")?;
        shares = shares.with_erp(Arc::new(sink));
    }
    Ok(shares)
}

pub(crate) async fn resolve_password(app: &App, value: &str) -> anyhow::Result<SecretString> {
    let Some(name) = value.strip_prefix("secret:") else {
        anyhow::bail!(
            "[mail] password muss ein Verweis „secret:NAME“ sein (immohub shares mail-password \
             --name NAME); Passwörter gehören nicht in die Konfigurationsdatei"
        );
    };
    let v = app
        .secret_string(MAIL_OWNER, name)
        .await?
        .with_context(|| {
            format!("SMTP-Passwort „{name}“ fehlt: immohub shares mail-password --name {name}")
        })?;
    Ok(v)
}

pub async fn staff(config: &Path, cmd: &StaffCommand) -> anyhow::Result<()> {
    let app = App::open(config).await?;
    match cmd {
        StaffCommand::Add { name, email } => {
            if name.trim().is_empty() || name.chars().any(char::is_whitespace) {
                anyhow::bail!("Name „{name}“: leer oder mit Leerzeichen");
            }
            let key = format!("ihs_{}", &crate::app::new_api_key()[4..]);
            app.store
                .create_staff(
                    name,
                    email.as_deref(),
                    &immohub_api::hash_staff_key(&key),
                    Utc::now(),
                )
                .await?;
            println!("Mitarbeiterkonto „{name}“ angelegt. Schlüssel (wird nur jetzt angezeigt):");
            println!("{key}");
        }
        StaffCommand::List => {
            let mut t = Table::new();
            t.set_header(["Name", "E-Mail", "Status", "angelegt", "Abonnements"]);
            let subs = app.store.subscriptions().await?;
            for u in app.store.staff_list().await? {
                let mine: Vec<String> = subs
                    .iter()
                    .filter(|s| s.staff == u.name)
                    .map(|s| match &s.connection {
                        Some(c) => format!("{} ({c})", s.topic),
                        None => s.topic.clone(),
                    })
                    .collect();
                t.add_row([
                    u.name,
                    u.email.unwrap_or_default(),
                    if u.active { "aktiv" } else { "gesperrt" }.to_owned(),
                    immohub_shares::view::berlin(u.created_at),
                    mine.join(", "),
                ]);
            }
            println!("{t}");
        }
        StaffCommand::Revoke { name } => {
            if !app.store.revoke_staff(name, Utc::now()).await? {
                anyhow::bail!("kein aktives Mitarbeiterkonto „{name}“");
            }
            println!("Mitarbeiterkonto „{name}“ gesperrt; sein Schlüssel gilt nicht mehr.");
        }
        StaffCommand::Subscribe {
            name,
            topic,
            partner,
        } => {
            if !immohub_store::TOPICS.contains(&topic.as_str()) {
                anyhow::bail!(
                    "unbekanntes Thema „{topic}“ (bekannt: {})",
                    immohub_store::TOPICS.join(", ")
                );
            }
            if let Some(p) = partner {
                app.config.partner(p)?;
            }
            let new = app
                .store
                .subscribe(name, topic, partner.as_deref(), Utc::now())
                .await?;
            let scope = partner
                .as_deref()
                .map_or("alle Partner".to_owned(), |p| format!("Partner „{p}“"));
            println!(
                "{name} erhält E-Mails zu „{topic}“ ({scope}){}",
                if new {
                    ""
                } else {
                    " – war bereits abonniert"
                }
            );
            let has_email = app
                .store
                .staff_list()
                .await?
                .into_iter()
                .any(|u| &u.name == name && u.email.as_deref().is_some_and(|e| !e.is_empty()));
            if !has_email {
                println!(
                    "Achtung: das Konto hat keine E-Mail-Adresse und erhält daher keine E-Mails \
                     (Konto mit Adresse: immohub staff add NAME --email ADRESSE)"
                );
            }
        }
        StaffCommand::Unsubscribe {
            name,
            topic,
            partner,
        } => {
            if !app
                .store
                .unsubscribe(name, topic, partner.as_deref())
                .await?
            {
                anyhow::bail!("{name} hat „{topic}“ nicht abonniert");
            }
            println!("Abonnement „{topic}“ von {name} beendet.");
        }
    }
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{} nicht lesbar", path.display()))
}

pub async fn run(config: &Path, cmd: &SharesCommand) -> anyhow::Result<()> {
    let app = App::open(config).await?;
    let with_erp = matches!(
        cmd,
        SharesCommand::Activities {
            command: ActivitiesCommand::Push
        }
    );
    let shares = service(&app, with_erp).await?;
    match cmd {
        SharesCommand::Room { command } => match command {
            RoomCommand::Create(a) => {
                let consent = match &a.policy_file {
                    Some(p) => ConsentSettings {
                        required: true,
                        policy_text: Some(read(p)?),
                        policy_version: Some(a.policy_version.clone()),
                        terms_text: a.terms_file.as_deref().map(read).transpose()?,
                        terms_version: a.terms_file.as_ref().map(|_| a.terms_version.clone()),
                    },
                    None => ConsentSettings::default(),
                };
                let room = shares
                    .create_room(
                        CLI_STAFF,
                        &CreateRoom {
                            object_kind: a.object_kind.clone(),
                            object_id: a.object.clone(),
                            title: a.title.clone(),
                            consent,
                            first_access_activity: a.first_access_activity,
                        },
                    )
                    .await?;
                println!("Datenraum {} „{}“ angelegt.", room.id, room.title);
            }
            RoomCommand::List => {
                let mut t = Table::new();
                t.set_header(["ID", "Objekt", "Titel", "Zustimmung", "angelegt"]);
                for r in shares.store().rooms().await? {
                    t.add_row([
                        r.id.to_string(),
                        format!("{} {}", r.object_kind, r.object_id),
                        r.title,
                        if r.consent_required { "ja" } else { "nein" }.to_owned(),
                        immohub_shares::view::berlin(r.created_at),
                    ]);
                }
                println!("{t}");
            }
            RoomCommand::Show { id } => {
                let o = shares.overview(*id).await?;
                println!(
                    "Datenraum {} „{}“ ({} {})",
                    o.room.id, o.room.title, o.room.object_kind, o.room.object_id
                );
                println!("{}", o.notice);
                let mut t = Table::new();
                t.set_header(["Datei", "Ordner", "Größe"]);
                for f in &o.files {
                    let folder = o
                        .folders
                        .iter()
                        .find(|d| Some(d.id) == f.folder_id)
                        .map(|d| d.name.clone())
                        .unwrap_or_default();
                    t.add_row([
                        format!("{} {}", f.id, f.name),
                        folder,
                        immohub_shares::view::size_text(f.size),
                    ]);
                }
                println!("{t}");
                print_recipients(&o);
            }
        },
        SharesCommand::Folder {
            command: FolderCommand::Add { room, name },
        } => {
            let f = shares.add_folder(*room, name).await?;
            println!("Ordner {} „{}“ angelegt.", f.id, f.name);
        }
        SharesCommand::Upload(a) => {
            let name = match &a.name {
                Some(n) => n.clone(),
                None => a
                    .file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .context("Dateiname nicht lesbar")?
                    .to_owned(),
            };
            let file = tokio::fs::File::open(&a.file)
                .await
                .with_context(|| format!("{} nicht lesbar", a.file.display()))?;
            let stream = tokio_util::io::ReaderStream::new(file);
            let f = shares
                .upload(CLI_STAFF, a.room, a.folder, &name, stream)
                .await?;
            println!(
                "Datei {} „{}“ hochgeladen ({}). {}",
                f.id,
                f.name,
                immohub_shares::view::size_text(f.size),
                immohub_shares::shared_change_notice(
                    shares.store().recipients(a.room).await?.len()
                )
            );
        }
        SharesCommand::Recipient { command } => match command {
            RecipientCommand::Add(a) => {
                let source = if let Some(p) = &a.person {
                    RecipientSource::Person {
                        person_id: p.clone(),
                    }
                } else if let Some(p) = &a.prospect {
                    let (connection, id) = p
                        .rsplit_once(':')
                        .context("--prospect: VERBINDUNG:ID erwartet")?;
                    RecipientSource::Prospect {
                        connection: connection.to_owned(),
                        inbox_id: id.parse().context("--prospect: ID ist keine Zahl")?,
                    }
                } else if let Some(e) = &a.email {
                    RecipientSource::Address {
                        email: e.clone(),
                        name: a.name.clone(),
                    }
                } else {
                    anyhow::bail!("--person, --prospect oder --email angeben");
                };
                let issued = shares
                    .add_recipient(
                        a.room,
                        &NewRecipientRequest {
                            source,
                            expires_at: None,
                            valid_days: a.valid_days,
                        },
                    )
                    .await?;
                println!(
                    "Empfänger {} „{}“ angelegt. Persönlicher Link (wird nur jetzt angezeigt):",
                    issued.recipient.id, issued.recipient.name
                );
                println!("{}", issued.link);
            }
            RecipientCommand::List { room } => print_recipients(&shares.overview(*room).await?),
        },
        SharesCommand::Link {
            recipient,
            template,
        } => {
            let issued = shares.new_link(*recipient).await?;
            match template {
                Some(t) => {
                    let room = shares.room(issued.recipient.room_id).await?;
                    println!("{}", shares.render(&read(t)?, &issued, &room));
                }
                None => println!("{}", issued.link),
            }
        }
        SharesCommand::Revoke { recipient } => {
            let r = shares.set_revoked(*recipient, true).await?;
            println!("Zugriff von „{}“ gesperrt (SHR-8).", r.name);
        }
        SharesCommand::Restore { recipient } => {
            let r = shares.set_revoked(*recipient, false).await?;
            println!("Zugriff von „{}“ wieder freigegeben.", r.name);
        }
        SharesCommand::Expiry(a) => {
            let at = if a.never {
                None
            } else if let Some(at) = a.at {
                Some(at.with_timezone(&Utc))
            } else if let Some(d) = a.days {
                Some(Utc::now() + chrono::Duration::days(i64::from(d)))
            } else {
                anyhow::bail!("--at, --days oder --never angeben");
            };
            let r = shares.set_expiry(a.recipient, at).await?;
            match r.expires_at {
                Some(e) => println!(
                    "Link von „{}“ gilt bis {}.",
                    r.name,
                    immohub_shares::view::berlin(e)
                ),
                None => println!("Link von „{}“ läuft nicht ab.", r.name),
            }
        }
        SharesCommand::Events {
            room,
            recipient,
            limit,
        } => {
            let mut t = Table::new();
            t.set_header(["Zeit (Berlin)", "Empfänger", "Ereignis", "Datei", "im ERP"]);
            for e in shares
                .store()
                .events(&EventFilter {
                    room_id: Some(*room),
                    recipient_id: *recipient,
                    limit: *limit,
                    ..EventFilter::default()
                })
                .await?
            {
                t.add_row([
                    immohub_shares::view::berlin(e.at),
                    e.recipient_id.to_string(),
                    e.kind.label_de().to_owned(),
                    e.file_id.map(|f| f.to_string()).unwrap_or_default(),
                    if e.exported_at.is_some() {
                        "ja"
                    } else {
                        "nein"
                    }
                    .to_owned(),
                ]);
            }
            println!("{t}");
        }
        SharesCommand::SendLink {
            recipient,
            subject,
            body_file,
        } => {
            let body = body_file.as_deref().map(read).transpose()?;
            let issued = shares
                .send_link(*recipient, subject.as_deref(), body.as_deref())
                .await?;
            println!(
                "Link an {} versandt (ein früherer Link dieses Empfängers gilt nicht mehr).",
                issued.recipient.email.unwrap_or_default()
            );
        }
        SharesCommand::Activities {
            command: ActivitiesCommand::Push,
        } => {
            let p = shares.push_activities().await?;
            println!(
                "{} Zugriffe als Aktivitäten ins ERP übergeben ({} neu geschrieben).",
                p.events, p.written
            );
        }
        SharesCommand::MailPassword { name } => {
            let value = crate::secrets::read_twice(&format!("SMTP-Passwort „{name}“"))?;
            app.set_secret(MAIL_OWNER, name, value.as_bytes()).await?;
            println!(
                "SMTP-Passwort „{name}“ verschlüsselt gespeichert; in [mail]: password = \"secret:{name}\"."
            );
        }
    }
    Ok(())
}

fn print_recipients(o: &immohub_shares::RoomOverview) {
    let mut t = Table::new();
    t.set_header([
        "ID",
        "Empfänger",
        "E-Mail",
        "Herkunft",
        "Status",
        "gültig bis",
        "Öffnungen",
        "Ansichten",
        "Downloads",
        "zuletzt",
    ]);
    for r in &o.recipients {
        t.add_row([
            r.recipient.id.to_string(),
            r.recipient.name.clone(),
            r.recipient.email.clone().unwrap_or_default(),
            r.recipient.kind.clone(),
            r.status.to_owned(),
            r.recipient
                .expires_at
                .map(immohub_shares::view::berlin)
                .unwrap_or_else(|| "–".to_owned()),
            r.counts.opens.to_string(),
            r.counts.views.to_string(),
            r.counts.downloads.to_string(),
            r.counts
                .last_at
                .map(immohub_shares::view::berlin)
                .unwrap_or_default(),
        ]);
    }
    println!("{t}");
}

/// The automatic activity push of `serve` (`[shares] auto_push_activities`, SHR-7).
pub fn spawn_push(
    shares: Arc<Shares>,
    interval_secs: u64,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(interval_secs.max(5)));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
            match shares.push_activities().await {
                Ok(p) if p.events > 0 => {
                    tracing::info!(
                        events = p.events,
                        written = p.written,
                        "Aktivitäten ins ERP übergeben"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "Aktivitäten nicht übergeben"),
            }
        }
    });
}
