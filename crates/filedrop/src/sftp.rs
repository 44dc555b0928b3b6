//! SFTP target (russh + russh-sftp, pure Rust): write a temporary file, then rename it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use russh::client::{self, Handle};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::SftpSession;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::StatusCode;
use secrecy::ExposeSecret;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::config::{PrivateKeyAuth, SftpAuth, SftpTarget};
use crate::error::{ErrorKind, FiledropError, Result, Step, io_err, io_reason, within};
use crate::names::{free_archive_name, is_in_progress, matches_pattern, temp_name};
use crate::{COPY_BUFFER, RemoteFile};

/// What the host key check saw, for the error message after russh gave up.
#[derive(Debug, Default)]
struct HostKeySeen {
    fingerprint: Option<String>,
    accepted: bool,
}

struct Checker {
    expected: Option<String>,
    accept_any: bool,
    seen: Arc<Mutex<HostKeySeen>>,
}

impl client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let fingerprint = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                key.fingerprint(HashAlg::Sha256).to_string()
            }
            PublicKeyOrCertificate::Certificate(cert) => {
                cert.public_key().fingerprint(HashAlg::Sha256).to_string()
            }
        };
        let accepted = match &self.expected {
            Some(expected) => same_fingerprint(expected, &fingerprint),
            None => self.accept_any,
        };
        if let Ok(mut seen) = self.seen.lock() {
            seen.fingerprint = Some(fingerprint);
            seen.accepted = accepted;
        }
        Ok(accepted)
    }
}

/// Compares fingerprints as `ssh-keygen -lf` prints them; the `SHA256:` prefix and Base64
/// padding are optional in the configuration.
pub(crate) fn same_fingerprint(configured: &str, seen: &str) -> bool {
    fn norm(s: &str) -> &str {
        let s = s.trim();
        let s = s.strip_prefix("SHA256:").unwrap_or(s);
        s.trim_end_matches('=')
    }
    !norm(configured).is_empty() && norm(configured) == norm(seen)
}

pub(crate) struct SftpConn {
    desc: String,
    // Keeps the SSH connection alive as long as the SFTP session is used.
    ssh: Handle<Checker>,
    sftp: SftpSession,
    dir: String,
    archive_dir: String,
}

impl SftpConn {
    pub(crate) async fn open(desc: String, t: &SftpTarget) -> Result<Self> {
        let timeout = t.connect_timeout();
        let key = match &t.auth {
            SftpAuth::PrivateKey(k) => Some(load_key(&desc, k).await?),
            SftpAuth::Password(_) => None,
        };
        let tcp = within(timeout, &desc, Step::Connect, async {
            TcpStream::connect((t.host.as_str(), t.port))
                .await
                .map_err(|e| io_err(&desc, Step::Connect, &e))
        })
        .await?;
        let _ = tcp.set_nodelay(true);

        let seen = Arc::new(Mutex::new(HostKeySeen::default()));
        let checker = Checker {
            expected: t
                .known_host_fingerprint
                .clone()
                .filter(|f| !f.trim().is_empty()),
            accept_any: t.accept_any_host_key,
            seen: Arc::clone(&seen),
        };
        let config = Arc::new(client::Config {
            // Drop a connection that stays silent; a 20 MB upload keeps it busy.
            inactivity_timeout: Some(Duration::from_secs(300)),
            ..Default::default()
        });
        let handshake = within(timeout, &desc, Step::Connect, async {
            client::connect_stream(config, tcp, checker)
                .await
                .map_err(|e| handshake_err(&desc, t, &seen, e))
        })
        .await?;
        let mut ssh = handshake;

        let login = within(timeout, &desc, Step::Login, async {
            let result = match (&t.auth, key) {
                (SftpAuth::PrivateKey(_), Some(key)) => {
                    // RSA keys need the server's preferred signature hash (rsa-sha2-256/512).
                    let hash = if key.algorithm().is_rsa() {
                        ssh.best_supported_rsa_hash().await.ok().flatten().flatten()
                    } else {
                        None
                    };
                    ssh.authenticate_publickey(
                        t.user.as_str(),
                        PrivateKeyWithHashAlg::new(Arc::new(key), hash),
                    )
                    .await
                }
                (SftpAuth::Password(pw), _) => {
                    ssh.authenticate_password(t.user.as_str(), pw.expose_secret())
                        .await
                }
                (SftpAuth::PrivateKey(_), None) => Err(russh::Error::NotAuthenticated),
            };
            match result {
                Ok(r) if r.success() => Ok(()),
                Ok(_) => Err(FiledropError::new(
                    desc.as_str(),
                    Step::Login,
                    ErrorKind::AuthenticationFailed,
                    match t.auth {
                        SftpAuth::Password(_) => "Benutzername oder Passwort falsch",
                        SftpAuth::PrivateKey(_) => {
                            "der Server hat den Schlüssel für diesen Benutzer nicht angenommen"
                        }
                    },
                )),
                Err(e) => Err(FiledropError::new(
                    desc.as_str(),
                    Step::Login,
                    ErrorKind::Other,
                    format!("SSH-Fehler bei der Anmeldung ({e})"),
                )),
            }
        })
        .await;
        login?;

        let sftp = within(timeout, &desc, Step::Connect, async {
            let channel = ssh.channel_open_session().await.map_err(|e| {
                FiledropError::new(
                    desc.as_str(),
                    Step::Connect,
                    ErrorKind::Other,
                    format!("SSH-Kanal nicht geöffnet ({e})"),
                )
            })?;
            channel.request_subsystem(true, "sftp").await.map_err(|e| {
                FiledropError::new(
                    desc.as_str(),
                    Step::Connect,
                    ErrorKind::Other,
                    format!("der Server bietet kein SFTP an ({e})"),
                )
            })?;
            SftpSession::new(channel.into_stream())
                .await
                .map_err(|e| sftp_err(&desc, Step::Connect, e))
        })
        .await?;
        // russh-sftp's per-request limit (its default is 10 s).
        sftp.set_timeout(t.io_timeout().as_secs());

        let dir = t.dir.trim_end_matches('/').to_owned();
        if !dir.is_empty() {
            match sftp.metadata(dir.as_str()).await {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(FiledropError::new(
                        desc,
                        Step::OpenDir,
                        ErrorKind::Config,
                        "der Pfad ist kein Verzeichnis",
                    ));
                }
                Err(e) => return Err(sftp_err(&desc, Step::OpenDir, e)),
            }
        }
        Ok(Self {
            desc,
            ssh,
            sftp,
            dir,
            archive_dir: t.archive_dir.clone(),
        })
    }

    fn path(&self, name: &str) -> String {
        if self.dir.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.dir)
        }
    }

    fn err(&self, step: Step, e: SftpError) -> FiledropError {
        sftp_err(&self.desc, step, e)
    }

    pub(crate) async fn upload<R>(&mut self, reader: &mut R, name: &str) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        let tmp = self.path(&temp_name(name));
        let final_path = self.path(name);
        let written = match self.write_temp(reader, &tmp).await {
            Ok(n) => n,
            Err(e) => {
                let _ = self.sftp.remove_file(tmp.as_str()).await;
                return Err(e);
            }
        };
        if let Err(first) = self.sftp.rename(tmp.as_str(), final_path.as_str()).await {
            // SFTP v3 rename does not replace an existing file: remove it and try once more.
            let retry = match self.sftp.remove_file(final_path.as_str()).await {
                Ok(()) => self.sftp.rename(tmp.as_str(), final_path.as_str()).await,
                Err(_) => Err(first),
            };
            if let Err(e) = retry {
                let _ = self.sftp.remove_file(tmp.as_str()).await;
                return Err(self.err(Step::Rename, e));
            }
        }
        Ok(written)
    }

    async fn write_temp<R>(&mut self, reader: &mut R, tmp: &str) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        let mut file = self
            .sftp
            .create(tmp)
            .await
            .map_err(|e| self.err(Step::Upload, e))?;
        let mut input = BufReader::with_capacity(COPY_BUFFER, reader);
        let n = tokio::io::copy_buf(&mut input, &mut file)
            .await
            .map_err(|e| io_err(&self.desc, Step::Upload, &e))?;
        file.flush()
            .await
            .map_err(|e| io_err(&self.desc, Step::Upload, &e))?;
        // Ask the server to fsync where it offers the OpenSSH extension; optional.
        let _ = file.sync_all().await;
        file.shutdown()
            .await
            .map_err(|e| io_err(&self.desc, Step::Upload, &e))?;
        Ok(n)
    }

    async fn names_in(&self, dir: &str) -> Result<Vec<RemoteFile>, SftpError> {
        let dir = if dir.is_empty() { "." } else { dir };
        let entries = self.sftp.read_dir(dir).await?;
        Ok(entries
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let meta = e.metadata();
                RemoteFile {
                    name: e.file_name(),
                    size: meta.size,
                    modified: meta
                        .mtime
                        .map(|s| UNIX_EPOCH + Duration::from_secs(u64::from(s))),
                }
            })
            .collect())
    }

    pub(crate) async fn list(&mut self, pattern: &str) -> Result<Vec<RemoteFile>> {
        let all = self
            .names_in(&self.dir)
            .await
            .map_err(|e| self.err(Step::List, e))?;
        Ok(all
            .into_iter()
            .filter(|f| !is_in_progress(&f.name) && matches_pattern(pattern, &f.name))
            .collect())
    }

    pub(crate) async fn download<W>(&mut self, name: &str, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let file = self
            .sftp
            .open(self.path(name))
            .await
            .map_err(|e| self.err(Step::Download, e))?;
        let mut input = BufReader::with_capacity(COPY_BUFFER, file);
        let n = tokio::io::copy_buf(&mut input, writer)
            .await
            .map_err(|e| io_err(&self.desc, Step::Download, &e))?;
        writer
            .flush()
            .await
            .map_err(|e| io_err(&self.desc, Step::Download, &e))?;
        let _ = input.into_inner().shutdown().await;
        Ok(n)
    }

    pub(crate) async fn archive(&mut self, name: &str) -> Result<String> {
        let archive = self.path(&self.archive_dir);
        let exists = self
            .sftp
            .try_exists(archive.as_str())
            .await
            .map_err(|e| self.err(Step::Archive, e))?;
        if !exists {
            self.sftp
                .create_dir(archive.as_str())
                .await
                .map_err(|e| self.err(Step::Archive, e))?;
        }
        let taken: HashSet<String> = self
            .sftp
            .read_dir(archive.as_str())
            .await
            .map_err(|e| self.err(Step::Archive, e))?
            .map(|e| e.file_name())
            .collect();
        let target = free_archive_name(name, &taken);
        self.sftp
            .rename(self.path(name), format!("{archive}/{target}"))
            .await
            .map_err(|e| self.err(Step::Archive, e))?;
        Ok(target)
    }

    pub(crate) async fn delete(&mut self, name: &str) -> Result<()> {
        self.sftp
            .remove_file(self.path(name))
            .await
            .map_err(|e| self.err(Step::Delete, e))
    }

    pub(crate) async fn close(self) {
        let _ = self.sftp.close().await;
        let _ = self
            .ssh
            .disconnect(russh::Disconnect::ByApplication, "", "de")
            .await;
    }
}

async fn load_key(desc: &str, k: &PrivateKeyAuth) -> Result<russh::keys::PrivateKey> {
    let config_err =
        |reason: String| FiledropError::new(desc, Step::Config, ErrorKind::Config, reason);
    let pem = match (&k.path, &k.pem) {
        (Some(path), None) => {
            let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                config_err(format!(
                    "privater Schlüssel {} nicht lesbar ({e})",
                    path.display()
                ))
            })?;
            secrecy::SecretString::from(text)
        }
        (None, Some(pem)) => pem.clone(),
        _ => {
            return Err(config_err(
                "beim privaten Schlüssel genau eines von „path“ oder „pem“ angeben".to_owned(),
            ));
        }
    };
    let passphrase = k.passphrase.as_ref().map(|p| p.expose_secret());
    // The key parser's message says what is wrong with the format, never the key itself.
    russh::keys::decode_secret_key(pem.expose_secret(), passphrase).map_err(|e| {
        config_err(format!(
            "privater Schlüssel nicht lesbar (falsches Format oder falsche Passphrase: {e})"
        ))
    })
}

fn handshake_err(
    desc: &str,
    t: &SftpTarget,
    seen: &Mutex<HostKeySeen>,
    e: russh::Error,
) -> FiledropError {
    let (fingerprint, accepted) = match seen.lock() {
        Ok(s) => (s.fingerprint.clone(), s.accepted),
        Err(_) => (None, false),
    };
    match (fingerprint, accepted) {
        (Some(seen), false) => match &t.known_host_fingerprint {
            Some(expected) if !expected.trim().is_empty() => FiledropError::new(
                desc,
                Step::HostKey,
                ErrorKind::HostKeyMismatch { seen: seen.clone() },
                format!(
                    "der Server-Schlüssel stimmt NICHT mit dem konfigurierten überein \
                     (erwartet {}, erhalten {seen}). Verbindung abgelehnt: möglicher Angriff \
                     oder neuer Server-Schlüssel; bitte beim Partner prüfen",
                    expected.trim()
                ),
            ),
            _ => FiledropError::new(
                desc,
                Step::HostKey,
                ErrorKind::HostKeyUnknown { seen: seen.clone() },
                format!(
                    "kein Server-Schlüssel konfiguriert; der Server zeigt {seen}. Nach Prüfung \
                     mit dem Partner als known_host_fingerprint = \"{seen}\" eintragen"
                ),
            ),
        },
        _ => {
            let (kind, reason) = match &e {
                russh::Error::IO(io) => io_reason(io),
                other => (
                    ErrorKind::Other,
                    format!("SSH-Verbindung gescheitert ({other})"),
                ),
            };
            FiledropError::new(desc, Step::Connect, kind, reason)
        }
    }
}

fn sftp_err(desc: &str, step: Step, e: SftpError) -> FiledropError {
    let (kind, reason) = match &e {
        SftpError::Status(s) => match s.status_code {
            StatusCode::NoSuchFile => (
                ErrorKind::NotFound,
                format!("Datei oder Verzeichnis nicht vorhanden ({e})"),
            ),
            StatusCode::PermissionDenied => (ErrorKind::Other, format!("keine Berechtigung ({e})")),
            _ => (ErrorKind::Other, format!("SFTP-Fehler ({e})")),
        },
        SftpError::Timeout => (
            ErrorKind::Unreachable,
            "Zeitüberschreitung: der SFTP-Server antwortet nicht".to_owned(),
        ),
        _ => (ErrorKind::Other, format!("SFTP-Fehler ({e})")),
    };
    FiledropError::new(desc, step, kind, reason)
}
