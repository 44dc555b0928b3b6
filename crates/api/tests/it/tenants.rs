//! `POST /v1/tenants` (multipart), `GET /v1/tenants/{id}` (TEN-1, TEN-2, GEN-3, GEN-11).

use immohub_store::{Connection, InboxStore, Store};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{DOSSIER_MAX_BYTES, TestApp};

const KEY_IN: &str = "key-tenants-5e1f";
const CONN_IN: &str = "immomio-in";
const KEY_NO_USER: &str = "key-no-user-9c2a";

async fn app() -> TestApp {
    let app = TestApp::spawn().await;
    for (name, key, config) in [
        (
            CONN_IN,
            KEY_IN,
            json!({ "separator": "/", "technical_user": "IMMOMIO" }),
        ),
        ("ohne-benutzer", KEY_NO_USER, json!({ "separator": "/" })),
    ] {
        app.store
            .upsert_connection(&Connection {
                name: name.to_owned(),
                profile: "immomio".to_owned(),
                api_key_hash: immohub_api::hash_api_key(key),
                clients: vec!["1".to_owned()],
                config,
            })
            .await
            .unwrap();
    }
    app
}

fn tenant() -> Value {
    json!({
        "unit_id": "1/1/1/3",
        "main_tenant": {"salutation": "Frau", "first_name": "Jördis", "surname": "Weiß",
                        "email": "joerdis@example.org", "birth_date": "1984-07-01"},
        "household": [{"first_name": "Lena", "surname": "Weiß", "relation": "Kind"}],
        "move_in": "2027-01-01",
    })
}

/// A multipart body by hand: part `tenant`, then (part name, file name, content).
fn multipart(json: &Value, files: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(n, f, c)| (*n, *f, &c[..])).collect();
    immohub_testkit::multipart_body("tenant", json, &files)
}

async fn post(
    app: &TestApp,
    key: &str,
    idem: Option<&str>,
    json: &Value,
    files: &[(&str, &str, Vec<u8>)],
) -> (StatusCode, Value) {
    let (ct, body) = multipart(json, files);
    let mut r = app
        .req(Method::POST, "/v1/tenants", Some(key))
        .header("content-type", ct)
        .body(body);
    if let Some(k) = idem {
        r = r.header("idempotency-key", k);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn dossier() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("income_proof", "Gehalt.pdf", b"%PDF-1.4 Gehalt".to_vec()),
        ("credit_report", "../../schufa.pdf", vec![42u8; 20_000]),
    ]
}

#[tokio::test]
async fn ten_1_ten_2_tenant_with_dossier_is_accepted_once() {
    let app = app().await;
    let (status, body) = post(&app, KEY_IN, Some("t-1"), &tenant(), &dossier()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let t = &body["tenant"];
    assert_eq!(t["main_tenant"]["surname"], "Weiß");
    assert_eq!(t["household"][0]["first_name"], "Lena", "TEN-2");
    let docs = t["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[1]["file_name"], "schufa.pdf",
        "no path from the sender"
    );
    assert_eq!(
        docs[1]["sha256"],
        hex::encode(Sha256::digest(vec![42u8; 20_000]))
    );
    // The files are stored where the write-back looks for them.
    let dir = app
        ._dir
        .path()
        .join("dossiers")
        .join(immohub_domain::tenant::dossier_dir_name(CONN_IN, "t-1"));
    let stored = std::fs::read(dir.join(docs[1]["stored_name"].as_str().unwrap())).unwrap();
    assert_eq!(stored.len(), 20_000);

    // The same again: the same item (GEN-11).
    let (status, again) = post(&app, KEY_IN, Some("t-1"), &tenant(), &dossier()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], body["id"]);
    // Other documents under the same key: refused.
    let mut other = dossier();
    other[0].2 = b"%PDF-1.4 anders".to_vec();
    let (status, err) = post(&app, KEY_IN, Some("t-1"), &tenant(), &other).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");

    let id = body["id"].as_i64().unwrap();
    let r = app
        .req(Method::GET, &format!("/v1/tenants/{id}"), Some(KEY_IN))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got["status"], "received");
    let items = app
        .store
        .inbox_items(CONN_IN, immohub_store::InboxKind::Tenant, None, 10)
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
}

#[tokio::test]
async fn ten_1_bad_deliveries_name_the_part_and_keep_nothing() {
    let app = app().await;
    // A file over the limit: 413 naming the part.
    let big = vec![(
        "credit_report",
        "gross.pdf",
        vec![0u8; DOSSIER_MAX_BYTES as usize + 1],
    )];
    let (status, err) = post(&app, KEY_IN, Some("t-2"), &tenant(), &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{err}");
    assert_eq!(err["error"]["field"], "credit_report");
    // An unknown part.
    let odd = vec![("selfie", "x.jpg", b"x".to_vec())];
    let (status, err) = post(&app, KEY_IN, Some("t-3"), &tenant(), &odd).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "selfie");
    // The main tenant's fields are named as sent.
    let mut bad = tenant();
    bad["main_tenant"]["surname"] = json!("");
    let (status, err) = post(&app, KEY_IN, Some("t-4"), &bad, &dossier()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "main_tenant.surname");
    // No idempotency key.
    let (status, err) = post(&app, KEY_IN, None, &tenant(), &dossier()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    // GEN-3: a connection without technical user accepts no tenants.
    let (status, _) = post(&app, KEY_NO_USER, Some("t-5"), &tenant(), &dossier()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing was kept: no item, no files (the staging directory is empty).
    let items = app
        .store
        .inbox_items(CONN_IN, immohub_store::InboxKind::Tenant, None, 10)
        .await
        .unwrap();
    assert!(items.is_empty(), "{items:?}");
    let staging = app._dir.path().join("dossiers").join(".staging");
    let left = std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0);
}
