//! Authentication, error shape, health, OpenAPI document and request logging.

use immohub_store::{Connection, Store};
use reqwest::{Method, StatusCode};

use crate::helpers::{KEY_A, KEY_B, TestApp, assert_error, captured_log, send};

#[tokio::test]
async fn unauthorized_without_key_or_with_wrong_key() {
    let app = TestApp::spawn().await;
    let paths = [
        "/v1/feeds",
        "/v1/feeds/units",
        "/v1/records/units/1/1/1/1",
        "/v1/runs",
        "/v1/runs/last",
        "/v1/runs/1",
    ];
    for path in paths {
        for key in [None, Some("wrong-key"), Some("")] {
            let (status, body) = app.get(path, key).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {key:?}");
            assert_error(&body, "unauthorized", None);
        }
    }
    // Even for an unknown feed, a missing key is 401 (nothing is revealed without a key).
    let (status, _) = app.get("/v1/feeds/flats", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        app.req(Method::POST, "/v1/feeds/units/ack", None)
            .body(r#"{"seq":1}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The hash of the key is not the key.
    let hash = immohub_api::hash_api_key(KEY_A);
    let (status, _) = app.get("/v1/feeds", Some(&hash)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let resp = app
        .req(Method::GET, "/v1/feeds", None)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer realm=\"immohub\""
    );
    app.stop().await;
}

#[tokio::test]
async fn key_accepted_as_bearer_or_x_api_key() {
    let app = TestApp::spawn().await;
    let (status, _) = app.get("/v1/feeds", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        app.req(Method::GET, "/v1/feeds", None)
            .header("X-API-Key", KEY_A),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        app.req(Method::GET, "/v1/feeds", None)
            .header("Authorization", format!("bearer {KEY_A}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn error_json_has_code_and_both_messages() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/v1/feeds/units?limit=5000", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request", Some("limit"));
    let e = &body["error"];
    assert!(e["message"].as_str().unwrap().contains("muss"), "{body}");
    assert!(e["message_en"].as_str().unwrap().contains("must"), "{body}");

    // No field on errors that have none.
    let (_, body) = app.get("/v1/feeds", None).await;
    assert!(body["error"].get("field").is_none(), "{body}");

    // Unknown paths are JSON too.
    let (status, body) = app.get("/v2/feeds", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", None);
    app.stop().await;
}

#[tokio::test]
async fn health_needs_no_key() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
    app.stop().await;
}

#[tokio::test]
async fn openapi_json_parses_and_lists_the_paths() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get("/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/feeds",
        "/v1/feeds/{feed}",
        "/v1/feeds/{feed}/ack",
        "/v1/records/{feed}/{id}",
        "/v1/runs",
        "/v1/runs/last",
        "/v1/runs/{id}",
        "/health",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing in {:?}",
            paths.keys()
        );
    }
    assert!(paths["/v1/feeds/{feed}/ack"].get("post").is_some());
    // GEN-6: starting a run by hand, with its answers.
    let start = &paths["/v1/runs"]["post"];
    for status in ["202", "401", "409", "422", "503"] {
        assert!(start["responses"].get(status).is_some(), "{status}");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["in"], "header");
    assert_eq!(schemes["api_key"]["name"], "X-API-Key");
    assert!(
        doc["security"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.get("bearer").is_some())
    );
    // Health is open.
    assert_eq!(paths["/health"]["get"]["security"], serde_json::json!([{}]));
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in [
        "FeedPage",
        "FeedItemOut",
        "ErrorBody",
        "RecordStatusOut",
        "RunDetail",
        "StartRun",
        "RunStarted",
        "LastRun",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    let page_params: Vec<&str> = paths["/v1/feeds/{feed}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(page_params, ["feed", "after", "limit"]);
    // Operation IDs are unique (client generators name methods after them).
    let mut ops: Vec<&str> = paths
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let n = ops.len();
    ops.sort_unstable();
    ops.dedup();
    assert_eq!(ops.len(), n, "{ops:?}");
    app.stop().await;
}

/// The request span carries method, matched route and connection; keys never reach the log.
#[tokio::test]
async fn request_log_has_route_and_no_key() {
    let app = TestApp::spawn().await;
    app.get_ok("/v1/feeds/units?limit=2", KEY_A).await;
    app.get("/v1/feeds", Some("secret-wrong-key")).await;
    send(
        app.req(Method::GET, "/v1/runs", None)
            .header("X-API-Key", "other-secret"),
    )
    .await;
    app.stop().await;

    // The log of every test so far, this one's included.
    let log = captured_log();
    assert!(
        log.contains(r#"request{method=GET route="/v1/feeds/{feed}""#),
        "{log}"
    );
    assert!(log.contains(r#"connection="immomio-prod""#), "{log}");
    assert!(log.contains("status=401"), "{log}");
    for secret in [
        KEY_A,
        KEY_B,
        "secret-wrong-key",
        "other-secret",
        "wrong-key",
    ] {
        assert!(!log.contains(secret), "key {secret} in log:\n{log}");
    }
    assert!(!log.to_lowercase().contains("authorization"), "{log}");
}

/// An internal error is logged with its cause and answered without details.
#[tokio::test]
async fn internal_errors_hide_their_cause() {
    let app = TestApp::spawn().await;
    app.store
        .upsert_connection(&Connection {
            name: "kaputt".to_owned(),
            profile: "bogus-profile".to_owned(),
            api_key_hash: immohub_api::hash_api_key("key-kaputt"),
            clients: vec!["3".to_owned()],
            config: serde_json::json!({}),
        })
        .await
        .unwrap();
    let (status, body) = app.get("/v1/feeds", Some("key-kaputt")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_error(&body, "internal", None);
    assert!(!body.to_string().contains("bogus-profile"), "{body}");
    app.stop().await;
    assert!(captured_log().contains("bogus-profile"), "cause not logged");
}
