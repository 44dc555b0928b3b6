//! GEN-5: sealed values open only with the right key, owner and name, and unchanged.

use immohub_secrets::secrecy::ExposeSecret;
use immohub_secrets::{Cipher, MasterKey, SecretsError};

fn cipher(byte: u8) -> Cipher {
    Cipher::from_key([byte; 32])
}

#[test]
fn gen_5_seal_open_roundtrip() {
    let c = cipher(7);
    let sealed = c
        .seal("immomio", "api_password", b"s3cr3t-\xc3\xa4")
        .unwrap();
    let opened = c.open("immomio", "api_password", &sealed).unwrap();
    assert_eq!(opened.expose_secret(), b"s3cr3t-\xc3\xa4");
    let text = c.open_string("immomio", "api_password", &sealed).unwrap();
    assert_eq!(text.expose_secret(), "s3cr3t-ä");
    // Empty values are values too.
    let empty = c.seal("immomio", "x", b"").unwrap();
    assert!(
        c.open("immomio", "x", &empty)
            .unwrap()
            .expose_secret()
            .is_empty()
    );
}

#[test]
fn gen_5_sealed_text_names_version_and_key_and_hides_the_value() {
    let c = cipher(7);
    let sealed = c
        .seal("immomio", "api_password", b"hunter2hunter2")
        .unwrap();
    let parts: Vec<&str> = sealed.split('.').collect();
    assert_eq!(parts.len(), 3, "{sealed}");
    assert_eq!(parts[0], "v1");
    assert_eq!(parts[1], c.key_id());
    assert_eq!(c.key_id().len(), 8);
    assert!(c.key_id().chars().all(|ch| ch.is_ascii_hexdigit()));
    assert_eq!(Cipher::sealed_key_id(&sealed), Some(c.key_id()));
    assert!(!sealed.contains("hunter2"));
    // A fresh nonce every time: the same value never seals to the same text.
    let again = c
        .seal("immomio", "api_password", b"hunter2hunter2")
        .unwrap();
    assert_ne!(sealed, again);
    // The key ID is the same for the same key, and differs between keys.
    assert_eq!(cipher(7).key_id(), c.key_id());
    assert_ne!(cipher(8).key_id(), c.key_id());
    assert_eq!(MasterKey::from_bytes([7; 32]).key_id(), c.key_id());
}

#[test]
fn gen_5_wrong_key_is_named_not_garbage() {
    let sealed = cipher(1).seal("p", "n", b"value").unwrap();
    let err = cipher(2).open("p", "n", &sealed).unwrap_err();
    assert!(matches!(err, SecretsError::WrongKey { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("Der Hauptschlüssel passt nicht zu den gespeicherten Zugangsdaten"),
        "{msg}"
    );
    assert!(msg.contains(cipher(1).key_id()) && msg.contains(cipher(2).key_id()));
}

#[test]
fn gen_5_aad_binds_owner_and_name() {
    let c = cipher(3);
    let sealed = c.seal("immomio", "api_password", b"value").unwrap();
    for (owner, name) in [
        ("casavi", "api_password"),
        ("immomio", "ftp_password"),
        ("immomio@test", "api_password"),
        // Concatenation tricks do not help: fields are length-prefixed.
        ("immomioapi", "_password"),
        ("", "immomioapi_password"),
    ] {
        let err = c.open(owner, name, &sealed).unwrap_err();
        assert!(
            matches!(err, SecretsError::Tampered { .. }),
            "{owner}/{name}: {err:?}"
        );
    }
}

#[test]
fn gen_5_tampered_values_are_refused() {
    let c = cipher(4);
    let sealed = c.seal("p", "n", b"a somewhat longer secret value").unwrap();
    let (head, body) = sealed.rsplit_once('.').unwrap();
    // Flip each character of the body in turn: none opens, none panics.
    for i in 0..body.len() {
        let mut chars: Vec<char> = body.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let changed = format!("{head}.{}", chars.iter().collect::<String>());
        if changed == sealed {
            continue;
        }
        assert!(c.open("p", "n", &changed).is_err(), "position {i}");
    }
    // Truncated, extended, not Base64, not sealed at all, other version.
    let truncated = &sealed[..sealed.len() - 4];
    assert!(matches!(
        c.open("p", "n", truncated).unwrap_err(),
        SecretsError::Tampered { .. } | SecretsError::Format { .. }
    ));
    assert!(c.open("p", "n", &format!("{sealed}AAAA")).is_err());
    for bad in [
        "",
        "klartext",
        "v1.",
        "v1.x",
        &format!("v1.{}.!!!", c.key_id()),
    ] {
        let err = c.open("p", "n", bad).unwrap_err();
        assert!(
            matches!(
                err,
                SecretsError::Format { .. } | SecretsError::WrongKey { .. }
            ),
            "{bad}: {err:?}"
        );
    }
    let v2 = sealed.replacen("v1.", "v2.", 1);
    assert!(matches!(
        c.open("p", "n", &v2).unwrap_err(),
        SecretsError::Format { .. }
    ));
    assert_eq!(Cipher::sealed_key_id("klartext"), None);
}

#[test]
fn gen_5_open_string_refuses_non_utf8() {
    let c = cipher(5);
    let sealed = c.seal("p", "n", &[0xff, 0xfe]).unwrap();
    assert!(matches!(
        c.open_string("p", "n", &sealed).unwrap_err(),
        SecretsError::NotUtf8 { .. }
    ));
}

#[test]
fn gen_5_debug_output_shows_no_key_and_no_value() {
    let key = MasterKey::from_bytes([9; 32]);
    let c = key.cipher();
    let sealed = c.seal("p", "n", b"plaintext-value").unwrap();
    let opened = c.open("p", "n", &sealed).unwrap();
    let text = c.open_string("p", "n", &sealed).unwrap();
    let b64 = key.to_base64();
    for debug in [
        format!("{key:?}"),
        format!("{c:?}"),
        format!("{opened:?}"),
        format!("{text:?}"),
        format!("{b64:?}"),
    ] {
        assert!(!debug.contains("plaintext-value"), "{debug}");
        assert!(!debug.contains(b64.expose_secret()), "{debug}");
        assert!(!debug.contains("9, 9, 9"), "{debug}");
    }
}
