//! `[delivery]` in `immohub.toml` and the push-delivery worker that `serve` runs.

use std::sync::Arc;
use std::time::Duration;

use immohub_engine::delivery::{DeliveryConfig, DeliveryWorker};
use immohub_engine::{SystemClock, Vault};
use immohub_store::Store;
use immohub_transport::backoff::Backoff;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Push delivery (webhooks): retries, backoff, timeouts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySection {
    /// Deliver to webhook endpoints at all (`serve` only).
    pub enabled: bool,
    /// Records sent at once per endpoint (1–256).
    pub window: usize,
    /// Attempts before a record goes to the dead-letter list (1–100).
    pub max_attempts: u32,
    /// First retry after about this many milliseconds; doubles per attempt (with jitter).
    pub backoff_base_ms: u64,
    /// Longest wait between attempts, in seconds.
    pub backoff_max_s: u64,
    /// Time limit of one HTTP attempt, in milliseconds.
    pub timeout_ms: u64,
    /// Claim of an endpoint by this instance, in seconds; another instance takes over after it.
    pub lease_s: u64,
    /// Pause when there is nothing to deliver, in milliseconds.
    pub poll_ms: u64,
}

impl Default for DeliverySection {
    fn default() -> Self {
        DeliverySection {
            enabled: true,
            window: 32,
            max_attempts: 10,
            backoff_base_ms: 2_000,
            backoff_max_s: 3_600,
            timeout_ms: 10_000,
            lease_s: 60,
            poll_ms: 1_000,
        }
    }
}

impl DeliverySection {
    /// Checks the ranges; the message names the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let bad = |key: &str, why: &str| anyhow::anyhow!("delivery.{key}: {why}");
        if !(1..=256).contains(&self.window) {
            return Err(bad("window", "erlaubt sind 1 bis 256"));
        }
        if !(1..=100).contains(&self.max_attempts) {
            return Err(bad("max_attempts", "erlaubt sind 1 bis 100"));
        }
        if self.backoff_base_ms == 0 || self.backoff_max_s == 0 {
            return Err(bad(
                "backoff_base_ms/backoff_max_s",
                "müssen größer als 0 sein",
            ));
        }
        if self.timeout_ms < 100 {
            return Err(bad("timeout_ms", "mindestens 100"));
        }
        if self.lease_s < 2 {
            return Err(bad("lease_s", "mindestens 2"));
        }
        if self.poll_ms == 0 {
            return Err(bad("poll_ms", "muss größer als 0 sein"));
        }
        Ok(())
    }

    pub fn engine(&self) -> DeliveryConfig {
        DeliveryConfig {
            window: self.window,
            max_attempts: self.max_attempts,
            backoff: Backoff {
                base: Duration::from_millis(self.backoff_base_ms),
                max: Duration::from_secs(self.backoff_max_s),
            },
            timeout: Duration::from_millis(self.timeout_ms),
            lease: Duration::from_secs(self.lease_s),
            poll: Duration::from_millis(self.poll_ms),
            endpoints_per_pass: 8,
        }
    }
}

/// A name for this process in claims: host, process ID and a random part.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_owned());
    format!(
        "{host}:{}:{:04x}",
        std::process::id(),
        rand::thread_rng().next_u32() & 0xffff
    )
}

/// Starts the delivery worker in the background until `shutdown` fires.
pub fn spawn(
    section: &DeliverySection,
    instance: String,
    store: Arc<dyn Store>,
    vault: Arc<dyn Vault>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    if !section.enabled {
        return Ok(None);
    }
    let worker = DeliveryWorker::new(
        store,
        vault,
        Arc::new(SystemClock),
        section.engine(),
        instance,
    )?;
    Ok(Some(tokio::spawn(async move {
        let mut shutdown = shutdown;
        worker
            .run(async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            })
            .await;
    })))
}
