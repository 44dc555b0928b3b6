//! Testkit: a fresh SQLite store filled through the `Store` trait, the real server on
//! 127.0.0.1:0, and a reqwest client with typed helpers.

use std::sync::{Arc, Mutex, Once};

use chrono::{DateTime, TimeZone, Utc};
use immohub_api::{ApiState, hash_api_key};
use immohub_domain::profile::FeedKind;
use immohub_engine::RunLauncher;
use immohub_store::{
    Batch, Connection, Counts, FeedOp, NewFeedItem, NewRun, Outcome, RecordState, RecordStatus,
    RunEnd, RunStatus, SqlStore, Store,
};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Key of connection A (`immomio-prod`, profile immomio, client 1, separator `/`).
pub const KEY_A: &str = "key-a-7f3c9e";
/// Key of connection B (`casavi-prod`, profile casavi, client 2, separator `-`).
pub const KEY_B: &str = "key-b-51d0aa";
pub const CONN_A: &str = "immomio-prod";
pub const CONN_B: &str = "casavi-prod";

/// The runs the fixture created.
#[derive(Debug, Clone, Copy)]
pub struct Runs {
    /// A's initial run, 2024-05-01 08:00 UTC: five units sent, one tenant skipped.
    pub a1: i64,
    /// B's run, 2024-05-02 08:00 UTC: two units, one owner.
    pub b1: i64,
    /// A's second run, 2024-05-10 08:00 UTC: unit 1/1/1/1 changed, 1/1/1/5 deleted.
    pub a2: i64,
}

/// A running server over a fresh store.
/// Largest dossier file of the test server.
pub const DOSSIER_MAX_BYTES: u64 = 64 * 1024;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<SqlStore>,
    pub runs: Runs,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    pub _dir: tempfile::TempDir,
}

/// Everything the server logged in this test binary (all tests), for the logging test.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// A log line sink: keeps every line in [`LOG`] and, with `TEST_LOG`, prints it too.
struct LogSink {
    echo: bool,
}

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        if self.echo {
            print!("{}", String::from_utf8_lossy(buf));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs one global subscriber for the whole test binary (a global one, because tracing
/// caches per call site whether anyone listens, which races with thread-local subscribers).
fn init_log() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let echo = std::env::var_os("TEST_LOG").is_some();
        tracing_subscriber::fmt()
            .with_env_filter("immohub_api=trace,tower_http=trace")
            .with_ansi(false)
            .with_writer(move || LogSink { echo })
            .init();
    });
}

/// What the servers of this test binary have logged so far.
pub fn captured_log() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned()
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

impl TestApp {
    /// A fresh store with the fixture, and the server on port 0 (without run launcher).
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| None).await
    }

    /// Like [`TestApp::spawn`], with the run launcher `launcher` makes over the store.
    pub async fn spawn_with(
        launcher: impl FnOnce(Arc<SqlStore>) -> Option<Arc<dyn RunLauncher>>,
    ) -> TestApp {
        init_log();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("hub.db").display());
        let store = Arc::new(immohub_store::open(&url).await.unwrap());
        let runs = fill(store.as_ref()).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let mut state = ApiState::new(store.clone())
            .with_vault(Arc::new(immohub_engine::MemoryVault::default()))
            .with_dossiers(immohub_api::tenants::DossierSettings {
                dir: dir.path().join("dossiers"),
                max_file_bytes: DOSSIER_MAX_BYTES,
            });
        if let Some(launcher) = launcher(store.clone()) {
            state = state.with_launcher(launcher);
        }
        let server = tokio::spawn(immohub_api::serve(listener, state, async {
            let _ = rx.await;
        }));
        TestApp {
            base,
            client: reqwest::Client::new(),
            store,
            runs,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        }
    }

    /// A request with `Authorization: Bearer <key>` when a key is given.
    pub fn req(&self, method: Method, path: &str, key: Option<&str>) -> RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.base));
        match key {
            Some(key) => r.bearer_auth(key),
            None => r,
        }
    }

    /// GET, returning status and JSON body.
    pub async fn get(&self, path: &str, key: Option<&str>) -> (StatusCode, Value) {
        send(self.req(Method::GET, path, key)).await
    }

    /// GET expecting 200.
    pub async fn get_ok(&self, path: &str, key: &str) -> Value {
        let (status, body) = self.get(path, Some(key)).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// POST `/v1/feeds/{feed}/ack` with `{"seq": seq}`.
    pub async fn ack(&self, feed: &str, seq: i64, key: &str) -> (StatusCode, Value) {
        send(
            self.req(Method::POST, &format!("/v1/feeds/{feed}/ack"), Some(key))
                .json(&json!({ "seq": seq })),
        )
        .await
    }

    /// Stops the server and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

pub async fn send(r: RequestBuilder) -> (StatusCode, Value) {
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, body)
}

/// Asserts the error shape: `{error: {code, message, message_en, field?}}`.
pub fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    let e = &body["error"];
    assert_eq!(e["code"], code, "{body}");
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "German message missing: {body}"
    );
    assert!(
        e["message_en"].as_str().is_some_and(|m| !m.is_empty()),
        "English message missing: {body}"
    );
    assert_eq!(e["field"].as_str(), field, "{body}");
}

/// The partner IDs of a feed page.
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The seqs of a feed page.
pub fn seqs(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["seq"].as_i64().unwrap())
        .collect()
}

fn connection(name: &str, profile: &str, key: &str, client: &str, sep: &str) -> Connection {
    Connection {
        name: name.to_owned(),
        profile: profile.to_owned(),
        api_key_hash: hash_api_key(key),
        clients: vec![client.to_owned()],
        config: json!({ "separator": sep }),
    }
}

fn new_run(connection: &str, started_at: DateTime<Utc>) -> NewRun {
    NewRun {
        use_case: "stammdaten".to_owned(),
        connection: connection.to_owned(),
        direction: "erp_to_partner".to_owned(),
        trigger: "schedule".to_owned(),
        started_at,
    }
}

fn item(feed: FeedKind, erp_key: &str, pid: &str, version: i64, payload: Value) -> NewFeedItem {
    NewFeedItem {
        feed,
        erp_key: erp_key.to_owned(),
        partner_id: pid.to_owned(),
        op: if payload.is_null() {
            FeedOp::Delete
        } else {
            FeedOp::Upsert
        },
        version,
        payload: payload.into(),
    }
}

// One argument per column keeps the fixture readable as a table.
#[allow(clippy::too_many_arguments)]
fn state(
    conn: &str,
    feed: FeedKind,
    erp_key: &str,
    pid: Option<&str>,
    status: RecordStatus,
    rule: Option<(&str, &str)>,
    version: i64,
    run_id: i64,
    at: DateTime<Utc>,
) -> RecordState {
    RecordState {
        connection: conn.to_owned(),
        feed,
        erp_key: erp_key.to_owned(),
        partner_id: pid.map(str::to_owned),
        status,
        hash: format!("h-{erp_key}-{version}"),
        source_hash: format!("s-{erp_key}-{version}"),
        reason: rule.map(|(_, r)| r.to_owned()),
        rule: rule.map(|(id, _)| id.to_owned()),
        version,
        run_id,
        updated_at: at,
    }
}

fn outcome(s: &RecordState) -> Outcome {
    Outcome {
        run_id: s.run_id,
        connection: s.connection.clone(),
        feed: s.feed,
        erp_key: s.erp_key.clone(),
        partner_id: s.partner_id.clone(),
        status: s.status,
        reason: s.reason.clone(),
        rule: s.rule.clone(),
        at: s.updated_at,
    }
}

fn unit_payload(pid: &str, rooms: u32) -> Value {
    json!({ "id": pid, "type": "living", "rooms": rooms })
}

/// Two connections, three runs: see [`Runs`]. Everything goes through the `Store` trait.
pub async fn fill(store: &dyn Store) -> Runs {
    store
        .upsert_connection(&connection(CONN_A, "immomio", KEY_A, "1", "/"))
        .await
        .unwrap();
    store
        .upsert_connection(&connection(CONN_B, "casavi", KEY_B, "2", "-"))
        .await
        .unwrap();
    let done = |at| RunEnd {
        ended_at: at,
        status: RunStatus::Succeeded,
        errors: vec![],
    };

    // A, run 1: units 1/1/1/1 … 1/1/1/5 sent, tenant T-100 skipped (STM-2).
    let t = at("2024-05-01T08:00:00Z");
    let a1 = store.start_run(&new_run(CONN_A, t)).await.unwrap();
    let mut batch = Batch {
        run_id: a1,
        connection: CONN_A.to_owned(),
        at: Some(t),
        counts: Counts {
            read: 6,
            sent: 5,
            skipped: 1,
            ..Counts::default()
        },
        ..Batch::default()
    };
    for n in 1..=5 {
        let pid = format!("1/1/1/{n}");
        let key = format!("U-1-{n}");
        batch
            .feed
            .push(item(FeedKind::Unit, &key, &pid, 1, unit_payload(&pid, n)));
        let s = state(
            CONN_A,
            FeedKind::Unit,
            &key,
            Some(&pid),
            RecordStatus::Sent,
            None,
            1,
            a1,
            t,
        );
        batch.outcomes.push(outcome(&s));
        batch.states.push(s);
    }
    let skipped = state(
        CONN_A,
        FeedKind::Tenant,
        "T-100",
        None,
        RecordStatus::Skipped,
        Some(("STM-2", "Mieter ohne E-Mail-Adresse")),
        0,
        a1,
        t,
    );
    batch.outcomes.push(outcome(&skipped));
    batch.states.push(skipped);
    store.apply_batch(&batch).await.unwrap();
    store
        .finish_run(a1, &done(at("2024-05-01T08:05:00Z")))
        .await
        .unwrap();

    // B, run 1: two units and one owner.
    let t = at("2024-05-02T08:00:00Z");
    let b1 = store.start_run(&new_run(CONN_B, t)).await.unwrap();
    let mut batch = Batch {
        run_id: b1,
        connection: CONN_B.to_owned(),
        at: Some(t),
        counts: Counts {
            read: 3,
            sent: 3,
            ..Counts::default()
        },
        ..Batch::default()
    };
    for (feed, key, pid) in [
        (FeedKind::Unit, "U-2-1", "2-1-1-1"),
        (FeedKind::Unit, "U-2-2", "2-1-1-2"),
        (FeedKind::Owner, "P-2-9", "2-9"),
    ] {
        batch
            .feed
            .push(item(feed, key, pid, 1, json!({ "id": pid })));
        let s = state(
            CONN_B,
            feed,
            key,
            Some(pid),
            RecordStatus::Sent,
            None,
            1,
            b1,
            t,
        );
        batch.outcomes.push(outcome(&s));
        batch.states.push(s);
    }
    store.apply_batch(&batch).await.unwrap();
    store
        .finish_run(b1, &done(at("2024-05-02T08:01:00Z")))
        .await
        .unwrap();

    // A, run 2: 1/1/1/1 changed (version 2), 1/1/1/5 deleted (version 2).
    let t = at("2024-05-10T08:00:00Z");
    let a2 = store.start_run(&new_run(CONN_A, t)).await.unwrap();
    let changed = state(
        CONN_A,
        FeedKind::Unit,
        "U-1-1",
        Some("1/1/1/1"),
        RecordStatus::Sent,
        None,
        2,
        a2,
        t,
    );
    let deleted = state(
        CONN_A,
        FeedKind::Unit,
        "U-1-5",
        Some("1/1/1/5"),
        RecordStatus::Deleted,
        Some(("GEN-10", "im ERP gelöscht")),
        2,
        a2,
        t,
    );
    let batch = Batch {
        run_id: a2,
        connection: CONN_A.to_owned(),
        at: Some(t),
        feed: vec![
            item(
                FeedKind::Unit,
                "U-1-1",
                "1/1/1/1",
                2,
                unit_payload("1/1/1/1", 7),
            ),
            item(FeedKind::Unit, "U-1-5", "1/1/1/5", 2, Value::Null),
        ],
        outcomes: vec![outcome(&changed), outcome(&deleted)],
        states: vec![changed, deleted],
        counts: Counts {
            read: 5,
            sent: 1,
            deleted: 1,
            unchanged: 3,
            ..Counts::default()
        },
        ..Batch::default()
    };
    store.apply_batch(&batch).await.unwrap();
    store
        .finish_run(a2, &done(at("2024-05-10T08:02:00Z")))
        .await
        .unwrap();

    Runs { a1, b1, a2 }
}

/// A Berlin wall-clock time as UTC (for readability of date-filter tests).
pub fn berlin(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Berlin
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}
