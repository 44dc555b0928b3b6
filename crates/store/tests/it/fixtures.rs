//! Builders for connections, runs and batches as the engine writes them.

use chrono::{DateTime, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use immohub_store::{
    Batch, Connection, EntityUpsert, FeedOp, NewFeedItem, NewRun, Outcome, RecordState,
    RecordStatus, Store,
};
use serde_json::json;

pub const CONN: &str = "casavi-test";

pub fn connection(name: &str, api_key_hash: &str) -> Connection {
    Connection {
        name: name.to_owned(),
        profile: "casavi".to_owned(),
        api_key_hash: api_key_hash.to_owned(),
        clients: vec!["1".to_owned(), "2".to_owned()],
        config: json!({ "separator": "-", "feeds": ["units", "tenants"] }),
    }
}

pub fn new_run(connection: &str, started_at: DateTime<Utc>) -> NewRun {
    NewRun {
        use_case: "stammdaten".to_owned(),
        connection: connection.to_owned(),
        direction: "erp_to_partner".to_owned(),
        trigger: "manual".to_owned(),
        started_at,
    }
}

/// Creates the connection `CONN` (if needed) and starts a run.
pub async fn start(store: &dyn Store, started_at: DateTime<Utc>) -> i64 {
    store
        .upsert_connection(&connection(CONN, "hash-of-key"))
        .await
        .unwrap();
    store.start_run(&new_run(CONN, started_at)).await.unwrap()
}

pub fn batch(run_id: i64, at: DateTime<Utc>) -> Batch {
    Batch {
        run_id,
        connection: CONN.to_owned(),
        at: Some(at),
        ..Batch::default()
    }
}

/// The partner ID of an ERP key (GEN-1 style).
pub fn pid(erp_key: &str) -> String {
    format!("P-{erp_key}")
}

pub fn unit(erp_key: &str, hash: &str) -> EntityUpsert {
    EntityUpsert {
        entity: ErpEntity::Unit,
        erp_key: erp_key.to_owned(),
        client_no: "1".to_owned(),
        hash: hash.to_owned(),
        payload: json!({ "key": erp_key, "hash": hash, "living_space": "72.50" }).into(),
    }
}

pub fn state(
    b: &Batch,
    feed: FeedKind,
    erp_key: &str,
    status: RecordStatus,
    version: i64,
    hash: &str,
) -> RecordState {
    RecordState {
        connection: b.connection.clone(),
        feed,
        erp_key: erp_key.to_owned(),
        partner_id: Some(pid(erp_key)),
        status,
        hash: format!("feed-{hash}"),
        source_hash: hash.to_owned(),
        reason: None,
        rule: None,
        version,
        run_id: b.run_id,
        updated_at: b.at.unwrap(),
    }
}

pub fn outcome(
    b: &Batch,
    feed: FeedKind,
    erp_key: &str,
    status: RecordStatus,
    reason: Option<&str>,
    rule: Option<&str>,
) -> Outcome {
    Outcome {
        run_id: b.run_id,
        connection: b.connection.clone(),
        feed,
        erp_key: erp_key.to_owned(),
        partner_id: Some(pid(erp_key)),
        status,
        reason: reason.map(str::to_owned),
        rule: rule.map(str::to_owned),
        at: b.at.unwrap(),
    }
}

/// A unit read from the ERP and delivered as `version` of its feed record.
pub fn send(b: &mut Batch, erp_key: &str, hash: &str, version: i64) {
    b.entities.push(unit(erp_key, hash));
    b.feed.push(NewFeedItem {
        feed: FeedKind::Unit,
        erp_key: erp_key.to_owned(),
        partner_id: pid(erp_key),
        op: FeedOp::Upsert,
        version,
        payload: json!({ "id": pid(erp_key), "hash": hash }).into(),
    });
    let s = state(
        b,
        FeedKind::Unit,
        erp_key,
        RecordStatus::Sent,
        version,
        hash,
    );
    b.states.push(s);
    let o = outcome(b, FeedKind::Unit, erp_key, RecordStatus::Sent, None, None);
    b.outcomes.push(o);
    b.counts.read += 1;
    b.counts.sent += 1;
}

/// A unit read again without change: only the canonical entity is written.
pub fn unchanged(b: &mut Batch, erp_key: &str, hash: &str) {
    b.entities.push(unit(erp_key, hash));
    b.counts.read += 1;
    b.counts.unchanged += 1;
}

/// A unit the partner must not get (STM-2): state and outcome with reason and rule.
pub fn skip(b: &mut Batch, erp_key: &str, hash: &str, reason: &str, rule: &str) {
    b.entities.push(unit(erp_key, hash));
    let mut s = state(b, FeedKind::Unit, erp_key, RecordStatus::Skipped, 0, hash);
    s.reason = Some(reason.to_owned());
    s.rule = Some(rule.to_owned());
    b.states.push(s);
    let o = outcome(
        b,
        FeedKind::Unit,
        erp_key,
        RecordStatus::Skipped,
        Some(reason),
        Some(rule),
    );
    b.outcomes.push(o);
    b.counts.read += 1;
    b.counts.skipped += 1;
}

/// A unit gone from the ERP (GEN-10), deleted at the partner as `version`.
pub fn delete(b: &mut Batch, erp_key: &str, hash: &str, version: i64) {
    b.entity_deletes.push((ErpEntity::Unit, erp_key.to_owned()));
    b.feed.push(NewFeedItem {
        feed: FeedKind::Unit,
        erp_key: erp_key.to_owned(),
        partner_id: pid(erp_key),
        op: FeedOp::Delete,
        version,
        payload: serde_json::Value::Null.into(),
    });
    let mut s = state(
        b,
        FeedKind::Unit,
        erp_key,
        RecordStatus::Deleted,
        version,
        hash,
    );
    s.hash = String::new();
    s.reason = Some("im ERP nicht mehr vorhanden (GEN-10)".to_owned());
    s.rule = Some("GEN-10".to_owned());
    b.states.push(s);
    let o = outcome(
        b,
        FeedKind::Unit,
        erp_key,
        RecordStatus::Deleted,
        Some("im ERP nicht mehr vorhanden (GEN-10)"),
        Some("GEN-10"),
    );
    b.outcomes.push(o);
    b.counts.deleted += 1;
}

pub fn keys(ks: &[&str]) -> Vec<String> {
    ks.iter().map(|k| (*k).to_owned()).collect()
}
