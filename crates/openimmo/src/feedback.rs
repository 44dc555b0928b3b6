//! Lenient OpenImmo-Feedback 1.2.5 parser (PRO-2), streaming over any `BufRead`.
//!
//! Rules (see `docs/OPENIMMO.md`):
//! - element names are matched case-insensitively, namespace prefixes are ignored;
//! - text is trimmed, empty elements become `None`, unknown elements are ignored;
//! - the declared encoding (e.g. ISO-8859-1) is honoured;
//! - a prospect without surname *and* without e-mail, or without object ID, is an
//!   [`ProspectError`]; other prospects of the file are still returned;
//! - an unparseable birth date or an e-mail without `@` does not drop the prospect: the
//!   value is left out and a [`FieldWarning`] says why;
//! - a file that is not XML (or has no `openimmo_feedback` root) is one [`FeedbackError`].

use std::io::BufRead;

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};
use thiserror::Error;

/// `openimmo_feedback/sender`
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedbackSender {
    pub name: Option<String>,
    pub datum: Option<String>,
    pub makler_id: Option<String>,
    pub openimmo_anid: Option<String>,
}

/// A value the parser left out of a usable prospect, with the reason (German).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWarning {
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

/// One `objekt/interessent` (PRO-1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedbackProspect {
    /// 1-based position of the `interessent` in the file
    pub position: usize,
    /// `objekt/oobj_id`: the `objektnr_extern` immohub sent
    pub oobj_id: String,
    pub salutation: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// `anfrage`
    pub message: Option<String>,
    /// from `user_defined_extend/feld` (`geburtsdatum`, `birthdate`, …)
    pub birth_date: Option<NaiveDate>,
    pub warnings: Vec<FieldWarning>,
}

/// A prospect that cannot be used; names its position, object ID, field and reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("Interessent Nr. {position} (Objekt {oobj_id}): {field}: {reason}")]
pub struct ProspectError {
    pub position: usize,
    pub oobj_id: String,
    pub field: &'static str,
    pub reason: String,
}

/// The parsed file. `prospects` keeps the file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedbackFile {
    pub version: Option<String>,
    pub sender: Option<FeedbackSender>,
    pub prospects: Vec<Result<FeedbackProspect, ProspectError>>,
    /// Set when the XML breaks off after the root was read: the prospects before the
    /// break are returned, this says where and why the rest was not read.
    pub truncated: Option<String>,
}

/// The file as a whole is unusable.
#[derive(Debug, Error)]
pub enum FeedbackError {
    #[error("Keine gültige XML-Datei (Byte {position}): {message}")]
    NotXml { position: u64, message: String },
    #[error("Keine OpenImmo-Feedback-Datei: Wurzelelement ist {0}, erwartet openimmo_feedback")]
    WrongRoot(String),
    #[error("Leere Datei: kein XML-Inhalt")]
    Empty,
}

#[derive(Default)]
struct RawProspect {
    position: usize,
    fields: [Option<String>; 11],
    extend: Vec<(Option<String>, Option<String>)>,
}

const F_ANREDE: usize = 0;
const F_VORNAME: usize = 1;
const F_NACHNAME: usize = 2;
const F_FIRMA: usize = 3;
const F_STRASSE: usize = 4;
const F_PLZ: usize = 5;
const F_ORT: usize = 6;
const F_TEL: usize = 7;
const F_MOBIL: usize = 8;
const F_EMAIL: usize = 9;
const F_ANFRAGE: usize = 10;

fn prospect_field(name: &str) -> Option<usize> {
    Some(match name {
        "anrede" => F_ANREDE,
        "vorname" => F_VORNAME,
        "nachname" | "name" => F_NACHNAME,
        "firma" => F_FIRMA,
        "strasse" | "straße" => F_STRASSE,
        "plz" => F_PLZ,
        "ort" => F_ORT,
        "tel" | "telefon" => F_TEL,
        "mobil" | "handy" => F_MOBIL,
        "email" | "e-mail" => F_EMAIL,
        "anfrage" | "nachricht" => F_ANFRAGE,
        _ => return None,
    })
}

/// Parses an OpenImmo-Feedback file leniently (see the module docs for the rules).
pub fn parse_feedback<R: BufRead>(input: R) -> Result<FeedbackFile, FeedbackError> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut file = FeedbackFile::default();
    let mut root_seen = false;
    let mut prospect_count = 0usize;
    // prospects of the current `objekt`, completed when it closes (oobj_id may come late)
    let mut objekt_oobj: Option<String> = None;
    let mut objekt_prospects: Vec<RawProspect> = Vec::new();
    let mut current: Option<RawProspect> = None;
    let mut feld: Option<(Option<String>, Option<String>)> = None;

    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                let position = reader.error_position();
                if !root_seen {
                    return Err(FeedbackError::NotXml {
                        position,
                        message: e.to_string(),
                    });
                }
                finish_objekt(&mut file, &mut objekt_oobj, &mut objekt_prospects);
                file.truncated = Some(format!("XML-Fehler bei Byte {position}: {e}"));
                return Ok(file);
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = local_lower(e.name().as_ref());
                if !root_seen {
                    if !is_xml_name(&name) {
                        return Err(FeedbackError::NotXml {
                            position: reader.buffer_position(),
                            message: format!("ungültiger Elementname {name:?}"),
                        });
                    }
                    if name != "openimmo_feedback" {
                        return Err(FeedbackError::WrongRoot(name));
                    }
                    root_seen = true;
                }
                match name.as_str() {
                    "objekt" if !is_empty => {
                        finish_objekt(&mut file, &mut objekt_oobj, &mut objekt_prospects);
                    }
                    "interessent" => {
                        prospect_count += 1;
                        let raw = RawProspect {
                            position: prospect_count,
                            ..RawProspect::default()
                        };
                        if is_empty {
                            objekt_prospects.push(raw);
                        } else {
                            current = Some(raw);
                        }
                    }
                    "feld" if current.is_some() && !is_empty => feld = Some((None, None)),
                    "sender" if file.sender.is_none() => {
                        file.sender = Some(FeedbackSender::default());
                    }
                    _ => {}
                }
                if !is_empty {
                    stack.push(name);
                    text.clear();
                }
            }
            Event::Text(e) => {
                if let Ok(t) = e.decode() {
                    if !root_seen && !t.trim().is_empty() {
                        return Err(FeedbackError::NotXml {
                            position: reader.buffer_position(),
                            message: "Text außerhalb eines XML-Elements".into(),
                        });
                    }
                    text.push_str(&t);
                }
            }
            Event::CData(e) => {
                if let Ok(t) = e.decode() {
                    text.push_str(&t);
                }
            }
            Event::GeneralRef(e) => push_reference(&mut text, &e),
            Event::End(_) => {
                let Some(name) = stack.pop() else { continue };
                let value = clean(&text);
                text.clear();
                let parent = stack.last().map(String::as_str).unwrap_or("");
                match name.as_str() {
                    "interessent" => {
                        if let Some(raw) = current.take() {
                            objekt_prospects.push(raw);
                        }
                    }
                    "objekt" => finish_objekt(&mut file, &mut objekt_oobj, &mut objekt_prospects),
                    "feld" => {
                        if let (Some(raw), Some(f)) = (current.as_mut(), feld.take()) {
                            raw.extend.push(f);
                        }
                    }
                    "name" if parent == "feld" => {
                        if let Some(f) = feld.as_mut() {
                            f.0 = value;
                        }
                    }
                    "wert" if parent == "feld" => {
                        if let Some(f) = feld.as_mut() {
                            f.1 = value;
                        }
                    }
                    "oobj_id" if parent == "objekt" => objekt_oobj = value,
                    "version" if parent == "openimmo_feedback" => file.version = value,
                    _ if parent == "interessent" => {
                        if let (Some(raw), Some(idx)) = (current.as_mut(), prospect_field(&name))
                            && raw.fields[idx].is_none()
                        {
                            raw.fields[idx] = value;
                        }
                    }
                    _ if parent == "sender" => {
                        if let Some(s) = file.sender.as_mut() {
                            match name.as_str() {
                                "name" => s.name = value,
                                "datum" => s.datum = value,
                                "makler_id" => s.makler_id = value,
                                "openimmo_anid" => s.openimmo_anid = value,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(FeedbackError::Empty);
    }
    finish_objekt(&mut file, &mut objekt_oobj, &mut objekt_prospects);
    if !stack.is_empty() {
        file.truncated = Some(format!(
            "Datei endet vor dem Ende von <{}>",
            stack.join("/")
        ));
    }
    Ok(file)
}

fn finish_objekt(
    file: &mut FeedbackFile,
    oobj: &mut Option<String>,
    prospects: &mut Vec<RawProspect>,
) {
    let oobj_id = oobj.take();
    for raw in prospects.drain(..) {
        file.prospects.push(build_prospect(raw, oobj_id.as_deref()));
    }
}

fn build_prospect(
    raw: RawProspect,
    oobj_id: Option<&str>,
) -> Result<FeedbackProspect, ProspectError> {
    let RawProspect {
        position,
        mut fields,
        extend,
    } = raw;
    let oobj = oobj_id.unwrap_or("").to_string();
    let error = |field: &'static str, reason: &str| ProspectError {
        position,
        oobj_id: if oobj.is_empty() {
            "?".into()
        } else {
            oobj.clone()
        },
        field,
        reason: reason.into(),
    };
    if oobj.is_empty() {
        return Err(error(
            "oobj_id",
            "Objekt-ID fehlt; der Interessent kann keinem Leerstand zugeordnet werden",
        ));
    }
    let mut warnings = Vec::new();
    let mut email = fields[F_EMAIL].take();
    if let Some(mail) = email.as_deref()
        && !looks_like_email(mail)
    {
        warnings.push(FieldWarning {
            field: "email",
            value: mail.to_string(),
            reason: "keine gültige E-Mail-Adresse; ignoriert".into(),
        });
        email = None;
    }
    let last_name = fields[F_NACHNAME].take();
    if last_name.is_none() && email.is_none() {
        return Err(error(
            "nachname/email",
            "weder Nachname noch gültige E-Mail-Adresse angegeben",
        ));
    }
    let mut birth_date = None;
    for (name, value) in &extend {
        let (Some(name), Some(value)) = (name, value) else {
            continue;
        };
        if !is_birth_date_name(name) {
            continue;
        }
        match parse_birth_date(value) {
            Some(d) => {
                birth_date = Some(d);
                break;
            }
            None => warnings.push(FieldWarning {
                field: "geburtsdatum",
                value: value.clone(),
                reason:
                    "Geburtsdatum nicht lesbar (erwartet JJJJ-MM-TT oder TT.MM.JJJJ); ignoriert"
                        .into(),
            }),
        }
    }
    Ok(FeedbackProspect {
        position,
        oobj_id: oobj.clone(),
        salutation: fields[F_ANREDE].take(),
        first_name: fields[F_VORNAME].take(),
        last_name,
        company: fields[F_FIRMA].take(),
        street: fields[F_STRASSE].take(),
        postcode: fields[F_PLZ].take(),
        city: fields[F_ORT].take(),
        phone: fields[F_TEL].take(),
        mobile: fields[F_MOBIL].take(),
        email,
        message: fields[F_ANFRAGE].take(),
        birth_date,
        warnings,
    })
}

fn is_birth_date_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        n.as_str(),
        "geburtsdatum" | "birthdate" | "dateofbirth" | "geburtstag" | "gebdatum" | "dob"
    )
}

/// Accepts `1980-05-01`, `01.05.1980`, `1.5.1980`, `01/05/1980`, `19800501` and an ISO
/// date-time (`1980-05-01T00:00:00`).
pub fn parse_birth_date(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    let date_part = v.split(['T', ' ']).next().unwrap_or(v);
    for fmt in ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, fmt) {
            return Some(d);
        }
    }
    None
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn local_lower(qname: &[u8]) -> String {
    let local = match qname.iter().rposition(|&b| b == b':') {
        Some(i) => &qname[i + 1..],
        None => qname,
    };
    String::from_utf8_lossy(local).to_lowercase()
}

fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn clean(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_string())
    }
}

fn push_reference(text: &mut String, r: &BytesRef<'_>) {
    if let Ok(Some(ch)) = r.resolve_char_ref() {
        text.push(ch);
        return;
    }
    let name = r.decode().unwrap_or_default();
    match name.as_ref() {
        "amp" => text.push('&'),
        "lt" => text.push('<'),
        "gt" => text.push('>'),
        "quot" => text.push('"'),
        "apos" => text.push('\''),
        other => {
            text.push('&');
            text.push_str(other);
            text.push(';');
        }
    }
}
