//! End to end with the real binary: a partner sends a prospect to `serve`, and it appears in the
//! demo ERP's interface table with the partner's technical user (GEN-3, PRO-2, GEN-11); a
//! manual run writes what the worker could not (PRO-5).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::tour::{Server, get_json, immohub};

/// `immohub serve` on a free port with extra environment; returns it and its base URL.
fn serve_env(dir: &Path, env: &[(&str, &str)]) -> (Server, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_immohub"));
    cmd.current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("IMMOHUB_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start serve");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (Server(child), url)
}

/// `demo`: the printed API key.
fn demo(dir: &Path) -> String {
    let (ok, out) = immohub(dir, &["demo", "--units", "200"]);
    assert!(ok, "{out}");
    out.split_whitespace()
        .find(|w| w.starts_with("ihk_"))
        .unwrap_or_else(|| panic!("no key printed: {out}"))
        .to_owned()
}

/// Waits for the first finished run of `serve`'s initial master-data sync, then returns a unit
/// ID from the partner's feed.
async fn unit_id(http: &reqwest::Client, url: &str, key: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = get_json(http, &format!("{url}/v1/runs"), key).await;
        if runs["runs"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["use_case"] == "stammdaten" && !r["ended_at"].is_null())
        }) {
            break;
        }
        assert!(Instant::now() < deadline, "no finished run: {runs}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let page = get_json(http, &format!("{url}/v1/feeds/units?limit=1"), key).await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

fn prospect(unit_id: &str) -> Value {
    json!({
        "unit_id": unit_id,
        "salutation": "Frau",
        "first_name": "Erika",
        "surname": "Mustermann",
        "email": "erika@example.org",
        "phone": "040 1234567",
        "message": "Ich möchte die Wohnung gern besichtigen.",
    })
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    idem: &str,
    body: &Value,
) -> (u16, Value) {
    let r = http
        .post(format!("{url}/v1/prospects"))
        .bearer_auth(key)
        .header("Idempotency-Key", idem)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The demo ERP's interface rows: (technical_user, surname, unit_id, external_ref, id).
async fn erp_rows(dir: &Path) -> Vec<(String, String, String, String, i64)> {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/demo-erp.db").display()
    ))
    .await
    .unwrap();
    let rows = sqlx::query_as(
        "SELECT technical_user, surname, unit_id, external_ref, id \
         FROM immohub_in_prospects ORDER BY id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    rows
}

#[tokio::test]
async fn gen_3_pro_2_gen_11_prospect_via_api_lands_in_the_demo_erp() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = demo(dir);
    let (_server, url) = serve_env(dir, &[]);
    let http = reqwest::Client::new();
    let unit = unit_id(&http, &url, &key).await;

    let (status, created) = post(&http, &url, &key, "e2e-0001", &prospect(&unit)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();

    // The worker of `serve` writes it into the ERP shortly.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let s = get_json(&http, &format!("{url}/v1/prospects/{id}"), &key).await;
        if s["status"] != "received" {
            break s;
        }
        assert!(Instant::now() < deadline, "not written: {s}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status["status"], "written", "{status}");
    let rows = erp_rows(dir).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (user, surname, unit_id, external_ref, erp_id) = &rows[0];
    assert_eq!(user, "DEMO", "GEN-3: the demo partner's technical user");
    assert_eq!(surname, "Mustermann");
    assert_eq!(unit_id, &unit);
    assert_eq!(external_ref, "demo:e2e-0001");
    assert_eq!(status["erp_id"], erp_id.to_string());

    // The same prospect again: one prospect, one ERP row. Other content, same key: 409.
    let (status, again) = post(&http, &url, &key, "e2e-0001", &prospect(&unit)).await;
    assert_eq!((status, again["id"].as_i64()), (200, Some(id)), "{again}");
    let mut other = prospect(&unit);
    other["surname"] = json!("Anders");
    let (status, conflict) = post(&http, &url, &key, "e2e-0001", &other).await;
    assert_eq!(status, 409, "{conflict}");
    // Validation names the field.
    let mut bad = prospect(&unit);
    bad["email"] = json!("erika@web,de");
    let (status, invalid) = post(&http, &url, &key, "e2e-0002", &bad).await;
    assert_eq!(status, 422, "{invalid}");
    assert_eq!(invalid["error"]["field"], "email");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(erp_rows(dir).await.len(), 1);

    // The protocol shows the prospect's run and its status by the partner's key (GEN-7/8).
    let (ok, out) = immohub(
        dir,
        &[
            "protocol",
            "--partner",
            "demo",
            "--feed",
            "prospects",
            "--record",
            "e2e-0001",
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("ins ERP geschrieben"), "{out}");
    assert!(out.contains("Benutzer DEMO"), "{out}");
    let (ok, out) = immohub(dir, &["protocol"]);
    assert!(ok && out.contains("interessenten"), "{out}");
    let (ok, out) = immohub(dir, &["check"]);
    assert!(ok, "{out}");
    assert!(out.contains("technischer ERP-Benutzer DEMO"), "{out}");
    assert!(out.contains("immohub_in_prospects: 1 Zeile\n"), "{out}");
}

/// The worker cannot reach the ERP for writing: the prospect is accepted and kept — also
/// when the server is killed — and a manual run writes it later (PRO-5, GEN-11).
#[tokio::test]
async fn pro_5_gen_11_manual_run_writes_what_the_worker_could_not() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = demo(dir);
    let (server, url) = serve_env(
        dir,
        &[("IMMOHUB__ERP__WRITE_URL", "sqlite:data/kein-erp.db")],
    );
    let http = reqwest::Client::new();
    let unit = unit_id(&http, &url, &key).await;
    let (status, created) = post(&http, &url, &key, "offline-1", &prospect(&unit)).await;
    assert_eq!(status, 201, "{created}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let s = get_json(
        &http,
        &format!("{url}/v1/prospects/{}", created["id"]),
        &key,
    )
    .await;
    assert_eq!(s["status"], "received", "{s}");
    drop(server); // killed, not shut down
    assert!(erp_rows(dir).await.is_empty());

    let (ok, out) = immohub(dir, &["sync", "run", "interessenten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert!(out.contains("1 ins ERP geschrieben"), "{out}");
    let rows = erp_rows(dir).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "DEMO");
    // Nothing left: a second manual run reads nothing.
    let (ok, out) = immohub(dir, &["sync", "run", "interessenten"]);
    assert!(ok, "{out}");
    assert!(out.contains("0 gelesen"), "{out}");
    let (ok, out) = immohub(dir, &["sync", "run", "tickets-in"]);
    assert!(!ok);
    assert!(out.contains("interessenten"), "{out}");
}

/// A directory drop as the demo partner's feedback source; returns its path.
fn feedback_drop(dir: &Path) -> std::path::PathBuf {
    let drop_dir = dir.join("portal-out");
    std::fs::create_dir_all(&drop_dir).unwrap();
    let mut cfg = std::fs::read_to_string(dir.join("immohub.toml")).unwrap();
    cfg.push_str(&format!(
        "\n[[partner.feedback]]\nname = \"portal\"\ntarget = {{ kind = \"directory\", path = \"{}\" }}\n",
        drop_dir.display()
    ));
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();
    drop_dir
}

/// A feedback file with one prospect for `unit`.
fn feedback_file(unit: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<openimmo_feedback><version>1.2.5</version>
  <objekt><oobj_id>{unit}</oobj_id>
    <interessent><anrede>Frau</anrede><vorname>Hanne</vorname><nachname>Sturmvogel</nachname>
      <email>hanne@example.de</email></interessent>
  </objekt>
</openimmo_feedback>
"#
    )
}

/// Starts `interessenten` through the partner API and waits for the run's end.
async fn run_through_api(http: &reqwest::Client, url: &str, key: &str) -> Value {
    let r = http
        .post(format!("{url}/v1/runs"))
        .bearer_auth(key)
        .json(&json!({"use_case": "interessenten"}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let started: Value = r.json().await.unwrap();
    assert_eq!(status, 202, "{started}");
    let run_id = started["run_id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = get_json(http, &format!("{url}/v1/runs/{run_id}"), key).await;
        if !run["ended_at"].is_null() {
            // The runner reports its run once it has ended: the answer already said how.
            assert_eq!(started["status"], run["status"], "{started} {run}");
            return run;
        }
        assert!(Instant::now() < deadline, "run did not end: {run}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `interessenten` is a use case of the launcher (GEN-6): by its schedule or, as here, started
/// by the partner through the API, it fetches the partner's feedback files first (PRO-2) and
/// writes their prospects into the ERP in the same run; `schedule list` shows when it runs
/// next.
#[tokio::test]
async fn gen_6_pro_2_interessenten_run_fetches_feedback_files_and_writes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = demo(dir);
    let drop_dir = feedback_drop(dir);

    let (ok, out) = immohub(dir, &["schedule", "list"]);
    assert!(ok, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("Interessenten"))
        .unwrap_or_else(|| panic!("no line for Interessenten: {out}"));
    assert!(line.contains("06:00"), "daily at 06:00 by default: {line}");
    assert!(!line.contains("nicht verfügbar"), "{line}");

    let (_server, url) = serve_env(dir, &[]);
    let http = reqwest::Client::new();
    let unit = unit_id(&http, &url, &key).await;
    std::fs::write(drop_dir.join("anfragen-0815.xml"), feedback_file(&unit)).unwrap();
    // Nothing happens to the file before the run (the worker does not poll directories).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(drop_dir.join("anfragen-0815.xml").exists());
    assert!(erp_rows(dir).await.is_empty());

    let run = run_through_api(&http, &url, &key).await;
    assert_eq!(run["use_case"], "interessenten", "{run}");
    assert_eq!(run["trigger"], "api", "{run}");
    assert_eq!(run["status"], "succeeded", "{run}");
    let rows = erp_rows(dir).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, "Sturmvogel");
    assert_eq!(rows[0].2, unit);
    assert!(
        drop_dir.join("archiv/anfragen-0815.xml").exists(),
        "archived"
    );
    assert!(!drop_dir.join("anfragen-0815.xml").exists());
}

/// The ERP cannot be reached for writing: a scheduled or API-started `interessenten` run still
/// fetches the partner's files (nothing waits on the partner's server), keeps the prospect due
/// and records why in the protocol (PRO-2, PRO-5, GEN-7).
#[tokio::test]
async fn pro_5_interessenten_run_fetches_files_while_the_erp_is_unreachable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = demo(dir);
    let drop_dir = feedback_drop(dir);
    let (_server, url) = serve_env(
        dir,
        &[(
            "IMMOHUB__ERP__WRITE_URL",
            "postgres://immohub@127.0.0.1:1/kein-erp",
        )],
    );
    let http = reqwest::Client::new();
    let unit = unit_id(&http, &url, &key).await;
    std::fs::write(drop_dir.join("anfragen-0816.xml"), feedback_file(&unit)).unwrap();

    let run = run_through_api(&http, &url, &key).await;
    assert_eq!(run["use_case"], "interessenten", "{run}");
    assert_eq!(run["status"], "failed", "{run}");
    let errors = run["errors"].to_string();
    assert!(
        errors.contains("127.0.0.1:1"),
        "the reason names the ERP: {run}"
    );
    assert!(
        drop_dir.join("archiv/anfragen-0816.xml").exists(),
        "fetched and archived"
    );
    let list = get_json(&http, &format!("{url}/v1/prospects"), &key).await;
    let prospects = list["prospects"].as_array().unwrap();
    assert_eq!(prospects.len(), 1, "{list}");
    assert_eq!(prospects[0]["status"], "received", "still due: {list}");
    assert!(erp_rows(dir).await.is_empty());
}

/// `check` tests every feedback source and export target: a missing credential and a server
/// that does not answer are named with the partner, the target and what to do; a working
/// directory drop says how many files wait (PRO-2, VAC-4, GEN-5).
#[tokio::test]
async fn pro_2_check_tests_every_file_target_and_names_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo(dir);
    let drop_dir = feedback_drop(dir);
    std::fs::write(drop_dir.join("a.xml"), "<x/>").unwrap();
    std::fs::write(drop_dir.join("b.xml.part"), "<x/>").unwrap();
    let (ok, out) = immohub(dir, &["check"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("✓ Partner demo: Feedback „portal“ – Verzeichnis ")
            && out.contains("1 Datei(en) „*.xml“ warten"),
        "a file still being written does not count: {out}"
    );
    assert!(
        out.contains("✓ Partner demo: OpenImmo-Export „verzeichnis“ – Verzeichnis "),
        "{out}"
    );

    let mut cfg = std::fs::read_to_string(dir.join("immohub.toml")).unwrap();
    cfg.push_str(
        "\n[[partner.feedback]]\nname = \"portal-ftp\"\n\
         target = { kind = \"ftp\", host = \"127.0.0.1\", port = 1, user = \"u\", password = \"secret:portal-ftp\" }\n\
         \n[[partner.feedback]]\nname = \"portal-aus\"\n\
         target = { kind = \"ftp\", host = \"127.0.0.1\", port = 1, user = \"u\", password = \"geheim-im-klartext\", connect_timeout_secs = 2 }\n",
    );
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();
    let (ok, out) = immohub(dir, &["check"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("✗ Partner demo: Feedback „portal-ftp“: Zugangsdaten „portal-ftp“ von demo fehlen: immohub secret set --partner demo --name portal-ftp"),
        "{out}"
    );
    let line = out
        .lines()
        .find(|l| l.contains("„portal-aus“"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("✗") && line.contains("ftp://u@127.0.0.1:1/"),
        "{line}"
    );
    assert!(
        !out.contains("geheim-im-klartext"),
        "no password in the output: {out}"
    );
    assert!(out.contains("✓ Partner demo: Feedback „portal“"), "{out}");
}
