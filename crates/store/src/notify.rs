//! Staff e-mail notices (TEN-3): who subscribed to what, and the queue of e-mails for inbox
//! items.
//!
//! * Staff subscribe to a topic ([`TOPIC_TENANTS`]: a new tenant without lease arrived), for one
//!   partner connection or for all ([`NotificationStore::subscribe`]).
//! * When an item is written into the ERP, its e-mails are queued in the same transaction
//!   ([`crate::InboxDone::notify`]): one per item and recipient, so a repeated attempt queues
//!   nothing new.
//! * A sender claims due e-mails for a while ([`NotificationStore::claim_notifications`]),
//!   sends them and records the result ([`NotificationStore::finish_notification`]). A sender
//!   that dies after sending but before recording sends that one e-mail again after the claim
//!   ends (at least once; SMTP offers nothing better).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;

/// Topic: a tenant accepted at a partner arrived and was written into the ERP (TEN-3,
/// "Zuweisung freigeben").
pub const TOPIC_TENANTS: &str = "tenants";

/// The topics staff can subscribe to.
pub const TOPICS: [&str; 1] = [TOPIC_TENANTS];

/// A staff member's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The staff account's name.
    pub staff: String,
    /// Its e-mail address (a subscription without one gets no e-mail).
    pub email: Option<String>,
    pub active: bool,
    pub topic: String,
    /// `None`: every partner connection.
    pub connection: Option<String>,
}

/// An e-mail to queue with an inbox item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotification {
    pub topic: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Where a queued e-mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    Pending,
    Sent,
    /// Given up after repeated errors.
    Dead,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            NotificationStatus::Pending,
            NotificationStatus::Sent,
            NotificationStatus::Dead,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label_de(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "wartet auf Versand",
            NotificationStatus::Sent => "versendet",
            NotificationStatus::Dead => "aufgegeben",
        }
    }
}

/// A queued e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    /// The inbox item it is about.
    pub item_id: i64,
    pub topic: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: NotificationStatus,
    /// Send attempts so far (a claim counts as one).
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    /// The last error (German).
    pub error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// How a send attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationResult {
    Sent,
    Retry {
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    Dead {
        error: String,
    },
}

/// Subscriptions and the e-mail queue. Every method is one transaction.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Subscribes an active staff account to `topic` for `connection` (`None`: all).
    /// `NotFound` when no active account has that name; `false` when it was subscribed already.
    async fn subscribe(
        &self,
        staff: &str,
        topic: &str,
        connection: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Ends a subscription; `false` when there was none.
    async fn unsubscribe(&self, staff: &str, topic: &str, connection: Option<&str>)
    -> Result<bool>;

    /// Every subscription, by staff name.
    async fn subscriptions(&self) -> Result<Vec<Subscription>>;

    /// The e-mail addresses of active staff subscribed to `topic` for `connection` (or for all
    /// connections), each once, sorted.
    async fn subscribers(&self, topic: &str, connection: &str) -> Result<Vec<String>>;

    /// Claims up to `limit` due e-mails until `now + lease` (counting an attempt), oldest
    /// first. Two senders never get the same e-mail while its claim lasts.
    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Notification>>;

    /// Records how sending a claimed e-mail ended.
    async fn finish_notification(
        &self,
        id: i64,
        result: &NotificationResult,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// The e-mails queued for an inbox item, oldest first.
    async fn notifications_of(&self, item_id: i64) -> Result<Vec<Notification>>;
}
