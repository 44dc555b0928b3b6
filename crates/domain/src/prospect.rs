//! Prospects (Interessenten) that partners send in (PRO-1, PRO-2), and the technical ERP user
//! that every write into the ERP carries (GEN-3).
//!
//! [`Prospect::from_json`] validates what a partner sent and normalises it (text trimmed, blank
//! text dropped). Every error names the field and says why, in German and English. The
//! normalised prospect is what the inbox keeps, whatever the transport (the partner API today;
//! OpenImmo-Feedback files and melon-style JSON convert into the same type), and its
//! [`Prospect::content_hash`] decides whether a repeated delivery is "the same prospect".

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::{self, Separator};

/// Most characters of a technical ERP user.
pub const TECHNICAL_USER_MAX_CHARS: usize = 20;

/// The ERP user immohub writes as for one partner (GEN-3), e.g. `IMMOMIO` or `042`.
///
/// 1 to 20 characters: ASCII letters, digits, `_`, `-`, `.` (what ERP user names and user
/// numbers are made of). Leading zeros are kept: write `"042"` as text in `immohub.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TechnicalUser(String);

impl TechnicalUser {
    /// Validates a technical user; the error is German and names the rule.
    pub fn new(value: impl Into<String>) -> Result<TechnicalUser, String> {
        let value = value.into();
        let chars = value.chars().count();
        if chars == 0 || chars > TECHNICAL_USER_MAX_CHARS {
            return Err(format!(
                "technischer ERP-Benutzer „{value}“: 1 bis {TECHNICAL_USER_MAX_CHARS} Zeichen \
                 erwartet, nicht {chars} (GEN-3)"
            ));
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            return Err(format!(
                "technischer ERP-Benutzer „{}“: Zeichen „{}“ nicht erlaubt (nur A–Z, a–z, 0–9, \
                 _ - .) (GEN-3)",
                value.escape_debug(),
                bad.escape_debug()
            ));
        }
        Ok(TechnicalUser(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TechnicalUser {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TechnicalUser::new(value)
    }
}

impl From<TechnicalUser> for String {
    fn from(u: TechnicalUser) -> String {
        u.0
    }
}

impl fmt::Display for TechnicalUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A field a partner sent that cannot be accepted: which field (`address.postal_code` for
/// nested ones) and why, in German and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("Feld „{field}“: {reason}")]
pub struct InvalidField {
    pub field: String,
    /// German reason.
    pub reason: String,
    /// English reason.
    pub reason_en: String,
}

impl InvalidField {
    pub fn new(
        field: impl Into<String>,
        reason: impl Into<String>,
        reason_en: impl Into<String>,
    ) -> Self {
        InvalidField {
            field: field.into(),
            reason: reason.into(),
            reason_en: reason_en.into(),
        }
    }
}

/// A prospect's postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProspectAddress {
    pub street: String,
    pub house_no: Option<String>,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2 country code, upper case; `DE` when not given.
    pub country: String,
}

/// A prospect for one unit (PRO-1), validated and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prospect {
    /// The unit applied for, as the partner sees it: the composite ID of GEN-1
    /// (`client.property.building.unit` with the connection's separator).
    pub unit_id: String,
    pub salutation: Option<String>,
    pub first_name: Option<String>,
    pub surname: String,
    pub birth_date: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<ProspectAddress>,
    /// The prospect's message to the landlord (line breaks kept).
    pub message: Option<String>,
}

/// The fields of a prospect in the JSON a partner sends, in documentation order.
pub const PROSPECT_FIELDS: [&str; 9] = [
    "unit_id",
    "salutation",
    "first_name",
    "surname",
    "birth_date",
    "email",
    "phone",
    "address",
    "message",
];

/// The fields of [`ProspectAddress`] in the JSON.
pub const ADDRESS_FIELDS: [&str; 5] = ["street", "house_no", "postal_code", "city", "country"];

/// Longest text per field, in characters (what the ERP interface table holds).
fn max_chars(field: &str) -> usize {
    match field {
        "unit_id" => 100,
        "salutation" => 30,
        "first_name" | "surname" | "address.street" | "address.city" => 100,
        "email" => 200,
        "phone" => 40,
        "address.house_no" => 20,
        "address.postal_code" => 10,
        "address.country" => 2,
        "message" => 4000,
        _ => 200,
    }
}

impl Prospect {
    /// Validates and normalises a prospect as a partner sent it.
    ///
    /// `separator` is the connection's separator of composite IDs (GEN-1), `clients` its
    /// client numbers (GEN-2: a unit of another client is refused), `today` the date in
    /// Europe/Berlin (a birth date must lie before it). Returns every problem at once, in
    /// field order.
    pub fn from_json(
        value: &Value,
        separator: Separator,
        clients: &[String],
        today: NaiveDate,
    ) -> Result<Prospect, Vec<InvalidField>> {
        let Some(obj) = value.as_object() else {
            return Err(vec![InvalidField::new(
                "body",
                "der Inhalt muss ein JSON-Objekt sein",
                "the body must be a JSON object",
            )]);
        };
        let mut errors = Vec::new();
        unknown_fields(obj, "", &PROSPECT_FIELDS, &mut errors);

        let unit_id = text(obj, "unit_id", "", &mut errors);
        let unit_id = match unit_id {
            None => {
                if !errors.iter().any(|e| e.field == "unit_id") {
                    errors.push(required("unit_id"));
                }
                None
            }
            Some(u) => check_unit_id(u, separator, clients, &mut errors),
        };
        let salutation = text(obj, "salutation", "", &mut errors);
        let first_name = text(obj, "first_name", "", &mut errors);
        let surname = text(obj, "surname", "", &mut errors);
        if surname.is_none() && !errors.iter().any(|e| e.field == "surname") {
            errors.push(required("surname"));
        }
        let birth_date = text(obj, "birth_date", "", &mut errors)
            .and_then(|d| check_birth_date(&d, today, &mut errors));
        let email = text(obj, "email", "", &mut errors).and_then(|e| check_email(e, &mut errors));
        let phone = text(obj, "phone", "", &mut errors).and_then(|p| check_phone(p, &mut errors));
        let contact_invalid = errors
            .iter()
            .any(|e| e.field == "email" || e.field == "phone");
        if email.is_none() && phone.is_none() && !contact_invalid {
            errors.push(InvalidField::new(
                "email",
                "E-Mail-Adresse oder Telefonnummer erforderlich (sonst ist der Interessent nicht \
                 erreichbar)",
                "an e-mail address or a phone number is required (otherwise the prospect \
                 cannot be reached)",
            ));
        }
        let address = address(obj, &mut errors);
        let message = text(obj, "message", "", &mut errors);

        match (errors.is_empty(), unit_id, surname) {
            (true, Some(unit_id), Some(surname)) => Ok(Prospect {
                unit_id,
                salutation,
                first_name,
                surname,
                birth_date,
                email,
                phone,
                address,
                message,
            }),
            _ => Err(errors),
        }
    }

    /// Hash of the normalised content: two deliveries with the same hash are the same prospect
    /// (white space around values, key order and blank fields do not count).
    pub fn content_hash(&self) -> String {
        crate::hash::content_hash(self)
    }

    /// The ERP numbers in [`Prospect::unit_id`]: client, property, building, unit.
    pub fn unit_numbers(&self, separator: Separator) -> Result<Vec<String>, id::IdError> {
        id::split(separator, &self.unit_id, 4)
    }

    /// Display name for protocol lines: "Erika Mustermann".
    pub fn display_name(&self) -> String {
        match &self.first_name {
            Some(f) => format!("{f} {}", self.surname),
            None => self.surname.clone(),
        }
    }
}

pub(crate) fn required(field: &str) -> InvalidField {
    InvalidField::new(field, "Pflichtfeld fehlt", "required field missing")
}

/// Reports keys that are not in `known`.
pub(crate) fn unknown_fields(
    obj: &Map<String, Value>,
    prefix: &str,
    known: &[&str],
    errors: &mut Vec<InvalidField>,
) {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            let list = known.join(", ");
            errors.push(InvalidField::new(
                format!("{prefix}{key}"),
                format!("unbekanntes Feld (bekannt: {list})"),
                format!("unknown field (known: {list})"),
            ));
        }
    }
}

/// A text field: trimmed, `None` when missing, `null` or blank. Wrong types, control
/// characters and overlong text are errors.
pub(crate) fn text(
    obj: &Map<String, Value>,
    key: &str,
    prefix: &str,
    errors: &mut Vec<InvalidField>,
) -> Option<String> {
    let field = format!("{prefix}{key}");
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() {
                return None;
            }
            let multiline = key == "message";
            if t.chars()
                .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
            {
                errors.push(InvalidField::new(
                    field,
                    "enthält Steuerzeichen",
                    "contains control characters",
                ));
                return None;
            }
            let max = max_chars(&field);
            let n = t.chars().count();
            if n > max {
                errors.push(InvalidField::new(
                    field,
                    format!("höchstens {max} Zeichen erlaubt, nicht {n}"),
                    format!("at most {max} characters allowed, not {n}"),
                ));
                return None;
            }
            Some(t.to_owned())
        }
        Some(other) => {
            errors.push(InvalidField::new(
                field,
                format!("muss Text sein, nicht {}", json_type(other)),
                format!("must be a string, not {}", json_type_en(other)),
            ));
            None
        }
    }
}

pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "ein Wahrheitswert",
        Value::Number(_) => "eine Zahl",
        Value::String(_) => "Text",
        Value::Array(_) => "eine Liste",
        Value::Object(_) => "ein Objekt",
    }
}

pub(crate) fn json_type_en(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn check_unit_id(
    unit_id: String,
    separator: Separator,
    clients: &[String],
    errors: &mut Vec<InvalidField>,
) -> Option<String> {
    if unit_id.chars().any(char::is_whitespace) {
        errors.push(InvalidField::new(
            "unit_id",
            format!("„{unit_id}“ enthält Leerzeichen"),
            format!("\"{unit_id}\" contains white space"),
        ));
        return None;
    }
    let sep = separator.as_char();
    let parts = match id::split(separator, &unit_id, 4) {
        Ok(parts) => parts,
        Err(_) => {
            errors.push(InvalidField::new(
                "unit_id",
                format!(
                    "„{unit_id}“ ist keine Einheiten-ID aus vier Teilen \
                     (Mandant{sep}WE{sep}Gebäude{sep}Einheit, GEN-1)"
                ),
                format!(
                    "\"{unit_id}\" is not a unit ID of four parts \
                     (client{sep}property{sep}building{sep}unit, GEN-1)"
                ),
            ));
            return None;
        }
    };
    if !clients.iter().any(|c| *c == parts[0]) {
        errors.push(InvalidField::new(
            "unit_id",
            format!(
                "Mandant {} ist für diese Verbindung nicht freigegeben (GEN-2)",
                parts[0]
            ),
            format!(
                "client {} is not released for this connection (GEN-2)",
                parts[0]
            ),
        ));
        return None;
    }
    Some(unit_id)
}

fn check_birth_date(
    raw: &str,
    today: NaiveDate,
    errors: &mut Vec<InvalidField>,
) -> Option<NaiveDate> {
    let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") else {
        errors.push(InvalidField::new(
            "birth_date",
            format!("„{raw}“ ist kein Datum (erwartet JJJJ-MM-TT)"),
            format!("\"{raw}\" is not a date (expected YYYY-MM-DD)"),
        ));
        return None;
    };
    if date >= today {
        errors.push(InvalidField::new(
            "birth_date",
            format!("{date} liegt nicht in der Vergangenheit"),
            format!("{date} is not in the past"),
        ));
        return None;
    }
    if today.year() - date.year() > 130 {
        errors.push(InvalidField::new(
            "birth_date",
            format!("{date} liegt mehr als 130 Jahre zurück"),
            format!("{date} is more than 130 years ago"),
        ));
        return None;
    }
    Some(date)
}

/// The shape check of the ERP interface (`local@domain.tld`, no white space, no comma).
fn check_email(email: String, errors: &mut Vec<InvalidField>) -> Option<String> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && !email.chars().any(|c| c.is_whitespace() || c == ',')
        }
        None => false,
    };
    if ok {
        Some(email)
    } else {
        errors.push(InvalidField::new(
            "email",
            format!("„{email}“ ist keine gültige E-Mail-Adresse"),
            format!("\"{email}\" is not a valid e-mail address"),
        ));
        None
    }
}

/// Digits with the usual punctuation (`+49 40 123456-7`, `(040) 123 45 67`), at least five
/// digits.
fn check_phone(phone: String, errors: &mut Vec<InvalidField>) -> Option<String> {
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '/' | '(' | ')' | '.'));
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if allowed && digits >= 5 {
        Some(phone)
    } else {
        errors.push(InvalidField::new(
            "phone",
            format!(
                "„{phone}“ ist keine Telefonnummer (Ziffern, mindestens fünf, dazu + - / ( ) . \
                 und Leerzeichen)"
            ),
            format!(
                "\"{phone}\" is not a phone number (digits, at least five, plus + - / ( ) . \
                 and spaces)"
            ),
        ));
        None
    }
}

fn address(obj: &Map<String, Value>, errors: &mut Vec<InvalidField>) -> Option<ProspectAddress> {
    let a = match obj.get("address") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(a)) => a,
        Some(other) => {
            errors.push(InvalidField::new(
                "address",
                format!("muss ein Objekt sein, nicht {}", json_type(other)),
                format!("must be an object, not {}", json_type_en(other)),
            ));
            return None;
        }
    };
    const P: &str = "address.";
    let before = errors.len();
    unknown_fields(a, P, &ADDRESS_FIELDS, errors);
    let street = text(a, "street", P, errors);
    let house_no = text(a, "house_no", P, errors);
    let postal_code = text(a, "postal_code", P, errors);
    let city = text(a, "city", P, errors);
    let country = text(a, "country", P, errors)
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_else(|| "DE".to_owned());
    if street.is_none() && house_no.is_none() && postal_code.is_none() && city.is_none() {
        // `{}` or only a country: no address.
        return None;
    }
    if !country.chars().all(|c| c.is_ascii_uppercase()) || country.len() != 2 {
        errors.push(InvalidField::new(
            "address.country",
            format!("„{country}“ ist kein Ländercode nach ISO 3166-1 (zwei Buchstaben, z. B. DE)"),
            format!("\"{country}\" is no ISO 3166-1 country code (two letters, e.g. DE)"),
        ));
    }
    for (field, value) in [
        ("street", &street),
        ("postal_code", &postal_code),
        ("city", &city),
    ] {
        let name = format!("{P}{field}");
        if value.is_none() && !errors.iter().any(|e| e.field == name) {
            errors.push(InvalidField::new(
                name,
                "Pflichtfeld einer Anschrift fehlt",
                "required field of an address missing",
            ));
        }
    }
    if let Some(pc) = &postal_code {
        let ok = if country == "DE" {
            pc.len() == 5 && pc.bytes().all(|b| b.is_ascii_digit())
        } else {
            pc.chars().count() >= 2
                && pc
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        };
        if !ok {
            errors.push(InvalidField::new(
                "address.postal_code",
                if country == "DE" {
                    format!("„{pc}“ ist keine fünfstellige Postleitzahl")
                } else {
                    format!("„{pc}“ ist keine Postleitzahl")
                },
                if country == "DE" {
                    format!("\"{pc}\" is not a five-digit German postal code")
                } else {
                    format!("\"{pc}\" is not a postal code")
                },
            ));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(ProspectAddress {
        street: street?,
        house_no,
        postal_code: postal_code?,
        city: city?,
        country,
    })
}
