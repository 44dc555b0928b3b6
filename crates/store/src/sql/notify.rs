//! [`NotificationStore`] for [`SqlStore`]. The operations are written once, in
//! `notify/ops.rs`, and compiled for each backend, like the store's other operations.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::{Backend, SqlStore};
use crate::Result;
use crate::notify::{Notification, NotificationResult, NotificationStore, Subscription};

/// The notification operations compiled for SQLite.
#[path = "notify"]
mod sqlite_ops {
    pub(crate) use crate::sql::sqlite::{Db, begin_write};

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

/// The notification operations compiled for PostgreSQL.
#[path = "notify"]
mod postgres_ops {
    pub(crate) use crate::sql::postgres::{Db, begin_write};

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

macro_rules! dispatch {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Backend::Sqlite(pool) => sqlite_ops::ops::$op(pool, $($arg),*).await,
            Backend::Postgres(pool, _) => postgres_ops::ops::$op(pool, $($arg),*).await,
        }
    };
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn subscribe(
        &self,
        staff: &str,
        topic: &str,
        connection: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self.subscribe(staff, topic, connection, at))
    }

    async fn unsubscribe(
        &self,
        staff: &str,
        topic: &str,
        connection: Option<&str>,
    ) -> Result<bool> {
        dispatch!(self.unsubscribe(staff, topic, connection))
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        dispatch!(self.subscriptions())
    }

    async fn subscribers(&self, topic: &str, connection: &str) -> Result<Vec<String>> {
        dispatch!(self.subscribers(topic, connection))
    }

    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Notification>> {
        dispatch!(self.claim_notifications(now, lease, limit))
    }

    async fn finish_notification(
        &self,
        id: i64,
        result: &NotificationResult,
        at: DateTime<Utc>,
    ) -> Result<()> {
        dispatch!(self.finish_notification(id, result, at))
    }

    async fn notifications_of(&self, item_id: i64) -> Result<Vec<Notification>> {
        dispatch!(self.notifications_of(item_id))
    }
}
