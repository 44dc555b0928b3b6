//! GEN-5: credentials at rest, on both backends: sealed values only, listed without values,
//! re-sealed with a new master key all at once or not at all.

use immohub_secrets::secrecy::ExposeSecret;
use immohub_secrets::{Cipher, MasterKey};
use immohub_store::{Resealed, Store, StoreError, StoredSecret};

use crate::on_both_backends;

on_both_backends!(
    gen_5_secret_roundtrip_list_delete,
    gen_5_reseal_all_switches_every_value_to_the_new_key,
    gen_5_reseal_all_is_all_or_nothing,
    gen_5_values_sealed_with_another_key_are_refused,
);

async fn put(
    store: &dyn Store,
    c: &Cipher,
    owner: &str,
    name: &str,
    value: &str,
) -> Result<(), StoreError> {
    let sealed = c.seal(owner, name, value.as_bytes()).unwrap();
    store.put_secret(owner, name, &sealed, c.key_id()).await
}

fn open(c: &Cipher, s: &StoredSecret) -> String {
    c.open_string(&s.owner, &s.name, &s.sealed)
        .unwrap()
        .expose_secret()
        .to_owned()
}

async fn gen_5_secret_roundtrip_list_delete(store: &dyn Store) {
    let c = MasterKey::generate().cipher();
    assert_eq!(store.secret("immomio", "api_password").await.unwrap(), None);
    assert!(store.secret_list(None).await.unwrap().is_empty());

    put(store, &c, "immomio", "api_password", "geheim-1")
        .await
        .unwrap();
    put(store, &c, "immomio", "api_user", "hub").await.unwrap();
    put(store, &c, "immomio@test", "api_password", "test-geheim")
        .await
        .unwrap();
    put(store, &c, "casavi", "ftp_password", "ftp")
        .await
        .unwrap();

    let s = store
        .secret("immomio", "api_password")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.owner.as_str(), s.name.as_str()),
        ("immomio", "api_password")
    );
    assert_eq!(s.key_id, c.key_id());
    assert!(!s.sealed.contains("geheim"), "stored sealed: {}", s.sealed);
    assert_eq!(open(&c, &s), "geheim-1");
    assert_eq!(s.created_at, s.updated_at);

    // Replacing keeps created_at and changes the value.
    put(store, &c, "immomio", "api_password", "geheim-2")
        .await
        .unwrap();
    let s2 = store
        .secret("immomio", "api_password")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open(&c, &s2), "geheim-2");
    assert_eq!(s2.created_at, s.created_at);
    assert!(s2.updated_at >= s.updated_at);

    // Lists: names and dates, ordered by owner and name; per owner.
    let all = store.secret_list(None).await.unwrap();
    let names: Vec<(&str, &str)> = all
        .iter()
        .map(|i| (i.owner.as_str(), i.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("casavi", "ftp_password"),
            ("immomio", "api_password"),
            ("immomio", "api_user"),
            ("immomio@test", "api_password"),
        ]
    );
    assert!(all.iter().all(|i| i.key_id == c.key_id()));
    let immomio = store.secret_list(Some("immomio")).await.unwrap();
    assert_eq!(immomio.len(), 2);
    assert_eq!(store.secret_list(Some("nobody")).await.unwrap(), vec![]);

    // Delete: once.
    assert!(store.delete_secret("immomio", "api_user").await.unwrap());
    assert!(!store.delete_secret("immomio", "api_user").await.unwrap());
    assert_eq!(store.secret("immomio", "api_user").await.unwrap(), None);
    assert_eq!(store.secret_list(None).await.unwrap().len(), 3);
}

async fn gen_5_reseal_all_switches_every_value_to_the_new_key(store: &dyn Store) {
    let old = MasterKey::generate().cipher();
    let new = MasterKey::generate().cipher();
    for (owner, name, value) in [
        ("immomio", "api_password", "a"),
        ("immomio@test", "api_password", "b"),
        ("casavi", "ftp_password", "c"),
    ] {
        put(store, &old, owner, name, value).await.unwrap();
    }
    let before = store
        .secret("casavi", "ftp_password")
        .await
        .unwrap()
        .unwrap();
    let n = store
        .reseal_all(&|s: &StoredSecret| {
            let plain = old
                .open(&s.owner, &s.name, &s.sealed)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Resealed {
                sealed: new
                    .seal(&s.owner, &s.name, plain.expose_secret())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                key_id: new.key_id().to_owned(),
            })
        })
        .await
        .unwrap();
    assert_eq!(n, 3);
    for info in store.secret_list(None).await.unwrap() {
        assert_eq!(info.key_id, new.key_id());
        let s = store
            .secret(&info.owner, &info.name)
            .await
            .unwrap()
            .unwrap();
        assert!(old.open(&s.owner, &s.name, &s.sealed).is_err());
        new.open(&s.owner, &s.name, &s.sealed).unwrap();
    }
    let after = store
        .secret("casavi", "ftp_password")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open(&new, &after), "c");
    assert_eq!(after.created_at, before.created_at);
    // Nothing to re-seal is fine too.
    for info in store.secret_list(None).await.unwrap() {
        store.delete_secret(&info.owner, &info.name).await.unwrap();
    }
    assert_eq!(store.reseal_all(&|_| unreachable!()).await.unwrap(), 0);
}

async fn gen_5_reseal_all_is_all_or_nothing(store: &dyn Store) {
    let old = MasterKey::generate().cipher();
    let new = MasterKey::generate().cipher();
    for name in ["a", "b", "c", "d"] {
        put(store, &old, "immomio", name, name).await.unwrap();
    }
    // The third value fails: none of the four is changed.
    let err = store
        .reseal_all(&|s: &StoredSecret| {
            if s.name == "c" {
                return Err(StoreError::Corrupt("Testfehler".to_owned()));
            }
            let plain = old.open(&s.owner, &s.name, &s.sealed).unwrap();
            Ok(Resealed {
                sealed: new.seal(&s.owner, &s.name, plain.expose_secret()).unwrap(),
                key_id: new.key_id().to_owned(),
            })
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Testfehler"), "{err}");
    for info in store.secret_list(None).await.unwrap() {
        assert_eq!(info.key_id, old.key_id(), "{}", info.name);
        let s = store
            .secret(&info.owner, &info.name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(open(&old, &s), info.name);
    }
}

async fn gen_5_values_sealed_with_another_key_are_refused(store: &dyn Store) {
    let current = MasterKey::generate().cipher();
    let stale = MasterKey::generate().cipher();
    put(store, &current, "immomio", "api_password", "x")
        .await
        .unwrap();
    // A process still holding another key cannot mix keys in the table.
    let err = put(store, &stale, "immomio", "api_user", "y")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.secret("immomio", "api_user").await.unwrap(), None);
    // With the current key it works; an empty table takes any key.
    put(store, &current, "immomio", "api_user", "y")
        .await
        .unwrap();
    store
        .delete_secret("immomio", "api_password")
        .await
        .unwrap();
    store.delete_secret("immomio", "api_user").await.unwrap();
    put(store, &stale, "immomio", "api_user", "y")
        .await
        .unwrap();
}
