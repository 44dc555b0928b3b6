//! ZIP packaging (VAC-4): the OpenImmo XML as the first entry, then every attachment under
//! its relative path, streamed from an [`AttachmentSource`] (never a whole file in memory).

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::PathBuf;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::{ExportError, ValidationError};
use crate::model::{Action, Listing, Provider, Transfer};
use crate::writer::{OpenImmoWriter, check_relative_path};

/// Where attachment bytes come from. Implemented for closures
/// `FnMut(&str) -> io::Result<impl Read>` and for [`DirectorySource`].
pub trait AttachmentSource {
    /// Opens the attachment stored under `path` (the relative path of `anhang/daten/pfad`).
    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>>;
}

impl<F, R> AttachmentSource for F
where
    F: FnMut(&str) -> io::Result<R>,
    R: Read + 'static,
{
    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self(path)?))
    }
}

/// Reads attachments from files below a root directory (`root/<relative path>`).
#[derive(Debug, Clone)]
pub struct DirectorySource {
    pub root: PathBuf,
}

impl AttachmentSource for DirectorySource {
    fn open(&mut self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(File::open(self.root.join(path))?))
    }
}

/// Options for [`write_zip`].
#[derive(Debug, Clone, Default)]
pub struct ZipOptions {
    /// Name of the XML entry; default `immohub_<YYYYMMDDhhmmss of the timestamp>.xml`
    /// (or `immohub.xml` without a timestamp).
    pub xml_file_name: Option<String>,
}

/// What [`write_zip`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipSummary {
    pub xml_file_name: String,
    pub listings_written: usize,
    /// Listings that failed validation; they are not in the XML and their attachments are
    /// not in the ZIP (e.g. VAC-1: no net cold rent).
    pub rejected: Vec<ValidationError>,
    /// Distinct attachment files written (duplicates are written once).
    pub attachments_written: usize,
}

/// Writes a complete OpenImmo ZIP: XML first (deflate), then the attachments (deflate).
///
/// Listings that fail validation are skipped and reported in [`ZipSummary::rejected`];
/// an attachment that cannot be read fails the whole ZIP (the XML already refers to it).
pub fn write_zip<W, I, S>(
    out: W,
    transfer: &Transfer,
    provider: &Provider,
    listings: I,
    mut source: S,
    options: &ZipOptions,
) -> Result<ZipSummary, ExportError>
where
    W: Write + Seek,
    I: IntoIterator,
    I::Item: Borrow<Listing>,
    S: AttachmentSource,
{
    let xml_file_name = match &options.xml_file_name {
        Some(name) => name.clone(),
        None => match transfer.timestamp {
            Some(ts) => format!("immohub_{}.xml", ts.format("%Y%m%d%H%M%S")),
            None => "immohub.xml".to_string(),
        },
    };
    check_relative_path(&xml_file_name).map_err(|reason| ExportError::AttachmentPath {
        path: xml_file_name.clone(),
        reason,
    })?;
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(out);
    zip.start_file(xml_file_name.as_str(), opts)?;

    // Only the attachment paths are kept (bounded by the number of attachments, not bytes).
    let mut paths: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(xml_file_name.clone());
    let mut rejected = Vec::new();
    let listings_written;
    {
        let buffered = io::BufWriter::with_capacity(64 * 1024, &mut zip);
        let mut writer = OpenImmoWriter::new(buffered, transfer, provider)?;
        for item in listings {
            let listing: &Listing = item.borrow();
            match writer.write_listing(listing) {
                Ok(()) => {
                    if listing.action != Action::Delete {
                        for a in &listing.attachments {
                            if seen.insert(a.path.clone()) {
                                paths.push(a.path.clone());
                            }
                        }
                    }
                }
                Err(ExportError::Invalid(e)) => rejected.push(e),
                Err(other) => return Err(other),
            }
        }
        listings_written = writer.listings_written();
        let mut buffered = writer.finish()?;
        buffered.flush()?;
    }

    let mut copy_buf = vec![0u8; 64 * 1024];
    for path in &paths {
        zip.start_file(path.as_str(), opts)?;
        let mut reader = source.open(path).map_err(|e| ExportError::AttachmentRead {
            path: path.clone(),
            source: e,
        })?;
        loop {
            let n = reader
                .read(&mut copy_buf)
                .map_err(|e| ExportError::AttachmentRead {
                    path: path.clone(),
                    source: e,
                })?;
            if n == 0 {
                break;
            }
            zip.write_all(&copy_buf[..n])?;
        }
    }
    zip.finish()?;
    Ok(ZipSummary {
        xml_file_name,
        listings_written,
        rejected,
        attachments_written: paths.len(),
    })
}
