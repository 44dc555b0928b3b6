//! What the engine needs from an ERP adapter.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use immohub_domain::{ErpEntity, RawRecord};

/// A readable ERP. Implemented by [`immohub_erp::ErpSource`]; tests may use their own.
pub trait ErpRead: Send + Sync {
    /// Rows of an entity; only rows changed at or after `since` when given and supported.
    fn rows(
        &self,
        entity: ErpEntity,
        since: Option<DateTime<Utc>>,
    ) -> BoxStream<'_, Result<RawRecord, String>>;

    /// Key columns of every row of an entity (for deletion detection).
    fn keys(&self, entity: ErpEntity) -> BoxStream<'_, Result<RawRecord, String>>;

    /// The change-timestamp column of an entity, if the mapping names one.
    fn changed_column(&self, entity: ErpEntity) -> Option<String>;

    /// How many rows of [`ErpRead::keys`] have a usable key. The default counts the stream;
    /// a database adapter lets the database count.
    fn count_keys(&self, entity: ErpEntity) -> BoxFuture<'_, Result<u64, String>> {
        use futures::StreamExt;
        Box::pin(async move {
            let mut n = 0u64;
            let mut keys = self.keys(entity);
            while let Some(k) = keys.next().await {
                if k?.key(entity).is_ok() {
                    n += 1;
                }
            }
            Ok(n)
        })
    }
}

impl ErpRead for immohub_erp::ErpSource {
    fn rows(
        &self,
        entity: ErpEntity,
        since: Option<DateTime<Utc>>,
    ) -> BoxStream<'_, Result<RawRecord, String>> {
        use futures::StreamExt;
        immohub_erp::ErpSource::rows(self, entity, since)
            .map(|r| r.map_err(|e| e.to_string()))
            .boxed()
    }

    fn keys(&self, entity: ErpEntity) -> BoxStream<'_, Result<RawRecord, String>> {
        use futures::StreamExt;
        immohub_erp::ErpSource::keys(self, entity)
            .map(|r| r.map_err(|e| e.to_string()))
            .boxed()
    }

    fn changed_column(&self, entity: ErpEntity) -> Option<String> {
        immohub_erp::ErpSource::changed_column(self, entity).map(str::to_owned)
    }

    fn count_keys(&self, entity: ErpEntity) -> BoxFuture<'_, Result<u64, String>> {
        Box::pin(async move {
            immohub_erp::ErpSource::count_keys(self, entity)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
