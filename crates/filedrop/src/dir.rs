//! Directory target: temporary file in the same directory, fsync, rename, fsync the directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};

use crate::error::{ErrorKind, FiledropError, Result, Step, io_err};
use crate::names::{free_archive_name, is_in_progress, matches_pattern, temp_name};
use crate::{COPY_BUFFER, RemoteFile};

pub(crate) struct DirConn {
    pub(crate) desc: String,
    pub(crate) root: PathBuf,
    pub(crate) archive_dir: String,
}

impl DirConn {
    pub(crate) async fn open(desc: String, root: &Path, archive_dir: &str) -> Result<Self> {
        match tokio::fs::metadata(root).await {
            Ok(m) if m.is_dir() => Ok(Self {
                desc,
                root: root.to_path_buf(),
                archive_dir: archive_dir.to_owned(),
            }),
            Ok(_) => Err(FiledropError::new(
                desc,
                Step::OpenDir,
                ErrorKind::Config,
                "der Pfad ist kein Verzeichnis",
            )),
            Err(e) => Err(io_err(&desc, Step::OpenDir, &e)),
        }
    }

    fn err(&self, step: Step, e: &std::io::Error) -> FiledropError {
        io_err(&self.desc, step, e)
    }

    pub(crate) async fn upload<R>(&mut self, reader: &mut R, name: &str) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        let tmp = self.root.join(temp_name(name));
        let result = self.write_temp(reader, &tmp).await;
        let written = match result {
            Ok(n) => n,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        if let Err(e) = tokio::fs::rename(&tmp, self.root.join(name)).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(self.err(Step::Rename, &e));
        }
        // Make the rename itself durable.
        if let Ok(dir) = tokio::fs::File::open(&self.root).await {
            let _ = dir.sync_all().await;
        }
        Ok(written)
    }

    async fn write_temp<R>(&self, reader: &mut R, tmp: &Path) -> Result<u64>
    where
        R: AsyncRead + Unpin + Send + ?Sized,
    {
        let file = tokio::fs::File::create(tmp)
            .await
            .map_err(|e| self.err(Step::Upload, &e))?;
        let mut out = BufWriter::with_capacity(COPY_BUFFER, file);
        let mut input = BufReader::with_capacity(COPY_BUFFER, reader);
        let n = tokio::io::copy_buf(&mut input, &mut out)
            .await
            .map_err(|e| self.err(Step::Upload, &e))?;
        out.flush().await.map_err(|e| self.err(Step::Upload, &e))?;
        out.get_mut()
            .sync_all()
            .await
            .map_err(|e| self.err(Step::Upload, &e))?;
        Ok(n)
    }

    pub(crate) async fn list(&mut self, pattern: &str) -> Result<Vec<RemoteFile>> {
        let mut out = Vec::new();
        let mut rd = tokio::fs::read_dir(&self.root)
            .await
            .map_err(|e| self.err(Step::List, &e))?;
        while let Some(entry) = rd
            .next_entry()
            .await
            .map_err(|e| self.err(Step::List, &e))?
        {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue; // not UTF-8: cannot be a partner's file name we could address
            };
            if is_in_progress(&name) || !matches_pattern(pattern, &name) {
                continue;
            }
            let Ok(meta) = entry.metadata().await else {
                continue; // vanished between listing and stat
            };
            if !meta.is_file() {
                continue;
            }
            out.push(RemoteFile {
                name,
                size: Some(meta.len()),
                modified: meta.modified().ok(),
            });
        }
        Ok(out)
    }

    pub(crate) async fn download<W>(&mut self, name: &str, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let file = tokio::fs::File::open(self.root.join(name))
            .await
            .map_err(|e| self.err(Step::Download, &e))?;
        let mut input = BufReader::with_capacity(COPY_BUFFER, file);
        let n = tokio::io::copy_buf(&mut input, writer)
            .await
            .map_err(|e| self.err(Step::Download, &e))?;
        writer
            .flush()
            .await
            .map_err(|e| self.err(Step::Download, &e))?;
        Ok(n)
    }

    pub(crate) async fn archive(&mut self, name: &str) -> Result<String> {
        let archive = self.root.join(&self.archive_dir);
        tokio::fs::create_dir_all(&archive)
            .await
            .map_err(|e| self.err(Step::Archive, &e))?;
        let mut taken = HashSet::new();
        let mut rd = tokio::fs::read_dir(&archive)
            .await
            .map_err(|e| self.err(Step::Archive, &e))?;
        while let Some(entry) = rd
            .next_entry()
            .await
            .map_err(|e| self.err(Step::Archive, &e))?
        {
            taken.insert(entry.file_name().to_string_lossy().into_owned());
        }
        let target = free_archive_name(name, &taken);
        tokio::fs::rename(self.root.join(name), archive.join(&target))
            .await
            .map_err(|e| self.err(Step::Archive, &e))?;
        Ok(target)
    }

    pub(crate) async fn delete(&mut self, name: &str) -> Result<()> {
        tokio::fs::remove_file(self.root.join(name))
            .await
            .map_err(|e| self.err(Step::Delete, &e))
    }
}
