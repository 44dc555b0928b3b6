//! [`InboxStore`] for [`SqlStore`]. The operations are written once, in `inbox/ops.rs`, and
//! compiled for each backend, like the store's other operations (`sql/ops.rs`); the backends
//! differ only in how a claim skips rows another transaction holds.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::{Backend, SqlStore};
use crate::inbox::{
    InboxDone, InboxInsert, InboxItem, InboxKind, InboxStatus, MatchReview, NewInboxItem,
    ReviewDecision,
};
use crate::{InboxStore, Result};

/// The inbox operations compiled for SQLite.
#[path = "inbox"]
mod sqlite_ops {
    pub(crate) use crate::sql::sqlite::{Db, begin_write};

    /// SQLite has one writer at a time (`BEGIN IMMEDIATE`): a claim needs no row locks.
    pub(crate) const SKIP_LOCKED: &str = "";

    #[allow(clippy::duplicate_mod)]
    #[path = "ops.rs"]
    pub(crate) mod ops;
}

/// The inbox operations compiled for PostgreSQL.
#[path = "inbox"]
mod postgres_ops {
    pub(crate) use crate::sql::postgres::{Db, begin_write};

    /// Concurrent claims skip the rows another instance is claiming instead of waiting for it.
    pub(crate) const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

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
impl InboxStore for SqlStore {
    async fn insert_inbox(&self, item: &NewInboxItem) -> Result<InboxInsert> {
        dispatch!(self.insert_inbox(item))
    }

    async fn inbox_item(&self, connection: &str, id: i64) -> Result<Option<InboxItem>> {
        dispatch!(self.inbox_item(connection, id))
    }

    async fn inbox_by_key(
        &self,
        connection: &str,
        kind: InboxKind,
        idempotency_key: &str,
    ) -> Result<Option<InboxItem>> {
        dispatch!(self.inbox_by_key(connection, kind, idempotency_key))
    }

    async fn claim_inbox(
        &self,
        kind: InboxKind,
        connection: Option<&str>,
        holder: &str,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<InboxItem>> {
        dispatch!(self.claim_inbox(kind, connection, holder, limit, lease, now))
    }

    async fn finish_inbox(&self, done: &InboxDone) -> Result<bool> {
        dispatch!(self.finish_inbox(done))
    }

    async fn release_inbox(&self, holder: &str, ids: &[i64]) -> Result<()> {
        dispatch!(self.release_inbox(holder, ids))
    }

    async fn reviews(
        &self,
        connection: Option<&str>,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<MatchReview>> {
        dispatch!(self.reviews(connection, open_only, limit))
    }

    async fn review(&self, item_id: i64) -> Result<Option<MatchReview>> {
        dispatch!(self.review(item_id))
    }

    async fn decide_review(
        &self,
        item_id: i64,
        decision: &ReviewDecision,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        dispatch!(self.decide_review(item_id, decision, by, at))
    }

    async fn inbox_items(
        &self,
        connection: &str,
        kind: InboxKind,
        status: Option<InboxStatus>,
        limit: u32,
    ) -> Result<Vec<InboxItem>> {
        dispatch!(self.inbox_items(connection, kind, status, limit))
    }
}
