//! `POST /v1/prospects`, `GET /v1/prospects/{id}`, `GET /v1/prospects` (PRO-1, PRO-2, GEN-3,
//! GEN-11).

use chrono::Duration;
use immohub_domain::profile::FeedKind;
use immohub_store::{
    Connection, Counts, InboxDone, InboxKind, InboxResult, InboxStore, NewRun, Outcome,
    RecordStatus, ShareStore, Store,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{KEY_A, TestApp, assert_error, at, send};

/// A connection that sends prospects: technical user `IMMOMIO`, client 1, separator `/`.
const KEY_IN: &str = "key-in-0c41d2";
const CONN_IN: &str = "immomio-in";
/// Another one, to check that keys see only their own prospects.
const KEY_OTHER: &str = "key-other-77ab10";

async fn app() -> TestApp {
    let app = TestApp::spawn().await;
    for (name, key) in [(CONN_IN, KEY_IN), ("andere", KEY_OTHER)] {
        app.store
            .upsert_connection(&Connection {
                name: name.to_owned(),
                profile: "immomio".to_owned(),
                api_key_hash: immohub_api::hash_api_key(key),
                clients: vec!["1".to_owned()],
                config: json!({ "separator": "/", "technical_user": "IMMOMIO" }),
            })
            .await
            .unwrap();
    }
    app
}

fn prospect() -> Value {
    json!({
        "unit_id": "1/1/1/3",
        "salutation": "Frau",
        "first_name": "Erika",
        "surname": "Mustermann",
        "birth_date": "1985-02-28",
        "email": "erika@example.org",
        "address": {"street": "Elbchaussee", "house_no": "12a", "postal_code": "22763",
                    "city": "Hamburg"},
        "message": "Ich interessiere mich für die Wohnung.",
    })
}

async fn post(
    app: &TestApp,
    key: Option<&str>,
    idem: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut r = app
        .req(Method::POST, "/v1/prospects", key)
        .body(body.to_string())
        .header("Content-Type", "application/json");
    if let Some(i) = idem {
        r = r.header("Idempotency-Key", i);
    }
    send(r).await
}

#[tokio::test]
async fn pro_2_same_prospect_twice_is_one_prospect() {
    let app = app().await;
    let resp = app
        .req(Method::POST, "/v1/prospects", Some(KEY_IN))
        .header("Idempotency-Key", "8d5e-0001")
        .json(&prospect())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = resp.json().await.unwrap();
    let id = first["id"].as_i64().unwrap();
    assert_eq!(location, format!("/v1/prospects/{id}"));
    assert_eq!(first["status"], "received");
    assert_eq!(first["status_label"], "empfangen");
    assert_eq!(first["idempotency_key"], "8d5e-0001");
    assert!(first["erp_id"].is_null());
    assert_eq!(first["prospect"]["surname"], "Mustermann");
    assert_eq!(first["prospect"]["address"]["country"], "DE");

    // Committed before the answer: it is in the store.
    let stored = app.store.inbox_item(CONN_IN, id).await.unwrap().unwrap();
    assert_eq!(stored.idempotency_key, "8d5e-0001");

    // The same again (also spelled differently: key order, white space): the same prospect.
    let (status, again) = post(&app, Some(KEY_IN), Some("8d5e-0001"), &prospect()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id);
    let mut respelled = prospect();
    respelled["surname"] = json!("  Mustermann ");
    respelled["address"]["country"] = json!("de");
    let (status, again) = post(&app, Some(KEY_IN), Some("8d5e-0001"), &respelled).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id);

    let list = app.get_ok("/v1/prospects", KEY_IN).await;
    assert_eq!(list["prospects"].as_array().unwrap().len(), 1, "{list}");
    let got = app.get_ok(&format!("/v1/prospects/{id}"), KEY_IN).await;
    assert_eq!(got["id"], id);
    app.stop().await;
}

#[tokio::test]
async fn pro_2_same_key_with_another_body_is_409() {
    let app = app().await;
    let (status, first) = post(&app, Some(KEY_IN), Some("k-409"), &prospect()).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut other = prospect();
    other["message"] = json!("Eine andere Nachricht");
    let (status, body) = post(&app, Some(KEY_IN), Some("k-409"), &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "conflict", None);
    assert!(body["error"]["message"].as_str().unwrap().contains("k-409"));
    // The stored prospect is unchanged.
    let got = app
        .get_ok(&format!("/v1/prospects/{}", first["id"]), KEY_IN)
        .await;
    assert_eq!(got["prospect"]["message"], prospect()["message"]);
    // Another connection may use the same key for its own prospect.
    let (status, _) = post(&app, Some(KEY_OTHER), Some("k-409"), &other).await;
    assert_eq!(status, StatusCode::CREATED);
    app.stop().await;
}

#[tokio::test]
async fn pro_1_validation_names_the_field_422() {
    let app = app().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"email": "erika@web,de"}), "email", "E-Mail"),
        (json!({"unit_id": "1.1.1.3"}), "unit_id", "vier Teilen"),
        (json!({"unit_id": "2/1/1/3"}), "unit_id", "GEN-2"),
        (json!({"surname": null}), "surname", "Pflichtfeld"),
        (
            json!({"birth_date": "28.02.1985"}),
            "birth_date",
            "JJJJ-MM-TT",
        ),
        (
            json!({"address": {"street": "S", "postal_code": "1067", "city": "Dresden"}}),
            "address.postal_code",
            "Postleitzahl",
        ),
        (json!({"hobby": "Segeln"}), "hobby", "unbekanntes Feld"),
    ];
    for (change, field, de) in cases {
        let mut body = prospect();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, err) = post(&app, Some(KEY_IN), Some("k-422"), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {err}");
        assert_error(&err, "unprocessable", Some(field));
        assert!(
            err["error"]["message"].as_str().unwrap().contains(de),
            "{err}"
        );
    }
    // Several problems at once: the first field, and every one in the message.
    let (status, err) = post(
        &app,
        Some(KEY_IN),
        Some("k-422"),
        &json!({"unit_id": "1/1/1/3", "email": "x", "phone": "1"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["field"], "surname");
    let msg = err["error"]["message_en"].as_str().unwrap();
    assert!(
        msg.contains("\"email\"") && msg.contains("\"phone\""),
        "{msg}"
    );
    // Nothing invalid was stored.
    let list = app.get_ok("/v1/prospects", KEY_IN).await;
    assert!(list["prospects"].as_array().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn pro_2_idempotency_key_and_json_body_are_required() {
    let app = app().await;
    let (status, err) = post(&app, Some(KEY_IN), None, &prospect()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&err, "bad_request", Some("Idempotency-Key"));
    let long = "x".repeat(129);
    for bad in ["   ", long.as_str(), "mit leerzeichen"] {
        let (status, err) = post(&app, Some(KEY_IN), Some(bad), &prospect()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_error(&err, "bad_request", Some("Idempotency-Key"));
    }
    let (status, err) = send(
        app.req(Method::POST, "/v1/prospects", Some(KEY_IN))
            .header("Idempotency-Key", "k")
            .body("{\"surname\": "),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&err, "bad_request", Some("body"));
    let (status, _) = post(&app, None, Some("k"), &prospect()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// GEN-3: a connection without technical ERP user accepts no prospects.
#[tokio::test]
async fn gen_3_connection_without_technical_user_accepts_no_prospects() {
    let app = app().await;
    let (status, err) = post(&app, Some(KEY_A), Some("k-1"), &prospect()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    assert_error(&err, "not_found", None);
    assert!(err["error"]["message"].as_str().unwrap().contains("GEN-3"));
    app.stop().await;
}

#[tokio::test]
async fn pro_2_a_key_sees_only_its_own_prospects_and_their_erp_status() {
    let app = app().await;
    let (_, mine) = post(&app, Some(KEY_IN), Some("k-1"), &prospect()).await;
    let id = mine["id"].as_i64().unwrap();
    let (status, err) = app
        .get(&format!("/v1/prospects/{id}"), Some(KEY_OTHER))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&err, "not_found", None);
    let theirs = app.get_ok("/v1/prospects", KEY_OTHER).await;
    assert!(theirs["prospects"].as_array().unwrap().is_empty());
    let (status, err) = app.get("/v1/prospects/abc", Some(KEY_IN)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&err, "bad_request", Some("id"));
    let (status, _) = app.get("/v1/prospects/999999", Some(KEY_IN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Written into the ERP (as the write-back worker does it): the status shows the ERP id.
    let now = at("2024-06-01T10:00:00Z");
    let run_id = app
        .store
        .start_run(&NewRun {
            use_case: "interessenten".to_owned(),
            connection: CONN_IN.to_owned(),
            direction: "partner_to_erp".to_owned(),
            trigger: "manual".to_owned(),
            started_at: now,
        })
        .await
        .unwrap();
    let claimed = app
        .store
        .claim_inbox(
            InboxKind::Prospect,
            Some(CONN_IN),
            "w",
            10,
            Duration::minutes(5),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let written = app
        .store
        .finish_inbox(&InboxDone {
            id,
            holder: "w".to_owned(),
            run_id,
            result: InboxResult::Written {
                erp_id: "4711".to_owned(),
            },
            at: now,
            outcome: Outcome {
                run_id,
                connection: CONN_IN.to_owned(),
                feed: FeedKind::Prospect,
                erp_key: "immomio-in:k-1".to_owned(),
                partner_id: Some("k-1".to_owned()),
                status: RecordStatus::Sent,
                reason: None,
                rule: None,
                at: now,
            },
            counts: Counts::default(),
            notify: Vec::new(),
        })
        .await
        .unwrap();
    assert!(written);
    let got = app.get_ok(&format!("/v1/prospects/{id}"), KEY_IN).await;
    assert_eq!(got["status"], "written");
    assert_eq!(got["erp_id"], "4711");
    assert_eq!(got["attempts"], 1);
    assert!(got["next_attempt_at"].is_null());
    let written = app.get_ok("/v1/prospects?status=written", KEY_IN).await;
    assert_eq!(written["prospects"].as_array().unwrap().len(), 1);
    let (status, err) = app.get("/v1/prospects?status=weg", Some(KEY_IN)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&err, "bad_request", Some("status"));
    app.stop().await;
}

#[tokio::test]
async fn pro_2_openapi_documents_the_prospect_endpoints() {
    let app = app().await;
    let (_, doc) = app.get("/openapi.json", None).await;
    let paths = doc["paths"].as_object().unwrap();
    let post = &paths["/v1/prospects"]["post"];
    for code in ["201", "200", "400", "401", "404", "409", "422"] {
        assert!(post["responses"].get(code).is_some(), "{code} missing");
    }
    assert!(
        post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
        "{post}"
    );
    assert!(paths["/v1/prospects/{id}"].get("get").is_some());
    assert!(paths["/v1/prospects"].get("get").is_some());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in ["ProspectIn", "ProspectOut", "AddressIn", "ProspectStatus"] {
        assert!(schemas.contains_key(s), "{s}");
    }
    let required: Vec<&str> = schemas["ProspectIn"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["unit_id", "surname"]);
    app.stop().await;
}

fn melon_event(id: &str, last_name: Option<&str>) -> Value {
    let mut applicant = json!({
        "salutation": "MRS", "firstName": "Erika", "birthDate": "1985-02-28",
        "email": "erika@example.org", "unknownField": {"nested": true},
        "address": {"street": "Elbchaussee", "houseNumber": "12a", "zipCode": "22763",
                    "city": "Hamburg", "countryCode": "DE"}
    });
    if let Some(l) = last_name {
        applicant["lastName"] = json!(l);
    }
    json!({"id": id, "type": "applicant.created", "created": "2026-11-28T09:12:00Z",
           "data": {"listing": {"externalId": "1/1/1/3"}, "applicant": applicant}})
}

#[tokio::test]
async fn pro_2_melon_hook_stores_applicants_once_and_names_the_senders_fields() {
    let app = app().await;
    let hook = |body: Value| {
        let r = app
            .req(Method::POST, "/v1/hooks/melon", Some(KEY_IN))
            .json(&body);
        send(r)
    };
    let (status, body) = hook(melon_event("evt_1", Some("Müller"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, again) = hook(melon_event("evt_1", Some("Müller"))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same event is the same prospect"
    );
    assert_eq!(again["id"].as_i64(), Some(id));
    let item = app.store.inbox_item(CONN_IN, id).await.unwrap().unwrap();
    assert_eq!(item.source, "melon");
    assert_eq!(item.payload["surname"], "Müller");
    assert_eq!(item.payload["salutation"], "Frau");
    assert_eq!(item.payload["address"]["postal_code"], "22763");

    let (status, body) = hook(melon_event("evt_2", None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "unprocessable", Some("data.applicant.lastName"));

    let (status, body) = hook(json!({"id": "evt_3", "type": "listing.viewed"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["ignored"], true);

    let mut no_id = melon_event("", Some("Müller"));
    no_id.as_object_mut().unwrap().remove("id");
    let (status, body) = hook(no_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "bad_request", Some("id"));
}

#[tokio::test]
async fn pro_3_review_list_api_for_staff_only() {
    let app = app().await;
    let staff_key = "staff-key-5f1e";
    app.store
        .create_staff(
            "anna",
            None,
            &immohub_api::hash_staff_key(staff_key),
            at("2026-11-28T08:00:00Z"),
        )
        .await
        .unwrap();
    let (status, body) = post(&app, Some(KEY_IN), Some("twin-1"), &prospect()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    // The write-back found it uncertain.
    let run_id = app
        .store
        .start_run(&NewRun {
            use_case: "interessenten".to_owned(),
            connection: CONN_IN.to_owned(),
            direction: "partner_to_erp".to_owned(),
            trigger: "manual".to_owned(),
            started_at: at("2026-11-28T09:00:00Z"),
        })
        .await
        .unwrap();
    let claimed = app
        .store
        .claim_inbox(
            InboxKind::Prospect,
            None,
            "w",
            10,
            Duration::minutes(5),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let now = chrono::Utc::now();
    assert!(
        app.store
            .finish_inbox(&InboxDone {
                id,
                holder: "w".to_owned(),
                run_id,
                result: InboxResult::Review(immohub_store::NewReview {
                    client_no: "1".to_owned(),
                    candidates: json!([{"person_id": "100007", "score": 0.78, "reasons": []}]),
                    summary: "Dublettenprüfung unsicher".to_owned(),
                }),
                at: now,
                outcome: Outcome {
                    run_id,
                    connection: CONN_IN.to_owned(),
                    feed: FeedKind::Prospect,
                    erp_key: format!("{CONN_IN}:twin-1"),
                    partner_id: Some("twin-1".to_owned()),
                    status: RecordStatus::Skipped,
                    reason: None,
                    rule: Some("PRO-3".to_owned()),
                    at: now,
                },
                counts: Counts::default(),
                notify: Vec::new(),
            })
            .await
            .unwrap()
    );
    // Partners see the status, not the list.
    let (_, body) = app.get(&format!("/v1/prospects/{id}"), Some(KEY_IN)).await;
    assert_eq!(body["status"], "review");
    let (status, _) = app.get("/staff/v1/reviews", Some(KEY_IN)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "partner keys do not work here"
    );
    let (status, _) = app.get("/staff/v1/reviews", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, body) = app.get("/staff/v1/reviews", Some(staff_key)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reviews = body["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["id"].as_i64(), Some(id));
    assert_eq!(reviews[0]["status"], "open");
    assert_eq!(reviews[0]["prospect"]["surname"], "Mustermann");

    let decide = |body: Value| {
        send(
            app.req(
                Method::POST,
                &format!("/staff/v1/reviews/{id}"),
                Some(staff_key),
            )
            .json(&body),
        )
    };
    let (status, body) = decide(json!({"decision": "link"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "unprocessable", Some("person_no"));
    let (status, body) = decide(json!({"decision": "link", "person_no": "100007"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "link");
    assert_eq!(body["decided_by"], "anna");
    let (status, _) = decide(json!({"decision": "new"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, body) = app.get(&format!("/v1/prospects/{id}"), Some(KEY_IN)).await;
    assert_eq!(body["status"], "received", "due again");
}
