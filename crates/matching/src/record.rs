//! The person record compared by the duplicate check.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A person as the duplicate check sees it: an existing business partner or a prospect.
///
/// Text fields are raw, as entered; an empty string means "missing". Only `id` has no meaning
/// for matching: it is what a [`crate::Decision`] links to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonRecord {
    /// The person's ID in the ERP (business partner number) or the prospect's ID.
    pub id: String,
    /// Vorname.
    pub first_name: String,
    /// Nachname.
    pub surname: String,
    /// Geburtsdatum.
    pub birth_date: Option<NaiveDate>,
    /// E-Mail.
    pub email: String,
    /// Telefon.
    pub phone: String,
    /// Straße with house number.
    pub street: String,
    /// PLZ.
    pub postcode: String,
    /// Ort.
    pub city: String,
}
