//! Download-all as a streamed ZIP (SHR-5): the ZIP is written on a blocking thread (zip crate,
//! stream mode with data descriptors, entries stored uncompressed since documents such as PDF
//! and JPEG are compressed already) into a bounded channel that the HTTP body reads. Memory
//! stays at a few chunks, whatever the size of the room.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use futures::Stream;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;

/// One entry of the ZIP: its name inside the ZIP and the file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    pub name: String,
    pub path: PathBuf,
}

const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the writer thread and the body.
const CHANNEL: usize = 8;

/// A `Write` that hands full chunks to the channel (blocking while the body is behind).
struct ChannelWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "Client weg"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Makes entry names unique (`plan.pdf`, `plan (2).pdf`) and safe (no `..`, no leading `/`,
/// no backslashes).
pub fn unique_names(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    names
        .into_iter()
        .map(|name| {
            let clean: String = name
                .split('/')
                .filter(|p| !p.is_empty() && *p != "." && *p != "..")
                .map(|p| p.replace('\\', "_"))
                .collect::<Vec<_>>()
                .join("/");
            let clean = if clean.is_empty() {
                "Datei".to_owned()
            } else {
                clean
            };
            if seen.insert(clean.clone()) {
                return clean;
            }
            let (stem, ext) = match clean.rsplit_once('.') {
                Some((s, e)) if !s.is_empty() && !e.contains('/') => {
                    (s.to_owned(), format!(".{e}"))
                }
                _ => (clean.clone(), String::new()),
            };
            let mut n = 2;
            loop {
                let candidate = format!("{stem} ({n}){ext}");
                if seen.insert(candidate.clone()) {
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

/// The ZIP of `entries` as a stream of chunks. A file that cannot be read ends the stream
/// with an error (the client sees a broken download rather than a silently incomplete ZIP).
pub fn zip_stream(entries: Vec<ZipEntry>) -> impl Stream<Item = std::io::Result<Bytes>> {
    let (tx, rx) = mpsc::channel(CHANNEL);
    let err_tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let result = (|| -> std::io::Result<()> {
            let writer = ChannelWriter {
                tx,
                buf: Vec::with_capacity(CHUNK),
            };
            let mut zip = zip::ZipWriter::new_stream(writer);
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(true);
            for e in entries {
                let mut file = std::fs::File::open(&e.path)?;
                zip.start_file(e.name, options)
                    .map_err(std::io::Error::other)?;
                std::io::copy(&mut file, &mut zip)?;
            }
            let mut inner = zip.finish().map_err(std::io::Error::other)?.into_inner();
            inner.flush()
        })();
        if let Err(e) = result {
            let _ = err_tx.blocking_send(Err(e));
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_cannot_escape() {
        let names = unique_names(
            [
                "a/plan.pdf",
                "a/plan.pdf",
                "../../etc/passwd",
                "a/plan.pdf",
                "/x",
            ]
            .map(String::from),
        );
        assert_eq!(
            names,
            [
                "a/plan.pdf",
                "a/plan (2).pdf",
                "etc/passwd",
                "a/plan (3).pdf",
                "x"
            ]
        );
    }
}
