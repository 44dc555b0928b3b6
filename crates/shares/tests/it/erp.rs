//! SHR-7, SHR-10: tracking handed to the ERP as activities, idempotently.

use std::sync::Arc;

use immohub_erp::ErpSink;
use immohub_erp::activities::ActivityRow;
use immohub_shares::SharesConfig;
use serde_json::json;
use sqlx::Connection;

use crate::support::start_with;

async fn erp_db(dir: &std::path::Path) -> String {
    let path = dir.join("erp.db");
    let url = format!("sqlite:{}?mode=rwc", path.display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(immohub_erp::demo::DEMO_INTERFACE_SQL)
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    format!("sqlite:{}", path.display())
}

async fn rows(url: &str) -> Vec<(String, String, Option<String>, String)> {
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let r = sqlx::query_as(
        "SELECT external_ref, activity_type, file_name, technical_user \
         FROM immohub_in_activities ORDER BY id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    r
}

#[tokio::test]
async fn shr_7_shr_10_events_become_erp_activities_once() {
    let erp_dir = tempfile::tempdir().unwrap();
    let url = erp_db(erp_dir.path()).await;
    let sink = Arc::new(ErpSink::connect(&url).await.unwrap());
    let env = start_with(SharesConfig::default(), {
        let sink = Arc::clone(&sink);
        move |s| s.with_erp(sink)
    })
    .await;
    let (_, room) = env
        .staff_post(
            "/staff/v1/rooms",
            json!({"object_kind": "unit", "object_id": "1.400.1.1", "title": "Whg. 7",
                   "first_access_activity": true}),
        )
        .await;
    let room = room["id"].as_i64().unwrap();
    let file = env.file(room, None, "Grundriss.pdf", b"g".to_vec()).await;
    let (_, token) = env.recipient(room, "a@example.de").await;
    env.get(&format!("/r/{token}")).await;
    env.get(&format!("/r/{token}/files/{file}/download")).await;

    let (status, push) = env.staff_post("/staff/v1/activities/push", json!({})).await;
    assert_eq!(status, 200, "{push}");
    assert_eq!(
        (push["events"].as_u64(), push["written"].as_u64()),
        (Some(3), Some(3))
    );
    let r = rows(&url).await;
    let types: Vec<&str> = r.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(
        types,
        [
            "immocloud_first_access",
            "immocloud_open",
            "immocloud_download"
        ]
    );
    assert_eq!(r[2].2.as_deref(), Some("Grundriss.pdf"));
    assert!(r.iter().all(|x| x.3 == "IMMOHUB"));

    // Nothing new: nothing pushed. A repeated write of the same event: no second row.
    let (_, again) = env.staff_post("/staff/v1/activities/push", json!({})).await;
    assert_eq!(again["events"], 0);
    let w = sink
        .write_activity(&ActivityRow {
            external_ref: r[0].0.clone(),
            technical_user: immohub_domain::prospect::TechnicalUser::new("IMMOHUB").unwrap(),
            activity_type: "immocloud_first_access".to_owned(),
            occurred_at: chrono::Utc::now(),
            object_kind: "unit".to_owned(),
            object_id: "1.400.1.1".to_owned(),
            room_title: "Whg. 7".to_owned(),
            recipient_kind: "address".to_owned(),
            recipient_ref: None,
            recipient_name: "x".to_owned(),
            recipient_email: None,
            file_name: None,
            description: "x".to_owned(),
        })
        .await
        .unwrap();
    assert!(!w.inserted);
    assert_eq!(rows(&url).await.len(), 3);
    let _ = &env.shares;
}
