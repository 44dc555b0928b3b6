use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use immohub_domain::entity::parse_timestamp;
use immohub_domain::{ErpEntity, RawRecord};
use immohub_engine::ErpRead;

/// An ERP held in memory: rows per entity, an optional change column, and a switch that makes
/// the next read of an entity fail after `n` rows.
#[derive(Default)]
pub struct MemoryErp {
    pub rows: Mutex<BTreeMap<ErpEntity, Vec<RawRecord>>>,
    pub change_column: Option<String>,
    pub fail_after: Mutex<Option<(ErpEntity, usize)>>,
}

impl MemoryErp {
    pub fn set(&self, entity: ErpEntity, rows: Vec<RawRecord>) {
        self.rows.lock().unwrap().insert(entity, rows);
    }

    pub fn update(&self, entity: ErpEntity, f: impl FnOnce(&mut Vec<RawRecord>)) {
        let mut g = self.rows.lock().unwrap();
        f(g.entry(entity).or_default());
    }
}

impl ErpRead for MemoryErp {
    fn rows(
        &self,
        entity: ErpEntity,
        since: Option<DateTime<Utc>>,
    ) -> BoxStream<'_, Result<RawRecord, String>> {
        let rows = self
            .rows
            .lock()
            .unwrap()
            .get(&entity)
            .cloned()
            .unwrap_or_default();
        let rows: Vec<RawRecord> = match (&self.change_column, since) {
            (Some(col), Some(since)) => rows
                .into_iter()
                .filter(|r| {
                    r.get(col)
                        .and_then(parse_timestamp)
                        .is_some_and(|t| t > since)
                })
                .collect(),
            _ => rows,
        };
        let fail = self
            .fail_after
            .lock()
            .unwrap()
            .take_if(|(e, _)| *e == entity);
        let mut items: Vec<Result<RawRecord, String>> = rows.into_iter().map(Ok).collect();
        if let Some((_, n)) = fail {
            items.truncate(n);
            items.push(Err("Verbindung zum ERP abgebrochen".to_owned()));
        }
        stream::iter(items).boxed()
    }

    fn keys(&self, entity: ErpEntity) -> BoxStream<'_, Result<RawRecord, String>> {
        let rows = self
            .rows
            .lock()
            .unwrap()
            .get(&entity)
            .cloned()
            .unwrap_or_default();
        let cols = entity.key_columns();
        let keys: Vec<Result<RawRecord, String>> = rows
            .into_iter()
            .map(|r| {
                let mut k = RawRecord::new();
                for c in cols {
                    k.set(c, r.get(c).map(str::to_owned));
                }
                Ok(k)
            })
            .collect();
        stream::iter(keys).boxed()
    }

    fn changed_column(&self, _entity: ErpEntity) -> Option<String> {
        self.change_column.clone()
    }
}
