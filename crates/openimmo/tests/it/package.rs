//! ZIP packaging: entry order and names, identical attachment bytes, duplicates, traversal.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Cursor, Read};

use crate::fixtures::*;
use immohub_openimmo::*;
use zip::ZipArchive;

/// Deterministic pseudo-random bytes for a path (different per path, 300 KB).
fn content(path: &str) -> Vec<u8> {
    let mut x: u64 = path.bytes().fold(1469598103934665603, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    });
    (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn read_entry(zip: &mut ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut f = zip.by_name(name).expect("entry");
    let mut out = Vec::new();
    f.read_to_end(&mut out).expect("read");
    out
}

#[test]
fn vac_4_zip_has_the_xml_first_and_attachments_with_identical_bytes() {
    let calls = RefCell::new(Vec::<String>::new());
    let source = |path: &str| -> io::Result<Cursor<Vec<u8>>> {
        calls.borrow_mut().push(path.to_string());
        Ok(Cursor::new(content(path)))
    };
    let mut out = Cursor::new(Vec::new());
    let summary = write_zip(
        &mut out,
        &transfer(),
        &provider(),
        all(),
        source,
        &ZipOptions::default(),
    )
    .expect("zip");
    assert_eq!(summary.xml_file_name, "immohub_20261128063000.xml");
    assert_eq!(summary.listings_written, 4);
    assert!(summary.rejected.is_empty());
    assert_eq!(summary.attachments_written, 3);

    let mut zip = ZipArchive::new(Cursor::new(out.into_inner())).expect("readable zip");
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).expect("entry").name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "immohub_20261128063000.xml",
            "bilder/1.10.3.7/wohnzimmer.jpg",
            "bilder/1.10.3.7/grundriss.pdf",
            "dokumente/1.20.1.3/energieausweis.pdf",
        ]
    );
    for i in 0..zip.len() {
        let f = zip.by_index(i).expect("entry");
        assert_eq!(
            f.compression(),
            zip::CompressionMethod::Deflated,
            "{}",
            f.name()
        );
    }
    for name in &names[1..] {
        assert_eq!(read_entry(&mut zip, name), content(name), "bytes of {name}");
    }
    let xml = String::from_utf8(read_entry(&mut zip, &names[0])).expect("utf-8");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("immobilie"))
            .count(),
        4
    );
    assert_eq!(calls.borrow().len(), 3);
}

#[test]
fn vac_4_duplicate_attachment_paths_are_written_once() {
    let mut a = living();
    a.object_id = "1.10.3.1".into();
    let mut b = living();
    b.object_id = "1.10.3.2".into(); // same two attachment paths as `a`
    let opened = RefCell::new(HashMap::<String, usize>::new());
    let source = |path: &str| -> io::Result<Cursor<Vec<u8>>> {
        *opened.borrow_mut().entry(path.to_string()).or_default() += 1;
        Ok(Cursor::new(content(path)))
    };
    let options = ZipOptions {
        xml_file_name: Some("export.xml".into()),
    };
    let mut out = Cursor::new(Vec::new());
    let summary = write_zip(
        &mut out,
        &transfer(),
        &provider(),
        [&a, &b],
        source,
        &options,
    )
    .expect("zip");
    assert_eq!(summary.listings_written, 2);
    assert_eq!(summary.attachments_written, 2);
    assert!(
        opened.borrow().values().all(|&n| n == 1),
        "{:?}",
        opened.borrow()
    );
    let zip = ZipArchive::new(Cursor::new(out.into_inner())).expect("zip");
    assert_eq!(zip.len(), 3);
    assert_eq!(zip.name_for_index(0), Some("export.xml"));
}

#[test]
fn vac_4_absolute_and_parent_paths_are_refused_naming_the_path() {
    for bad in [
        "../geheim/passwd.jpg",
        "/etc/passwd",
        "bilder/../../x.jpg",
        "C:\\bilder\\x.jpg",
    ] {
        let mut l = living();
        l.attachments[0].path = bad.into();
        let e = validate_listing(&l).expect_err(bad);
        assert_eq!(e.field, "anhang/daten/pfad");
        assert!(e.reason.contains(bad), "reason must name the path: {e}");

        let source = |path: &str| -> io::Result<Cursor<Vec<u8>>> { Ok(Cursor::new(content(path))) };
        let mut out = Cursor::new(Vec::new());
        let summary = write_zip(
            &mut out,
            &transfer(),
            &provider(),
            [&l, &parking()],
            source,
            &ZipOptions::default(),
        )
        .expect("zip is still written for the other listings");
        assert_eq!(summary.listings_written, 1);
        assert_eq!(summary.rejected.len(), 1);
        assert_eq!(summary.rejected[0].object_id, "1.10.3.7");
        let zip = ZipArchive::new(Cursor::new(out.into_inner())).expect("zip");
        assert!(
            zip.file_names()
                .all(|n| !n.contains("..") && !n.starts_with('/'))
        );
        assert_eq!(
            zip.len(),
            1,
            "only the XML: the rejected listing's files are not packed"
        );
    }
    let options = ZipOptions {
        xml_file_name: Some("../export.xml".into()),
    };
    let source = |path: &str| -> io::Result<Cursor<Vec<u8>>> { Ok(Cursor::new(content(path))) };
    let err = write_zip(
        Cursor::new(Vec::new()),
        &transfer(),
        &provider(),
        [&parking()],
        source,
        &options,
    )
    .expect_err("bad XML name");
    assert!(err.to_string().contains("../export.xml"), "{err}");
}

#[test]
fn vac_4_unreadable_attachment_fails_naming_the_path() {
    let source = |path: &str| -> io::Result<Cursor<Vec<u8>>> {
        if path.ends_with("grundriss.pdf") {
            Err(io::Error::new(io::ErrorKind::NotFound, "fehlt"))
        } else {
            Ok(Cursor::new(content(path)))
        }
    };
    let err = write_zip(
        Cursor::new(Vec::new()),
        &transfer(),
        &provider(),
        [living()],
        source,
        &ZipOptions::default(),
    )
    .expect_err("missing file");
    assert!(
        err.to_string().contains("bilder/1.10.3.7/grundriss.pdf"),
        "{err}"
    );
}

#[test]
fn vac_4_directory_source_streams_files_from_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = living();
    for a in &l.attachments {
        let p = dir.path().join(&a.path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content(&a.path)).expect("write");
    }
    let source = DirectorySource {
        root: dir.path().to_path_buf(),
    };
    let mut out = Cursor::new(Vec::new());
    write_zip(
        &mut out,
        &transfer(),
        &provider(),
        [&l],
        source,
        &ZipOptions::default(),
    )
    .expect("zip");
    let mut zip = ZipArchive::new(Cursor::new(out.into_inner())).expect("zip");
    for a in &l.attachments {
        assert_eq!(read_entry(&mut zip, &a.path), content(&a.path));
    }
}
