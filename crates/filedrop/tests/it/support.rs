//! Test helpers: big files, a reader that pauses mid-upload, hashes, and the real servers
//! (libunftp in-process for FTP, OpenSSH's sshd as a child process for SFTP).

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use immohub_filedrop::{FtpTarget, SftpAuth, SftpTarget, Target};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const BIG: usize = 20 * 1024 * 1024;
pub const FTP_USER: &str = "partner";
pub const FTP_PASSWORD: &str = "Geheim-Passwort-4711";

/// Writes `len` deterministic pseudo-random bytes (xorshift) to `path`, returns their SHA-256.
pub fn write_big_file(path: &Path, len: usize, seed: u64) -> String {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut hasher = Sha256::new();
    let mut x = seed | 1;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 24) as u8;
        }
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n]).unwrap();
        hasher.update(&chunk[..n]);
        left -= n;
    }
    file.flush().unwrap();
    hex::encode(hasher.finalize())
}

pub fn sha256_file(path: &Path) -> String {
    let mut file = std::fs::File::open(path).unwrap();
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).unwrap();
    hex::encode(hasher.finalize())
}

/// An `AsyncRead` over a file that stops after `pause_at` bytes, tells the test, and goes on
/// only when the test says so: the test can look at the server while the upload is half done.
pub struct GatedReader {
    inner: tokio::fs::File,
    read: usize,
    pause_at: usize,
    paused: Option<oneshot::Sender<()>>,
    resume: Option<oneshot::Receiver<()>>,
}

pub struct Gate {
    pub paused: oneshot::Receiver<()>,
    pub resume: oneshot::Sender<()>,
}

impl GatedReader {
    pub async fn new(path: &Path, pause_at: usize) -> (Self, Gate) {
        let (paused_tx, paused_rx) = oneshot::channel();
        let (resume_tx, resume_rx) = oneshot::channel();
        let reader = Self {
            inner: tokio::fs::File::open(path).await.unwrap(),
            read: 0,
            pause_at,
            paused: Some(paused_tx),
            resume: Some(resume_rx),
        };
        (
            reader,
            Gate {
                paused: paused_rx,
                resume: resume_tx,
            },
        )
    }
}

impl AsyncRead for GatedReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.read >= this.pause_at {
            if let Some(tx) = this.paused.take() {
                let _ = tx.send(());
            }
            if let Some(rx) = this.resume.as_mut() {
                match Pin::new(rx).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(_) => this.resume = None,
                }
            }
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let allowed = (this.pause_at - this.read).min(buf.remaining());
        let mut tmp = vec![0u8; allowed];
        let mut limited = ReadBuf::new(&mut tmp);
        match Pin::new(&mut this.inner).poll_read(cx, &mut limited) {
            Poll::Ready(Ok(())) => {
                let n = limited.filled().len();
                buf.put_slice(limited.filled());
                this.read += n;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

/// Uploads `local` through a [`GatedReader`] and checks, while the upload is paused halfway,
/// that the final name is not visible in `server_dir` and the temporary one is; then checks
/// the finished file's hash. Returns after the upload.
pub async fn atomic_big_upload(target: &Target, server_dir: &Path, local: &Path, hash: &str) {
    let name = "angebote.zip";
    let (mut reader, gate) = GatedReader::new(local, BIG / 2).await;
    let t = target.clone();
    let task = tokio::spawn(async move {
        let mut conn = t.connect().await?;
        let n = conn.upload(&mut reader, name).await?;
        conn.close().await;
        Ok::<_, immohub_filedrop::FiledropError>(n)
    });
    tokio::time::timeout(Duration::from_secs(20), gate.paused)
        .await
        .expect("upload never reached the middle of the file")
        .unwrap();
    // Give the transport a moment to push what it has read so far to the server.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server_dir.join(name).exists(),
        "the final name must not be visible before the upload is complete"
    );
    let temp = server_dir.join(immohub_filedrop::temp_name(name));
    assert!(
        temp.exists(),
        "the temporary file {} should exist mid-upload",
        temp.display()
    );
    gate.resume.send(()).unwrap();
    let n = tokio::time::timeout(Duration::from_secs(60), task)
        .await
        .expect("upload hangs")
        .unwrap()
        .unwrap();
    assert_eq!(n, BIG as u64);
    assert!(
        !temp.exists(),
        "the temporary file must be gone after the rename"
    );
    assert_eq!(sha256_file(&server_dir.join(name)), hash, "content differs");
}

/// Upload of a second version replaces the first.
pub async fn replace_existing(target: &Target, server_dir: &Path) {
    let name = "bestand.zip";
    std::fs::write(
        server_dir.join(name),
        b"alte Version, die laenger ist als die neue",
    )
    .unwrap();
    let mut conn = target.connect().await.unwrap();
    let n = conn.upload(&mut &b"neue Version"[..], name).await.unwrap();
    conn.close().await;
    assert_eq!(n, 12);
    assert_eq!(
        std::fs::read(server_dir.join(name)).unwrap(),
        b"neue Version"
    );
    assert!(!server_dir.join(immohub_filedrop::temp_name(name)).exists());
}

/// Three feedback files are listed, downloaded and archived; a `.part` and a `.zip` are not
/// listed; a second file of an already archived name does not overwrite the first.
pub async fn list_download_archive(target: &Target, server_dir: &Path) {
    let files = [
        ("feedback_1.xml", "<openimmo_feedback>1</openimmo_feedback>"),
        ("feedback_2.xml", "<openimmo_feedback>2</openimmo_feedback>"),
        ("FEEDBACK_3.XML", "<openimmo_feedback>3</openimmo_feedback>"),
    ];
    for (name, content) in files {
        std::fs::write(server_dir.join(name), content).unwrap();
    }
    std::fs::write(server_dir.join("feedback_4.xml.part"), "<halb").unwrap();
    std::fs::write(server_dir.join(".feedback_5.xml.part"), "<halb").unwrap();
    std::fs::write(server_dir.join("angebote.zip"), "PK").unwrap();

    let mut conn = target.connect().await.unwrap();
    // Even with a catch-all pattern, files still being written are not offered for import.
    let everything = conn.list("*").await.unwrap();
    let names: Vec<&str> = everything.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "FEEDBACK_3.XML",
            "angebote.zip",
            "feedback_1.xml",
            "feedback_2.xml"
        ]
    );

    let listed = conn.list("*.xml").await.unwrap();
    let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["FEEDBACK_3.XML", "feedback_1.xml", "feedback_2.xml"]
    );
    for f in &listed {
        assert_eq!(f.size, Some(40), "size of {}", f.name);
        assert!(f.modified.is_some(), "mtime of {}", f.name);
    }
    for f in &listed {
        let local = conn.download_to_temp(&f.name, None).await.unwrap();
        let expected = files.iter().find(|(n, _)| *n == f.name).unwrap().1;
        assert_eq!(std::fs::read_to_string(local.path()).unwrap(), expected);
        assert_eq!(conn.archive(&f.name).await.unwrap(), f.name);
        assert!(
            !server_dir.join(&f.name).exists(),
            "{} still in the inbox",
            f.name
        );
        assert!(server_dir.join("archiv").join(&f.name).exists());
    }
    assert!(conn.list("*.xml").await.unwrap().is_empty());

    // The partner re-uses a name: the archived copy stays, the new one gets a suffix.
    std::fs::write(server_dir.join("feedback_1.xml"), "<neu/>").unwrap();
    assert_eq!(
        conn.archive("feedback_1.xml").await.unwrap(),
        "feedback_1-1.xml"
    );
    assert_eq!(
        std::fs::read_to_string(server_dir.join("archiv/feedback_1.xml")).unwrap(),
        files[0].1
    );

    // Delete instead of archive.
    std::fs::write(server_dir.join("weg.xml"), "<x/>").unwrap();
    conn.delete("weg.xml").await.unwrap();
    assert!(!server_dir.join("weg.xml").exists());

    // A file that is gone is a NotFound download error.
    let err = conn.download_to_temp("fehlt.xml", None).await.unwrap_err();
    assert_eq!(err.kind, immohub_filedrop::ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("Herunterladen"), "{err}");
    conn.close().await;

    assert!(server_dir.join("feedback_4.xml.part").exists());
    assert!(server_dir.join("angebote.zip").exists());
}

pub use immohub_testkit::sshd::closed_port;

/// A listener that accepts connections and never says a word.
pub async fn silent_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    (port, task)
}

// ---------------------------------------------------------------- FTP (libunftp in-process)

#[derive(Debug)]
struct PasswordAuth;

#[async_trait::async_trait]
impl unftp_core::auth::Authenticator for PasswordAuth {
    async fn authenticate(
        &self,
        username: &str,
        creds: &unftp_core::auth::Credentials,
    ) -> Result<unftp_core::auth::Principal, unftp_core::auth::AuthenticationError> {
        if username == FTP_USER && creds.password.as_deref() == Some(FTP_PASSWORD) {
            Ok(unftp_core::auth::Principal {
                username: username.to_owned(),
            })
        } else {
            Err(unftp_core::auth::AuthenticationError::BadPassword)
        }
    }
}

pub struct FtpServer {
    pub port: u16,
    pub root: tempfile::TempDir,
    /// FTPS only: the server's self-signed certificate (`cert.pem`) and key.
    certs: Option<tempfile::TempDir>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FtpServer {
    /// libunftp with the file system back-end on a temp dir, on a loopback port chosen by the
    /// OS; each connection is served by its own server value (`Server::service`).
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// libunftp that requires FTPS (`AUTH TLS`) on the control and data connections, with a
    /// self-signed certificate for 127.0.0.1 (rcgen).
    pub async fn start_ftps() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(ftps: bool) -> Self {
        let certs = ftps.then(|| {
            let dir = tempfile::tempdir().unwrap();
            let key = rcgen::generate_simple_self_signed(vec![
                "127.0.0.1".to_owned(),
                "localhost".to_owned(),
            ])
            .unwrap();
            std::fs::write(dir.path().join("cert.pem"), key.cert.pem()).unwrap();
            std::fs::write(dir.path().join("key.pem"), key.key_pair.serialize_pem()).unwrap();
            dir
        });
        let cert_paths = certs
            .as_ref()
            .map(|d| (d.path().join("cert.pem"), d.path().join("key.pem")));
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("outbox")).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = root.path().to_path_buf();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let dir = dir.clone();
                let mut builder = libunftp::ServerBuilder::with_authenticator(
                    Box::new(move || unftp_sbe_fs::Filesystem::new(dir.clone()).unwrap()),
                    Arc::new(PasswordAuth),
                );
                if let Some((cert, key)) = &cert_paths {
                    builder = builder
                        .ftps(cert.clone(), key.clone())
                        .ftps_required(true, true);
                }
                let server = builder.build().unwrap();
                tokio::spawn(async move {
                    let _ = server.service(stream).await;
                });
            }
        });
        Self {
            port,
            root,
            certs,
            task,
        }
    }

    /// FTPS only: the PEM file to trust (the server's self-signed certificate).
    pub fn ca_file(&self) -> PathBuf {
        self.certs.as_ref().unwrap().path().join("cert.pem")
    }

    pub fn outbox(&self) -> PathBuf {
        self.root.path().join("outbox")
    }

    pub fn target(&self, password: &str) -> Target {
        Target::Ftp(FtpTarget {
            host: "127.0.0.1".into(),
            port: self.port,
            user: FTP_USER.into(),
            password: SecretString::from(password),
            dir: "/outbox".into(),
            passive: true,
            tls: self.certs.is_some(),
            ca_file: self.certs.as_ref().map(|_| self.ca_file()),
            archive_dir: "archiv".into(),
            connect_timeout_secs: 5,
            io_timeout_secs: 10,
        })
    }
}

// ---------------------------------------------------------------- SFTP (OpenSSH sshd)

pub use immohub_testkit::sshd::SshServer;

pub trait KeyTarget {
    fn key_target(&self) -> SftpTarget;
}

impl KeyTarget for SshServer {
    fn key_target(&self) -> SftpTarget {
        SftpTarget {
            host: "127.0.0.1".into(),
            port: self.port,
            user: self.user.clone(),
            auth: SftpAuth::PrivateKey(immohub_filedrop::PrivateKeyAuth {
                path: Some(self.client_key()),
                pem: None,
                passphrase: None,
            }),
            dir: self.data.display().to_string(),
            known_host_fingerprint: Some(self.host_fingerprint.clone()),
            accept_any_host_key: false,
            archive_dir: "archiv".into(),
            connect_timeout_secs: 5,
            io_timeout_secs: 10,
        }
    }
}
