//! One error type for all transports: which target, which step, what went wrong (in German).

use std::fmt;

/// The step of a transfer that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The configuration is unusable (e.g. a bad file name or missing key).
    Config,
    /// TCP connect, greeting or SSH handshake.
    Connect,
    /// Checking the SSH server's host key.
    HostKey,
    /// Securing an FTP connection with TLS (`AUTH TLS`, certificate check).
    Tls,
    /// Logging in.
    Login,
    /// Changing to or opening the configured directory.
    OpenDir,
    /// Writing the temporary file.
    Upload,
    /// Renaming the temporary file to its final name.
    Rename,
    /// Listing the directory.
    List,
    /// Reading a file.
    Download,
    /// Moving a file to the archive folder.
    Archive,
    /// Deleting a file.
    Delete,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Config => "Konfiguration",
            Step::Connect => "Verbindungsaufbau",
            Step::HostKey => "Prüfung des Server-Schlüssels",
            Step::Tls => "TLS-Aufbau (FTPS)",
            Step::Login => "Anmeldung",
            Step::OpenDir => "Öffnen des Verzeichnisses",
            Step::Upload => "Hochladen",
            Step::Rename => "Umbenennen",
            Step::List => "Auflisten",
            Step::Download => "Herunterladen",
            Step::Archive => "Archivieren",
            Step::Delete => "Löschen",
        })
    }
}

/// What kind of failure, for callers that react differently (retry or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server could not be reached or did not answer in time; worth retrying later.
    Unreachable,
    /// The server refused the user name or password/key; retrying does not help.
    AuthenticationFailed,
    /// The SSH server presented a different host key than configured.
    HostKeyMismatch {
        /// The fingerprint the server presented (`SHA256:…`).
        seen: String,
    },
    /// No host key fingerprint is configured; the server's fingerprint is reported.
    HostKeyUnknown {
        /// The fingerprint the server presented (`SHA256:…`).
        seen: String,
    },
    /// The file or directory does not exist.
    NotFound,
    /// The configuration is unusable.
    Config,
    /// Any other I/O or protocol failure.
    Other,
}

/// A failed file transfer operation. The message names the target (without password), the step
/// and the reason, in German, for staff.
#[derive(Debug, thiserror::Error)]
#[error("{step} fehlgeschlagen ({target}): {reason}")]
pub struct FiledropError {
    /// The target as [`crate::Target::describe`] gives it.
    pub target: String,
    /// The failed step.
    pub step: Step,
    /// The kind of failure.
    pub kind: ErrorKind,
    /// Human readable reason (German, with the library's own message appended where useful).
    pub reason: String,
}

impl FiledropError {
    pub(crate) fn new(
        target: impl Into<String>,
        step: Step,
        kind: ErrorKind,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            target: target.into(),
            step,
            kind,
            reason: reason.into(),
        }
    }

    /// Whether a later retry may succeed (network trouble), as opposed to a configuration or
    /// credential problem that needs a person.
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Unreachable | ErrorKind::Other)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = FiledropError> = std::result::Result<T, E>;

/// German reason for an I/O error.
pub(crate) fn io_reason(err: &std::io::Error) -> (ErrorKind, String) {
    use std::io::ErrorKind as K;
    match err.kind() {
        K::NotFound => (ErrorKind::NotFound, format!("nicht gefunden ({err})")),
        K::PermissionDenied => (ErrorKind::Other, format!("keine Berechtigung ({err})")),
        K::ConnectionRefused => (
            ErrorKind::Unreachable,
            format!("Verbindung abgelehnt ({err})"),
        ),
        K::TimedOut => (
            ErrorKind::Unreachable,
            format!("Zeitüberschreitung ({err})"),
        ),
        K::StorageFull => (ErrorKind::Other, format!("Speicher voll ({err})")),
        _ => (ErrorKind::Other, format!("Ein-/Ausgabefehler ({err})")),
    }
}

/// Runs `fut` within `limit`; a timeout becomes an [`ErrorKind::Unreachable`] error of `step`.
pub(crate) async fn within<T>(
    limit: std::time::Duration,
    desc: &str,
    step: Step,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r,
        Err(_) => Err(FiledropError::new(
            desc,
            step,
            ErrorKind::Unreachable,
            format!(
                "Zeitüberschreitung: keine Antwort innerhalb von {} s",
                limit.as_secs()
            ),
        )),
    }
}

/// An I/O error as a [`FiledropError`] of `step`.
pub(crate) fn io_err(desc: &str, step: Step, e: &std::io::Error) -> FiledropError {
    let (kind, reason) = io_reason(e);
    FiledropError::new(desc, step, kind, reason)
}
