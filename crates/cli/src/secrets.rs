//! Credentials (GEN-5): the master key at start-up (including an interrupted rotation), and
//! the commands `secret set|list|delete` and `master-key rotate`.
//!
//! Values are read twice without echo (or as two lines of standard input), sealed with the
//! master key and stored; they are never printed, logged or put into an error message.
//!
//! Key rotation with a key file (`secrets.master_key_file`, here `FILE`), crash-safe:
//! 1. take the rotation lock (`FILE.lock`), write the new key to `FILE.new` (synced);
//! 2. re-seal every stored credential with the new key in ONE store transaction;
//! 3. rename `FILE.new` over `FILE` (synced).
//!
//! A crash between 1 and 3 leaves `FILE.new`. Every start (every command) looks for it before
//! it loads the key and, under the lock, asks the store which key its credentials name: the
//! new one → the transaction committed, the rename is finished; the old one, or no credentials
//! at all → the rotation is rolled back (`FILE.new` removed). Either way one line on stderr
//! says what happened. With `IMMOHUB_MASTER_KEY` the new key is written to `--new-key-file`
//! and the operator sets the variable to it.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use immohub_secrets::secrecy::ExposeSecret;
use immohub_secrets::{Cipher, Created, ENV_VAR, KeySource, MasterKey};
use immohub_store::{
    Environment, Resealed, SecretStore, SqlStore, Store, StoreError, StoredSecret,
};
use zeroize::Zeroizing;

use crate::app::App;
use crate::config::Config;
use crate::{Env, SecretDeleteArgs, SecretListArgs, SecretSetArgs};

/// The value of `IMMOHUB_MASTER_KEY`, if set and not blank (wiped when dropped).
fn env_key() -> Option<Zeroizing<String>> {
    std::env::var(ENV_VAR)
        .ok()
        .map(Zeroizing::new)
        .filter(|v| !v.trim().is_empty())
}

/// The master key for this process: `IMMOHUB_MASTER_KEY`, else the key file. Settles an
/// interrupted rotation first. Generates the key file on first start (one message on stderr),
/// but never while the store holds credentials: a new key could not open them.
pub(crate) async fn load_master_key(
    config: &Config,
    store: &SqlStore,
) -> anyhow::Result<MasterKey> {
    let env = env_key();
    let file = &config.secrets.master_key_file;
    if env.is_none() && MasterKey::pending_file(file).exists() {
        let _lock = MasterKey::lock_rotation(file)?;
        if let Some(message) = settle_pending(file, store).await? {
            eprintln!("{message}");
        }
    }
    if let Some(key) = MasterKey::load(file, env.as_ref().map(|v| v.as_str()))? {
        return Ok(key);
    }
    let stored = store.secret_list(None).await?;
    if let Some(first) = stored.first() {
        bail!(
            "Hauptschlüssel fehlt: weder {ENV_VAR} gesetzt noch Datei {} vorhanden, aber die \
             Hub-Datenbank enthält {} verschlüsselte Zugangsdaten (Schlüssel {}). Die \
             Schlüsseldatei aus der Sicherung zurückspielen oder {ENV_VAR} setzen; ein neuer \
             Schlüssel könnte sie nicht öffnen",
            file.display(),
            stored.len(),
            first.key_id
        );
    }
    let (key, created) = MasterKey::load_or_create(file, None)?;
    if created == Created::Yes {
        eprintln!(
            "Neuer Hauptschlüssel für Zugangsdaten erzeugt: {} (nur für diesen Benutzer \
             lesbar). Sichern Sie diese Datei jetzt, getrennt von der Hub-Datenbank: ohne sie \
             sind gespeicherte Zugangsdaten verloren. (Alternativ den Inhalt in die \
             Umgebungsvariable {ENV_VAR} übernehmen.)",
            file.display()
        );
    }
    Ok(key)
}

/// Finishes or rolls back a rotation that left `FILE.new`, by the key the stored credentials
/// name. Call it under the rotation lock. Returns what it did (German), `None` when there was
/// nothing to do.
async fn settle_pending(file: &Path, store: &dyn Store) -> anyhow::Result<Option<String>> {
    let pending_path = MasterKey::pending_file(file);
    if !pending_path.exists() {
        return Ok(None); // settled by another process meanwhile
    }
    let ids: BTreeSet<String> = store
        .secret_list(None)
        .await?
        .into_iter()
        .map(|i| i.key_id)
        .collect();
    let current = MasterKey::load(file, None)?.map(|k| k.key_id());
    let pending = MasterKey::load_pending(file);
    let pending_id = pending
        .as_ref()
        .ok()
        .and_then(|k| k.as_ref())
        .map(|k| k.key_id());
    let only = |id: &Option<String>| {
        id.as_ref()
            .is_some_and(|id| ids.len() == 1 && ids.contains(id))
    };

    if only(&pending_id) {
        MasterKey::commit_pending(file)?;
        return Ok(Some(format!(
            "Unterbrochener Schlüsselwechsel abgeschlossen: die Zugangsdaten sind bereits mit \
             dem neuen Hauptschlüssel verschlüsselt; {} enthält ihn jetzt. Bitte diese Datei \
             neu sichern.",
            file.display()
        )));
    }
    if ids.is_empty() || only(&current) {
        MasterKey::discard_pending(file)?;
        return Ok(Some(format!(
            "Unterbrochener Schlüsselwechsel zurückgerollt: die Zugangsdaten nutzen noch den \
             bisherigen Hauptschlüssel ({}); {} wurde entfernt. `immohub master-key rotate` \
             erneut ausführen.",
            file.display(),
            pending_path.display()
        )));
    }
    let found: Vec<&str> = ids.iter().map(String::as_str).collect();
    bail!(
        "Unterbrochener Schlüsselwechsel ({}): die Zugangsdaten nennen Schlüssel [{}], aber \
         weder {} ({}) noch {} ({}) ist einer davon. Nichts geändert; bitte den passenden \
         Hauptschlüssel bereitstellen",
        pending_path.display(),
        found.join(", "),
        file.display(),
        current.as_deref().unwrap_or("fehlt"),
        pending_path.display(),
        match &pending {
            Ok(Some(k)) => k.key_id(),
            Ok(None) => "fehlt".to_owned(),
            Err(_) => "unlesbar".to_owned(),
        }
    )
}

// --- secret set | list | delete --------------------------------------------------------------

/// `immohub secret set --partner NAME --name KEY [--env production|test]`.
pub async fn set(config_path: &Path, a: &SecretSetArgs) -> anyhow::Result<()> {
    check_name(&a.name)?;
    let app = App::open(config_path).await?;
    let partner = app.config.partner(&a.partner)?;
    let env = Environment::from(a.env);
    let owner = partner.connection(env);
    let value = read_twice(&format!(
        "Wert für „{}“ ({}, {})",
        a.name,
        a.partner,
        env.label_de()
    ))?;
    app.set_secret(&owner, &a.name, value.as_bytes()).await?;
    tracing::info!(owner = %owner, name = %a.name, "Zugangsdaten gespeichert");
    println!(
        "Zugangsdaten „{}“ für {} ({}) verschlüsselt gespeichert.",
        a.name,
        a.partner,
        env.label_de()
    );
    if env == Environment::Test && !partner.test_enabled() {
        println!(
            "Hinweis: die Testumgebung von {} ist noch ausgeschaltet ([partner.test] enabled = true).",
            a.partner
        );
    }
    Ok(())
}

/// `immohub secret list [--partner NAME]`: names and dates, never values.
pub async fn list(config_path: &Path, a: &SecretListArgs) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let infos = match &a.partner {
        Some(name) => {
            let p = app.config.partner(name)?;
            let mut infos = Vec::new();
            for env in Environment::ALL {
                infos.extend(app.store.secret_list(Some(&p.connection(env))).await?);
            }
            infos
        }
        None => app.store.secret_list(None).await?,
    };
    if infos.is_empty() {
        println!("Keine Zugangsdaten gespeichert.");
        return Ok(());
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "Partner",
        "Umgebung",
        "Name",
        "Angelegt",
        "Geändert",
        "Schlüssel",
    ]);
    for i in &infos {
        let (partner, env) = Environment::of_connection(&i.owner);
        t.add_row(vec![
            partner.to_owned(),
            env.label_de().to_owned(),
            i.name.clone(),
            berlin(i.created_at),
            berlin(i.updated_at),
            i.key_id.clone(),
        ]);
    }
    println!("{t}");
    println!("({} Zugangsdaten; Werte werden nie angezeigt)", infos.len());
    Ok(())
}

/// `immohub secret delete --partner NAME --name KEY [--env production|test]`.
pub async fn delete(config_path: &Path, a: &SecretDeleteArgs) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    let partner = app.config.partner(&a.partner)?;
    let env = Environment::from(a.env);
    let owner = partner.connection(env);
    if !app.store.delete_secret(&owner, &a.name).await? {
        bail!(
            "Zugangsdaten „{}“ für {} ({}) gibt es nicht",
            a.name,
            a.partner,
            env.label_de()
        );
    }
    println!(
        "Zugangsdaten „{}“ für {} ({}) gelöscht.",
        a.name,
        a.partner,
        env.label_de()
    );
    Ok(())
}

/// Names of credentials: letters, digits, `_`, `-`, `.`; at most 64.
fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        bail!(
            "--name „{name}“: erlaubt sind 1 bis 64 Zeichen aus Buchstaben, Ziffern, _ - . \
             (z. B. api_password)"
        );
    }
    Ok(())
}

/// Reads a value twice (GEN-5): without echo from the terminal, or as two lines of standard
/// input when that is no terminal. Both must match and not be empty.
pub(crate) fn read_twice(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    let stdin = std::io::stdin();
    let (first, second) = if stdin.is_terminal() {
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("{prompt}: ")).context("Eingabe nicht lesbar")?,
        );
        let second = Zeroizing::new(
            rpassword::prompt_password("Zur Bestätigung wiederholen: ")
                .context("Eingabe nicht lesbar")?,
        );
        (first, second)
    } else {
        let mut lock = stdin.lock();
        let mut line = || -> anyhow::Result<Zeroizing<String>> {
            let mut buf = Zeroizing::new(String::new());
            let n = lock
                .read_line(&mut buf)
                .context("Standardeingabe nicht lesbar")?;
            if n == 0 {
                bail!(
                    "Standardeingabe: zwei Zeilen erwartet (Wert und Wiederholung) – nichts \
                     gespeichert"
                );
            }
            let trimmed = buf.trim_end_matches(['\n', '\r']).len();
            buf.truncate(trimmed);
            Ok(buf)
        };
        (line()?, line()?)
    };
    if first.is_empty() {
        bail!("leerer Wert – nichts gespeichert");
    }
    if first.as_bytes() != second.as_bytes() {
        bail!("Die beiden Eingaben stimmen nicht überein – nichts gespeichert.");
    }
    Ok(first)
}

fn berlin(t: DateTime<Utc>) -> String {
    t.with_timezone(&Berlin)
        .format("%d.%m.%Y %H:%M:%S")
        .to_string()
}

// --- master-key rotate -------------------------------------------------------------------------

/// `immohub master-key rotate [--new-key-file PATH]`.
pub async fn rotate(config_path: &Path, new_key_file: Option<&Path>) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    match app.key_source.clone() {
        KeySource::File(file) => {
            if new_key_file.is_some() {
                bail!(
                    "--new-key-file gilt nur, wenn der Hauptschlüssel aus {ENV_VAR} kommt; hier \
                     kommt er aus {} und wird dort ersetzt",
                    file.display()
                );
            }
            rotate_file(&app, &file).await
        }
        KeySource::Environment => {
            let Some(target) = new_key_file else {
                bail!(
                    "Der Hauptschlüssel kommt aus der Umgebungsvariable {ENV_VAR}: \
                     `immohub master-key rotate --new-key-file PFAD` schreibt den neuen \
                     Schlüssel in eine Datei; danach {ENV_VAR} auf ihren Inhalt setzen"
                );
            };
            rotate_env(&app, target).await
        }
        KeySource::Generated => bail!("Hauptschlüssel ohne Quelle"),
    }
}

async fn rotate_file(app: &App, file: &Path) -> anyhow::Result<()> {
    let _lock = MasterKey::lock_rotation(file)?;
    // Another rotation may have finished while this one waited for the lock.
    let current = MasterKey::load(file, None)?
        .with_context(|| format!("Schlüsseldatei {} fehlt", file.display()))?;
    if current.key_id() != app.cipher.key_id() {
        bail!(
            "Der Hauptschlüssel in {} wurde inzwischen gewechselt – Befehl wiederholen",
            file.display()
        );
    }
    if MasterKey::pending_file(file).exists() {
        bail!(
            "{} existiert: ein anderer Schlüsselwechsel ist nicht abgeschlossen – Befehl \
             wiederholen",
            MasterKey::pending_file(file).display()
        );
    }
    let new = MasterKey::generate();
    new.write_pending(file)?;
    let new_cipher = new.cipher();
    match reseal(app, &new_cipher).await {
        Ok(n) => {
            MasterKey::commit_pending(file)?;
            println!(
                "Hauptschlüssel gewechselt (Schlüssel {} → {}): {n} Zugangsdaten neu \
                 verschlüsselt. {} enthält den neuen Schlüssel – jetzt sichern; der alte passt \
                 nur noch zu älteren Sicherungen der Hub-Datenbank.",
                app.cipher.key_id(),
                new_cipher.key_id(),
                file.display()
            );
            Ok(())
        }
        Err(e) => {
            // Did the transaction commit after all (e.g. the connection broke on commit)?
            // The store decides, exactly as on the next start.
            let settled = settle_pending(file, app.store.as_ref()).await;
            let note = match settled {
                Ok(Some(m)) => m,
                Ok(None) => String::new(),
                Err(s) => format!("{s:#}"),
            };
            Err(e.context(format!("Schlüsselwechsel fehlgeschlagen. {note}")))
        }
    }
}

async fn rotate_env(app: &App, target: &Path) -> anyhow::Result<()> {
    let new = MasterKey::generate();
    new.write_new(target)?;
    let new_cipher = new.cipher();
    match reseal(app, &new_cipher).await {
        Ok(n) => {
            println!(
                "Hauptschlüssel gewechselt (Schlüssel {} → {}): {n} Zugangsdaten neu \
                 verschlüsselt. Der neue Schlüssel steht in {} (nur für diesen Benutzer \
                 lesbar). Jetzt {ENV_VAR} überall auf den Inhalt dieser Datei setzen, die Datei \
                 sichern und danach löschen; mit dem alten Wert lassen sich die Zugangsdaten \
                 nicht mehr öffnen.",
                app.cipher.key_id(),
                new_cipher.key_id(),
                target.display()
            );
            Ok(())
        }
        Err(e) => {
            let ids: BTreeSet<String> = app
                .store
                .secret_list(None)
                .await
                .map(|l| l.into_iter().map(|i| i.key_id).collect())
                .unwrap_or_default();
            if ids.len() == 1 && ids.contains(new_cipher.key_id()) {
                return Err(e.context(format!(
                    "Fehler beim Abschluss, die Zugangsdaten sind aber bereits mit dem neuen \
                     Schlüssel aus {} verschlüsselt: {ENV_VAR} auf dessen Inhalt setzen",
                    target.display()
                )));
            }
            let _ = std::fs::remove_file(target);
            Err(e.context(format!(
                "Schlüsselwechsel fehlgeschlagen, nichts geändert ({ENV_VAR} gilt weiter)"
            )))
        }
    }
}

/// Re-seals every stored credential with `new` in one transaction.
async fn reseal(app: &App, new: &Cipher) -> anyhow::Result<u64> {
    let old = &app.cipher;
    let f = |s: &StoredSecret| -> Result<Resealed, StoreError> {
        let plain = old
            .open(&s.owner, &s.name, &s.sealed)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sealed = new
            .seal(&s.owner, &s.name, plain.expose_secret())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Resealed {
            sealed,
            key_id: new.key_id().to_owned(),
        })
    };
    Ok(app.store.reseal_all(&f).await?)
}

/// `check`'s lines about the master key and the stored credentials; `false` when one does not
/// open.
pub(crate) async fn check_lines(app: &App) -> anyhow::Result<bool> {
    let mut ok = true;
    let source = match &app.key_source {
        KeySource::File(path) => {
            let mut s = format!("Datei {}", path.display());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(meta) = std::fs::metadata(path) {
                    let mode = meta.permissions().mode() & 0o777;
                    if mode & 0o077 != 0 {
                        s += &format!(
                            " – Achtung: Modus {mode:o}, auch für andere lesbar (chmod 600)"
                        );
                    }
                }
            }
            s
        }
        other => other.to_string(),
    };
    println!(
        "  ✓ Hauptschlüssel: {source} (Schlüssel {})",
        app.cipher.key_id()
    );
    let results = app.check_secrets().await?;
    let failed: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    if results.is_empty() {
        println!("  ✓ keine Zugangsdaten gespeichert");
    } else if failed.is_empty() {
        println!(
            "  ✓ {} Zugangsdaten gespeichert, alle lassen sich öffnen",
            results.len()
        );
    }
    for (_, r) in failed {
        ok = false;
        if let Err(e) = r {
            println!("  ✗ {e}");
        }
    }
    Ok(ok)
}

impl From<Env> for Environment {
    fn from(e: Env) -> Self {
        match e {
            Env::Production => Environment::Production,
            Env::Test => Environment::Test,
        }
    }
}
