//! A share server with a prepared room for the browser tests (`tests/browser`): prints one
//! JSON line (base URL, staff key, room, tokens) and serves until its standard input closes.
//!
//! `cargo run -p immohub-shares --example browser_fixture`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufRead;
use std::sync::Arc;

use chrono::{Duration, Utc};
use immohub_api::ApiState;
use immohub_shares::{CreateRoom, NewRecipientRequest, RecipientSource, Shares, SharesConfig};
use immohub_store::{ConsentSettings, ShareStore, Store};

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.extend((0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        immohub_store::open(&format!("sqlite:{}", dir.path().join("hub.db").display()))
            .await
            .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let logo = dir.path().join("logo.svg");
    std::fs::write(
        &logo,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" rx="6" fill="#0b5cad"/><text x="60" y="26" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">Elbufer</text></svg>"##,
    )
    .unwrap();
    let config = SharesConfig {
        company_name: "Wohnungsbaugenossenschaft Elbufer eG".to_owned(),
        logo_file: Some(logo),
        ..SharesConfig::default()
    };
    let shares = Arc::new(
        Shares::new(
            store.clone() as Arc<dyn Store>,
            dir.path().join("shares"),
            config,
            &base,
        )
        .unwrap(),
    );
    let staff_key = "ihs_browser_test_staff_key";
    store
        .create_staff(
            "browser",
            None,
            &immohub_api::hash_staff_key(staff_key),
            Utc::now(),
        )
        .await
        .unwrap();
    let room = shares
        .create_room(
            "browser",
            &CreateRoom {
                object_kind: "unit".to_owned(),
                object_id: "1.100.1.7".to_owned(),
                title: "Elbstraße 12, Wohnung 7 (3 Zimmer)".to_owned(),
                consent: ConsentSettings {
                    required: true,
                    policy_text: Some(
                        "Widerrufsbelehrung\n\nSie haben das Recht, binnen vierzehn Tagen ohne \
                         Angabe von Gründen diesen Vertrag zu widerrufen. Die Widerrufsfrist \
                         beträgt vierzehn Tage ab dem Tag des Vertragsschlusses."
                            .to_owned(),
                    ),
                    policy_version: Some("2024-01".to_owned()),
                    terms_text: Some("Allgemeine Geschäftsbedingungen der Elbufer eG …".to_owned()),
                    terms_version: Some("3".to_owned()),
                },
                first_access_activity: true,
            },
        )
        .await
        .unwrap();
    let plans = shares.add_folder(room.id, "Grundrisse").await.unwrap();
    let docs = shares.add_folder(room.id, "Nachweise").await.unwrap();
    for (folder, name, size, seed) in [
        (Some(plans.id), "Grundriss Erdgeschoss.pdf", 48_000, 1),
        (Some(plans.id), "Grundriss Obergeschoss.pdf", 12_000, 2),
        (Some(docs.id), "Energieausweis.pdf", 210_000, 3),
        (Some(docs.id), "Flurkarte.pdf", 5_000, 4),
        (None, "Exposé Elbstraße 12.pdf", 96_000, 5),
    ] {
        let body = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes(
            size, seed,
        )))]);
        shares
            .upload("browser", room.id, folder, name, body)
            .await
            .unwrap();
    }
    let mut tokens = Vec::new();
    for (email, name) in [
        ("max@example.de", "Max Mustermann"),
        ("erika@example.de", "Erika Musterfrau"),
        ("lena@example.de", "Lena Beispiel"),
    ] {
        let issued = shares
            .add_recipient(
                room.id,
                &NewRecipientRequest {
                    source: RecipientSource::Address {
                        email: email.to_owned(),
                        name: Some(name.to_owned()),
                    },
                    expires_at: None,
                    valid_days: None,
                },
            )
            .await
            .unwrap();
        tokens.push((issued.recipient.id, issued.token));
    }
    // The third link expired a minute ago (SHR-10).
    store
        .set_recipient_expiry(
            tokens[2].0,
            Some(Utc::now() - Duration::minutes(1)),
            Utc::now(),
        )
        .await
        .unwrap();
    let app = immohub_api::router_with(
        ApiState::new(store.clone() as Arc<dyn Store>),
        immohub_shares::routes(shares),
    );
    println!(
        "{}",
        serde_json::json!({
            "base": base,
            "staff_key": staff_key,
            "room": room.id,
            "main": {"id": tokens[0].0, "token": tokens[0].1},
            "revoke": {"id": tokens[1].0, "token": tokens[1].1},
            "expired": {"id": tokens[2].0, "token": tokens[2].1},
        })
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            if line.is_err() {
                break;
            }
        }
        let _ = stop.send(());
    });
    immohub_api::serve_router(listener, app, async move {
        let _ = stopped.await;
    })
    .await
    .unwrap();
}
