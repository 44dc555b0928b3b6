//! The inbox: what partners send in (prospects today; tickets and tenants later), kept until it
//! is written into the ERP (GEN-11: nothing accepted is lost, nothing is applied twice).
//!
//! * An item is committed before the partner gets an answer ([`InboxStore::insert_inbox`]),
//!   idempotently by `(connection, kind, idempotency_key)`.
//! * Workers take due items with a time-limited claim ([`InboxStore::claim_inbox`]): on
//!   PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several immohub instances share the work; a
//!   worker that dies loses its claim when the lease ends, and another worker repeats the item.
//! * The end of an attempt ([`InboxStore::finish_inbox`]) sets the item's status together with
//!   its protocol line and the run's counters, in one transaction, and only while the worker
//!   still holds the claim.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use immohub_domain::profile::FeedKind;
use serde::{Deserialize, Serialize};

use crate::{Counts, Outcome, Result};

/// What an inbox item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A prospect (Interessent) for a unit; the payload is an
    /// [`immohub_domain::prospect::Prospect`].
    Prospect,
    /// A tenant accepted at the partner, with dossier (TEN-1); the payload is an
    /// [`immohub_domain::tenant::AcceptedTenant`].
    Tenant,
}

impl InboxKind {
    pub const ALL: [InboxKind; 2] = [InboxKind::Prospect, InboxKind::Tenant];

    pub fn as_str(self) -> &'static str {
        match self {
            InboxKind::Prospect => "prospect",
            InboxKind::Tenant => "tenant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind under which outcomes of these items appear in the protocol.
    pub fn feed(self) -> FeedKind {
        match self {
            InboxKind::Prospect => FeedKind::Prospect,
            InboxKind::Tenant => FeedKind::AcceptedTenant,
        }
    }
}

/// Where an inbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxStatus {
    /// Accepted and waiting to be written (also after a transient error: `error` holds the
    /// last one, `next_attempt_at` the next try).
    Received,
    /// Written into the ERP; `erp_id` is the ERP's row id.
    Written,
    /// Not written because of its content (e.g. unknown unit); `error` and `rule` say why.
    Failed,
    /// Given up after too many transient errors (dead letter); `error` holds the last one.
    Dead,
    /// The duplicate check (PRO-3) found a possible existing person between the two
    /// thresholds: waits in the review list until staff decide ([`InboxStore::decide_review`]).
    Review,
}

impl InboxStatus {
    pub const ALL: [InboxStatus; 5] = [
        InboxStatus::Received,
        InboxStatus::Written,
        InboxStatus::Failed,
        InboxStatus::Dead,
        InboxStatus::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboxStatus::Received => "received",
            InboxStatus::Written => "written",
            InboxStatus::Failed => "failed",
            InboxStatus::Dead => "dead",
            InboxStatus::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// German label.
    pub fn label_de(self) -> &'static str {
        match self {
            InboxStatus::Received => "empfangen",
            InboxStatus::Written => "ins ERP geschrieben",
            InboxStatus::Failed => "fehlgeschlagen",
            InboxStatus::Dead => "aufgegeben",
            InboxStatus::Review => "wartet auf Dublettenprüfung",
        }
    }
}

/// An item to put into the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInboxItem {
    pub connection: String,
    pub kind: InboxKind,
    /// The partner's idempotency key: unique per connection and kind.
    pub idempotency_key: String,
    /// Transport it came by: `api`, later `openimmo`, `melon`, …
    pub source: String,
    /// The normalised content (for prospects a `Prospect` as JSON).
    pub payload: serde_json::Value,
    /// Hash of the normalised content: equal hashes are the same delivery.
    pub payload_hash: String,
    pub received_at: DateTime<Utc>,
}

/// An item of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    /// immohub's ID of the item (what `GET /v1/prospects/{id}` takes).
    pub id: i64,
    pub connection: String,
    pub kind: InboxKind,
    pub idempotency_key: String,
    pub source: String,
    pub payload: serde_json::Value,
    pub payload_hash: String,
    pub status: InboxStatus,
    /// Attempts made to write it (written or not).
    pub attempts: i64,
    /// Not to be tried before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// The worker holding the item, until `claimed_until`.
    pub claimed_by: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    /// The ERP's row id once written.
    pub erp_id: Option<String>,
    /// German reason of the last failure.
    pub error: Option<String>,
    /// Rule ID of a failure, e.g. `PRO-1`, `GEN-2`.
    pub rule: Option<String>,
    /// The run that last worked on it.
    pub run_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What [`InboxStore::insert_inbox`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxInsert {
    /// A new item.
    Created(InboxItem),
    /// The key was known with the same content: the existing item, unchanged.
    Existing(InboxItem),
}

impl InboxInsert {
    pub fn item(&self) -> &InboxItem {
        match self {
            InboxInsert::Created(i) | InboxInsert::Existing(i) => i,
        }
    }

    pub fn into_item(self) -> InboxItem {
        match self {
            InboxInsert::Created(i) | InboxInsert::Existing(i) => i,
        }
    }
}

/// How one attempt on a claimed item ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InboxResult {
    /// Written into the ERP (also when the ERP already had it from an earlier attempt).
    Written { erp_id: String },
    /// A transient error: try again at `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    /// The content cannot be written (e.g. unknown unit): no automatic retry.
    Failed { error: String, rule: Option<String> },
    /// Too many transient errors: given up (dead letter).
    Dead { error: String },
    /// The duplicate check is uncertain (PRO-3): the item waits in the review list.
    Review(NewReview),
}

impl InboxResult {
    /// The status the item gets.
    pub fn status(&self) -> InboxStatus {
        match self {
            InboxResult::Written { .. } => InboxStatus::Written,
            InboxResult::Retry { .. } => InboxStatus::Received,
            InboxResult::Failed { .. } => InboxStatus::Failed,
            InboxResult::Dead { .. } => InboxStatus::Dead,
            InboxResult::Review(_) => InboxStatus::Review,
        }
    }
}

/// A review-list entry made when an item goes into review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReview {
    /// The client (Mandant) whose persons were searched.
    pub client_no: String,
    /// The candidates as the duplicate check returned them (JSON array, best first).
    pub candidates: serde_json::Value,
    /// German: why the item waits (best score, thresholds).
    pub summary: String,
}

/// What staff decided for an item in the review list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum ReviewDecision {
    /// The prospect is this existing person (person number within the review's client).
    Link { person_no: String },
    /// The prospect is nobody known: the ERP creates a new business partner.
    New,
}

/// An entry of the review list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchReview {
    /// The inbox item (what `immohub review` and the API take as ID).
    pub item_id: i64,
    pub connection: String,
    pub client_no: String,
    pub candidates: serde_json::Value,
    pub summary: String,
    /// `None` while open.
    pub decision: Option<ReviewDecision>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The item's content (the prospect).
    pub payload: serde_json::Value,
}

/// The end of one attempt, written in one transaction with its protocol line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxDone {
    pub id: i64,
    /// The worker that claimed the item; nothing is written when it no longer holds it.
    pub holder: String,
    pub run_id: i64,
    pub result: InboxResult,
    pub at: DateTime<Utc>,
    /// The protocol line of this attempt (GEN-7, GEN-8).
    pub outcome: Outcome,
    /// Added to the run's counters.
    pub counts: Counts,
    /// E-mails to queue with a written item (TEN-3), once per recipient.
    #[serde(default)]
    pub notify: Vec<crate::NewNotification>,
}

/// The inbox of the hub store. Every method is one transaction.
#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Puts an item into the inbox, idempotently: a new `(connection, kind, idempotency_key)`
    /// gives [`InboxInsert::Created`]; a known key with the same `payload_hash` gives the
    /// existing item unchanged ([`InboxInsert::Existing`]); a known key with another hash is a
    /// [`crate::StoreError::Conflict`]. Returns after the commit.
    async fn insert_inbox(&self, item: &NewInboxItem) -> Result<InboxInsert>;

    /// An item by ID, only if it belongs to `connection`.
    async fn inbox_item(&self, connection: &str, id: i64) -> Result<Option<InboxItem>>;

    /// An item by its idempotency key.
    async fn inbox_by_key(
        &self,
        connection: &str,
        kind: InboxKind,
        idempotency_key: &str,
    ) -> Result<Option<InboxItem>>;

    /// Claims up to `limit` due items of `kind` (of one connection, if given) for `holder`
    /// until `now + lease`, oldest due first: items `received` whose `next_attempt_at` has come
    /// and whose claim is free or expired. Several workers never get the same item while its
    /// claim lasts (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time).
    async fn claim_inbox(
        &self,
        kind: InboxKind,
        connection: Option<&str>,
        holder: &str,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<InboxItem>>;

    /// Ends an attempt: status, attempts + 1, ERP id or error, claim released; with the
    /// outcome appended and the run's counters added, in one transaction. Only while `holder`
    /// still holds the item (and it is still `received`): otherwise writes nothing and returns
    /// `false` (another worker took over after the claim expired).
    async fn finish_inbox(&self, done: &InboxDone) -> Result<bool>;

    /// Gives claimed items back without counting an attempt (a run that stops early).
    async fn release_inbox(&self, holder: &str, ids: &[i64]) -> Result<()>;

    /// The review list (PRO-3): entries of one connection (or all), open ones only or all,
    /// oldest first.
    async fn reviews(
        &self,
        connection: Option<&str>,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<MatchReview>>;

    /// One review-list entry by its inbox item.
    async fn review(&self, item_id: i64) -> Result<Option<MatchReview>>;

    /// Records staff's decision for an open entry and makes the item due again at `at`, in one
    /// transaction. `false` when the entry is not open (unknown or decided already).
    async fn decide_review(
        &self,
        item_id: i64,
        decision: &ReviewDecision,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Items of a connection and kind, newest first, optionally of one status.
    async fn inbox_items(
        &self,
        connection: &str,
        kind: InboxKind,
        status: Option<InboxStatus>,
        limit: u32,
    ) -> Result<Vec<InboxItem>>;
}
