//! GEN-4: active environment per partner and use case, pinned on first run, switched only
//! explicitly, every switch in the protocol (switch row and run row), on both backends.

use immohub_store::{
    Environment, NewSwitch, RunFilter, RunStatus, Store, StoreError, SwitchFilter,
};

use crate::on_both_backends;
use crate::support::t;

on_both_backends!(
    gen_4_pin_keeps_the_first_environment,
    gen_4_switch_is_recorded_as_switch_and_run,
);

async fn gen_4_pin_keeps_the_first_environment(store: &dyn Store) {
    assert_eq!(
        store
            .active_environment("immomio", "stammdaten")
            .await
            .unwrap(),
        None
    );
    let pinned = store
        .pin_environment("immomio", "stammdaten", Environment::Test)
        .await
        .unwrap();
    assert_eq!(pinned, Environment::Test);
    // A later default (test switched off) does not move it.
    let again = store
        .pin_environment("immomio", "stammdaten", Environment::Production)
        .await
        .unwrap();
    assert_eq!(again, Environment::Test);
    store
        .pin_environment("casavi", "stammdaten", Environment::Production)
        .await
        .unwrap();
    let all = store.active_environments(None).await.unwrap();
    let pairs: Vec<(&str, Environment)> = all
        .iter()
        .map(|a| (a.partner.as_str(), a.environment))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("casavi", Environment::Production),
            ("immomio", Environment::Test)
        ]
    );
    assert_eq!(
        store
            .active_environments(Some("immomio"))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn gen_4_switch_is_recorded_as_switch_and_run(store: &dyn Store) {
    let switch = |from, to, by: &str, minute| NewSwitch {
        partner: "immomio".to_owned(),
        use_case: "stammdaten".to_owned(),
        from,
        to,
        by: by.to_owned(),
        at: t(minute),
    };
    // First switch without a stored environment: the caller's view counts.
    let s = store
        .switch_environment(&switch(
            Environment::Test,
            Environment::Production,
            "anna",
            1,
        ))
        .await
        .unwrap();
    assert_eq!(
        (s.from, s.to, s.by.as_str(), s.at),
        (Environment::Test, Environment::Production, "anna", t(1))
    );
    let active = store
        .active_environment("immomio", "stammdaten")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.environment, Environment::Production);

    // The run row of the production connection shows the switch.
    let run = store.run(s.run_id).await.unwrap().unwrap();
    assert_eq!(run.connection, "immomio");
    assert_eq!(run.use_case, "stammdaten");
    assert_eq!(run.direction, "switch_to_production");
    assert_eq!(
        Environment::of_switch_direction(&run.direction),
        Some(Environment::Production)
    );
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!((run.started_at, run.ended_at), (t(1), Some(t(1))));
    assert_eq!(run.counts, Default::default());
    let runs = store
        .runs(&RunFilter {
            connection: Some("immomio".to_owned()),
            ..RunFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        store.environment_switch_of_run(s.run_id).await.unwrap(),
        Some(s.clone())
    );

    // A stale view is a conflict and records nothing; so is switching to the active one.
    for stale in [
        switch(Environment::Test, Environment::Production, "bernd", 2),
        switch(Environment::Production, Environment::Production, "bernd", 2),
    ] {
        let err = store.switch_environment(&stale).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }
    let back = store
        .switch_environment(&switch(
            Environment::Production,
            Environment::Test,
            "bernd",
            3,
        ))
        .await
        .unwrap();
    assert_eq!(
        store.run(back.run_id).await.unwrap().unwrap().direction,
        "switch_to_test"
    );

    // Newest first, filtered by partner and time.
    let all = store
        .environment_switches(&SwitchFilter::default())
        .await
        .unwrap();
    assert_eq!(all, vec![back.clone(), s.clone()]);
    let early = store
        .environment_switches(&SwitchFilter {
            partner: Some("immomio".to_owned()),
            from: Some(t(0)),
            to: Some(t(2)),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(early, vec![s]);
    let other = store
        .environment_switches(&SwitchFilter {
            partner: Some("casavi".to_owned()),
            ..SwitchFilter::default()
        })
        .await
        .unwrap();
    assert!(other.is_empty());
}

#[test]
fn gen_4_connection_names_of_environments() {
    assert_eq!(Environment::Production.connection("immomio"), "immomio");
    assert_eq!(Environment::Test.connection("immomio"), "immomio@test");
    assert_eq!(
        Environment::of_connection("immomio@test"),
        ("immomio", Environment::Test)
    );
    assert_eq!(
        Environment::of_connection("immomio"),
        ("immomio", Environment::Production)
    );
    assert_eq!(Environment::parse("test"), Some(Environment::Test));
    assert_eq!(Environment::parse("prod"), None);
    assert_eq!(Environment::of_switch_direction("erp_to_partner"), None);
}
