//! Content hashes for change detection.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// SHA-256 of the canonical JSON of a value, hex (the first 16 bytes: 128 bits are plenty to
/// detect changes and keep the store small).
pub fn content_hash<T: Serialize>(value: &T) -> String {
    let mut h = Sha256::new();
    // serde_json writes struct fields in declaration order and maps sorted (BTreeMap), so the
    // same value always gives the same bytes.
    if serde_json::to_writer(HashWriter(&mut h), value).is_err() {
        // Serialising our own entity types cannot fail; hash the error marker anyway so that
        // the function stays total.
        h.update(b"\0unserialisable");
    }
    hex::encode(&h.finalize()[..16])
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
