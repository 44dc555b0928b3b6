//! The file store of share rooms: a directory below immohub's data directory
//! (`<data_dir>/shares`). File names on disk are generated (32 hex digits), never taken from
//! user input, so no name a user chooses can reach outside the directory. Uploads are
//! streamed to a `.part` file with a size limit and a SHA-256, then renamed.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::ShareError;

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub storage_key: String,
    pub size: u64,
    pub sha256: String,
}

/// The directory of the stored files.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// A file store in `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<FileStore> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(FileStore { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of a stored file; `None` for a key that is not a generated one.
    pub fn path(&self, storage_key: &str) -> Option<PathBuf> {
        let valid = storage_key.len() == 32 && storage_key.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(storage_key))
    }

    /// Streams `body` into a new file, at most `limit` bytes (more: [`ShareError::TooLarge`],
    /// and nothing is kept).
    pub async fn store<S, E>(&self, mut body: S, limit: u64) -> Result<Stored, ShareError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut key = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let storage_key = hex::encode(key);
        let final_path = self.root.join(&storage_key);
        let part = self.root.join(format!("{storage_key}.part"));
        let mut file = tokio::fs::File::create(&part).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let result: Result<(), ShareError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk
                    .map_err(|e| ShareError::invalid("body", format!("Upload abgebrochen: {e}")))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(ShareError::TooLarge { limit });
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            file.sync_all().await?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        tokio::fs::rename(&part, &final_path).await?;
        Ok(Stored {
            storage_key,
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Removes a stored file (missing is fine).
    pub async fn remove(&self, storage_key: &str) -> Result<(), ShareError> {
        if let Some(path) = self.path(storage_key) {
            match tokio::fs::remove_file(path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// Content type by file extension (what browsers need to show a file inline).
pub fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// Checks a file or folder name given by staff: not empty, at most 200 characters, no path
/// separators or control characters, not `.`/`..`.
pub fn check_name(field: &'static str, name: &str) -> Result<String, ShareError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ShareError::invalid(field, "darf nicht leer sein"));
    }
    if name.chars().count() > 200 {
        return Err(ShareError::invalid(field, "höchstens 200 Zeichen"));
    }
    if name == "." || name == ".." {
        return Err(ShareError::invalid(field, "„.“ und „..“ sind keine Namen"));
    }
    if name
        .chars()
        .any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(ShareError::invalid(
            field,
            "darf weder „/“ noch „\\“ noch Steuerzeichen enthalten",
        ));
    }
    Ok(name.to_owned())
}
