use immohub_filedrop::{DirectoryTarget, ErrorKind, Step, Target};

use crate::support::*;

fn target(dir: &std::path::Path) -> Target {
    Target::Directory(DirectoryTarget {
        path: dir.to_path_buf(),
        archive_dir: "archiv".into(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vac_4_directory_upload_of_20_mb_is_atomic_and_complete() {
    let local = tempfile::tempdir().unwrap();
    let server = tempfile::tempdir().unwrap();
    let file = local.path().join("export.zip");
    let hash = write_big_file(&file, BIG, 1);
    atomic_big_upload(&target(server.path()), server.path(), &file, &hash).await;
}

#[tokio::test]
async fn vac_4_directory_upload_replaces_existing_file() {
    let server = tempfile::tempdir().unwrap();
    replace_existing(&target(server.path()), server.path()).await;
}

#[tokio::test]
async fn pro_2_directory_list_download_archive_skips_partial_files() {
    let server = tempfile::tempdir().unwrap();
    list_download_archive(&target(server.path()), server.path()).await;
}

#[tokio::test]
async fn vac_4_directory_upload_file_and_convenience_functions() {
    let local = tempfile::tempdir().unwrap();
    let server = tempfile::tempdir().unwrap();
    let file = local.path().join("a.zip");
    let hash = write_big_file(&file, 300_000, 7);
    let t = target(server.path());
    let n = immohub_filedrop::upload_file(&t, &file, "a.zip")
        .await
        .unwrap();
    assert_eq!(n, 300_000);
    assert_eq!(sha256_file(&server.path().join("a.zip")), hash);
    let listed = immohub_filedrop::list(&t, "*.zip").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, Some(300_000));
}

#[tokio::test]
async fn vac_4_directory_missing_or_bad_names_give_german_errors() {
    let server = tempfile::tempdir().unwrap();
    let missing = target(&server.path().join("gibt-es-nicht"));
    let err = missing.connect().await.unwrap_err();
    assert_eq!(
        (err.step, err.kind.clone()),
        (Step::OpenDir, ErrorKind::NotFound)
    );
    assert!(
        err.to_string()
            .contains("Öffnen des Verzeichnisses fehlgeschlagen"),
        "{err}"
    );
    assert!(err.to_string().contains("gibt-es-nicht"), "{err}");

    let mut conn = target(server.path()).connect().await.unwrap();
    let err = conn
        .upload(&mut &b"x"[..], "../ausbruch.zip")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(
        !server
            .path()
            .parent()
            .unwrap()
            .join("ausbruch.zip")
            .exists()
    );
}
