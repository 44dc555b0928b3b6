//! Webhook endpoints and dead letters over HTTP (GEN-12): registration shows the secret once,
//! each connection sees only its own endpoints, bad input names the field.

use immohub_store::{DeadLetterFilter, OutboxStore};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{CONN_A, KEY_A, KEY_B, TestApp, assert_error, send};

#[tokio::test]
async fn gen_12_register_list_rotate_delete() {
    let app = TestApp::spawn().await;
    let (status, created) = send(
        app.req(Method::POST, "/v1/webhooks", Some(KEY_A))
            .json(&json!({"url": "https://partner.example/hooks", "feeds": ["units"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["feeds"], json!(["units"]));
    assert_eq!(created["delivered_seq"], 0, "from the beginning by default");

    // Listed without the secret; B sees none of A's endpoints.
    let list = app.get_ok("/v1/webhooks", KEY_A).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));
    let list_b = app.get_ok("/v1/webhooks", KEY_B).await;
    assert_eq!(list_b["items"], json!([]));
    let (status, body) = app.get(&format!("/v1/webhooks/{id}"), Some(KEY_B)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", None);
    let (status, _) =
        send(app.req(Method::DELETE, &format!("/v1/webhooks/{id}"), Some(KEY_B))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Rotation: a new secret, the old one valid during the overlap.
    let (status, rotated) = send(
        app.req(
            Method::POST,
            &format!("/v1/webhooks/{id}/rotate-secret"),
            Some(KEY_A),
        )
        .json(&json!({"overlap_hours": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["secret"].as_str().unwrap(), secret);
    let detail = app.get_ok(&format!("/v1/webhooks/{id}"), KEY_A).await;
    assert_eq!(
        detail["previous_secret_until"],
        rotated["previous_valid_until"]
    );
    let (status, body) = send(
        app.req(
            Method::POST,
            &format!("/v1/webhooks/{id}/rotate-secret"),
            Some(KEY_A),
        )
        .json(&json!({"overlap_hours": 1000})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request", Some("overlap_hours"));

    let (status, _) =
        send(app.req(Method::DELETE, &format!("/v1/webhooks/{id}"), Some(KEY_A))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get_ok("/v1/webhooks", KEY_A).await["items"], json!([]));
}

#[tokio::test]
async fn gen_12_bad_registrations_name_the_field() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"url": "ftp://partner.example/x"}), "url"),
        (json!({"url": "https://user:pw@partner.example/x"}), "url"),
        (
            json!({"url": "https://partner.example", "feeds": ["kittens"]}),
            "feeds",
        ),
        (
            json!({"url": "https://partner.example", "start": "yesterday"}),
            "start",
        ),
        (json!({"link": "https://partner.example"}), "body"),
    ] {
        let (status, answer) = send(
            app.req(Method::POST, "/v1/webhooks", Some(KEY_A))
                .json(&body),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
        assert_error(&answer, "bad_request", Some(field));
    }
    let (status, _) = send(
        app.req(Method::POST, "/v1/webhooks", None)
            .json(&json!({"url": "https://partner.example"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn gen_12_dead_letters_are_listed_per_connection_and_retryable() {
    let app = TestApp::spawn().await;
    let (_, created) = send(
        app.req(Method::POST, "/v1/webhooks", Some(KEY_A))
            .json(&json!({"url": "https://partner.example/hooks"})),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    // A delivery session gives up on the first unit (as the worker does after a refusal).
    let claim = app
        .store
        .claim_endpoints("t", chrono::Utc::now(), chrono::Duration::seconds(30), 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let item = app
        .store
        .outbox_items(&claim.endpoint, 0, 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let run = app.runs.a1;
    app.store
        .commit_delivery(&immohub_store::DeliveryProgress {
            endpoint_id: id,
            holder: "t".into(),
            token: claim.token,
            cursor: item.item.seq,
            attempts: 0,
            next_attempt_at: chrono::Utc::now(),
            last_error: None,
            dead: vec![immohub_store::NewDeadLetter {
                seq: item.item.seq,
                feed: item.item.feed,
                erp_key: item.erp_key.clone(),
                partner_id: item.item.partner_id.clone(),
                version: item.item.version,
                message_id: "m".into(),
                attempts: 1,
                last_status: Some(422),
                error: "vom Partner abgelehnt (HTTP 422): plz fehlt".into(),
            }],
            resolved: vec![],
            run_id: run,
            lines: vec![],
            disable: None,
        })
        .await
        .unwrap();
    let list = app.get_ok("/v1/dead-letters", KEY_A).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["last_status"], 422);
    assert_eq!(items[0]["status"], "open");
    assert_eq!(items[0]["record_id"], item.item.partner_id.as_str());
    assert_eq!(
        app.get_ok("/v1/dead-letters", KEY_B).await["items"],
        json!([])
    );
    let dl = items[0]["id"].as_i64().unwrap();
    let (status, _) = send(app.req(
        Method::POST,
        &format!("/v1/dead-letters/{dl}/retry"),
        Some(KEY_B),
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "B cannot retry A's dead letter"
    );
    let (status, _) = send(app.req(
        Method::POST,
        &format!("/v1/dead-letters/{dl}/retry"),
        Some(KEY_A),
    ))
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let queued = app
        .store
        .dead_letters(&DeadLetterFilter {
            connection: Some(CONN_A.into()),
            ..DeadLetterFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(queued[0].status, immohub_store::DeadLetterStatus::Queued);
    let (status, body) = app.get("/v1/dead-letters?status=lost", Some(KEY_A)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request", Some("status"));
}
