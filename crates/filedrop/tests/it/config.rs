use immohub_filedrop::{SftpAuth, Target};
use secrecy::ExposeSecret;

const TOML: &str = r#"
[dir]
kind = "directory"
path = "/srv/openimmo/out"

[ftp]
kind = "ftp"
host = "ftp.partner.example"
user = "immohub"
password = "Ftp-Geheim-123"
dir = "/import"

[sftp_pw]
kind = "sftp"
host = "sftp.partner.example"
user = "immohub"
auth = { password = "Sftp-Geheim-456" }
known_host_fingerprint = "SHA256:Rc5E96IQbMt0nzNpH+ACeatzO7PVfDi40x1B1Rom9g0"

[sftp_key]
kind = "sftp"
host = "sftp.partner.example"
port = 2222
user = "immohub"
dir = "feedback"
archive_dir = "erledigt"
connect_timeout_secs = 5
auth = { private_key = { pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nGEHEIMER-SCHLUESSEL\n", passphrase = "Passphrase-789" } }
"#;

#[derive(serde::Deserialize)]
struct Config {
    dir: Target,
    ftp: Target,
    sftp_pw: Target,
    sftp_key: Target,
}

fn parse() -> Config {
    toml::from_str(TOML).unwrap()
}

#[test]
fn vac_4_config_parses_all_kinds_with_defaults() {
    let c = parse();
    let Target::Directory(d) = &c.dir else {
        panic!("directory")
    };
    assert_eq!(d.path.to_str(), Some("/srv/openimmo/out"));
    assert_eq!(d.archive_dir, "archiv");

    let Target::Ftp(f) = &c.ftp else {
        panic!("ftp")
    };
    assert_eq!(
        (f.port, f.passive, f.tls, f.connect_timeout_secs),
        (21, true, false, 15)
    );
    assert_eq!(f.io_timeout_secs, 60);
    assert_eq!(f.password.expose_secret(), "Ftp-Geheim-123");
    assert_eq!(
        c.ftp.describe(),
        "ftp://immohub@ftp.partner.example:21/import"
    );

    let Target::Sftp(s) = &c.sftp_pw else {
        panic!("sftp")
    };
    assert_eq!(s.port, 22);
    assert!(!s.accept_any_host_key);
    assert!(matches!(s.auth, SftpAuth::Password(_)));

    let Target::Sftp(k) = &c.sftp_key else {
        panic!("sftp key")
    };
    assert_eq!(
        (k.port, k.archive_dir.as_str(), k.connect_timeout_secs),
        (2222, "erledigt", 5)
    );
    let SftpAuth::PrivateKey(key) = &k.auth else {
        panic!("key auth")
    };
    assert!(key.path.is_none());
    assert!(key.pem.is_some());
}

#[test]
fn vac_4_debug_output_hides_secrets() {
    let c = parse();
    let all = format!("{:?} {:?} {:?} {:?}", c.dir, c.ftp, c.sftp_pw, c.sftp_key);
    for secret in [
        "Ftp-Geheim-123",
        "Sftp-Geheim-456",
        "GEHEIMER-SCHLUESSEL",
        "Passphrase-789",
    ] {
        assert!(
            !all.contains(secret),
            "secret {secret} in Debug output: {all}"
        );
    }
    assert!(all.contains("REDACTED"), "{all}");
}

#[test]
fn vac_4_unknown_fields_and_kinds_are_rejected() {
    let typo = "kind = \"ftp\"\nhost = \"h\"\nuser = \"u\"\npassword = \"p\"\npasive = false\n";
    assert!(
        toml::from_str::<Target>(typo).is_err(),
        "typo must not be ignored"
    );
    assert!(toml::from_str::<Target>("kind = \"scp\"\nhost = \"h\"\n").is_err());
    let no_password = "kind = \"ftp\"\nhost = \"h\"\nuser = \"u\"\n";
    assert!(toml::from_str::<Target>(no_password).is_err());
}

#[tokio::test]
async fn vac_4_ca_file_without_tls_is_a_configuration_error() {
    let t: Target = toml::from_str(
        "kind = \"ftp\"\nhost = \"127.0.0.1\"\nport = 1\nuser = \"u\"\npassword = \"p\"\nca_file = \"/etc/ca.pem\"\n",
    )
    .unwrap();
    let err = t.connect().await.unwrap_err();
    assert_eq!(err.step, immohub_filedrop::Step::Config);
    assert!(err.to_string().contains("tls = true"), "{err}");
    // A CA file that does not exist is named, before any connection.
    let t: Target = toml::from_str(
        "kind = \"ftp\"\nhost = \"127.0.0.1\"\nport = 1\nuser = \"u\"\npassword = \"p\"\ntls = true\nca_file = \"/nonexistent/ca.pem\"\n",
    )
    .unwrap();
    let err = t.connect().await.unwrap_err();
    assert_eq!(err.step, immohub_filedrop::Step::Config);
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}
