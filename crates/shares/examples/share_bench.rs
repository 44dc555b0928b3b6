//! Load benchmark of the share pages on loopback: 100 concurrent clients against the room
//! page, against the download of a 5 MB file (tracked, one event per download), and against
//! the same file from a plain static server (tower-http `ServeFile`). Prints throughput and
//! p99 latency; not a timed test.
//!
//! `cargo run --release -p immohub-shares --example share_bench [-- SECONDS_PER_PHASE]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use immohub_api::ApiState;
use immohub_shares::{NewRecipientRequest, RecipientSource, Shares, SharesConfig};
use immohub_store::{EventFilter, ShareStore, Store};

const CLIENTS: usize = 100;
const FILE_SIZE: usize = 5 * 1024 * 1024;

struct Phase {
    requests: u64,
    bytes: u64,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

async fn run(url: String, secs: u64) -> Phase {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let http = http.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut bytes = 0u64;
            while Instant::now() < end {
                let t = Instant::now();
                let r = http.get(&url).send().await.unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                bytes += r.bytes().await.unwrap().len() as u64;
                lat.push(t.elapsed());
            }
            (lat, bytes)
        }));
    }
    let mut lat = Vec::new();
    let mut bytes = 0;
    for t in tasks {
        let (l, b) = t.await.unwrap();
        lat.extend(l);
        bytes += b;
    }
    let elapsed = start.elapsed();
    lat.sort();
    let pick = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    Phase {
        requests: lat.len() as u64,
        bytes,
        elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
    }
}

fn print(name: &str, p: &Phase) {
    let secs = p.elapsed.as_secs_f64();
    println!(
        "{name:<34} {:>8.0} Anfragen/s {:>9.1} MB/s   p50 {:>7.1} ms   p99 {:>7.1} ms   ({} Anfragen)",
        p.requests as f64 / secs,
        p.bytes as f64 / secs / 1_000_000.0,
        p.p50.as_secs_f64() * 1000.0,
        p.p99.as_secs_f64() * 1000.0,
        p.requests
    );
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        immohub_store::open(&format!("sqlite:{}", dir.path().join("hub.db").display()))
            .await
            .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shares = Arc::new(
        Shares::new(
            store.clone() as Arc<dyn Store>,
            dir.path().join("shares"),
            SharesConfig::default(),
            &base,
        )
        .unwrap(),
    );
    let room = shares
        .create_room(
            "bench",
            &immohub_shares::CreateRoom {
                object_kind: "unit".to_owned(),
                object_id: "1.1.1.1".to_owned(),
                title: "Benchmark".to_owned(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let folder = shares.add_folder(room.id, "Unterlagen").await.unwrap();
    for i in 0..30 {
        let body = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(vec![
            i as u8;
            20_000 + i * 1000
        ]))]);
        shares
            .upload(
                "bench",
                room.id,
                Some(folder.id),
                &format!("Dokument {i:02}.pdf"),
                body,
            )
            .await
            .unwrap();
    }
    let big: Vec<u8> = (0..FILE_SIZE).map(|i| (i % 253) as u8).collect();
    let file = shares
        .upload(
            "bench",
            room.id,
            None,
            "Exposé 5 MB.pdf",
            futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(big))]),
        )
        .await
        .unwrap();
    let issued = shares
        .add_recipient(
            room.id,
            &NewRecipientRequest {
                source: RecipientSource::Address {
                    email: "bench@example.de".to_owned(),
                    name: None,
                },
                expires_at: None,
                valid_days: None,
            },
        )
        .await
        .unwrap();
    let path = shares.files().path(&file.storage_key).unwrap();
    let app = immohub_api::router_with(
        ApiState::new(store.clone() as Arc<dyn Store>),
        immohub_shares::routes(Arc::clone(&shares)),
    );
    tokio::spawn(immohub_api::serve_router(
        listener,
        app,
        std::future::pending(),
    ));
    let static_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let static_url = format!("http://{}/file", static_listener.local_addr().unwrap());
    let static_app =
        axum::Router::new().route_service("/file", tower_http::services::ServeFile::new(path));
    tokio::spawn(async move { axum::serve(static_listener, static_app).await });

    println!(
        "share_bench: {CLIENTS} gleichzeitige Clients, {secs} s je Phase, Loopback, SQLite, {} Kerne",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let room_phase = run(format!("{base}/r/{}", issued.token), secs).await;
    print("Raumseite (31 Dateien, getrackt)", &room_phase);
    let dl = run(
        format!("{base}/r/{}/files/{}/download", issued.token, file.id),
        secs,
    )
    .await;
    print("Download 5 MB (getrackt)", &dl);
    let st = run(static_url, secs).await;
    print("gleiche Datei, statischer Server", &st);
    let events = store
        .events(&EventFilter {
            room_id: Some(room.id),
            limit: 10_000_000,
            ..EventFilter::default()
        })
        .await
        .unwrap()
        .len() as u64;
    println!(
        "Ereignisse erfasst: {events} (erwartet {}: keines verloren)",
        room_phase.requests + dl.requests
    );
    assert_eq!(events, room_phase.requests + dl.requests);
}
