//! File transports for OpenImmo files: a local directory, FTP or SFTP.
//!
//! - **VAC-4**: vacancy exports (OpenImmo ZIP files) are *uploaded* to a partner's directory or
//!   FTP/SFTP server, the legacy "Bestandsimport" route.
//! - **PRO-2**: OpenImmo-Feedback XML files with prospects are *listed, downloaded and archived*
//!   (or deleted) from a directory, FTP or SFTP server.
//!
//! Uploads are streamed with bounded memory and are atomic for the reader: the file is written
//! under a hidden temporary name (`.<name>.part`) and renamed to its final name only when it is
//! complete, replacing an older file of that name. Listings skip such temporary files.
//!
//! ```no_run
//! # async fn demo(target: immohub_filedrop::Target) -> Result<(), immohub_filedrop::FiledropError> {
//! let mut conn = target.connect().await?;
//! conn.upload_file(std::path::Path::new("/tmp/export.zip"), "export.zip").await?;
//! for file in conn.list("*.xml").await? {
//!     let local = conn.download_to_temp(&file.name, None).await?;
//!     // … import `local.path()` …
//!     conn.archive(&file.name).await?;
//! }
//! conn.close().await;
//! # Ok(()) }
//! ```

mod config;
mod dir;
mod error;
mod ftp;
mod names;
mod sftp;
mod stall;

use std::path::Path;
use std::time::SystemTime;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

pub use config::{
    DEFAULT_ARCHIVE_DIR, DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_IO_TIMEOUT_SECS, DirectoryTarget,
    FtpTarget, PrivateKeyAuth, SftpAuth, SftpTarget, Target,
};
pub use error::{ErrorKind, FiledropError, Result, Step};
pub use names::{is_in_progress, matches_pattern, temp_name};

/// Buffer size for streaming copies: memory use per transfer stays at a few hundred KiB,
/// whatever the file size.
pub(crate) const COPY_BUFFER: usize = 256 * 1024;

/// A file found by [`Connection::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// The plain file name (no directory).
    pub name: String,
    /// Size in bytes, where the server reports it.
    pub size: Option<u64>,
    /// Last modification, where the server reports it.
    pub modified: Option<SystemTime>,
}

/// An open connection to a [`Target`]. Several operations can run over one connection, one at
/// a time; call [`Connection::close`] at the end (dropping it also closes, less politely).
pub struct Connection {
    desc: String,
    inner: Inner,
}

enum Inner {
    Dir(dir::DirConn),
    Ftp(Box<ftp::FtpConn>),
    Sftp(Box<sftp::SftpConn>),
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("target", &self.desc)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Connects and logs in (for a directory: checks that it exists).
    ///
    /// # Errors
    /// [`Step::Connect`], [`Step::HostKey`], [`Step::Login`], [`Step::OpenDir`] or
    /// [`Step::Config`] failures, in German, naming the target without secrets.
    pub async fn connect(&self) -> Result<Connection> {
        let desc = self.describe();
        if let Err(reason) = names::check_name(self.archive_dir()) {
            return Err(FiledropError::new(
                desc,
                Step::Config,
                ErrorKind::Config,
                format!("Archivordner: {reason}"),
            ));
        }
        let inner = match self {
            Target::Directory(d) => {
                Inner::Dir(dir::DirConn::open(desc.clone(), &d.path, &d.archive_dir).await?)
            }
            Target::Ftp(f) => Inner::Ftp(Box::new(ftp::FtpConn::open(desc.clone(), f).await?)),
            Target::Sftp(s) => Inner::Sftp(Box::new(sftp::SftpConn::open(desc.clone(), s).await?)),
        };
        Ok(Connection { desc, inner })
    }
}

impl Connection {
    /// The target as shown in messages (no secrets).
    pub fn target(&self) -> &str {
        &self.desc
    }

    fn check(&self, step: Step, name: &str) -> Result<()> {
        names::check_name(name)
            .map_err(|reason| FiledropError::new(&self.desc, step, ErrorKind::Config, reason))
    }

    /// Uploads everything `reader` yields as `name`, atomically for readers of the target: the
    /// data goes to `.<name>.part` first and is renamed to `name` when complete (replacing an
    /// existing `name`). Returns the number of bytes written.
    ///
    /// # Errors
    /// [`Step::Upload`] or [`Step::Rename`]; the temporary file is removed (best effort).
    pub async fn upload<R>(&mut self, reader: &mut R, name: &str) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        self.check(Step::Upload, name)?;
        let n = match &mut self.inner {
            Inner::Dir(c) => c.upload(reader, name).await?,
            Inner::Ftp(c) => c.upload(reader, name).await?,
            Inner::Sftp(c) => c.upload(reader, name).await?,
        };
        tracing::info!(dest = %self.desc, file = name, bytes = n, "Datei hochgeladen");
        Ok(n)
    }

    /// Uploads a local file as `name` (see [`Connection::upload`]) and checks that as many
    /// bytes were sent as the file had.
    ///
    /// # Errors
    /// As [`Connection::upload`]; [`Step::Upload`] when the local file cannot be read.
    pub async fn upload_file(&mut self, local: &Path, name: &str) -> Result<u64> {
        let mut file = tokio::fs::File::open(local).await.map_err(|e| {
            let (kind, reason) = error::io_reason(&e);
            FiledropError::new(
                &self.desc,
                Step::Upload,
                kind,
                format!("lokale Datei {} nicht lesbar: {reason}", local.display()),
            )
        })?;
        let expected = file.metadata().await.map(|m| m.len()).ok();
        let n = self.upload(&mut file, name).await?;
        match expected {
            Some(len) if len != n => Err(FiledropError::new(
                &self.desc,
                Step::Upload,
                ErrorKind::Other,
                format!(
                    "lokale Datei {} hat sich während des Hochladens geändert ({len} statt {n} Bytes)",
                    local.display()
                ),
            )),
            _ => Ok(n),
        }
    }

    /// Regular files whose names match `pattern` (`*`, `?`, case-insensitive; empty = all),
    /// sorted by name. Files still being written (hidden names, `.part`, `.tmp`, …) and
    /// folders (such as the archive) are left out.
    ///
    /// # Errors
    /// [`Step::List`].
    pub async fn list(&mut self, pattern: &str) -> Result<Vec<RemoteFile>> {
        let mut files = match &mut self.inner {
            Inner::Dir(c) => c.list(pattern).await?,
            Inner::Ftp(c) => c.list(pattern).await?,
            Inner::Sftp(c) => c.list(pattern).await?,
        };
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    /// Streams the file `name` into `writer`. Returns the number of bytes.
    ///
    /// # Errors
    /// [`Step::Download`] ([`ErrorKind::NotFound`] when the file is gone).
    pub async fn download<W>(&mut self, name: &str, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        self.check(Step::Download, name)?;
        match &mut self.inner {
            Inner::Dir(c) => c.download(name, writer).await,
            Inner::Ftp(c) => c.download(name, writer).await,
            Inner::Sftp(c) => c.download(name, writer).await,
        }
    }

    /// Downloads `name` into a new temporary file (in `dir`, or the system's temp directory),
    /// which is deleted when the returned handle is dropped.
    ///
    /// # Errors
    /// [`Step::Download`].
    pub async fn download_to_temp(
        &mut self,
        name: &str,
        dir: Option<&Path>,
    ) -> Result<tempfile::NamedTempFile> {
        let local_err = |e: std::io::Error| {
            let (kind, reason) = error::io_reason(&e);
            FiledropError::new(
                &self.desc,
                Step::Download,
                kind,
                format!("lokale Zwischendatei: {reason}"),
            )
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".immohub-download-");
        let temp = match dir {
            Some(d) => builder.tempfile_in(d),
            None => builder.tempfile(),
        }
        .map_err(local_err)?;
        let mut file = tokio::fs::File::from_std(temp.reopen().map_err(local_err)?);
        self.download(name, &mut file).await?;
        file.flush().await.map_err(|e| {
            let (kind, reason) = error::io_reason(&e);
            FiledropError::new(&self.desc, Step::Download, kind, reason)
        })?;
        Ok(temp)
    }

    /// Moves `name` into the archive sub-folder (created when missing). An archived file of the
    /// same name is never overwritten: the new one gets `-1`, `-2`, … before its extension.
    /// Returns the name in the archive.
    ///
    /// # Errors
    /// [`Step::Archive`].
    pub async fn archive(&mut self, name: &str) -> Result<String> {
        self.check(Step::Archive, name)?;
        let archived = match &mut self.inner {
            Inner::Dir(c) => c.archive(name).await?,
            Inner::Ftp(c) => c.archive(name).await?,
            Inner::Sftp(c) => c.archive(name).await?,
        };
        tracing::info!(dest = %self.desc, file = name, archived = %archived, "Datei archiviert");
        Ok(archived)
    }

    /// Deletes `name`.
    ///
    /// # Errors
    /// [`Step::Delete`].
    pub async fn delete(&mut self, name: &str) -> Result<()> {
        self.check(Step::Delete, name)?;
        match &mut self.inner {
            Inner::Dir(c) => c.delete(name).await,
            Inner::Ftp(c) => c.delete(name).await,
            Inner::Sftp(c) => c.delete(name).await,
        }
    }

    /// Logs out and closes the connection.
    pub async fn close(self) {
        match self.inner {
            Inner::Dir(_) => {}
            Inner::Ftp(c) => c.close().await,
            Inner::Sftp(c) => c.close().await,
        }
    }
}

/// Connects, uploads `local` as `name` (atomically, see [`Connection::upload`]) and closes.
///
/// # Errors
/// See [`Target::connect`] and [`Connection::upload_file`].
pub async fn upload_file(target: &Target, local: &Path, name: &str) -> Result<u64> {
    let mut conn = target.connect().await?;
    let result = conn.upload_file(local, name).await;
    conn.close().await;
    result
}

/// Connects, uploads what `reader` yields as `name` and closes.
///
/// # Errors
/// See [`Target::connect`] and [`Connection::upload`].
pub async fn upload<R>(target: &Target, reader: &mut R, name: &str) -> Result<u64>
where
    R: AsyncRead + Unpin + Send + ?Sized,
{
    let mut conn = target.connect().await?;
    let result = conn.upload(reader, name).await;
    conn.close().await;
    result
}

/// Connects, lists files matching `pattern` and closes.
///
/// # Errors
/// See [`Target::connect`] and [`Connection::list`].
pub async fn list(target: &Target, pattern: &str) -> Result<Vec<RemoteFile>> {
    let mut conn = target.connect().await?;
    let result = conn.list(pattern).await;
    conn.close().await;
    result
}
