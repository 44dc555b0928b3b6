//! GEN-4 with the real binary: the test environment is off until enabled, has its own API
//! key and feeds, and a use case moves to production only by an explicit, recorded switch.

use std::time::Duration;

use crate::support::{edit_config, feed_head, get_json, hub, run, serve};

fn key_in(out: &str) -> String {
    out.split_whitespace()
        .find(|w| w.starts_with("ihk_"))
        .unwrap_or_else(|| panic!("no key printed: {out}"))
        .to_owned()
}

fn last_run_line(out: &str) -> &str {
    out.lines()
        .rev()
        .find(|l| l.starts_with("Lauf "))
        .unwrap_or_else(|| panic!("no run line: {out}"))
}

async fn connections(dir: &std::path::Path) -> Vec<String> {
    let mut c = hub(dir).await;
    sqlx::query_scalar("SELECT name FROM connections ORDER BY name")
        .fetch_all(&mut c)
        .await
        .unwrap()
}

#[tokio::test]
async fn gen_4_test_environment_is_off_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = run(dir, &["demo", "--units", "40"], &[], None);
    assert!(ok, "{out}");
    assert_eq!(connections(dir).await, vec!["demo".to_owned()]);

    for args in [
        &[
            "sync",
            "run",
            "stammdaten",
            "--partner",
            "demo",
            "--env",
            "test",
        ][..],
        &["key", "rotate", "--partner", "demo", "--env", "test"],
        &[
            "usecase",
            "switch",
            "--partner",
            "demo",
            "--use-case",
            "stammdaten",
            "--to",
            "test",
        ],
    ] {
        let (ok, out) = run(dir, args, &[], None);
        assert!(!ok, "{args:?}: {out}");
        assert!(
            out.contains("Testumgebung von demo ist ausgeschaltet"),
            "{out}"
        );
    }
    let (ok, out) = run(dir, &["usecase", "list"], &[], None);
    assert!(ok, "{out}");
    assert!(
        out.contains("production") && out.contains("ausgeschaltet"),
        "{out}"
    );
    // Without --env the run uses production.
    let (ok, out) = run(
        dir,
        &["sync", "run", "stammdaten", "--partner", "demo"],
        &[],
        None,
    );
    assert!(ok, "{out}");
    assert!(last_run_line(&out).contains("(demo)"), "{out}");
    assert_eq!(connections(dir).await, vec!["demo".to_owned()]);

    // Names with "@" are refused: they would collide with test connections.
    edit_config(dir, "name = \"demo\"", "name = \"de@mo\"");
    let (ok, out) = run(dir, &["check"], &[], None);
    assert!(!ok && out.contains("enthält „@“"), "{out}");
}

#[tokio::test]
async fn gen_4_test_first_then_explicit_switch_to_production_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (ok, out) = run(dir, &["demo", "--units", "40"], &[], None);
    assert!(ok, "{out}");
    let prod_key = key_in(&out);
    edit_config(dir, "sync_on_start = true", "sync_on_start = false");
    edit_config(
        dir,
        "# [partner.test]\n# enabled = true\n",
        "[partner.test]\nenabled = true\n",
    );

    // Enabled: a separate connection with its own key; the use case starts in test.
    let (ok, out) = run(dir, &["usecase", "list", "--partner", "demo"], &[], None);
    assert!(ok, "{out}");
    assert!(
        out.contains("demo@test") && out.contains("Vorgabe"),
        "{out}"
    );
    let (ok, out) = run(
        dir,
        &["key", "rotate", "--partner", "demo", "--env", "test"],
        &[],
        None,
    );
    assert!(ok, "{out}");
    let test_key = key_in(&out);
    assert_ne!(test_key, prod_key);
    assert_eq!(
        connections(dir).await,
        vec!["demo".to_owned(), "demo@test".to_owned()]
    );

    let (ok, out) = run(
        dir,
        &["sync", "run", "stammdaten", "--partner", "demo"],
        &[],
        None,
    );
    assert!(ok, "{out}");
    assert!(last_run_line(&out).contains("(demo@test)"), "{out}");
    let (ok, out) = run(dir, &["usecase", "list"], &[], None);
    assert!(ok && out.contains("seit"), "pinned: {out}");

    // The test run filled the test feed only.
    let (_server, url) = serve(dir);
    let http = reqwest::Client::new();
    assert!(feed_head(&http, &url, &test_key).await > 0);
    assert_eq!(feed_head(&http, &url, &prod_key).await, 0);
    let runs = get_json(&http, &format!("{url}/v1/runs"), &prod_key).await;
    assert_eq!(runs["runs"].as_array().unwrap().len(), 0, "{runs}");

    // Switched explicitly, by someone, and recorded.
    let (ok, out) = run(
        dir,
        &[
            "usecase",
            "switch",
            "--partner",
            "demo",
            "--use-case",
            "stammdaten",
            "--to",
            "production",
            "--by",
            "Erika Muster",
        ],
        &[],
        None,
    );
    assert!(ok, "{out}");
    assert!(out.contains("test → production"), "{out}");
    let (ok, out) = run(dir, &["protocol"], &[], None);
    assert!(ok, "{out}");
    assert!(out.contains("Umschaltung"), "{out}");
    assert!(out.contains("Erika Muster"), "{out}");
    // The last run shown is the test sync, not the switch.
    assert!(!out.contains("Letzter Lauf: Keine"), "{out}");
    let (ok, out) = run(dir, &["protocol", "--partner", "demo"], &[], None);
    assert!(ok && out.contains("Erika Muster"), "{out}");
    let runs = get_json(&http, &format!("{url}/v1/runs"), &prod_key).await;
    let runs = runs["runs"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["direction"], "switch_to_production");
    assert_eq!(runs[0]["use_case"], "stammdaten");
    let switch_run = runs[0]["id"].as_i64().unwrap().to_string();
    let (ok, out) = run(dir, &["protocol", "--run", &switch_run], &[], None);
    assert!(
        ok && out.contains("Erika Muster") && out.contains("test → production"),
        "{out}"
    );
    // Switching to where it is already is a no-op.
    let (ok, out) = run(
        dir,
        &[
            "usecase",
            "switch",
            "--partner",
            "demo",
            "--use-case",
            "stammdaten",
            "--to",
            "production",
        ],
        &[],
        None,
    );
    assert!(ok && out.contains("nichts umgeschaltet"), "{out}");

    // Now the runs go to production; --env test still reaches the test account.
    let (ok, out) = run(
        dir,
        &["sync", "run", "stammdaten", "--partner", "demo"],
        &[],
        None,
    );
    assert!(ok, "{out}");
    assert!(last_run_line(&out).contains("(demo)"), "{out}");
    assert!(feed_head(&http, &url, &prod_key).await > 0);
    let test_head = feed_head(&http, &url, &test_key).await;
    let (ok, out) = run(
        dir,
        &[
            "sync",
            "run",
            "stammdaten",
            "--partner",
            "demo",
            "--env",
            "test",
        ],
        &[],
        None,
    );
    assert!(ok, "{out}");
    assert!(last_run_line(&out).contains("(demo@test)"), "{out}");
    assert_eq!(
        feed_head(&http, &url, &test_key).await,
        test_head,
        "unchanged"
    );

    // Switched off again: the test key stops working at once, test runs are refused.
    edit_config(dir, "enabled = true", "enabled = false");
    let (ok, out) = run(
        dir,
        &[
            "sync",
            "run",
            "stammdaten",
            "--partner",
            "demo",
            "--env",
            "test",
        ],
        &[],
        None,
    );
    assert!(!ok && out.contains("ausgeschaltet"), "{out}");
    let status = http
        .get(format!("{url}/v1/feeds"))
        .bearer_auth(&test_key)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    assert!(feed_head(&http, &url, &prod_key).await > 0);
    // Enabled again: the same test key works again.
    edit_config(dir, "enabled = false", "enabled = true");
    let (ok, out) = run(dir, &["check"], &[], None);
    assert!(ok, "{out}");
    assert!(feed_head(&http, &url, &test_key).await > 0);
}
