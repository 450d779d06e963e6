//! What a stranger's files can make scim-doctor do, through the real binary: bundle zips
//! that try to write outside the reader's temporary directory, name an entry twice or list
//! names the format does not define; compression bombs, endless lines and values; snapshot
//! files that are pipes, directories, looping links, devices, or two names differing only
//! in case; output paths where a symbolic link was planted. Every hostile file is made here,
//! at test time, in a temporary directory (no bomb is committed).

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bundle")
        .join(name)
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_PASSWORD")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A real bundle of the small fixture tenant, written into `dir`.
fn real_bundle(dir: &Path) -> PathBuf {
    let zip = dir.join("real.zip");
    bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(fixture("tenant-small"))
        .arg("--bundle")
        .arg(&zip)
        .assert()
        .code(predicates::ord::lt(2));
    zip
}

fn entries(zip: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).unwrap();
        out.insert(e.name().to_string(), buf);
    }
    out
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// Writes `files` as a zip whose manifest.json vouches for every one of them (as the
/// tool's own would), so that only the names can give it away.
fn write_vouched_zip(path: &Path, mut files: BTreeMap<String, Vec<u8>>) {
    files.remove("manifest.json");
    let listed: Vec<serde_json::Value> = files
        .iter()
        .map(|(n, b)| serde_json::json!({"path": n, "size": b.len(), "sha256": sha256_hex(b)}))
        .collect();
    let manifest = serde_json::json!({
        "format": "scim-doctor-bundle/1",
        "generated_at": "2026-11-26T08:00:00Z",
        "tool_version": "0",
        "files": listed,
    });
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (n, b) in &files {
        w.start_file(n.as_str(), opts).unwrap();
        w.write_all(b).unwrap();
    }
    w.start_file("manifest.json", opts).unwrap();
    w.write_all(&serde_json::to_vec(&manifest).unwrap())
        .unwrap();
    w.finish().unwrap();
}

/// The four commands that read a bundle zip, each run on `zip`.
fn every_reader(zip: &Path, out_dir: &Path) -> Vec<(&'static str, std::process::Output)> {
    let z = zip.to_str().unwrap();
    let out_zip = out_dir.join("out.zip");
    vec![
        (
            "check",
            bin().args(["check", "--snapshot", z]).output().unwrap(),
        ),
        (
            "bundle",
            bin()
                .args(["bundle", "--snapshot", z, "--out"])
                .arg(&out_zip)
                .output()
                .unwrap(),
        ),
        (
            "explain-user",
            bin()
                .args(["explain-user", "alice@example.com", "--snapshot", z])
                .output()
                .unwrap(),
        ),
        ("diff", bin().args(["diff", z, z]).output().unwrap()),
    ]
}

/// Proves the issue's attack (an override named `inputs/playbooks/` + an absolute path,
/// vouched for by the manifest) writes nothing, and that `bundle verify` and every reader
/// refuse the zip with exit 2, naming the entry.
#[test]
fn the_override_path_attack_writes_nothing_and_every_reader_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("victim").join("authorized_keys.toml");
    let evil = format!("inputs/playbooks/{}", target.display());
    assert!(evil.contains("//"), "{evil}");
    let mut files = entries(&real_bundle(dir.path()));
    let mut inputs: serde_json::Value =
        serde_json::from_slice(&files["inputs/inputs.json"]).unwrap();
    inputs["overrides"] = serde_json::json!([evil]);
    files.insert(
        "inputs/inputs.json".into(),
        serde_json::to_vec(&inputs).unwrap(),
    );
    files.insert(evil.clone(), b"ssh-ed25519 AAAA attacker".to_vec());
    let zip = dir.path().join("attack.zip");
    write_vouched_zip(&zip, files);

    let verify = bin().args(["bundle", "verify"]).arg(&zip).output().unwrap();
    assert_eq!(verify.status.code(), Some(2), "{}", text(&verify.stdout));
    assert!(
        text(&verify.stderr).contains(&evil),
        "{}",
        text(&verify.stderr)
    );
    for (cmd, out) in every_reader(&zip, dir.path()) {
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {stderr}");
        assert!(
            stderr.contains(&evil),
            "{cmd} did not name the entry: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{cmd}: {stderr}");
    }
    assert!(!target.exists(), "the attack wrote {}", target.display());
    assert!(!dir.path().join("victim").exists());
}

/// Proves the same attack is refused through `inputs/inputs.json` alone, when the zip's
/// own names are all plain (the override named with `..`, its entry absent).
#[test]
fn an_inputs_manifest_naming_an_escaping_override_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = entries(&real_bundle(dir.path()));
    let mut inputs: serde_json::Value =
        serde_json::from_slice(&files["inputs/inputs.json"]).unwrap();
    inputs["overrides"] = serde_json::json!(["inputs/playbooks/../../escaped.toml"]);
    files.insert(
        "inputs/inputs.json".into(),
        serde_json::to_vec(&inputs).unwrap(),
    );
    let zip = dir.path().join("attack.zip");
    write_vouched_zip(&zip, files);
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(&zip)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("inputs/playbooks/../../escaped.toml"),
        "{}",
        text(&out.stderr)
    );
}

/// Proves a manifest listing a name the bundle format does not define fails `bundle
/// verify` and every reader with exit 2, naming it, while the untouched bundle passes.
#[test]
fn a_manifest_listing_an_undefined_name_fails_verify_and_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let real = real_bundle(dir.path());
    bin().args(["bundle", "verify"]).arg(&real).assert().code(0);
    let mut files = entries(&real);
    files.insert("notes/evil.sh".into(), b"#!/bin/sh\n".to_vec());
    let zip = dir.path().join("undefined.zip");
    write_vouched_zip(&zip, files);
    let verify = bin().args(["bundle", "verify"]).arg(&zip).output().unwrap();
    assert_eq!(verify.status.code(), Some(2));
    assert!(text(&verify.stderr).contains("notes/evil.sh"));
    for (cmd, out) in every_reader(&zip, dir.path()) {
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("notes/evil.sh"), "{cmd}");
    }
}

/// Proves two zip entries with one name (the library would hide the first) fail `bundle
/// verify` and the readers, naming the entry.
#[test]
fn a_repeated_entry_name_fails_verify_and_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = entries(&real_bundle(dir.path()));
    files.insert(
        "summary.mX".into(),
        b"# the copy verify would not see\n".to_vec(),
    );
    let zip = dir.path().join("dup.zip");
    write_vouched_zip(&zip, files);
    // Rename summary.mX to summary.md in the local header and the central directory.
    let mut raw = std::fs::read(&zip).unwrap();
    let mut i = 0;
    while let Some(k) = raw[i..].windows(10).position(|w| w == b"summary.mX") {
        raw[i + k + 9] = b'd';
        i += k + 10;
    }
    std::fs::write(&zip, &raw).unwrap();
    let verify = bin().args(["bundle", "verify"]).arg(&zip).output().unwrap();
    assert_eq!(verify.status.code(), Some(2), "{}", text(&verify.stdout));
    assert!(
        text(&verify.stderr).contains("two entries named `summary.md`"),
        "{}",
        text(&verify.stderr)
    );
    for (cmd, out) in every_reader(&zip, dir.path()) {
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("summary.md"), "{cmd}");
    }
}

// --- compression bombs, built in memory from a repeated deflate chunk ---

/// `data` as raw deflate, flushed so the bytes stand alone: repeated, they inflate to
/// `data` repeated (the compressor's window is empty at their start).
fn deflate_chunk(data: &[u8]) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    c.compress_vec(data, &mut out, flate2::FlushCompress::Full)
        .unwrap();
    assert_eq!(c.total_in() as usize, data.len());
    out
}

/// The raw deflate stream of `parts` (each `(bytes, times)`), its CRC-32 and size.
fn deflate_of(parts: &[(&[u8], u64)]) -> (Vec<u8>, u32, u64) {
    let mut body = Vec::new();
    let mut crc = crc32fast::Hasher::new();
    let mut size = 0u64;
    for (bytes, times) in parts {
        let chunk = deflate_chunk(bytes);
        let mut one = crc32fast::Hasher::new();
        one.update(bytes);
        for _ in 0..*times {
            body.extend_from_slice(&chunk);
            crc.combine(&one);
        }
        size += bytes.len() as u64 * times;
    }
    body.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]); // the final, empty block
    (body, crc.finalize(), size)
}

/// A gzip file that inflates to `parts`.
fn gz_of(parts: &[(&[u8], u64)]) -> Vec<u8> {
    let (body, crc, size) = deflate_of(parts);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

/// Pieces a file inflates to: each `(bytes, times)`.
type Parts<'a> = Vec<(&'a [u8], u64)>;

/// A zip of deflated entries, written by hand (the zip library would inflate nothing, but
/// it would compress gigabytes first).
fn zip_of_parts(path: &Path, entries: &[(&str, Parts)]) {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, parts) in entries {
        let (body, crc, size) = deflate_of(parts);
        assert!(size < u32::MAX as u64 && body.len() < u32::MAX as usize);
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&8u16.to_le_bytes()); // deflate
            v.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&(body.len() as u32).to_le_bytes());
            v.extend_from_slice(&(size as u32).to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04]);
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&body);
        central.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02]);
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        common(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let n = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    std::fs::write(path, out).unwrap();
}

/// Runs `cmd` to its end; returns its output, how long it took and the peak resident size
/// (VmHWM, sampled every few milliseconds; the high-water mark never goes down).
fn run_measured(mut cmd: std::process::Command) -> (std::process::Output, Duration, u64) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let readers = std::thread::spawn(move || {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let t = std::thread::spawn(move || {
            let _ = err.read_to_end(&mut e);
            e
        });
        let _ = out.read_to_end(&mut o);
        (o, t.join().unwrap())
    });
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "still running");
        std::thread::sleep(Duration::from_millis(5));
    };
    let (stdout, stderr) = readers.join().unwrap();
    eprintln!(
        "{:?}: {:?}, peak RSS {} MB",
        cmd.get_args().collect::<Vec<_>>(),
        start.elapsed(),
        peak_kb >> 10
    );
    (
        std::process::Output {
            status,
            stdout,
            stderr,
        },
        start.elapsed(),
        peak_kb * 1024,
    )
}

fn command(args: &[&std::ffi::OsStr]) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("scim-doctor"));
    c.args(args).env("NO_COLOR", "1");
    c
}

/// Proves a 6 MB `Users.json.gz` holding 6 GiB of whitespace is refused with exit 2 at
/// the whitespace bound, naming the file, in seconds and under 200 MB.
#[test]
fn a_whitespace_gz_bomb_is_refused_fast_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    let spaces = vec![b' '; 1 << 20];
    let bomb = gz_of(&[(&spaces, 6 << 10)]);
    assert!(bomb.len() < 16 << 20, "{} bytes", bomb.len());
    std::fs::write(snap.join("Users.json.gz"), &bomb).unwrap();
    let (out, took, rss) = run_measured(command(&[
        "check".as_ref(),
        "--snapshot".as_ref(),
        snap.as_os_str(),
    ]));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Users.json.gz"), "{stderr}");
    assert!(stderr.contains("16 MiB of whitespace"), "{stderr}");
    assert!(rss < 200 << 20, "peak RSS {} MB", rss >> 20);
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// Proves a small `.gz` holding one 512 MiB string is refused at the one-value bound with
/// exit 2, naming the file and the position, without holding the string.
#[test]
fn one_huge_string_in_a_gz_is_refused_at_the_value_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.json.gz");
    let a = vec![b'a'; 1 << 20];
    let gz = gz_of(&[
        (br#"{"Resources":[{"id":"1","userName":""#, 1),
        (&a, 512),
        (br#""}]}"#, 1),
    ]);
    assert!(gz.len() < 1 << 20, "{} bytes", gz.len());
    std::fs::write(&file, &gz).unwrap();
    let (out, took, rss) = run_measured(command(&[
        "check".as_ref(),
        "--snapshot".as_ref(),
        file.as_os_str(),
    ]));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("users.json.gz"), "{stderr}");
    assert!(
        stderr.contains("128 MiB (the bound for one JSON value) at byte"),
        "{stderr}"
    );
    assert!(rss < 700 << 20, "peak RSS {} MB", rss >> 20);
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

/// Proves a 1 MB bundle whose one NDJSON line holds a 1 GiB userName is refused at the
/// line bound with exit 2, naming the entry and the line.
#[test]
fn one_huge_ndjson_line_in_a_bundle_is_refused_at_the_line_bound() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("line.zip");
    let meta = entries(&real_bundle(dir.path()))
        .remove("snapshot/snapshot.json")
        .unwrap();
    let a = vec![b'a'; 1 << 20];
    zip_of_parts(
        &zip,
        &[
            ("snapshot/snapshot.json", vec![(&meta, 1)]),
            (
                "snapshot/users.ndjson",
                vec![(br#"{"id":"1","userName":""#, 1), (&a, 1024), (b"\"}\n", 1)],
            ),
        ],
    );
    assert!(std::fs::metadata(&zip).unwrap().len() < 2 << 20);
    let (out, took, rss) = run_measured(command(&[
        "check".as_ref(),
        "--snapshot".as_ref(),
        zip.as_os_str(),
    ]));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("users.ndjson"), "{stderr}");
    assert!(
        stderr.contains("line 1 (from byte 0) is longer than 128 MiB"),
        "{stderr}"
    );
    assert!(rss < 700 << 20, "peak RSS {} MB", rss >> 20);
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

/// Proves `bundle verify` streams: a zip of a few MB whose listed entry inflates to 2 GiB
/// is hashed without holding it (the mismatch is reported, exit 1, under 200 MB).
#[test]
fn bundle_verify_streams_an_entry_that_inflates_to_gigabytes() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("big.zip");
    let zeros = vec![b'0'; 1 << 20];
    let manifest = serde_json::json!({
        "format": "scim-doctor-bundle/1",
        "generated_at": "2026-11-26T08:00:00Z",
        "tool_version": "0",
        "files": [{"path": "requests.jsonl", "size": 1, "sha256": "00"}],
    })
    .to_string();
    zip_of_parts(
        &zip,
        &[
            ("requests.jsonl", vec![(&zeros, 2 << 10)]),
            ("manifest.json", vec![(manifest.as_bytes(), 1)]),
        ],
    );
    assert!(std::fs::metadata(&zip).unwrap().len() < 8 << 20);
    let (out, _took, rss) = run_measured(command(&[
        "bundle".as_ref(),
        "verify".as_ref(),
        zip.as_os_str(),
    ]));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("requests.jsonl: size 2147483648 differs"),
        "{stdout}"
    );
    assert!(rss < 200 << 20, "peak RSS {} MB", rss >> 20);
}

/// Proves an `inputs/` entry the inputs manifest does not name is never read: a bomb
/// there does not stop `check --snapshot` nor cost memory.
#[test]
fn unreferenced_inputs_entries_are_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let files = entries(&real_bundle(dir.path()));
    let zeros = vec![b'0'; 1 << 20];
    let mut parts: Vec<(&str, Parts)> = files
        .iter()
        .map(|(n, b)| (n.as_str(), vec![(b.as_slice(), 1)]))
        .collect();
    parts.push(("inputs/idp-users.csv", vec![(&zeros, 3 << 10)]));
    let zip = dir.path().join("unreferenced.zip");
    zip_of_parts(&zip, &parts);
    let (out, _took, rss) = run_measured(command(&[
        "check".as_ref(),
        "--snapshot".as_ref(),
        zip.as_os_str(),
    ]));
    assert!(out.status.code().unwrap() < 2, "{}", text(&out.stderr));
    assert!(rss < 200 << 20, "peak RSS {} MB", rss >> 20);
}

// --- snapshot files that are not files ---

fn check_dir(dir: &Path) -> std::process::Output {
    bin()
        .args(["check", "--snapshot"])
        .arg(dir)
        .output()
        .unwrap()
}

/// Proves a `Users.json` that is a pipe, a directory, a looping link or a link to
/// /dev/zero is exit 2 naming it: never skipped, which would read as an empty tenant.
#[cfg(unix)]
#[test]
fn a_snapshot_file_that_is_not_a_regular_file_is_exit_2_with_its_name() {
    let root = tempfile::tempdir().unwrap();
    let groups = std::fs::read(fixture("tenant-small").join("Groups.json")).unwrap();
    type Make = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "fifo",
            Box::new(|p: &Path| {
                let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            }),
            "named pipe",
        ),
        (
            "dir",
            Box::new(|p: &Path| std::fs::create_dir(p).unwrap()),
            "a directory",
        ),
        (
            "loop",
            Box::new(|p: &Path| std::os::unix::fs::symlink(p, p).unwrap()),
            "cannot be read",
        ),
        (
            "zero",
            Box::new(|p: &Path| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
            "character device",
        ),
    ];
    for (name, make, why) in cases {
        let snap = root.path().join(name);
        std::fs::create_dir(&snap).unwrap();
        std::fs::write(snap.join("Groups.json"), &groups).unwrap();
        make(&snap.join("Users.json"));
        let out = check_dir(&snap);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("Users.json"), "{name}: {stderr}");
        assert!(stderr.contains(why), "{name}: {stderr}");
    }
    // A device or a pipe given directly as --snapshot (a pipe would block an open).
    let out = bin()
        .args(["check", "--snapshot", "/dev/zero"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("character device"));
    let fifo = root.path().join("fifo").join("Users.json");
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("named pipe"),
        "{}",
        text(&out.stderr)
    );
}

/// Proves `Users.json` beside `users.json` is exit 2 naming both, where one used to be
/// ignored in silence; one of them alone still loads.
#[test]
fn two_snapshot_files_differing_only_in_case_are_exit_2_with_both_names() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    let users = std::fs::read(fixture("tenant-small").join("Users.json")).unwrap();
    std::fs::write(snap.join("Users.json"), &users).unwrap();
    let out = check_dir(&snap);
    assert!(out.status.code().unwrap() < 2, "{}", text(&out.stderr));
    std::fs::write(snap.join("users.json"), b"[]").unwrap();
    let out = check_dir(&snap);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Users.json") && stderr.contains("users.json"),
        "{stderr}"
    );
    assert!(stderr.contains("differ only in case"), "{stderr}");
}

// --- output files never followed through a planted link ---

/// Proves a symbolic link planted at `<zip>.partial` or `<zip>.sha256` makes the bundle
/// write fail (exit 2) without touching the file it points to, and leaves no partial file.
#[cfg(unix)]
#[test]
fn output_files_are_never_written_through_a_planted_link() {
    for planted in ["out.zip.partial", "out.zip.sha256"] {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(planted)).unwrap();
        let out = bin()
            .args(["check", "--snapshot"])
            .arg(fixture("tenant-small"))
            .arg("--bundle")
            .arg(dir.path().join("out.zip"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{planted}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains(planted), "{}", text(&out.stderr));
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "{planted}");
        if planted.ends_with(".sha256") {
            continue;
        }
        assert!(!dir.path().join("out.zip").exists());
    }
}

/// Proves the pseudonym map (`.map.json`) is not written through a planted link either.
#[cfg(unix)]
#[test]
fn the_pseudonym_map_is_never_written_through_a_planted_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("out.zip.map.json")).unwrap();
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(fixture("tenant-small"))
        .arg("--bundle")
        .arg(dir.path().join("out.zip"))
        .arg("--redact-pii")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

/// Proves `man --out DIR` and `demo --write-samples DIR` refuse (exit 2) to write a page or
/// a sample file through a symbolic link planted at its name, and leave its target alone.
#[cfg(unix)]
#[test]
fn man_pages_and_demo_samples_are_never_written_through_a_planted_link() {
    for (args, planted) in [
        (&["man", "--out"][..], "scim-doctor.1"),
        (&["demo", "--write-samples"][..], "entra-users.csv"),
        (&["demo", "--write-samples"][..], "entra-schema.json"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        std::os::unix::fs::symlink(&victim, out_dir.join(planted)).unwrap();
        let out = bin().args(args).arg(&out_dir).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {planted}: {stderr}");
        assert!(stderr.contains("symbolic links"), "{stderr}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious", "{planted}");
    }
}

// --- long values ---

/// Proves a 1 MB userName shared by two users (a duplicate finding) reaches the JSON
/// report clipped, with its length, while the bundle's snapshot keeps it whole.
#[test]
fn a_huge_value_is_clipped_in_reports_and_kept_whole_in_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    let name = format!("{}@example.com", "a".repeat(1_000_000));
    let users = serde_json::json!({"Resources": [
        {"id": "u1", "userName": name, "active": true},
        {"id": "u2", "userName": name, "active": true},
    ]});
    std::fs::write(snap.join("Users.json"), users.to_string()).unwrap();
    let zip = dir.path().join("b.zip");
    let out = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&snap)
        .arg("--bundle")
        .arg(&zip)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.code().unwrap() < 2, "{}", text(&out.stderr));
    assert!(
        stdout.contains("a…[clipped: 1000012 characters]"),
        "no clipped value in the report"
    );
    assert!(stdout.len() < 200_000, "{} bytes of report", stdout.len());
    let files = entries(&zip);
    assert!(files["report.json"].len() < 400_000);
    let kept = text(&files["snapshot/users.ndjson"]);
    assert_eq!(
        kept.matches(&name).count(),
        2,
        "the snapshot keeps the value whole"
    );
}

// --- many tiny broken items ---

/// Proves a file of many tiny unusable items lists the first `MAX_LISTED_PARSE_ISSUES` of
/// each file with their positions and only counts the rest ("and K more"), while every
/// item is still accounted for; built at test time with the real cap (1,000 per file).
#[test]
fn parse_issues_past_the_cap_are_counted_not_listed() {
    let cap = scim_doctor::model::MAX_LISTED_PARSE_ISSUES;
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    let good = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1","userName":"a@example.com"}"#;
    // Users: cap + 500 broken items (alternately not JSON, and JSON without an id), then
    // one good user. Groups: cap + 20 groups without an id: its own cap.
    let mut users = String::new();
    for n in 0..cap + 500 {
        users.push_str(if n % 2 == 0 { "x\n" } else { "{}\n" });
    }
    users.push_str(good);
    users.push('\n');
    let groups = "{\"displayName\":\"g\"}\n".repeat(cap + 20);
    let meta = serde_json::json!({
        "format": "scim-doctor-snapshot", "version": 1, "label": "broken",
        "fetched_at": "2026-11-26T08:00:00Z",
        "completeness": {"users_complete": true, "groups_complete": true},
        "counts": {"users": 1, "groups": 0}
    });
    std::fs::write(snap.join("snapshot.json"), meta.to_string()).unwrap();
    std::fs::write(snap.join("users.ndjson"), users).unwrap();
    std::fs::write(snap.join("groups.ndjson"), groups).unwrap();
    let out = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&snap)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "input-integrity")
        .expect("input-integrity");
    let dropped = 2 * cap + 520;
    assert_eq!(check["data"]["dropped"], dropped, "{}", check["data"]);
    assert_eq!(check["data"]["users"], 1);
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{dropped} resources dropped")),
        "{}",
        check["message"]
    );
    let subjects = check["subjects"].as_array().unwrap();
    let listed = |file: &str| {
        subjects
            .iter()
            .filter(|s| s["id"].as_str().unwrap_or("").starts_with(file))
            .count()
    };
    assert_eq!(listed("users.ndjson line"), cap);
    assert_eq!(listed("groups.ndjson line"), cap);
    // The first ones keep their positions.
    assert!(subjects.iter().any(|s| s["id"] == "users.ndjson line 1"));
    let more = subjects
        .iter()
        .find(|s| s["detail"].as_str().unwrap_or("").starts_with("and "))
        .expect("an `and K more` subject");
    assert!(
        more["detail"].as_str().unwrap().contains("and 520 more"),
        "{more}"
    );
}
