//! Tests of the map file: its reader (`MapReader`: the bound on one line, extending a map)
//! and its writer (entry lines, the values a thread wrote lately).

use super::*;
use crate::bundle::redact::PiiMap;

/// A map of this version's layout with the given entries, written by `PiiMap::save`.
fn saved_map(dir: &Path, values: &[&str]) -> PathBuf {
    let path = dir.join("old.map.json");
    let mut m = PiiMap::new(false);
    for v in values {
        m.add("userName", v);
    }
    m.save(&path).unwrap();
    path
}

/// The header line of a map, as written.
fn header_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().next().unwrap().to_string()
}

fn entries(path: &Path, max_line: usize) -> Result<Vec<MapEntry>, String> {
    let mut r = MapReader::open_bounded(path, max_line)?;
    let mut out = Vec::new();
    while let Some(e) = r.next_entry()? {
        out.push(e);
    }
    Ok(out)
}

/// A map extended with `copy_from` carries every old entry and then the new ones.
#[test]
fn copy_from_carries_the_old_entries_into_the_new_map() {
    let dir = tempfile::tempdir().unwrap();
    let old = saved_map(dir.path(), &["ann@x.example", "bob@x.example"]);
    let map = PiiMap::open(&old, false).unwrap();
    let new = dir.path().join("new.map.json");
    let mut w = MapWriter::create(&new, &map.policy).unwrap();
    w.copy_from(&old).unwrap();
    w.entry("userName", "carol@x.example", "zzzzz@x.example")
        .unwrap();
    w.finish().unwrap();
    let got: Vec<String> = entries(&new, MAX_MAP_LINE)
        .unwrap()
        .into_iter()
        .map(|e| e.original)
        .collect();
    assert_eq!(got, ["ann@x.example", "bob@x.example", "carol@x.example"]);
    // The whole file is still one JSON document with the same key.
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&new).unwrap()).unwrap();
    assert_eq!(doc["entries"].as_array().unwrap().len(), 3);
    assert_eq!(header_line(&new), header_line(&old));
}

/// A line at the bound is read; one byte more is refused, naming the file and the line,
/// after the entries before it were read.
#[test]
fn a_map_line_past_the_bound_is_refused_with_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = saved_map(dir.path(), &["ann@x.example"]);
    let text = std::fs::read_to_string(&old).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let tail = lines.pop().unwrap();
    assert_eq!(tail, "]}");
    let long = format!(
        ",{{\"field\":\"userName\",\"original\":\"{}\",\"pseudonym\":\"p\"}}",
        "a".repeat(900)
    );
    let path = dir.path().join("long.map.json");
    std::fs::write(&path, format!("{}\n{long}\n]}}\n", lines.join("\n"))).unwrap();

    let read = entries(&path, long.len()).unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(read[1].original.len(), 900);

    let mut r = MapReader::open_bounded(&path, long.len() - 1).unwrap();
    assert_eq!(r.next_entry().unwrap().unwrap().original, "ann@x.example");
    let err = r.next_entry().unwrap_err();
    assert!(
        err.contains(&path.display().to_string())
            && err.contains(&format!(
                "line 3 is longer than {} bytes, the bound for one entry",
                long.len() - 1
            )),
        "{err}"
    );
}

/// A line with no end, past the real bound (a sparse file of zeros: nothing is written),
/// is refused by `PiiMap::load` too, which reads the same way; the header alone (what
/// `PiiMap::open` reads) is still fine.
#[test]
fn load_refuses_a_map_line_past_the_real_bound() {
    let dir = tempfile::tempdir().unwrap();
    let old = saved_map(dir.path(), &[]);
    let path = dir.path().join("hostile.map.json");
    let head = format!("{}\n", header_line(&old));
    std::fs::write(&path, &head).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len((head.len() + MAX_MAP_LINE + 2) as u64).unwrap();
    drop(f);
    assert!(PiiMap::open(&path, false).is_ok());
    let err = PiiMap::load(&path, false).unwrap_err();
    assert!(
        err.contains("line 2 is longer than 257 MiB, the bound for one entry"),
        "{err}"
    );
}

/// A map in another layout (one JSON document on one line) is still read, entries and all.
#[test]
fn a_map_in_another_layout_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let old = saved_map(dir.path(), &["ann@x.example", "bob@x.example"]);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&old).unwrap()).unwrap();
    let path = dir.path().join("pretty.map.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let got = entries(&path, 64).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].original, "bob@x.example");
}

/// A map of an older format is still named as such (read whole), and a map in another
/// layout larger than the bound for a file read whole is refused from its size, unread.
#[test]
fn a_map_in_another_layout_is_bounded_and_an_older_format_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v2.map.json");
    std::fs::write(
        &old,
        "{\n  \"format\": \"scim-doctor-pii-map/2\",\n  \"runs\": {},\n  \"entries\": []\n}\n",
    )
    .unwrap();
    let err = PiiMap::open(&old, false).unwrap_err();
    assert!(
        err.contains("has format `scim-doctor-pii-map/2`, expected `scim-doctor-pii-map/4`"),
        "{err}"
    );

    let big = dir.path().join("big.map.json");
    std::fs::write(&big, "{\n").unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&big).unwrap();
    f.set_len(MAX_WHOLE + 1).unwrap();
    drop(f);
    for err in [
        PiiMap::open(&big, false).unwrap_err(),
        PiiMap::load(&big, false).unwrap_err(),
    ] {
        assert!(
            err.contains("does not start with a `scim-doctor-pii-map/4` header line and is larger than 256 MiB"),
            "{err}"
        );
    }
}

/// The hand-written entry line is byte for byte what serde_json writes, escapes
/// included.
#[test]
fn entry_lines_are_serde_json_lines() {
    for (f, o, p) in [
        ("userName", "ann@example.com", "kqz@xbnvgjq.zyr"),
        ("displayName", "Ann \"Nan\" O'Lee", "Bqx \"Wef\" K'Mzo"),
        (
            "title",
            "back\\slash\ttab\u{1}\u{7f}",
            "qwer\\tyuio\tpas\u{1}\u{7f}",
        ),
        ("name.givenName", "José 王", "Dfnû 侷"),
        ("x", "", ""),
    ] {
        let e = EntryRef {
            field: f,
            original: o,
            pseudonym: p.as_bytes(),
        };
        let mut line = Vec::new();
        push_entry(&mut line, &e);
        let owned = MapEntry {
            field: f.into(),
            original: o.into(),
            pseudonym: p.into(),
        };
        let want = format!(",{}\n", serde_json::to_string(&owned).unwrap());
        assert_eq!(String::from_utf8(line).unwrap(), want);
    }
}

/// The word-at-a-time check finds a byte to escape at every place of values around the
/// word size, and finds none in values that need none (non-ASCII and DEL included).
#[test]
fn the_escape_check_finds_every_byte_to_escape() {
    let naive = |s: &[u8]| s.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    for len in 0..=25 {
        let clean: Vec<u8> = (0..len).map(|i| b"aZ9 !#~\x7f"[i % 8]).collect();
        assert!(!needs_escape(&clean), "{clean:?}");
        for at in 0..len {
            for bad in [0u8, 0x01, 0x1f, b'"', b'\\'] {
                let mut v = clean.clone();
                v[at] = bad;
                assert_eq!(needs_escape(&v), naive(&v), "{v:?}");
                assert!(needs_escape(&v), "{v:?}");
            }
            for fine in [0x20u8, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff] {
                let mut v = clean.clone();
                v[at] = fine;
                assert!(!needs_escape(&v), "{v:?}");
            }
        }
    }
    assert!(!needs_escape("Dfnû 侷 José".as_bytes()));
}

#[test]
fn recently_skips_a_repeat_until_another_value_takes_its_slot() {
    let mut r = Recently::default();
    assert!(r.fresh("Sales"));
    assert!(!r.fresh("Sales"));
    assert!(r.fresh("Engineering"));
    assert!(!r.fresh("Sales"));
    r.clear();
    assert!(r.fresh("Sales"));
}

/// Values that share a set: two stay together whatever their order, a third pushes out
/// the one met least lately.
#[test]
fn recently_keeps_two_values_of_one_set() {
    let set_of = |v: &str| ((seen_key(v) | 1) >> 1) as usize % RECENTLY_SETS;
    let first = "title-0".to_string();
    let same: Vec<String> = (1..)
        .map(|i| format!("title-{i}"))
        .filter(|v| set_of(v) == set_of(&first))
        .take(2)
        .collect();
    let (second, third) = (&same[0], &same[1]);
    let mut r = Recently::default();
    assert!(r.fresh(&first) && r.fresh(second));
    for _ in 0..3 {
        assert!(!r.fresh(&first) && !r.fresh(second));
    }
    // `second` was met last: `third` pushes out `first`.
    assert!(r.fresh(third));
    assert!(!r.fresh(second) && !r.fresh(third));
    assert!(r.fresh(&first));
}

/// A map of the previous keyed format (`/3`, the same key gave other pseudonyms) is named
/// and not extended.
#[test]
fn a_map_of_the_previous_keyed_format_is_not_extended() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v3.map.json");
    let key = "07".repeat(32);
    std::fs::write(
        &old,
        format!("{{\"format\":\"scim-doctor-pii-map/3\",\"keep_domains\":false,\"key\":\"{key}\",\"entries\":[\n]}}\n"),
    )
    .unwrap();
    let err = PiiMap::open(&old, false).unwrap_err();
    assert!(
        err.contains("has format `scim-doctor-pii-map/3`, expected `scim-doctor-pii-map/4`"),
        "{err}"
    );
}
