//! FTP target (suppaftp on tokio): `STOR` under a temporary name, then `RNFR`/`RNTO`.

use std::collections::HashSet;
use std::time::Duration;

use secrecy::ExposeSecret;
use suppaftp::list::ListParser;
use suppaftp::tokio::{AsyncRustlsConnector, AsyncRustlsStream, ImplAsyncFtpStream};
use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpResult, Status};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::config::FtpTarget;
use crate::error::{ErrorKind, FiledropError, Result, Step, io_err, within};
use crate::names::{free_archive_name, is_in_progress, matches_pattern, temp_name};
use crate::stall::Stall;
use crate::{COPY_BUFFER, RemoteFile};

/// One stream type for FTP and FTPS: without `AUTH TLS` it stays plain TCP.
type FtpStream = ImplAsyncFtpStream<AsyncRustlsStream>;

/// The TLS client for FTPS: rustls on ring, trusting `ca_file` when given, else Mozilla's roots.
fn tls_connector(desc: &str, t: &FtpTarget) -> Result<AsyncRustlsConnector> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let config_err = |message: String| {
        FiledropError::new(desc.to_owned(), Step::Config, ErrorKind::Config, message)
    };
    let mut roots = rustls::RootCertStore::empty();
    match &t.ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| config_err(format!("ca_file {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(config_err(format!(
                    "ca_file {}: kein Zertifikat (PEM) gefunden",
                    path.display()
                )));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| config_err(format!("ca_file {}: {e}", path.display())))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| config_err(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(AsyncRustlsConnector::from(
        tokio_rustls::TlsConnector::from(std::sync::Arc::new(config)),
    ))
}

pub(crate) struct FtpConn {
    desc: String,
    stream: FtpStream,
    archive_dir: String,
    /// Longest silence allowed from the server once connected (per command, and between
    /// blocks of a transfer).
    io: Duration,
}

impl FtpConn {
    pub(crate) async fn open(desc: String, t: &FtpTarget) -> Result<Self> {
        if t.ca_file.is_some() && !t.tls {
            return Err(FiledropError::new(
                desc,
                Step::Config,
                ErrorKind::Config,
                "ca_file gilt nur für FTPS: bitte auch tls = true setzen",
            ));
        }
        let connector = if t.tls {
            Some(tls_connector(&desc, t)?)
        } else {
            None
        };
        let timeout = t.connect_timeout();
        let tcp = within(timeout, &desc, Step::Connect, async {
            TcpStream::connect((t.host.as_str(), t.port))
                .await
                .map_err(|e| io_err(&desc, Step::Connect, &e))
        })
        .await?;
        let mut stream = within(timeout, &desc, Step::Connect, async {
            FtpStream::connect_with_stream(tcp)
                .await
                .map_err(|e| ftp_err(&desc, Step::Connect, e))
        })
        .await?;
        if let Some(connector) = connector {
            // AUTH TLS before the login: the password never travels in clear text.
            stream = within(timeout, &desc, Step::Tls, async {
                stream
                    .into_secure(connector, &t.host)
                    .await
                    .map_err(|e| ftp_err(&desc, Step::Tls, e))
            })
            .await?;
        }
        within(timeout, &desc, Step::Login, async {
            stream
                .login(t.user.as_str(), t.password.expose_secret())
                .await
                .map_err(|e| ftp_err(&desc, Step::Login, e))
        })
        .await?;
        stream
            .transfer_type(FileType::Binary)
            .await
            .map_err(|e| ftp_err(&desc, Step::Login, e))?;
        let mut stream = if t.passive {
            stream
        } else {
            stream.active_mode(timeout)
        };
        if !t.dir.is_empty() {
            stream
                .cwd(&t.dir)
                .await
                .map_err(|e| ftp_err(&desc, Step::OpenDir, e))?;
        }
        Ok(Self {
            desc,
            stream,
            archive_dir: t.archive_dir.clone(),
            io: t.io_timeout(),
        })
    }

    fn err(&self, step: Step, e: FtpError) -> FiledropError {
        ftp_err(&self.desc, step, e)
    }

    pub(crate) async fn upload<R>(&mut self, reader: &mut R, name: &str) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        let tmp = temp_name(name);
        let written = match self.write_temp(reader, &tmp).await {
            Ok(n) => n,
            Err(e) => {
                // The data connection may be half closed; removing the leftover is best effort.
                let _ = timed(self.io, self.stream.rm(&tmp)).await;
                return Err(e);
            }
        };
        if let Err(first) = timed(self.io, self.stream.rename(tmp.as_str(), name)).await {
            // Some servers refuse RNTO onto an existing file: remove it and try once more.
            let retry = match timed(self.io, self.stream.rm(name)).await {
                Ok(()) => timed(self.io, self.stream.rename(tmp.as_str(), name)).await,
                Err(_) => Err(first),
            };
            if let Err(e) = retry {
                let _ = timed(self.io, self.stream.rm(&tmp)).await;
                return Err(self.err(Step::Rename, e));
            }
        }
        Ok(written)
    }

    async fn write_temp<R>(&mut self, reader: &mut R, tmp: &str) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        let data = timed(self.io, self.stream.put_with_stream(tmp))
            .await
            .map_err(|e| ftp_err(&self.desc, Step::Upload, e))?;
        let mut data = Stall::new(data, self.io);
        let mut input = BufReader::with_capacity(COPY_BUFFER, reader);
        let copied = tokio::io::copy_buf(&mut input, &mut data).await;
        let n = match copied {
            Ok(n) => n,
            Err(e) => return Err(io_err(&self.desc, Step::Upload, &e)),
        };
        data.flush()
            .await
            .map_err(|e| io_err(&self.desc, Step::Upload, &e))?;
        // Closes the data connection and reads the server's "226 transfer complete".
        timed(self.io, data.into_inner().finish())
            .await
            .map_err(|e| ftp_err(&self.desc, Step::Upload, e))?;
        Ok(n)
    }

    pub(crate) async fn list(&mut self, pattern: &str) -> Result<Vec<RemoteFile>> {
        let files = self
            .list_all(None)
            .await
            .map_err(|e| self.err(Step::List, e))?;
        Ok(files
            .into_iter()
            .filter(|f| !is_in_progress(&f.name) && matches_pattern(pattern, &f.name))
            .collect())
    }

    /// Regular files in `dir` (or the current directory): MLSD where the server has it, else
    /// LIST in Unix or DOS format.
    async fn list_all(&mut self, dir: Option<&str>) -> Result<Vec<RemoteFile>, FtpError> {
        let parsed: Vec<suppaftp::list::File> = match timed(self.io, self.stream.mlsd(dir)).await {
            Ok(lines) => lines
                .iter()
                .filter_map(|l| ListParser::parse_mlsd(l).ok())
                .collect(),
            Err(_) => timed(self.io, self.stream.list(dir))
                .await?
                .iter()
                .filter_map(|l| {
                    ListParser::parse_posix(l)
                        .or_else(|_| ListParser::parse_dos(l))
                        .ok()
                })
                .collect(),
        };
        Ok(parsed
            .into_iter()
            .filter(|f| f.is_file())
            .map(|f| RemoteFile {
                name: base_name(f.name()).to_owned(),
                size: Some(f.size() as u64),
                modified: Some(f.modified()),
            })
            .collect())
    }

    pub(crate) async fn download<W>(&mut self, name: &str, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let data = timed(self.io, self.stream.retr_as_stream(name))
            .await
            .map_err(|e| ftp_err(&self.desc, Step::Download, e))?;
        let mut input = BufReader::with_capacity(COPY_BUFFER, Stall::new(data, self.io));
        let n = tokio::io::copy_buf(&mut input, writer)
            .await
            .map_err(|e| io_err(&self.desc, Step::Download, &e))?;
        writer
            .flush()
            .await
            .map_err(|e| io_err(&self.desc, Step::Download, &e))?;
        timed(self.io, input.into_inner().into_inner().finish())
            .await
            .map_err(|e| ftp_err(&self.desc, Step::Download, e))?;
        Ok(n)
    }

    pub(crate) async fn archive(&mut self, name: &str) -> Result<String> {
        let dir = self.archive_dir.clone();
        // MKD fails when the folder exists; a real problem shows up in the listing or rename.
        let _ = timed(self.io, self.stream.mkdir(&dir)).await;
        let taken: HashSet<String> =
            match timed(self.io, self.stream.nlst(Some(dir.as_str()))).await {
                Ok(names) => names.iter().map(|n| base_name(n).to_owned()).collect(),
                Err(_) => HashSet::new(), // some servers answer 550 for an empty folder
            };
        let target = free_archive_name(name, &taken);
        timed(
            self.io,
            self.stream.rename(name, format!("{dir}/{target}").as_str()),
        )
        .await
        .map_err(|e| self.err(Step::Archive, e))?;
        Ok(target)
    }

    pub(crate) async fn delete(&mut self, name: &str) -> Result<()> {
        timed(self.io, self.stream.rm(name))
            .await
            .map_err(|e| self.err(Step::Delete, e))
    }

    pub(crate) async fn close(mut self) {
        let _ = timed(self.io, self.stream.quit()).await;
    }
}

/// Runs one FTP exchange within `limit`; silence becomes a timed-out connection error.
async fn timed<T>(limit: Duration, fut: impl Future<Output = FtpResult<T>>) -> FtpResult<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(FtpError::ConnectionError(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("keine Antwort seit {} s", limit.as_secs()),
        ))),
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn ftp_err(desc: &str, step: Step, e: FtpError) -> FiledropError {
    match e {
        FtpError::ConnectionError(io) => io_err(desc, step, &io),
        FtpError::UnexpectedResponse(resp) => {
            let body = String::from_utf8_lossy(&resp.body).trim().to_owned();
            let (kind, what) = match resp.status {
                _ if step == Step::Tls => (
                    ErrorKind::Other,
                    "der Server bietet kein FTPS an (AUTH TLS abgelehnt)",
                ),
                Status::NotLoggedIn if step == Step::Login => (
                    ErrorKind::AuthenticationFailed,
                    "Benutzername oder Passwort falsch",
                ),
                Status::NotLoggedIn => (ErrorKind::AuthenticationFailed, "nicht angemeldet"),
                Status::FileUnavailable => (
                    ErrorKind::NotFound,
                    "Datei oder Verzeichnis nicht vorhanden oder nicht zugreifbar",
                ),
                _ => (ErrorKind::Other, "unerwartete Antwort des Servers"),
            };
            FiledropError::new(desc, step, kind, format!("{what} (Server: {body})"))
        }
        FtpError::SecureError(reason) => FiledropError::new(
            desc,
            step,
            ErrorKind::Other,
            format!(
                "TLS-Verbindung abgelehnt (Zertifikat nicht vertrauenswürdig oder nicht für \
                 diesen Host, ggf. ca_file setzen): {reason}"
            ),
        ),
        other => FiledropError::new(
            desc,
            step,
            ErrorKind::Other,
            format!("FTP-Protokollfehler ({other})"),
        ),
    }
}
