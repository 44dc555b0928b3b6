//! [`Cipher`]: sealing and opening of secret values.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::SecretsError;
use crate::key::KEY_LEN;

/// Version tag of the sealed text form.
const VERSION: &str = "v1";
/// XChaCha20 nonce length: random nonces are safe at this size.
const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;

/// Seals and opens secret values with one master key (XChaCha20-Poly1305).
///
/// Sealed form: `v1.<key_id>.<base64url(nonce || ciphertext || tag)>`, with the owner and the
/// name of the value as associated data. `Debug` shows the key ID only.
#[derive(Clone)]
pub struct Cipher {
    aead: XChaCha20Poly1305,
    key_id: String,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Cipher {
    /// A cipher over a 32-byte master key. The argument's copy of the key is wiped.
    pub fn from_key(key: [u8; KEY_LEN]) -> Cipher {
        let mut key = key;
        let aead = XChaCha20Poly1305::new(Key::from_slice(&key));
        let key_id = key_id_of(&key);
        key.zeroize();
        Cipher { aead, key_id }
    }

    /// The ID of the master key: 8 hex digits, stored with every sealed value.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Seals `plain` as the value `name` of `owner` (a fresh random nonce each time).
    pub fn seal(&self, owner: &str, name: &str, plain: &[u8]) -> Result<String, SecretsError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = associated_data(owner, name);
        let ciphertext = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| SecretsError::Seal {
                owner: owner.to_owned(),
                name: name.to_owned(),
            })?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(format!(
            "{VERSION}.{}.{}",
            self.key_id,
            URL_SAFE_NO_PAD.encode(blob)
        ))
    }

    /// Opens a value sealed for `owner` and `name`.
    ///
    /// Errors: [`SecretsError::WrongKey`] when it was sealed with another master key,
    /// [`SecretsError::Tampered`] when it was changed or belongs to another owner or name,
    /// [`SecretsError::Format`] when it is no sealed value at all.
    pub fn open(
        &self,
        owner: &str,
        name: &str,
        sealed: &str,
    ) -> Result<SecretSlice<u8>, SecretsError> {
        let format = |reason| SecretsError::Format {
            owner: owner.to_owned(),
            name: name.to_owned(),
            reason,
        };
        let mut parts = sealed.trim().splitn(3, '.');
        let (Some(version), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format("kein versiegelter Wert"));
        };
        if version != VERSION {
            return Err(format("unbekannte Formatversion"));
        }
        if key_id != self.key_id {
            return Err(SecretsError::WrongKey {
                owner: owner.to_owned(),
                name: name.to_owned(),
                stored: key_id.to_owned(),
                current: self.key_id.clone(),
            });
        }
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| format("kein Base64"))?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(format("zu kurz"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let aad = associated_data(owner, name);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SecretsError::Tampered {
                owner: owner.to_owned(),
                name: name.to_owned(),
            })?;
        Ok(SecretSlice::from(plain))
    }

    /// Like [`Cipher::open`], for values that are text (passwords, tokens).
    pub fn open_string(
        &self,
        owner: &str,
        name: &str,
        sealed: &str,
    ) -> Result<SecretString, SecretsError> {
        let bytes = self.open(owner, name, sealed)?;
        match std::str::from_utf8(bytes.expose_secret()) {
            Ok(text) => Ok(SecretString::from(text)),
            Err(_) => Err(SecretsError::NotUtf8 {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
        }
    }

    /// The key ID a sealed value names, without opening it (`None` for other text).
    pub fn sealed_key_id(sealed: &str) -> Option<&str> {
        let mut parts = sealed.trim().splitn(3, '.');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(VERSION), Some(key_id), Some(_)) => Some(key_id),
            _ => None,
        }
    }
}

/// The ID of a master key: the first 8 hex digits of a domain-separated SHA-256 over it. It
/// tells keys apart; it reveals nothing usable about the key.
pub(crate) fn key_id_of(key: &[u8; KEY_LEN]) -> String {
    let mut h = Sha256::new();
    h.update(b"immohub master key id\0");
    h.update(key);
    let digest = h.finalize();
    hex::encode(&digest[..4])
}

/// Associated data binding a sealed value to its owner and name: a version tag, then each
/// field with its length, so that no two (owner, name) pairs give the same bytes.
fn associated_data(owner: &str, name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + owner.len() + name.len());
    aad.extend_from_slice(b"immohub-secret-v1");
    for field in [owner, name] {
        aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
        aad.extend_from_slice(field.as_bytes());
    }
    aad
}
