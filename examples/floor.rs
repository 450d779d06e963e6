//! The load benchmark's floor (issue 13): the plainest typed serde parse of a tenant, into
//! structs holding only id, userName, externalId, displayName, active, emails[].value and
//! members[].value (everything else skipped by serde). `scripts/bench-load.sh` times it
//! next to `scim-doctor check --snapshot` on the same input and prints the ratio.
//!
//!     cargo run --release --example floor -- PATH
//!
//! PATH is what `--snapshot` takes: a snapshot directory (users.ndjson, groups.ndjson), a
//! directory with Users.json / Groups.json (a ListResponse or a bare array, optionally
//! gzip-compressed as Users.json.gz), or a bundle zip (its snapshot/*.ndjson entries).

use serde::Deserialize;
use std::io::Read;
use std::path::Path;

#[derive(Deserialize)]
#[allow(dead_code)] // read to measure the parse, never used
struct Value_ {
    value: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct Resource {
    id: Option<String>,
    user_name: Option<String>,
    external_id: Option<String>,
    display_name: Option<String>,
    active: Option<bool>,
    emails: Option<Vec<Value_>>,
    members: Option<Vec<Value_>>,
}

fn count_json(bytes: &[u8]) -> anyhow::Result<usize> {
    // A ListResponse starts with `{`, a bare array with `[`: parse straight into the type
    // (an untagged enum would buffer the whole document first).
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    Ok(match first {
        Some(b'[') => serde_json::from_slice::<Vec<Resource>>(bytes)?.len(),
        _ => serde_json::from_slice::<ListOnly>(bytes)?.resources.len(),
    })
}

#[derive(Deserialize)]
struct ListOnly {
    #[serde(rename = "Resources", default)]
    resources: Vec<Resource>,
}

fn count_ndjson(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut n = 0;
    for line in bytes.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let _r: Resource = serde_json::from_slice(line)?;
        n += 1;
    }
    Ok(n)
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        return Ok(out);
    }
    Ok(raw)
}

/// The file in `dir` whose name is one of `names` (ignoring case).
fn find(dir: &Path, names: &[&str]) -> anyhow::Result<Option<std::path::PathBuf>> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if names.contains(&name.as_str()) {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

fn parse_dir(dir: &Path) -> anyhow::Result<(usize, usize)> {
    let mut counts = [0usize; 2];
    for (i, kind) in ["users", "groups"].iter().enumerate() {
        let nd = format!("{kind}.ndjson");
        let js = format!("{kind}.json");
        let gz = format!("{kind}.json.gz");
        counts[i] = match find(dir, &[&nd, &js, &gz])? {
            Some(p) if p.to_string_lossy().ends_with(".ndjson") => count_ndjson(&read(&p)?)?,
            Some(p) => count_json(&read(&p)?)?,
            None => 0,
        };
    }
    Ok((counts[0], counts[1]))
}

fn parse_zip(path: &Path) -> anyhow::Result<(usize, usize)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let mut counts = [0usize; 2];
    for (i, name) in ["snapshot/users.ndjson", "snapshot/groups.ndjson"]
        .iter()
        .enumerate()
    {
        if let Ok(mut entry) = zip.by_name(name) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes)?;
            counts[i] = count_ndjson(&bytes)?;
        }
    }
    Ok((counts[0], counts[1]))
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("usage: floor PATH (a snapshot directory or zip)"))?;
    let started = std::time::Instant::now();
    let (users, groups) = if path.is_dir() {
        parse_dir(&path)?
    } else {
        parse_zip(&path)?
    };
    println!(
        "floor: {users} users, {groups} groups parsed in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
