//! Lenient OpenImmo-Feedback 1.2.5 parsing (PRO-1, PRO-2) on realistic sample files.

use std::io::BufReader;

use chrono::NaiveDate;
use immohub_openimmo::*;

fn data(name: &str) -> FeedbackFile {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&path).expect("sample file");
    parse_feedback(BufReader::new(file)).expect("parsable feedback file")
}

fn ok(f: &FeedbackFile) -> Vec<&FeedbackProspect> {
    f.prospects.iter().filter_map(|p| p.as_ref().ok()).collect()
}

#[test]
fn pro_2_three_prospects_with_all_pro_1_fields() {
    let f = data("feedback_three_prospects.xml");
    assert_eq!(f.version.as_deref(), Some("1.2.5"));
    let s = f.sender.as_ref().expect("sender");
    assert_eq!(s.name.as_deref(), Some("ImmoPortal24 GmbH"));
    assert_eq!(s.makler_id.as_deref(), Some("K-4711"));
    assert_eq!(s.datum.as_deref(), Some("28.11.2026"));
    assert_eq!(f.prospects.len(), 3);
    let p = ok(&f);
    assert_eq!(p.len(), 3);
    let erika = p[0];
    assert_eq!(erika.position, 1);
    assert_eq!(erika.oobj_id, "1.10.3.7");
    assert_eq!(erika.salutation.as_deref(), Some("Frau"));
    assert_eq!(erika.first_name.as_deref(), Some("Erika"));
    assert_eq!(erika.last_name.as_deref(), Some("Musterfrau"));
    assert_eq!(erika.company, None, "empty <firma/> is None");
    assert_eq!(erika.street.as_deref(), Some("Hauptstraße 5"));
    assert_eq!(erika.postcode.as_deref(), Some("10117"));
    assert_eq!(erika.city.as_deref(), Some("Berlin"));
    assert_eq!(erika.phone.as_deref(), Some("030 1234567"));
    assert_eq!(erika.mobile, None, "empty <mobil></mobil> is None");
    assert_eq!(erika.email.as_deref(), Some("erika.musterfrau@example.de"));
    assert_eq!(
        erika.message.as_deref(),
        Some("Ist die Wohnung noch frei? Ich würde sie gern besichtigen & bringe Unterlagen mit.")
    );
    assert!(erika.warnings.is_empty());
    let jonas = p[1];
    assert_eq!(
        jonas.first_name.as_deref(),
        Some("Jonas"),
        "whitespace trimmed"
    );
    assert_eq!(jonas.email.as_deref(), Some("jonas.schmidt@example.org"));
    assert_eq!(jonas.mobile.as_deref(), Some("0170 7654321"));
    assert_eq!(
        jonas.message.as_deref(),
        Some("Bitte um Rückruf <abends>."),
        "CDATA"
    );
    let weber = p[2];
    assert_eq!(weber.position, 3);
    assert_eq!(weber.oobj_id, "1.20.1.3");
    assert_eq!(weber.company.as_deref(), Some("Praxis Dr. Weber"));
    assert_eq!(weber.birth_date, None);
}

#[test]
fn pro_2_one_unusable_prospect_does_not_drop_the_others() {
    let f = data("feedback_one_bad_prospect.xml");
    assert_eq!(
        f.version.as_deref(),
        Some("1.2.5"),
        "element names matched case-insensitively"
    );
    assert_eq!(
        f.sender.as_ref().and_then(|s| s.makler_id.as_deref()),
        Some("77")
    );
    assert_eq!(f.prospects.len(), 4);
    let anna = f.prospects[0].as_ref().expect("Anna is usable");
    assert_eq!(anna.last_name.as_deref(), Some("Becker"));
    assert_eq!(anna.oobj_id, "1.10.3.7");

    let bad = f.prospects[1]
        .as_ref()
        .expect_err("no surname, no valid e-mail");
    assert_eq!(bad.position, 2);
    assert_eq!(bad.oobj_id, "1.10.3.7");
    assert_eq!(bad.field, "nachname/email");
    let msg = bad.to_string();
    assert!(
        msg.contains("Interessent Nr. 2") && msg.contains("1.10.3.7"),
        "{msg}"
    );

    let yilmaz = f.prospects[2]
        .as_ref()
        .expect("surname without e-mail is usable");
    assert_eq!(yilmaz.phone.as_deref(), Some("0221 998877"));
    assert_eq!(yilmaz.email, None);

    let no_object = f.prospects[3].as_ref().expect_err("no oobj_id");
    assert_eq!(no_object.field, "oobj_id");
    assert_eq!(no_object.position, 4);
}

#[test]
fn pro_2_iso_8859_1_file_is_decoded() {
    let f = data("feedback_latin1.xml");
    assert_eq!(
        f.sender.as_ref().and_then(|s| s.name.as_deref()),
        Some("Süddeutsche Immobörse")
    );
    let p = ok(&f);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].first_name.as_deref(), Some("Jürgen"));
    assert_eq!(p[0].last_name.as_deref(), Some("Müßig-Öztürk"));
    assert_eq!(p[0].street.as_deref(), Some("Königsallee 3"));
    assert_eq!(p[0].city.as_deref(), Some("Düsseldorf"));
    assert_eq!(
        p[0].message.as_deref(),
        Some("Grüße aus Köln - größere Wohnung gesucht.")
    );
}

#[test]
fn pro_1_birth_date_from_user_defined_extend() {
    let f = data("feedback_birthdate.xml");
    let p = ok(&f);
    assert_eq!(p.len(), 3, "an unreadable birth date keeps the prospect");
    let may_first = NaiveDate::from_ymd_opt(1980, 5, 1);
    assert_eq!(p[0].birth_date, may_first, "geburtsdatum, ISO");
    assert_eq!(
        p[1].birth_date, may_first,
        "Geburtsdatum, German format, among other fields"
    );
    assert_eq!(p[2].birth_date, None);
    assert_eq!(p[2].warnings.len(), 1);
    assert_eq!(p[2].warnings[0].field, "geburtsdatum");
    assert_eq!(p[2].warnings[0].value, "1992-13-45");
    assert!(p[2].warnings[0].reason.contains("Geburtsdatum"));
}

#[test]
fn pro_2_not_xml_is_one_file_level_error() {
    let err = parse_feedback(&b"Name;Email\nMustermann;m@example.de\n"[..]).expect_err("CSV");
    assert!(
        matches!(
            err,
            FeedbackError::NotXml { .. } | FeedbackError::WrongRoot(_) | FeedbackError::Empty
        ),
        "{err:?}"
    );
    let err = parse_feedback(&b""[..]).expect_err("empty");
    assert!(matches!(err, FeedbackError::Empty), "{err:?}");
    let err = parse_feedback(&b"<?xml version=\"1.0\"?><openimmo><x/></openimmo>"[..])
        .expect_err("wrong root");
    assert!(err.to_string().contains("openimmo_feedback"), "{err}");
    let err = parse_feedback(&b"<<<>>>"[..]).expect_err("garbage");
    assert!(matches!(err, FeedbackError::NotXml { .. }), "{err:?}");
}

#[test]
fn pro_2_broken_xml_after_good_prospects_keeps_them_and_says_so() {
    let xml = br#"<openimmo_feedback><objekt><oobj_id>1.10.3.7</oobj_id>
        <interessent><nachname>Koch</nachname></interessent>
        <interessent><nachname>Lang</nachname></bad></objekt></openimmo_feedback>"#;
    let f = parse_feedback(&xml[..]).expect("partial result");
    assert!(f.truncated.is_some(), "{f:?}");
    assert_eq!(ok(&f).len(), 1);
    assert_eq!(ok(&f)[0].last_name.as_deref(), Some("Koch"));
}

#[test]
fn pro_1_birth_date_formats() {
    use immohub_openimmo::feedback::parse_birth_date;
    let d = NaiveDate::from_ymd_opt(1980, 5, 1);
    for s in [
        "1980-05-01",
        "01.05.1980",
        "1.5.1980",
        "01/05/1980",
        "19800501",
        "1980-05-01T00:00:00",
    ] {
        assert_eq!(parse_birth_date(s), d, "{s}");
    }
    for s in ["", "05/1980", "31.02.1980", "gestern"] {
        assert_eq!(parse_birth_date(s), None, "{s}");
    }
}
