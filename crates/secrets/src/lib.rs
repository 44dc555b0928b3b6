//! Credentials encrypted at rest (GEN-5).
//!
//! * [`MasterKey`]: 32 random bytes, from the environment variable `IMMOHUB_MASTER_KEY`
//!   (Base64) or from a key file (mode 0600) that is generated on first start. The file
//!   protocol of a key rotation (`FILE.new`, written and synced before the store is re-sealed,
//!   then renamed over `FILE`) lives here too; the decision which key fits the store is the
//!   caller's, since only it sees the store.
//! * [`Cipher`]: seals secret values with XChaCha20-Poly1305 into the text form
//!   `v1.<key_id>.<base64url(nonce || ciphertext)>`. `key_id` names the master key (8 hex
//!   digits of a SHA-256 over it), so a wrong key is reported as such instead of as garbage.
//!   Owner and name of the value are bound as associated data: a sealed value copied to
//!   another record does not open.
//!
//! Plaintext is handed out only in [`secrecy`] types (redacted `Debug`, wiped on drop), and key
//! material is wiped after use where that is cheap. Nothing here logs.

mod cipher;
mod error;
mod key;

pub use cipher::Cipher;
pub use error::SecretsError;
pub use key::{Created, ENV_VAR, KEY_LEN, KeySource, MasterKey, RotationLock};
pub use secrecy;
