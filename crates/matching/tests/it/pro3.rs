//! PRO-3: duplicate check before a prospect becomes a business partner.

use chrono::NaiveDate;
use immohub_matching::{
    Decision, Field, MatchConfig, MatchError, MatchMode, PersonIndex, PersonRecord, ReasonKind,
    compare, decide,
};

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn person(id: &str, first: &str, sur: &str, birth: Option<NaiveDate>) -> PersonRecord {
    PersonRecord {
        id: id.into(),
        first_name: first.into(),
        surname: sur.into(),
        birth_date: birth,
        ..PersonRecord::default()
    }
}

/// A small stock with homonyms and phonetic neighbours.
fn stock() -> Vec<PersonRecord> {
    vec![
        person("GP-1", "Jürgen", "Müller", date(1970, 3, 14)),
        person("GP-2", "Anna", "Meier", date(1985, 7, 2)),
        person("GP-3", "Thomas", "Schmidt", date(1962, 11, 30)),
        person("GP-4", "Thomas", "Schmidt", date(1990, 1, 5)),
        person("GP-5", "Karl-Heinz", "Meyer-Lüdenscheid", date(1955, 5, 20)),
        person("GP-6", "Sabine", "Strauß", date(1978, 9, 9)),
        person("GP-7", "Renée", "Böhm", date(1981, 2, 3)),
    ]
}

fn check(prospect: &PersonRecord, config: &MatchConfig) -> Decision {
    let index: PersonIndex = stock().into_iter().collect();
    let decision = index.check(prospect, config).unwrap();
    // The brute-force path must agree with the index (for a new person, blocking may not
    // have looked at the closest non-match that brute force reports as `best`).
    let brute = decide(prospect, &stock(), config).unwrap();
    if !(decision.is_new() && brute.is_new()) {
        assert_eq!(decision, brute);
    }
    decision
}

#[test]
fn pro_3_spacing_and_ue_transliteration_link_existing_tenant() {
    let p = person("P-1", "  Juergen ", "MUELLER  ", date(1970, 3, 14));
    let d = check(&p, &MatchConfig::default());
    assert_eq!(d.linked_id(), Some("GP-1"), "{d:?}");
}

#[test]
fn pro_3_case_accent_and_sharp_s_are_ignored() {
    let cases = [
        person("P", "sabine", "STRAUSS", date(1978, 9, 9)),
        person("P", "Renee", "Boehm", date(1981, 2, 3)),
        person("P", "RENÉE", "Bohm", date(1981, 2, 3)),
        person("P", "Jurgen", "Muller", date(1970, 3, 14)),
    ];
    let want = ["GP-6", "GP-7", "GP-7", "GP-1"];
    for (p, want) in cases.iter().zip(want) {
        let d = check(p, &MatchConfig::default());
        assert_eq!(d.linked_id(), Some(want), "{p:?} -> {d:?}");
    }
}

#[test]
fn pro_3_double_name_hyphen_or_space_and_titles() {
    let p = person(
        "P",
        "Dr. Karl Heinz",
        "Meyer Luedenscheid",
        date(1955, 5, 20),
    );
    let d = check(&p, &MatchConfig::default());
    assert_eq!(d.linked_id(), Some("GP-5"), "{d:?}");
}

#[test]
fn pro_3_typo_in_surname_is_linked() {
    let p = person("P", "Thomas", "Schmitd", date(1962, 11, 30));
    let d = check(&p, &MatchConfig::default());
    assert_eq!(d.linked_id(), Some("GP-3"), "{d:?}");
}

#[test]
fn pro_3_meier_mayer_phonetic_variant_with_reason() {
    let p = person("P", "Anna", "Mayer", date(1985, 7, 2));
    let d = check(&p, &MatchConfig::default());
    let Decision::Link {
        person_id, reasons, ..
    } = d
    else {
        panic!("expected link, got {d:?}")
    };
    assert_eq!(person_id, "GP-2");
    let surname = reasons.iter().find(|r| r.field == Field::Surname).unwrap();
    assert_eq!(surname.kind, ReasonKind::Phonetic { code: "67".into() });
    assert_eq!(
        surname.german(),
        "Nachname phonetisch gleich (Kölner Phonetik 67)"
    );
}

#[test]
fn pro_3_swapped_day_and_month_goes_to_review_or_link() {
    // 1985-07-02 entered as 1985-02-07: designed to land at least in review, with the reason.
    let p = person("P", "Anna", "Meier", date(1985, 2, 7));
    let d = check(&p, &MatchConfig::default());
    let c = compare(&p, &stock()[1], &MatchConfig::default());
    assert!(c.reasons.iter().any(|r| r.kind == ReasonKind::Swapped));
    assert!(d.linked_id() == Some("GP-2") || d.is_review(), "{d:?}");
}

#[test]
fn pro_3_one_digit_typo_in_birth_date_still_links() {
    let p = person("P", "Jürgen", "Müller", date(1970, 3, 15));
    let d = check(&p, &MatchConfig::default());
    assert_eq!(d.linked_id(), Some("GP-1"), "{d:?}");
}

#[test]
fn pro_3_homonym_with_other_birth_date_is_not_linked() {
    let p = person("P", "Jürgen", "Müller", date(1948, 12, 1));
    let d = check(&p, &MatchConfig::default());
    assert!(d.is_new(), "homonym must become a new person: {d:?}");
    // Two Thomas Schmidt in stock: a third with another birth date is new as well.
    let p = person("P", "Thomas", "Schmidt", date(2001, 4, 4));
    assert!(check(&p, &MatchConfig::default()).is_new());
}

#[test]
fn pro_3_missing_birth_date_and_ambiguous_names_go_to_review() {
    let p = person("P", "Thomas", "Schmidt", None);
    let d = check(&p, &MatchConfig::default());
    let Decision::Review { candidates } = &d else {
        panic!("expected review, got {d:?}")
    };
    let ids: Vec<&str> = candidates.iter().map(|c| c.person_id.as_str()).collect();
    assert_eq!(ids, ["GP-3", "GP-4"]);
}

#[test]
fn pro_3_legacy_mode_is_exact_and_misses_the_ue_case() {
    let legacy = MatchConfig::legacy();
    let exact = person("P", "Jürgen", "Müller", date(1970, 3, 14));
    assert_eq!(check(&exact, &legacy).linked_id(), Some("GP-1"));
    for variant in [
        person("P", "Juergen", "Mueller", date(1970, 3, 14)),
        person("P", "Jürgen ", "Müller", date(1970, 3, 14)),
        person("P", "jürgen", "Müller", date(1970, 3, 14)),
        person("P", "Jürgen", "Müller", date(1970, 3, 15)),
    ] {
        assert!(check(&variant, &legacy).is_new(), "{variant:?}");
    }
}

#[test]
fn pro_3_thresholds_are_configurable_and_validated() {
    // Missing birth date: review by default, link when the upper threshold is lowered.
    let p = person("P", "Sabine", "Strauss", None);
    assert!(check(&p, &MatchConfig::default()).is_review());
    let score = compare(&p, &stock()[5], &MatchConfig::default()).score;
    assert!((0.70..0.85).contains(&score), "{score}");
    let relaxed = MatchConfig {
        upper: 0.75,
        lower: 0.5,
        ..MatchConfig::default()
    };
    assert_eq!(check(&p, &relaxed).linked_id(), Some("GP-6"));
    // A missing key never drops a candidate below review, whatever `lower` is.
    let strict = MatchConfig {
        lower: 0.9,
        upper: 0.95,
        ..MatchConfig::default()
    };
    assert!(check(&p, &strict).is_review());
    // With all keys present, the thresholds decide: one wrong birth-date digit scores ~0.99.
    let typo = person("P", "Sabine", "Strauss", date(1978, 9, 8));
    assert_eq!(
        check(&typo, &MatchConfig::default()).linked_id(),
        Some("GP-6")
    );
    let stricter = MatchConfig {
        lower: 0.995,
        upper: 1.0,
        ..MatchConfig::default()
    };
    assert!(check(&typo, &stricter).is_new());
    let bad = MatchConfig {
        lower: 0.9,
        upper: 0.5,
        ..MatchConfig::default()
    };
    let index: PersonIndex = stock().into_iter().collect();
    assert!(matches!(
        index.check(&p, &bad),
        Err(MatchError::Thresholds { .. })
    ));
    let mut none = MatchConfig::default();
    none.weights.first_name = 0.0;
    none.weights.surname = 0.0;
    none.weights.birth_date = 0.0;
    assert_eq!(none.validate(), Err(MatchError::NoKeys));
}

#[test]
fn pro_3_keys_are_configurable_email_only() {
    let mut config = MatchConfig::default();
    config.weights.first_name = 0.0;
    config.weights.surname = 0.0;
    config.weights.birth_date = 0.0;
    config.weights.email = 1.0;
    let mut existing = person("GP-9", "X", "Y", None);
    existing.email = "anna.meier@example.de".into();
    let mut p = person("P", "Z", "W", None);
    p.email = " Anna.Meier@Example.DE".into();
    let d = decide(&p, &[existing], &config).unwrap();
    assert_eq!(d.linked_id(), Some("GP-9"));
    assert_eq!(config.mode, MatchMode::Fuzzy);
}

#[test]
fn pro_3_reasons_are_present_and_german() {
    let p = person("P", "Jurgen", "Mueller", date(1970, 3, 14));
    let c = compare(&p, &stock()[0], &MatchConfig::default());
    assert_eq!(c.reasons.len(), 3);
    let text = c.german_reasons();
    assert!(text.contains("Geburtsdatum gleich"), "{text}");
    assert!(
        text.contains("Nachname gleich nach Normalisierung"),
        "{text}"
    );
    let p = person("P", "Jürgel", "Müller", date(1970, 3, 14));
    let c = compare(&p, &stock()[0], &MatchConfig::default());
    let first = c
        .reasons
        .iter()
        .find(|r| r.field == Field::FirstName)
        .unwrap();
    assert_eq!(first.kind, ReasonKind::Similar);
    assert!(
        first
            .german()
            .starts_with("Vorname ähnlich (Jaro-Winkler 0,"),
        "{first}"
    );
    assert!(first.english().starts_with("first name similar"));
}

#[test]
fn pro_3_swapped_first_name_and_surname() {
    let p = person("P", "Schmidt", "Thomas", date(1962, 11, 30));
    let d = check(&p, &MatchConfig::default());
    assert_eq!(d.linked_id(), Some("GP-3"), "{d:?}");
}

#[test]
fn pro_3_blocking_finds_candidate_with_a_typo_in_any_single_field() {
    let mut base = person("GP-1", "Jürgen", "Müller", date(1970, 3, 14));
    base.postcode = "44135".into();
    base.email = "j.mueller@example.de".into();
    base.phone = "0231 123456".into();
    // Filler persons so that blocks are not trivially everything.
    let mut stock: Vec<PersonRecord> = (0..2000)
        .map(|i| {
            let mut r = person(
                &format!("F-{i}"),
                "Peter",
                &format!("Name{i}"),
                date(1950 + i % 50, 1 + (i % 12) as u32, 1 + (i % 28) as u32),
            );
            r.postcode = format!("{:05}", 10000 + i);
            r
        })
        .collect();
    stock.push(base.clone());
    let index: PersonIndex = stock.into_iter().collect();
    let variants = [
        ("first name", {
            let mut r = base.clone();
            r.first_name = "Jorgen".into();
            r
        }),
        ("surname", {
            let mut r = base.clone();
            r.surname = "Nüller".into();
            r
        }),
        ("birth date", {
            let mut r = base.clone();
            r.birth_date = date(1971, 3, 14);
            r
        }),
        ("postcode", {
            let mut r = base.clone();
            r.postcode = "44153".into();
            r
        }),
        ("email", {
            let mut r = base.clone();
            r.email = "j.muller@example.de".into();
            r
        }),
    ];
    for (what, mut v) in variants {
        v.id = "P".into();
        let ids = index.candidate_ids(&v);
        assert!(ids.contains(&"GP-1"), "typo in {what}: candidates {ids:?}");
        assert!(ids.len() < 50, "typo in {what}: {} candidates", ids.len());
    }
}

#[test]
fn pro_3_decisions_do_not_depend_on_record_order() {
    let prospects = [
        person("P1", "Thomas", "Schmidt", None),
        person("P2", "Anna", "Maier", date(1985, 7, 2)),
        person("P3", "Juergen", "Mueller", date(1970, 3, 14)),
        person("P4", "Sabine", "Strauss", date(1978, 9, 9)),
    ];
    let forward: PersonIndex = stock().into_iter().collect();
    let backward: PersonIndex = stock().into_iter().rev().collect();
    for p in &prospects {
        let config = MatchConfig::default();
        assert_eq!(
            forward.check(p, &config).unwrap(),
            backward.check(p, &config).unwrap()
        );
    }
}

#[test]
fn pro_3_index_insert_and_remove() {
    let mut index: PersonIndex = stock().into_iter().collect();
    let p = person("P", "Jürgen", "Müller", date(1970, 3, 14));
    assert!(index.remove("GP-1"));
    assert!(!index.remove("GP-1"));
    assert!(index.check(&p, &MatchConfig::default()).unwrap().is_new());
    index.insert(person("GP-10", "Jürgen", "Müller", date(1970, 3, 14)));
    let d = index.check(&p, &MatchConfig::default()).unwrap();
    assert_eq!(d.linked_id(), Some("GP-10"));
    // Replacing by ID moves the person.
    index.insert(person("GP-10", "Other", "Person", date(2000, 1, 1)));
    assert!(index.check(&p, &MatchConfig::default()).unwrap().is_new());
    assert_eq!(index.len(), 7);
}

#[test]
fn pro_3_phone_normalisation_links_on_contact_keys() {
    let config = MatchConfig::default().with_contact(1.0);
    let mut existing = person("GP-1", "Jürgen", "Müller", date(1970, 3, 14));
    existing.phone = "+49 231 123456".into();
    let mut p = person("P", "Jürgen", "Müller", None);
    p.phone = "0231/123456".into();
    let c = compare(&p, &existing, &config);
    let phone = c.reasons.iter().find(|r| r.field == Field::Phone).unwrap();
    assert_eq!(phone.kind, ReasonKind::EqualNormalised);
}

#[test]
fn pro_3_twins_are_not_linked() {
    // Same surname and birth date, other first name: never a link (default model).
    let mut stock = stock();
    stock.push(person("GP-8", "Lena", "Krüger", date(2001, 6, 6)));
    let p = person("P", "Lisa", "Krüger", date(2001, 6, 6));
    let index: PersonIndex = stock.into_iter().collect();
    let d = index.check(&p, &MatchConfig::default()).unwrap();
    assert!(d.linked_id().is_none(), "{d:?}");
}

#[test]
fn pro_3_weighted_mean_model_is_available() {
    let config = MatchConfig {
        model: immohub_matching::ScoreModel::WeightedMean,
        ..MatchConfig::default()
    };
    let p = person("P", "Juergen", "Mueller", date(1970, 3, 14));
    assert_eq!(check(&p, &config).linked_id(), Some("GP-1"));
    let homonym = person("P", "Jürgen", "Müller", date(1948, 12, 1));
    assert!(check(&homonym, &config).linked_id().is_none());
}

#[test]
fn pro_3_core_cases_hold_with_the_prior_of_a_million_persons() {
    // The index uses max(12, log2(persons)) bits as midpoint; 20 bits is a stock of 1,000,000.
    let config = MatchConfig {
        llr_midpoint: Some(20.0),
        ..MatchConfig::default()
    };
    let links = [
        person("P", "Juergen", "MUELLER", date(1970, 3, 14)),
        person("P", "Anna", "Mayer", date(1985, 7, 2)),
        person("P", "Thomas", "Schmitd", date(1962, 11, 30)),
        person("P", "Anna", "Meier", date(1985, 2, 7)),
    ];
    let want = ["GP-1", "GP-2", "GP-3", "GP-2"];
    for (p, want) in links.iter().zip(want) {
        assert_eq!(check(p, &config).linked_id(), Some(want), "{p:?}");
    }
    // A missing birth date neither links nor creates a new person: review.
    let no_date = person("P", "Jürgen", "Müller", None);
    assert!(check(&no_date, &config).is_review());
    let no_date_other_name = person("P", "Jürgen", "Schulze", None);
    assert!(check(&no_date_other_name, &config).is_new());
    // One wrong birth-date digit is weaker evidence in a large stock: review, not new.
    let typo = person("P", "Jürgen", "Müller", date(1970, 3, 15));
    assert!(!check(&typo, &config).is_new());
    for p in [
        person("P", "Jürgen", "Müller", date(1948, 12, 1)),
        person("P", "Lisa", "Meier", date(1985, 7, 2)),
    ] {
        assert!(check(&p, &config).linked_id().is_none(), "{p:?}");
    }
    assert!(
        MatchConfig {
            llr_midpoint: Some(f64::NAN),
            ..MatchConfig::default()
        }
        .validate()
        .is_err()
    );
}

#[test]
fn pro_3_index_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PersonIndex>();
    assert_send_sync::<MatchConfig>();
}
