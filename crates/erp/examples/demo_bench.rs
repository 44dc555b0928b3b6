//! Creates a demo ERP and measures how fast the adapter streams it.
//!
//! ```text
//! cargo run --release -p immohub-erp --example demo_bench -- 100000 /tmp/demo.db
//! ```
//! Arguments: number of units (default 100000), file (default `demo-bench.db` in the temp
//! directory; overwritten), and `--reuse` to stream an existing file without creating it.

use std::path::PathBuf;
use std::time::Instant;

use futures::TryStreamExt;
use immohub_domain::{Entity, ErpEntity};
use immohub_erp::{DemoOptions, ErpSource, Mapping, create_demo};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let units: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let path = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("demo-bench.db"));

    let reuse = args.next().as_deref() == Some("--reuse");

    if !reuse {
        let summary = create_demo(
            &path,
            DemoOptions {
                units,
                force: true,
                ..DemoOptions::default()
            },
        )
        .await?;
        let size = std::fs::metadata(&path)?.len();
        println!(
            "demo: {units} units in {:.1} s, {:.0} MB",
            summary.duration.as_secs_f64(),
            size as f64 / 1e6
        );
        for (entity, n) in &summary.counts {
            println!("  {entity:<11} {n:>9}");
        }
        println!("  lease parties {:>7}", summary.lease_parties);
        println!("  invalid rows: {}", summary.invalid.len());
    }

    let url = format!("sqlite:{}", path.display());
    let source = ErpSource::connect(&url, Mapping::demo()?).await?;
    for entity in ErpEntity::ALL {
        let started = Instant::now();
        let mut rows = 0u64;
        let mut stream = source.rows(entity, None);
        while let Some(_row) = stream.try_next().await? {
            rows += 1;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "rows({entity}): {rows} rows in {secs:.2} s = {:.0} rows/s",
            rows as f64 / secs
        );
    }
    for entity in [ErpEntity::Unit, ErpEntity::Person] {
        let started = Instant::now();
        let mut rows = 0u64;
        let mut invalid = 0u64;
        let mut stream = source.rows(entity, None);
        while let Some(row) = stream.try_next().await? {
            rows += 1;
            if Entity::parse(entity, &row).is_err() {
                invalid += 1;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "rows({entity}) + parse: {rows} rows in {secs:.2} s = {:.0} rows/s ({invalid} invalid)",
            rows as f64 / secs
        );
        let started = Instant::now();
        let keys = source
            .keys(entity)
            .try_fold(0u64, |n, _| async move { Ok(n + 1) })
            .await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "keys({entity}): {keys} in {secs:.2} s = {:.0} rows/s",
            keys as f64 / secs
        );
    }
    for entity in [ErpEntity::Unit, ErpEntity::Person] {
        let mark = source.max_changed(entity).await?;
        let started = Instant::now();
        let changed = source
            .rows(entity, mark)
            .try_fold(0u64, |n, _| async move { Ok(n + 1) })
            .await?;
        println!(
            "rows({entity}, since max): {changed} rows in {:.2} s (an incremental run without changes)",
            started.elapsed().as_secs_f64()
        );
    }
    let started = Instant::now();
    let lines = source.check().await?;
    println!("check in {:.2} s", started.elapsed().as_secs_f64());
    for line in lines {
        println!("{line}");
    }
    Ok(())
}
