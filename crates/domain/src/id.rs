//! Composite IDs (GEN-1): the IDs partners see, built from the ERP numbers of client,
//! property, building and unit, joined by the separator chosen per connection.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The five separators a connection may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Separator {
    #[serde(rename = "-")]
    Dash,
    #[serde(rename = "_")]
    Underscore,
    #[serde(rename = ".")]
    #[default]
    Dot,
    #[serde(rename = "/")]
    Slash,
    #[serde(rename = "|")]
    Pipe,
}

impl Separator {
    pub const ALL: [Separator; 5] = [
        Separator::Dash,
        Separator::Underscore,
        Separator::Dot,
        Separator::Slash,
        Separator::Pipe,
    ];

    pub fn as_char(self) -> char {
        match self {
            Separator::Dash => '-',
            Separator::Underscore => '_',
            Separator::Dot => '.',
            Separator::Slash => '/',
            Separator::Pipe => '|',
        }
    }
}

impl FromStr for Separator {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Separator::ALL
            .into_iter()
            .find(|sep| s.len() == 1 && s.starts_with(sep.as_char()))
            .ok_or_else(|| IdError::UnknownSeparator(s.to_owned()))
    }
}

impl fmt::Display for Separator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum IdError {
    /// A part contains the separator: the ID would be ambiguous, so the record is not sent.
    #[error(
        "Nummer „{value}“ ({part}) enthält den Separator „{separator}“: die zusammengesetzte ID \
         wäre mehrdeutig"
    )]
    SeparatorInNumber {
        part: String,
        value: String,
        separator: char,
    },
    #[error("„{0}“ ist kein erlaubter Separator (erlaubt: - _ . / |)")]
    UnknownSeparator(String),
    #[error("„{0}“ ist keine zusammengesetzte ID mit {1} Teilen")]
    WrongParts(String, usize),
}

/// Builds a composite ID from named parts (`("client_no", "1")`, …).
pub fn compose(sep: Separator, parts: &[(&str, &str)]) -> Result<String, IdError> {
    let c = sep.as_char();
    let mut out = String::new();
    for (i, (name, value)) in parts.iter().enumerate() {
        if value.contains(c) {
            return Err(IdError::SeparatorInNumber {
                part: (*name).to_owned(),
                value: (*value).to_owned(),
                separator: c,
            });
        }
        if i > 0 {
            out.push(c);
        }
        out.push_str(value);
    }
    Ok(out)
}

/// Splits a composite ID into exactly `n` parts.
pub fn split(sep: Separator, id: &str, n: usize) -> Result<Vec<String>, IdError> {
    let parts: Vec<String> = id.split(sep.as_char()).map(str::to_owned).collect();
    if parts.len() != n || parts.iter().any(String::is_empty) {
        return Err(IdError::WrongParts(id.to_owned(), n));
    }
    Ok(parts)
}
