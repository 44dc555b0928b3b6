//! GEN-5 with the real binary: credentials entered twice, stored encrypted, never shown again,
//! never logged; the master key created once, rotated crash-safely.

use std::path::Path;

use immohub_secrets::secrecy::ExposeSecret;
use immohub_secrets::{Cipher, MasterKey, SecretsError};
use immohub_store::{Resealed, StoreError};

use crate::support::{hub, run};

const PLAIN: &str = "Geheim-Wert-4711-äöü";
const PLAIN_TEST: &str = "Test-Passwort-0815";
/// Debug logging everywhere: the values must not reach the log either.
const DEBUG: &[(&str, &str)] = &[("IMMOHUB_LOG", "debug"), ("RUST_LOG", "debug")];

fn key_file(dir: &Path) -> std::path::PathBuf {
    dir.join("data/master.key")
}

fn file_key(dir: &Path) -> MasterKey {
    MasterKey::load(&key_file(dir), None).unwrap().unwrap()
}

async fn sealed(dir: &Path, owner: &str, name: &str) -> String {
    let mut c = hub(dir).await;
    sqlx::query_scalar("SELECT sealed FROM secrets WHERE owner = ?1 AND name = ?2")
        .bind(owner)
        .bind(name)
        .fetch_one(&mut c)
        .await
        .unwrap()
}

/// Every byte of the hub database (file, WAL, shared memory) and of the data directory.
fn data_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir.join("data")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(path).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn gen_5_credentials_entered_twice_encrypted_never_shown_and_rotated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut outputs = Vec::new();

    // First start: the key file is created, with one message naming it.
    let (ok, out) = run(dir, &["demo", "--units", "40"], DEBUG, None);
    assert!(ok, "{out}");
    assert_eq!(out.matches("Neuer Hauptschlüssel").count(), 1, "{out}");
    assert!(
        out.contains("data/master.key") && out.contains("Sichern"),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_file(dir))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    outputs.push(out);
    let (ok, out) = run(dir, &["check"], &[], None);
    assert!(ok, "{out}");
    assert!(!out.contains("Neuer Hauptschlüssel"), "created once: {out}");
    assert!(out.contains("keine Zugangsdaten gespeichert"), "{out}");

    // Entered twice (two lines on stdin): stored.
    let input = format!("{PLAIN}\n{PLAIN}\n");
    let (ok, out) = run(
        dir,
        &[
            "secret",
            "set",
            "--partner",
            "demo",
            "--name",
            "api_password",
        ],
        DEBUG,
        Some(&input),
    );
    assert!(ok, "{out}");
    assert!(out.contains("verschlüsselt gespeichert"), "{out}");
    outputs.push(out);
    let input = format!("{PLAIN_TEST}\r\n{PLAIN_TEST}\r\n");
    let (ok, out) = run(
        dir,
        &[
            "secret",
            "set",
            "--partner",
            "demo",
            "--name",
            "api_password",
            "--env",
            "test",
        ],
        DEBUG,
        Some(&input),
    );
    assert!(ok, "{out}");
    outputs.push(out);

    // Mismatch, a single line, an empty value, an unknown partner: refused, nothing stored.
    for (input, why) in [
        ("eins-abc\nzwei-abc\n", "stimmen nicht überein"),
        ("eins-abc\n", "zwei Zeilen erwartet"),
        ("\n\n", "leerer Wert"),
    ] {
        let (ok, out) = run(
            dir,
            &["secret", "set", "--partner", "demo", "--name", "api_user"],
            DEBUG,
            Some(input),
        );
        assert!(!ok, "{input:?}: {out}");
        assert!(out.contains(why), "{input:?}: {out}");
        assert!(
            !out.contains("eins-abc") && !out.contains("zwei-abc"),
            "{out}"
        );
    }
    let (ok, out) = run(
        dir,
        &["secret", "set", "--partner", "niemand", "--name", "x"],
        &[],
        Some("a\na\n"),
    );
    assert!(!ok && out.contains("nicht konfiguriert"), "{out}");

    // Lists show names and dates, never values.
    let (ok, out) = run(dir, &["secret", "list"], DEBUG, None);
    assert!(ok, "{out}");
    assert!(
        out.contains("api_password") && out.contains("Produktion"),
        "{out}"
    );
    assert!(out.contains("Test"), "{out}");
    assert!(!out.contains("api_user"), "mismatch stored nothing: {out}");
    assert!(out.contains("2 Zugangsdaten"), "{out}");
    outputs.push(out);
    let (ok, out) = run(dir, &["secret", "list", "--partner", "demo"], DEBUG, None);
    assert!(ok, "{out}");
    outputs.push(out);

    // check opens every value without showing it; a sync and the protocol, with debug logs.
    let (ok, out) = run(dir, &["check"], DEBUG, None);
    assert!(ok, "{out}");
    assert!(
        out.contains("Hauptschlüssel: Datei data/master.key"),
        "{out}"
    );
    assert!(
        out.contains("2 Zugangsdaten gespeichert, alle lassen sich öffnen"),
        "{out}"
    );
    outputs.push(out);
    let (ok, out) = run(
        dir,
        &["sync", "run", "stammdaten", "--partner", "demo"],
        DEBUG,
        None,
    );
    assert!(ok, "{out}");
    outputs.push(out);
    let (ok, out) = run(dir, &["protocol"], DEBUG, None);
    assert!(ok, "{out}");
    outputs.push(out);

    // At rest: sealed text in the table, the plaintext in no byte of the data directory.
    let stored = sealed(dir, "demo", "api_password").await;
    assert!(stored.starts_with("v1."), "{stored}");
    let bytes = data_bytes(dir);
    assert!(!contains(&bytes, PLAIN) && !contains(&bytes, PLAIN_TEST));
    assert!(!contains(&bytes, "Geheim-Wert"), "no prefix either");
    // The value is bound to its record: copied to another name it does not open.
    let old_key = file_key(dir);
    let old_cipher = old_key.cipher();
    assert_eq!(
        old_cipher
            .open_string("demo", "api_password", &stored)
            .unwrap()
            .expose_secret(),
        PLAIN
    );
    assert!(matches!(
        old_cipher.open("demo@test", "api_password", &stored),
        Err(SecretsError::Tampered { .. })
    ));

    // Rotation: all values re-sealed, the key file replaced, nothing left over.
    let (ok, out) = run(dir, &["master-key", "rotate"], DEBUG, None);
    assert!(ok, "{out}");
    assert!(out.contains("2 Zugangsdaten neu verschlüsselt"), "{out}");
    outputs.push(out);
    assert!(!dir.join("data/master.key.new").exists());
    let new_key = file_key(dir);
    assert_ne!(new_key.key_id(), old_key.key_id());
    let (ok, out) = run(dir, &["secret", "list"], &[], None);
    assert!(ok && out.contains(&new_key.key_id()), "{out}");
    outputs.push(out);
    let (ok, out) = run(dir, &["check"], DEBUG, None);
    assert!(ok, "{out}");
    assert!(out.contains("alle lassen sich öffnen"), "{out}");
    outputs.push(out);
    let stored = sealed(dir, "demo", "api_password").await;
    assert!(matches!(
        old_cipher.open("demo", "api_password", &stored),
        Err(SecretsError::WrongKey { .. })
    ));
    assert_eq!(
        new_key
            .cipher()
            .open_string("demo", "api_password", &stored)
            .unwrap()
            .expose_secret(),
        PLAIN
    );
    let test_value = sealed(dir, "demo@test", "api_password").await;
    assert_eq!(
        new_key
            .cipher()
            .open_string("demo@test", "api_password", &test_value)
            .unwrap()
            .expose_secret(),
        PLAIN_TEST
    );
    // The old key, given in the environment, no longer opens them: a clear error.
    let old_b64 = old_key.to_base64();
    let (ok, out) = run(
        dir,
        &["check"],
        &[("IMMOHUB_MASTER_KEY", old_b64.expose_secret())],
        None,
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("Umgebungsvariable IMMOHUB_MASTER_KEY"),
        "{out}"
    );
    assert!(
        out.contains("Der Hauptschlüssel passt nicht zu den gespeicherten Zugangsdaten"),
        "{out}"
    );
    assert!(!out.contains(old_b64.expose_secret()), "key echoed: {out}");

    // With the key in the environment, rotation writes the new one to a file.
    let env_b64 = new_key.to_base64();
    let env = [("IMMOHUB_MASTER_KEY", env_b64.expose_secret())];
    let (ok, out) = run(dir, &["master-key", "rotate"], &env, None);
    assert!(!ok && out.contains("--new-key-file"), "{out}");
    let (ok, out) = run(
        dir,
        &["master-key", "rotate", "--new-key-file", "neu.key"],
        &env,
        None,
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("IMMOHUB_MASTER_KEY") && out.contains("neu.key"),
        "{out}"
    );
    assert!(!out.contains(env_b64.expose_secret()), "{out}");
    let newest = MasterKey::load(&dir.join("neu.key"), None)
        .unwrap()
        .unwrap();
    let newest_b64 = newest.to_base64();
    let (ok, out) = run(
        dir,
        &["check"],
        &[("IMMOHUB_MASTER_KEY", newest_b64.expose_secret())],
        None,
    );
    assert!(ok && out.contains("alle lassen sich öffnen"), "{out}");
    assert!(out.contains(&newest.key_id()), "{out}");
    let (ok, _) = run(dir, &["check"], &env, None);
    assert!(!ok, "the previous key no longer fits");

    // Delete.
    let (ok, out) = run(
        dir,
        &[
            "secret",
            "delete",
            "--partner",
            "demo",
            "--name",
            "api_password",
            "--env",
            "test",
        ],
        &[("IMMOHUB_MASTER_KEY", newest_b64.expose_secret())],
        None,
    );
    assert!(ok, "{out}");
    let (ok, out) = run(
        dir,
        &[
            "secret",
            "delete",
            "--partner",
            "demo",
            "--name",
            "api_password",
            "--env",
            "test",
        ],
        &[("IMMOHUB_MASTER_KEY", newest_b64.expose_secret())],
        None,
    );
    assert!(!ok && out.contains("gibt es nicht"), "{out}");

    for out in &outputs {
        assert!(!out.contains(PLAIN), "plaintext in output: {out}");
        assert!(!out.contains(PLAIN_TEST), "plaintext in output: {out}");
        assert!(
            !out.contains(old_b64.expose_secret()),
            "key in output: {out}"
        );
    }
    // The debug log was really on (it would have shown a leak).
    assert!(
        outputs.iter().any(|o| o.contains("DEBUG")),
        "no debug log seen"
    );
}

/// A hub with one partner and no ERP: enough for the credential commands.
fn minimal(dir: &Path) {
    std::fs::write(
        dir.join("immohub.toml"),
        "[store]\nurl = \"sqlite:data/immohub.db\"\n\
         [[partner]]\nname = \"p\"\nprofile = \"generic\"\nclients = [\"1\"]\n",
    )
    .unwrap();
}

#[tokio::test]
async fn gen_5_interrupted_rotation_is_finished_or_rolled_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    minimal(dir);
    let set = |value: &str| {
        run(
            dir,
            &["secret", "set", "--partner", "p", "--name", "ftp_password"],
            &[],
            Some(&format!("{value}\n{value}\n")),
        )
    };
    let (ok, out) = set("ftp-geheim");
    assert!(ok, "{out}");
    let old = file_key(dir);
    let file = key_file(dir);
    let pending = dir.join("data/master.key.new");

    // Crash after writing master.key.new, before the re-seal committed: rolled back.
    MasterKey::generate().write_pending(&file).unwrap();
    let (ok, out) = run(dir, &["secret", "list"], &[], None);
    assert!(ok, "{out}");
    assert!(out.contains("zurückgerollt"), "{out}");
    assert!(!pending.exists());
    assert_eq!(file_key(dir).key_id(), old.key_id());

    // Crash after the re-seal committed, before the rename: finished.
    let new = MasterKey::generate();
    let url = format!("sqlite:{}", dir.join("data/immohub.db").display());
    let store = immohub_store::open(&url).await.unwrap();
    new.write_pending(&file).unwrap();
    let (old_c, new_c): (Cipher, Cipher) = (old.cipher(), new.cipher());
    let n = immohub_store::SecretStore::reseal_all(&store, &|s| {
        let plain = old_c
            .open(&s.owner, &s.name, &s.sealed)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Resealed {
            sealed: new_c
                .seal(&s.owner, &s.name, plain.expose_secret())
                .unwrap(),
            key_id: new_c.key_id().to_owned(),
        })
    })
    .await
    .unwrap();
    assert_eq!(n, 1);
    store.close().await;
    let (ok, out) = run(dir, &["secret", "list"], &[], None);
    assert!(ok, "{out}");
    assert!(out.contains("abgeschlossen"), "{out}");
    assert!(!pending.exists());
    assert_eq!(file_key(dir).key_id(), new.key_id());
    let stored = sealed(dir, "p", "ftp_password").await;
    assert_eq!(
        file_key(dir)
            .cipher()
            .open_string("p", "ftp_password", &stored)
            .unwrap()
            .expose_secret(),
        "ftp-geheim"
    );

    // A lost key file with credentials stored: refused, and no new key replaces it.
    std::fs::rename(&file, dir.join("weg.key")).unwrap();
    let (ok, out) = run(dir, &["secret", "list"], &[], None);
    assert!(!ok, "{out}");
    assert!(out.contains("Hauptschlüssel fehlt"), "{out}");
    assert!(!file.exists());
    // A malformed key in the environment: a clear error, the value not echoed.
    let (ok, out) = run(
        dir,
        &["secret", "list"],
        &[("IMMOHUB_MASTER_KEY", "zu-kurz-xyz")],
        None,
    );
    assert!(!ok, "{out}");
    assert!(out.contains("kein gültiger Hauptschlüssel"), "{out}");
    assert!(!out.contains("zu-kurz-xyz"), "{out}");
    std::fs::rename(dir.join("weg.key"), &file).unwrap();
    let (ok, out) = set("zweiter-wert");
    assert!(ok, "{out}");
}
