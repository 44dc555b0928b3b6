//! GEN-6: schedules (parsing, next due time on daylight-saving days, maximum frequency) and
//! the use cases' defaults.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use immohub_domain::{Schedule, ScheduleError, UseCase};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A Berlin wall-clock time (must exist once).
fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Berlin
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn parse(s: &str) -> Schedule {
    Schedule::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The next `n` due times after `t`.
fn next_n(s: &Schedule, mut t: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for _ in 0..n {
        t = s.next_after(t).unwrap();
        out.push(t);
    }
    out
}

#[test]
fn gen_6_parses_what_operators_write_in_german_and_english() {
    for (text, canonical) in [
        ("manuell", "manuell"),
        ("Manual", "manuell"),
        ("von Hand", "manuell"),
        ("alle 15 Minuten", "alle 15 Minuten"),
        ("every 15 minutes", "alle 15 Minuten"),
        ("15m", "alle 15 Minuten"),
        ("15 min", "alle 15 Minuten"),
        ("alle 2 Stunden", "alle 2 Stunden"),
        ("2h", "alle 2 Stunden"),
        ("90 min", "alle 90 Minuten"),
        ("stündlich", "stündlich"),
        ("hourly", "stündlich"),
        ("every hour", "stündlich"),
        ("Di, Do, So 02:00", "Di, Do, So 02:00"),
        ("Tue, Thu, Sun 2:00", "Di, Do, So 02:00"),
        (
            "Dienstag, Donnerstag und Sonntag um 2:00 Uhr",
            "Di, Do, So 02:00",
        ),
        ("So Do Di 02.00", "Di, Do, So 02:00"),
        ("Mo-Fr 06:30", "Mo, Di, Mi, Do, Fr 06:30"),
        ("Mo - Fr 06:30", "Mo, Di, Mi, Do, Fr 06:30"),
        ("Mo bis Fr 06:30", "Mo, Di, Mi, Do, Fr 06:30"),
        ("werktags 7:00 und 13:00", "Mo, Di, Mi, Do, Fr 07:00, 13:00"),
        ("Fr-Mo 22:00", "Mo, Fr, Sa, So 22:00"),
        ("täglich 03:00", "täglich 03:00"),
        ("daily 3:00", "täglich 03:00"),
        ("every day at 03:00", "täglich 03:00"),
        ("jeden Tag 03:00", "täglich 03:00"),
        ("jeden Dienstag 02:00", "Di 02:00"),
        ("cron: 0 2 * * 2,4,0", "cron: 0 2 * * 2,4,0"),
        ("CRON:   0 2  * * 2,4,0 ", "cron: 0 2 * * 2,4,0"),
        ("cron 30 6 * * MON-FRI", "cron: 30 6 * * mon-fri"),
    ] {
        let s = parse(text);
        assert_eq!(s.to_string(), canonical, "{text}");
        // The canonical form reads back as the same schedule.
        assert_eq!(parse(canonical), s, "{canonical}");
    }
}

#[test]
fn gen_6_bad_schedules_are_refused_with_a_german_message_naming_the_problem() {
    for (text, problem) in [
        ("", "leer"),
        ("bald", "unbekanntes Wort „bald“"),
        ("Di, Do 25:00", "Uhrzeit „25:00“ gibt es nicht"),
        ("Di, Do", "Uhrzeit fehlt"),
        ("02:00", "Wochentage fehlen"),
        ("alle 0 Minuten", "Abstand von 0"),
        ("alle 15 Sekunden", "unter einer Minute"),
        ("alle 2 Tage", "Wochenmuster"),
        ("alle 15 Wochen", "unbekannte Einheit „wochen“"),
        ("alle paar Minuten", "fehlt eine Zahl"),
        ("cron: 0 2 * *", "Cron-Ausdruck"),
        ("cron: 0 0 2 * * 2", "Cron-Ausdruck"),
        ("cron: 61 2 * * *", "Cron-Ausdruck"),
        ("cron:", "fehlt der Ausdruck"),
    ] {
        let err = Schedule::parse(text).unwrap_err();
        assert!(
            matches!(err, ScheduleError::Invalid { .. }),
            "{text}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("Zeitplan „{}“ ist ungültig", text.trim())),
            "{msg}"
        );
        assert!(msg.contains(problem), "{text}: {msg}");
    }
}

#[test]
fn gen_6_manual_is_never_due() {
    assert_eq!(
        parse("manuell").next_after(utc("2026-05-01T00:00:00Z")),
        None
    );
    assert!(parse("manuell").is_manual());
}

#[test]
fn gen_6_intervals_run_on_multiples_of_the_interval() {
    let s = parse("alle 15 Minuten");
    assert_eq!(
        next_n(&s, utc("2026-05-01T10:07:12Z"), 3),
        [
            utc("2026-05-01T10:15:00Z"),
            utc("2026-05-01T10:30:00Z"),
            utc("2026-05-01T10:45:00Z")
        ]
    );
    // Strictly after: a due time is not due again.
    assert_eq!(
        s.next_after(utc("2026-05-01T10:15:00Z")),
        Some(utc("2026-05-01T10:30:00Z"))
    );
    // Real time: the spring night is no shorter for an interval.
    let s = parse("stündlich");
    assert_eq!(
        next_n(&s, berlin(2026, 3, 29, 1, 30), 2),
        [utc("2026-03-29T01:00:00Z"), utc("2026-03-29T02:00:00Z")]
    );
}

#[test]
fn gen_6_weekly_pattern_runs_on_its_days_in_berlin_time() {
    let s = UseCase::Stammdaten.default_schedule();
    assert_eq!(s.to_string(), "Di, Do, So 02:00");
    // Friday 1 May 2026 (summer time, UTC+2): Sunday 3rd, Tuesday 5th, Thursday 7th, 02:00.
    assert_eq!(
        next_n(&s, berlin(2026, 5, 1, 12, 0), 3),
        [
            berlin(2026, 5, 3, 2, 0),
            berlin(2026, 5, 5, 2, 0),
            berlin(2026, 5, 7, 2, 0)
        ]
    );
    assert_eq!(berlin(2026, 5, 3, 2, 0), utc("2026-05-03T00:00:00Z"));
    // Winter (UTC+1).
    assert_eq!(
        s.next_after(berlin(2026, 1, 6, 2, 0)),
        Some(utc("2026-01-08T01:00:00Z"))
    );
}

/// 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
#[test]
fn gen_6_dst_spring_a_time_in_the_gap_runs_once_right_after_it() {
    for text in ["täglich 02:30", "cron: 30 2 * * *"] {
        let s = parse(text);
        let runs = next_n(&s, berlin(2026, 3, 28, 12, 0), 2);
        assert_eq!(
            runs,
            [
                // 03:00 CEST = 01:00 UTC, right after the gap; once.
                utc("2026-03-29T01:00:00Z"),
                // Next day as usual: 02:30 CEST.
                utc("2026-03-30T00:30:00Z"),
            ],
            "{text}"
        );
    }
    // A time just before the gap and one after are unaffected.
    assert_eq!(
        parse("So 01:59").next_after(berlin(2026, 3, 28, 12, 0)),
        Some(utc("2026-03-29T00:59:00Z"))
    );
    assert_eq!(
        parse("cron: 0 3 29 3 *").next_after(berlin(2026, 3, 28, 12, 0)),
        Some(utc("2026-03-29T01:00:00Z"))
    );
    // Every quarter hour: the four quarter hours of the gap are one run at 03:00.
    let s = parse("cron: */15 * * * *");
    assert_eq!(
        next_n(&s, utc("2026-03-29T00:40:00Z"), 3),
        [
            utc("2026-03-29T00:45:00Z"), // 01:45 CET
            utc("2026-03-29T01:00:00Z"), // 03:00 CEST
            utc("2026-03-29T01:15:00Z"), // 03:15 CEST
        ]
    );
}

/// 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
#[test]
fn gen_6_dst_autumn_a_time_that_exists_twice_runs_once() {
    for text in ["täglich 02:30", "cron: 30 2 * * *", "So 02:30"] {
        let s = parse(text);
        let first = s.next_after(berlin(2026, 10, 24, 12, 0)).unwrap();
        // The first 02:30, in summer time (00:30 UTC).
        assert_eq!(first, utc("2026-10-25T00:30:00Z"), "{text}");
        // Not again at the second 02:30 (01:30 UTC): the next run is a later day.
        let second = s.next_after(first).unwrap();
        assert!(second > utc("2026-10-25T23:00:00Z"), "{text}: {second}");
        // Asked in between the two 02:30s, it is not due again that night either.
        let between = s.next_after(utc("2026-10-25T01:00:00Z")).unwrap();
        assert_eq!(between, second, "{text}");
    }
    // The days on both sides keep their wall-clock time.
    let s = parse("täglich 02:30");
    assert_eq!(
        next_n(&s, utc("2026-10-25T00:30:00Z"), 1),
        [utc("2026-10-26T01:30:00Z")]
    );
}

#[test]
fn gen_6_each_use_case_has_a_valid_default_within_its_maximum_frequency() {
    for uc in UseCase::ALL {
        let s = Schedule::parse(uc.default_schedule_text()).unwrap();
        assert_eq!(s, uc.default_schedule(), "{uc}");
        assert!(!s.is_manual(), "{uc}");
        s.check_frequency(uc).unwrap();
        assert_eq!(UseCase::parse(uc.as_str()), Some(uc));
    }
    // The catalogue's figures.
    assert_eq!(
        UseCase::Stammdaten.max_frequency().label_de(),
        "höchstens täglich"
    );
    assert_eq!(
        UseCase::Interessenten.default_schedule().to_string(),
        "täglich 06:00"
    );
    assert_eq!(
        UseCase::Interessenten.max_frequency().label_de(),
        "höchstens stündlich"
    );
    assert_eq!(
        UseCase::Leerstaende.max_frequency().label_de(),
        "höchstens stündlich"
    );
    assert_eq!(
        UseCase::TicketsIn.default_schedule().to_string(),
        "alle 15 Minuten"
    );
    assert_eq!(
        UseCase::TicketsOut.default_schedule().to_string(),
        "alle 15 Minuten"
    );
    assert_eq!(
        UseCase::Dokumente.default_schedule().to_string(),
        "täglich 03:00"
    );
}

#[test]
fn gen_6_use_case_names_are_stable_and_lenient() {
    for (name, uc) in [
        ("stammdaten", UseCase::Stammdaten),
        ("Stammdaten", UseCase::Stammdaten),
        ("master-data", UseCase::Stammdaten),
        ("leerstaende", UseCase::Leerstaende),
        ("Leerstände", UseCase::Leerstaende),
        ("tickets_in", UseCase::TicketsIn),
        ("tickets-out", UseCase::TicketsOut),
        ("prospects", UseCase::Interessenten),
    ] {
        assert_eq!(UseCase::parse(name), Some(uc), "{name}");
    }
    let err = "stammdatn".parse::<UseCase>().unwrap_err().to_string();
    assert!(err.contains("unbekannter Use Case „stammdatn“"), "{err}");
    assert!(err.contains("stammdaten, leerstaende"), "{err}");
    assert_eq!(
        serde_json::to_string(&UseCase::TicketsIn).unwrap(),
        "\"tickets-in\""
    );
}

#[test]
fn gen_6_too_frequent_schedules_are_refused_per_use_case() {
    for (uc, text, allowed) in [
        (UseCase::Stammdaten, "alle 15 Minuten", false),
        (UseCase::Stammdaten, "stündlich", false),
        (UseCase::Stammdaten, "alle 23 Stunden", false),
        (UseCase::Stammdaten, "alle 24 Stunden", true),
        (UseCase::Stammdaten, "täglich 02:00", true),
        (UseCase::Stammdaten, "täglich 02:00, 14:00", false),
        (UseCase::Stammdaten, "Di, Do, So 02:00", true),
        (UseCase::Stammdaten, "Mo 23:30, Di 00:30", false),
        (UseCase::Stammdaten, "cron: 0 2 * * 2,4,0", true),
        (UseCase::Stammdaten, "cron: 0 2,3 * * *", false),
        (UseCase::Stammdaten, "cron: 0 0 1 * *", true),
        (UseCase::Stammdaten, "manuell", true),
        (UseCase::Interessenten, "stündlich", true),
        (UseCase::Interessenten, "alle 30 Minuten", false),
        (UseCase::Interessenten, "cron: 0 * * * *", true),
        (UseCase::Interessenten, "cron: */30 * * * *", false),
        (UseCase::Leerstaende, "alle 59 Minuten", false),
        (UseCase::Leerstaende, "alle 2 Stunden", true),
        (UseCase::Mieter, "alle 15 Minuten", true),
        (UseCase::Mieter, "alle 10 Minuten", false),
        (UseCase::TicketsIn, "alle 15 Minuten", true),
        (UseCase::TicketsIn, "alle 5 Minuten", true),
        (UseCase::TicketsIn, "jede Minute", false),
        (UseCase::TicketsOut, "cron: * * * * *", false),
        (UseCase::Dokumente, "alle 30 Minuten", false),
        (UseCase::Personen, "stündlich", true),
    ] {
        let result = Schedule::parse_for(uc, text);
        assert_eq!(result.is_ok(), allowed, "{uc} {text}: {result:?}");
    }
    let err = Schedule::parse_for(UseCase::Stammdaten, "alle 15 Minuten")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "Zeitplan „alle 15 Minuten“ für Stammdaten ist zu häufig: höchstens täglich erlaubt"
        ),
        "{err}"
    );
    assert!(err.contains("15 Minuten"), "{err}");
    let err = Schedule::parse_for(UseCase::Stammdaten, "Mo 23:30, Di 00:30")
        .unwrap_err()
        .to_string();
    assert!(err.contains("kürzester Abstand: 1 Stunde"), "{err}");
}

#[test]
fn gen_6_schedules_serialize_as_their_text() {
    #[derive(serde::Deserialize)]
    struct Cfg {
        schedule: Schedule,
    }
    let cfg: Cfg = toml::from_str("schedule = \"Di, Do, So 02:00\"").unwrap();
    assert_eq!(cfg.schedule, UseCase::Stammdaten.default_schedule());
    let err = toml::from_str::<Cfg>("schedule = \"Di 26:00\"")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("26:00"), "{err}");
    assert_eq!(
        serde_json::to_string(&parse("alle 15 Minuten")).unwrap(),
        "\"alle 15 Minuten\""
    );
}
