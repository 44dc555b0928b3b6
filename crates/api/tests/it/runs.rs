//! The protocol (GEN-7): the caller's runs, filtered by date, and one run with its outcomes.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use immohub_domain::UseCase;
use immohub_engine::{EngineLauncher, LaunchError, RunLauncher, Trigger};
use immohub_store::{Connection, NewRun, RunEnd, RunStatus, ScheduleStore, SqlStore, Store};
use reqwest::{Method, StatusCode};

use crate::helpers::{CONN_A, KEY_A, KEY_B, TestApp, assert_error, berlin, send};

fn run_ids(body: &serde_json::Value) -> Vec<i64> {
    body["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn gen_7_runs_of_the_own_connection_newest_first() {
    let app = TestApp::spawn().await;
    let body = app.get_ok("/v1/runs", KEY_A).await;
    assert_eq!(run_ids(&body), [app.runs.a2, app.runs.a1]);
    let a2 = &body["runs"][0];
    assert_eq!(a2["use_case"], "stammdaten");
    assert_eq!(a2["direction"], "erp_to_partner");
    assert_eq!(a2["trigger"], "schedule");
    assert_eq!(a2["status"], "succeeded");
    assert_eq!(a2["started_at"], "2024-05-10T08:00:00Z");
    assert_eq!(a2["ended_at"], "2024-05-10T08:02:00Z");
    assert_eq!(a2["counts"]["read"], 5);
    assert_eq!(a2["counts"]["sent"], 1);
    assert_eq!(a2["counts"]["deleted"], 1);
    assert_eq!(a2["counts"]["unchanged"], 3);
    assert_eq!(a2["counts"]["failed"], 0);
    assert_eq!(a2["errors"], serde_json::json!([]));

    let body = app.get_ok("/v1/runs", KEY_B).await;
    assert_eq!(run_ids(&body), [app.runs.b1]);

    let body = app.get_ok("/v1/runs?limit=1", KEY_A).await;
    assert_eq!(run_ids(&body), [app.runs.a2]);
    app.stop().await;
}

#[tokio::test]
async fn gen_7_runs_filtered_by_date() {
    let app = TestApp::spawn().await;
    let (a1, a2) = (app.runs.a1, app.runs.a2);
    for (query, expected) in [
        ("from=2024-05-05", vec![a2]),
        ("to=2024-05-05", vec![a1]),
        // A date as `to` includes that day.
        ("from=2024-05-01&to=2024-05-01", vec![a1]),
        ("from=2024-05-10&to=2024-05-10", vec![a2]),
        ("from=2024-05-02&to=2024-05-09", vec![]),
        // RFC 3339: `from` inclusive, `to` exclusive.
        ("from=2024-05-10T08:00:00Z", vec![a2]),
        ("to=2024-05-10T08:00:00Z", vec![a1]),
        (
            "from=2024-05-01T10:00:00%2B02:00&to=2024-05-10T10:00:01%2B02:00",
            vec![a2, a1],
        ),
    ] {
        let body = app.get_ok(&format!("/v1/runs?{query}"), KEY_A).await;
        assert_eq!(run_ids(&body), expected, "{query}");
    }
    app.stop().await;
}

#[tokio::test]
async fn gen_7_dates_are_days_in_berlin() {
    let app = TestApp::spawn().await;
    let start = |at| NewRun {
        use_case: "stammdaten".to_owned(),
        connection: CONN_A.to_owned(),
        direction: "erp_to_partner".to_owned(),
        trigger: "manual".to_owned(),
        started_at: at,
    };
    // 23:30 on 20 May in Berlin is 21:30 UTC; 00:30 on 21 May in Berlin is still 20 May in UTC.
    let late = app
        .store
        .start_run(&start(
            berlin(2024, 5, 20, 23) + chrono::Duration::minutes(30),
        ))
        .await
        .unwrap();
    let after_midnight = app
        .store
        .start_run(&start(
            berlin(2024, 5, 21, 0) + chrono::Duration::minutes(30),
        ))
        .await
        .unwrap();
    let body = app
        .get_ok("/v1/runs?from=2024-05-20&to=2024-05-20", KEY_A)
        .await;
    assert_eq!(run_ids(&body), [late]);
    let body = app
        .get_ok("/v1/runs?from=2024-05-21&to=2024-05-21", KEY_A)
        .await;
    assert_eq!(run_ids(&body), [after_midnight]);
    // A running run has no end yet.
    assert_eq!(body["runs"][0]["status"], "running");
    assert!(body["runs"][0]["ended_at"].is_null());
    app.stop().await;
}

#[tokio::test]
async fn bad_run_filters_are_400_with_field() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("from=gestern", "from"),
        ("from=2024-02-30", "from"),
        ("to=05.05.2024", "to"),
        ("from=2024-05-10&to=2024-05-01", "to"),
        ("limit=0", "limit"),
    ] {
        let (status, body) = app.get(&format!("/v1/runs?{query}"), Some(KEY_A)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_error(&body, "bad_request", Some(field));
    }
    app.stop().await;
}

#[tokio::test]
async fn gen_7_run_detail_with_outcomes_only_for_own_runs() {
    let app = TestApp::spawn().await;
    let body = app
        .get_ok(&format!("/v1/runs/{}", app.runs.a1), KEY_A)
        .await;
    assert_eq!(body["id"], app.runs.a1);
    assert_eq!(body["counts"]["sent"], 5);
    assert_eq!(body["counts"]["skipped"], 1);
    let outcomes = body["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 6);
    // Newest first: the skipped tenant was recorded last.
    assert_eq!(outcomes[0]["feed"], "tenants");
    assert_eq!(outcomes[0]["status"], "skipped");
    assert_eq!(outcomes[0]["rule"], "STM-2");
    assert!(outcomes.iter().all(|o| o["run_id"] == app.runs.a1));

    let body = app
        .get_ok(&format!("/v1/runs/{}?limit=2", app.runs.a1), KEY_A)
        .await;
    assert_eq!(body["outcomes"].as_array().unwrap().len(), 2);

    // Another connection's run, and a run that does not exist: the same 404 (GEN-2).
    for id in [app.runs.b1, 9999] {
        let (status, body) = app.get(&format!("/v1/runs/{id}"), Some(KEY_A)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_error(&body, "not_found", None);
    }
    app.get_ok(&format!("/v1/runs/{}", app.runs.b1), KEY_B)
        .await;

    let (status, body) = app.get("/v1/runs/latest", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request", Some("id"));
    app.stop().await;
}

// --- GEN-7: the last run at a glance ---------------------------------------------------------

#[tokio::test]
async fn gen_7_last_run_at_a_glance_with_berlin_date_sent_and_errors() {
    let app = TestApp::spawn().await;
    let last = app.get_ok("/v1/runs/last", KEY_A).await;
    assert_eq!(last["id"], app.runs.a2);
    assert_eq!(last["use_case"], "stammdaten");
    assert_eq!(last["started_at"], "2024-05-10T08:00:00Z");
    // 08:00 UTC is 10:00 in Berlin (summer time).
    assert_eq!(last["date"], "2024-05-10");
    assert_eq!(last["time"], "10:00");
    assert_eq!(last["sent"], 1);
    assert_eq!(last["errors"], 0);
    assert_eq!(last["status"], "succeeded");
    assert_eq!(app.get_ok("/v1/runs/last", KEY_B).await["id"], app.runs.b1);

    // The list carries the same, whatever its date filter.
    let body = app.get_ok("/v1/runs?to=2024-05-05", KEY_A).await;
    assert_eq!(run_ids(&body), [app.runs.a1]);
    assert_eq!(body["last"], last);

    // Errors: failed records plus run-level errors.
    let failed = app
        .store
        .start_run(&NewRun {
            use_case: "stammdaten".to_owned(),
            connection: CONN_A.to_owned(),
            direction: "erp_to_partner".to_owned(),
            trigger: "schedule".to_owned(),
            started_at: berlin(2024, 5, 11, 2),
        })
        .await
        .unwrap();
    app.store
        .finish_run(
            failed,
            &RunEnd {
                ended_at: berlin(2024, 5, 11, 3),
                status: RunStatus::Failed,
                errors: vec!["ERP nicht erreichbar".to_owned()],
            },
        )
        .await
        .unwrap();
    let last = app.get_ok("/v1/runs/last", KEY_A).await;
    assert_eq!(
        (&last["id"], &last["date"], &last["time"], &last["errors"]),
        (
            &failed.into(),
            &"2024-05-11".into(),
            &"02:00".into(),
            &1.into()
        )
    );
    assert_eq!(last["status"], "failed");

    // A connection without runs: 404; without key: 401.
    app.store
        .upsert_connection(&Connection {
            name: "neu".to_owned(),
            profile: "generic".to_owned(),
            api_key_hash: immohub_api::hash_api_key("key-neu"),
            clients: vec!["1".to_owned()],
            config: serde_json::json!({}),
        })
        .await
        .unwrap();
    let (status, body) = app.get("/v1/runs/last", Some("key-neu")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", None);
    let body = app.get_ok("/v1/runs", "key-neu").await;
    assert!(body["last"].is_null());
    let (status, _) = app.get("/v1/runs/last", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

// --- GEN-6: starting a run by hand -------------------------------------------------------------

/// Starts runs as the engine's launcher does, under the store's run lease, without an ERP:
/// the run is recorded and stays in progress (its lease is held for an hour).
struct LeaseLauncher {
    store: Arc<SqlStore>,
}

#[async_trait]
impl RunLauncher for LeaseLauncher {
    async fn launch(
        &self,
        connection: &str,
        use_case: UseCase,
        trigger: Trigger,
    ) -> Result<i64, LaunchError> {
        if !EngineLauncher::supports(use_case) {
            return Err(LaunchError::Unsupported(use_case));
        }
        let now = Utc::now();
        let got = self
            .store
            .try_acquire_lease(connection, use_case, "api-test/1", now, Duration::hours(1))
            .await?;
        if got.is_none() {
            let held = self.store.lease(connection, use_case).await?.unwrap();
            return Err(LaunchError::AlreadyRunning {
                connection: connection.to_owned(),
                use_case,
                holder: held.holder,
                since: held.acquired_at,
            });
        }
        Ok(self
            .store
            .start_run(&NewRun {
                use_case: use_case.as_str().to_owned(),
                connection: connection.to_owned(),
                direction: use_case.direction().as_str().to_owned(),
                trigger: trigger.as_str().to_owned(),
                started_at: now,
            })
            .await?)
    }
}

async fn with_launcher() -> TestApp {
    TestApp::spawn_with(|store| Some(Arc::new(LeaseLauncher { store }) as Arc<dyn RunLauncher>))
        .await
}

async fn post_run(app: &TestApp, body: &str, key: Option<&str>) -> reqwest::Response {
    app.req(Method::POST, "/v1/runs", key)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn gen_6_post_runs_starts_a_run_by_hand_202_with_location() {
    let app = with_launcher().await;
    let resp = post_run(&app, r#"{"use_case": "stammdaten"}"#, Some(KEY_A)).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let body: serde_json::Value = resp.json().await.unwrap();
    let id = body["run_id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/runs/{id}"));
    assert_eq!(body["location"], location);
    assert_eq!(body["use_case"], "stammdaten");
    assert_eq!(body["status"], "running");

    // The run is the caller's, started through the API, and is now the last run.
    let run = app.get_ok(&location, KEY_A).await;
    assert_eq!(run["trigger"], "api");
    assert_eq!(run["status"], "running");
    assert_eq!(app.get_ok("/v1/runs/last", KEY_A).await["id"], id);

    // Another connection's use case is independent.
    let resp = post_run(&app, r#"{"use_case": "Stammdaten"}"#, Some(KEY_B)).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    app.stop().await;
}

#[tokio::test]
async fn gen_6_post_runs_while_the_run_is_in_progress_is_409() {
    let app = with_launcher().await;
    let resp = post_run(&app, r#"{"use_case": "stammdaten"}"#, Some(KEY_A)).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let (status, body) = send(
        app.req(Method::POST, "/v1/runs", Some(KEY_A))
            .json(&serde_json::json!({ "use_case": "stammdaten" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "run_in_progress", None);
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("Stammdaten für immomio-prod läuft bereits (seit ")
            && msg.ends_with("Instanz api-test/1)"),
        "{msg}"
    );
    app.stop().await;
}

#[tokio::test]
async fn gen_6_post_runs_needs_the_api_key_401() {
    let app = with_launcher().await;
    for key in [None, Some("wrong-key")] {
        let resp = post_run(&app, r#"{"use_case": "stammdaten"}"#, key).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{key:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_error(&body, "unauthorized", None);
    }
    // Nothing was started.
    assert_eq!(
        run_ids(&app.get_ok("/v1/runs", KEY_A).await),
        [app.runs.a2, app.runs.a1]
    );
    app.stop().await;
}

#[tokio::test]
async fn gen_6_post_runs_with_an_unknown_use_case_is_422_naming_the_field() {
    let app = with_launcher().await;
    for (body, status, code, field, words) in [
        (
            r#"{"use_case": "stammdatn"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            "use_case",
            "unbekannter Use Case „stammdatn“",
        ),
        (
            r#"{"use_case": "tickets-in"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            "use_case",
            "noch nicht verfügbar",
        ),
        (
            r#"{"usecase": "stammdaten"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            "use_case",
            "„use_case“ fehlt",
        ),
        (
            r#"{"use_case": 7}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable",
            "use_case",
            "kein Text",
        ),
        (
            "use_case=stammdaten",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "body",
            "JSON",
        ),
    ] {
        let (got, json) = send(
            app.req(Method::POST, "/v1/runs", Some(KEY_A))
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(got, status, "{body}: {json}");
        assert_error(&json, code, Some(field));
        let msg = json["error"]["message"].as_str().unwrap();
        assert!(msg.contains(words), "{body}: {msg}");
    }
    app.stop().await;
}

#[tokio::test]
async fn gen_6_post_runs_without_a_launcher_is_503() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        app.req(Method::POST, "/v1/runs", Some(KEY_A))
            .json(&serde_json::json!({ "use_case": "stammdaten" })),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_error(&body, "unavailable", None);
    app.stop().await;
}
