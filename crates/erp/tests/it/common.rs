//! Helpers shared by the test modules.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use immohub_domain::{ErpEntity, RawRecord};
use immohub_erp::ErpSource;

/// All rows of an entity.
pub async fn read_all(source: &ErpSource, entity: ErpEntity) -> Vec<RawRecord> {
    source
        .rows(entity, None)
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("reading {entity}: {e}"))
}

/// Rows of an entity changed since a time.
pub async fn read_since(
    source: &ErpSource,
    entity: ErpEntity,
    since: chrono::DateTime<chrono::Utc>,
) -> Vec<RawRecord> {
    source
        .rows(entity, Some(since))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("reading {entity} since {since}: {e}"))
}

/// Rows keyed by their readable key (`1/100/1/3`).
pub fn by_key(entity: ErpEntity, rows: Vec<RawRecord>) -> BTreeMap<String, RawRecord> {
    rows.into_iter()
        .map(|r| (immohub_domain::entity::readable_key(entity, &r), r))
        .collect()
}

/// A name unique to this process and moment, for databases and files.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Skips (prints why) or, with `CI=true`, fails.
pub fn skip_or_fail(what: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what}: server not reachable and CI=true: {why}");
    }
    eprintln!("SKIPPED {what}: server not reachable ({why}); set CI=true to make this fail");
}
