//! Reliable push delivery to webhook endpoints (GEN-11, GEN-12).
//!
//! A [`DeliveryWorker`] claims due endpoints (a lease with a fencing token, so several instances
//! share the endpoints and a dead instance's endpoints are taken over when its lease ends), and
//! per endpoint sends the feed items after the endpoint's cursor, in `seq` order, a window of
//! distinct records at a time. Per window it commits, in one transaction: the new cursor (only
//! up to the first record that must be retried), backoff, dead letters and protocol lines.
//!
//! * A message's `webhook-id` is its idempotency key `<feed>:<id>:<version>`: a crash after the
//!   partner's answer but before the commit sends the same message again, which a partner that
//!   de-duplicates by `webhook-id` applies once.
//! * A failed record stops the endpoint (later records wait, so the partner never sees a newer
//!   change before an older one) until it is delivered or, after `max_attempts` or a refusal
//!   (4xx), dead-lettered. Backoff is exponential with jitter; `Retry-After` is honoured.
//! * A dead letter can be queued again; a retry that a newer version made obsolete is marked
//!   superseded instead of sent.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use immohub_store::{
    DeadLetterStatus, DeliveryLine, DeliveryLineKind, DeliveryProgress, EndpointClaim, FeedItem,
    FeedOp, NewDeadLetter, NewRun, RunEnd, RunStatus, Store, StoreError, WebhookEndpoint,
};
use immohub_transport::backoff::Backoff;
use immohub_transport::webhook::{Attempt, Message, SigningSecret, WebhookClient};

use crate::clock::Clock;
use crate::crash;
use crate::vault::Vault;
use crate::webhooks::signing_secrets;

/// Use case name of delivery runs in the protocol.
pub const USE_CASE: &str = "webhook";

/// Tuning of push delivery.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Records sent at once per endpoint (distinct records; committed together).
    pub window: usize,
    /// Attempts before a record is dead-lettered.
    pub max_attempts: u32,
    pub backoff: Backoff,
    /// Time limit of one HTTP attempt.
    pub timeout: Duration,
    /// How long a claim on an endpoint lasts without renewal.
    pub lease: Duration,
    /// Pause when there was nothing to do.
    pub poll: Duration,
    /// Endpoints claimed per pass.
    pub endpoints_per_pass: u32,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            window: 32,
            max_attempts: 10,
            backoff: Backoff::default(),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            endpoints_per_pass: 8,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("HTTP-Client: {0}")]
    Client(String),
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassSummary {
    pub endpoints: usize,
    pub delivered: u64,
    pub retried: u64,
    pub dead_lettered: u64,
}

impl PassSummary {
    fn add(&mut self, o: &PassSummary) {
        self.endpoints += o.endpoints;
        self.delivered += o.delivered;
        self.retried += o.retried;
        self.dead_lettered += o.dead_lettered;
    }
    /// Whether anything was attempted.
    pub fn did_work(&self) -> bool {
        self.delivered + self.retried + self.dead_lettered > 0
    }
}

/// Delivers feed items to webhook endpoints.
pub struct DeliveryWorker {
    store: Arc<dyn Store>,
    vault: Arc<dyn Vault>,
    clock: Arc<dyn Clock>,
    client: WebhookClient,
    cfg: DeliveryConfig,
    holder: String,
}

/// The webhook message of a feed item: `webhook-id` = idempotency key, body = the same object
/// the pull feed shows, wrapped as `{type, timestamp, data}`.
pub fn message(item: &FeedItem) -> Message {
    let key = format!("{}:{}:{}", item.feed, item.partner_id, item.version);
    let body = serde_json::json!({
        "type": format!("{}.{}", item.feed, item.op.as_str()),
        "timestamp": item.created_at,
        "data": {
            "id": item.partner_id,
            "op": item.op.as_str(),
            "version": item.version,
            "idempotency_key": key,
            "data": match item.op {
                FeedOp::Upsert => item.payload.clone(),
                FeedOp::Delete => serde_json::Value::Null,
            },
            "changed_at": item.created_at,
        }
    });
    Message {
        id: key,
        body: body.to_string().into_bytes(),
    }
}

impl DeliveryWorker {
    /// A worker that claims endpoints as `holder` (unique per process, e.g. host:pid:random).
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<dyn Vault>,
        clock: Arc<dyn Clock>,
        cfg: DeliveryConfig,
        holder: String,
    ) -> Result<Self, DeliveryError> {
        let client =
            WebhookClient::new(cfg.timeout).map_err(|e| DeliveryError::Client(e.to_string()))?;
        Ok(DeliveryWorker {
            store,
            vault,
            clock,
            client,
            cfg,
            holder,
        })
    }

    /// Runs passes until `shutdown` resolves; pauses `poll` when a pass found nothing to do.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let idle = match self.pass().await {
                Ok(s) => !s.did_work(),
                Err(e) => {
                    tracing::warn!("Zustellung: {e}");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(self.cfg.poll) => {}
                }
            } else if futures::FutureExt::now_or_never(&mut shutdown).is_some() {
                return;
            }
        }
    }

    /// One pass: claims due endpoints and works on each until it is drained or must wait.
    pub async fn pass(&self) -> Result<PassSummary, DeliveryError> {
        let now = self.clock.now();
        let lease = chrono::Duration::from_std(self.cfg.lease).unwrap_or(chrono::Duration::MAX);
        let claims = self
            .store
            .claim_endpoints(&self.holder, now, lease, self.cfg.endpoints_per_pass)
            .await?;
        let results = futures::future::join_all(claims.into_iter().map(|c| self.session(c))).await;
        let mut total = PassSummary::default();
        for r in results {
            total.add(&r?);
        }
        Ok(total)
    }

    /// Delivers until there is nothing left, the head record must wait, or the claim is lost.
    async fn session(&self, mut claim: EndpointClaim) -> Result<PassSummary, DeliveryError> {
        let mut summary = PassSummary {
            endpoints: 1,
            ..PassSummary::default()
        };
        let mut run: Option<i64> = None;
        let result = self.work(&mut claim, &mut run, &mut summary).await;
        if let Some(run_id) = run {
            let status = if result.is_err() {
                RunStatus::Failed
            } else if summary.dead_lettered > 0 || summary.retried > 0 {
                RunStatus::Partial
            } else {
                RunStatus::Succeeded
            };
            let errors = match &result {
                Err(e) => vec![e.to_string()],
                Ok(_) => Vec::new(),
            };
            let end = RunEnd {
                ended_at: self.clock.now(),
                status,
                errors,
            };
            if let Err(e) = self.store.finish_run(run_id, &end).await {
                tracing::warn!(run_id, "Zustelllauf nicht abgeschlossen: {e}");
            }
        }
        if let Err(e) = self.store.release_claim(&claim).await {
            tracing::warn!(endpoint = claim.endpoint.id, "Freigabe fehlgeschlagen: {e}");
        }
        result.map(|()| summary)
    }

    async fn start_run(
        &self,
        ep: &WebhookEndpoint,
        run: &mut Option<i64>,
    ) -> Result<i64, DeliveryError> {
        if let Some(id) = *run {
            return Ok(id);
        }
        let id = self
            .store
            .start_run(&NewRun {
                use_case: USE_CASE.to_owned(),
                connection: ep.connection.clone(),
                direction: "erp_to_partner".to_owned(),
                trigger: format!("webhook {} ({})", ep.id, self.holder),
                started_at: self.clock.now(),
            })
            .await?;
        *run = Some(id);
        Ok(id)
    }

    async fn work(
        &self,
        claim: &mut EndpointClaim,
        run: &mut Option<i64>,
        summary: &mut PassSummary,
    ) -> Result<(), DeliveryError> {
        let window = self.cfg.window.max(1);
        loop {
            let now = self.clock.now();
            if claim.until - now
                < chrono::Duration::from_std(self.cfg.lease / 2).unwrap_or_default()
            {
                let until = now + chrono::Duration::from_std(self.cfg.lease).unwrap_or_default();
                if !self.store.renew_claim(claim, until).await? {
                    return Ok(());
                }
                claim.until = until;
            }
            let ep = claim.endpoint.clone();
            let retries = self.store.queued_retries(ep.id, window as u32).await?;
            let items = if retries.is_empty() {
                self.store
                    .outbox_items(&ep, ep.cursor, window as u32)
                    .await?
            } else {
                Vec::new()
            };
            if retries.is_empty() && items.is_empty() {
                return Ok(());
            }
            let run_id = self.start_run(&ep, run).await?;
            let secrets = match signing_secrets(self.vault.as_ref(), &ep, now).await {
                Ok(s) => s,
                Err(e) => {
                    // Cannot sign: wait like for a failing partner, and say why.
                    let attempts = ep.attempts.saturating_add(1);
                    let wait = self
                        .cfg
                        .backoff
                        .delay(attempts as u32, &mut rand::thread_rng());
                    let p = self.progress(
                        claim,
                        run_id,
                        ep.cursor,
                        attempts,
                        now + wait,
                        Some(e.to_string()),
                    );
                    self.commit(&p).await?;
                    summary.retried += 1;
                    return Ok(());
                }
            };
            let mut p = self.progress(
                claim,
                run_id,
                ep.cursor,
                ep.attempts,
                now,
                ep.last_error.clone(),
            );

            if !retries.is_empty() {
                for r in &retries {
                    let dl = &r.dead_letter;
                    let line = |kind, detail| DeliveryLine {
                        feed: dl.feed,
                        erp_key: dl.erp_key.clone(),
                        partner_id: dl.partner_id.clone(),
                        version: dl.version,
                        kind,
                        detail,
                    };
                    if r.current_version > dl.version {
                        p.resolved.push((dl.id, DeadLetterStatus::Superseded));
                        p.lines.push(line(
                            DeliveryLineKind::Superseded,
                            Some(format!(
                                "nicht erneut gesendet: Version {} ist neuer",
                                r.current_version
                            )),
                        ));
                        continue;
                    }
                    let attempt = self
                        .client
                        .send(&ep.url, &message(&r.item), &secrets, now)
                        .await;
                    crash::point("delivery.retry.after_partner_write");
                    if let Attempt::Delivered { .. } = attempt {
                        summary.delivered += 1;
                        p.resolved.push((dl.id, DeadLetterStatus::Delivered));
                        p.lines
                            .push(line(DeliveryLineKind::Delivered, Some(attempt.describe())));
                    } else {
                        summary.dead_lettered += 1;
                        p.resolved.push((dl.id, DeadLetterStatus::Open));
                        p.lines.push(line(
                            DeliveryLineKind::DeadLettered,
                            Some(format!("erneuter Versuch: {}", attempt.describe())),
                        ));
                    }
                }
                self.commit(&p).await?;
                continue;
            }

            // A window of distinct records: two versions of one record never travel together.
            let mut seen = HashSet::new();
            let take = items
                .iter()
                .take_while(|i| seen.insert((i.item.feed, i.item.partner_id.as_str())))
                .count();
            let batch = &items[..take];
            let attempts = futures::future::join_all(
                batch
                    .iter()
                    .map(|i| self.send(&ep.url, &i.item, &secrets, now)),
            )
            .await;
            crash::point("delivery.after_partner_write");

            let mut stopped = false;
            for (i, (o, attempt)) in batch.iter().zip(attempts).enumerate() {
                let it = &o.item;
                let line = |kind, detail| DeliveryLine {
                    feed: it.feed,
                    erp_key: o.erp_key.clone(),
                    partner_id: it.partner_id.clone(),
                    version: it.version,
                    kind,
                    detail,
                };
                let dead = |attempts: i32, status: Option<u16>, error: String| NewDeadLetter {
                    seq: it.seq,
                    feed: it.feed,
                    erp_key: o.erp_key.clone(),
                    partner_id: it.partner_id.clone(),
                    version: it.version,
                    message_id: format!("{}:{}:{}", it.feed, it.partner_id, it.version),
                    attempts,
                    last_status: status.map(i32::from),
                    error,
                };
                let tried = if i == 0 { ep.attempts } else { 0 }.saturating_add(1);
                match attempt {
                    Attempt::Delivered { .. } => {
                        summary.delivered += 1;
                        p.lines.push(line(DeliveryLineKind::Delivered, None));
                        p.cursor = it.seq;
                        p.attempts = 0;
                        p.last_error = None;
                    }
                    Attempt::Rejected { status, .. } => {
                        summary.dead_lettered += 1;
                        let text = attempt.describe();
                        p.dead.push(dead(tried, Some(status), text.clone()));
                        p.lines
                            .push(line(DeliveryLineKind::DeadLettered, Some(text)));
                        p.cursor = it.seq;
                        p.attempts = 0;
                    }
                    Attempt::Gone => {
                        summary.retried += 1;
                        let text = attempt.describe();
                        p.lines
                            .push(line(DeliveryLineKind::Retry, Some(text.clone())));
                        p.disable = Some(text);
                        stopped = true;
                    }
                    Attempt::Retry {
                        status,
                        retry_after,
                        ..
                    } => {
                        let text = attempt.describe();
                        if tried as u32 >= self.cfg.max_attempts {
                            summary.dead_lettered += 1;
                            let text = format!("nach {tried} Versuchen aufgegeben: {text}");
                            p.dead.push(dead(tried, status, text.clone()));
                            p.lines
                                .push(line(DeliveryLineKind::DeadLettered, Some(text)));
                            p.cursor = it.seq;
                            p.attempts = 0;
                        } else {
                            summary.retried += 1;
                            let wait = self.cfg.backoff.next(
                                tried as u32,
                                retry_after,
                                &mut rand::thread_rng(),
                            );
                            p.attempts = tried;
                            p.next_attempt_at =
                                now + chrono::Duration::from_std(wait).unwrap_or_default();
                            p.lines.push(line(
                                DeliveryLineKind::Retry,
                                Some(format!(
                                    "Versuch {tried}: {text}; nächster Versuch in {} s",
                                    wait.as_secs_f32().ceil()
                                )),
                            ));
                            p.last_error = Some(text);
                            stopped = true;
                        }
                    }
                }
                if stopped {
                    // Later records of this window wait for the failed one; they are sent again
                    // (same webhook-id) after it.
                    break;
                }
            }
            self.commit(&p).await?;
            crash::point("delivery.after_cursor_commit");
            claim.endpoint.cursor = p.cursor.max(claim.endpoint.cursor);
            claim.endpoint.attempts = p.attempts;
            claim.endpoint.last_error = p.last_error.clone();
            if stopped {
                // A short wait is spent here, holding the claim: one run tells the story of a
                // hiccup instead of one run per attempt. Longer waits end the session.
                let wait = (p.next_attempt_at - self.clock.now())
                    .to_std()
                    .unwrap_or_default();
                let short = (self.cfg.lease / 3).min(Duration::from_secs(10));
                if p.disable.is_some() || wait > short {
                    return Ok(());
                }
                tokio::time::sleep(wait).await;
            }
        }
    }

    async fn send(
        &self,
        url: &str,
        item: &FeedItem,
        secrets: &[SigningSecret],
        now: DateTime<Utc>,
    ) -> Attempt {
        self.client.send(url, &message(item), secrets, now).await
    }

    fn progress(
        &self,
        claim: &EndpointClaim,
        run_id: i64,
        cursor: i64,
        attempts: i32,
        next_attempt_at: DateTime<Utc>,
        last_error: Option<String>,
    ) -> DeliveryProgress {
        DeliveryProgress {
            endpoint_id: claim.endpoint.id,
            holder: claim.holder.clone(),
            token: claim.token,
            cursor,
            attempts,
            next_attempt_at,
            last_error,
            dead: Vec::new(),
            resolved: Vec::new(),
            run_id,
            lines: Vec::new(),
            disable: None,
        }
    }

    async fn commit(&self, p: &DeliveryProgress) -> Result<(), DeliveryError> {
        self.store.commit_delivery(p).await.map_err(|e| match e {
            // Another instance took the endpoint over: this session's work is void, and it
            // will be repeated there with the same webhook-ids.
            StoreError::Conflict(m) => {
                tracing::warn!("{m}");
                DeliveryError::Store(StoreError::Conflict(m))
            }
            e => DeliveryError::Store(e),
        })
    }
}
