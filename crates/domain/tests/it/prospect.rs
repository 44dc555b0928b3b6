//! PRO-1 (prospect content and validation) and GEN-3 (technical ERP user).

use chrono::NaiveDate;
use immohub_domain::Separator;
use immohub_domain::prospect::{InvalidField, Prospect, TechnicalUser};
use serde_json::{Value, json};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
}

fn clients() -> Vec<String> {
    vec!["1".to_owned(), "2".to_owned()]
}

fn parse(v: Value) -> Result<Prospect, Vec<InvalidField>> {
    Prospect::from_json(&v, Separator::Dot, &clients(), today())
}

fn full() -> Value {
    json!({
        "unit_id": "1.100.1.7",
        "salutation": "Frau",
        "first_name": " Erika ",
        "surname": "Mustermann",
        "birth_date": "1985-02-28",
        "email": "erika@example.org",
        "phone": "+49 40 123456-7",
        "address": {"street": "Elbchaussee", "house_no": "12a", "postal_code": "22763",
                    "city": "Hamburg"},
        "message": "Guten Tag,\nich interessiere mich für die Wohnung.",
    })
}

/// Field names of the errors, in order.
fn fields(r: Result<Prospect, Vec<InvalidField>>) -> Vec<String> {
    r.unwrap_err().into_iter().map(|e| e.field).collect()
}

#[test]
fn pro_1_full_prospect_is_normalised() {
    let p = parse(full()).unwrap();
    assert_eq!(p.unit_id, "1.100.1.7");
    assert_eq!(p.first_name.as_deref(), Some("Erika"), "trimmed");
    assert_eq!(p.surname, "Mustermann");
    assert_eq!(p.birth_date, NaiveDate::from_ymd_opt(1985, 2, 28));
    let a = p.address.as_ref().unwrap();
    assert_eq!(a.country, "DE", "default country");
    assert_eq!(a.house_no.as_deref(), Some("12a"));
    assert!(p.message.as_deref().unwrap().contains('\n'));
    assert_eq!(p.display_name(), "Erika Mustermann");
    assert_eq!(
        p.unit_numbers(Separator::Dot).unwrap(),
        ["1", "100", "1", "7"]
    );
}

#[test]
fn pro_2_same_content_has_same_hash_whatever_the_spelling() {
    let a = parse(full()).unwrap();
    let mut v = full();
    v["first_name"] = json!("Erika");
    v["salutation"] = json!("  Frau");
    v["address"]["country"] = json!("de");
    let b = parse(v).unwrap();
    assert_eq!(a.content_hash(), b.content_hash());
    let mut v = full();
    v["message"] = json!("Andere Nachricht");
    assert_ne!(a.content_hash(), parse(v).unwrap().content_hash());
}

#[test]
fn pro_1_minimal_prospect_needs_unit_surname_and_a_contact() {
    let p =
        parse(json!({"unit_id": "2.1.1.1", "surname": "Öztürk", "phone": "040 1234567"})).unwrap();
    assert_eq!(p.email, None);
    assert_eq!(p.address, None);
    assert_eq!(
        fields(parse(json!({"unit_id": "1.1.1.1", "surname": "X"}))),
        ["email"],
        "neither e-mail nor phone"
    );
    assert_eq!(
        fields(parse(json!({"email": "a@b.de"}))),
        ["unit_id", "surname"]
    );
    assert_eq!(
        fields(parse(
            json!({"unit_id": "1.1.1.1", "surname": "   ", "email": "a@b.de"})
        )),
        ["surname"],
        "blank is missing"
    );
}

/// Every invalid value is reported with its field; the German and English reasons say why.
#[test]
fn pro_1_validation_names_field_and_reason() {
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("unit_id", json!("1.100.7"), "vier Teilen", "four parts"),
        ("unit_id", json!("1-100-1-7"), "vier Teilen", "four parts"),
        ("unit_id", json!("9.100.1.7"), "GEN-2", "GEN-2"),
        ("unit_id", json!(17), "Text", "string"),
        ("email", json!("erika@web,de"), "E-Mail", "e-mail"),
        ("email", json!("erika"), "E-Mail", "e-mail"),
        ("phone", json!("0800-CALL-ME"), "Telefonnummer", "phone"),
        ("phone", json!("112"), "Telefonnummer", "phone"),
        (
            "birth_date",
            json!("28.02.1985"),
            "JJJJ-MM-TT",
            "YYYY-MM-DD",
        ),
        ("birth_date", json!("2024-05-01"), "Vergangenheit", "past"),
        ("birth_date", json!("1850-01-01"), "130", "130"),
        (
            "surname",
            json!("A".repeat(101)),
            "100 Zeichen",
            "100 characters",
        ),
        ("first_name", json!("Tab\there"), "Steuerzeichen", "control"),
        ("message", json!("x".repeat(4001)), "4000", "4000"),
        ("address", json!("Elbchaussee 12"), "Objekt", "object"),
        (
            "nickname",
            json!("Eri"),
            "unbekanntes Feld",
            "unknown field",
        ),
    ];
    for (field, value, de, en) in cases {
        let mut v = full();
        v[field] = value.clone();
        let errors = parse(v).unwrap_err();
        assert_eq!(errors.len(), 1, "{field}={value}: {errors:?}");
        let e = &errors[0];
        assert_eq!(e.field, field, "{value}");
        assert!(e.reason.contains(de), "{field}={value}: {}", e.reason);
        assert!(e.reason_en.contains(en), "{field}={value}: {}", e.reason_en);
        assert!(e.to_string().contains(field));
    }
}

#[test]
fn pro_1_address_fields_are_checked_as_a_whole() {
    let with = |a: Value| {
        let mut v = full();
        v["address"] = a;
        parse(v)
    };
    assert_eq!(
        fields(with(json!({"street": "Elbchaussee"}))),
        ["address.postal_code", "address.city"]
    );
    assert_eq!(
        fields(with(
            json!({"street": "S", "postal_code": "1067", "city": "Dresden"})
        )),
        ["address.postal_code"],
        "German postal codes have five digits"
    );
    let p = with(
        json!({"street": "Bahnhofstrasse", "house_no": "1", "postal_code": "8001",
                        "city": "Zürich", "country": "ch"}),
    )
    .unwrap();
    assert_eq!(p.address.unwrap().country, "CH");
    assert_eq!(
        fields(with(
            json!({"street": "S", "postal_code": "12345", "city": "C", "country": "Deutschland"})
        )),
        ["address.country"]
    );
    assert_eq!(
        fields(with(
            json!({"street": "S", "postal_code": "12345", "city": "C", "floor": 2})
        )),
        ["address.floor"]
    );
    assert_eq!(with(json!({})).unwrap().address, None);
    assert_eq!(with(Value::Null).unwrap().address, None);
}

#[test]
fn pro_1_body_must_be_an_object_and_all_errors_come_at_once() {
    assert_eq!(fields(parse(json!([1, 2]))), ["body"]);
    let errors = fields(parse(json!({
        "unit_id": "x", "surname": 3, "email": "nope", "birth_date": "morgen"
    })));
    assert_eq!(errors, ["unit_id", "surname", "birth_date", "email"]);
}

#[test]
fn gen_3_technical_user_is_one_to_twenty_safe_characters() {
    for ok in [
        "IMMOMIO",
        "042",
        "svc_immohub",
        "A",
        "x.y-z",
        "ABCDEFGHIJKLMNOPQRST",
    ] {
        assert_eq!(TechnicalUser::new(ok).unwrap().as_str(), ok);
    }
    for bad in [
        "",
        "ABCDEFGHIJKLMNOPQRSTU",
        "IMMO MIO",
        "Müller",
        "a;drop",
        "a\nb",
    ] {
        let e = TechnicalUser::new(bad).unwrap_err();
        assert!(e.contains("GEN-3"), "{bad}: {e}");
    }
    // As configuration: text, validated while reading.
    #[derive(serde::Deserialize)]
    struct C {
        #[allow(dead_code)]
        technical_user: TechnicalUser,
    }
    assert!(toml::from_str::<C>("technical_user = \"042\"").is_ok());
    let e = toml::from_str::<C>("technical_user = \"viel zu langer Benutzername\"")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("1 bis 20 Zeichen"), "{e}");
}
