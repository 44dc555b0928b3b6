//! The protocol (GEN-7): the caller's runs, filtered by date, and one run with its outcomes.

use immohub_store::{NewRun, Store};
use reqwest::StatusCode;

use crate::helpers::{CONN_A, KEY_A, KEY_B, TestApp, assert_error, berlin};

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
