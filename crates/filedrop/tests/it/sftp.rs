use std::time::{Duration, Instant};

use immohub_filedrop::{ErrorKind, SftpAuth, Step, Target};
use secrecy::SecretString;

use crate::support::*;

macro_rules! sshd_or_skip {
    () => {
        match SshServer::start() {
            Some(s) => s,
            None => return,
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_sftp_upload_of_20_mb_is_atomic_and_complete() {
    let server = sshd_or_skip!();
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("export.zip");
    let hash = write_big_file(&file, BIG, 3);
    atomic_big_upload(
        &Target::Sftp(server.key_target()),
        &server.data,
        &file,
        &hash,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_sftp_upload_replaces_existing_file() {
    let server = sshd_or_skip!();
    replace_existing(&Target::Sftp(server.key_target()), &server.data).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pro_2_sftp_list_download_archive_skips_partial_files() {
    let server = sshd_or_skip!();
    list_download_archive(&Target::Sftp(server.key_target()), &server.data).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_sftp_inline_key_works_like_a_key_file() {
    let server = sshd_or_skip!();
    let mut t = server.key_target();
    let pem = std::fs::read_to_string(server.dir.path().join("client_key")).unwrap();
    t.auth = SftpAuth::PrivateKey(immohub_filedrop::PrivateKeyAuth {
        path: None,
        pem: Some(SecretString::from(pem)),
        passphrase: None,
    });
    let listed = immohub_filedrop::list(&Target::Sftp(t), "*").await.unwrap();
    assert!(listed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_sftp_wrong_password_is_a_german_login_error_without_the_password() {
    let server = sshd_or_skip!();
    let wrong = "Falsches-Passwort-0815";
    let mut t = server.key_target();
    t.auth = SftpAuth::Password(SecretString::from(wrong));
    let err = Target::Sftp(t).connect().await.unwrap_err();
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(
        (err.step, err.kind.clone()),
        (Step::Login, ErrorKind::AuthenticationFailed)
    );
    assert!(text.contains("Anmeldung fehlgeschlagen"), "{text}");
    assert!(text.contains("Passwort falsch"), "{text}");
    assert!(
        !text.contains(wrong) && !format!("{err:?}").contains(wrong),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_sftp_host_key_mismatch_is_refused() {
    let server = sshd_or_skip!();
    let mut t = server.key_target();
    t.known_host_fingerprint = Some(server.other_fingerprint.clone());
    let err = Target::Sftp(t).connect().await.unwrap_err();
    assert_eq!(err.step, Step::HostKey, "{err}");
    assert_eq!(
        err.kind,
        ErrorKind::HostKeyMismatch {
            seen: server.host_fingerprint.clone()
        }
    );
    let text = err.to_string();
    eprintln!("{text}");
    assert!(text.contains("stimmt NICHT"), "{text}");
    assert!(text.contains(&server.other_fingerprint), "{text}");
    assert!(!server.data.join("archiv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_sftp_without_fingerprint_refuses_and_reports_the_servers_key() {
    let server = sshd_or_skip!();
    let mut t = server.key_target();
    t.known_host_fingerprint = None;
    let err = Target::Sftp(t.clone()).connect().await.unwrap_err();
    assert_eq!(err.step, Step::HostKey, "{err}");
    // The reported fingerprint is exactly what `ssh-keygen -lf` prints, ready to paste.
    assert_eq!(
        err.kind,
        ErrorKind::HostKeyUnknown {
            seen: server.host_fingerprint.clone()
        }
    );
    eprintln!("{err}");
    assert!(err.to_string().contains(&server.host_fingerprint), "{err}");

    t.accept_any_host_key = true;
    Target::Sftp(t).connect().await.unwrap().close().await;
}

#[tokio::test]
async fn vac_4_sftp_unreachable_server_fails_with_connect_error_within_timeout() {
    let target = |port| {
        Target::Sftp(immohub_filedrop::SftpTarget {
            host: "127.0.0.1".into(),
            port,
            user: "u".into(),
            auth: SftpAuth::Password(SecretString::from("p")),
            dir: String::new(),
            known_host_fingerprint: None,
            accept_any_host_key: false,
            archive_dir: "archiv".into(),
            connect_timeout_secs: 1,
            io_timeout_secs: 10,
        })
    };
    let err = target(closed_port()).connect().await.unwrap_err();
    assert_eq!(
        (err.step, err.kind.clone()),
        (Step::Connect, ErrorKind::Unreachable)
    );

    let (port, silent) = silent_server().await;
    let started = Instant::now();
    let err = target(port).connect().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        (err.step, err.kind.clone()),
        (Step::Connect, ErrorKind::Unreachable)
    );
    assert!(err.to_string().contains("Zeitüberschreitung"), "{err}");
    silent.abort();
}
