use std::time::{Duration, Instant};

use immohub_filedrop::{ErrorKind, FtpTarget, Step, Target};
use secrecy::SecretString;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_ftp_upload_of_20_mb_is_atomic_and_complete() {
    let server = FtpServer::start().await;
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("export.zip");
    let hash = write_big_file(&file, BIG, 2);
    atomic_big_upload(&server.target(FTP_PASSWORD), &server.outbox(), &file, &hash).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_ftp_upload_replaces_existing_file() {
    let server = FtpServer::start().await;
    replace_existing(&server.target(FTP_PASSWORD), &server.outbox()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pro_2_ftp_list_download_archive_skips_partial_files() {
    let server = FtpServer::start().await;
    list_download_archive(&server.target(FTP_PASSWORD), &server.outbox()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_ftp_wrong_password_is_a_german_login_error_without_the_password() {
    let server = FtpServer::start().await;
    let wrong = "Falsches-Passwort-0815";
    let err = server.target(wrong).connect().await.unwrap_err();
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(
        (err.step, err.kind.clone()),
        (Step::Login, ErrorKind::AuthenticationFailed)
    );
    assert!(text.contains("Anmeldung fehlgeschlagen"), "{text}");
    assert!(text.contains("Passwort falsch"), "{text}");
    assert!(
        text.contains(&format!("ftp://{FTP_USER}@127.0.0.1:")),
        "{text}"
    );
    assert!(
        !text.contains(wrong) && !format!("{err:?}").contains(wrong),
        "{text}"
    );
    assert!(!err.is_transient());
}

/// Explicit FTPS against a server that requires TLS on control and data connections: upload
/// (atomic, complete), listing, download and archive work as over plain FTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_pro_2_ftps_upload_list_download_archive() {
    let server = FtpServer::start_ftps().await;
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("export.zip");
    let hash = write_big_file(&file, BIG, 7);
    let target = server.target(FTP_PASSWORD);
    assert!(
        target.describe().starts_with("ftps://"),
        "{}",
        target.describe()
    );
    atomic_big_upload(&target, &server.outbox(), &file, &hash).await;
    let server = FtpServer::start_ftps().await;
    list_download_archive(&server.target(FTP_PASSWORD), &server.outbox()).await;
}

/// The test server really insists on TLS: a plain login is refused. And immohub insists on a
/// certificate it trusts: without `ca_file` the self-signed certificate is refused at the TLS
/// step, before the password is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_ftps_certificate_must_be_trusted_and_plain_login_is_refused() {
    let server = FtpServer::start_ftps().await;
    let Target::Ftp(ftps) = server.target(FTP_PASSWORD) else {
        unreachable!()
    };
    let plain = Target::Ftp(FtpTarget {
        tls: false,
        ca_file: None,
        ..ftps.clone()
    });
    let err = plain.connect().await.unwrap_err();
    assert_eq!(err.step, Step::Login, "{err}");

    let untrusted = Target::Ftp(FtpTarget {
        ca_file: None,
        ..ftps.clone()
    });
    let err = untrusted.connect().await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.step, Step::Tls, "{text}");
    assert!(text.contains("nicht vertrauenswürdig"), "{text}");
    assert!(!text.contains(FTP_PASSWORD), "{text}");

    // FTPS against a server without TLS: named as such.
    let plain_server = FtpServer::start().await;
    let Target::Ftp(plain_ftp) = plain_server.target(FTP_PASSWORD) else {
        unreachable!()
    };
    let wants_tls = Target::Ftp(FtpTarget {
        tls: true,
        ca_file: Some(server.ca_file()),
        ..plain_ftp
    });
    let err = wants_tls.connect().await.unwrap_err();
    assert_eq!(err.step, Step::Tls, "{err}");
    assert!(err.to_string().contains("kein FTPS"), "{err}");
}

fn unreachable(port: u16) -> Target {
    Target::Ftp(FtpTarget {
        host: "127.0.0.1".into(),
        port,
        user: "u".into(),
        password: SecretString::from("p"),
        dir: String::new(),
        passive: true,
        tls: false,
        ca_file: None,
        archive_dir: "archiv".into(),
        connect_timeout_secs: 1,
        io_timeout_secs: 10,
    })
}

#[tokio::test]
async fn vac_4_ftp_unreachable_server_fails_with_connect_error_within_timeout() {
    let err = unreachable(closed_port()).connect().await.unwrap_err();
    assert_eq!(
        (err.step, err.kind.clone()),
        (Step::Connect, ErrorKind::Unreachable)
    );
    assert!(
        err.to_string().contains("Verbindungsaufbau fehlgeschlagen"),
        "{err}"
    );
    assert!(err.is_transient());

    let (port, silent) = silent_server().await;
    let started = Instant::now();
    let err = unreachable(port).connect().await.unwrap_err();
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
