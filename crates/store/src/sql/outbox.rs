//! [`OutboxStore`] for [`SqlStore`]: dispatches to `outbox_ops.rs` of the backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Backend, SqlStore, postgres, sqlite};
use crate::{
    DeadLetter, DeadLetterFilter, DeliveryProgress, EndpointClaim, NewEndpoint, OutboxItem,
    OutboxStore, Result, RetryItem, WebhookEndpoint,
};

macro_rules! outbox {
    ($self:ident . $op:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pool {
            Backend::Sqlite(pool) => sqlite::outbox_ops::$op(pool, $($arg),*).await,
            Backend::Postgres(pool, _) => postgres::outbox_ops::$op(pool, $($arg),*).await,
        }
    };
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn create_endpoint(&self, e: &NewEndpoint) -> Result<WebhookEndpoint> {
        outbox!(self.create_endpoint(e))
    }
    async fn endpoint(&self, id: i64) -> Result<Option<WebhookEndpoint>> {
        outbox!(self.endpoint(id))
    }
    async fn endpoints(&self, connection: Option<&str>) -> Result<Vec<WebhookEndpoint>> {
        outbox!(self.endpoints(connection))
    }
    async fn delete_endpoint(&self, connection: &str, id: i64) -> Result<bool> {
        outbox!(self.delete_endpoint(connection, id))
    }
    async fn set_endpoint_enabled(
        &self,
        connection: &str,
        id: i64,
        enabled: bool,
        reason: Option<&str>,
    ) -> Result<bool> {
        outbox!(self.set_endpoint_enabled(connection, id, enabled, reason))
    }
    async fn set_previous_secret_until(&self, id: i64, until: Option<DateTime<Utc>>) -> Result<()> {
        outbox!(self.set_previous_secret_until(id, until))
    }
    async fn claim_endpoints(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<EndpointClaim>> {
        outbox!(self.claim_endpoints(holder, now, lease, limit))
    }
    async fn renew_claim(&self, claim: &EndpointClaim, until: DateTime<Utc>) -> Result<bool> {
        outbox!(self.renew_claim(claim, until))
    }
    async fn release_claim(&self, claim: &EndpointClaim) -> Result<()> {
        outbox!(self.release_claim(claim))
    }
    async fn outbox_items(
        &self,
        endpoint: &WebhookEndpoint,
        after: i64,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        outbox!(self.outbox_items(endpoint, after, limit))
    }
    async fn queued_retries(&self, endpoint_id: i64, limit: u32) -> Result<Vec<RetryItem>> {
        outbox!(self.queued_retries(endpoint_id, limit))
    }
    async fn commit_delivery(&self, p: &DeliveryProgress) -> Result<()> {
        outbox!(self.commit_delivery(p))
    }
    async fn dead_letters(&self, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>> {
        outbox!(self.dead_letters(filter))
    }
    async fn retry_dead_letter(&self, connection: &str, id: i64) -> Result<bool> {
        outbox!(self.retry_dead_letter(connection, id))
    }
}
