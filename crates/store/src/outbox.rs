//! Push delivery: webhook endpoints, their delivered positions and the dead-letter list.
//!
//! The outbox is the feed itself: a change and its feed item are committed in one transaction
//! (`apply_batch`), and every endpoint reads its connection's feed items in `seq` order after
//! its own cursor. The cursor moves only with what the partner confirmed (2xx) or what was
//! dead-lettered, in one transaction with the protocol lines, fenced by the claim token of the
//! instance that delivered. A retry never moves the cursor past a failed record: the head
//! record is retried until it is delivered or dead-lettered.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use immohub_domain::profile::FeedKind;
use serde::{Deserialize, Serialize};

use crate::{FeedItem, Result};

/// A webhook endpoint a partner registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub connection: String,
    pub url: String,
    /// Feeds delivered to this endpoint; empty = every feed of the connection.
    pub feeds: Vec<FeedKind>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why the endpoint was switched off (e.g. the partner answered 410 Gone).
    pub disabled_reason: Option<String>,
    /// Highest feed `seq` confirmed by the partner or dead-lettered.
    pub cursor: i64,
    /// Failed attempts of the record at the head of the endpoint's queue.
    pub attempts: i32,
    /// No attempt before this time (backoff, `Retry-After`).
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// During a secret rotation: until when the previous secret signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// Whether items of `feed` go to this endpoint.
    pub fn wants(&self, feed: FeedKind) -> bool {
        self.feeds.is_empty() || self.feeds.contains(&feed)
    }
}

/// A new endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEndpoint {
    pub connection: String,
    pub url: String,
    pub feeds: Vec<FeedKind>,
    pub description: Option<String>,
    /// `true`: deliver only changes from now on; `false`: the whole feed from its start.
    pub from_now: bool,
}

/// An endpoint claimed by one instance until `until`. `token` fences late writers: a commit with
/// an outdated token is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointClaim {
    pub endpoint: WebhookEndpoint,
    pub holder: String,
    pub token: i64,
    pub until: DateTime<Utc>,
}

/// A feed item waiting for delivery, with the ERP key for the protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub item: FeedItem,
    pub erp_key: String,
}

/// What happened to one record during a delivery session (protocol line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub feed: FeedKind,
    pub erp_key: String,
    pub partner_id: String,
    pub version: i64,
    pub kind: DeliveryLineKind,
    /// German text: HTTP status, error, or why it was given up.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryLineKind {
    /// Confirmed by the partner (2xx).
    Delivered,
    /// Attempt failed; will be retried.
    Retry,
    /// Given up: now in the dead-letter list.
    DeadLettered,
    /// A retried dead letter that a newer version of the record made obsolete.
    Superseded,
}

/// A record given up on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDeadLetter {
    pub seq: i64,
    pub feed: FeedKind,
    pub erp_key: String,
    pub partner_id: String,
    pub version: i64,
    pub message_id: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub error: String,
}

/// Progress of one claimed endpoint, committed in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryProgress {
    pub endpoint_id: i64,
    pub holder: String,
    pub token: i64,
    /// New cursor (only moves forward).
    pub cursor: i64,
    /// Failed attempts of the new head record (0 after progress).
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// Records given up on (their seq is ≤ `cursor`).
    pub dead: Vec<NewDeadLetter>,
    /// Dead letters retried in this session, with their new status.
    pub resolved: Vec<(i64, DeadLetterStatus)>,
    /// The run (protocol) these lines belong to, and its counters to add.
    pub run_id: i64,
    pub lines: Vec<DeliveryLine>,
    /// Switch the endpoint off with this reason (410 Gone).
    pub disable: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterStatus {
    /// Waiting for someone to look at it.
    Open,
    /// Retry requested; the next delivery session sends it again.
    Queued,
    /// Delivered on retry.
    Delivered,
    /// Not sent again: a newer version of the record was sent since.
    Superseded,
}

impl DeadLetterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterStatus::Open => "open",
            DeadLetterStatus::Queued => "queued",
            DeadLetterStatus::Delivered => "delivered",
            DeadLetterStatus::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Queued, Self::Delivered, Self::Superseded]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
    /// German label.
    pub fn label_de(self) -> &'static str {
        match self {
            DeadLetterStatus::Open => "offen",
            DeadLetterStatus::Queued => "erneut eingeplant",
            DeadLetterStatus::Delivered => "nachträglich zugestellt",
            DeadLetterStatus::Superseded => "überholt",
        }
    }
}

/// One entry of the dead-letter list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub id: i64,
    pub endpoint_id: i64,
    pub connection: String,
    pub seq: i64,
    pub feed: FeedKind,
    pub erp_key: String,
    pub partner_id: String,
    pub version: i64,
    pub message_id: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub error: String,
    pub status: DeadLetterStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A queued dead letter with what to send again.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryItem {
    pub dead_letter: DeadLetter,
    pub item: FeedItem,
    /// Current version of the record in this feed (to detect superseded retries).
    pub current_version: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeadLetterFilter {
    pub connection: Option<String>,
    pub endpoint_id: Option<i64>,
    pub status: Option<DeadLetterStatus>,
    pub limit: u32,
}

/// Push delivery in the hub store. Every method is one transaction.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    async fn create_endpoint(&self, e: &NewEndpoint) -> Result<WebhookEndpoint>;
    async fn endpoint(&self, id: i64) -> Result<Option<WebhookEndpoint>>;
    /// The endpoints of one connection (or all), by id.
    async fn endpoints(&self, connection: Option<&str>) -> Result<Vec<WebhookEndpoint>>;
    /// Deletes an endpoint of `connection`; `false` when it did not exist.
    async fn delete_endpoint(&self, connection: &str, id: i64) -> Result<bool>;
    /// Switches an endpoint on (clearing backoff) or off.
    async fn set_endpoint_enabled(
        &self,
        connection: &str,
        id: i64,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<bool>;
    /// Records the start of a secret rotation (the previous secret signs until `until`).
    async fn set_previous_secret_until(&self, id: i64, until: Option<DateTime<Utc>>) -> Result<()>;

    /// Claims up to `limit` enabled endpoints that are due (`next_attempt_at <= now`) and not
    /// claimed by another live instance, for `lease`. PostgreSQL: `FOR UPDATE SKIP LOCKED`.
    async fn claim_endpoints(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<EndpointClaim>>;
    /// Extends a claim; `false` when it was lost (expired and taken by another instance).
    async fn renew_claim(&self, claim: &EndpointClaim, until: DateTime<Utc>) -> Result<bool>;
    /// Gives a claim back.
    async fn release_claim(&self, claim: &EndpointClaim) -> Result<()>;

    /// Feed items of the endpoint's connection after `after`, oldest first, at most `limit`,
    /// only of the endpoint's feeds.
    async fn outbox_items(
        &self,
        endpoint: &WebhookEndpoint,
        after: i64,
        limit: u32,
    ) -> Result<Vec<OutboxItem>>;
    /// Queued dead letters of an endpoint with their feed items.
    async fn queued_retries(&self, endpoint_id: i64, limit: u32) -> Result<Vec<RetryItem>>;

    /// Commits a delivery session's progress: cursor, backoff, dead letters, protocol lines and
    /// run counters, in one transaction. `Conflict` when the claim token is outdated (another
    /// instance owns the endpoint now): nothing is written.
    async fn commit_delivery(&self, p: &DeliveryProgress) -> Result<()>;

    async fn dead_letters(&self, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>>;
    /// Queues a dead letter of `connection` for another attempt; `false` when unknown.
    async fn retry_dead_letter(&self, connection: &str, id: i64) -> Result<bool>;
}
