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

/// The hash of JSON text that `serde_json` wrote compactly (`to_string`, `to_writer`): equal
/// to [`content_hash`] of the value it was written from, for callers that keep the text too.
pub fn json_text_hash(json: &str) -> String {
    hex::encode(&Sha256::digest(json.as_bytes())[..16])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample {
        b: &'static str,
        a: Option<u32>,
        text: &'static str,
    }

    #[test]
    fn hash_of_the_json_text_equals_the_content_hash() {
        let sample = Sample {
            b: "zwei",
            a: Some(1),
            text: "Straße \"7\"\n",
        };
        let text = serde_json::to_string(&sample).unwrap();
        assert_eq!(json_text_hash(&text), content_hash(&sample));
        let value = serde_json::json!({ "id": "1.2", "rooms": "2.5", "list": [1, null] });
        assert_eq!(json_text_hash(&value.to_string()), content_hash(&value));
    }
}
