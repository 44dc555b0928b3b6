//! Tenants accepted at the partner without a lease yet ("Mieter ohne Vertrag", TEN-1 to TEN-3).
//!
//! When a partner accepts a prospect as tenant (Immomio "Als Mieter akzeptieren", melon
//! "Mieter ohne Vertrag"), it sends the tenant with the dossier: proof of income, credit
//! report, ID, household members. Only the **main tenant** becomes a business partner in the
//! ERP (TEN-2); the other household members travel in the dossier.
//!
//! [`AcceptedTenant::from_json`] validates the JSON part of such a delivery (the files come
//! beside it and are described by [`DossierDocument`]). The main tenant is validated exactly
//! like a prospect ([`Prospect::from_json`]), so a partner meets the same rules and messages;
//! fields are named as the partner sent them (`main_tenant.surname`, `household[1].birth_date`).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::Separator;
use crate::prospect::{
    InvalidField, PROSPECT_FIELDS, Prospect, json_type, json_type_en, required, text,
    unknown_fields,
};

/// The fields of an accepted tenant's JSON, in documentation order.
pub const TENANT_FIELDS: [&str; 5] = ["unit_id", "main_tenant", "household", "move_in", "message"];

/// The fields of a household member.
pub const MEMBER_FIELDS: [&str; 4] = ["first_name", "surname", "birth_date", "relation"];

/// Most household members besides the main tenant.
pub const MAX_HOUSEHOLD: usize = 20;

/// Most documents in one dossier.
pub const MAX_DOCUMENTS: usize = 50;

/// What a dossier document is. In a multipart delivery the part's name is the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Proof of income (Einkommensnachweis).
    IncomeProof,
    /// Credit report (Bonitätsauskunft, e.g. SCHUFA).
    CreditReport,
    /// Identity document (Ausweis).
    IdDocument,
    /// Household members' documents (Haushaltsangaben).
    Household,
    /// Anything else (Mietschuldenfreiheitsbescheinigung, …).
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::IncomeProof,
        DocumentKind::CreditReport,
        DocumentKind::IdDocument,
        DocumentKind::Household,
        DocumentKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::IncomeProof => "income_proof",
            DocumentKind::CreditReport => "credit_report",
            DocumentKind::IdDocument => "id_document",
            DocumentKind::Household => "household",
            DocumentKind::Other => "other",
        }
    }

    pub fn label_de(self) -> &'static str {
        match self {
            DocumentKind::IncomeProof => "Einkommensnachweis",
            DocumentKind::CreditReport => "Bonitätsauskunft",
            DocumentKind::IdDocument => "Ausweis",
            DocumentKind::Household => "Haushaltsangaben",
            DocumentKind::Other => "Sonstiges",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The names, comma-separated (for error messages).
    pub fn names() -> String {
        Self::ALL.map(DocumentKind::as_str).join(", ")
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One file of the dossier, as immohub stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierDocument {
    pub kind: DocumentKind,
    /// The file name the partner sent, made safe (no directories, no control characters).
    pub file_name: String,
    /// The name in immohub's dossier directory (`01-einkommen.pdf`): unique within the dossier.
    pub stored_name: String,
    /// The content type the partner declared (`application/pdf`), if any.
    pub content_type: Option<String>,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

/// A household member besides the main tenant (TEN-2: travels in the dossier only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdMember {
    pub first_name: Option<String>,
    pub surname: String,
    pub birth_date: Option<NaiveDate>,
    /// `Ehepartner`, `Kind`, … as the partner sent it.
    pub relation: Option<String>,
}

/// A tenant accepted at the partner, validated and normalised (TEN-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedTenant {
    /// The main tenant (TEN-2): the one who becomes the ERP's business partner. Its `unit_id`
    /// is the unit let; its `message` the partner's remark.
    pub main_tenant: Prospect,
    pub household: Vec<HouseholdMember>,
    /// The wished start of the lease.
    pub move_in: Option<NaiveDate>,
    /// The dossier's files, in the order received.
    pub documents: Vec<DossierDocument>,
}

impl AcceptedTenant {
    /// Validates the JSON part of an accepted tenant; `documents` are the files stored beside
    /// it. Parameters as for [`Prospect::from_json`]. Returns every problem at once.
    pub fn from_json(
        value: &Value,
        separator: Separator,
        clients: &[String],
        today: NaiveDate,
        documents: Vec<DossierDocument>,
    ) -> Result<AcceptedTenant, Vec<InvalidField>> {
        let Some(obj) = value.as_object() else {
            return Err(vec![InvalidField::new(
                "tenant",
                "der Mieter muss ein JSON-Objekt sein",
                "the tenant must be a JSON object",
            )]);
        };
        let mut errors = Vec::new();
        unknown_fields(obj, "", &TENANT_FIELDS, &mut errors);

        // The main tenant is checked as a prospect of the same unit (PRO-1's rules).
        let main = match obj.get("main_tenant") {
            None | Some(Value::Null) => {
                errors.push(required("main_tenant"));
                None
            }
            Some(Value::Object(m)) => {
                let mut p = Map::new();
                for (k, v) in m {
                    if k == "unit_id" || k == "message" || !PROSPECT_FIELDS.contains(&k.as_str()) {
                        errors.push(InvalidField::new(
                            format!("main_tenant.{k}"),
                            "unbekanntes Feld des Hauptmieters",
                            "unknown field of the main tenant",
                        ));
                        continue;
                    }
                    p.insert(k.clone(), v.clone());
                }
                for k in ["unit_id", "message"] {
                    if let Some(v) = obj.get(k) {
                        p.insert(k.to_owned(), v.clone());
                    }
                }
                match Prospect::from_json(&Value::Object(p), separator, clients, today) {
                    Ok(p) => Some(p),
                    Err(errs) => {
                        for mut e in errs {
                            if e.field != "unit_id" && e.field != "message" {
                                e.field = format!("main_tenant.{}", e.field);
                            }
                            errors.push(e);
                        }
                        None
                    }
                }
            }
            Some(other) => {
                errors.push(InvalidField::new(
                    "main_tenant",
                    format!("muss ein Objekt sein, nicht {}", json_type(other)),
                    format!("must be an object, not {}", json_type_en(other)),
                ));
                None
            }
        };

        let household = household(obj.get("household"), today, &mut errors);
        let move_in = text(obj, "move_in", "", &mut errors).and_then(|raw| {
            match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(InvalidField::new(
                        "move_in",
                        format!("„{raw}“ ist kein Datum (erwartet JJJJ-MM-TT)"),
                        format!("\"{raw}\" is not a date (expected YYYY-MM-DD)"),
                    ));
                    None
                }
            }
        });
        if documents.len() > MAX_DOCUMENTS {
            errors.push(InvalidField::new(
                "documents",
                format!(
                    "höchstens {MAX_DOCUMENTS} Dateien je Mieter, nicht {}",
                    documents.len()
                ),
                format!(
                    "at most {MAX_DOCUMENTS} files per tenant, not {}",
                    documents.len()
                ),
            ));
        }
        match (errors.is_empty(), main) {
            (true, Some(main_tenant)) => Ok(AcceptedTenant {
                main_tenant,
                household,
                move_in,
                documents,
            }),
            _ => Err(errors),
        }
    }

    /// Hash of the normalised content including the files' hashes: two deliveries with the
    /// same hash are the same tenant with the same dossier.
    pub fn content_hash(&self) -> String {
        crate::hash::content_hash(self)
    }

    /// "Erika Mustermann (+2 Personen)".
    pub fn display_name(&self) -> String {
        let name = self.main_tenant.display_name();
        match self.household.len() {
            0 => name,
            1 => format!("{name} (+1 Person)"),
            n => format!("{name} (+{n} Personen)"),
        }
    }
}

fn household(
    value: Option<&Value>,
    today: NaiveDate,
    errors: &mut Vec<InvalidField>,
) -> Vec<HouseholdMember> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            errors.push(InvalidField::new(
                "household",
                format!("muss eine Liste sein, nicht {}", json_type(other)),
                format!("must be an array, not {}", json_type_en(other)),
            ));
            return Vec::new();
        }
    };
    if items.len() > MAX_HOUSEHOLD {
        errors.push(InvalidField::new(
            "household",
            format!(
                "höchstens {MAX_HOUSEHOLD} Mitbewohner, nicht {}",
                items.len()
            ),
            format!("at most {MAX_HOUSEHOLD} members, not {}", items.len()),
        ));
        return Vec::new();
    }
    let mut members = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("household[{i}].");
        let Some(m) = item.as_object() else {
            errors.push(InvalidField::new(
                format!("household[{i}]"),
                format!("muss ein Objekt sein, nicht {}", json_type(item)),
                format!("must be an object, not {}", json_type_en(item)),
            ));
            continue;
        };
        unknown_fields(m, &prefix, &MEMBER_FIELDS, errors);
        let first_name = text(m, "first_name", &prefix, errors);
        let surname = text(m, "surname", &prefix, errors);
        let relation = text(m, "relation", &prefix, errors);
        let birth_date =
            text(m, "birth_date", &prefix, errors).and_then(|raw| match NaiveDate::parse_from_str(
                &raw, "%Y-%m-%d",
            ) {
                Ok(d) if d < today => Some(d),
                Ok(d) => {
                    errors.push(InvalidField::new(
                        format!("{prefix}birth_date"),
                        format!("{d} liegt nicht in der Vergangenheit"),
                        format!("{d} is not in the past"),
                    ));
                    None
                }
                Err(_) => {
                    errors.push(InvalidField::new(
                        format!("{prefix}birth_date"),
                        format!("„{raw}“ ist kein Datum (erwartet JJJJ-MM-TT)"),
                        format!("\"{raw}\" is not a date (expected YYYY-MM-DD)"),
                    ));
                    None
                }
            });
        match surname {
            Some(surname) => members.push(HouseholdMember {
                first_name,
                surname,
                birth_date,
                relation,
            }),
            None => {
                let field = format!("{prefix}surname");
                if !errors.iter().any(|e| e.field == field) {
                    errors.push(required(&field));
                }
            }
        }
    }
    members
}

/// The directory (below immohub's dossier directory) holding the files of the tenant a
/// connection sent under `idempotency_key`: derived from both, so the partner API and the
/// write-back find the same place without storing a path.
pub fn dossier_dir_name(connection: &str, idempotency_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(connection.as_bytes());
    h.update([0u8]);
    h.update(idempotency_key.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Makes a partner's file name safe to store: the last path segment, without control
/// characters, at most 120 characters; `datei` when nothing is left.
pub fn safe_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut out: String = trimmed.chars().take(120).collect();
    if out.is_empty() {
        out = "datei".to_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn parse(v: Value) -> Result<AcceptedTenant, Vec<InvalidField>> {
        AcceptedTenant::from_json(&v, Separator::Dot, &["1".to_owned()], today(), Vec::new())
    }

    #[test]
    fn ten_2_main_tenant_and_household_are_separate() {
        let t = parse(json!({
            "unit_id": "1.100.1.7",
            "main_tenant": {"salutation": "Frau", "first_name": " Jörg ", "surname": "Müller",
                            "email": "j@example.de", "birth_date": "1980-01-02"},
            "household": [{"first_name": "Lena", "surname": "Müller", "relation": "Kind",
                           "birth_date": "2015-05-05"}],
            "move_in": "2027-01-01",
        }))
        .unwrap();
        assert_eq!(t.main_tenant.unit_id, "1.100.1.7");
        assert_eq!(t.main_tenant.first_name.as_deref(), Some("Jörg"));
        assert_eq!(t.household.len(), 1);
        assert_eq!(t.household[0].relation.as_deref(), Some("Kind"));
        assert_eq!(t.display_name(), "Jörg Müller (+1 Person)");
    }

    #[test]
    fn ten_1_errors_name_the_senders_fields() {
        let errs = parse(json!({
            "unit_id": "9.100.1.7",
            "main_tenant": {"first_name": "A", "phone": "x", "shoe_size": 42},
            "household": [{"first_name": "B"}, 7],
            "move_in": "morgen",
        }))
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "unit_id",
            "main_tenant.surname",
            "main_tenant.phone",
            "main_tenant.shoe_size",
            "household[0].surname",
            "household[1]",
            "move_in",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }

    #[test]
    fn ten_1_content_hash_covers_the_documents() {
        let v = json!({"unit_id": "1.1.1.1", "main_tenant": {"surname": "X", "email": "x@y.de"}});
        let doc = |sha: &str| DossierDocument {
            kind: DocumentKind::IncomeProof,
            file_name: "a.pdf".into(),
            stored_name: "01-a.pdf".into(),
            content_type: None,
            size: 1,
            sha256: sha.into(),
        };
        let a =
            AcceptedTenant::from_json(&v, Separator::Dot, &["1".into()], today(), vec![doc("aa")])
                .unwrap();
        let b =
            AcceptedTenant::from_json(&v, Separator::Dot, &["1".into()], today(), vec![doc("bb")])
                .unwrap();
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn safe_file_names() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\Users\\x\\Gehalt März.pdf"),
            "Gehalt März.pdf"
        );
        assert_eq!(safe_file_name(".."), "datei");
        assert_eq!(safe_file_name("a\u{0}b?.pdf"), "ab_.pdf");
    }
}
