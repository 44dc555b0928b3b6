//! Changes demo data the way staff would, for benchmarks and the tour.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::error::ErpError;

/// Changes `count` units spread evenly over the demo ERP (their floor text gets a note), as
/// staff editing units would. The `updated_at` triggers stamp them. Returns how many changed.
pub async fn touch_units(path: &Path, count: u64) -> Result<u64, ErpError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .map_err(|source| ErpError::Demo {
            step: format!("{} öffnen", path.display()),
            source,
        })?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM erp_units")
        .fetch_one(&mut conn)
        .await
        .map_err(|source| ErpError::Demo {
            step: "Einheiten zählen".to_owned(),
            source,
        })?;
    let step = (total / i64::try_from(count.max(1)).unwrap_or(i64::MAX)).max(1);
    let done = sqlx::query(
        "UPDATE erp_units SET floor_text = coalesce(floor_text, '') || ' (geändert)' \
         WHERE unit_id IN (SELECT unit_id FROM erp_units WHERE unit_id % $1 = 0 LIMIT $2)",
    )
    .bind(step)
    .bind(i64::try_from(count).unwrap_or(i64::MAX))
    .execute(&mut conn)
    .await
    .map_err(|source| ErpError::Demo {
        step: "Einheiten ändern".to_owned(),
        source,
    })?
    .rows_affected();
    conn.close().await.ok();
    Ok(done)
}
