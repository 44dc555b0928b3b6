use chrono::{TimeZone, Utc};
use immohub_domain::profile::{FeedKind, PartnerProfile};
use immohub_domain::rules::UnitTypeMapping;
use immohub_domain::{ErpEntity, RawRecord, Separator};
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{FixedClock, PartnerConfig, RunSummary, SyncOptions, sync_stammdaten};
use immohub_store::{FeedOp, RecordStatus, RunFilter, RunStatus, SqlStore, Store};

use crate::memory_erp::MemoryErp;

struct Env {
    _dir: tempfile::TempDir,
    store: SqlStore,
    erp: MemoryErp,
    clock: FixedClock,
}

async fn env(change_column: bool) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = immohub_store::open(&format!("sqlite:{}", dir.path().join("hub.db").display()))
        .await
        .unwrap();
    let erp = MemoryErp {
        change_column: change_column.then(|| "updated_at".to_owned()),
        ..MemoryErp::default()
    };
    erp.set(ErpEntity::Client, vec![client("1"), client("2")]);
    erp.set(
        ErpEntity::Unit,
        (1..=5)
            .map(|u| unit("1", &u.to_string(), "2026-01-01 10:00:00"))
            .chain([unit("2", "1", "2026-01-01 10:00:00")])
            .collect(),
    );
    erp.set(
        ErpEntity::Person,
        vec![
            person("10", Some("anna@example.de"), "2026-01-01 10:00:00"),
            person("11", None, "2026-01-01 10:00:00"),
        ],
    );
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    Env {
        _dir: dir,
        store,
        erp,
        clock,
    }
}

fn client(no: &str) -> RawRecord {
    RawRecord::new()
        .with("client_no", Some(no))
        .with("name", Some("Genossenschaft"))
        .with("updated_at", Some("2026-01-01 10:00:00"))
}

fn unit(client: &str, no: &str, updated: &str) -> RawRecord {
    RawRecord::new()
        .with("client_no", Some(client))
        .with("property_no", Some("100"))
        .with("building_no", Some("1"))
        .with("unit_no", Some(no))
        .with("usage_type", Some("WOHNUNG"))
        .with("floor_text", Some("1. OG links"))
        .with("rooms", Some("3"))
        .with("updated_at", Some(updated))
}

fn person(no: &str, email: Option<&str>, updated: &str) -> RawRecord {
    RawRecord::new()
        .with("client_no", Some("1"))
        .with("person_no", Some(no))
        .with("first_name", Some("Anna"))
        .with("surname", Some("Groß"))
        .with("email", email)
        .with("tenancies", Some("L1:main_tenant:2020-01-01:"))
        .with("updated_at", Some(updated))
}

fn partner(profile: PartnerProfile, clients: &[&str]) -> PartnerConfig {
    PartnerConfig {
        name: "p".to_owned(),
        profile,
        separator: Separator::Dot,
        clients: clients.iter().map(|c| c.to_string()).collect(),
        unit_types: UnitTypeMapping::default(),
        technical_user: None,
    }
}

async fn run(e: &Env, p: &PartnerConfig, full: bool) -> RunSummary {
    let opts = SyncOptions {
        full,
        overlap_seconds: 0,
        ..SyncOptions::default()
    };
    sync_stammdaten(&e.store, &e.erp, p, &e.clock, &opts, &NoProgress)
        .await
        .unwrap()
}

async fn feed(e: &Env, feed: FeedKind) -> Vec<immohub_store::FeedItem> {
    e.store.feed_page("p", feed, 0, 10_000).await.unwrap()
}

#[tokio::test]
async fn stm_5_first_run_sends_everything_second_run_nothing() {
    let e = env(false).await;
    let p = partner(PartnerProfile::Generic, &["1", "2"]);
    let first = run(&e, &p, true).await;
    assert_eq!(first.status, RunStatus::Succeeded);
    // 2 clients + 6 units + 2 persons as tenants (+2 owner skips).
    assert_eq!(first.counts.sent, 2 + 6 + 2);
    assert_eq!(feed(&e, FeedKind::Unit).await.len(), 6);
    let second = run(&e, &p, true).await;
    assert_eq!(second.counts.sent, 0, "{second:?}");
    assert_eq!(second.counts.deleted, 0);
    assert_eq!(
        feed(&e, FeedKind::Unit).await.len(),
        6,
        "a rerun adds nothing to the feed"
    );
}

#[tokio::test]
async fn stm_5_changed_unit_is_sent_alone_with_a_new_version() {
    let e = env(false).await;
    let p = partner(PartnerProfile::Generic, &["1", "2"]);
    run(&e, &p, true).await;
    e.erp.update(ErpEntity::Unit, |rows| {
        rows[2] = rows[2].clone().with("floor_text", Some("Erdgeschoss"));
    });
    let s = run(&e, &p, true).await;
    assert_eq!(s.counts.sent, 1);
    let items = feed(&e, FeedKind::Unit).await;
    let last = items.last().unwrap();
    assert_eq!(last.partner_id, "1.100.1.3");
    assert_eq!(last.version, 2);
    assert_eq!(last.payload["floor"], 0, "STM-3 applied to the change");
}

#[tokio::test]
async fn stm_5_incremental_read_with_change_column() {
    let e = env(true).await;
    let p = partner(PartnerProfile::Generic, &["1", "2"]);
    let first = run(&e, &p, false).await;
    assert_eq!(first.counts.read, 2 + 6 + 2);
    let again = run(&e, &p, false).await;
    assert_eq!(
        again.counts.read, 0,
        "nothing changed since the watermark: {again:?}"
    );
    e.erp.update(ErpEntity::Unit, |rows| {
        rows[0] = rows[0]
            .clone()
            .with("rooms", Some("4"))
            .with("updated_at", Some("2026-11-28 08:00:00"));
    });
    let inc = run(&e, &p, false).await;
    assert_eq!(inc.counts.read, 1);
    assert_eq!(inc.counts.sent, 1);
    assert_eq!(
        feed(&e, FeedKind::Unit).await.last().unwrap().payload["rooms"],
        "4"
    );
}

#[tokio::test]
async fn gen_10_deleted_unit_sends_one_deletion() {
    for change_column in [false, true] {
        let e = env(change_column).await;
        let p = partner(PartnerProfile::Generic, &["1", "2"]);
        run(&e, &p, false).await;
        e.erp.update(ErpEntity::Unit, |rows| {
            rows.remove(1);
        });
        let s = run(&e, &p, false).await;
        assert_eq!(s.counts.deleted, 1, "change column {change_column}: {s:?}");
        let items = feed(&e, FeedKind::Unit).await;
        let last = items.last().unwrap();
        assert_eq!(
            (last.op, last.partner_id.as_str()),
            (FeedOp::Delete, "1.100.1.2")
        );
        let state = e
            .store
            .record_by_partner_id("p", FeedKind::Unit, "1.100.1.2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state.status, RecordStatus::Deleted);
        assert_eq!(state.rule.as_deref(), Some("GEN-10"));
        // And only once.
        let again = run(&e, &p, false).await;
        assert_eq!(again.counts.deleted, 0);
    }
}

#[tokio::test]
async fn gen_10_failed_read_deletes_nothing() {
    let e = env(false).await;
    let p = partner(PartnerProfile::Generic, &["1", "2"]);
    run(&e, &p, true).await;
    // The next read of units breaks after two rows.
    *e.erp.fail_after.lock().unwrap() = Some((ErpEntity::Unit, 2));
    let s = run(&e, &p, true).await;
    assert_eq!(s.status, RunStatus::Failed);
    assert_eq!(s.counts.deleted, 0);
    assert!(
        s.errors.iter().any(|m| m.contains("GEN-10")),
        "{:?}",
        s.errors
    );
    assert!(
        feed(&e, FeedKind::Unit)
            .await
            .iter()
            .all(|i| i.op == FeedOp::Upsert)
    );
    let runs = e
        .store
        .runs(&RunFilter {
            limit: 10,
            ..RunFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert!(runs[0].errors[0].contains("Verbindung zum ERP abgebrochen"));
}

#[tokio::test]
async fn gen_8_skipped_tenant_has_reason_and_partner_status() {
    let e = env(false).await;
    let p = partner(PartnerProfile::Immomio, &["1"]);
    run(&e, &p, true).await;
    let sent = e
        .store
        .record_by_partner_id("p", FeedKind::Tenant, "1.10")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.status, RecordStatus::Sent);
    assert_eq!(sent.version, 1);
    let skipped = e
        .store
        .record_states(
            "p",
            FeedKind::Tenant,
            &[format!("1{}11", immohub_domain::raw::KEY_SEP)],
        )
        .await
        .unwrap();
    assert_eq!(skipped[0].status, RecordStatus::Skipped);
    assert_eq!(skipped[0].rule.as_deref(), Some("STM-2"));
    assert!(skipped[0].reason.as_deref().unwrap().contains("E-Mail"));
    // Giving the tenant an e-mail address sends him on the next run.
    e.erp.update(ErpEntity::Person, |rows| {
        rows[1] = rows[1].clone().with("email", Some("bernd@example.de"));
    });
    let s = run(&e, &p, true).await;
    assert_eq!(s.counts.sent, 1);
    let history = e
        .store
        .outcomes(
            "p",
            FeedKind::Tenant,
            &format!("1{}11", immohub_domain::raw::KEY_SEP),
            10,
        )
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].status, RecordStatus::Sent);
    assert_eq!(history[1].status, RecordStatus::Skipped);
}

#[tokio::test]
async fn gen_2_client_removed_from_filter_is_removed_at_partner() {
    let e = env(false).await;
    run(&e, &partner(PartnerProfile::Generic, &["1", "2"]), true).await;
    let s = run(&e, &partner(PartnerProfile::Generic, &["1"]), true).await;
    let items = feed(&e, FeedKind::Unit).await;
    let last = items.last().unwrap();
    assert_eq!(
        (last.op, last.partner_id.as_str()),
        (FeedOp::Delete, "2.100.1.1")
    );
    assert_eq!(s.counts.skipped, 2, "client 2 and its unit: {s:?}");
    let state = e
        .store
        .record_by_partner_id("p", FeedKind::Unit, "2.100.1.1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.rule.as_deref(), Some("GEN-2"));
    // An empty list syncs nothing at all.
    let e = env(false).await;
    let s = run(&e, &partner(PartnerProfile::Generic, &[]), true).await;
    assert_eq!(s.counts.sent, 0);
    assert!(feed(&e, FeedKind::Unit).await.is_empty());
}

#[tokio::test]
async fn gen_1_separator_change_replaces_partner_ids() {
    let e = env(false).await;
    let mut p = partner(PartnerProfile::Generic, &["1"]);
    run(&e, &p, true).await;
    p.separator = Separator::Dash;
    run(&e, &p, true).await;
    let items = feed(&e, FeedKind::Unit).await;
    let tail: Vec<_> = items
        .iter()
        .rev()
        .take(2)
        .map(|i| (i.op, i.partner_id.clone(), i.version))
        .collect();
    assert_eq!(tail[1], (FeedOp::Delete, "1.100.1.5".to_owned(), 2));
    assert_eq!(tail[0], (FeedOp::Upsert, "1-100-1-5".to_owned(), 3));
}

#[tokio::test]
async fn gen_7_invalid_record_fails_with_field_and_keeps_partner_copy() {
    let e = env(false).await;
    let p = partner(PartnerProfile::Generic, &["1", "2"]);
    run(&e, &p, true).await;
    e.erp.update(ErpEntity::Unit, |rows| {
        rows[0] = rows[0].clone().with("rooms", Some("drei"));
    });
    let s = run(&e, &p, true).await;
    assert_eq!(s.status, RunStatus::Partial);
    assert_eq!(s.counts.failed, 1);
    assert_eq!(
        s.counts.deleted, 0,
        "a bad field does not delete the partner's copy"
    );
    let state = e
        .store
        .record_by_partner_id("p", FeedKind::Unit, "1.100.1.1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.status, RecordStatus::Failed);
    let reason = state.reason.unwrap();
    assert!(
        reason.contains("rooms") && reason.contains("drei"),
        "{reason}"
    );
    let run = e.store.run(s.run_id).await.unwrap().unwrap();
    assert_eq!(run.counts.failed, 1);
    assert_eq!(run.counts.read, s.counts.read);
}
