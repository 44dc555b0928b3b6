//! Configuration of a file drop: where OpenImmo files go to (VAC-4) or come from (PRO-2).
//!
//! The doc comments on the fields are the user documentation (see `docs/FILE-TRANSPORTS.md`).

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

/// Name of the archive sub-folder when none is configured.
pub const DEFAULT_ARCHIVE_DIR: &str = "archiv";
/// Seconds allowed for TCP connect, greeting/handshake and login.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 15;
/// Seconds a connected server may stay silent.
pub const DEFAULT_IO_TIMEOUT_SECS: u64 = 60;

/// One place where files are dropped or picked up.
///
/// In TOML the variant is chosen by `kind = "directory" | "ftp" | "sftp"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Target {
    /// A directory on this machine (or a mounted share).
    Directory(DirectoryTarget),
    /// An FTP server (plain FTP; explicit FTPS is not supported yet).
    Ftp(FtpTarget),
    /// An SFTP server (SSH file transfer).
    Sftp(SftpTarget),
}

/// A local directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryTarget {
    /// The directory the files are written to or read from. It must exist.
    pub path: PathBuf,
    /// Sub-folder (relative to `path`) that imported files are moved to; created when missing.
    #[serde(default = "default_archive_dir")]
    pub archive_dir: String,
}

/// An FTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FtpTarget {
    /// Host name or IP address.
    pub host: String,
    /// TCP port of the control connection.
    #[serde(default = "default_ftp_port")]
    pub port: u16,
    /// Login name.
    pub user: String,
    /// Password; never logged or shown.
    pub password: SecretString,
    /// Directory on the server (absolute, or relative to the login directory); empty for the
    /// login directory itself.
    #[serde(default)]
    pub dir: String,
    /// Passive mode (the client opens the data connection); almost always what works through
    /// firewalls and NAT.
    #[serde(default = "default_true")]
    pub passive: bool,
    /// Explicit FTPS (`AUTH TLS` on the control connection before the login, `PROT P` for
    /// every data connection). The server's certificate must be valid for `host` and signed by
    /// a public CA or by `ca_file`.
    #[serde(default)]
    pub tls: bool,
    /// PEM file with the certificate(s) to trust instead of the public CAs (a partner's own CA
    /// or self-signed certificate). Only with `tls = true`.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Sub-folder (relative to `dir`) that imported files are moved to.
    #[serde(default = "default_archive_dir")]
    pub archive_dir: String,
    /// Seconds allowed for connecting, the greeting and the login.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Seconds the server may stay silent once connected: per command, and between blocks of
    /// a transfer (a large file may take longer in total, as long as data keeps flowing).
    #[serde(default = "default_io_timeout_secs")]
    pub io_timeout_secs: u64,
}

/// An SFTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SftpTarget {
    /// Host name or IP address.
    pub host: String,
    /// TCP port of the SSH server.
    #[serde(default = "default_sftp_port")]
    pub port: u16,
    /// Login name.
    pub user: String,
    /// How to log in: `auth = { password = "…" }` or
    /// `auth = { private_key = { path = "…", passphrase = "…" } }`.
    pub auth: SftpAuth,
    /// Directory on the server (absolute, or relative to the login directory); empty for the
    /// login directory itself.
    #[serde(default)]
    pub dir: String,
    /// The server's host key fingerprint as `ssh-keygen -lf <key>` prints it
    /// (`SHA256:…`, Base64 without padding). A different key is refused.
    #[serde(default)]
    pub known_host_fingerprint: Option<String>,
    /// Accept any host key when no fingerprint is configured. Off by default: without a
    /// fingerprint the connection is refused and the error shows the fingerprint the server
    /// presented, so that an operator can check and paste it.
    #[serde(default)]
    pub accept_any_host_key: bool,
    /// Sub-folder (relative to `dir`) that imported files are moved to.
    #[serde(default = "default_archive_dir")]
    pub archive_dir: String,
    /// Seconds allowed for connecting, the SSH handshake and the login.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Seconds the server may take to answer one SFTP request once connected.
    #[serde(default = "default_io_timeout_secs")]
    pub io_timeout_secs: u64,
}

/// SFTP login method.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SftpAuth {
    /// Password login.
    Password(SecretString),
    /// Public key login with a private key in OpenSSH, PEM or PuTTY format.
    PrivateKey(PrivateKeyAuth),
}

/// A private key given as a file path or inline (exactly one of the two).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateKeyAuth {
    /// Path of the key file.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// The key itself (for keys kept in the credential store).
    #[serde(default)]
    pub pem: Option<SecretString>,
    /// Passphrase of an encrypted key.
    #[serde(default)]
    pub passphrase: Option<SecretString>,
}

impl Target {
    /// The target as staff see it in messages: scheme, user, host, port and directory, never a
    /// password.
    pub fn describe(&self) -> String {
        match self {
            Target::Directory(d) => format!("Verzeichnis {}", d.path.display()),
            Target::Ftp(f) => format!(
                "{}://{}@{}:{}/{}",
                if f.tls { "ftps" } else { "ftp" },
                f.user,
                f.host,
                f.port,
                trim(&f.dir)
            ),
            Target::Sftp(s) => format!("sftp://{}@{}:{}/{}", s.user, s.host, s.port, trim(&s.dir)),
        }
    }

    /// The configured archive sub-folder.
    pub fn archive_dir(&self) -> &str {
        match self {
            Target::Directory(d) => &d.archive_dir,
            Target::Ftp(f) => &f.archive_dir,
            Target::Sftp(s) => &s.archive_dir,
        }
    }
}

impl FtpTarget {
    /// The connect timeout as a duration.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs.max(1))
    }

    /// The I/O timeout as a duration.
    pub fn io_timeout(&self) -> Duration {
        Duration::from_secs(self.io_timeout_secs.max(1))
    }
}

impl SftpTarget {
    /// The connect timeout as a duration.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs.max(1))
    }

    /// The I/O timeout as a duration.
    pub fn io_timeout(&self) -> Duration {
        Duration::from_secs(self.io_timeout_secs.max(1))
    }
}

fn trim(dir: &str) -> &str {
    dir.trim_start_matches('/')
}

fn default_archive_dir() -> String {
    DEFAULT_ARCHIVE_DIR.to_owned()
}

fn default_ftp_port() -> u16 {
    21
}

fn default_sftp_port() -> u16 {
    22
}

fn default_true() -> bool {
    true
}

fn default_connect_timeout_secs() -> u64 {
    DEFAULT_CONNECT_TIMEOUT_SECS
}

fn default_io_timeout_secs() -> u64 {
    DEFAULT_IO_TIMEOUT_SECS
}
