//! GEN-5: the master key from the environment or a file, created once, never overwritten.

use immohub_secrets::secrecy::ExposeSecret;
use immohub_secrets::{Created, KeySource, MasterKey, SecretsError};

#[test]
fn gen_5_key_file_is_created_once_with_mode_0600() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("data/master.key");
    assert!(MasterKey::load(&file, None).unwrap().is_none());

    let (key, created) = MasterKey::load_or_create(&file, None).unwrap();
    assert_eq!(created, Created::Yes);
    assert_eq!(key.source(), &KeySource::File(file.clone()));
    assert!(file.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(tmp.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    let (again, created) = MasterKey::load_or_create(&file, None).unwrap();
    assert_eq!(created, Created::No);
    assert_eq!(again.key_id(), key.key_id());
    assert!(matches!(
        MasterKey::generate().write_new(&file).unwrap_err(),
        SecretsError::Exists { .. }
    ));
    assert_eq!(
        MasterKey::load(&file, None).unwrap().unwrap().key_id(),
        key.key_id()
    );
}

#[test]
fn gen_5_environment_wins_over_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("master.key");
    MasterKey::load_or_create(&file, None).unwrap();
    let env_key = MasterKey::generate();
    let b64 = env_key.to_base64();
    let (key, created) = MasterKey::load_or_create(&file, Some(b64.expose_secret())).unwrap();
    assert_eq!(created, Created::No);
    assert_eq!(key.source(), &KeySource::Environment);
    assert_eq!(key.key_id(), env_key.key_id());
    // A blank variable counts as unset.
    let (key, _) = MasterKey::load_or_create(&file, Some("  ")).unwrap();
    assert!(matches!(key.source(), KeySource::File(_)));
    // With the environment set, no file is created.
    let other = tmp.path().join("other.key");
    MasterKey::load_or_create(&other, Some(b64.expose_secret())).unwrap();
    assert!(!other.exists());
}

#[test]
fn gen_5_base64_variants_are_accepted() {
    let key = MasterKey::from_bytes([0xfb; 32]);
    let std_text = key.to_base64().expose_secret().to_owned();
    assert_eq!(std_text.len(), 44);
    let url = std_text.replace('+', "-").replace('/', "_");
    for text in [
        std_text.clone(),
        format!("  {std_text}\n"),
        std_text.trim_end_matches('=').to_owned(),
        url.clone(),
        url.trim_end_matches('=').to_owned(),
    ] {
        let parsed = MasterKey::from_base64(&text, "Test").unwrap();
        assert_eq!(parsed.key_id(), key.key_id(), "{text}");
    }
}

#[test]
fn gen_5_malformed_keys_are_clear_errors_without_the_value() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("master.key");
    for (text, why) in [
        ("", "leer"),
        ("not base64 at all!!", "kein Base64"),
        ("c2hvcnQ=", "5 statt 32 Bytes"),
        (
            "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ==",
            "40 statt 32 Bytes",
        ),
    ] {
        let err = MasterKey::from_base64(text, "Umgebungsvariable IMMOHUB_MASTER_KEY")
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{text}: {err}");
        assert!(err.contains("IMMOHUB_MASTER_KEY"), "{err}");
        assert!(err.contains("kein gültiger Hauptschlüssel"), "{err}");
        if !text.is_empty() {
            assert!(!err.contains(text), "value echoed: {err}");
        }
    }
    std::fs::write(&file, "c2hvcnQ=\n").unwrap();
    let err = MasterKey::load_or_create(&file, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Schlüsseldatei") && err.contains("5 statt 32"),
        "{err}"
    );
    // A malformed environment value is an error, never a silent fallback to the file.
    assert!(MasterKey::load(&file, Some("kaputt")).is_err());
}

#[test]
fn gen_5_rotation_files_commit_and_discard() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("master.key");
    let (old, _) = MasterKey::load_or_create(&file, None).unwrap();
    assert!(MasterKey::load_pending(&file).unwrap().is_none());

    let new = MasterKey::generate();
    let pending = new.write_pending(&file).unwrap();
    assert_eq!(pending, tmp.path().join("master.key.new"));
    assert_eq!(
        MasterKey::load_pending(&file).unwrap().unwrap().key_id(),
        new.key_id()
    );
    // Rolled back: the old key stays.
    MasterKey::discard_pending(&file).unwrap();
    assert!(!pending.exists());
    assert_eq!(
        MasterKey::load(&file, None).unwrap().unwrap().key_id(),
        old.key_id()
    );
    MasterKey::discard_pending(&file).unwrap();

    // Committed: the new key replaces the old one.
    new.write_pending(&file).unwrap();
    MasterKey::commit_pending(&file).unwrap();
    assert!(!pending.exists());
    assert_eq!(
        MasterKey::load(&file, None).unwrap().unwrap().key_id(),
        new.key_id()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
}

#[test]
fn gen_5_rotation_lock_is_exclusive() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("data/master.key");
    let guard = MasterKey::lock_rotation(&file).unwrap();
    let lock_file = tmp.path().join("data/master.key.lock");
    let other = std::fs::OpenOptions::new()
        .write(true)
        .open(&lock_file)
        .unwrap();
    assert!(other.try_lock().is_err(), "second lock while held");
    drop(guard);
    other.try_lock().unwrap();
}
