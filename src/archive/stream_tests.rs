use super::stream::{ZipOut, INTERRUPTED};
use super::*;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn stamp() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-26 07:38:41 UTC)
}

/// Text that compresses like an NDJSON export: repeated keys, varying values.
fn ndjson(from: usize, n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for i in from..from + n {
        v.extend_from_slice(
            format!(
                "{{\"id\":\"{:08x}-{i}\",\"userName\":\"user{i}@example.com\",\"active\":{}}}\n",
                i.wrapping_mul(2_654_435_761) as u32,
                i % 3 != 0
            )
            .as_bytes(),
        );
    }
    v
}

/// Every entry of `zip` read back through the zip crate (which checks each CRC-32 as it
/// reads to the end): (name, bytes, declared size, unix mode).
fn read_back(zip: &Path) -> Vec<(String, Vec<u8>, u64, Option<u32>)> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().to_string(), b, f.size(), f.unix_mode())
        })
        .collect()
}

/// Python's `zipfile` opens the zip and `testzip()` finds no bad CRC; Info-ZIP `unzip -t`
/// agrees when it is installed. Returns false (after saying why) when python3 is missing.
fn other_readers_accept(zip: &Path, entries: usize) -> bool {
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        bad = z.testzip()\n\
        assert bad is None, bad\n\
        print(len(z.infolist()))\n";
    let out = match std::process::Command::new("python3")
        .args(["-c", script])
        .arg(zip)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipped: python3 is not available ({e})");
            return false;
        }
    };
    assert!(
        out.status.success(),
        "python zipfile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        entries.to_string()
    );
    match std::process::Command::new("unzip")
        .arg("-tq")
        .arg(zip)
        .output()
    {
        Ok(o) => assert!(
            o.status.success(),
            "unzip -t: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => eprintln!("unzip -t skipped: unzip is not available ({e})"),
    }
    true
}

fn pieces_of(n: usize) -> impl Iterator<Item = usize> {
    0..n
}

/// Proves empty, tiny, big in-memory and many-piece parallel entries, with UTF-8 names, come
/// back byte for byte (CRC checked) with their sizes, modes and time, and that `Written` and
/// the returned zip SHA-256 are those of the bytes.
#[test]
fn entries_of_every_kind_round_trip_through_three_readers() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("b.zip");
    let big = ndjson(0, 60_000); // about 4 MB: several chunks on the workers
    assert!(big.len() > 3 << 20);
    let mut z = ZipOut::create(&dest, stamp()).unwrap();
    z.set_workers(3);
    let w_empty = z.add("empty.txt", b"").unwrap();
    assert_eq!(w_empty.size, 0);
    assert_eq!(w_empty.sha256, sha256_hex(b""));
    let w_tiny = z.add("tiny.txt", b"x").unwrap();
    assert_eq!(w_tiny.sha256, sha256_hex(b"x"));
    z.add("inputs/données-ñ-日本.csv", "a,b\n1,2\n".as_bytes())
        .unwrap();
    let w_big = z.add("snapshot/big.ndjson", &big).unwrap();
    assert_eq!(
        (w_big.size, w_big.sha256.clone()),
        (big.len() as u64, sha256_hex(&big))
    );
    let mut seen = Vec::new();
    let w_par = z
        .add_parallel(
            "snapshot/users.ndjson",
            pieces_of(120),
            |i| (ndjson(i * 500, 500), i),
            |i| {
                seen.push(i);
                Ok(())
            },
            &AtomicBool::new(false),
        )
        .unwrap();
    let empty_par = z
        .add_parallel(
            "snapshot/groups.ndjson",
            pieces_of(0),
            |i: usize| (vec![i as u8], ()),
            |()| Ok(()),
            &AtomicBool::new(false),
        )
        .unwrap();
    let sha = z.finish(&AtomicBool::new(false)).unwrap();
    assert_eq!(sha, sha256_file(&dest).unwrap());
    assert_eq!(seen, (0..120).collect::<Vec<_>>());
    let whole = ndjson(0, 60_000);
    assert_eq!(
        (w_par.size, &w_par.sha256),
        (whole.len() as u64, &sha256_hex(&whole))
    );
    assert_eq!(empty_par.size, 0);

    let got = read_back(&dest);
    let names: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "empty.txt",
            "tiny.txt",
            "inputs/données-ñ-日本.csv",
            "snapshot/big.ndjson",
            "snapshot/users.ndjson",
            "snapshot/groups.ndjson"
        ]
    );
    let want: [&[u8]; 6] = [b"", b"x", "a,b\n1,2\n".as_bytes(), &big, &whole, b""];
    for ((name, bytes, size, mode), want) in got.iter().zip(want) {
        assert!(bytes == want, "{name}: content differs");
        assert_eq!(*size, want.len() as u64, "{name}");
        assert_eq!(*mode, Some(0o100644), "{name}");
    }
    let mut a = zip::ZipArchive::new(std::fs::File::open(&dest).unwrap()).unwrap();
    let f = a.by_name("snapshot/users.ndjson").unwrap();
    assert!(
        f.compressed_size() < whole.len() as u64 / 3,
        "deflated: {}",
        f.compressed_size()
    );
    let t = f.last_modified().unwrap();
    assert_eq!(
        (
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        (2026, 11, 26, 7, 38, 40)
    );
    drop(f);
    other_readers_accept(&dest, 6);
}

/// Proves splitting a big entry into pieces primed with the previous 32 KiB costs almost
/// nothing against one deflate stream of the same level.
#[test]
fn a_big_entry_split_across_workers_compresses_like_one_stream() {
    let big = ndjson(0, 80_000);
    let one = {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        std::io::Write::write_all(&mut e, &big).unwrap();
        e.finish().unwrap().len() as u64
    };
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("b.zip");
    let mut z = ZipOut::create(&dest, stamp()).unwrap();
    z.set_workers(2);
    z.add("big", &big).unwrap();
    z.finish(&AtomicBool::new(false)).unwrap();
    let mut a = zip::ZipArchive::new(std::fs::File::open(&dest).unwrap()).unwrap();
    let split = a.by_name("big").unwrap().compressed_size();
    assert!(
        split <= one + one / 200,
        "split {split} vs one stream {one}"
    );
}

/// Proves pieces are written (and `side` called) in item order when the workers finish out
/// of order: the first items sleep so later ones overtake them.
#[test]
fn pieces_stay_in_order_when_workers_finish_out_of_order() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("b.zip");
    let mut z = ZipOut::create(&dest, stamp()).unwrap();
    z.set_workers(4);
    let finished = std::sync::Mutex::new(Vec::new());
    let mut sides = Vec::new();
    z.add_parallel(
        "ordered.txt",
        pieces_of(24),
        |i| {
            if i < 3 {
                std::thread::sleep(Duration::from_millis(60 * (3 - i as u64)));
            }
            finished.lock().unwrap().push(i);
            (format!("piece {i}\n").repeat(100).into_bytes(), i)
        },
        |i| {
            sides.push(i);
            Ok(())
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    z.finish(&AtomicBool::new(false)).unwrap();
    let finished = finished.into_inner().unwrap();
    assert_ne!(
        finished,
        (0..24).collect::<Vec<_>>(),
        "the workers did finish in order"
    );
    assert_eq!(sides, (0..24).collect::<Vec<_>>());
    let want: String = (0..24)
        .map(|i| format!("piece {i}\n").repeat(100))
        .collect();
    assert_eq!(read_back(&dest)[0].1, want.into_bytes());
}

/// Proves at most about two pieces per worker are in flight: the producer never runs more
/// than `2 x workers` items ahead of the pieces written.
#[test]
fn pieces_in_flight_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = ZipOut::create(&dir.path().join("b.zip"), stamp()).unwrap();
    z.set_workers(2);
    let pulled = AtomicUsize::new(0);
    let mut written = 0usize;
    let mut worst = 0usize;
    let items = (0..200).inspect(|_| {
        pulled.fetch_add(1, Ordering::SeqCst);
    });
    z.add_parallel(
        "x",
        items,
        |i: usize| (vec![b'a'; 1000 + i], ()),
        |()| {
            written += 1;
            worst = worst.max(pulled.load(Ordering::SeqCst) - written);
            Ok(())
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(worst < 4, "{worst} pieces in flight after one was written");
    assert!(worst >= 1);
}

/// Proves a cancel between pieces stops the entry with the interruption message, and the
/// partial file is gone once the writer is dropped.
#[test]
fn cancel_mid_entry_removes_the_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let mut z = ZipOut::create(&dir.path().join("b.zip"), stamp()).unwrap();
    z.set_workers(2);
    assert!(dir.path().join("b.zip.partial").exists());
    let mut n = 0;
    let err = z
        .add_parallel(
            "x",
            pieces_of(1000),
            |i| (ndjson(i, 10), ()),
            |()| {
                n += 1;
                if n == 5 {
                    cancel.store(true, Ordering::SeqCst);
                }
                Ok(())
            },
            &cancel,
        )
        .unwrap_err();
    assert_eq!(err, INTERRUPTED);
    assert!(n < 1000);
    assert!(
        z.add("y", b"y").is_err(),
        "a broken writer takes no more entries"
    );
    drop(z);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Proves an error from `side` (e.g. the pseudonym map cannot be written) aborts the entry
/// with that error, and `finish` is never reached with a half entry; the partial file goes.
#[test]
fn an_error_from_side_aborts_and_removes_the_partial_file() {
    for workers in [1, 3] {
        let dir = tempfile::tempdir().unwrap();
        let mut z = ZipOut::create(&dir.path().join("b.zip"), stamp()).unwrap();
        z.set_workers(workers);
        let err = z
            .add_parallel(
                "x",
                pieces_of(50),
                |i| (vec![b'a'; 10], i),
                |i| {
                    if i == 7 {
                        Err("cannot write the map".to_string())
                    } else {
                        Ok(())
                    }
                },
                &AtomicBool::new(false),
            )
            .unwrap_err();
        assert_eq!(err, "cannot write the map");
        assert!(z.finish(&AtomicBool::new(false)).is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{workers} workers"
        );
    }
}

/// Proves a worker that panics fails the write with an error instead of hanging or
/// unwinding through the caller.
#[test]
fn a_panicking_worker_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = ZipOut::create(&dir.path().join("b.zip"), stamp()).unwrap();
    z.set_workers(2);
    let err = z
        .add_parallel(
            "x",
            pieces_of(30),
            |i| {
                assert!(i != 11, "worker bug");
                (vec![1u8; 10], ())
            },
            |()| Ok(()),
            &AtomicBool::new(false),
        )
        .unwrap_err();
    assert!(err.contains("internal error"), "{err}");
    drop(z);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Proves the zip64 records (extra fields, zip64 end record and locator) are written when a
/// size, an offset or the entry count reaches the limit, and that all readers take them. The
/// limits are lowered to a few bytes and entries: writing 4 GiB in a unit test is too slow
/// for this machine, and the records are the same whatever the threshold.
#[test]
fn zip64_records_are_written_past_the_limits_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("b.zip");
    let mut z = ZipOut::create(&dest, stamp()).unwrap();
    z.set_workers(2);
    z.set_limits(300, 4);
    let big = ndjson(0, 20_000);
    z.add("a.txt", b"small").unwrap();
    z.add("b.ndjson", &big).unwrap();
    z.add("c.txt", b"past the offset limit").unwrap();
    z.add_parallel(
        "d.ndjson",
        pieces_of(40),
        |i| (ndjson(i * 100, 100), ()),
        |()| Ok(()),
        &AtomicBool::new(false),
    )
    .unwrap();
    z.add("e/empty", b"").unwrap();
    z.finish(&AtomicBool::new(false)).unwrap();
    let raw = std::fs::read(&dest).unwrap();
    let has = |sig: u32| raw.windows(4).any(|w| w == sig.to_le_bytes());
    assert!(has(0x0606_4b50) && has(0x0706_4b50), "no zip64 end records");
    let got = read_back(&dest);
    assert_eq!(got.len(), 5);
    assert_eq!(got[1].1, big);
    assert_eq!(got[2].1, b"past the offset limit");
    assert_eq!(got[3].1, ndjson(0, 4000));
    assert_eq!(got[3].2, ndjson(0, 4000).len() as u64);
    other_readers_accept(&dest, 5);
    // Without lowered limits the same entries use no zip64 end records.
    let plain = dir.path().join("p.zip");
    let mut z = ZipOut::create(&plain, stamp()).unwrap();
    z.add("b.ndjson", &big).unwrap();
    z.finish(&AtomicBool::new(false)).unwrap();
    let raw = std::fs::read(&plain).unwrap();
    assert!(!raw.windows(4).any(|w| w == 0x0606_4b50u32.to_le_bytes()));
}

/// Proves names the readers would refuse, and the same name twice, are refused when written.
#[test]
fn bad_and_repeated_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = ZipOut::create(&dir.path().join("b.zip"), stamp()).unwrap();
    assert!(z.add("../x", b"1").is_err());
    z.add("a.txt", b"1").unwrap();
    let err = z.add("a.txt", b"2").unwrap_err();
    assert!(err.contains("`a.txt` is written twice"), "{err}");
}

/// Proves the DOS time is the stamp in UTC with 2-second steps, clamped to 1980..2107.
#[test]
fn dos_times_are_utc_and_clamped() {
    use super::zipfmt::dos_time;
    let (t, d) = dos_time(time::macros::datetime!(2026-11-26 08:38:41 +01:00));
    assert_eq!((t >> 11, (t >> 5) & 63, (t & 31) * 2), (7, 38, 40));
    assert_eq!((1980 + (d >> 9), (d >> 5) & 15, d & 31), (2026, 11, 26));
    assert_eq!(
        dos_time(time::OffsetDateTime::UNIX_EPOCH),
        (0, (1 << 5) | 1)
    );
    let (_, d) = dos_time(time::macros::datetime!(2200-01-01 00:00 UTC));
    assert_eq!(1980 + (d >> 9), 2107);
}
