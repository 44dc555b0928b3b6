use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) fn immohub(dir: &Path, args: &[&str]) -> (bool, String) {
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

pub(crate) struct Server(pub(crate) Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `immohub serve` on a free port and returns it with its base URL.
fn serve(dir: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_immohub"))
        .current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
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

fn last_count(text: &str, word: &str) -> i64 {
    // "Lauf 2 (demo): erfolgreich – 300 gelesen, 1 gesendet, …"
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with("Lauf "))
        .unwrap_or_else(|| panic!("no run line in {text}"));
    let before = line.split(&format!(" {word}")).next().unwrap();
    before
        .rsplit([' ', ','])
        .find(|s| !s.is_empty())
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{word} in {line}"))
}

async fn erp_exec(dir: &Path, sql: &str) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/demo-erp.db").display()
    ))
    .await
    .unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
}

#[tokio::test]
async fn stm_5_gen_10_tour_demo_serve_curl_change_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = immohub(dir, &["demo", "--units", "400"]);
    assert!(ok, "{out}");
    let key = out
        .split_whitespace()
        .find(|w| w.starts_with("ihk_"))
        .unwrap_or_else(|| panic!("no key printed: {out}"))
        .to_owned();
    assert!(dir.join("immohub.toml").exists());

    let (_server, url) = serve(dir);
    let http = reqwest::Client::new();
    // The initial sync runs in the background: wait for the first finished run.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = get_json(&http, &format!("{url}/v1/runs"), &key).await;
        if runs["runs"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| !r["ended_at"].is_null()))
        {
            break;
        }
        assert!(Instant::now() < deadline, "no finished run: {runs}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Units with composite IDs (GEN-1, separator "." in the demo configuration).
    let page = get_json(&http, &format!("{url}/v1/feeds/units?limit=5"), &key).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5, "{page}");
    for item in items {
        let id = item["id"].as_str().unwrap();
        assert_eq!(id.split('.').count(), 4, "{id}");
        assert_eq!(item["data"]["id"], item["id"]);
    }
    // Wrong key: 401.
    let status = http
        .get(format!("{url}/v1/feeds/units"))
        .bearer_auth("ihk_wrong")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);

    // A second sync without ERP change sends nothing.
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert_eq!(last_count(&out, "gesendet"), 0, "{out}");

    let head_before = feed_head(&http, &url, &key).await;
    // Change one unit: exactly that unit is sent.
    erp_exec(dir, "UPDATE erp_units SET floor_text = 'Erdgeschoss' WHERE rowid = (SELECT min(rowid) FROM erp_units)").await;
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert_eq!(last_count(&out, "gesendet"), 1, "{out}");
    let new = feed_after(&http, &url, &key, head_before).await;
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["op"], "upsert");
    assert_eq!(new[0]["data"]["floor"], 0, "STM-3");
    assert_eq!(new[0]["version"], 2);

    // Delete one unit (and what hangs on it): one deletion in the units feed.
    let head_before = feed_head(&http, &url, &key).await;
    let victim = "(SELECT max(rowid) FROM erp_units WHERE unit_id NOT IN (SELECT unit_id FROM erp_leases) AND unit_id NOT IN (SELECT unit_id FROM erp_ownerships))";
    // Its vacancy goes with it (the units feed still sees exactly one deletion).
    erp_exec(
        dir,
        &format!(
            "DELETE FROM erp_vacancy_documents WHERE vacancy_id IN \
             (SELECT vacancy_id FROM erp_vacancies WHERE unit_id = {victim})"
        ),
    )
    .await;
    erp_exec(
        dir,
        &format!("DELETE FROM erp_vacancies WHERE unit_id = {victim}"),
    )
    .await;
    erp_exec(
        dir,
        &format!("DELETE FROM erp_units WHERE rowid = {victim}"),
    )
    .await;
    let (ok, out) = immohub(dir, &["sync", "run", "stammdaten", "--partner", "demo"]);
    assert!(ok, "{out}");
    assert_eq!(last_count(&out, "gelöscht"), 1, "{out}");
    let new = feed_after(&http, &url, &key, head_before).await;
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["op"], "delete");
    assert!(new[0]["data"].is_null());

    // The protocol shows the runs, newest first, with the last run's figures.
    let (ok, out) = immohub(dir, &["protocol"]);
    assert!(ok, "{out}");
    assert!(out.contains("Letzter Lauf:"), "{out}");
    let id = new[0]["id"].as_str().unwrap();
    let (ok, out) = immohub(
        dir,
        &[
            "protocol",
            "--partner",
            "demo",
            "--feed",
            "units",
            "--record",
            id,
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("gelöscht") && out.contains("GEN-10"), "{out}");
}

pub(crate) async fn get_json(http: &reqwest::Client, url: &str, key: &str) -> Value {
    let response = http.get(url).bearer_auth(key).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn feed_head(http: &reqwest::Client, url: &str, key: &str) -> i64 {
    let feeds = get_json(http, &format!("{url}/v1/feeds"), key).await;
    feeds["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feed"] == "units")
        .unwrap()["head"]
        .as_i64()
        .unwrap()
}

async fn feed_after(http: &reqwest::Client, url: &str, key: &str, after: i64) -> Vec<Value> {
    let page = get_json(
        http,
        &format!("{url}/v1/feeds/units?after={after}&limit=1000"),
        key,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[test]
fn gen_2_check_reports_partner_without_clients_and_bad_config() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("immohub.toml"),
        "[store]\nurl = \"sqlite:hub.db\"\nbogus = 1\n",
    )
    .unwrap();
    let (ok, out) = immohub(tmp.path(), &["check"]);
    assert!(!ok);
    assert!(out.contains("bogus"), "unknown key named: {out}");

    // GEN-2: a partner without clients is valid but receives nothing; check says so.
    std::fs::write(
        tmp.path().join("immohub.toml"),
        "[store]\nurl = \"sqlite:hub.db\"\n[erp]\nurl = \"sqlite:missing-erp.db\"\n\
         [[partner]]\nname = \"leer\"\nprofile = \"casavi\"\nclients = []\n",
    )
    .unwrap();
    let (_, out) = immohub(tmp.path(), &["check"]);
    assert!(
        out.contains("Partner leer: keine Mandanten freigegeben"),
        "{out}"
    );
    assert!(out.contains("GEN-2"), "{out}");
}
