//! The errors of this crate. Messages are German (they reach staff) and never contain key
//! material or plaintext.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The master key text is not 32 bytes of Base64.
    #[error(
        "{origin}: kein gültiger Hauptschlüssel – {reason}. Erwartet werden 32 zufällige Bytes \
         in Base64 (44 Zeichen), wie immohub sie selbst erzeugt"
    )]
    KeyFormat { origin: String, reason: String },

    /// Reading or writing a key file failed.
    #[error("Schlüsseldatei {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    /// A key file that must be new exists already.
    #[error("Schlüsseldatei {} existiert bereits und wird nicht überschrieben", path.display())]
    Exists { path: PathBuf },

    /// The value was sealed with another master key.
    #[error(
        "Der Hauptschlüssel passt nicht zu den gespeicherten Zugangsdaten „{name}“ von \
         „{owner}“ (verschlüsselt mit Schlüssel {stored}, aktueller Schlüssel {current}). Bitte \
         den richtigen Hauptschlüssel angeben: Umgebungsvariable IMMOHUB_MASTER_KEY oder Datei \
         secrets.master_key_file"
    )]
    WrongKey {
        owner: String,
        name: String,
        stored: String,
        current: String,
    },

    /// The stored text is not a sealed value of a known format.
    #[error("Zugangsdaten „{name}“ von „{owner}“: gespeicherter Wert ist unlesbar ({reason})")]
    Format {
        owner: String,
        name: String,
        reason: &'static str,
    },

    /// Authentication failed: the value was changed, or it belongs to another owner or name.
    #[error(
        "Zugangsdaten „{name}“ von „{owner}“ lassen sich nicht entschlüsseln: der gespeicherte \
         Wert wurde verändert oder gehört zu einem anderen Eintrag"
    )]
    Tampered { owner: String, name: String },

    /// The plaintext is not UTF-8 (asked for as a string).
    #[error("Zugangsdaten „{name}“ von „{owner}“ sind kein gültiger UTF-8-Text")]
    NotUtf8 { owner: String, name: String },

    /// Encryption failed (only for absurdly long values).
    #[error("Zugangsdaten „{name}“ von „{owner}“ ließen sich nicht verschlüsseln")]
    Seal { owner: String, name: String },
}
