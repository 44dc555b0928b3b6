//! Deliveries per second through the outbox to a real local HTTP partner, without and with
//! faults.
//!
//! ```text
//! cargo run --release -p immohub-engine --example delivery_bench -- [UNITS] [WINDOW] [FAULT_PERCENT]
//! ```
//! Creates a demo ERP with UNITS units (default 2000), syncs its master data into a fresh SQLite
//! hub store (not timed), then delivers every feed item to a webhook endpoint served by
//! `immohub-testkit` (signatures verified, each webhook-id applied once): first without faults,
//! then to a second endpoint where FAULT_PERCENT % (default 10) of the requests fail with 500,
//! 503, 429 (`Retry-After: 0`), a truncated answer or a dropped connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use immohub_domain::Separator;
use immohub_domain::profile::PartnerProfile;
use immohub_domain::rules::UnitTypeMapping;
use immohub_engine::delivery::{DeliveryConfig, DeliveryWorker};
use immohub_engine::stammdaten::NoProgress;
use immohub_engine::{
    MemoryVault, PartnerConfig, SyncOptions, SystemClock, sync_stammdaten, webhooks,
};
use immohub_erp::{DemoOptions, ErpSource, Mapping, create_demo};
use immohub_store::{NewEndpoint, Store};
use immohub_testkit::{Fault, FaultMix, FaultyPartner};
use immohub_transport::backoff::Backoff;
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let units: u64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let window: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32);
    let percent: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10);

    let dir = tempfile::tempdir()?;
    let erp_path = dir.path().join("erp.db");
    create_demo(
        &erp_path,
        DemoOptions {
            units,
            force: true,
            ..DemoOptions::default()
        },
    )
    .await?;
    let erp =
        ErpSource::connect(&format!("sqlite:{}", erp_path.display()), Mapping::demo()?).await?;
    let store: Arc<dyn Store> = Arc::new(
        immohub_store::open(&format!("sqlite:{}", dir.path().join("hub.db").display())).await?,
    );
    let partner = PartnerConfig {
        name: "bench".into(),
        profile: PartnerProfile::Generic,
        separator: Separator::Dot,
        clients: (1..=9).map(|c| c.to_string()).collect(),
        unit_types: UnitTypeMapping::default(),
        technical_user: None,
    };
    let summary = sync_stammdaten(
        store.as_ref(),
        &erp,
        &partner,
        &SystemClock,
        &SyncOptions::default(),
        &NoProgress,
    )
    .await?;
    let total = summary.counts.sent + summary.counts.deleted;
    println!("outbox: {total} feed items from {units} demo units (window {window})");

    let vault = Arc::new(MemoryVault::default());
    for (label, faults) in [("without faults", 0u32), ("with faults", percent)] {
        let target = FaultyPartner::start().await;
        if faults > 0 {
            target.mix(FaultMix {
                seed: 42,
                percent: faults,
                faults: vec![
                    Fault::Status(500),
                    Fault::Status(503),
                    Fault::TooMany {
                        retry_after_secs: 0,
                    },
                    Fault::ApplyThenTruncate,
                    Fault::Drop,
                ],
            });
        }
        let (_, secret) = webhooks::register(
            &store,
            vault.as_ref(),
            &NewEndpoint {
                connection: "bench".into(),
                url: target.url(),
                feeds: vec![],
                description: None,
                from_now: false,
            },
        )
        .await?;
        target.set_secrets(&[secret.expose_secret()]);
        let worker = DeliveryWorker::new(
            Arc::clone(&store),
            vault.clone(),
            Arc::new(SystemClock),
            DeliveryConfig {
                window,
                max_attempts: 100,
                backoff: Backoff {
                    base: Duration::from_millis(2),
                    max: Duration::from_millis(50),
                },
                ..DeliveryConfig::default()
            },
            format!("bench-{label}"),
        )?;
        let started = Instant::now();
        while (target.effects() as i64) < total {
            if !worker.pass().await?.did_work() {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{label:<15} {:>7} delivered in {secs:6.2} s = {:>6.0} deliveries/s; \
             {} requests, {} messages repeated, doubled effects: {}, problems: {}",
            target.effects(),
            target.effects() as f64 / secs,
            target.requests(),
            target.repeated(),
            target.doubled().len(),
            target.problems().len()
        );
    }
    Ok(())
}
