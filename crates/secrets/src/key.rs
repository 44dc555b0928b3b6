//! [`MasterKey`]: where the master key comes from, how its file is written, and the file
//! protocol of a key rotation.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use zeroize::Zeroizing;

use crate::cipher::{Cipher, key_id_of};
use crate::error::SecretsError;

/// The environment variable that holds the master key (Base64), taking precedence over the
/// key file.
pub const ENV_VAR: &str = "IMMOHUB_MASTER_KEY";

/// Length of the master key in bytes.
pub const KEY_LEN: usize = 32;

/// Where a master key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The environment variable [`ENV_VAR`].
    Environment,
    /// A key file.
    File(PathBuf),
    /// Generated in this process ([`MasterKey::generate`]) and not loaded from anywhere.
    Generated,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Environment => write!(f, "Umgebungsvariable {ENV_VAR}"),
            KeySource::File(path) => write!(f, "Datei {}", path.display()),
            KeySource::Generated => write!(f, "neu erzeugt"),
        }
    }
}

/// Whether [`MasterKey::load_or_create`] generated a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The key existed (environment or file).
    No,
    /// No key existed: a new one was generated and written to the file.
    Yes,
}

/// The 32-byte master key. `Debug` shows its ID and source only; the bytes are wiped on drop.
pub struct MasterKey {
    bytes: SecretBox<[u8; KEY_LEN]>,
    source: KeySource,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("key_id", &self.key_id())
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> MasterKey {
        let mut bytes = Box::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        MasterKey {
            bytes: SecretBox::new(bytes),
            source: KeySource::Generated,
        }
    }

    /// A key from raw bytes (tests, embedding).
    pub fn from_bytes(key: [u8; KEY_LEN]) -> MasterKey {
        MasterKey {
            bytes: SecretBox::new(Box::new(key)),
            source: KeySource::Generated,
        }
    }

    /// Parses a key from Base64 (standard or URL-safe alphabet, padding optional, surrounding
    /// white space ignored). `origin` names where the text came from, for the error message;
    /// the message never repeats the text.
    pub fn from_base64(text: &str, origin: &str) -> Result<MasterKey, SecretsError> {
        let bad = |reason: String| SecretsError::KeyFormat {
            origin: origin.to_owned(),
            reason,
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("leer".to_owned()));
        }
        let decoded = [alphabet::STANDARD, alphabet::URL_SAFE]
            .iter()
            .find_map(|a| {
                let engine = GeneralPurpose::new(
                    a,
                    GeneralPurposeConfig::new()
                        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
                );
                engine.decode(text).ok().map(Zeroizing::new)
            })
            .ok_or_else(|| bad("kein Base64".to_owned()))?;
        if decoded.len() != KEY_LEN {
            return Err(bad(format!("{} statt {KEY_LEN} Bytes lang", decoded.len())));
        }
        let mut bytes = Box::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&decoded);
        Ok(MasterKey {
            bytes: SecretBox::new(bytes),
            source: KeySource::Generated,
        })
    }

    /// The key as standard Base64 (the form of the key file and of [`ENV_VAR`]).
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.bytes.expose_secret()))
    }

    /// The key's ID: 8 hex digits, stored with every value sealed with it.
    pub fn key_id(&self) -> String {
        key_id_of(self.bytes.expose_secret())
    }

    /// Where this key came from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// The cipher that seals and opens values with this key.
    pub fn cipher(&self) -> Cipher {
        Cipher::from_key(*self.bytes.expose_secret())
    }

    /// The key from `env_value` (the value of [`ENV_VAR`], if set and not blank), else from
    /// `file`; `None` when neither exists. A malformed key is an error, never a fallback.
    pub fn load(file: &Path, env_value: Option<&str>) -> Result<Option<MasterKey>, SecretsError> {
        if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
            let mut key = MasterKey::from_base64(value, &format!("Umgebungsvariable {ENV_VAR}"))?;
            key.source = KeySource::Environment;
            return Ok(Some(key));
        }
        match fs::read_to_string(file) {
            Ok(text) => {
                let text = Zeroizing::new(text);
                let mut key =
                    MasterKey::from_base64(&text, &format!("Schlüsseldatei {}", file.display()))?;
                key.source = KeySource::File(file.to_owned());
                Ok(Some(key))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(SecretsError::Io {
                path: file.to_owned(),
                error,
            }),
        }
    }

    /// [`MasterKey::load`]; when neither the environment nor the file has a key, generates
    /// one and writes it to `file` (mode 0600, directory created, synced to disk). Two
    /// processes starting at once agree on one key: the file is never overwritten.
    pub fn load_or_create(
        file: &Path,
        env_value: Option<&str>,
    ) -> Result<(MasterKey, Created), SecretsError> {
        if let Some(key) = MasterKey::load(file, env_value)? {
            return Ok((key, Created::No));
        }
        let mut key = MasterKey::generate();
        match key.write_new(file) {
            Ok(()) => {
                key.source = KeySource::File(file.to_owned());
                Ok((key, Created::Yes))
            }
            // Another process was faster: use its key.
            Err(SecretsError::Exists { .. }) => match MasterKey::load(file, None)? {
                Some(key) => Ok((key, Created::No)),
                None => Err(SecretsError::Io {
                    path: file.to_owned(),
                    error: io::Error::new(io::ErrorKind::NotFound, "verschwunden"),
                }),
            },
            Err(e) => Err(e),
        }
    }

    /// Writes the key to a new file `file` (never overwriting one): mode 0600, contents and
    /// directory entry synced to disk before this returns, so the file is complete or absent.
    pub fn write_new(&self, file: &Path) -> Result<(), SecretsError> {
        let io_err = |error| SecretsError::Io {
            path: file.to_owned(),
            error,
        };
        let dir = parent_dir(file);
        fs::create_dir_all(&dir).map_err(io_err)?;
        if file.exists() {
            return Err(SecretsError::Exists {
                path: file.to_owned(),
            });
        }
        let file_name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "master.key".to_owned());
        let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = self.write_file(&tmp, true);
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(e));
        }
        // A hard link publishes the complete file atomically and fails if `file` exists.
        let linked = fs::hard_link(&tmp, file);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(SecretsError::Exists {
                    path: file.to_owned(),
                });
            }
            // File systems without hard links: create the file exclusively in place.
            Err(_) => match self.write_file(file, false) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(SecretsError::Exists {
                        path: file.to_owned(),
                    });
                }
                Err(e) => return Err(io_err(e)),
            },
        }
        sync_dir(&dir).map_err(io_err)
    }

    /// Writes `path` with mode 0600 and syncs it; `replace` truncates an existing file,
    /// otherwise an existing file is `AlreadyExists`.
    fn write_file(&self, path: &Path, replace: bool) -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true);
        if replace {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(path)?;
        let text = Zeroizing::new(format!("{}\n", self.to_base64().expose_secret()));
        f.write_all(text.as_bytes())?;
        f.sync_all()
    }

    // --- rotation -----------------------------------------------------------------------
    //
    // 1. `write_pending`: the new key goes to `FILE.new` (complete and on disk, or absent).
    // 2. The caller re-seals every stored value with the new key in ONE store transaction.
    // 3. `commit_pending`: `FILE.new` is renamed over `FILE` (atomic), the directory synced.
    //
    // A crash between 1 and 3 leaves `FILE.new`. On the next start the caller loads both
    // keys (`load_pending`) and asks the store which key its values name: the new one → the
    // transaction committed, `commit_pending`; the old one (or no values) → `discard_pending`.

    /// Takes the rotation lock of `file` (an exclusive lock on `FILE.lock`), waiting while
    /// another process holds it. A rotation holds it from writing `FILE.new` until the rename;
    /// whoever settles a left-over `FILE.new` takes it first, so it never mistakes a rotation
    /// in progress for an interrupted one. Released when the guard is dropped.
    pub fn lock_rotation(file: &Path) -> Result<RotationLock, SecretsError> {
        let mut name = file.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let io_err = |error| SecretsError::Io {
            path: path.clone(),
            error,
        };
        fs::create_dir_all(parent_dir(file)).map_err(io_err)?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let f = options.open(&path).map_err(io_err)?;
        f.lock().map_err(io_err)?;
        Ok(RotationLock { _file: f })
    }

    /// The file a rotation writes the new key to first: `FILE.new`.
    pub fn pending_file(file: &Path) -> PathBuf {
        let mut name = file.as_os_str().to_owned();
        name.push(".new");
        PathBuf::from(name)
    }

    /// Writes this key to `FILE.new` (step 1 of a rotation). Fails when one exists.
    pub fn write_pending(&self, file: &Path) -> Result<PathBuf, SecretsError> {
        let pending = MasterKey::pending_file(file);
        self.write_new(&pending)?;
        Ok(pending)
    }

    /// The key in `FILE.new`, if a rotation left one (`Err` when it is unreadable).
    pub fn load_pending(file: &Path) -> Result<Option<MasterKey>, SecretsError> {
        MasterKey::load(&MasterKey::pending_file(file), None)
    }

    /// Step 3 of a rotation: renames `FILE.new` over `FILE` and syncs the directory.
    pub fn commit_pending(file: &Path) -> Result<(), SecretsError> {
        let io_err = |error| SecretsError::Io {
            path: file.to_owned(),
            error,
        };
        fs::rename(MasterKey::pending_file(file), file).map_err(io_err)?;
        sync_dir(&parent_dir(file)).map_err(io_err)
    }

    /// Rolls a rotation back: removes `FILE.new` (the old key in `FILE` stays valid).
    pub fn discard_pending(file: &Path) -> Result<(), SecretsError> {
        let pending = MasterKey::pending_file(file);
        match fs::remove_file(&pending) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(SecretsError::Io {
                    path: pending,
                    error,
                });
            }
        }
        sync_dir(&parent_dir(file)).map_err(|error| SecretsError::Io {
            path: file.to_owned(),
            error,
        })
    }
}

/// Guard of [`MasterKey::lock_rotation`]: the lock is released on drop.
#[derive(Debug)]
pub struct RotationLock {
    _file: fs::File,
}

fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Makes a directory's entries (a new or renamed file) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
