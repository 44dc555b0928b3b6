//! Crash safety, proven (GEN-11): the real `immohub serve` is killed with SIGKILL at random
//! moments — at armed crash points (after a partner write before the cursor commit, before and
//! after an outbox write, before and after an ERP write-back) and after random delays — over many iterations, while the ERP changes
//! between them. After every kill, a clean restart must bring the partner (a real HTTP server
//! that verifies signatures and applies each webhook-id once) to exactly the hub's state, with
//! no message that took effect twice. At the end an independent clean run from a fresh hub
//! database against the final ERP must give the partner the same records.
//!
//! `IMMOHUB_CRASH_ITERATIONS` (default 200) and `IMMOHUB_CRASH_SEED` (default: random, printed)
//! reproduce a run.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use immohub_testkit::FaultyPartner;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const CRASH_POINTS: &[&str] = &[
    "delivery.after_partner_write",
    "delivery.after_cursor_commit",
    "sync.before_outbox_write",
    "sync.after_outbox_write",
];

/// Crash points of the ERP write-back, armed when prospects wait in the inbox.
const WRITEBACK_POINTS: &[&str] = &["writeback.before_erp_write", "writeback.after_erp_write"];

struct Serve {
    child: Child,
    url: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, crash_at: Option<&str>) -> Option<Serve> {
    use std::io::{BufRead, BufReader};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_immohub"));
    cmd.current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("IMMOHUB_CONFIG")
        .env("IMMOHUB__SERVER__INSTANCE", "harness")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(point) = crash_at {
        cmd.env("IMMOHUB_CRASH_AT", point);
    }
    let mut child = cmd.spawn().expect("start serve");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    // A crash point can fire before the address is printed: then there is no server.
    let _ = BufReader::new(stdout).read_line(&mut line);
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_owned);
    match url {
        Some(url) => Some(Serve { child, url }),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}

pub(crate) async fn get(http: &reqwest::Client, url: &str, key: &str) -> Value {
    http.get(url)
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The hub's view: latest version and op per (feed, id), read through the pull API, and the
/// newest feed position.
pub(crate) async fn hub_state(
    http: &reqwest::Client,
    base: &str,
    key: &str,
) -> (HashMap<(String, String), (i64, String)>, i64) {
    let feeds = get(http, &format!("{base}/v1/feeds"), key).await;
    let mut out = HashMap::new();
    let mut head = 0;
    for f in feeds["feeds"].as_array().unwrap() {
        let name = f["feed"].as_str().unwrap().to_owned();
        head = head.max(f["head"].as_i64().unwrap());
        let mut after = 0;
        loop {
            let page = get(
                http,
                &format!("{base}/v1/feeds/{name}?after={after}&limit=1000"),
                key,
            )
            .await;
            for item in page["items"].as_array().unwrap() {
                out.insert(
                    (name.clone(), item["id"].as_str().unwrap().to_owned()),
                    (
                        item["version"].as_i64().unwrap(),
                        item["op"].as_str().unwrap().to_owned(),
                    ),
                );
            }
            after = page["next_after"].as_i64().unwrap();
            if !page["has_more"].as_bool().unwrap() {
                break;
            }
        }
    }
    (out, head)
}

/// Waits until the start-up sync has ended and the endpoint has delivered everything.
/// Waits until a start-up sync that began after `since` (this instance's, not a killed
/// predecessor's) has ended, the endpoint has delivered everything, and no prospect waits.
async fn drained(
    http: &reqwest::Client,
    s: &Serve,
    key: &str,
    hook: i64,
    since: &str,
) -> HashMap<(String, String), (i64, String)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = get(http, &format!("{}/v1/runs?limit=200", s.url), key).await;
        let started_here = runs["runs"].as_array().unwrap().iter().any(|r| {
            r["use_case"] == "stammdaten"
                && !r["ended_at"].is_null()
                && r["started_at"].as_str().is_some_and(|t| t >= since)
        });
        let newest_sync_done = runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["use_case"] == "stammdaten")
            .is_some_and(|r| !r["ended_at"].is_null());
        if started_here && newest_sync_done {
            let (state, head) = hub_state(http, &s.url, key).await;
            let ep = get(http, &format!("{}/v1/webhooks/{hook}", s.url), key).await;
            let waiting = get(
                http,
                &format!("{}/v1/prospects?status=received", s.url),
                key,
            )
            .await;
            if ep["delivered_seq"].as_i64().unwrap() >= head
                && waiting["prospects"]
                    .as_array()
                    .is_some_and(|p| p.is_empty())
            {
                return state;
            }
        }
        assert!(Instant::now() < deadline, "not drained: {runs}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Now as the API writes times (UTC, microseconds, `Z`), comparable as text.
fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn held(p: &FaultyPartner) -> HashMap<(String, String), (i64, String)> {
    p.records()
        .into_iter()
        .map(|(k, h)| (k, (h.version, h.op)))
        .collect()
}

async fn erp_query(dir: &Path, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite:{}",
        dir.join("data/demo-erp.db").display()
    ))
    .await
    .unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
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

fn demo(dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_immohub"))
        .current_dir(dir)
        .args(["demo", "--units", "40"])
        .env_remove("IMMOHUB_CONFIG")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    let mut cfg = std::fs::read_to_string(dir.join("immohub.toml")).unwrap();
    cfg.push_str(
        "\n[delivery]\nwindow = 8\nbackoff_base_ms = 5\nbackoff_max_s = 1\ntimeout_ms = 1000\n\
         lease_s = 30\npoll_ms = 20\n",
    );
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();
    text.split_whitespace()
        .find(|w| w.starts_with("ihk_"))
        .unwrap()
        .to_owned()
}

async fn register(http: &reqwest::Client, s: &Serve, key: &str, partner: &FaultyPartner) -> i64 {
    let created: Value = http
        .post(format!("{}/v1/webhooks", s.url))
        .bearer_auth(key)
        .json(&json!({"url": partner.url()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    partner.set_secrets(&[created["secret"].as_str().unwrap()]);
    created["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gen_11_crash_harness_sigkill_at_random_moments() {
    let iterations: usize = std::env::var("IMMOHUB_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("IMMOHUB_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    println!("crash harness: {iterations} iterations, IMMOHUB_CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = demo(dir);
    let partner = FaultyPartner::start().await;
    let http = reqwest::Client::new();

    let first = start(dir, None).unwrap();
    let hook = register(&http, &first, &key, &partner).await;
    drop(first);

    let floors = [
        "Erdgeschoss",
        "1. OG links",
        "2. OG rechts",
        "Dachgeschoss",
        "Keller",
        "3",
    ];
    let mut kills = 0usize;
    let mut pending_prospects = false;
    let mut prospects_sent = 0usize;
    let mut point_kills = 0usize;
    let started = Instant::now();
    for i in 0..iterations {
        // Change the ERP most of the time, so that syncs have outbox writes to interrupt.
        for _ in 0..if rng.gen_bool(0.8) {
            rng.gen_range(1..=6)
        } else {
            0
        } {
            let floor = floors[rng.gen_range(0..floors.len())];
            let row = rng.gen_range(0..30);
            erp_exec(
                dir,
                &format!(
                    "UPDATE erp_units SET floor_text = '{floor} {i}' WHERE rowid = \
                     (SELECT rowid FROM erp_units ORDER BY rowid LIMIT 1 OFFSET {row})"
                ),
            )
            .await;
        }
        if i % 25 == 7 {
            erp_exec(
                dir,
                "DELETE FROM erp_units WHERE rowid = (SELECT max(rowid) FROM erp_units \
                 WHERE unit_id NOT IN (SELECT unit_id FROM erp_leases) \
                 AND unit_id NOT IN (SELECT unit_id FROM erp_ownerships))",
            )
            .await;
        }
        let armed = if pending_prospects && rng.gen_bool(0.8) {
            Some(WRITEBACK_POINTS[rng.gen_range(0..WRITEBACK_POINTS.len())].to_owned())
        } else {
            rng.gen_bool(0.6).then(|| {
                format!(
                    "{}:{}",
                    CRASH_POINTS[rng.gen_range(0..CRASH_POINTS.len())],
                    [1, 1, 2][rng.gen_range(0..3)]
                )
            })
        };
        pending_prospects = false;
        let delay = Duration::from_millis(rng.gen_range(0..400));
        let mut victim = start(dir, armed.as_deref());
        // Let it work until it dies at its crash point, or kill it after the delay.
        let until = Instant::now()
            + match &armed {
                Some(p) if p.starts_with("writeback") => Duration::from_millis(4000),
                Some(_) => Duration::from_millis(1500),
                None => delay,
            };
        let mut died = false;
        while Instant::now() < until {
            match victim.as_mut() {
                None => {
                    died = true;
                    break;
                }
                Some(v) => {
                    if v.child.try_wait().unwrap().is_some() {
                        died = true;
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if died {
            point_kills += 1;
        }
        kills += 1;
        drop(victim); // SIGKILL (if still alive)

        // Restart cleanly; it must converge to the hub's state with nothing doubled.
        let since = now_text();
        let clean = start(dir, None).unwrap();
        let hub = drained(&http, &clean, &key, hook, &since).await;
        // Every prospect accepted so far is in the ERP exactly once, with the technical user.
        let dupes = erp_query(
            dir,
            "SELECT count(*) FROM (SELECT external_ref FROM immohub_in_prospects \
             GROUP BY external_ref HAVING count(*) > 1)",
        )
        .await;
        assert_eq!(dupes, 0, "iteration {i}: a prospect was written twice");
        let rows = erp_query(
            dir,
            "SELECT count(*) FROM immohub_in_prospects WHERE technical_user = 'DEMO'",
        )
        .await;
        assert_eq!(
            rows as usize, prospects_sent,
            "iteration {i}: prospects in the ERP"
        );
        // Prospects for the next victim: the write-back runs right after its start.
        if rng.gen_bool(0.3) {
            let unit = hub
                .iter()
                .filter(|((feed, _), (_, op))| feed == "units" && op == "upsert")
                .map(|((_, id), _)| id.clone())
                .min()
                .unwrap();
            let status = http
                .post(format!("{}/v1/prospects", clean.url))
                .bearer_auth(&key)
                .header("Idempotency-Key", format!("harness-{seed}-{i}"))
                .json(&json!({
                    "unit_id": unit,
                    "first_name": "Jörg",
                    "surname": format!("Mustermann-{i}"),
                    "email": format!("joerg{i}@example.de"),
                }))
                .send()
                .await
                .unwrap()
                .status();
            assert!(status.is_success(), "prospect: {status}");
            prospects_sent += 1;
            pending_prospects = true;
        }
        drop(clean);
        assert_eq!(
            held(&partner),
            hub,
            "iteration {i} (armed {armed:?}): partner differs from the hub (seed {seed})"
        );
        assert!(
            partner.doubled().is_empty(),
            "iteration {i}: {:?}",
            partner.doubled()
        );
        assert!(
            partner.problems().is_empty(),
            "iteration {i}: {:?}",
            partner.problems()
        );
    }
    println!(
        "crash harness: {kills} SIGKILLs ({point_kills} at armed crash points), {} messages \
         applied, {} arrived more than once (same webhook-id, applied once), \
         {prospects_sent} prospects written once each, {:.0} s",
        partner.effects(),
        partner.repeated(),
        started.elapsed().as_secs_f64()
    );
    assert!(kills >= iterations);

    // One clean run from scratch against the final ERP: the same live records, same content.
    let fresh = tempfile::tempdir().unwrap();
    let key2 = demo(fresh.path());
    std::fs::copy(
        dir.join("data/demo-erp.db"),
        fresh.path().join("data/demo-erp.db"),
    )
    .unwrap();
    let _ = std::fs::remove_file(fresh.path().join("data/demo-erp.db-wal"));
    let _ = std::fs::remove_file(fresh.path().join("data/demo-erp.db-shm"));
    let partner2 = FaultyPartner::start().await;
    let since = now_text();
    let s = start(fresh.path(), None).unwrap();
    let hook2 = register(&http, &s, &key2, &partner2).await;
    drained(&http, &s, &key2, hook2, &since).await;
    drop(s);
    let live = |p: &FaultyPartner| -> HashMap<(String, String), Value> {
        p.records()
            .into_iter()
            .filter(|(_, h)| h.op != "delete")
            .map(|(k, h)| (k, h.data))
            .collect()
    };
    let (a, b) = (live(&partner), live(&partner2));
    assert_eq!(
        a.len(),
        b.len(),
        "live records after crashes vs. one clean run"
    );
    assert_eq!(a, b, "record contents after crashes equal one clean run");
}
