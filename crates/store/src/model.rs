//! Records the store keeps and returns.

use chrono::{DateTime, Utc};
use immohub_domain::ErpEntity;
use immohub_domain::profile::FeedKind;
use serde::{Deserialize, Serialize};

/// A partner connection. `config` holds the sync rules as JSON (owned by the engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub name: String,
    /// Partner profile name (`immomio`, `casavi`, `everreal`, `generic`).
    pub profile: String,
    /// SHA-256 (hex) of the API key; the key itself is never stored.
    pub api_key_hash: String,
    /// Client numbers this connection sees (GEN-2); the API filters by them too.
    pub clients: Vec<String>,
    pub config: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// Use case, e.g. `stammdaten`.
    pub use_case: String,
    pub connection: String,
    /// `erp_to_partner` or `partner_to_erp`.
    pub direction: String,
    /// `schedule`, `manual`, `api`, `bench`.
    pub trigger: String,
    pub started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Succeeded,
    /// Finished, but some records failed.
    Partial,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Running, Self::Succeeded, Self::Partial, Self::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub read: i64,
    pub sent: i64,
    pub skipped: i64,
    pub failed: i64,
    pub deleted: i64,
    pub unchanged: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEnd {
    pub ended_at: DateTime<Utc>,
    pub status: RunStatus,
    /// Run-level errors (German), e.g. "ERP nicht erreichbar".
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: i64,
    pub use_case: String,
    pub connection: String,
    pub direction: String,
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub counts: Counts,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFilter {
    pub connection: Option<String>,
    pub use_case: Option<String>,
    /// Inclusive lower bound on `started_at`.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `started_at`.
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// The state of one record of one connection and feed: what the partner has and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    pub connection: String,
    pub feed: FeedKind,
    pub erp_key: String,
    pub partner_id: Option<String>,
    /// `sent`, `skipped`, `failed` or `deleted`.
    pub status: RecordStatus,
    /// Hash of the payload last put into the feed (sent) or of the skip/failure reason.
    pub hash: String,
    /// Hash of the canonical ERP entity this state was derived from.
    pub source_hash: String,
    /// German reason for skipped/failed/deleted.
    pub reason: Option<String>,
    /// Rule ID or error code, e.g. `STM-2`.
    pub rule: Option<String>,
    /// Feed version last delivered for this record (0 if never sent).
    pub version: i64,
    pub run_id: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Sent,
    Skipped,
    Failed,
    Deleted,
    /// Push delivery: the partner confirmed it (outcome lines only, never a record state).
    Delivered,
    /// Push delivery: an attempt failed and will be retried (outcome lines only).
    DeliveryFailed,
    /// Push delivery: given up, now in the dead-letter list (outcome lines only).
    DeadLetter,
    /// Push delivery: a retried dead letter made obsolete by a newer version (outcome lines only).
    Superseded,
}

impl RecordStatus {
    const ALL: [RecordStatus; 8] = [
        Self::Sent,
        Self::Skipped,
        Self::Failed,
        Self::Deleted,
        Self::Delivered,
        Self::DeliveryFailed,
        Self::DeadLetter,
        Self::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Sent => "sent",
            RecordStatus::Skipped => "skipped",
            RecordStatus::Failed => "failed",
            RecordStatus::Deleted => "deleted",
            RecordStatus::Delivered => "delivered",
            RecordStatus::DeliveryFailed => "delivery_failed",
            RecordStatus::DeadLetter => "dead_letter",
            RecordStatus::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// German label for tables.
    pub fn label_de(self) -> &'static str {
        match self {
            RecordStatus::Sent => "übertragen",
            RecordStatus::Skipped => "nicht übertragen",
            RecordStatus::Failed => "fehlerhaft",
            RecordStatus::Deleted => "gelöscht",
            RecordStatus::Delivered => "zugestellt",
            RecordStatus::DeliveryFailed => "Zustellung fehlgeschlagen",
            RecordStatus::DeadLetter => "aufgegeben (Dead Letter)",
            RecordStatus::Superseded => "überholt",
        }
    }
}

/// A payload as JSON text, serialised once where it is made.
///
/// Writers hand the store text rather than a `serde_json::Value`: building such a tree,
/// serialising it and dropping it again cost a bulk load more time than its SQL. Readers get
/// `serde_json::Value`s back (see [`StoredEntity`], [`FeedItem`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonText(String);

impl JsonText {
    /// The JSON text of `value` (compact, as `serde_json::to_string` writes it).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(JsonText)
    }

    /// `null`: the payload of deletions.
    pub fn null() -> Self {
        JsonText("null".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(value: serde_json::Value) -> Self {
        // `to_string` writes into a byte buffer; `Display` (`value.to_string()`) goes through
        // `fmt::Write` token by token and is markedly slower. A `Value` always serialises.
        serde_json::to_string(&value).map_or_else(|_| JsonText::null(), JsonText)
    }
}

/// A canonical entity as the ERP gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityUpsert {
    pub entity: ErpEntity,
    pub erp_key: String,
    pub client_no: String,
    pub hash: String,
    pub payload: JsonText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEntity {
    pub entity: ErpEntity,
    pub erp_key: String,
    pub client_no: String,
    pub hash: String,
    pub version: i64,
    pub payload: serde_json::Value,
    pub deleted: bool,
    pub updated_at: DateTime<Utc>,
}

/// One change in a partner's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFeedItem {
    pub feed: FeedKind,
    pub erp_key: String,
    pub partner_id: String,
    /// `upsert` or `delete`.
    pub op: FeedOp,
    /// Version of this record in this feed: 1 for the first delivery, +1 for every later one
    /// (deletions included). `(partner_id, version)` is the idempotency key partners see.
    pub version: i64,
    /// Payload for upserts; `null` for deletions.
    pub payload: JsonText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOp {
    Upsert,
    Delete,
}

impl FeedOp {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedOp::Upsert => "upsert",
            FeedOp::Delete => "delete",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upsert" => Some(FeedOp::Upsert),
            "delete" => Some(FeedOp::Delete),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    pub seq: i64,
    pub feed: FeedKind,
    pub partner_id: String,
    pub op: FeedOp,
    /// Version of this record in this feed (1 for the first delivery).
    pub version: i64,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// One recorded outcome (protocol line of a record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub run_id: i64,
    pub connection: String,
    pub feed: FeedKind,
    pub erp_key: String,
    pub partner_id: Option<String>,
    pub status: RecordStatus,
    pub reason: Option<String>,
    pub rule: Option<String>,
    pub at: DateTime<Utc>,
}

/// Everything one batch writes, in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub run_id: i64,
    pub connection: String,
    pub at: Option<DateTime<Utc>>,
    pub entities: Vec<EntityUpsert>,
    /// Canonical entities deleted in the ERP: (entity, erp key).
    pub entity_deletes: Vec<(ErpEntity, String)>,
    pub feed: Vec<NewFeedItem>,
    pub states: Vec<RecordState>,
    pub outcomes: Vec<Outcome>,
    /// Added to the run's counters.
    pub counts: Counts,
}
