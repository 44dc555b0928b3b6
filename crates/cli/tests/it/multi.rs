//! Several instances on one PostgreSQL database (GEN-11): two `immohub serve` processes share
//! the webhook endpoints (claims with `FOR UPDATE SKIP LOCKED` and fencing tokens); one is
//! killed with SIGKILL in the middle of its work, the other takes its endpoints over when the
//! claim runs out, and every partner ends with the hub's state, nothing doubled.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use immohub_testkit::{Fault, FaultMix, FaultyPartner};

use crate::crash::{get, hub_state};
use serde_json::{Value, json};

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

fn start(dir: &Path, store_url: &str, instance: &str) -> Serve {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_immohub"))
        .current_dir(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("IMMOHUB_CONFIG")
        .env("IMMOHUB__STORE__URL", store_url)
        .env("IMMOHUB__SERVER__INSTANCE", instance)
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
    Serve { child, url }
}

async fn pg_database() -> Option<String> {
    use sqlx::Connection;
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let conn =
        tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect(admin)).await;
    let mut c = match conn {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "Zeitüberschreitung".to_owned(),
            };
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
            assert!(!ci, "PostgreSQL nicht erreichbar (CI=true): {why}");
            eprintln!("ÜBERSPRUNGEN: PostgreSQL unter {admin} nicht erreichbar: {why}");
            return None;
        }
    };
    let name = format!(
        "immohub_multi_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut c)
        .await
        .unwrap();
    Some(format!("postgres://postgres@127.0.0.1:5432/{name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gen_11_two_instances_share_the_work_and_survive_a_kill() {
    let Some(store_url) = pg_database().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = Command::new(env!("CARGO_BIN_EXE_immohub"))
        .current_dir(dir)
        .args(["demo", "--units", "300"])
        .env("IMMOHUB__STORE__URL", &store_url)
        .env_remove("IMMOHUB_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = text
        .split_whitespace()
        .find(|w| w.starts_with("ihk_"))
        .unwrap()
        .to_owned();
    let mut cfg = std::fs::read_to_string(dir.join("immohub.toml")).unwrap();
    cfg.push_str(
        "\n[delivery]\nwindow = 4\nbackoff_base_ms = 5\nbackoff_max_s = 1\ntimeout_ms = 1000\n\
         lease_s = 2\npoll_ms = 20\n",
    );
    std::fs::write(dir.join("immohub.toml"), cfg).unwrap();

    let a = start(dir, &store_url, "instance-a");
    let b = start(dir, &store_url, "instance-b");
    let http = reqwest::Client::new();
    // Four partners' endpoints, each a bit slow, so that both instances have work at once.
    let mut partners = Vec::new();
    for i in 0..4 {
        let p = FaultyPartner::start().await;
        p.mix(FaultMix {
            seed: i,
            percent: 30,
            faults: vec![Fault::Slow(Duration::from_millis(5)), Fault::Status(503)],
        });
        let created: Value = http
            .post(format!("{}/v1/webhooks", a.url))
            .bearer_auth(&key)
            .json(&json!({"url": p.url()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        p.set_secrets(&[created["secret"].as_str().unwrap()]);
        partners.push((p, created["id"].as_i64().unwrap()));
    }
    // Kill A while it delivers: after the start-up sync ended (a sync killed half-way stays
    // "running" until the next scheduled run, which this test does not wait for).
    let synced_by = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = get(&http, &format!("{}/v1/runs?limit=500", b.url), &key).await;
        if runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["use_case"] == "stammdaten" && !r["ended_at"].is_null())
        {
            break;
        }
        assert!(
            Instant::now() < synced_by,
            "start-up sync did not end: {runs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(a);

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let runs = get(&http, &format!("{}/v1/runs?limit=500", b.url), &key).await;
        let sync_done = runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["use_case"] == "stammdaten" && !r["ended_at"].is_null());
        let (hub, head) = hub_state(&http, &b.url, &key).await;
        let mut all = sync_done && head > 0;
        let mut positions = Vec::new();
        for (_, id) in &partners {
            let ep = get(&http, &format!("{}/v1/webhooks/{id}", b.url), &key).await;
            all &= ep["delivered_seq"].as_i64().unwrap() >= head;
            positions.push(ep);
        }
        if all {
            for (p, _) in &partners {
                let held: HashMap<_, _> = p
                    .records()
                    .into_iter()
                    .map(|(k, h)| (k, (h.version, h.op)))
                    .collect();
                assert_eq!(held, hub, "partner equals the hub");
                assert!(p.doubled().is_empty(), "{:?}", p.doubled());
                assert!(p.problems().is_empty(), "{:?}", p.problems());
            }
            // Both instances delivered (runs name the instance).
            let triggers: Vec<String> = runs["runs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["use_case"] == "webhook")
                .map(|r| r["trigger"].as_str().unwrap().to_owned())
                .collect();
            assert!(
                triggers.iter().any(|t| t.contains("instance-a")),
                "{triggers:?}"
            );
            assert!(
                triggers.iter().any(|t| t.contains("instance-b")),
                "{triggers:?}"
            );
            // The run lease let exactly one instance run the start-up sync (GEN-6): the
            // other's attempt was refused, so nothing entered the feed twice.
            let syncs = runs["runs"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["use_case"] == "stammdaten")
                .count();
            assert_eq!(syncs, 1, "{runs}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not drained: sync done {sync_done}, head {head}, endpoints {positions:?}, runs {runs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(b);
}
