//! The tenant write-back (TEN-1..TEN-3) against the demo ERP: the main tenant and the dossier
//! reach the ERP, immohub's copy goes, and every subscribed staff member gets exactly one
//! e-mail, also when the run is repeated.

use std::sync::Mutex;

use futures::future::BoxFuture;
use immohub_domain::tenant::{AcceptedTenant, DocumentKind, DossierDocument, dossier_dir_name};
use immohub_engine::tenants::{
    ErpTenantTarget, SendMail, TenantContext, run_mieter, send_notifications,
};
use immohub_engine::{Clock, WritebackOptions};
use immohub_store::{
    InboxKind, InboxStatus, InboxStore, NewInboxItem, NotificationStatus, NotificationStore,
    ShareStore,
};
use serde_json::json;
use sqlx::Connection;

use crate::writeback::env;

/// Records what would go to the SMTP server (the SMTP transport itself is tested against a
/// real server in `immohub-shares`); fails the first `fail` sends.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<(String, String, String)>>,
    fail: Mutex<u32>,
}

impl SendMail for Outbox {
    fn send<'a>(
        &'a self,
        to: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut fail = self.fail.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return Err("SMTP 451: später erneut".to_owned());
            }
            self.sent
                .lock()
                .unwrap()
                .push((to.to_owned(), subject.to_owned(), body.to_owned()));
            Ok(())
        })
    }
}

#[tokio::test]
async fn ten_1_ten_2_ten_3_tenant_reaches_the_erp_and_staff_get_one_mail() {
    let env = env().await;
    let dossiers = env._dir.path().join("dossiers");
    let erp_dossiers = env._dir.path().join("erp-dossiers");
    let key = "mieter-1";
    let dir = dossiers.join(dossier_dir_name(&env.partner.name, key));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("01-lohn.pdf"), b"%PDF lohn").unwrap();
    let tenant = AcceptedTenant::from_json(
        &json!({
            "unit_id": env.units[0],
            "main_tenant": {"first_name": "Jördis", "surname": "Weiß", "email": "j@example.org"},
            "household": [{"first_name": "Lena", "surname": "Weiß"}],
        }),
        immohub_domain::Separator::Dot,
        &env.partner.clients,
        env.clock.today_berlin(),
        vec![DossierDocument {
            kind: DocumentKind::IncomeProof,
            file_name: "lohn.pdf".into(),
            stored_name: "01-lohn.pdf".into(),
            content_type: None,
            size: 9,
            sha256: "x".into(),
        }],
    )
    .unwrap();
    let item = env
        .store
        .insert_inbox(&NewInboxItem {
            connection: env.partner.name.clone(),
            kind: InboxKind::Tenant,
            idempotency_key: key.to_owned(),
            source: "api".to_owned(),
            payload: serde_json::to_value(&tenant).unwrap(),
            payload_hash: tenant.content_hash(),
            received_at: env.clock.now(),
        })
        .await
        .unwrap()
        .into_item();
    // Two subscribers (one for all partners, one for this partner), one without subscription.
    for (name, mail) in [
        ("anna", "anna@wbg.example"),
        ("ben", "ben@wbg.example"),
        ("cem", "cem@wbg.example"),
    ] {
        env.store
            .create_staff(name, Some(mail), &format!("hash-{name}"), env.clock.now())
            .await
            .unwrap();
    }
    env.store
        .subscribe("anna", "tenants", None, env.clock.now())
        .await
        .unwrap();
    env.store
        .subscribe("ben", "tenants", Some(&env.partner.name), env.clock.now())
        .await
        .unwrap();

    let target = ErpTenantTarget {
        sink: &env.sink,
        dossier_dir: erp_dossiers.clone(),
    };
    let opts = WritebackOptions::default();
    let cx = TenantContext {
        store: &env.store,
        erp: &target,
        dups: None,
        partner: &env.partner,
        clock: &env.clock,
        opts: &opts,
        dossiers: &dossiers,
    };
    let s = run_mieter(&cx).await.unwrap();
    assert_eq!((s.counts.read, s.counts.sent), (1, 1), "{:?}", s.errors);
    let done = env
        .store
        .inbox_item(&env.partner.name, item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, InboxStatus::Written);
    assert!(!dir.exists(), "immohub's copy of the dossier is removed");

    // TEN-2: one ERP row, the household in the dossier.
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", env.erp_path.display()))
        .await
        .unwrap();
    let (surname, count, household): (String, i64, String) =
        sqlx::query_as("SELECT surname, household_count, household FROM immohub_in_tenants")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!((surname.as_str(), count), ("Weiß", 1));
    assert!(household.contains("Lena"));
    let path: String = sqlx::query_scalar("SELECT path FROM immohub_in_tenant_documents")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(erp_dossiers.join(path)).unwrap(),
        b"%PDF lohn"
    );

    // TEN-3: a failed send is retried; each subscriber gets exactly one e-mail.
    let outbox = Outbox::default();
    *outbox.fail.lock().unwrap() = 1;
    let (sent, failed) = send_notifications(&env.store, &outbox, &env.clock)
        .await
        .unwrap();
    // One of the two claimed e-mails fails and waits; the other goes.
    assert_eq!((sent, failed), (1, 1));
    env.clock.advance(chrono::Duration::minutes(10));
    let (sent, failed) = send_notifications(&env.store, &outbox, &env.clock)
        .await
        .unwrap();
    assert_eq!((sent, failed), (1, 0));
    // A repeated run and send change nothing.
    run_mieter(&cx).await.unwrap();
    send_notifications(&env.store, &outbox, &env.clock)
        .await
        .unwrap();
    let sent = outbox.sent.lock().unwrap().clone();
    let mut to: Vec<&str> = sent.iter().map(|m| m.0.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["anna@wbg.example", "ben@wbg.example"]);
    assert!(sent[0].1.contains("Mieter ohne Vertrag"), "{}", sent[0].1);
    assert!(sent[0].2.contains("Jördis Weiß"));
    assert!(sent[0].2.contains("Lena Weiß"));
    let notes = env.store.notifications_of(item.id).await.unwrap();
    assert!(notes.iter().all(|n| n.status == NotificationStatus::Sent));
}
