//! Record status (GEN-8) by partner ID (GEN-1), including IDs with `/` inside.

use reqwest::StatusCode;

use crate::helpers::{KEY_A, KEY_B, TestApp, assert_error};

#[tokio::test]
async fn gen_1_gen_8_record_status_by_partner_id_with_slash_separator() {
    let app = TestApp::spawn().await;
    // The separator `/` taken literally in the path …
    let body = app.get_ok("/v1/records/units/1/1/1/1", KEY_A).await;
    assert_eq!(body["feed"], "units");
    assert_eq!(body["id"], "1/1/1/1");
    assert_eq!(body["erp_key"], "U-1-1");
    assert_eq!(body["status"], "sent");
    assert_eq!(body["status_label"], "übertragen");
    assert_eq!(body["version"], 2);
    assert_eq!(body["run_id"], app.runs.a2);
    assert_eq!(body["updated_at"], "2024-05-10T08:00:00Z");
    assert!(body["reason"].is_null() && body["rule"].is_null());
    // … with the history, newest first.
    let history = body["history"].as_array().unwrap();
    let runs: Vec<i64> = history
        .iter()
        .map(|o| o["run_id"].as_i64().unwrap())
        .collect();
    assert_eq!(runs, [app.runs.a2, app.runs.a1]);
    assert_eq!(history[1]["status"], "sent");
    assert_eq!(history[1]["id"], "1/1/1/1");

    // … and percent-encoded: the same record.
    let encoded = app.get_ok("/v1/records/units/1%2F1%2F1%2F1", KEY_A).await;
    assert_eq!(encoded, body);

    // `?limit=` caps the history.
    let one = app.get_ok("/v1/records/units/1/1/1/1?limit=1", KEY_A).await;
    assert_eq!(one["history"].as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn gen_8_deleted_and_skipped_records_say_why() {
    let app = TestApp::spawn().await;
    let body = app.get_ok("/v1/records/units/1/1/1/5", KEY_A).await;
    assert_eq!(body["status"], "deleted");
    assert_eq!(body["status_label"], "gelöscht");
    assert_eq!(body["rule"], "GEN-10");
    assert_eq!(body["reason"], "im ERP gelöscht");

    // A skipped tenant has no partner ID; it is found by its ERP key.
    let body = app.get_ok("/v1/records/tenants/T-100", KEY_A).await;
    assert_eq!(body["status"], "skipped");
    assert_eq!(body["status_label"], "nicht übertragen");
    assert!(body["id"].is_null());
    assert_eq!(body["rule"], "STM-2");
    assert_eq!(body["reason"], "Mieter ohne E-Mail-Adresse");
    assert_eq!(body["version"], 0);
    assert_eq!(body["history"][0]["rule"], "STM-2");
    app.stop().await;
}

#[tokio::test]
async fn unknown_records_are_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/v1/records/units/1/1/1/9",
        "/v1/records/units/1/1/1",
        "/v1/records/flats/1/1/1/1",
        // A's record in another feed.
        "/v1/records/buildings/1/1/1/1",
    ] {
        let (status, body) = app.get(path, Some(KEY_A)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_error(&body, "not_found", None);
    }
    // B does not see A's record (GEN-2).
    let (status, _) = app.get("/v1/records/units/1/1/1/1", Some(KEY_B)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .get("/v1/records/units/1/1/1/1?limit=0", Some(KEY_A))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request", Some("limit"));
    app.stop().await;
}
