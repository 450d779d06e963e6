use super::*;
use std::io::{Cursor, Write};
use std::sync::atomic::AtomicBool;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in entries {
        w.start_file(*n, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn names_that_escape_are_refused_and_plain_ones_accepted() {
    for bad in ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\..\\x", ""] {
        assert!(check_entry_name(bad).is_err(), "{bad}");
    }
    for good in ["summary.md", "snapshot/users.ndjson", "checks/dup..x.csv"] {
        assert!(check_entry_name(good).is_ok(), "{good}");
    }
}

#[test]
fn reading_a_zip_slip_entry_fails_with_its_name() {
    let z = zip_of(&[("summary.md", b"1"), ("../evil.txt", b"2")]);
    let err = read_entries(Cursor::new(z), ReadLimits::default(), &|_| true)
        .err()
        .unwrap();
    assert!(err.contains("../evil.txt"), "{err}");
}

#[test]
fn entries_beyond_the_size_cap_are_refused() {
    let z = zip_of(&[("summary.md", &vec![b'a'; 4096])]);
    let limits = ReadLimits {
        max_entries: 10,
        max_total_bytes: 1000,
    };
    let err = read_entries(Cursor::new(z), limits, &|_| true)
        .err()
        .unwrap();
    assert!(err.contains("more than"), "{err}");
    let small = zip_of(&[("report.json", b"abc")]);
    assert_eq!(
        read_entries(Cursor::new(small), limits, &|_| true)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn too_many_entries_are_refused() {
    let z = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
    let limits = ReadLimits {
        max_entries: 2,
        max_total_bytes: 1000,
    };
    assert!(read_entries(Cursor::new(z), limits, &|_| true)
        .err()
        .unwrap()
        .contains("3 entries"));
}

#[test]
fn a_failed_write_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("b.zip");
    let cancel = AtomicBool::new(true);
    let files = vec![("a.txt".to_string(), b"x".to_vec())];
    assert!(write_zip(&dest, &files, time::OffsetDateTime::UNIX_EPOCH, &cancel).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let ok = AtomicBool::new(false);
    let sha = write_zip(&dest, &files, time::OffsetDateTime::UNIX_EPOCH, &ok).unwrap();
    assert_eq!(sha, sha256_file(&dest).unwrap());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

fn store_of(z: &[u8]) -> (tempfile::TempDir, Result<ZipStore, String>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.zip");
    std::fs::write(&p, z).unwrap();
    let store = ZipStore::open(&p, ReadLimits::default(), &|n| n.starts_with("snapshot/"));
    (dir, store)
}

fn read_all(r: Option<std::io::Result<Box<dyn Read + Send>>>) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    r.expect("entry present")?.read_to_end(&mut out)?;
    Ok(out)
}

/// Entries stream back byte for byte, deflated or stored; unselected ones are absent.
#[test]
fn a_zip_store_streams_its_entries() {
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file(
        "snapshot/users.ndjson",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    w.write_all(&big).unwrap();
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("snapshot/groups.ndjson", stored).unwrap();
    w.write_all(b"plain").unwrap();
    w.start_file("report.json", stored).unwrap();
    w.write_all(b"{}").unwrap();
    let z = w.finish().unwrap().into_inner();
    let (_dir, store) = store_of(&z);
    let store = store.unwrap();
    assert_eq!(
        read_all(store.reader("snapshot/users.ndjson")).unwrap(),
        big
    );
    assert_eq!(
        read_all(store.reader("snapshot/groups.ndjson")).unwrap(),
        b"plain"
    );
    assert!(store.reader("report.json").is_none());
}

/// A flipped byte in an entry's data is an error when the entry is read, never
/// different bytes passed on in silence.
#[test]
fn a_zip_store_refuses_a_corrupt_entry() {
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("snapshot/users.ndjson", stored).unwrap();
    w.write_all(b"{\"id\":\"1\"}\n").unwrap();
    let mut z = w.finish().unwrap().into_inner();
    let at = z.windows(4).position(|w| w == b"\"id\"").unwrap();
    z[at + 1] = b'X';
    let (_dir, store) = store_of(&z);
    let err = read_all(store.unwrap().reader("snapshot/users.ndjson")).unwrap_err();
    assert!(err.to_string().contains("CRC-32"), "{err}");
    let (_dir, bad) = store_of(&zip_of(&[("../x", b"1")]));
    assert!(bad.err().unwrap().contains("unsafe entry name"));
}

/// Proves two central-directory records with one name are refused by every reader,
/// naming it (the zip library alone would keep the last copy and hide the first).
#[test]
fn a_name_repeated_in_the_zip_is_refused_by_name() {
    let mut z = zip_of(&[("summary.md", b"first"), ("summary.mX", b"second")]);
    let mut i = 0;
    while let Some(k) = z[i..].windows(10).position(|w| w == b"summary.mX") {
        z[i + k + 9] = b'd';
        i += k + 10;
    }
    let err = read_entries(Cursor::new(z.clone()), ReadLimits::default(), &|_| true)
        .err()
        .expect("refused");
    assert!(err.contains("two entries named `summary.md`"), "{err}");
    let (_dir, store) = store_of(&z);
    assert!(store.err().unwrap().contains("summary.md"));
    let fine = zip_of(&[("summary.md", b"first"), ("report.json", b"second")]);
    assert!(read_entries(Cursor::new(fine), ReadLimits::default(), &|_| true).is_ok());
}

/// Proves a manifest listing a name outside the format is refused when the zip is
/// opened, by name, while a manifest of defined names opens.
#[test]
fn a_manifest_listing_an_undefined_name_is_refused() {
    let manifest = |path: &str| {
        serde_json::to_vec(&Manifest {
            format: MANIFEST_FORMAT.into(),
            generated_at: String::new(),
            tool_version: String::new(),
            files: vec![ManifestEntry {
                path: path.into(),
                size: 1,
                sha256: String::new(),
            }],
        })
        .unwrap()
    };
    let bad = zip_of(&[(MANIFEST, &manifest("inputs/playbooks//tmp/x"))]);
    let (_dir, store) = store_of(&bad);
    let err = store.err().expect("refused");
    assert!(err.contains("inputs/playbooks//tmp/x"), "{err}");
    let good = zip_of(&[(MANIFEST, &manifest("summary.md"))]);
    let (_dir, store) = store_of(&good);
    assert!(store.is_ok());
}
