//! GEN-6 and GEN-7 on the command line: schedules in `immohub.toml` (refused when invalid or
//! too frequent), `immohub schedule list`, `sync run` refused while the run is in progress,
//! and the protocol's last-run line.

use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};
use immohub_domain::UseCase;
use immohub_store::ScheduleStore;

fn immohub(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_immohub"))
        .current_dir(dir)
        .args(args)
        .env_remove("IMMOHUB_CONFIG")
        .output()
        .expect("run immohub");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn config(dir: &Path, partner_extra: &str) {
    std::fs::write(
        dir.join("immohub.toml"),
        format!(
            "[store]\nurl = \"sqlite:hub.db\"\n[erp]\nurl = \"sqlite:missing-erp.db\"\n\
             [[partner]]\nname = \"immomio\"\nprofile = \"immomio\"\nclients = [\"1\"]\n\
             {partner_extra}\n"
        ),
    )
    .unwrap();
}

#[test]
fn gen_6_check_and_startup_refuse_invalid_or_too_frequent_schedules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (schedules, message) in [
        (
            r#"schedules = { stammdaten = "alle 15 Minuten" }"#,
            "Partner „immomio“: Zeitplan „alle 15 Minuten“ für Stammdaten ist zu häufig: \
             höchstens täglich erlaubt",
        ),
        (
            r#"schedules = { interessenten = "cron: */30 * * * *" }"#,
            "Zeitplan „cron: */30 * * * *“ für Interessenten ist zu häufig: höchstens stündlich",
        ),
        (
            r#"schedules = { stammdaten = "Di, Do 25:00" }"#,
            "Zeitplan „Di, Do 25:00“ ist ungültig: Uhrzeit „25:00“ gibt es nicht",
        ),
        (
            r#"schedules = { stammdatn = "Di 02:00" }"#,
            "unbekannter Use Case „stammdatn“",
        ),
    ] {
        config(dir, schedules);
        for args in [
            &["check"][..],
            &["serve", "--listen", "127.0.0.1:0"],
            &["schedule", "list"],
        ] {
            let (ok, out) = immohub(dir, args);
            assert!(!ok, "{args:?} accepted {schedules}: {out}");
            assert!(out.contains(message), "{args:?} {schedules}: {out}");
        }
    }
    // Valid schedules pass the configuration check (the ERP is missing here, which check
    // reports separately).
    config(
        dir,
        r#"schedules = { stammdaten = "So 03:00", tickets-in = "alle 5 Minuten" }"#,
    );
    let (_, out) = immohub(dir, &["check"]);
    assert!(
        out.contains("✓ Partner immomio: Stammdaten So 03:00"),
        "{out}"
    );
    assert!(
        out.contains(
            "Tickets an das ERP gesetzt, läuft aber nicht: in dieser Version noch nicht verfügbar"
        ),
        "{out}"
    );
}

#[test]
fn gen_6_schedule_list_shows_each_use_case_with_its_next_run_in_berlin_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("immohub.toml"),
        "[store]\nurl = \"sqlite:hub.db\"\n\
         [[partner]]\nname = \"immomio\"\nprofile = \"immomio\"\nclients = [\"1\"]\n\
         schedules = { stammdaten = \"täglich 03:00\", leerstaende = \"stündlich\" }\n\
         [[partner]]\nname = \"casavi\"\nprofile = \"casavi\"\nclients = [\"1\"]\n",
    )
    .unwrap();
    let (ok, out) = immohub(dir, &["schedule", "list"]);
    assert!(ok, "{out}");
    let line = |partner: &str, what: &str| {
        out.lines()
            .find(|l| l.contains(partner) && l.contains(what))
            .unwrap_or_else(|| panic!("no line for {partner} {what}: {out}"))
            .to_owned()
    };
    let immomio = line("immomio", "Stammdaten");
    assert!(immomio.contains("täglich 03:00"), "{immomio}");
    assert!(immomio.contains("höchstens täglich"), "{immomio}");
    assert!(immomio.contains("ERP → Partner"), "{immomio}");
    // The next run: today's or tomorrow's 03:00 in Berlin.
    let next = immohub_domain::Schedule::parse("täglich 03:00")
        .unwrap()
        .next_after(Utc::now())
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%d.%m.%Y 03:00")
        .to_string();
    assert!(immomio.contains(&next), "{next} in {immomio}");

    let casavi = line("casavi", "Stammdaten");
    assert!(casavi.contains("Di, Do, So 02:00 (Vorgabe)"), "{casavi}");
    assert!(casavi.contains(" 02:00"), "{casavi}");

    let vacancies = line("immomio", "Leerstände");
    assert!(vacancies.contains("stündlich"), "{vacancies}");
    assert!(!vacancies.contains("noch nicht verfügbar"), "{vacancies}");
    // Use cases neither available nor configured are not listed.
    assert!(!out.contains("Dokumente"), "{out}");
}

#[tokio::test]
async fn gen_6_sync_run_is_refused_while_the_same_run_is_in_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = immohub(dir, &["demo", "--units", "100"]);
    assert!(ok, "{out}");

    // Another instance is running master data for the demo partner.
    let store = immohub_store::open(&format!("sqlite:{}", dir.join("data/immohub.db").display()))
        .await
        .unwrap();
    let since = Utc::now();
    let lease = store
        .try_acquire_lease(
            "demo",
            UseCase::Stammdaten,
            "andere-instanz/42",
            since,
            Duration::hours(1),
        )
        .await
        .unwrap()
        .unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(!ok, "{out}");
    let since_de = since
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%d.%m.%Y")
        .to_string();
    assert!(
        out.contains("Stammdaten für demo läuft bereits (seit ")
            && out.contains(&since_de)
            && out.contains("Instanz andere-instanz/42)"),
        "{out}"
    );
    // Nothing ran.
    let (ok, out) = immohub(dir, &["protocol"]);
    assert!(ok, "{out}");
    assert!(out.contains("Noch kein Lauf."), "{out}");

    // The other run ended: now it runs, and frees the lease again.
    store.release_lease(&lease, Utc::now()).await.unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    // The demo ERP has a few deliberately invalid rows: "teilweise fehlerhaft".
    assert!(out.contains("Lauf 1 (demo): "), "{out}");
    let held = store
        .lease("demo", UseCase::Stammdaten)
        .await
        .unwrap()
        .unwrap();
    assert!(!held.is_active(Utc::now()), "{held:?}");
    assert_ne!(held.holder, "andere-instanz/42");

    // GEN-7: the last run at a glance, also when the date filter shows no run.
    let (ok, out) = immohub(
        dir,
        &["protocol", "--from", "2000-01-01", "--to", "2000-01-31"],
    );
    assert!(ok, "{out}");
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("Letzter Lauf: "), "{out}");
    assert!(
        first.contains("Datensätze gesendet, ") && first.contains("; Lauf 1, demo, stammdaten)"),
        "{first}"
    );
    assert!(out.contains("Keine Läufe im gewählten Zeitraum."), "{out}");
    // A range that holds the run lists it (dates are Berlin days, `--to` included).
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d")
        .to_string();
    let (ok, out) = immohub(dir, &["protocol", "--from", &today, "--to", &today]);
    assert!(ok, "{out}");
    assert!(!out.contains("Keine Läufe"), "{out}");
    assert!(
        out.lines()
            .skip(1)
            .any(|l| l.contains("demo") && l.contains("stammdaten")),
        "{out}"
    );

    // Unknown use cases and those not yet available are named.
    let (ok, out) = immohub(dir, &["sync", "run", "stammdatn", "--partner", "demo"]);
    assert!(
        !ok && out.contains("unbekannter Use Case „stammdatn“"),
        "{out}"
    );
    let (ok, out) = immohub(dir, &["sync", "run", "tickets-in", "--partner", "demo"]);
    assert!(!ok && out.contains("noch nicht verfügbar"), "{out}");
    store.close().await;
}

/// GEN-6 for `interessenten`: a run by hand takes the same run lease as scheduled and
/// API-started runs, so it is refused while another instance fetches and writes prospects.
#[tokio::test]
async fn gen_6_manual_interessenten_run_is_refused_while_another_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = immohub(dir, &["demo", "--units", "100"]);
    assert!(ok, "{out}");
    let store = immohub_store::open(&format!("sqlite:{}", dir.join("data/immohub.db").display()))
        .await
        .unwrap();
    let lease = store
        .try_acquire_lease(
            "demo",
            UseCase::Interessenten,
            "andere-instanz/7",
            Utc::now(),
            Duration::hours(1),
        )
        .await
        .unwrap()
        .unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "interessenten", "--partner", "demo"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("Interessenten für demo läuft bereits") && out.contains("andere-instanz/7"),
        "{out}"
    );
    assert!(!out.contains("gelesen"), "nothing ran: {out}");

    store.release_lease(&lease, Utc::now()).await.unwrap();
    let (ok, out) = immohub(dir, &["sync", "run", "interessenten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(out.contains("0 gelesen"), "{out}");
    let held = store
        .lease("demo", UseCase::Interessenten)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !held.is_active(Utc::now()),
        "released after the run: {held:?}"
    );
    store.close().await;
}
