//! The demo ERP: creation, counts, validity, determinism, change timestamps.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{NaiveDate, Utc};
use futures::TryStreamExt;
use immohub_domain::entity::readable_key;
use immohub_domain::{Entity, ErpEntity};
use immohub_erp::{DemoOptions, ErpError, ErpSource, Mapping, create_demo};
use sqlx::{Connection, Executor, SqliteConnection};

use crate::common::{by_key, read_all, read_since};

async fn demo(dir: &Path, units: u64) -> (ErpSource, immohub_erp::DemoSummary) {
    let path = dir.join("erp.db");
    let summary = create_demo(
        &path,
        DemoOptions {
            units,
            ..DemoOptions::default()
        },
    )
    .await
    .expect("demo");
    let source = ErpSource::connect(
        &format!("sqlite:{}", path.display()),
        Mapping::demo().unwrap(),
    )
    .await
    .expect("connect");
    (source, summary)
}

async fn execute(path: &Path, sql: &str) {
    let mut conn = SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

/// Every entity streams as many rows as the summary says, every row parses except the
/// deliberately invalid ones, and those fail on the documented field.
#[tokio::test]
async fn demo_rows_match_summary_and_parse() {
    let dir = tempfile::tempdir().unwrap();
    let (source, summary) = demo(dir.path(), 3000).await;
    assert_eq!(summary.count(ErpEntity::Unit), 3000);
    assert_eq!(summary.count(ErpEntity::Client), 3);
    assert!(summary.count(ErpEntity::Person) > 3000);
    assert!(summary.count(ErpEntity::Lease) > 3000);
    assert!(summary.count(ErpEntity::Ownership) > 0);
    assert!(
        !summary.invalid.is_empty() && summary.invalid.len() <= 5,
        "a few invalid rows: {:?}",
        summary.invalid
    );

    let invalid: BTreeSet<(ErpEntity, String)> = summary
        .invalid
        .iter()
        .map(|r| (r.entity, r.key.clone()))
        .collect();
    for entity in ErpEntity::ALL {
        let rows = read_all(&source, entity).await;
        assert_eq!(rows.len() as u64, summary.count(entity), "{entity}");
        let keys: Vec<_> = source.keys(entity).try_collect().await.unwrap();
        assert_eq!(keys.len(), rows.len(), "{entity} keys");
        for row in &rows {
            let key = readable_key(entity, row);
            match Entity::parse(entity, row) {
                Ok(_) => assert!(
                    !invalid.contains(&(entity, key.clone())),
                    "{entity} {key} should be invalid"
                ),
                Err(e) => {
                    let expected = summary
                        .invalid
                        .iter()
                        .find(|r| r.entity == entity && r.key == key)
                        .unwrap_or_else(|| panic!("unexpected invalid row: {e}"));
                    assert_eq!(e.error.field, expected.field, "{e}");
                }
            }
            let ts = row.get("updated_at").expect("updated_at");
            assert!(ts.ends_with('Z') && ts.contains('T'), "RFC 3339 UTC: {ts}");
        }
    }
}

/// The demo looks like a real housing company's data.
#[tokio::test]
async fn demo_data_is_realistic() {
    let dir = tempfile::tempdir().unwrap();
    let (source, _) = demo(dir.path(), 3000).await;
    let units = read_all(&source, ErpEntity::Unit).await;
    let usages: BTreeSet<&str> = units.iter().filter_map(|u| u.get("usage_type")).collect();
    for usage in ["WOHNUNG", "GEWERBE", "STELLPLATZ", "GARAGE", "LAGER"] {
        assert!(usages.contains(usage), "usage {usage} in {usages:?}");
    }
    assert!(usages.len() > 6, "some odd usage codes too: {usages:?}");
    let floors: BTreeSet<&str> = units.iter().filter_map(|u| u.get("floor_text")).collect();
    assert!(floors.iter().any(|f| f.contains("OG")), "{floors:?}");
    assert!(floors.iter().any(|f| f.starts_with("Dachgeschoss")));
    assert!(
        floors
            .iter()
            .any(|f| f.starts_with("EG") || f.starts_with("Erdgeschoss"))
    );
    assert!(floors.contains("Keller"));
    let rooms: BTreeSet<&str> = units.iter().filter_map(|u| u.get("rooms")).collect();
    assert!(rooms.contains("2.5") && rooms.contains("1") && rooms.contains("3"));
    assert!(units.iter().any(|u| u.get("energy_class").is_some()));
    assert!(
        units
            .iter()
            .any(|u| u.get("tenancies").is_some_and(|t| t.contains(';')))
    );

    let persons = read_all(&source, ErpEntity::Person).await;
    let surnames: Vec<&str> = persons.iter().filter_map(|p| p.get("surname")).collect();
    assert!(surnames.iter().any(|s| s.contains(['ä', 'ö', 'ü', 'ß'])));
    assert!(surnames.iter().any(|s| s.contains('-') || s.contains(' ')));
    assert!(persons.iter().any(|p| p.get("title") == Some("Dr.")));
    assert!(persons.iter().any(|p| p.get("anonymised") == Some("1")));
    assert!(
        persons
            .iter()
            .any(|p| p.get("email").is_none() && p.get("surname").is_some())
    );
    assert!(persons.iter().any(|p| {
        p.get("surname").is_none()
            && p.get("company_name")
                .is_some_and(|c| c.starts_with("Erbengemeinschaft") || c.contains("GmbH"))
    }));
    assert!(persons.iter().any(|p| p.get("ownerships").is_some()));
    assert!(persons.iter().any(|p| {
        p.get("tenancies")
            .is_some_and(|t| t.contains("co_resident"))
    }));

    let leases = read_all(&source, ErpEntity::Lease).await;
    let today = Utc::now().date_naive();
    let mut current = 0;
    let mut ended = 0;
    let mut future = 0;
    for l in &leases {
        let start = NaiveDate::parse_from_str(l.get("start_date").unwrap(), "%Y-%m-%d").unwrap();
        match l.get("end_date") {
            _ if start > today => future += 1,
            Some(e) if NaiveDate::parse_from_str(e, "%Y-%m-%d").unwrap() < today => ended += 1,
            _ => current += 1,
        }
        if let Some(rent) = l.get("net_cold_rent") {
            let (_, cents) = rent.split_once('.').expect("decimal point");
            assert_eq!(cents.len(), 2, "two decimals: {rent}");
        }
    }
    assert!(
        current > 0 && ended > 0 && future > 0,
        "{current} {ended} {future}"
    );
    assert!(leases.iter().any(|l| {
        l.get("parties")
            .is_some_and(|p| p.contains("contract_partner"))
    }));
}

/// The same seed and day give the same data; another seed gives other data.
#[tokio::test]
async fn demo_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let mut all = Vec::new();
    for (name, seed) in [("a.db", 7), ("b.db", 7), ("c.db", 8)] {
        let path = dir.path().join(name);
        let opts = DemoOptions {
            units: 300,
            seed,
            today: Some(today),
            ..DemoOptions::default()
        };
        let summary = create_demo(&path, opts).await.unwrap();
        assert_eq!(summary.today, today);
        let source = ErpSource::connect(
            &format!("sqlite:{}", path.display()),
            Mapping::demo().unwrap(),
        )
        .await
        .unwrap();
        let mut rows = Vec::new();
        for entity in ErpEntity::ALL {
            rows.push(read_all(&source, entity).await);
        }
        all.push((summary.counts, rows));
    }
    assert_eq!(all[0], all[1]);
    assert_ne!(all[0].1, all[2].1);
}

#[tokio::test]
async fn demo_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("erp.db");
    std::fs::write(&path, b"keep me").unwrap();
    let opts = DemoOptions {
        units: 10,
        ..DemoOptions::default()
    };
    let err = create_demo(&path, opts.clone()).await.unwrap_err();
    assert!(matches!(err, ErpError::DemoExists(_)), "{err}");
    assert!(err.to_string().contains("existiert bereits"));
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");

    let summary = create_demo(
        &path,
        DemoOptions {
            force: true,
            ..opts
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.count(ErpEntity::Unit), 10);
    assert!(!dir.path().join("erp.db.part").exists());
}

/// STM-5: after a full read, a read with the watermark returns only what changed since, and
/// changes of leases reach the units and persons that list them.
#[tokio::test]
async fn stm_5_changed_since_reads_only_changed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (source, _) = demo(dir.path(), 500).await;
    let path = dir.path().join("erp.db");

    // Watermarks as the engine keeps them: the maximum change time of what it read.
    let mut marks = std::collections::BTreeMap::new();
    for entity in ErpEntity::ALL {
        let rows = read_all(&source, entity).await;
        let mark = rows
            .iter()
            .filter_map(|r| source.changed_at(entity, r))
            .max()
            .expect("rows with change times");
        assert_eq!(source.max_changed(entity).await.unwrap(), Some(mark));
        marks.insert(entity, mark);
        assert!(
            read_since(&source, entity, mark).await.is_empty(),
            "{entity}"
        );
    }

    execute(
        &path,
        "UPDATE erp_units SET floor_text = '4. Etage' WHERE unit_id = 17",
    )
    .await;
    let changed = read_since(&source, ErpEntity::Unit, marks[&ErpEntity::Unit]).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].get("floor_text"), Some("4. Etage"));
    let at = source.changed_at(ErpEntity::Unit, &changed[0]).unwrap();
    assert!(at > marks[&ErpEntity::Unit]);
    assert!(
        read_since(&source, ErpEntity::Lease, marks[&ErpEntity::Lease])
            .await
            .is_empty()
    );

    // Ending a lease changes the lease, its unit and its persons.
    execute(
        &path,
        "UPDATE erp_leases SET end_date = '2099-12-31' \
         WHERE lease_id = (SELECT min(lease_id) FROM erp_leases WHERE end_date IS NULL)",
    )
    .await;
    let leases = read_since(&source, ErpEntity::Lease, marks[&ErpEntity::Lease]).await;
    assert_eq!(leases.len(), 1);
    let lease_no = leases[0].get("lease_no").unwrap().to_owned();
    let units = by_key(
        ErpEntity::Unit,
        read_since(&source, ErpEntity::Unit, marks[&ErpEntity::Unit]).await,
    );
    assert_eq!(units.len(), 2, "the edited unit and the lease's unit");
    assert!(units.values().any(|u| u.get("tenancies").is_some_and(|t| {
        t.contains(&format!("{lease_no}:main_tenant:")) && t.contains("2099-12-31")
    })));
    let persons = read_since(&source, ErpEntity::Person, marks[&ErpEntity::Person]).await;
    let parties = leases[0].get("parties").unwrap().split(';').count();
    assert_eq!(persons.len(), parties);
    for p in &persons {
        assert!(
            p.get("tenancies")
                .unwrap()
                .contains(&format!("{lease_no}:"))
        );
    }
}

/// GEN-10 needs a complete key list per entity; the key stream delivers every key once.
#[tokio::test]
async fn gen_10_key_stream_lists_every_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let (source, summary) = demo(dir.path(), 1000).await;
    for entity in ErpEntity::ALL {
        let keys: Vec<_> = source.keys(entity).try_collect().await.unwrap();
        let distinct: BTreeSet<String> = keys.iter().map(|k| k.key(entity).unwrap()).collect();
        assert_eq!(distinct.len() as u64, summary.count(entity), "{entity}");
        for k in &keys {
            assert_eq!(
                k.columns.len(),
                entity.key_columns().len(),
                "{entity}: only keys"
            );
        }
    }
}

/// `immohub check` on the demo: every entity readable, counts as created.
#[tokio::test]
async fn check_reports_every_entity_of_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (source, summary) = demo(dir.path(), 800).await;
    let lines = source.check().await.unwrap();
    assert_eq!(lines.len(), ErpEntity::ALL.len());
    for line in &lines {
        assert!(line.is_ok(), "{line}");
        assert_eq!(line.rows, Some(summary.count(line.entity)), "{line}");
        assert!(line.max_changed.is_some());
        let text = line.to_string();
        assert!(
            text.contains(line.entity.as_str()) && text.contains("Zeilen"),
            "{text}"
        );
    }
    let units = lines.iter().find(|l| l.entity == ErpEntity::Unit).unwrap();
    assert!(units.messages.is_empty(), "{units}");
}

/// The demo ERP (WAL mode) can be changed while immohub streams it.
#[tokio::test]
async fn demo_can_be_changed_while_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (source, summary) = demo(dir.path(), 2000).await;
    let path = dir.path().join("erp.db");
    let mut stream = source.rows(ErpEntity::Unit, None);
    let mut n = 0u64;
    for _ in 0..10 {
        stream.try_next().await.unwrap().unwrap();
        n += 1;
    }
    let started = std::time::Instant::now();
    execute(
        &path,
        "UPDATE erp_units SET floor_text = 'EG' WHERE unit_id = 1999",
    )
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the write did not wait"
    );
    while stream.try_next().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, summary.count(ErpEntity::Unit));
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.contains(".part"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}
