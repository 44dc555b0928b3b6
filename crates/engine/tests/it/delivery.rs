//! Push delivery against a real HTTP partner (`immohub-testkit`) that verifies signatures with
//! its own HMAC code, applies every webhook-id once, and misbehaves on purpose.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use immohub_domain::profile::{FeedKind, PartnerProfile};
use immohub_domain::rules::UnitTypeMapping;
use immohub_domain::{ErpEntity, RawRecord, Separator};
use immohub_engine::delivery::{DeliveryConfig, DeliveryWorker};
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{
    Clock, FixedClock, MemoryVault, PartnerConfig, SyncOptions, SystemClock, sync_stammdaten,
    webhooks,
};
use immohub_store::{
    DeadLetterFilter, DeadLetterStatus, NewEndpoint, RecordStatus, RunFilter, SqlStore, Store,
};
use immohub_testkit::{Fault, FaultMix, FaultyPartner};
use immohub_transport::backoff::Backoff;
use secrecy::ExposeSecret;

use crate::memory_erp::MemoryErp;

struct Env {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    erp: MemoryErp,
    vault: Arc<MemoryVault>,
    partner: FaultyPartner,
}

fn unit(no: u32, floor: &str) -> RawRecord {
    RawRecord::new()
        .with("client_no", Some("1"))
        .with("property_no", Some("100"))
        .with("building_no", Some("1"))
        .with("unit_no", Some(&no.to_string()))
        .with("usage_type", Some("WOHNUNG"))
        .with("floor_text", Some(floor))
        .with("rooms", Some("3"))
}

fn config() -> PartnerConfig {
    PartnerConfig {
        name: "p".to_owned(),
        profile: PartnerProfile::Generic,
        separator: Separator::Dot,
        clients: vec!["1".to_owned()],
        unit_types: UnitTypeMapping::default(),
        technical_user: None,
    }
}

async fn env(units: u32) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store: SqlStore =
        immohub_store::open(&format!("sqlite:{}", dir.path().join("hub.db").display()))
            .await
            .unwrap();
    let erp = MemoryErp::default();
    erp.set(
        ErpEntity::Client,
        vec![
            RawRecord::new()
                .with("client_no", Some("1"))
                .with("name", Some("Genossenschaft")),
        ],
    );
    erp.set(
        ErpEntity::Unit,
        (1..=units).map(|u| unit(u, "1. OG")).collect(),
    );
    Env {
        _dir: dir,
        store: Arc::new(store),
        erp,
        vault: Arc::new(MemoryVault::default()),
        partner: FaultyPartner::start().await,
    }
}

impl Env {
    async fn sync(&self) {
        let opts = SyncOptions {
            full: true,
            overlap_seconds: 0,
            ..SyncOptions::default()
        };
        sync_stammdaten(
            self.store.as_ref(),
            &self.erp,
            &config(),
            &SystemClock,
            &opts,
            &NoProgress,
        )
        .await
        .unwrap();
    }

    async fn register(&self) -> i64 {
        let (ep, secret) = webhooks::register(
            &self.store,
            self.vault.as_ref(),
            &NewEndpoint {
                connection: "p".to_owned(),
                url: self.partner.url(),
                feeds: vec![],
                description: None,
                from_now: false,
            },
        )
        .await
        .unwrap();
        self.partner.set_secrets(&[secret.expose_secret()]);
        ep.id
    }

    fn worker(&self, cfg: DeliveryConfig, clock: Arc<dyn Clock>, holder: &str) -> DeliveryWorker {
        DeliveryWorker::new(
            Arc::clone(&self.store),
            self.vault.clone(),
            clock,
            cfg,
            holder.to_owned(),
        )
        .unwrap()
    }

    /// What the partner must hold after one clean run: every record the hub sent, at its
    /// version (deleted ones are held as deletes).
    async fn expected(&self) -> HashMap<(String, String), i64> {
        let mut out = HashMap::new();
        for feed in [FeedKind::Client, FeedKind::Unit] {
            for item in self.store.feed_page("p", feed, 0, 100_000).await.unwrap() {
                out.insert((feed.to_string(), item.partner_id.clone()), item.version);
            }
        }
        out
    }

    fn held(&self) -> HashMap<(String, String), i64> {
        self.partner
            .records()
            .into_iter()
            .map(|(k, h)| (k, h.version))
            .collect()
    }

    async fn head(&self) -> i64 {
        let mut head = 0;
        for feed in [FeedKind::Client, FeedKind::Unit] {
            head = head.max(self.store.feed_head("p", feed).await.unwrap());
        }
        head
    }
}

fn fast() -> DeliveryConfig {
    DeliveryConfig {
        window: 8,
        max_attempts: 1000,
        backoff: Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_millis(40),
        },
        timeout: Duration::from_millis(400),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(10),
        endpoints_per_pass: 4,
    }
}

/// Runs passes until the endpoint's cursor reaches the feed head (or a deadline passes).
async fn drain(e: &Env, w: &DeliveryWorker, id: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        w.pass().await.unwrap();
        let ep = e.store.endpoint(id).await.unwrap().unwrap();
        if ep.cursor >= e.head().await {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not drained: cursor {} head {} last error {:?}",
            ep.cursor,
            e.head().await,
            ep.last_error
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn gen_12_signed_deliveries_arrive_once_and_are_in_the_protocol() {
    let e = env(20).await;
    e.sync().await;
    let id = e.register().await;
    let w = e.worker(fast(), Arc::new(SystemClock), "a");
    drain(&e, &w, id).await;
    assert_eq!(e.held(), e.expected().await);
    assert_eq!(e.held().len(), 21, "1 client + 20 units");
    assert!(
        e.partner.problems().is_empty(),
        "{:?}",
        e.partner.problems()
    );
    assert_eq!(e.partner.repeated(), 0, "no faults, no repeats");
    // GEN-7: a delivery run with its counts; GEN-8: the record's history says delivered.
    let runs = e
        .store
        .runs(&RunFilter {
            use_case: Some("webhook".into()),
            ..RunFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.iter().map(|r| r.counts.sent).sum::<i64>(), 21);
    let unit_key = e
        .store
        .record_by_partner_id("p", FeedKind::Unit, "1.100.1.7")
        .await
        .unwrap()
        .unwrap()
        .erp_key;
    let history = e
        .store
        .outcomes("p", FeedKind::Unit, &unit_key, 10)
        .await
        .unwrap();
    assert_eq!(history[0].status, RecordStatus::Delivered, "{history:?}");
    assert_eq!(history[1].status, RecordStatus::Sent);
    // Nothing more to do: a further pass sends nothing.
    let before = e.partner.requests();
    assert!(!w.pass().await.unwrap().did_work());
    assert_eq!(e.partner.requests(), before);
}

#[tokio::test]
async fn gen_11_faulty_partner_every_record_takes_effect_exactly_once() {
    let e = env(60).await;
    e.sync().await;
    let id = e.register().await;
    e.partner.mix(FaultMix {
        seed: 7,
        percent: 45,
        faults: vec![
            Fault::Status(500),
            Fault::Status(503),
            Fault::TooMany {
                retry_after_secs: 0,
            },
            Fault::ApplyThenHang(Duration::from_millis(700)),
            Fault::ApplyThenTruncate,
            Fault::Drop,
            Fault::Slow(Duration::from_millis(30)),
        ],
    });
    let w = e.worker(fast(), Arc::new(SystemClock), "a");
    // Deliver part, then change and delete in the ERP while the partner keeps failing.
    for _ in 0..5 {
        w.pass().await.unwrap();
    }
    e.erp.update(ErpEntity::Unit, |rows| {
        rows[3] = rows[3].clone().with("floor_text", Some("Erdgeschoss"));
        rows.remove(10);
    });
    e.sync().await;
    drain(&e, &w, id).await;
    assert_eq!(e.held(), e.expected().await, "final state = one clean run");
    assert!(e.partner.doubled().is_empty());
    assert!(
        e.partner.problems().is_empty(),
        "{:?}",
        e.partner.problems()
    );
    assert!(
        e.partner.repeated() > 0,
        "the faults made the hub repeat messages (same webhook-id)"
    );
    let held = e.partner.records();
    assert_eq!(held[&("units".into(), "1.100.1.11".into())].op, "delete");
    assert_eq!(held[&("units".into(), "1.100.1.4".into())].version, 2);
    // The protocol tells the story: failed attempts with their reasons.
    let runs = e
        .store
        .runs(&RunFilter {
            use_case: Some("webhook".into()),
            limit: 1000,
            ..RunFilter::default()
        })
        .await
        .unwrap();
    let mut failed_lines = 0;
    for r in &runs {
        failed_lines += e
            .store
            .run_outcomes(r.id, 10_000)
            .await
            .unwrap()
            .iter()
            .filter(|o| o.status == RecordStatus::DeliveryFailed)
            .inspect(|o| assert!(o.reason.as_deref().is_some_and(|r| r.contains("Versuch"))))
            .count();
    }
    assert!(failed_lines > 0);
    assert!(
        e.store
            .dead_letters(&DeadLetterFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn gen_11_retry_after_is_honoured_and_the_cursor_waits() {
    let e = env(3).await;
    e.sync().await;
    let id = e.register().await;
    e.partner.plan([Fault::TooMany {
        retry_after_secs: 120,
    }]);
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let w = e.worker(fast(), clock.clone(), "a");
    w.pass().await.unwrap();
    let ep = e.store.endpoint(id).await.unwrap().unwrap();
    assert_eq!(ep.cursor, 0, "nothing confirmed, the cursor stays");
    assert_eq!(ep.attempts, 1);
    let wait = ep.next_attempt_at - clock.now();
    assert!(
        wait >= chrono::Duration::seconds(119) && wait <= chrono::Duration::seconds(120),
        "{wait:?}"
    );
    assert!(ep.last_error.unwrap().contains("429"));
    // Not due yet: no request.
    let requests = e.partner.requests();
    clock.advance(chrono::Duration::seconds(60));
    w.pass().await.unwrap();
    assert_eq!(e.partner.requests(), requests);
    clock.advance(chrono::Duration::seconds(61));
    drain(&e, &w, id).await;
    assert_eq!(e.held(), e.expected().await);
}

#[tokio::test]
async fn gen_12_dead_letters_after_the_last_attempt_are_listed_and_retryable() {
    let e = env(4).await;
    e.sync().await;
    let id = e.register().await;
    // Feed order: client, then units 1..4. The client fails twice (max), unit 1 is refused.
    e.partner
        .plan([Fault::Status(500), Fault::Status(500), Fault::Status(422)]);
    let cfg = DeliveryConfig {
        max_attempts: 2,
        window: 1,
        ..fast()
    };
    let w = e.worker(cfg, Arc::new(SystemClock), "a");
    drain(&e, &w, id).await;
    let dead = e
        .store
        .dead_letters(&DeadLetterFilter::default())
        .await
        .unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    let client = dead.iter().find(|d| d.feed == FeedKind::Client).unwrap();
    assert_eq!(client.attempts, 2);
    assert!(
        client.error.contains("nach 2 Versuchen"),
        "{}",
        client.error
    );
    let refused = dead.iter().find(|d| d.feed == FeedKind::Unit).unwrap();
    assert_eq!(refused.last_status, Some(422));
    assert_eq!(refused.attempts, 1, "a refusal is not retried");
    assert_eq!(e.partner.live().len(), 3, "the rest arrived");
    // Retry both: the client arrives; the unit is changed meanwhile, so its old version is
    // superseded instead of overwriting the newer one.
    e.erp.update(ErpEntity::Unit, |rows| {
        rows[0] = rows[0].clone().with("floor_text", Some("Erdgeschoss"));
    });
    e.sync().await;
    drain(&e, &w, id).await;
    assert!(e.store.retry_dead_letter("p", client.id).await.unwrap());
    assert!(e.store.retry_dead_letter("p", refused.id).await.unwrap());
    assert!(!e.store.retry_dead_letter("other", client.id).await.unwrap());
    w.pass().await.unwrap();
    let dead = e
        .store
        .dead_letters(&DeadLetterFilter::default())
        .await
        .unwrap();
    let status: HashMap<_, _> = dead.iter().map(|d| (d.id, d.status)).collect();
    assert_eq!(status[&client.id], DeadLetterStatus::Delivered);
    assert_eq!(status[&refused.id], DeadLetterStatus::Superseded);
    assert_eq!(e.held(), e.expected().await);
    assert!(
        e.partner.problems().is_empty(),
        "{:?}",
        e.partner.problems()
    );
}

#[tokio::test]
async fn gen_12_secret_rotation_signs_with_both_secrets_during_the_overlap() {
    let e = env(1).await;
    e.sync().await;
    let id = e.register().await;
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let new = webhooks::rotate_secret(
        &e.store,
        e.vault.as_ref(),
        "p",
        id,
        chrono::Duration::hours(24),
        clock.now(),
    )
    .await
    .unwrap();
    // The partner already switched to the new secret only: deliveries still verify.
    e.partner.set_secrets(&[new.expose_secret()]);
    let w = e.worker(fast(), clock.clone(), "a");
    drain(&e, &w, id).await;
    let headers = e.partner.signature_headers();
    assert!(
        headers.iter().all(|h| h.split(' ').count() == 2),
        "{headers:?}"
    );
    // After the overlap only the new secret signs.
    clock.advance(chrono::Duration::hours(25));
    e.erp.update(ErpEntity::Unit, |rows| {
        rows[0] = rows[0].clone().with("floor_text", Some("Erdgeschoss"));
    });
    e.sync().await;
    drain(&e, &w, id).await;
    let last = e.partner.signature_headers().pop().unwrap();
    assert_eq!(last.split(' ').count(), 1, "{last}");
    assert!(
        e.partner.problems().is_empty(),
        "{:?}",
        e.partner.problems()
    );
    assert_eq!(e.held(), e.expected().await);
}

#[tokio::test]
async fn gen_11_a_lost_claim_commits_nothing_and_another_instance_takes_over() {
    let e = env(5).await;
    e.sync().await;
    let id = e.register().await;
    let now = Utc::now();
    let lease = chrono::Duration::seconds(30);
    let a = e.store.claim_endpoints("a", now, lease, 10).await.unwrap();
    assert_eq!(a.len(), 1);
    assert!(
        e.store
            .claim_endpoints("b", now, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "claimed endpoints are not handed out twice"
    );
    // a's lease runs out; b takes over.
    let later = now + chrono::Duration::seconds(31);
    let b = e
        .store
        .claim_endpoints("b", later, lease, 10)
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    let progress = immohub_store::DeliveryProgress {
        endpoint_id: id,
        holder: "a".into(),
        token: a[0].token,
        cursor: 3,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        dead: vec![],
        resolved: vec![],
        run_id: 0,
        lines: vec![],
        disable: None,
    };
    let err = e.store.commit_delivery(&progress).await.unwrap_err();
    assert!(
        matches!(err, immohub_store::StoreError::Conflict(_)),
        "{err}"
    );
    assert_eq!(e.store.endpoint(id).await.unwrap().unwrap().cursor, 0);
}

#[tokio::test]
async fn gen_12_gone_switches_the_endpoint_off() {
    let e = env(2).await;
    e.sync().await;
    let id = e.register().await;
    e.partner.plan([Fault::Status(410)]);
    let w = e.worker(fast(), Arc::new(SystemClock), "a");
    w.pass().await.unwrap();
    let ep = e.store.endpoint(id).await.unwrap().unwrap();
    assert!(!ep.enabled);
    assert!(ep.disabled_reason.unwrap().contains("410"));
    assert_eq!(ep.cursor, 0);
    let requests = e.partner.requests();
    w.pass().await.unwrap();
    assert_eq!(
        e.partner.requests(),
        requests,
        "a switched-off endpoint gets nothing"
    );
}
