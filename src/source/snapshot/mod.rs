//! Tenants on disk: the snapshot directory `scim-doctor snapshot` writes, the plain
//! directory holding `Users.json` / `Groups.json` / `search.json` as `curl` returns them (a
//! SCIM ListResponse, a `/.search` result, a JSON array), a single such file, and a bundle
//! zip's `snapshot/` entries. Bundles reuse the snapshot layout through `to_files` /
//! `from_files`.
//!
//! This module finds the files; `formats` reads resources out of them (streaming, any
//! encoding, gzip), `completeness` decides what the files say about the whole tenant, and
//! `write` writes snapshots. Every resource read goes through `model::Intake`, so each one
//! is analysed or reported: see docs/input.md.
//!
//! Snapshot layout (format version 1):
//! - `snapshot.json`: meta (format, version, label, scrubbed base URL, fetched_at,
//!   completeness, counts, parse issues)
//! - `users.ndjson`, `groups.ndjson`: one SCIM resource per line (`User::to_scim()`)
//! - `discovery/ServiceProviderConfig.json`, `discovery/Schemas.json`,
//!   `discovery/ResourceTypes.json`: when they were fetched
//! - `requests.jsonl`: the transcript, one `TranscriptEntry` per line
//!
//! NDJSON is read line by line so that a snapshot of a million users loads without ever
//! holding the raw file in memory.

pub mod bounds;
mod completeness;
mod document;
mod formats;
mod pipeline;
#[cfg(test)]
mod tests;
mod write;

pub use formats::DocSummary;
pub use write::{
    group_json, other_files, to_files, to_files_with, user_json, write_dir, write_line,
};

use super::http::TranscriptEntry;
use crate::model::{Completeness, DuplicateId, Intake, Kind, ParseIssue, Tenant};
use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "scim-doctor-snapshot";
pub const VERSION: u32 = 1;
pub const META_FILE: &str = "snapshot.json";
pub const USERS_FILE: &str = "users.ndjson";
pub const GROUPS_FILE: &str = "groups.ndjson";
pub const REQUESTS_FILE: &str = "requests.jsonl";
pub const SPC_FILE: &str = "discovery/ServiceProviderConfig.json";
pub const SCHEMAS_FILE: &str = "discovery/Schemas.json";
pub const RESOURCE_TYPES_FILE: &str = "discovery/ResourceTypes.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub users: usize,
    pub groups: usize,
    #[serde(default)]
    pub parse_issues: usize,
    #[serde(default)]
    pub requests: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The content of `snapshot.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub format: String,
    pub version: u32,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    pub fetched_at: String,
    pub completeness: Completeness,
    pub counts: Counts,
    /// Resources the model could not use when fetched (kept so that offline runs see the
    /// same tenant as the live run did).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parse_issues: Vec<ParseIssue>,
    /// Resources the model could not use past the listed ones (`Tenant::parse_issues_unlisted`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub parse_issues_unlisted: usize,
    /// Resources received twice when fetched (kept once), for the same reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<DuplicateId>,
}

impl SnapshotMeta {
    pub fn of(tenant: &Tenant, transcript_len: usize, base_url: Option<&str>) -> Self {
        SnapshotMeta {
            format: FORMAT.into(),
            version: VERSION,
            label: tenant.label.clone(),
            base_url: base_url.map(crate::secret::scrub),
            fetched_at: crate::util::now_rfc3339(),
            completeness: tenant.completeness.clone(),
            counts: Counts {
                users: tenant.users.len(),
                groups: tenant.groups.len(),
                parse_issues: tenant.dropped(),
                requests: transcript_len,
            },
            parse_issues: tenant.parse_issues.clone(),
            parse_issues_unlisted: tenant.parse_issues_unlisted,
            duplicates: tenant.duplicates.clone(),
        }
    }
}

/// Opens a file of the store by name (`None` when absent).
type Opener<'a> = dyn Fn(&str) -> Option<std::io::Result<Box<dyn Read + Send + 'a>>> + 'a;

/// The file `name` (or `name.gz`) from the store, with the name it was found under.
fn open_named<'a>(
    open: &Opener<'a>,
    name: &str,
) -> anyhow::Result<Option<(String, Box<dyn Read + Send + 'a>)>> {
    for candidate in [name.to_string(), format!("{name}.gz")] {
        if let Some(r) = open(&candidate) {
            let r = r.with_context(|| format!("cannot open {candidate}"))?;
            return Ok(Some((candidate, r)));
        }
    }
    Ok(None)
}

fn parse_meta(bytes: &[u8]) -> anyhow::Result<SnapshotMeta> {
    let meta: SnapshotMeta = formats::read_small_json(bytes)
        .map_err(|e| anyhow!("{META_FILE} is not a scim-doctor snapshot meta file: {e}"))?;
    if meta.format != FORMAT {
        bail!(
            "{META_FILE} has format `{}`, expected `{FORMAT}`",
            meta.format
        );
    }
    if meta.version > VERSION {
        bail!(
            "{META_FILE} is format version {}, this scim-doctor reads up to {VERSION}: upgrade scim-doctor",
            meta.version
        );
    }
    Ok(meta)
}

/// The resource files of a curl-output directory: (names tried, kind the name implies).
const CURL_FILES: [(&[&str], Option<Kind>); 3] = [
    (&["Users.json"], Some(Kind::User)),
    (&["Groups.json"], Some(Kind::Group)),
    (&["search.json", ".search.json", "Resources.json"], None),
];

/// A small file read whole (the meta, a discovery document), within `bounds::MAX_WHOLE`.
fn read_all(r: &mut dyn Read, name: &str) -> anyhow::Result<Vec<u8>> {
    let mut b = Vec::new();
    r.take(bounds::MAX_WHOLE + 1)
        .read_to_end(&mut b)
        .with_context(|| format!("cannot read {name}"))?;
    if b.len() as u64 > bounds::MAX_WHOLE {
        bail!(
            "{name} is larger than {} MiB, the most scim-doctor reads for it; refusing to read it",
            bounds::MAX_WHOLE >> 20
        );
    }
    Ok(b)
}

/// Loads a tenant from a store holding the snapshot layout or, failing that, the curl
/// layout. The tenant is labelled as recorded in the snapshot, else `label`.
fn load_store(label: &str, open: &Opener) -> anyhow::Result<Tenant> {
    match load_store_with(label, open, true)? {
        Some(t) => Ok(t),
        // A document the parallel reader left (see `pipeline`): all of it again, exactly.
        None => load_store_with(label, open, false)?
            .ok_or_else(|| anyhow!("{label}: the exact reader gave up (a bug: please report it)")),
    }
}

/// `load_store` with the parallel reader (`fast`), which may answer `None`: start over
/// with `fast` false.
fn load_store_with(label: &str, open: &Opener, fast: bool) -> anyhow::Result<Option<Tenant>> {
    let mut tenant = Tenant::new(label);
    if let Some((_, mut r)) = open_named(open, META_FILE)? {
        let meta = parse_meta(&read_all(&mut r, META_FILE)?)?;
        // The meta says how many users to expect: reserving once avoids the list doubling
        // (and briefly holding two copies) on its way to a million entries. A lying count
        // costs at most the cap.
        tenant.users.reserve(meta.counts.users.min(20_000_000));
        let mut present = [false, false];
        let mut intake = Intake::new(&mut tenant);
        for (i, (file, kind)) in [(USERS_FILE, Kind::User), (GROUPS_FILE, Kind::Group)]
            .into_iter()
            .enumerate()
        {
            if let Some((name, r)) = open_named(open, file)? {
                present[i] = true;
                intake.next_file();
                let src = formats::open_text(r).map_err(|e| anyhow!("{name}: {e}"))?;
                pipeline::ndjson(src, &name, kind, &mut intake)
                    .map_err(|e| anyhow!("{name}: {e}"))?;
            }
        }
        drop(intake);
        for (name, slot) in [
            (SPC_FILE, &mut tenant.discovery.service_provider_config),
            (SCHEMAS_FILE, &mut tenant.discovery.schemas),
            (RESOURCE_TYPES_FILE, &mut tenant.discovery.resource_types),
        ] {
            if let Some((n, mut r)) = open_named(open, name)? {
                let bytes = read_all(&mut r, &n)?;
                *slot = Some(formats::read_small_json(&bytes).map_err(|e| anyhow!("{n}: {e}"))?);
            }
        }
        completeness::apply_meta(&mut tenant, meta, label, present);
        return Ok(Some(tenant));
    }
    let mut docs = Vec::new();
    let mut intake = Intake::new(&mut tenant);
    for (names, hint) in CURL_FILES {
        for name in names {
            if let Some((found, r)) = open_named(open, name)? {
                intake.next_file();
                let src = formats::open_text(r).map_err(|e| anyhow!("{found}: {e}"))?;
                let summary = if fast {
                    match document::document(src, &found, hint, &mut intake) {
                        Ok(summary) => summary,
                        Err(pipeline::Fallback) => return Ok(None),
                    }
                } else {
                    formats::read_document(src, &found, hint, &mut intake)
                        .map_err(|e| anyhow!("{found}: {e}"))?
                };
                docs.push((found, hint, summary));
                break;
            }
        }
    }
    if docs.is_empty() {
        bail!("{label} holds neither a scim-doctor snapshot ({META_FILE}) nor Users.json / Groups.json / search.json");
    }
    let seen = [intake.users_seen, intake.groups_seen];
    drop(intake);
    completeness::apply_documents(&mut tenant, &docs, seen);
    Ok(Some(tenant))
}

/// Reads a snapshot from any file store (a bundle zip): `read(relative path)` returns the
/// bytes or `None` when absent. Accepts the snapshot layout and, failing that, the
/// `Users.json` / `Groups.json` curl layout.
pub fn from_files(label: &str, read: &dyn Fn(&str) -> Option<Vec<u8>>) -> anyhow::Result<Tenant> {
    let open = |name: &str| -> Option<std::io::Result<Box<dyn Read + Send>>> {
        read(name).map(|b| Ok(Box::new(std::io::Cursor::new(b)) as Box<dyn Read + Send>))
    };
    load_store(label, &open)
}

/// What a path that is neither a regular file nor a directory is, in words.
fn kind_of_special(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        return "a directory";
    }
    "not a regular file"
}

/// `p` when it is (or links to) a regular file; else why not, naming it.
fn regular_file(p: &Path) -> std::io::Result<PathBuf> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => Ok(p.to_path_buf()),
        Ok(m) => Err(std::io::Error::other(format!(
            "{} is {}, not a regular file: a snapshot file must be a plain file",
            p.display(),
            kind_of_special(m.file_type())
        ))),
        Err(e) => Err(std::io::Error::other(format!(
            "{} cannot be read ({e}): a snapshot file must be a plain readable file",
            p.display()
        ))),
    }
}

/// Opens one file of a store as a stream (`None` when absent).
pub type StreamOpener<'a> = dyn Fn(&str) -> Option<std::io::Result<Box<dyn Read + Send>>> + 'a;

/// Reads a snapshot from a store of streams (a bundle's `inputs/other-N/`): `open(relative
/// path)` returns the entry as a stream, or `None` when absent.
pub fn from_readers(label: &str, open: &StreamOpener<'_>) -> anyhow::Result<Tenant> {
    let open = |name: &str| -> Option<std::io::Result<Box<dyn Read + Send>>> { open(name) };
    load_store(label, &open)
}

/// Finds the file `name` in `dir`, ignoring case (`users.json` from a Windows copy).
/// Two names that differ only in case, or a match that is not a regular readable file
/// (a pipe, a directory, a device, a broken or looping link), are an error naming them:
/// never skipped, which would read as an empty tenant.
fn find_file(dir: &Path, name: &str) -> Option<std::io::Result<PathBuf>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|f| f.eq_ignore_ascii_case(name))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    match found.as_slice() {
        [] => None,
        [one] => Some(regular_file(one)),
        many => Some(Err(std::io::Error::other(format!(
            "{} differ only in case: keep the one to read and remove the other{}",
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            if many.len() > 2 { "s" } else { "" }
        )))),
    }
}

/// Loads a snapshot directory, a curl-output directory, a bundle zip or one JSON file.
pub fn load(path: &Path) -> anyhow::Result<Tenant> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.symlink_metadata().is_err() => {
            bail!("snapshot {} does not exist", path.display())
        }
        Err(e) => bail!("snapshot {} cannot be read: {e}", path.display()),
    };
    if meta.is_file() {
        return load_file(path);
    }
    if !meta.is_dir() {
        bail!(
            "snapshot {} is {}: give a snapshot directory, a bundle zip or a JSON file",
            path.display(),
            kind_of_special(meta.file_type())
        );
    }
    let label = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let open = |name: &str| -> Option<std::io::Result<Box<dyn Read + Send>>> {
        let p = match name.rsplit_once('/') {
            Some((sub, file)) => find_file(&path.join(sub), file)?,
            None => find_file(path, name)?,
        };
        Some(p.and_then(|p| std::fs::File::open(p).map(|f| Box::new(f) as Box<dyn Read + Send>)))
    };
    load_store(&label, &open).map_err(|e| {
        if e.to_string().contains("holds neither") {
            anyhow!(
                "{} holds neither Users.json, Groups.json nor search.json (nor a scim-doctor snapshot)",
                path.display()
            )
        } else {
            anyhow!("cannot load snapshot {}: {e:#}", path.display())
        }
    })
}

/// One file: a bundle zip, or a single JSON document (`curl .../Users > users.json`), whose
/// name hints the kind when its resources do not say it.
fn load_file(path: &Path) -> anyhow::Result<Tenant> {
    let mut head = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("cannot read {}", path.display()))?;
    if n == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06") {
        return load_zip(path);
    }
    match load_file_with(path, true)? {
        Some(t) => Ok(t),
        None => load_file_with(path, false)?.ok_or_else(|| {
            anyhow!(
                "{}: the exact reader gave up (a bug: please report it)",
                path.display()
            )
        }),
    }
}

/// `load_file` with the parallel reader (`fast`), or not (see `load_store_with`).
fn load_file_with(path: &Path, fast: bool) -> anyhow::Result<Option<Tenant>> {
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let lower = name.to_ascii_lowercase();
    let hint = if lower.contains("group") {
        Some(Kind::Group)
    } else if lower.contains("user") {
        Some(Kind::User)
    } else {
        None
    };
    let mut tenant = Tenant::new(name.clone());
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let fail = |e: String| anyhow!("cannot load snapshot {}: {e}", path.display());
    let src = formats::open_text(Box::new(file)).map_err(fail)?;
    let mut intake = Intake::new(&mut tenant);
    let summary = if lower.ends_with(".ndjson") || lower.ends_with(".ndjson.gz") {
        let kind = hint.unwrap_or(Kind::User);
        let n = pipeline::ndjson(src, &name, kind, &mut intake).map_err(fail)?;
        DocSummary {
            resources: n,
            ..Default::default()
        }
    } else if fast {
        match document::document(src, &name, hint, &mut intake) {
            Ok(summary) => summary,
            Err(pipeline::Fallback) => return Ok(None),
        }
    } else {
        formats::read_document(src, &name, hint, &mut intake).map_err(fail)?
    };
    let seen = [intake.users_seen, intake.groups_seen];
    drop(intake);
    completeness::apply_documents(&mut tenant, &[(name, hint, summary)], seen);
    Ok(Some(tenant))
}

/// Loads the `snapshot/` entries of a bundle zip (read with the safe-reading caps of
/// `archive::ReadLimits`: no path escapes, entry-count and size limits).
pub fn load_zip(path: &Path) -> anyhow::Result<Tenant> {
    use crate::archive;
    // Streamed entry by entry: a million-user bundle is never held in memory.
    let store = archive::ZipStore::open(path, archive::ReadLimits::default(), &|n| {
        n.starts_with("snapshot/")
    })
    .map_err(anyhow::Error::msg)?;
    if store.is_empty() {
        bail!(
            "{} holds no snapshot/ (the bundle was written with --no-snapshot, or is not a scim-doctor bundle)",
            path.display()
        );
    }
    let label = path
        .file_stem()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let open = |name: &str| store.reader(&format!("snapshot/{name}"));
    load_store(&label, &open).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Reads `requests.jsonl` back (for bundles and for `serve --snapshot` evidence).
pub fn read_transcript(bytes: &[u8]) -> Vec<TranscriptEntry> {
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect()
}
